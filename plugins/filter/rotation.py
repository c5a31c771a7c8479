# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rotate_ca role's stage decision; the logic is in module_utils/rotation.py."""

from __future__ import annotations

# Documentation is in the sidecar file plugins/filter/rotation_stage.yml.

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.module_utils import rotation


def rotation_stage(observed):
    """Bad input becomes an AnsibleFilterError that names the filter, never a Python traceback."""
    try:
        return rotation.rotation_stage(observed)
    except rotation.RotationError as exc:
        raise AnsibleFilterError(f'dbtls.transport.rotation_stage: {exc}') from exc


class FilterModule:
    """Where a host stands in a CA rotation."""

    def filters(self):
        return {'rotation_stage': rotation_stage}
