# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Filters behind the dbtls.transport.audit role; the logic is in module_utils/audit.py."""

from __future__ import annotations

# Documentation of each filter is in the sidecar files plugins/filter/<filter name>.yml.

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.module_utils import audit


def _wrap(name, func):
    """Bad input becomes an AnsibleFilterError that names the filter, never a Python traceback."""
    def run(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except (audit.AuditError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise AnsibleFilterError(f'dbtls.transport.{name}: {exc}') from exc
    run.__name__ = name
    return run


class FilterModule:
    """Audit filters: rows from tls_verify results, and the Prometheus, Markdown and JSON reports."""

    def filters(self):
        return {name: _wrap(name, func) for name, func in (
            ('audit_entry', audit.audit_entry),
            ('deployed_certificates', audit.deployed_certificates),
            ('pki_client_files', audit.pki_client_files),
            ('audit_prometheus', audit.prometheus_text),
            ('audit_markdown', audit.markdown_report),
            ('audit_json', audit.json_report),
        )}
