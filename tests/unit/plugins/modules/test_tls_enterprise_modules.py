# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Module sides of the enterprise PKI: tls_ca making intermediates, tls_keypair installing files
issued elsewhere byte for byte, tls_pkcs12, tls_bundle's warning about intermediates, and the
refusal of ansible-vault files by modules (which cannot decrypt them in memory)."""

from __future__ import annotations

import hashlib
import os


from ansible_collections.dbtls.transport.plugins.module_utils import pki
from ansible_collections.dbtls.transport.plugins.modules import tls_bundle, tls_ca, tls_keypair, tls_pkcs12

from tls_testlib import assert_no_key_material, make_ca, mode_of, needs_openssl, openssl, run_main, snapshot

VAULTED = b'$ANSIBLE_VAULT;1.1;AES256\n3132333435363738\n'


def sha256(path) -> str:
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def intermediate_args(tmp_path, root_key_path, root_cert_path, **kw):
    args = dict(key_path=str(tmp_path / 'pki' / 'issuing.key'), cert_path=str(tmp_path / 'pki' / 'issuing.crt'),
                common_name='dbtls issuing CA', issuer_cert_path=root_cert_path, issuer_key_path=root_key_path,
                issuer_key_passphrase='root-pass', path_length=0, valid_days=1825)
    args.update(kw)
    return args


def test_tls_ca_makes_and_keeps_an_intermediate(tmp_path, capsys):
    root, _root_key, root_key_path, root_cert_path = make_ca(tmp_path / 'root', 'Enterprise Root', passphrase='root-pass')
    args = intermediate_args(tmp_path, root_key_path, root_cert_path, key_passphrase='issuing-pass')
    check = run_main(tls_ca, args, capsys, check_mode=True)
    assert check['changed'] is True and check['reasons'] == ['missing'] and not (tmp_path / 'pki').exists()

    first = run_main(tls_ca, args, capsys, diff=True)
    assert first['changed'] is True and not first.get('failed'), first
    assert first['issuer'] == 'CN=Enterprise Root' and first['subject'] == 'CN=dbtls issuing CA'
    assert_no_key_material(first['_raw'])
    assert 'root-pass' not in first['_raw'] and 'issuing-pass' not in first['_raw']
    inter = pki.load_certificate(open(args['cert_path'], 'rb').read(), 'issuing.crt')
    assert pki.issued_by(inter, root)
    assert b'ENCRYPTED' in open(args['key_path'], 'rb').read()
    assert mode_of(args['key_path']) == 0o600

    state = snapshot(tmp_path / 'pki')
    again = run_main(tls_ca, args, capsys)
    assert again['changed'] is False and again['reasons'] == []
    assert snapshot(tmp_path / 'pki') == state


@needs_openssl
def test_openssl_verifies_a_leaf_under_the_module_made_intermediate(tmp_path, capsys):
    _root, _rk, root_key_path, root_cert_path = make_ca(tmp_path / 'root', 'Enterprise Root', passphrase='root-pass')
    args = intermediate_args(tmp_path, root_key_path, root_cert_path)
    assert not run_main(tls_ca, args, capsys).get('failed')
    inter = pki.load_certificate(open(args['cert_path'], 'rb').read(), 'issuing.crt')
    inter_key = pki.load_private_key(open(args['key_path'], 'rb').read(), 'issuing.key')
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec('db1', ['DNS:db1'], 'peer')
    leaf = pki.sign_leaf(pki.build_csr(key, spec), spec, inter, inter_key)
    chain = tmp_path / 'peer.crt'
    chain.write_bytes(pki.certificate_pem(leaf) + pki.certificate_pem(inter))
    openssl('verify', '-CAfile', root_cert_path, '-untrusted', str(chain), str(chain))


def test_tls_ca_intermediate_refusals_change_nothing(tmp_path, capsys):
    _root, _rk, root_key_path, root_cert_path = make_ca(tmp_path / 'root', 'Enterprise Root', passphrase='root-pass')
    cases = [
        (dict(issuer_key_passphrase='not-the-root-pass'), 'wrong passphrase for the encrypted key'),
        (dict(common_name='Enterprise Root'), 'equals the CN of the issuer'),
        (dict(issuer_cert_path=str(tmp_path / 'missing.crt')), 'missing.crt: no such file (issuer_cert_path)'),
        (dict(key_mode='0644'), 'would let every user read'),
    ]
    for change, message in cases:
        result = run_main(tls_ca, intermediate_args(tmp_path, root_key_path, root_cert_path, **change), capsys)
        assert result.get('failed') and message in result['msg'], (change, result['msg'])
        assert not (tmp_path / 'pki').exists()
    # Only one of the two issuer options.
    args = intermediate_args(tmp_path, root_key_path, root_cert_path)
    del args['issuer_key_path']
    result = run_main(tls_ca, args, capsys)
    assert result.get('failed') and 'issuer_cert_path' in result['msg'] and 'issuer_key_path' in result['msg']


def test_tls_ca_refuses_a_vaulted_key_naming_it(tmp_path, capsys):
    _cert, _key, key_path, cert_path = make_ca(tmp_path / 'pki')
    with open(key_path, 'wb') as handle:
        handle.write(VAULTED)
    before = snapshot(tmp_path)
    result = run_main(tls_ca, dict(key_path=key_path, cert_path=cert_path, common_name='Test CA'), capsys)
    assert result.get('failed')
    assert result['msg'].startswith(f'{key_path}: the file is ansible-vault encrypted')
    assert snapshot(tmp_path) == before


def _external_pair(tmp_path, cn='db1', sans=('DNS:db1',)):
    root, root_key, _kp, root_path = make_ca(tmp_path / 'ext-root', 'Enterprise Root')
    inter_key = pki.generate_private_key('ecdsa')
    inter = pki.build_ca(inter_key, 'Issuing CA', issuer_cert=root, issuer_key=root_key, path_length=0)
    key = pki.generate_private_key('rsa', 2048)        # issued elsewhere: another key type, PKCS#1
    spec = pki.leaf_spec(cn, list(sans), 'peer')
    leaf = pki.sign_leaf(pki.build_csr(key, spec), spec, inter, inter_key)
    # The other CA's own formatting: an explanatory header and PKCS#1 - must survive unchanged.
    cert_text = b'subject=CN=db1\n' + pki.certificate_pem(leaf) + pki.certificate_pem(inter)
    key_text = key.private_bytes(pki.serialization.Encoding.PEM, pki.serialization.PrivateFormat.TraditionalOpenSSL,
                                 pki.serialization.NoEncryption())
    return cert_text, key_text, root_path


def test_tls_keypair_installs_external_files_byte_for_byte(tmp_path, capsys):
    cert_text, key_text, _root = _external_pair(tmp_path)
    host = tmp_path / 'host'
    host.mkdir()
    args = dict(key_path=str(host / 'peer.key'), cert_path=str(host / 'peer.crt'), common_name='db1',
                certificate=cert_text.decode(), private_key=key_text.decode(), key_mode='0640')
    check = run_main(tls_keypair, args, capsys, check_mode=True)
    assert check['changed'] is True and check['key_changed'] and check['cert_changed'] and os.listdir(host) == []

    first = run_main(tls_keypair, args, capsys, diff=True)
    assert first['changed'] is True and not first.get('failed'), first
    assert open(host / 'peer.crt', 'rb').read() == cert_text and open(host / 'peer.key', 'rb').read() == key_text
    assert mode_of(host / 'peer.key') == 0o640 and mode_of(host / 'peer.crt') == 0o644
    assert_no_key_material(first['_raw'])
    assert first['key_generated'] is False

    state = snapshot(host)
    again = run_main(tls_keypair, args, capsys)
    assert again['changed'] is False and not again['key_changed'] and not again['cert_changed']
    assert snapshot(host) == state

    # A key that does not belong to the certificate: refused, nothing written.
    other = pki.serialize_private_key(pki.generate_private_key('ecdsa')).decode()
    bad = run_main(tls_keypair, dict(args, private_key=other), capsys)
    assert bad.get('failed') and 'private_key: the key does not match the certificate certificate' in bad['msg']
    assert snapshot(host) == state
    bad = run_main(tls_keypair, dict(args, chain=['x']), capsys)
    assert bad.get('failed') and 'give the whole certificate file' in bad['msg']


def test_tls_pkcs12_is_idempotent_by_content(tmp_path, capsys):
    root, root_key, _kp, root_path = make_ca(tmp_path / 'ca', 'Test CA')
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec('app', [], 'client')
    leaf = pki.sign_leaf(pki.build_csr(key, spec), spec, root, root_key)
    (tmp_path / 'client.key').write_bytes(pki.serialize_private_key(key))
    (tmp_path / 'client.crt').write_bytes(pki.certificate_pem(leaf))
    args = dict(dest=str(tmp_path / 'out' / 'client.p12'), key_path=str(tmp_path / 'client.key'),
                cert_path=str(tmp_path / 'client.crt'), ca_path=root_path, passphrase='p12-secret')
    (tmp_path / 'out').mkdir()
    check = run_main(tls_pkcs12, args, capsys, check_mode=True)
    assert check['changed'] and check['reasons'] == ['missing'] and not os.path.exists(args['dest'])
    first = run_main(tls_pkcs12, args, capsys)
    assert first['changed'] and first['ca_count'] == 1 and mode_of(args['dest']) == 0o600
    assert 'p12-secret' not in first['_raw']
    assert_no_key_material(first['_raw'])
    digest = sha256(args['dest'])
    again = run_main(tls_pkcs12, args, capsys)
    assert again['changed'] is False and sha256(args['dest']) == digest
    other = run_main(tls_pkcs12, dict(args, passphrase='another'), capsys)
    assert other['changed'] and other['reasons'] == [f'{args["dest"]}: unreadable with the given passphrase']
    for change, message in ((dict(mode='0644'), 'would let every user read'),
                            (dict(passphrase=''), 'non-empty passphrase'),
                            (dict(ca_path=str(tmp_path / 'nope.pem')), 'nope.pem: no such file (ca_path)')):
        result = run_main(tls_pkcs12, dict(args, **change), capsys)
        assert result.get('failed') and message in result['msg'], result


@needs_openssl
def test_openssl_reads_the_pkcs12(tmp_path, capsys):
    root, root_key, _kp, root_path = make_ca(tmp_path / 'ca', 'Test CA')
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec('app', [], 'client')
    leaf = pki.sign_leaf(pki.build_csr(key, spec), spec, root, root_key)
    (tmp_path / 'client.key').write_bytes(pki.serialize_private_key(key))
    (tmp_path / 'client.crt').write_bytes(pki.certificate_pem(leaf))
    dest = tmp_path / 'client.p12'
    result = run_main(tls_pkcs12, dict(dest=str(dest), key_path=str(tmp_path / 'client.key'),
                                       cert_path=str(tmp_path / 'client.crt'), ca_path=root_path,
                                       passphrase='p12-secret'), capsys)
    assert not result.get('failed'), result
    out = openssl('pkcs12', '-in', str(dest), '-passin', 'pass:p12-secret', '-nokeys')
    assert 'subject=CN = app' in out.stdout or 'subject=CN=app' in out.stdout
    assert 'CN = Test CA' in out.stdout or 'CN=Test CA' in out.stdout


def test_tls_bundle_warns_about_an_intermediate_without_its_root(tmp_path, capsys):
    root, root_key, _kp, root_path = make_ca(tmp_path / 'ca', 'Enterprise Root')
    inter = pki.build_ca(pki.generate_private_key('ecdsa'), 'Issuing CA', issuer_cert=root, issuer_key=root_key)
    dest = str(tmp_path / 'bundle.pem')
    # ensure_bundle() is what main() runs; its warnings are asserted here directly because, once a
    # controller plugin was imported in this process, ansible-core 2.19 routes module warnings to
    # the controller's display instead of the module result.
    alone = tls_bundle.ensure_bundle(dict(dest=dest, certificates=[pki.certificate_pem(inter).decode()]))
    assert len(alone['warnings']) == 1 and alone['warnings'][0].startswith(f"{dest}: 'CN=Issuing CA' is an intermediate CA")
    both = tls_bundle.ensure_bundle(dict(dest=dest, certificates=[root_path, pki.certificate_pem(inter).decode()]))
    assert both['warnings'] == [] and both['count'] == 2
    root_only = run_main(tls_bundle, dict(dest=dest, certificates=[root_path]), capsys)
    assert 'is an intermediate CA' not in root_only['_raw'] and root_only['count'] == 1
