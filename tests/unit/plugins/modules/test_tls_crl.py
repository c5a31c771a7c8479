# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import pki
from ansible_collections.dbtls.transport.plugins.modules import tls_crl

from tls_testlib import make_ca, mode_of, needs_openssl, openssl, run_main, snapshot

DAY = datetime.timedelta(days=1)


@pytest.fixture
def setup(tmp_path):
    ca_cert, ca_key, key_path, cert_path = make_ca(tmp_path / 'ca', 'Test CA', passphrase='crl-pass-phrase')
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec('db3', ['DNS:db3'], 'peer')
    leaf = pki.sign_leaf(pki.build_csr(key, spec), spec, ca_cert, ca_key)
    leaf_path = tmp_path / 'db3.crt'
    leaf_path.write_bytes(pki.certificate_pem(leaf))
    args = dict(path=str(tmp_path / 'ca' / 'ca.crl'), ca_cert_path=cert_path, ca_key_path=key_path,
                ca_key_passphrase='crl-pass-phrase')
    return args, leaf, str(leaf_path)


def test_create_idempotent_update(tmp_path, capsys, setup):
    args, leaf, leaf_path = setup
    empty = run_main(tls_crl, args, capsys, check_mode=True)
    assert empty['changed'] is True and empty['reasons'] == ['missing'] and empty['crl_number'] == 1
    assert not (tmp_path / 'ca' / 'ca.crl').exists()

    revoked = [{'cert_path': leaf_path, 'reason': 'key_compromise'},
               {'serial': '0A:0B', 'revocation_date': '2026-01-02'}]
    first = run_main(tls_crl, dict(args, revoked=revoked), capsys)
    assert first['changed'] is True and first['crl_number'] == 1
    assert mode_of(args['path']) == 0o644
    assert [(r['serial'], r['reason']) for r in first['revoked']] == [
        (0x0A0B, 'unspecified'), (leaf.serial_number, 'key_compromise')]
    assert first['revoked'][0]['revocation_date'] == '2026-01-02T00:00:00Z'
    assert 'crl-pass-phrase' not in first['_raw']

    state = snapshot(tmp_path)
    again = run_main(tls_crl, dict(args, revoked=revoked), capsys)
    assert again['changed'] is False and again['reasons'] == [] and again['crl_number'] == 1
    assert snapshot(tmp_path) == state

    more = run_main(tls_crl, dict(args, revoked=revoked + [{'serial': 77}]), capsys, diff=True)
    assert more['changed'] is True and more['crl_number'] == 2
    assert more['reasons'] == ['revoked certificates changed (added 4D)']
    assert more['diff']['before']['crl_number'] == 1 and more['diff']['after']['crl_number'] == 2
    # the dates of entries already listed are kept
    assert {r['serial']: r['revocation_date'] for r in more['revoked']}[leaf.serial_number] == \
        first['revoked'][1]['revocation_date']


def test_next_update_window(tmp_path, setup):
    args, _leaf, _lp = setup
    args = dict(args, next_update_days=30, renew_before_days=7)
    tls_crl.ensure_crl(args)
    assert tls_crl.ensure_crl(args, now=pki.utcnow() + 20 * DAY)['changed'] is False
    later = tls_crl.ensure_crl(args, now=pki.utcnow() + 25 * DAY)
    assert later['changed'] is True and 'inside the renew window' in later['reasons'][0]
    assert later['crl_number'] == 2


def test_errors_name_the_file_and_change_nothing(tmp_path, capsys, setup):
    args, _leaf, _leaf_path = setup
    run_main(tls_crl, args, capsys)
    other_cert, other_key, _kp, _cp = make_ca(tmp_path / 'other', 'Other CA')
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec('x', ['DNS:x'], 'peer')
    foreign = tmp_path / 'foreign.crt'
    foreign.write_bytes(pki.certificate_pem(pki.sign_leaf(pki.build_csr(key, spec), spec, other_cert, other_key)))
    state = snapshot(tmp_path)
    cases = [
        (dict(args, ca_key_passphrase='not-the-passphrase'), f'{args["ca_key_path"]}: wrong passphrase'),
        (dict(args, revoked=[{'cert_path': str(foreign)}]), f'{foreign}: not issued by the CA {args["ca_cert_path"]}'),
        (dict(args, revoked=[{'serial': 'zz:zz'}]), 'revoked[1]: '),
        (dict(args, revoked=[{'serial': 5, 'cert_path': str(foreign)}]), 'revoked[1]: give exactly one of serial and cert_path'),
        (dict(args, revoked=[{'serial': 5, 'revocation_date': 'soon'}]), "revoked[1]: 'soon' is not a date"),
        (dict(args, ca_cert_path=str(tmp_path / 'nope.crt')), f'{tmp_path / "nope.crt"}: no such file'),
    ]
    for run_args, start in cases:
        result = run_main(tls_crl, run_args, capsys)
        assert result.get('failed') and result['msg'].startswith(start), result['msg']
    assert snapshot(tmp_path) == state


@needs_openssl
def test_openssl_sees_the_revocation(tmp_path, capsys, setup):
    args, _leaf, leaf_path = setup
    run_main(tls_crl, dict(args, revoked=[{'cert_path': leaf_path, 'reason': 'superseded'}]), capsys)
    out = openssl('crl', '-in', args['path'], '-CAfile', args['ca_cert_path'], '-noout', '-text')
    assert 'verify OK' in out.stdout + out.stderr and 'Superseded' in out.stdout
    denied = openssl('verify', '-crl_check', '-CAfile', args['ca_cert_path'], '-CRLfile', args['path'], leaf_path,
                     check=False)
    assert denied.returncode != 0 and 'certificate revoked' in denied.stdout + denied.stderr
