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


class ModuleLabels:
    """files.Labels over AnsibleModule's own SELinux methods, so that the modules label files as
    ansible.builtin.copy does: through ansible-core's libselinux binding (which needs no
    python3-libselinux, whatever Python runs the module), with its handling of file systems that
    carry one label per mount (NFS, FUSE, ...: set_context_if_different keeps the mount's)."""

    def __init__(self, module: t.Any) -> None:
        self._module = module

    @staticmethod
    def _text(context: list) -> str | None:
        return ':'.join(context) if context and context[0] is not None else None

    def of(self, path: str) -> str | None:
        return self._text(self._module.selinux_context(path))

    def default(self, path: str, mode: int) -> str | None:
        return self._text(self._module.selinux_default_context(path, mode))

    def apply(self, path: str, context: str) -> None:
        # Fails the module (naming the path) when the label cannot be set; the files staged so far
        # are removed on the way out (files.write_files).
        self._module.set_context_if_different(path, context.split(':', 3), False)


def labels_for(module: t.Any) -> ModuleLabels | None:
    """ModuleLabels where SELinux is enabled on the host, else None (nothing is labelled)."""
    return ModuleLabels(module) if module.selinux_enabled() else None


def run_ensure(module: t.Any, ensure: t.Callable[[dict, bool], dict], errors: tuple = ()) -> None:
    """Call ``ensure(params, check_mode)`` and exit the module with its result. Files written on
    the way are labelled through the module (labels_for()). ``errors``: exception classes of the
    caller's own checks, reported like the PKI and file errors (their message alone)."""
    try:
        with files.labelling(labels_for(module)):
            result = ensure(module.params, module.check_mode)
    except (keys.PKIError, files.FilesError) + tuple(errors) as exc:
        module.fail_json(msg=str(exc))
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg=f'unexpected error: {exc}', exception=traceback.format_exc())
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    if not module._diff:  # pylint: disable=protected-access
        result.pop('diff', None)
    module.exit_json(**result)
