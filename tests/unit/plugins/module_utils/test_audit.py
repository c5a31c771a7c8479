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


def verify_result(path, findings=(), days_left=100, subject='CN=db1', failed=False, msg=None, ran_with=None):
    result = {'item': {'path': path, 'service': 'mysql'}, 'findings': list(findings),
              'certificate': {'subject': subject, 'issuer': 'CN=dbtls cluster CA', 'sans': ['DNS:db1'],
                              'usage': 'peer', 'not_after': '2027-01-01T00:00:00Z', 'days_left': days_left}}
    if ran_with is not None:
        result['invocation'] = {'module_args': {'cert_path': path, 'min_days_left': ran_with}}
    if failed:
        result.update(failed=True, msg=msg)
        del result['certificate']
    return result


def sample(text, metric, host):
    """The value of one series of the text exposition, or None."""
    found = re.search(rf'^{metric}\{{host="{host}",.*\}} (-?\d+)$', text, re.M)
    return int(found.group(1)) if found else None


# --- deployed_certificates -------------------------------------------------------------------------

def test_deployed_certificates_lists_peer_and_clients():
    found = audit.deployed_certificates(FACTS)
    assert [c['path'] for c in found] == ['/etc/dbtls/tls/peer.crt', '/etc/dbtls/tls/client-app.crt']
    assert found[0]['key_path'] == '/etc/dbtls/tls/peer.key'
    assert all(c['ca_path'] == FACTS['ca_bundle'] for c in found)
    assert found[1]['service'] == 'client app'


def test_deployed_certificates_reads_the_recorded_client_paths():
    # The pki role records each client pair's paths ('clients'); those are audited, not a rebuilt name.
    facts = dict(FACTS, clients={'app': {'cert': '/srv/tls/app.pem', 'key': '/srv/tls/app-key.pem'}})
    found = audit.deployed_certificates(facts)
    assert (found[1]['path'], found[1]['key_path']) == ('/srv/tls/app.pem', '/srv/tls/app-key.pem')


def test_pki_client_files_from_the_record_or_from_an_older_record_without_clients():
    recorded = dict(FACTS, clients={'app': {'cert': '/srv/tls/app.pem', 'key': '/srv/tls/app-key.pem'}})
    assert audit.pki_client_files(recorded) == {'app': {'cert': '/srv/tls/app.pem', 'key': '/srv/tls/app-key.pem'}}
    assert audit.pki_client_files(FACTS) == {'app': {'cert': '/etc/dbtls/tls/client-app.crt',
                                                     'key': '/etc/dbtls/tls/client-app.key'}}
    assert audit.pki_client_files(None) == {} and audit.pki_client_files({}) == {}


def test_deployed_certificates_refuses_clients_that_are_not_a_dict():
    with pytest.raises(audit.AuditError, match='clients in the pki facts must be a dict, got list'):
        audit.deployed_certificates(dict(FACTS, clients=['app']))


def test_deployed_certificates_without_facts_or_peer():
    assert audit.deployed_certificates(None) == []
    assert audit.deployed_certificates({}) == []
    assert audit.deployed_certificates(dict(FACTS, peer_cert='', client_names=[])) == []


@pytest.mark.parametrize('bad, got', [
    ([FACTS], 'got list'),
    ([], 'got list'),
    ('error loading facts as JSON or ini - please check content: /etc/ansible/facts.d/dbtls_pki.fact',
     "got str 'error loading facts"),
    (3, 'got int'),
])
def test_deployed_certificates_refuses_what_is_not_a_dict(bad, got):
    # Issue #16: a list used to fail with Python's "'list' object has no attribute 'get'".
    with pytest.raises(audit.AuditError, match=r"expects a dict \(ansible_local\.dbtls_pki") as caught:
        audit.deployed_certificates(bad)
    assert got in str(caught.value)
    assert 'attribute' not in str(caught.value)


def test_deployed_certificates_quotes_only_the_start_of_a_long_string():
    with pytest.raises(audit.AuditError) as caught:
        audit.deployed_certificates('x' * 100000)
    assert len(str(caught.value)) < 200


def test_deployed_certificates_refuses_client_names_as_a_string():
    # A string would be iterated letter by letter into one "client" per character.
    with pytest.raises(audit.AuditError, match='client_names in the pki facts must be a list, got str'):
        audit.deployed_certificates(dict(FACTS, client_names='app'))


# --- audit_entry: valid and expiring soon are two verdicts ---------------------------------------------

def test_audit_entry_ok_and_epoch():
    entry = audit.audit_entry(verify_result('/p.crt'), 'db1', 30)
    assert entry['valid'] and not entry['expiring_soon'] and not entry['problems']
    assert entry['not_after_epoch'] == 1798761600  # 2027-01-01T00:00:00Z
    assert entry['min_days_left'] == 30
    assert entry['summary'] == 'db1 /p.crt: ok, 100 days left'


def test_audit_entry_valid_but_under_the_threshold_is_expiring_soon_not_invalid():
    entry = audit.audit_entry(verify_result('/p.crt', days_left=12), 'db1', 30)
    assert entry['valid'] is True and entry['findings'] == []
    assert entry['expiring_soon'] is True and entry['problems'] is True
    assert 'NOT VALID' not in entry['summary']
    assert '12 days left, fewer than the 30 of audit_min_days_left' in entry['summary']
    assert 'the certificate is valid' in entry['summary']


@pytest.mark.parametrize('days_left, threshold, soon', [
    (29, 30, True), (30, 30, False), (31, 30, False), (0, 1, True), (5, 0, False), (-1, 30, True), (-1, 0, False),
])
def test_audit_entry_threshold_boundary(days_left, threshold, soon):
    assert audit.audit_entry(verify_result('/p.crt', days_left=days_left), 'db1', threshold)['expiring_soon'] is soon


def test_audit_entry_threshold_from_the_command_line_is_a_string():
    # -e audit_min_days_left=400 reaches the filter as the string '400'.
    assert audit.audit_entry(verify_result('/p.crt', days_left=100), 'db1', '400')['expiring_soon'] is True


@pytest.mark.parametrize('bad', ['thirty', -1, True, None, [30]])
def test_audit_entry_refuses_a_bad_threshold(bad):
    with pytest.raises(audit.AuditError, match='min_days_left must be'):
        audit.audit_entry(verify_result('/p.crt'), 'db1', bad)


def test_audit_entry_without_threshold_is_never_expiring_soon():
    entry = audit.audit_entry(verify_result('/p.crt', days_left=1), 'db1')
    assert entry['valid'] and not entry['expiring_soon'] and not entry['problems']


def test_audit_entry_with_findings_is_not_valid():
    entry = audit.audit_entry(verify_result('/p.crt', findings=['/p.crt: does not chain to a CA in /b.pem']), 'db1', 30)
    assert entry['problems'] and not entry['valid'] and not entry['expiring_soon']
    assert entry['summary'] == 'db1 /p.crt: NOT VALID: /p.crt: does not chain to a CA in /b.pem'


def test_audit_entry_not_valid_and_expiring_soon_says_both():
    entry = audit.audit_entry(verify_result('/p.crt', findings=['/k: the key does not match'], days_left=3), 'db1', 30)
    assert not entry['valid'] and entry['expiring_soon']
    assert 'NOT VALID: /k: the key does not match; and 3 days left, fewer than the 30' in entry['summary']
    assert 'renew it' not in entry['summary']


def test_audit_entry_expired_is_not_valid_and_counts_as_expiring():
    entry = audit.audit_entry(verify_result('/p.crt', findings=['/p.crt: expired on 2026-01-01T00:00:00Z'],
                                            days_left=-3), 'db1', 30)
    assert not entry['valid'] and entry['expiring_soon']


def test_audit_entry_failed_module_without_findings_is_not_valid():
    entry = audit.audit_entry(verify_result('/p.crt', failed=True, msg='no such file'), 'db1', 30)
    assert entry['problems'] and not entry['valid'] and not entry['expiring_soon']
    assert entry['findings'] == ['/p.crt: no such file']
    assert entry['days_left'] is None and entry['not_after_epoch'] is None


def test_audit_entry_refuses_a_result_checked_with_a_threshold():
    # tls_verify with min_days_left reports an expiring certificate as a finding: the row would say
    # "not valid" for a certificate that verifies.
    with pytest.raises(audit.AuditError, match='ran with min_days_left 30.*run it with min_days_left 0'):
        audit.audit_entry(verify_result('/p.crt', ran_with=30), 'db1', 30)
    assert audit.audit_entry(verify_result('/p.crt', ran_with=0), 'db1', 30)['valid']


def test_audit_entry_refuses_unlooped_input():
    with pytest.raises(audit.AuditError, match='item has a path'):
        audit.audit_entry({'findings': []}, 'db1')


@pytest.mark.parametrize('bad, got', [
    ('/etc/dbtls/tls/peer.crt', "got str '/etc/dbtls/tls/peer.crt'"),
    (['x'], 'got list'),
    (None, 'got null'),
])
def test_audit_entry_refuses_what_is_not_a_dict(bad, got):
    # Issue #16: a string used to fail with Python's "'str' object has no attribute 'get'".
    with pytest.raises(audit.AuditError, match=r'expects a dict \(one element of the results of a looped') as caught:
        audit.audit_entry(bad, 'db1')
    assert got in str(caught.value)


# --- Prometheus metrics ---------------------------------------------------------------------------------

def test_prometheus_text_escapes_labels_and_has_every_family():
    rows = [audit.audit_entry(verify_result('/p.crt', subject='CN=a "quoted"\\name'), 'db1', 30),
            audit.audit_entry(verify_result('/q.crt', findings=['bad']), 'db2', 30)]
    text = audit.prometheus_text(rows, timestamp=1700000000)
    for name in audit.metric_names():
        assert f'# TYPE {name} gauge' in text
    assert 'subject="CN=a \\"quoted\\"\\\\name"' in text
    assert sample(text, 'dbtls_certificate_valid', 'db1') == 1
    assert sample(text, 'dbtls_certificate_valid', 'db2') == 0
    assert sample(text, 'dbtls_certificate_days_left', 'db1') == 100
    assert sample(text, 'dbtls_certificate_not_after_seconds', 'db1') == 1798761600
    assert text.rstrip().endswith('dbtls_certificate_audit_timestamp_seconds 1700000000')
    # Every sample line is "name{labels} number", as the text format requires.
    for line in text.splitlines():
        if not line.startswith('#'):
            assert re.fullmatch(r'[a-z_]+(\{.*\})? -?\d+', line), line


def test_prometheus_valid_is_about_validity_and_expiring_soon_is_separate():
    # Issue #15: a certificate that verifies but is under the threshold showed dbtls_certificate_valid 0.
    rows = [audit.audit_entry(verify_result('/ok.crt', days_left=300), 'ok', 30),
            audit.audit_entry(verify_result('/soon.crt', days_left=12), 'soon', 30),
            audit.audit_entry(verify_result('/bad.crt', findings=['/bad.crt: does not chain']), 'bad', 30),
            audit.audit_entry(verify_result('/both.crt', findings=['/both.crt: does not chain'], days_left=2), 'both', 30)]
    text = audit.prometheus_text(rows)
    valid = {host: sample(text, 'dbtls_certificate_valid', host) for host in ('ok', 'soon', 'bad', 'both')}
    soon = {host: sample(text, 'dbtls_certificate_expiring_soon', host) for host in ('ok', 'soon', 'bad', 'both')}
    assert valid == {'ok': 1, 'soon': 1, 'bad': 0, 'both': 0}
    assert soon == {'ok': 0, 'soon': 1, 'bad': 0, 'both': 1}
    # The days left stay exported, so alerting rules can use thresholds of their own.
    assert sample(text, 'dbtls_certificate_days_left', 'soon') == 12
    assert 'dbtls_certificate_audit_timestamp_seconds' not in text


def test_prometheus_unreadable_certificate_has_validity_but_no_expiry_series():
    text = audit.prometheus_text([audit.audit_entry(verify_result('/p.crt', failed=True, msg='no such file'), 'db1', 30)])
    assert sample(text, 'dbtls_certificate_valid', 'db1') == 0
    assert sample(text, 'dbtls_certificate_expiring_soon', 'db1') == 0
    assert sample(text, 'dbtls_certificate_days_left', 'db1') is None
    assert sample(text, 'dbtls_certificate_not_after_seconds', 'db1') is None


# --- Reports --------------------------------------------------------------------------------------------

def rows_for_reports():
    return [audit.audit_entry(verify_result('/ok.crt', days_left=300), 'db1', 30),
            audit.audit_entry(verify_result('/soon.crt', days_left=12), 'db1', 30),
            audit.audit_entry(verify_result('/bad.crt', findings=['x | y'], days_left=200), 'db2', 30)]


def test_markdown_puts_not_valid_first_then_expiring_soon():
    md = audit.markdown_report(rows_for_reports(), 30)
    table = [line for line in md.splitlines() if line.startswith('| db')]
    assert [line.split(' | ')[1] for line in table] == ['/bad.crt', '/soon.crt', '/ok.crt']
    assert table[0].endswith('| 200 | NO | no | x \\| y |')
    assert table[1].endswith('| 12 | yes | YES |  |')
    assert table[2].endswith('| 300 | yes | no |  |')
    assert '3 certificates: 1 not valid, 1 with fewer than 30 days left (audit_min_days_left).' in md
    assert '| valid | expiring soon |' in md


def test_markdown_names_the_range_when_hosts_have_different_thresholds():
    rows = [audit.audit_entry(verify_result('/a.crt'), 'db1', 14), audit.audit_entry(verify_result('/b.crt'), 'db2', 30)]
    assert "fewer days left than their host's threshold (14 to 30 days)" in audit.markdown_report(rows, 30)


def test_json_report_counts_each_verdict():
    doc = json.loads(audit.json_report(rows_for_reports(), '30'))
    assert doc['min_days_left'] == 30
    assert (doc['problems'], doc['not_valid'], doc['expiring_soon']) == (2, 1, 1)
    assert len(doc['certificates']) == 3
    soon = [c for c in doc['certificates'] if c['path'] == '/soon.crt'][0]
    assert soon['valid'] is True and soon['expiring_soon'] is True


def test_reports_of_no_certificate():
    assert json.loads(audit.json_report([], 30))['problems'] == 0
    assert '0 certificates: 0 not valid' in audit.markdown_report([], 30)
    assert audit.prometheus_text([]).count('# TYPE') == len(audit.METRICS)


@pytest.mark.parametrize('func', [audit.prometheus_text, lambda rows: audit.markdown_report(rows, 30),
                                  lambda rows: audit.json_report(rows, 30)])
@pytest.mark.parametrize('bad, message', [
    ('rows', 'expects a list of rows from dbtls.transport.audit_entry, got str'),
    ({'host': 'db1'}, 'expects a list of rows from dbtls.transport.audit_entry, got dict'),
    (['row'], 'element 0 is a str, not a row'),
    ([{'host': 'db1', 'path': '/p.crt'}], 'element 0 is not a row from dbtls.transport.audit_entry .no service'),
])
def test_reports_refuse_what_is_not_a_list_of_rows(func, bad, message):
    with pytest.raises(audit.AuditError, match=message):
        func(bad)
