# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The common tail of the file-writing PKI modules: run the pure ``ensure`` function, turn its
errors into one clear failure, pass on its warnings, and drop the diff unless --diff was asked for.

Takes the AnsibleModule object as an argument and imports nothing from Ansible, so the modules
stay thin and the behaviour is the same in each of them."""

from __future__ import annotations

import traceback
import typing as t

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import keys


def run_ensure(module: t.Any, ensure: t.Callable[[dict, bool], dict]) -> None:
    """Call ``ensure(params, check_mode)`` and exit the module with its result."""
    try:
        result = ensure(module.params, module.check_mode)
    except (keys.PKIError, files.FilesError) as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg=f'unexpected error: {exc}', exception=traceback.format_exc())
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    if not module._diff:  # pylint: disable=protected-access
        result.pop('diff', None)
    module.exit_json(**result)
