# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import pki
from ansible_collections.dbtls.transport.plugins.modules import tls_bundle

from tls_testlib import make_ca, mode_of, needs_openssl, openssl, run_main, snapshot


@pytest.fixture
def cas(tmp_path):
    first = make_ca(tmp_path / 'ca1', 'First CA')
    second = make_ca(tmp_path / 'ca2', 'Second CA', key_type='ed25519')
    return first, second


def test_bundle_paths_and_text_dedupe_order_idempotence(tmp_path, capsys, cas):
    first, second = cas
    dest = str(tmp_path / 'bundle.pem')
    second_pem = pki.certificate_pem(second[0]).decode()
    args = dict(dest=dest, certificates=[second_pem, first[3], second[3]])
    check = run_main(tls_bundle, args, capsys, check_mode=True, diff=True)
    assert check['changed'] is True and check['count'] == 2
    assert check['diff']['after'].splitlines()[0].startswith('CN=Second CA  ')
    assert not (tmp_path / 'bundle.pem').exists()

    result = run_main(tls_bundle, args, capsys, diff=True)
    assert result['changed'] is True
    assert [c['subject'] for c in result['certificates']] == ['CN=Second CA', 'CN=First CA']
    assert open(dest, 'rb').read() == pki.certificate_pem(second[0]) + pki.certificate_pem(first[0])
    assert mode_of(dest) == 0o644
    state = snapshot(tmp_path)
    assert run_main(tls_bundle, args, capsys)['changed'] is False
    assert snapshot(tmp_path) == state

    # Another order is another file content: stable order as given.
    swapped = run_main(tls_bundle, dict(args, certificates=[first[3], second[3]]), capsys, diff=True)
    assert swapped['changed'] is True
    assert swapped['diff']['before'] != swapped['diff']['after']


def test_only_ca_certificates(tmp_path, capsys, cas):
    first, _second = cas
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec('db1', ['DNS:db1'], 'peer')
    leaf = pki.sign_leaf(pki.build_csr(key, spec), spec, first[0], first[1])
    leaf_path = tmp_path / 'leaf.crt'
    leaf_path.write_bytes(pki.certificate_pem(leaf))
    state = snapshot(tmp_path)
    result = run_main(tls_bundle, dict(dest=str(tmp_path / 'b.pem'), certificates=[first[3], str(leaf_path)]), capsys)
    assert result['failed'] and result['msg'].startswith(f"{leaf_path}: 'CN=db1' is not a CA certificate")
    result = run_main(tls_bundle, dict(dest=str(tmp_path / 'b.pem'), certificates=[str(tmp_path / 'nope.pem')]), capsys)
    assert result['failed'] and result['msg'].startswith(f'{tmp_path / "nope.pem"}: no such file')
    result = run_main(tls_bundle, dict(dest=str(tmp_path / 'b.pem'), certificates=['-----BEGIN CERTIFICATE-----\nxx']), capsys)
    assert result['failed'] and result['msg'].startswith('certificates[1]: no PEM certificate found')
    assert snapshot(tmp_path) == state


@needs_openssl
def test_openssl_accepts_leaves_of_both_cas_against_the_bundle(tmp_path, capsys, cas):
    dest = str(tmp_path / 'bundle.pem')
    run_main(tls_bundle, dict(dest=dest, certificates=[c[3] for c in cas]), capsys)
    for number, (ca_cert, ca_key, _kp, _cp) in enumerate(cas):
        key = pki.generate_private_key('ecdsa')
        spec = pki.leaf_spec(f'db{number}', [f'DNS:db{number}'], 'peer')
        leaf = pki.sign_leaf(pki.build_csr(key, spec), spec, ca_cert, ca_key)
        path = tmp_path / f'leaf{number}.crt'
        path.write_bytes(pki.certificate_pem(leaf))
        openssl('verify', '-CAfile', dest, str(path))
