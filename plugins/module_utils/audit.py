# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate audit: what to check on a host, one flat entry per certificate, and the report
formats (Prometheus text exposition, Markdown). Standard library only, so it is unit-testable and
shared by the filters the audit playbook uses."""

from __future__ import annotations

import datetime
import json
import typing as t


class AuditError(Exception):
    """Input the audit cannot use; the message names it."""


def deployed_certificates(pki_facts: t.Mapping[str, t.Any] | None) -> list[dict]:
    """The certificates the pki role recorded in its local facts (dbtls_pki.fact)."""
    if not pki_facts:
        return []
    bundle = pki_facts.get('ca_bundle') or ''
    service = pki_facts.get('service_group') or ''
    found = []
    if pki_facts.get('peer_cert'):
        found.append({'path': pki_facts['peer_cert'], 'key_path': pki_facts.get('peer_key') or '',
                      'ca_path': bundle, 'service': service})
    directory = pki_facts.get('dir') or ''
    for name in pki_facts.get('client_names') or []:
        found.append({'path': f'{directory}/client-{name}.crt', 'key_path': f'{directory}/client-{name}.key',
                      'ca_path': bundle, 'service': f'client {name}'})
    return found


def _epoch(iso: str | None) -> int | None:
    if not iso:
        return None
    value = datetime.datetime.fromisoformat(iso.replace('Z', '+00:00'))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return int(value.timestamp())


def audit_entry(verify_result: t.Mapping[str, t.Any], host: str) -> dict:
    """Flatten one looped tls_verify result (its ``item`` is the audited target) into a report row."""
    target = verify_result.get('item') or {}
    if not isinstance(target, t.Mapping) or 'path' not in target:
        raise AuditError('audit_entry expects a looped tls_verify result whose item has a path')
    cert = verify_result.get('certificate') or {}
    findings = list(verify_result.get('findings') or [])
    if verify_result.get('failed') and not findings:
        findings.append(f"{target['path']}: {verify_result.get('msg', 'check failed')}")
    entry = {
        'host': host,
        'path': target['path'],
        'service': target.get('service', ''),
        'subject': cert.get('subject', ''),
        'issuer': cert.get('issuer', ''),
        'sans': list(cert.get('sans') or []),
        'usage': cert.get('usage', ''),
        'not_after': cert.get('not_after'),
        'not_after_epoch': _epoch(cert.get('not_after')),
        'days_left': cert.get('days_left'),
        'verifies': not findings,
        'findings': findings,
        'problems': bool(findings),
    }
    entry['summary'] = (f"{host} {target['path']}: " + '; '.join(findings)) if findings else \
        f"{host} {target['path']}: ok, {entry['days_left']} days left"
    return entry


def _label(value: t.Any) -> str:
    # Prometheus text format: backslash, double quote and newline are escaped in label values.
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


def prometheus_text(entries: t.Iterable[t.Mapping[str, t.Any]], timestamp: int | None = None) -> str:
    """Metrics for node_exporter's textfile collector, one series per certificate."""
    entries = list(entries)
    families = [
        ('dbtls_certificate_not_after_seconds', 'gauge',
         'Expiry of the certificate, seconds since the epoch.', lambda e: e['not_after_epoch']),
        ('dbtls_certificate_days_left', 'gauge',
         'Whole days until the certificate expires (negative once expired).', lambda e: e['days_left']),
        ('dbtls_certificate_valid', 'gauge',
         '1 when the certificate verifies against its CA bundle with no finding, else 0.',
         lambda e: 0 if e['problems'] else 1),
    ]
    lines = []
    for name, kind, help_text, value_of in families:
        lines.append(f'# HELP {name} {help_text}')
        lines.append(f'# TYPE {name} {kind}')
        for entry in entries:
            value = value_of(entry)
            if value is None:
                continue
            labels = ','.join(f'{key}="{_label(entry.get(key, ""))}"'
                              for key in ('host', 'path', 'service', 'subject', 'issuer'))
            lines.append(f'{name}{{{labels}}} {value}')
    if timestamp is not None:
        lines.append('# HELP dbtls_certificate_audit_timestamp_seconds When the audit last ran.')
        lines.append('# TYPE dbtls_certificate_audit_timestamp_seconds gauge')
        lines.append(f'dbtls_certificate_audit_timestamp_seconds {int(timestamp)}')
    return '\n'.join(lines) + '\n'


def _cell(value: t.Any) -> str:
    return str(value if value is not None else '').replace('|', '\\|').replace('\n', ' ')


def markdown_report(entries: t.Iterable[t.Mapping[str, t.Any]], min_days_left: int) -> str:
    """A table a person reads at a glance: problems first, then by days left."""
    entries = sorted(entries, key=lambda e: (not e['problems'], e['days_left'] if e['days_left'] is not None else -10**9,
                                             e['host'], e['path']))
    problems = sum(1 for e in entries if e['problems'])
    lines = ['# TLS certificate audit', '',
             f'{len(entries)} certificates, {problems} with problems (threshold: {min_days_left} days).', '',
             '| host | path | service | subject | issuer | days left | verifies | findings |',
             '| --- | --- | --- | --- | --- | ---: | --- | --- |']
    for e in entries:
        lines.append('| ' + ' | '.join(_cell(v) for v in (
            e['host'], e['path'], e['service'], e['subject'], e['issuer'], e['days_left'],
            'yes' if e['verifies'] else 'NO', '; '.join(e['findings']))) + ' |')
    return '\n'.join(lines) + '\n'


def json_report(entries: t.Iterable[t.Mapping[str, t.Any]], min_days_left: int) -> str:
    entries = list(entries)
    return json.dumps({'min_days_left': min_days_left,
                       'problems': sum(1 for e in entries if e['problems']),
                       'certificates': entries}, indent=2, sort_keys=True) + '\n'
