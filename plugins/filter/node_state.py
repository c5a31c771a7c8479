# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation of each filter is in the sidecar files plugins/filter/<filter name>.yml.

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.module_utils import node_state


def changed_after_start(paths, started, only=None):
    """``host.paths | dbtls.transport.changed_after_start(unit.started, files)`` -> the paths changed
    after the process started."""
    if not isinstance(paths, dict):
        raise AnsibleFilterError(f'changed_after_start: input must be a dict of path entries, got {type(paths).__name__}')
    if only is not None and (isinstance(only, (str, bytes)) or not isinstance(only, (list, tuple))):
        raise AnsibleFilterError(f'changed_after_start: only must be a list of paths, got {type(only).__name__}')
    try:
        return node_state.changed_after_start(paths, started, only)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(f'changed_after_start: {exc}') from exc


class FilterModule:
    """Comparing what a node read (host_info, galera_node_info) with when its processes started."""

    def filters(self):
        return {'changed_after_start': changed_after_start}
