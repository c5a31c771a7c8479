# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json
import re

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import audit

FACTS = {'dir': '/etc/dbtls/tls', 'ca_bundle': '/etc/dbtls/tls/ca-bundle.pem', 'service_group': 'mysql',
         'peer_cert': '/etc/dbtls/tls/peer.crt', 'peer_key': '/etc/dbtls/tls/peer.key', 'client_names': ['app']}


def verify_result(path, findings=(), days_left=100, subject='CN=db1', failed=False, msg=None):
    result = {'item': {'path': path, 'service': 'mysql'}, 'findings': list(findings),
              'certificate': {'subject': subject, 'issuer': 'CN=dbtls cluster CA', 'sans': ['DNS:db1'],
                              'usage': 'peer', 'not_after': '2027-01-01T00:00:00Z', 'days_left': days_left}}
    if failed:
        result.update(failed=True, msg=msg)
        del result['certificate']
    return result


def test_deployed_certificates_lists_peer_and_clients():
    found = audit.deployed_certificates(FACTS)
    assert [c['path'] for c in found] == ['/etc/dbtls/tls/peer.crt', '/etc/dbtls/tls/client-app.crt']
    assert found[0]['key_path'] == '/etc/dbtls/tls/peer.key'
    assert all(c['ca_path'] == FACTS['ca_bundle'] for c in found)
    assert found[1]['service'] == 'client app'


def test_deployed_certificates_without_facts_or_peer():
    assert audit.deployed_certificates(None) == []
    assert audit.deployed_certificates(dict(FACTS, peer_cert='', client_names=[])) == []


def test_audit_entry_ok_and_epoch():
    entry = audit.audit_entry(verify_result('/p.crt'), 'db1')
    assert entry['verifies'] and not entry['problems']
    assert entry['not_after_epoch'] == 1798761600  # 2027-01-01T00:00:00Z
    assert entry['summary'] == 'db1 /p.crt: ok, 100 days left'


def test_audit_entry_with_findings_is_a_problem():
    entry = audit.audit_entry(verify_result('/p.crt', findings=['/p.crt: 3 days left, fewer than 30']), 'db1')
    assert entry['problems'] and not entry['verifies']
    assert '3 days left' in entry['summary']


def test_audit_entry_failed_module_without_findings_is_a_problem():
    entry = audit.audit_entry(verify_result('/p.crt', failed=True, msg='no such file'), 'db1')
    assert entry['problems']
    assert entry['findings'] == ['/p.crt: no such file']


def test_audit_entry_refuses_unlooped_input():
    with pytest.raises(audit.AuditError, match='item has a path'):
        audit.audit_entry({'findings': []}, 'db1')


def test_prometheus_text_escapes_labels_and_has_every_family():
    rows = [audit.audit_entry(verify_result('/p.crt', subject='CN=a "quoted"\\name'), 'db1'),
            audit.audit_entry(verify_result('/q.crt', findings=['bad']), 'db2')]
    text = audit.prometheus_text(rows, timestamp=1700000000)
    assert '# TYPE dbtls_certificate_not_after_seconds gauge' in text
    assert 'subject="CN=a \\"quoted\\"\\\\name"' in text
    assert re.search(r'^dbtls_certificate_valid\{host="db1",.*\} 1$', text, re.M)
    assert re.search(r'^dbtls_certificate_valid\{host="db2",.*\} 0$', text, re.M)
    assert re.search(r'^dbtls_certificate_days_left\{host="db1",.*\} 100$', text, re.M)
    assert text.rstrip().endswith('dbtls_certificate_audit_timestamp_seconds 1700000000')
    # Every sample line is "name{labels} number", as the text format requires.
    for line in text.splitlines():
        if not line.startswith('#'):
            assert re.fullmatch(r'[a-z_]+(\{.*\})? -?\d+', line), line


def test_reports_put_problems_first():
    rows = [audit.audit_entry(verify_result('/ok.crt', days_left=300), 'db1'),
            audit.audit_entry(verify_result('/bad.crt', findings=['x | y'], days_left=2), 'db2')]
    md = audit.markdown_report(rows, 30)
    table = [line for line in md.splitlines() if line.startswith('| db')]
    assert table[0].startswith('| db2 | /bad.crt') and 'x \\| y' in table[0]
    assert '2 certificates, 1 with problems (threshold: 30 days)' in md
    doc = json.loads(audit.json_report(rows, 30))
    assert doc['problems'] == 1 and len(doc['certificates']) == 2
