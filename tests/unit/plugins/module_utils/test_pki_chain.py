# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Intermediate CAs, signing chains, vaulted files, trust bundles and PKCS#12 in pki.py.

Chains are cross-checked with the openssl CLI (``openssl verify -untrusted``), which is what
MariaDB, Galera and socat use underneath."""

from __future__ import annotations

import datetime
import shutil
import subprocess

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.dbtls.transport.plugins.module_utils import bundles, pki

OPENSSL = shutil.which('openssl')
NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
SANS = ['DNS:db1.example']


def _root(name='Enterprise Root', key_type='ecdsa', valid_days=3650, now=NOW):
    key = pki.generate_private_key(key_type)
    return pki.build_ca(key, name, valid_days=valid_days, now=now), key


def _intermediate(root, root_key, name='Issuing CA', valid_days=1825, path_length=0, now=NOW):
    key = pki.generate_private_key('ecdsa')
    return pki.build_ca(key, name, valid_days=valid_days, now=now, issuer_cert=root,
                        issuer_key=root_key, path_length=path_length), key


def _leaf(ca, ca_key, cn='db1', usage='peer', now=NOW):
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec(cn, SANS if usage != 'client' else [], usage)
    return pki.sign_leaf(pki.build_csr(key, spec), spec, ca, ca_key, now=now), key


def test_intermediate_is_signed_by_the_root_and_capped_at_its_validity():
    root, root_key = _root(valid_days=100)
    inter, inter_key = _intermediate(root, root_key, valid_days=1825)
    assert inter.issuer == root.subject and pki.issued_by(inter, root)
    assert not pki.is_self_signed(inter) and pki.is_self_signed(root)
    assert pki.is_ca(inter)
    assert inter.extensions.get_extension_for_class(pki.x509.BasicConstraints).value.path_length == 0
    assert pki.not_after(inter) == pki.not_after(root)            # never outlives its issuer
    leaf, leaf_key = _leaf(inter, inter_key)
    _facts, chain, findings = pki.verify([leaf, inter], [root], key=leaf_key, required_sans=SANS,
                                         required_usage='peer', now=NOW)
    assert findings == []
    assert [c['subject'] for c in chain] == ['CN=Issuing CA', 'CN=Enterprise Root']


def test_intermediate_refuses_a_bad_issuer():
    root, root_key = _root()
    other_key = pki.generate_private_key('ecdsa')
    key = pki.generate_private_key('ecdsa')
    with pytest.raises(pki.PKIError, match='does not match the certificate'):
        pki.build_ca(key, 'Issuing CA', now=NOW, issuer_cert=root, issuer_key=other_key)
    with pytest.raises(pki.PKIError, match='equals the CN of the issuer'):
        pki.build_ca(key, 'Enterprise Root', now=NOW, issuer_cert=root, issuer_key=root_key)
    inter, inter_key = _intermediate(root, root_key, path_length=0)
    with pytest.raises(pki.PKIError, match='pathLenConstraint is 0'):
        pki.build_ca(key, 'Sub CA', now=NOW, issuer_cert=inter, issuer_key=inter_key)
    leaf, leaf_key = _leaf(root, root_key)
    with pytest.raises(pki.PKIError, match='not a CA certificate'):
        pki.build_ca(key, 'Sub CA', now=NOW, issuer_cert=leaf, issuer_key=leaf_key)


def test_intermediate_renewal_keeps_key_subject_and_leaves_valid():
    root, root_key = _root()
    inter, inter_key = _intermediate(root, root_key, valid_days=100)
    leaf, _leaf_key = _leaf(inter, inter_key)
    later = NOW + datetime.timedelta(days=80)
    reasons = pki.ca_needs_renewal(inter, inter_key, 'Issuing CA', 30, later, issuer_cert=root)
    assert reasons and reasons[0].startswith('inside renew window')
    renewed = pki.renew_ca(inter, inter_key, 1825, later, issuer_cert=root, issuer_key=root_key, path_length=0)
    assert renewed.subject == inter.subject and pki.same_public_key(renewed, inter)
    assert pki.issued_by(renewed, root) and pki.issued_by(leaf, renewed)
    assert pki.ca_needs_renewal(renewed, inter_key, 'Issuing CA', 30, later, issuer_cert=root) == []
    # A self-signed CA without an issuer is a root; an intermediate needs its issuer to be managed.
    with pytest.raises(pki.PKIError, match='not a self-signed CA certificate; give its issuer'):
        pki.ca_needs_renewal(inter, inter_key, 'Issuing CA', 30, NOW)


def test_new_root_means_the_intermediate_is_signed_again():
    root, root_key = _root()
    inter, inter_key = _intermediate(root, root_key)
    new_root, new_root_key = _root('Enterprise Root G2')
    reasons = pki.ca_needs_renewal(inter, inter_key, 'Issuing CA', 30, NOW, issuer_cert=new_root)
    assert reasons and reasons[0].startswith('issued by another CA')
    resigned = pki.renew_ca(inter, inter_key, 1825, NOW, issuer_cert=new_root, issuer_key=new_root_key)
    assert pki.issued_by(resigned, new_root)


def test_intermediate_as_long_as_its_issuer_is_not_renewed_every_run():
    root, root_key = _root(valid_days=40)
    inter, inter_key = _intermediate(root, root_key, valid_days=1825)
    # 40 days left, renew window 90: but re-signing cannot make it last longer than the root.
    assert pki.ca_needs_renewal(inter, inter_key, 'Issuing CA', 90, NOW, issuer_cert=root) == []


def test_signing_chain_rules():
    root, root_key = _root()
    inter, inter_key = _intermediate(root, root_key, path_length=1)
    sub, _sub_key = _intermediate(inter, inter_key, name='Sub CA', path_length=0)
    pki.check_signing_chain(root, [])                      # a root needs no chain
    pki.check_signing_chain(inter, [inter])
    pki.check_signing_chain(sub, [sub, inter])
    with pytest.raises(pki.PKIError, match='is an intermediate CA .*give chain_path'):
        pki.check_signing_chain(inter, [], 'chain.pem', 'inter.crt')
    with pytest.raises(pki.PKIError, match='chain.pem: the first certificate is .*not the issuing CA'):
        pki.check_signing_chain(sub, [inter, sub], 'chain.pem', 'sub.crt')
    with pytest.raises(pki.PKIError, match='chain.pem: certificate #2 did not issue #1'):
        pki.check_signing_chain(sub, [sub, root], 'chain.pem', 'sub.crt')
    with pytest.raises(pki.PKIError, match='self-signed root; leave the root out'):
        pki.check_signing_chain(inter, [inter, root], 'chain.pem', 'inter.crt')
    leaf, _leaf_key = _leaf(inter, inter_key)
    with pytest.raises(pki.PKIError, match='not the issuing CA'):
        pki.check_signing_chain(inter, [leaf])


def test_leaf_only_file_under_an_intermediate_names_the_fix():
    root, root_key = _root()
    inter, inter_key = _intermediate(root, root_key)
    leaf, _leaf_key = _leaf(inter, inter_key)
    _f, _c, findings = pki.verify([leaf], [root], now=NOW, cert_source='peer.crt', ca_source='ca.pem')
    assert len(findings) == 1
    assert findings[0].startswith('peer.crt: does not chain to a CA in ca.pem')
    assert 'needs that intermediate after it in the same file' in findings[0]
    # With the intermediate in the trust file instead, the leaf verifies (Go would accept it too).
    assert pki.verify([leaf], [inter], now=NOW)[2] == []


@pytest.mark.skipif(OPENSSL is None, reason='openssl CLI not installed')
def test_openssl_agrees_leaf_plus_intermediate_against_root_only(tmp_path):
    root, root_key = _root()
    inter, inter_key = _intermediate(root, root_key, now=pki.utcnow())
    leaf, _leaf_key = _leaf(inter, inter_key, now=pki.utcnow())
    (tmp_path / 'root.pem').write_bytes(pki.certificate_pem(root))
    (tmp_path / 'chain.pem').write_bytes(pki.certificate_pem(leaf) + pki.certificate_pem(inter))
    (tmp_path / 'leaf.pem').write_bytes(pki.certificate_pem(leaf))
    (tmp_path / 'inter.pem').write_bytes(pki.certificate_pem(inter))

    def run(*args):
        return subprocess.run([OPENSSL, 'verify', *args], capture_output=True, text=True, check=False)

    ok = run('-CAfile', str(tmp_path / 'root.pem'), '-untrusted', str(tmp_path / 'chain.pem'), str(tmp_path / 'chain.pem'))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # What Galera sees with a leaf-only file: the issuer is unknown.
    bad = run('-CAfile', str(tmp_path / 'root.pem'), str(tmp_path / 'leaf.pem'))
    assert bad.returncode != 0 and 'unable to get local issuer certificate' in bad.stdout + bad.stderr
    # An intermediate alone in the CA file: OpenSSL refuses (no partial chains) - hence the bundle warning.
    partial = run('-CAfile', str(tmp_path / 'inter.pem'), str(tmp_path / 'leaf.pem'))
    assert partial.returncode != 0
    assert bundles.bundle_warnings([inter]) and bundles.bundle_warnings([root]) == [] \
        and bundles.bundle_warnings([root, inter]) == []


def test_vault_files_are_refused_with_a_clear_message():
    vaulted = b'$ANSIBLE_VAULT;1.1;AES256\n6162636465\n'
    assert pki.is_vault_encrypted(vaulted) and pki.is_vault_encrypted(b'\n' + vaulted)
    assert not pki.is_vault_encrypted(b'-----BEGIN PRIVATE KEY-----')
    with pytest.raises(pki.PKIError, match=r'^/pki/ca.key: the file is ansible-vault encrypted'):
        pki.load_private_key(vaulted, '/pki/ca.key')
    with pytest.raises(pki.PKIError, match=r'^/pki/ca.crt: the file is ansible-vault encrypted'):
        pki.load_certificates(vaulted, '/pki/ca.crt')


def test_pkcs12_round_trip_and_differences():
    root, root_key = _root()
    inter, inter_key = _intermediate(root, root_key)
    leaf, leaf_key = _leaf(inter, inter_key, cn='app', usage='client')
    data = bundles.build_pkcs12('app', leaf_key, leaf, [inter, root], 'p12-secret')
    assert bundles.pkcs12_differences(data, 'p12-secret', leaf_key, leaf, [inter, root]) == []
    assert bundles.pkcs12_differences(data, 'wrong', leaf_key, leaf, [inter, root]) == \
        ['PKCS#12 file: unreadable with the given passphrase']
    other, other_key = _leaf(inter, inter_key, cn='app', usage='client')
    assert bundles.pkcs12_differences(data, 'p12-secret', other_key, other, [inter, root]) == \
        ['key differs', 'certificate differs']
    assert bundles.pkcs12_differences(data, 'p12-secret', leaf_key, leaf, [root]) == ['CA certificates differ']
    with pytest.raises(pki.PKIError, match='non-empty passphrase'):
        bundles.build_pkcs12('app', leaf_key, leaf, [], '')


@settings(max_examples=25, deadline=None)
@given(order=st.permutations([0, 1, 2]))
def test_only_the_issuing_order_passes_the_chain_check(order):
    # One fixed three-level chain; every other order of the same certificates is refused.
    chain = _CHAIN3
    candidate = [chain[i] for i in order]
    if list(order) == [0, 1, 2]:
        with pytest.raises(pki.PKIError, match='self-signed root'):
            pki.check_signing_chain(chain[0], candidate)
        pki.check_signing_chain(chain[0], candidate[:2])
    else:
        with pytest.raises(pki.PKIError):
            pki.check_signing_chain(chain[0], candidate)


def _chain3():
    root, root_key = _root()
    inter, inter_key = _intermediate(root, root_key, path_length=1)
    sub, _sub_key = _intermediate(inter, inter_key, name='Sub CA')
    return [sub, inter, root]


_CHAIN3 = _chain3()
