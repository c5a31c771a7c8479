# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters behind playbooks/audit.yml; the logic is in module_utils/audit.py."""

from __future__ import annotations

# Documentation of each filter is in the sidecar files plugins/filter/<filter name>.yml.

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.module_utils import audit


def _wrap(func):
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (audit.AuditError, KeyError, TypeError, ValueError) as exc:
            raise AnsibleFilterError(f'{func.__name__}: {exc}') from exc
    return run


class FilterModule:
    def filters(self):
        return {
            'audit_entry': _wrap(audit.audit_entry),
            'deployed_certificates': _wrap(audit.deployed_certificates),
            'audit_prometheus': _wrap(audit.prometheus_text),
            'audit_markdown': _wrap(audit.markdown_report),
            'audit_json': _wrap(audit.json_report),
        }
