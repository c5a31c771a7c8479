# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation of each filter is in the sidecar files plugins/filter/<filter name>.yml.

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.dbtls.transport.plugins.module_utils import galera_recovery


def galera_recovery_plan(nodes, order=None, bootstrap_node='', allow_data_loss=False, stop_settling=False):
    """``{name: node} | dbtls.transport.galera_recovery_plan(order=[...])`` -> the recovery plan."""
    if not isinstance(nodes, dict):
        raise AnsibleFilterError(f'galera_recovery_plan: expects a mapping of node name to state, got {type(nodes).__name__}')
    if order is not None and not isinstance(order, (list, tuple)):
        raise AnsibleFilterError(f'galera_recovery_plan: order must be a list of names, got {type(order).__name__}')
    if not isinstance(bootstrap_node, str):
        raise AnsibleFilterError('galera_recovery_plan: bootstrap_node must be a string')
    try:
        # boolean(): an extra variable arrives as the string "false", which bool() would take as true.
        return galera_recovery.plan(dict(nodes), order=list(order or []), bootstrap_node=bootstrap_node,
                                    allow_data_loss=boolean(allow_data_loss, strict=True),
                                    stop_settling=boolean(stop_settling, strict=True))
    except TypeError as exc:
        raise AnsibleFilterError(f'galera_recovery_plan: allow_data_loss, stop_settling: {exc}') from exc
    except galera_recovery.RecoveryError as exc:
        raise AnsibleFilterError(f'galera_recovery_plan: {exc}') from exc


class FilterModule:
    """Galera whole-cluster recovery filters."""

    def filters(self):
        return {'galera_recovery_plan': galera_recovery_plan}
