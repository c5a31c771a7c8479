# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import pki
from ansible_collections.dbtls.transport.plugins.modules import tls_verify

from tls_testlib import assert_no_key_material, make_ca, run_main, snapshot


@pytest.fixture
def installed(tmp_path):
    ca_cert, ca_key, _kp, ca_path = make_ca(tmp_path / 'ca', 'Test CA')
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec('db1', ['DNS:db1', 'IP:10.0.0.5'], 'peer', valid_days=100)
    cert = pki.sign_leaf(pki.build_csr(key, spec), spec, ca_cert, ca_key)
    (tmp_path / 'peer.crt').write_bytes(pki.certificate_pem(cert))
    (tmp_path / 'peer.key').write_bytes(pki.serialize_private_key(key))
    return {'cert_path': str(tmp_path / 'peer.crt'), 'key_path': str(tmp_path / 'peer.key'), 'ca_path': ca_path,
            'cert': cert}


def test_good_certificate(installed, capsys):
    args = {k: installed[k] for k in ('cert_path', 'key_path', 'ca_path')}
    result = run_main(tls_verify, dict(args, required_sans=['DNS:db1'], required_usage='server',
                                       min_days_left=90), capsys)
    assert not result.get('failed') and result['changed'] is False
    assert result['valid'] is True and result['findings'] == []
    facts = result['certificate']
    assert facts['subject'] == 'CN=db1' and facts['issuer'] == 'CN=Test CA'
    assert facts['sans'] == ['DNS:db1', 'IP:10.0.0.5']
    assert facts['serial'] == installed['cert'].serial_number
    assert facts['days_left'] in (99, 100)
    assert facts['fingerprint_sha256'] == pki.fingerprint_sha256(installed['cert'])
    assert facts['key_type'] == 'ecdsa secp256r1'
    assert [c['subject'] for c in result['chain']] == ['CN=Test CA']
    assert_no_key_material(result['_raw'])


def test_every_problem_in_one_message(installed, tmp_path, capsys):
    _c, _k, _kp, other_ca = make_ca(tmp_path / 'other', 'Other CA')
    other_key = tmp_path / 'other.key'
    other_key.write_bytes(pki.serialize_private_key(pki.generate_private_key('ed25519')))
    state = snapshot(tmp_path)
    args = dict(cert_path=installed['cert_path'], key_path=str(other_key), ca_path=other_ca,
                required_sans=['DNS:db2', 'IP:10.0.0.5'], min_days_left=365)
    result = run_main(tls_verify, args, capsys)
    assert result['failed'] is True
    assert result['msg'].startswith('4 problems: ')
    assert len(result['findings']) == 4
    for finding in result['findings']:
        assert finding in result['msg']
    assert f'{installed["cert_path"]}: missing subject alternative names DNS:db2' in result['msg']
    assert f'{other_key}: the key does not match the certificate {installed["cert_path"]}' in result['msg']
    assert f'does not chain to a CA in {other_ca}' in result['msg']
    assert 'fewer than the 365 required' in result['msg']
    assert result['certificate']['subject'] == 'CN=db1'       # facts come back even on failure
    assert snapshot(tmp_path) == state

    audit = run_main(tls_verify, dict(args, fail_on_findings=False), capsys)
    assert not audit.get('failed') and audit['valid'] is False and len(audit['findings']) == 4


def test_certificate_content_and_missing_files(installed, tmp_path, capsys):
    pem = open(installed['cert_path']).read()
    result = run_main(tls_verify, {'certificate': pem, 'ca_path': installed['ca_path'],
                                   'required_usage': 'client'}, capsys)
    assert result['valid'] is True
    result = run_main(tls_verify, {'cert_path': str(tmp_path / 'missing.crt')}, capsys)
    assert result['failed'] and result['msg'] == f'1 problem: {tmp_path / "missing.crt"}: no such file'
    (tmp_path / 'garbage.crt').write_text('garbage')
    result = run_main(tls_verify, {'cert_path': str(tmp_path / 'garbage.crt')}, capsys)
    assert result['failed'] and result['msg'].startswith(f'{tmp_path / "garbage.crt"}: no PEM certificate found')
    result = run_main(tls_verify, {'cert_path': installed['cert_path'], 'certificate': pem}, capsys)
    assert result['failed'] and 'mutually exclusive' in result['msg']
