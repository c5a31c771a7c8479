# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate audit: what to check on a host, one flat entry per certificate, and the report
formats (Prometheus text exposition, Markdown, JSON). Standard library only, so it is
unit-testable and shared by the filters the audit role uses.

Two questions are kept apart in every row and every report:

- **valid**: the certificate verifies (chain to its CA bundle, within its dates, key match),
  i.e. tls_verify found nothing. A certificate that is not valid is broken now.
- **expiring_soon**: it has fewer days left than the audit's threshold (``audit_min_days_left``).
  That is a policy: the certificate still works, it needs renewing.
"""

from __future__ import annotations

import datetime
import json
import typing as t


class AuditError(Exception):
    """Input the audit cannot use; the message names it."""


# The columns every row has; the report functions refuse anything else.
ROW_KEYS = ('host', 'path', 'service', 'subject', 'issuer', 'days_left', 'not_after_epoch', 'valid',
            'expiring_soon', 'findings', 'problems')

# Labels of every Prometheus series, in this order.
LABELS = ('host', 'path', 'service', 'subject', 'issuer')


def _type_name(value: t.Any) -> str:
    """The YAML/JSON name of a value's type, for messages (Ansible wraps str and dict in subclasses)."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, (str, bytes)):
        return 'str'
    if isinstance(value, t.Mapping):
        return 'dict'
    if isinstance(value, (list, tuple)):
        return 'list'
    return type(value).__name__


def _excerpt(value: t.Any, limit: int = 60) -> str:
    text = str(value)
    return repr(text if len(text) <= limit else text[:limit] + '...')


def _threshold(value: t.Any) -> int:
    """min_days_left as a whole number of days (``-e audit_min_days_left=30`` arrives as a string)."""
    if isinstance(value, bool):
        raise AuditError(f'min_days_left must be a whole number of days, got bool {value!r}')
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise AuditError(f'min_days_left must be a whole number of days, got {_type_name(value)} '
                         f'{_excerpt(value)}') from None
    if number < 0:
        raise AuditError(f'min_days_left must be 0 or more, got {number}')
    return number


def _pki_record(pki_facts: t.Any) -> t.Mapping[str, t.Any]:
    """``pki_facts`` checked to be the pki role's record (None: no record, {})."""
    if pki_facts is None:
        return {}
    if not isinstance(pki_facts, t.Mapping):
        # Ansible puts a string in ansible_local when it cannot parse a fact file: quote its start.
        raise AuditError("expects a dict (ansible_local.dbtls_pki, the pki role's local facts), got "
                         f'{_type_name(pki_facts)} {_excerpt(pki_facts)}')
    return pki_facts


def pki_client_files(pki_facts: t.Mapping[str, t.Any] | None) -> dict:
    """{name: {'cert': path, 'key': path}} for each client certificate the pki role recorded. A
    record written before the role recorded 'clients' has the names only: <dir>/client-<name>.*"""
    pki_facts = _pki_record(pki_facts)
    names = pki_facts.get('client_names') or []
    if not isinstance(names, (list, tuple)):
        raise AuditError(f'client_names in the pki facts must be a list, got {_type_name(names)} {_excerpt(names)}')
    clients = pki_facts.get('clients') or {}
    if not isinstance(clients, t.Mapping):
        raise AuditError(f'clients in the pki facts must be a dict, got {_type_name(clients)} {_excerpt(clients)}')
    directory = pki_facts.get('dir') or ''
    files = {}
    for name in names:
        pair = clients.get(name) or {'cert': f'{directory}/client-{name}.crt', 'key': f'{directory}/client-{name}.key'}
        files[name] = {'cert': pair.get('cert') or '', 'key': pair.get('key') or ''}
    return files


def deployed_certificates(pki_facts: t.Mapping[str, t.Any] | None) -> list[dict]:
    """The certificates the pki role recorded in its local facts (dbtls_pki.fact)."""
    pki_facts = _pki_record(pki_facts)
    if not pki_facts:
        return []
    bundle = pki_facts.get('ca_bundle') or ''
    service = pki_facts.get('service_group') or ''
    found = []
    if pki_facts.get('peer_cert'):
        found.append({'path': pki_facts['peer_cert'], 'key_path': pki_facts.get('peer_key') or '',
                      'ca_path': bundle, 'service': service})
    for name, pair in pki_client_files(pki_facts).items():
        found.append({'path': pair['cert'], 'key_path': pair['key'], 'ca_path': bundle, 'service': f'client {name}'})
    return found


def _epoch(iso: str | None) -> int | None:
    if not iso:
        return None
    value = datetime.datetime.fromisoformat(iso.replace('Z', '+00:00'))
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return int(value.timestamp())


def audit_entry(verify_result: t.Mapping[str, t.Any], host: str, min_days_left: t.Any = 0) -> dict:
    """Flatten one looped tls_verify result (its ``item`` is the audited target) into a report row.

    ``valid`` is tls_verify's verdict (no finding). ``expiring_soon`` compares ``days_left`` with
    ``min_days_left`` here, so tls_verify must run with ``min_days_left: 0``: with a threshold of
    its own, an expiring certificate would come back as a finding, i.e. as not valid.
    """
    if not isinstance(verify_result, t.Mapping):
        raise AuditError('expects a dict (one element of the results of a looped dbtls.transport.tls_verify '
                         f'task), got {_type_name(verify_result)} {_excerpt(verify_result)}')
    threshold = _threshold(min_days_left)
    target = verify_result.get('item') or {}
    if not isinstance(target, t.Mapping) or 'path' not in target:
        raise AuditError('expects a looped tls_verify result whose item has a path')
    invocation = verify_result.get('invocation')
    module_args = invocation.get('module_args') if isinstance(invocation, t.Mapping) else None
    ran_with = module_args.get('min_days_left') if isinstance(module_args, t.Mapping) else None
    if isinstance(ran_with, int) and ran_with > 0:
        raise AuditError(f"{target['path']}: the tls_verify task ran with min_days_left "
                         f"{module_args['min_days_left']}, which reports an expiring certificate as not "
                         'valid; run it with min_days_left 0 and give the threshold to audit_entry')
    cert = verify_result.get('certificate') or {}
    findings = [str(f) for f in verify_result.get('findings') or []]
    if verify_result.get('failed') and not findings:
        findings.append(f"{target['path']}: {verify_result.get('msg', 'check failed')}")
    days_left = cert.get('days_left')
    valid = not findings
    # Fewer days left than the threshold; an expired certificate counts as well (it is also not valid).
    expiring_soon = bool(threshold and days_left is not None and days_left < threshold)
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
        'days_left': days_left,
        'min_days_left': threshold,
        'valid': valid,
        'expiring_soon': expiring_soon,
        'findings': findings,
        'problems': not valid or expiring_soon,
    }
    parts = []
    if not valid:
        parts.append('NOT VALID: ' + '; '.join(findings))
    if expiring_soon:
        parts.append(f"{'' if valid else 'and '}{days_left} days left, fewer than the {threshold} of "
                     f"audit_min_days_left (expires {cert.get('not_after')})"
                     + ('; the certificate is valid, renew it' if valid else ''))
    if not parts:
        parts.append(f'ok, {days_left} days left')
    entry['summary'] = f"{host} {target['path']}: " + '; '.join(parts)
    return entry


def _rows(entries: t.Any) -> list[t.Mapping[str, t.Any]]:
    """The report functions take a list of audit_entry rows and nothing else."""
    if isinstance(entries, (str, bytes)) or isinstance(entries, t.Mapping) or \
            not isinstance(entries, t.Iterable):
        raise AuditError(f'expects a list of rows from dbtls.transport.audit_entry, got {_type_name(entries)} '
                         f'{_excerpt(entries)}')
    rows = list(entries)
    for index, row in enumerate(rows):
        if not isinstance(row, t.Mapping):
            raise AuditError(f'element {index} is a {_type_name(row)}, not a row from dbtls.transport.audit_entry')
        missing = [key for key in ROW_KEYS if key not in row]
        if missing:
            raise AuditError(f'element {index} is not a row from dbtls.transport.audit_entry '
                             f'(no {", ".join(missing)})')
    return rows


def _label(value: t.Any) -> str:
    # Prometheus text format: backslash, double quote and newline are escaped in label values.
    return str(value).replace('\\', '\\\\').replace('"', '\\"').replace('\n', '\\n')


# name, help text, value of a row (None: no sample for that row). The alerting rules shipped in
# roles/audit/files/prometheus/ use these names; a unit test holds them to this table.
METRICS = (
    ('dbtls_certificate_not_after_seconds',
     'Expiry of the certificate, seconds since the epoch.', lambda e: e['not_after_epoch']),
    ('dbtls_certificate_days_left',
     'Whole days until the certificate expires when the audit ran (negative once expired).',
     lambda e: e['days_left']),
    ('dbtls_certificate_valid',
     '1 when the certificate verifies (chain to its CA bundle, dates, key match), else 0; '
     'expiry under the audit threshold does not change it.',
     lambda e: 1 if e['valid'] else 0),
    ('dbtls_certificate_expiring_soon',
     '1 when the certificate has fewer days left than audit_min_days_left (expired included), else 0.',
     lambda e: 1 if e['expiring_soon'] else 0),
)
TIMESTAMP_METRIC = 'dbtls_certificate_audit_timestamp_seconds'


def metric_names() -> list[str]:
    """Every metric name prometheus_text can write."""
    return [name for name, _help, _value in METRICS] + [TIMESTAMP_METRIC]


def prometheus_text(entries: t.Iterable[t.Mapping[str, t.Any]], timestamp: int | None = None) -> str:
    """Metrics for node_exporter's textfile collector, one series per certificate."""
    entries = _rows(entries)
    lines = []
    for name, help_text, value_of in METRICS:
        lines.append(f'# HELP {name} {help_text}')
        lines.append(f'# TYPE {name} gauge')
        for entry in entries:
            value = value_of(entry)
            if value is None:
                continue
            labels = ','.join(f'{key}="{_label(entry.get(key, ""))}"' for key in LABELS)
            lines.append(f'{name}{{{labels}}} {value}')
    if timestamp is not None:
        lines.append(f'# HELP {TIMESTAMP_METRIC} When the audit last ran, seconds since the epoch.')
        lines.append(f'# TYPE {TIMESTAMP_METRIC} gauge')
        lines.append(f'{TIMESTAMP_METRIC} {int(timestamp)}')
    return '\n'.join(lines) + '\n'


def _cell(value: t.Any) -> str:
    return str(value if value is not None else '').replace('|', '\\|').replace('\n', ' ')


def _counts(entries: list[t.Mapping[str, t.Any]]) -> dict:
    return {'problems': sum(1 for e in entries if e['problems']),
            'not_valid': sum(1 for e in entries if not e['valid']),
            'expiring_soon': sum(1 for e in entries if e['expiring_soon'])}


def markdown_report(entries: t.Iterable[t.Mapping[str, t.Any]], min_days_left: t.Any) -> str:
    """A table a person reads at a glance: certificates that are not valid first, then those
    expiring soon, then by days left."""
    threshold = _threshold(min_days_left)
    entries = sorted(_rows(entries), key=lambda e: (
        bool(e['valid']), not e['expiring_soon'],
        e['days_left'] if e['days_left'] is not None else -10**9, e['host'], e['path']))
    counts = _counts(entries)
    # audit_min_days_left may differ per group or host; each row carries the one it was judged by.
    thresholds = sorted({e.get('min_days_left', threshold) for e in entries} or {threshold})
    limit = (f'fewer than {threshold} days left' if thresholds == [threshold] else
             f'fewer days left than their host\'s threshold ({thresholds[0]} to {thresholds[-1]} days)')
    lines = ['# TLS certificate audit', '',
             f"{len(entries)} certificates: {counts['not_valid']} not valid, {counts['expiring_soon']} "
             f'with {limit} (audit_min_days_left).', '',
             '| host | path | service | subject | issuer | days left | valid | expiring soon | findings |',
             '| --- | --- | --- | --- | --- | ---: | --- | --- | --- |']
    for e in entries:
        lines.append('| ' + ' | '.join(_cell(v) for v in (
            e['host'], e['path'], e['service'], e['subject'], e['issuer'], e['days_left'],
            'yes' if e['valid'] else 'NO', 'YES' if e['expiring_soon'] else 'no',
            '; '.join(e['findings']))) + ' |')
    return '\n'.join(lines) + '\n'


def json_report(entries: t.Iterable[t.Mapping[str, t.Any]], min_days_left: t.Any) -> str:
    """The threshold, the counts (problems = not valid or expiring soon) and every row."""
    entries = _rows(entries)
    return json.dumps(dict(_counts(entries), min_days_left=_threshold(min_days_left), certificates=entries),
                      indent=2, sort_keys=True) + '\n'
