# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The audit filters are thin: same answers as module_utils/audit.py; bad input becomes an
AnsibleFilterError naming the filter, never a Python AttributeError."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.filter import audit as audit_filter
from ansible_collections.dbtls.transport.plugins.module_utils import audit

FILTERS = audit_filter.FilterModule().filters()

RESULT = {'item': {'path': '/etc/dbtls/tls/peer.crt', 'service': 'mysql'}, 'findings': [],
          'certificate': {'subject': 'CN=db1', 'issuer': 'CN=CA', 'not_after': '2027-01-01T00:00:00Z', 'days_left': 12}}


def test_filters_are_registered():
    assert set(FILTERS) == {'audit_entry', 'deployed_certificates', 'pki_client_files', 'audit_prometheus',
                            'audit_markdown', 'audit_json'}


def test_pki_client_files_filter_names_itself_on_bad_input():
    record = {'dir': '/srv/tls', 'client_names': ['app']}
    assert FILTERS['pki_client_files'](record) == audit.pki_client_files(record)
    with pytest.raises(AnsibleFilterError, match=r'dbtls\.transport\.pki_client_files: expects a dict'):
        FILTERS['pki_client_files']('error loading facts')


def test_filters_give_the_module_utils_answers():
    row = FILTERS['audit_entry'](RESULT, 'db1', 30)
    assert row == audit.audit_entry(RESULT, 'db1', 30)
    assert row['valid'] and row['expiring_soon']
    assert FILTERS['audit_prometheus']([row], 1) == audit.prometheus_text([row], 1)
    assert FILTERS['audit_json']([row], 30) == audit.json_report([row], 30)
    assert FILTERS['audit_markdown']([row], 30) == audit.markdown_report([row], 30)
    assert FILTERS['deployed_certificates']({'peer_cert': '/p.crt'})[0]['path'] == '/p.crt'


def test_audit_entry_given_a_string_names_the_filter_and_the_type():
    # Issue #16: "'str' object has no attribute 'get'".
    with pytest.raises(AnsibleFilterError) as caught:
        FILTERS['audit_entry']('/etc/dbtls/tls/peer.crt', 'db1')
    message = str(caught.value)
    assert message.startswith('dbtls.transport.audit_entry: expects a dict')
    assert 'got str' in message and 'attribute' not in message


def test_deployed_certificates_given_a_list_names_the_filter_and_the_type():
    # Issue #16: "'list' object has no attribute 'get'".
    with pytest.raises(AnsibleFilterError) as caught:
        FILTERS['deployed_certificates']([{'peer_cert': '/p.crt'}])
    message = str(caught.value)
    assert message.startswith("dbtls.transport.deployed_certificates: expects a dict (ansible_local.dbtls_pki")
    assert 'got list' in message and 'attribute' not in message


@pytest.mark.parametrize('name, args', [
    ('audit_prometheus', ('rows',)),
    ('audit_markdown', ('rows', 30)),
    ('audit_json', ('rows', 30)),
    ('audit_entry', (RESULT, 'db1', 'thirty')),
])
def test_each_filter_names_itself_in_its_error(name, args):
    with pytest.raises(AnsibleFilterError, match=rf'^dbtls\.transport\.{name}: '):
        FILTERS[name](*args)
