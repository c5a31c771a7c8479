# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The node reads' certificates option (galera_node_info, host_info): the node's certificates checked
in the run that reads it, with real files, keys and CA (no server: the service and socket reads are
covered elsewhere)."""

from __future__ import annotations

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import pki
from ansible_collections.dbtls.transport.plugins.modules import galera_node_info, host_info

from tls_testlib import assert_no_key_material, make_ca, run_main, snapshot


@pytest.fixture
def node(tmp_path):
    ca_cert, ca_key, _kp, ca_path = make_ca(tmp_path / 'ca', 'Test CA')
    files = {}
    for name, usage in (('peer', 'peer'), ('client', 'client')):
        key = pki.generate_private_key('ecdsa')
        spec = pki.leaf_spec('db1', ['DNS:db1', 'DNS:localhost'], usage, valid_days=100)
        (tmp_path / f'{name}.crt').write_bytes(pki.certificate_pem(pki.sign_leaf(pki.build_csr(key, spec), spec, ca_cert, ca_key)))
        (tmp_path / f'{name}.key').write_bytes(pki.serialize_private_key(key))
        files[name] = {'cert_path': str(tmp_path / f'{name}.crt'), 'key_path': str(tmp_path / f'{name}.key'), 'ca_path': ca_path}
    return files


READS = {
    # A unit that does not exist: systemctl answers (or is missing) without touching anything.
    'galera_node_info': (galera_node_info, {'service': 'dbtls-test-absent'}),
    'host_info': (host_info, {}),
}


@pytest.fixture(params=sorted(READS))
def read(request, capsys):
    module, args = READS[request.param]
    return lambda certificates: run_main(module, dict(args, certificates=certificates), capsys)


def test_certificates_checked_in_the_same_run(node, tmp_path, read):
    state = snapshot(tmp_path)
    result = read([
        dict(node['peer'], name='server', required_sans=['DNS:db1', 'DNS:localhost'], required_usage='peer',
             min_days_left=30),
        dict(node['client'], name='client', required_usage='client')])
    assert not result.get('failed'), result
    assert result['changed'] is False
    assert result['certificates']['server']['valid'] is True and result['certificates']['server']['findings'] == []
    assert result['certificates']['client']['valid'] is True
    assert result['certificates']['server']['certificate']['subject'] == 'CN=db1'
    assert result['tls_files'] == {node['peer']['cert_path']: True, node['peer']['key_path']: True,
                                   node['peer']['ca_path']: True, node['client']['cert_path']: True,
                                   node['client']['key_path']: True}
    assert_no_key_material(result['_raw'])
    assert snapshot(tmp_path) == state


def test_findings_and_missing_files_are_returned_not_failed(node, tmp_path, read):
    missing = str(tmp_path / 'absent.crt')
    result = read([
        # The client certificate cannot serve, names no db2 and has 100 days, not 365.
        dict(node['client'], name='server', required_sans=['DNS:db2'], required_usage='peer', min_days_left=365),
        dict(node['peer'], name='sst', cert_path=missing)])
    assert not result.get('failed'), result
    server = result['certificates']['server']
    assert server['valid'] is False
    assert any('missing subject alternative names DNS:db2' in f for f in server['findings']), server['findings']
    assert len(server['findings']) == 3, server['findings']
    assert result['certificates']['sst'] == {'valid': False, 'findings': [f'{missing}: no such file'], 'chain': []}
    assert result['tls_files'][missing] is False


def test_no_certificates_no_check(read):
    result = read([])
    assert not result.get('failed'), result
    assert result['certificates'] == {} and result['tls_files'] == {}


def test_a_name_given_twice_is_refused(node, read):
    result = read([dict(node['peer'], name='server'), dict(node['client'], name='server')])
    assert result['failed'] is True
    assert result['msg'] == 'certificates: each name must be given once, got server, server'


def test_without_cryptography_each_check_is_a_finding(node, read, monkeypatch):
    # The read still answers (a recovery reads nodes where certificates do not matter).
    monkeypatch.setattr(pki, 'HAS_CRYPTOGRAPHY', False)
    monkeypatch.setattr(pki, 'CRYPTOGRAPHY_TOO_OLD', False)
    result = read([dict(node['peer'], name='server')])
    assert not result.get('failed'), result
    assert result['certificates']['server']['valid'] is False
    assert result['certificates']['server']['findings'] == [
        f'{node["peer"]["cert_path"]}: not checked on this host: the Python library {pki.CRYPTOGRAPHY_REQUIREMENT} is not installed']
    assert result['tls_files'][node['peer']['cert_path']] is True
