# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation of each filter is in the sidecar files plugins/filter/<filter name>.yml.

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.module_utils import local_facts


def local_record(ansible_facts, name='dbtls_pki'):
    """``ansible_facts | dbtls.transport.local_record('dbtls_pki')`` -> the recorded facts, or {}."""
    if not isinstance(name, str):
        raise AnsibleFilterError(f'local_record: name must be a string, got {type(name).__name__}')
    return local_facts.record(ansible_facts, name)


class FilterModule:
    """Reading facts recorded by dbtls.transport.local_facts."""

    def filters(self):
        return {'local_record': local_record}
