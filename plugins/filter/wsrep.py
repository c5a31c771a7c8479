# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation of each filter is in the sidecar files plugins/filter/<filter name>.yml.

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.module_utils import wsrep


def wsrep_options(current, **kwargs):
    """``current | dbtls.transport.wsrep_options(set={...}, remove=[...])`` -> option string."""
    unknown = sorted(set(kwargs) - {'set', 'remove'})
    if unknown:
        raise AnsibleFilterError(f'wsrep_options: unknown argument(s) {", ".join(unknown)} (use set and remove)')
    try:
        return wsrep.compute(current, kwargs.get('set'), kwargs.get('remove'))['value']
    except wsrep.WsrepError as exc:
        raise AnsibleFilterError(f'wsrep_options: {exc}') from exc


def wsrep_options_parse(current):
    """``current | dbtls.transport.wsrep_options_parse`` -> ordered dict of the options."""
    try:
        return wsrep.compute(current)['options']
    except wsrep.WsrepError as exc:
        raise AnsibleFilterError(f'wsrep_options_parse: {exc}') from exc


class FilterModule:
    """Galera wsrep_provider_options filters."""

    def filters(self):
        return {
            'wsrep_options': wsrep_options,
            'wsrep_options_parse': wsrep_options_parse,
        }
