# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of the pure PKI core, cross-checked with the openssl CLI where it matters."""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import given, settings, strategies as st

from ansible_collections.dbtls.transport.plugins.module_utils import bundles, crl, pki

OPENSSL = shutil.which('openssl')
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason='the openssl CLI is not installed')

NOW = datetime.datetime(2026, 6, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
SANS = ['DNS:db1.example', 'DNS:db1', 'IP:10.0.0.5', 'IP:::1']


def openssl(*args, check=True, data=None):
    proc = subprocess.run([OPENSSL, *args], capture_output=True, text=True, input=data, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f'openssl {" ".join(args)} failed: {proc.stdout}{proc.stderr}')
    return proc


@pytest.fixture(scope='module')
def rsa_key():
    return pki.generate_private_key('rsa', 2048)


@pytest.fixture(scope='module')
def keys(rsa_key):
    """One key of every supported type (RSA generated once: it is the slow one)."""
    return {
        'rsa': rsa_key,
        'ecdsa': pki.generate_private_key('ecdsa', curve='secp256r1'),
        'ed25519': pki.generate_private_key('ed25519'),
    }


@pytest.fixture(scope='module')
def ca_key():
    return pki.generate_private_key('ecdsa')


@pytest.fixture(scope='module')
def ca(ca_key):
    return pki.build_ca(ca_key, 'Test CA', valid_days=3650, now=NOW)


def issue(ca_cert, ca_key, key, spec=None, now=NOW, **kwargs):
    spec = spec or pki.leaf_spec('db1', SANS, 'peer')
    csr = pki.build_csr(key, spec)
    return pki.sign_leaf(csr, spec, ca_cert, ca_key, now=now, **kwargs)


def write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


def test_certificate_parsing_errors_name_the_file(ca):
    with pytest.raises(pki.PKIError, match=r'^/a/ca\.crt: no PEM certificate found'):
        pki.load_certificates(b'hello', '/a/ca.crt')
    broken = b'-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'
    with pytest.raises(pki.PKIError, match=r'^/a/b\.crt: certificate #2 is not valid'):
        pki.load_certificates(pki.certificate_pem(ca) + broken, '/a/b.crt')
    two = pki.load_certificates(pki.certificate_pem(ca) * 2, 'x')
    assert len(two) == 2


# --------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize('value, expected', [
    ('DNS:db1.Example.', 'DNS:db1.example'),
    ('dns: db1 ', 'DNS:db1'),
    ('DNS:*.db.example', 'DNS:*.db.example'),
    ('IP:10.0.0.5', 'IP:10.0.0.5'),
    ('IP:2001:DB8:0:0::1', 'IP:2001:db8::1'),
    ('IP:[::1]', 'IP:::1'),
    ('email:dba@example.com', 'email:dba@example.com'),
])
def test_parse_san_accepts_and_normalizes(value, expected):
    assert pki.san_to_str(pki.parse_san(value)) == expected


@pytest.mark.parametrize('value, fragment', [
    ('URI:https://x', "unsupported type 'URI'"),
    ('db1.example', 'is not of the form'),
    ('DNS:', 'is not of the form'),
    ('IP:10.0.0.300', 'is not an IP address'),
    ('DNS:bad name', 'is not a DNS name'),
    ('DNS:-lead.example', 'is not a DNS name'),
    ('DNS:db.*.example', 'is not a DNS name'),
    ('DNS:bücher.example', 'xn--'),
    ('email:nobody', 'is not an e-mail address'),
    (42, 'must be a string'),
])
def test_parse_san_rejects_everything_else(value, fragment):
    with pytest.raises(pki.PKIError, match=fragment):
        pki.parse_san(value)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.ip_addresses(v=4), st.ip_addresses(v=6)))
def test_ip_sans_round_trip(address):
    parsed = pki.parse_san(f'IP:{address}')
    assert parsed.value == ipaddress.ip_address(str(address))
    assert pki.parse_san(pki.san_to_str(parsed)) == parsed


def test_leaf_spec_requires_sans_for_server_and_peer():
    for usage in ('server', 'peer'):
        with pytest.raises(pki.PKIError, match=f'subject_alt_names: a {usage} certificate needs'):
            pki.leaf_spec('db1', [], usage)
    assert pki.leaf_spec('app_user', [], 'client').sans == ()
    assert pki.leaf_spec('db1', ['DNS:db1', 'dns:DB1'], 'peer').sans == ('DNS:db1',)
    with pytest.raises(pki.PKIError, match="usage 'both' is unknown"):
        pki.leaf_spec('db1', ['DNS:db1'], 'both')
    with pytest.raises(pki.PKIError, match='common name is required'):
        pki.leaf_spec('', ['DNS:db1'])


# --------------------------------------------------------------------------------------------
# CA


def test_ca_extensions(ca, ca_key, tmp_path):
    bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and bc.value.ca
    ku = ca.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and ku.value.digital_signature
    ski = ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    aki = ca.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    assert ski == aki
    assert pki.not_before(ca) == NOW - pki.CLOCK_SKEW
    assert pki.same_public_key(ca, ca_key)
    if OPENSSL:
        text = openssl('x509', '-in', write(tmp_path / 'ca.pem', pki.certificate_pem(ca)), '-noout', '-text').stdout
        assert 'CA:TRUE' in text
        assert 'Certificate Sign, CRL Sign' in text
        assert 'X509v3 Subject Key Identifier' in text


def test_ca_with_organization():
    key = pki.generate_private_key('ed25519')
    cert = pki.build_ca(key, 'Org CA', organization='Example Ltd', now=NOW)
    assert cert.subject.rfc4514_string() == 'CN=Org CA,O=Example Ltd'
    assert pki.ca_needs_renewal(cert, key, 'Org CA', 90, NOW, organization='Example Ltd') == []
    with pytest.raises(pki.PKIError, match="organization is 'Example Ltd', not 'Other'"):
        pki.ca_needs_renewal(cert, key, 'Org CA', 90, NOW, organization='Other')


def test_ca_needs_renewal_rules(ca, ca_key):
    assert pki.ca_needs_renewal(None, ca_key, 'Test CA', 90, NOW) == ['missing']
    assert pki.ca_needs_renewal(ca, ca_key, 'Test CA', 90, NOW) == []
    late = NOW + 3600 * DAY
    assert pki.ca_needs_renewal(ca, ca_key, 'Test CA', 90, late)[0].startswith('inside renew window (')
    expired = NOW + 3700 * DAY
    assert pki.ca_needs_renewal(ca, ca_key, 'Test CA', 90, expired)[0].startswith('expired on ')
    with pytest.raises(pki.PKIError, match=r'^ca\.crt: the CA expired on .* renewal is disabled'):
        pki.ca_needs_renewal(ca, ca_key, 'Test CA', 0, expired, cert_source='ca.crt')
    with pytest.raises(pki.PKIError, match=r"^ca\.crt: the CA is named 'Test CA', not 'Other CA'"):
        pki.ca_needs_renewal(ca, ca_key, 'Other CA', 90, NOW, cert_source='ca.crt')
    other = pki.generate_private_key('ecdsa')
    with pytest.raises(pki.PKIError, match=r'^ca\.key: the key does not match the certificate ca\.crt'):
        pki.ca_needs_renewal(ca, other, 'Test CA', 90, NOW, cert_source='ca.crt', key_source='ca.key')


@needs_openssl
def test_renewed_ca_keeps_key_subject_and_old_leaves_verify(ca, ca_key, keys, tmp_path):
    # A leaf issued late in the CA's life, then the CA renewed inside its window.
    leaf = issue(ca, ca_key, keys['ecdsa'], now=NOW + 3400 * DAY)
    renewed = pki.renew_ca(ca, ca_key, valid_days=3650, now=NOW + 3600 * DAY)
    assert renewed.subject == ca.subject
    assert renewed.serial_number != ca.serial_number
    assert pki.same_public_key(renewed, ca)
    assert pki.not_after(renewed) > pki.not_after(ca)
    assert (renewed.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            == ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value)
    assert pki.issued_by(leaf, renewed)
    new_ca_file = write(tmp_path / 'new-ca.pem', pki.certificate_pem(renewed))
    leaf_file = write(tmp_path / 'leaf.pem', pki.certificate_pem(leaf))
    # The old leaf (issued before renewal) verifies against the renewed CA cert alone.
    attime = str(int((NOW + 3620 * DAY).timestamp()))
    assert openssl('verify', '-attime', attime, '-CAfile', new_ca_file, leaf_file).stdout.strip().endswith(': OK')
    other = pki.generate_private_key('ecdsa')
    with pytest.raises(pki.PKIError, match='does not match'):
        pki.renew_ca(ca, other)


# --------------------------------------------------------------------------------------------
# Signing


@needs_openssl
@pytest.mark.parametrize('key_type', ['rsa', 'ecdsa', 'ed25519'])
@pytest.mark.parametrize('ca_type', ['rsa', 'ed25519'])
def test_openssl_verifies_every_key_type(keys, tmp_path, key_type, ca_type):
    ca_key = keys[ca_type]
    now = pki.utcnow()
    ca_cert = pki.build_ca(ca_key, f'CA {ca_type}', now=now)
    leaf = issue(ca_cert, ca_key, keys[key_type], now=now)
    ca_file = write(tmp_path / 'ca.pem', pki.certificate_pem(ca_cert))
    leaf_file = write(tmp_path / 'leaf.pem', pki.certificate_pem(leaf))
    key_file = write(tmp_path / 'leaf.key', pki.serialize_private_key(keys[key_type]))
    result = openssl('verify', '-CAfile', ca_file, '-purpose', 'sslserver', leaf_file)
    assert result.stdout.strip() == f'{leaf_file}: OK'
    openssl('verify', '-CAfile', ca_file, '-purpose', 'sslclient', leaf_file)
    text = openssl('x509', '-in', leaf_file, '-noout', '-text').stdout
    assert 'CA:FALSE' in text
    assert 'TLS Web Server Authentication, TLS Web Client Authentication' in text
    assert 'DNS:db1.example, DNS:db1, IP Address:10.0.0.5, IP Address:0:0:0:0:0:0:0:1' in text
    assert 'X509v3 Authority Key Identifier' in text
    assert ('Key Encipherment' in text) == (key_type == 'rsa')
    # openssl agrees that the key belongs to the certificate
    pub_from_key = openssl('pkey', '-in', key_file, '-pubout').stdout
    pub_from_cert = openssl('x509', '-in', leaf_file, '-noout', '-pubkey').stdout
    assert pub_from_key == pub_from_cert


def test_leaf_extensions_and_validity(ca, ca_key, keys):
    leaf = issue(ca, ca_key, keys['ecdsa'], pki.leaf_spec('db1', SANS, 'peer', valid_days=397))
    bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.critical and not bc.value.ca
    ku = leaf.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and not ku.value.key_encipherment
    assert not ku.value.key_cert_sign
    assert leaf.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert 0 < leaf.serial_number < 2 ** 159
    assert pki.not_before(leaf) == NOW - datetime.timedelta(minutes=5)
    assert pki.not_after(leaf) == NOW + 397 * DAY
    assert pki.sans_of(leaf) == ['DNS:db1.example', 'DNS:db1', 'IP:10.0.0.5', 'IP:::1']
    rsa_leaf = issue(ca, ca_key, keys['rsa'])
    assert rsa_leaf.extensions.get_extension_for_class(x509.KeyUsage).value.key_encipherment
    assert issue(ca, ca_key, keys['ecdsa']).serial_number != leaf.serial_number


@pytest.mark.parametrize('usage, ekus', [
    ('server', [ExtendedKeyUsageOID.SERVER_AUTH]),
    ('client', [ExtendedKeyUsageOID.CLIENT_AUTH]),
    ('peer', [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
])
def test_usage_sets_extended_key_usage(ca, ca_key, keys, usage, ekus):
    spec = pki.leaf_spec('app_user' if usage == 'client' else 'db1', [] if usage == 'client' else SANS, usage)
    leaf = issue(ca, ca_key, keys['ed25519'], spec)
    assert list(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == ekus
    assert pki.usage_of(leaf) == usage


def test_leaf_never_outlives_its_ca(keys):
    key = keys['ed25519']
    short_ca = pki.build_ca(key, 'Short CA', valid_days=100, now=NOW)
    leaf = issue(short_ca, key, keys['ecdsa'])
    assert pki.not_after(leaf) == pki.not_after(short_ca)


def test_sign_refuses_bad_requests(ca, ca_key, keys):
    spec = pki.leaf_spec('db1', SANS, 'peer')
    good = pki.build_csr(keys['ecdsa'], spec)
    other_name = pki.build_csr(keys['ecdsa'], pki.leaf_spec('db2', SANS, 'peer'))
    with pytest.raises(pki.PKIError, match=r"^csr: subject 'CN=db2' differs from the requested 'CN=db1'"):
        pki.sign_leaf(other_name, spec, ca, ca_key, now=NOW, csr_source='csr')
    other_sans = pki.build_csr(keys['ecdsa'], pki.leaf_spec('db1', ['DNS:evil.example'], 'peer'))
    with pytest.raises(pki.PKIError, match='subject alternative names .* differ'):
        pki.sign_leaf(other_sans, spec, ca, ca_key, now=NOW)
    # A CSR whose self-signature does not verify: flip one byte of the signature.
    der = bytearray(good.public_bytes(pki.serialization.Encoding.DER))
    der[-5] ^= 0x01
    tampered = x509.load_der_x509_csr(bytes(der))
    with pytest.raises(pki.PKIError, match='self-signature does not verify'):
        pki.sign_leaf(tampered, spec, ca, ca_key, now=NOW)
    # CN equal to the CA's CN
    same_cn = pki.leaf_spec('Test CA', SANS, 'peer')
    with pytest.raises(pki.PKIError, match=r"common_name 'Test CA' equals the CN of the CA /c/ca\.crt"):
        pki.sign_leaf(pki.build_csr(keys['ecdsa'], same_cn), same_cn, ca, ca_key, now=NOW, ca_source='/c/ca.crt')
    # A CA key that does not belong to the CA certificate
    with pytest.raises(pki.PKIError, match='does not match'):
        pki.sign_leaf(good, spec, ca, keys['ecdsa'], now=NOW)
    # An expired CA
    with pytest.raises(pki.PKIError, match=r'^/c/ca\.crt: the CA certificate expired on'):
        pki.sign_leaf(good, spec, ca, ca_key, now=NOW + 4000 * DAY, ca_source='/c/ca.crt')
    # Not a CA at all
    leaf = issue(ca, ca_key, keys['ecdsa'])
    with pytest.raises(pki.PKIError, match='is not a CA certificate'):
        pki.sign_leaf(good, spec, leaf, keys['ecdsa'], now=NOW)


# --------------------------------------------------------------------------------------------
# The idempotency rule


def test_needs_reissue_reasons(ca, ca_key, keys):
    spec = pki.leaf_spec('db1', SANS, 'peer')
    key = keys['ecdsa']
    leaf = issue(ca, ca_key, key, spec)
    assert pki.needs_reissue(None, spec, ca) == ['missing']
    assert pki.needs_reissue(leaf, spec, ca, public_key=key, now=NOW) == []
    # SAN order and case do not matter
    shuffled = pki.leaf_spec('db1', list(reversed(SANS)) + ['DNS:DB1'], 'peer')
    assert pki.needs_reissue(leaf, shuffled, ca, public_key=key, now=NOW) == []

    def reasons(**kw):
        return pki.needs_reissue(leaf, kw.pop('spec', spec), kw.pop('ca', ca), kw.pop('public_key', key),
                                 kw.pop('now', NOW), kw.pop('renew_before_days', 30))

    assert reasons(public_key=keys['ed25519']) == ['key changed']
    assert reasons(spec=pki.leaf_spec('db2', SANS, 'peer')) == ["common name differs (have 'db1', want 'db2')"]
    [san_reason] = reasons(spec=pki.leaf_spec('db1', SANS + ['IP:10.0.0.6'], 'peer'))
    assert san_reason.startswith('SANs differ (have ') and 'IP:10.0.0.6' in san_reason
    assert reasons(spec=pki.leaf_spec('db1', SANS, 'server')) == ['usage differs (have peer, want server)']
    [window] = reasons(now=NOW + 380 * DAY)
    assert window == 'inside renew window (17 days left, renew_before_days=30)'
    assert reasons(now=NOW + 380 * DAY, renew_before_days=10) == []
    [expired] = reasons(now=NOW + 400 * DAY)
    assert expired.startswith('expired on ')

    # Another CA with the very same name: caught by the AKI / signature, not by the name.
    twin_key = pki.generate_private_key('ecdsa')
    twin = pki.build_ca(twin_key, 'Test CA', now=NOW)
    [other] = reasons(ca=twin)
    assert other.startswith('issued by another CA (authority key identifier')
    # Same name, same SKI (forged), different key: the signature check catches it.
    forged = (x509.CertificateBuilder().subject_name(ca.subject).issuer_name(ca.subject)
              .public_key(twin_key.public_key()).serial_number(1)
              .not_valid_before(NOW).not_valid_after(NOW + DAY)
              .add_extension(ca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value, False)
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
              .sign(twin_key, hashes.SHA256()))
    assert reasons(ca=forged) == ['issued by another CA (signature does not verify with the CA key)']
    other_name_ca = pki.build_ca(twin_key, 'Other CA', now=NOW)
    assert reasons(ca=other_name_ca)[0].startswith("issued by another CA (issuer is 'CN=Test CA'")

    # Several reasons at once are all reported.
    many = pki.needs_reissue(leaf, pki.leaf_spec('db2', ['DNS:db2'], 'server'), twin, keys['rsa'], NOW + 400 * DAY)
    assert len(many) == 6


def test_renewed_ca_does_not_trigger_reissue(ca, ca_key, keys):
    spec = pki.leaf_spec('db1', SANS, 'peer')
    leaf = issue(ca, ca_key, keys['ecdsa'], spec)
    renewed = pki.renew_ca(ca, ca_key, now=NOW + 100 * DAY)
    assert pki.needs_reissue(leaf, spec, renewed, keys['ecdsa'], NOW + 100 * DAY) == []


# --------------------------------------------------------------------------------------------
# verify()


@pytest.fixture(scope='module')
def hierarchy(keys):
    """root -> intermediate -> leaf, all ECDSA/Ed25519 (fast)."""
    root_key = pki.generate_private_key('ecdsa')
    root = pki.build_ca(root_key, 'Root CA', now=NOW)
    inter_key = pki.generate_private_key('ed25519')
    inter_spec = pki.leaf_spec('Intermediate CA', [], 'client')
    inter = (x509.CertificateBuilder().subject_name(inter_spec.subject).issuer_name(root.subject)
             .public_key(inter_key.public_key()).serial_number(pki.random_serial())
             .not_valid_before(NOW - DAY).not_valid_after(NOW + 1000 * DAY)
             .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
             .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), True)
             .add_extension(x509.SubjectKeyIdentifier.from_public_key(inter_key.public_key()), False)
             .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False)
             .sign(root_key, hashes.SHA256()))
    leaf = issue(inter, inter_key, keys['ecdsa'])
    return root, inter, inter_key, leaf


def test_verify_good_certificate(ca, ca_key, keys):
    leaf = issue(ca, ca_key, keys['ecdsa'])
    facts, chain, findings = pki.verify([leaf], [ca], key=keys['ecdsa'], required_sans=['DNS:db1'],
                                        required_usage='server', min_days_left=300, now=NOW)
    assert findings == []
    assert facts['subject'] == 'CN=db1'
    assert facts['issuer'] == 'CN=Test CA'
    assert facts['sans'] == ['DNS:db1.example', 'DNS:db1', 'IP:10.0.0.5', 'IP:::1']
    assert facts['days_left'] == 397
    assert facts['not_after'] == '2027-07-03T12:00:00Z'
    assert facts['key_type'] == 'ecdsa secp256r1'
    assert facts['fingerprint_sha256'] == leaf.fingerprint(hashes.SHA256()).hex(':').upper()
    assert facts['serial'] == leaf.serial_number
    assert [c['subject'] for c in chain] == ['CN=Test CA']


def test_verify_reports_every_problem(ca, ca_key, keys):
    spec = pki.leaf_spec('app_user', [], 'client')
    leaf = issue(ca, ca_key, keys['ecdsa'], spec)
    other_ca = pki.build_ca(keys['ed25519'], 'Other CA', now=NOW)
    _facts, _chain, findings = pki.verify(
        [leaf], [other_ca], key=keys['ed25519'], required_sans=['DNS:db1'], required_usage='server',
        min_days_left=400, now=NOW + 10 * DAY, cert_source='/t/c.crt', ca_source='/t/ca.pem', key_source='/t/c.key')
    text = '\n'.join(findings)
    assert len(findings) == 5, text
    assert '/t/c.crt: 387 days left, fewer than the 400 required' in text
    assert '/t/c.key: the key does not match the certificate /t/c.crt' in text
    assert '/t/c.crt: missing subject alternative names DNS:db1 (has none)' in text
    assert '/t/c.crt: extended key usage is client, server is required' in text
    assert "/t/c.crt: does not chain to a CA in /t/ca.pem: no issuer found for 'CN=app_user'" in text


def test_verify_expired_and_same_cn(keys):
    key = keys['ed25519']
    ca = pki.build_ca(key, 'Same', now=NOW)
    # Built by hand: sign_leaf() refuses a CN equal to the CA's, verify() must still report it.
    leaf = (x509.CertificateBuilder().subject_name(ca.subject).issuer_name(ca.subject)
            .public_key(keys['ecdsa'].public_key()).serial_number(7)
            .not_valid_before(NOW - DAY).not_valid_after(NOW + DAY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
            .sign(key, None))
    _f, _c, findings = pki.verify([leaf], [ca], now=NOW + 2 * DAY)
    assert any('expired on' in f for f in findings)
    assert any("the CN 'Same' equals the issuer's CN" in f for f in findings)
    _f, _c, findings = pki.verify([leaf], [ca], now=NOW, check_cn_differs=False)
    assert findings == []


def test_verify_with_intermediates(hierarchy, tmp_path):
    root, inter, _inter_key, leaf = hierarchy
    facts, chain, findings = pki.verify([leaf, inter], [root], now=NOW)
    assert findings == []
    assert [c['subject'] for c in chain] == ['CN=Intermediate CA', 'CN=Root CA']
    # Leaf-only file under an intermediate: no chain (Galera fails the same way).
    _f, _c, findings = pki.verify([leaf], [root], now=NOW)
    assert len(findings) == 1 and "no issuer found for 'CN=db1'" in findings[0]
    # The intermediate expired: reported although signatures are fine.
    _f, _c, findings = pki.verify([leaf, inter], [root], now=NOW + 1001 * DAY)
    assert any("issuer 'CN=Intermediate CA' expired" in f for f in findings)
    if OPENSSL:
        root_file = write(tmp_path / 'root.pem', pki.certificate_pem(root))
        chain_file = write(tmp_path / 'chain.pem', pki.certificate_pem(inter))
        leaf_file = write(tmp_path / 'leaf.pem', pki.certificate_pem(leaf))
        attime = str(int((NOW + DAY).timestamp()))
        openssl('verify', '-attime', attime, '-CAfile', root_file, '-untrusted', chain_file, leaf_file)


def test_verify_finds_the_issuer_in_a_bundle(ca, ca_key, keys, hierarchy):
    root = hierarchy[0]
    leaf = issue(ca, ca_key, keys['ecdsa'])
    _f, chain, findings = pki.verify([leaf], [root, ca], now=NOW)
    assert findings == [] and chain[0]['subject'] == 'CN=Test CA'


# --------------------------------------------------------------------------------------------
# Bundles


def test_bundle_dedupes_keeps_order_and_refuses_leaves(ca, ca_key, keys, hierarchy):
    root = hierarchy[0]
    ca_pem, root_pem = pki.certificate_pem(ca), pki.certificate_pem(root)
    content, certs = bundles.build_bundle([('a', root_pem), ('b', ca_pem + root_pem), ('c', ca_pem)])
    assert [c.subject.rfc4514_string() for c in certs] == ['CN=Root CA', 'CN=Test CA']
    assert content == root_pem + ca_pem
    leaf = issue(ca, ca_key, keys['ecdsa'])
    with pytest.raises(pki.PKIError, match=r"^/x/leaf\.pem: 'CN=db1' is not a CA certificate"):
        bundles.build_bundle([('a', ca_pem), ('/x/leaf.pem', pki.certificate_pem(leaf))])


# --------------------------------------------------------------------------------------------
# CRLs


def test_parse_serial_forms():
    assert crl.parse_serial(4660) == 4660
    assert crl.parse_serial('4660') == 4660
    assert crl.parse_serial('0x1234') == 4660
    assert crl.parse_serial('12:34') == 4660
    assert crl.parse_serial('ab') == 171
    for bad in ('xyz', 0, -1, True, '12:zz'):
        with pytest.raises(pki.PKIError):
            crl.parse_serial(bad)


@needs_openssl
def test_crl_create_update_and_openssl_checks(ca, ca_key, keys, tmp_path):
    leaf = issue(ca, ca_key, keys['ecdsa'], now=pki.utcnow())
    now = pki.utcnow()
    live_ca = pki.build_ca(ca_key, 'Test CA', now=now)   # same key and name: leaf verifies against it
    entries = crl.resolve_revoked([crl.revoked_entry(leaf.serial_number, 'key_compromise')], None, now)
    assert crl.crl_needs_update(None, live_ca, entries, now) == ['missing']
    issued_crl = crl.build_crl(live_ca, ca_key, entries, 1, next_update_days=30, now=now)
    assert crl.crl_number(issued_crl) == 1
    assert crl.crl_needs_update(issued_crl, live_ca, crl.resolve_revoked(
        [crl.revoked_entry(leaf.serial_number, 'key_compromise')], issued_crl, now + DAY), now + DAY) == []
    # the window
    [window] = crl.crl_needs_update(issued_crl, live_ca, entries, now + 25 * DAY, renew_before_days=7)
    assert 'inside the renew window' in window
    # a new serial, a removed serial, another reason
    added = crl.resolve_revoked([crl.revoked_entry(leaf.serial_number, 'key_compromise'),
                                 crl.revoked_entry('0x99')], issued_crl, now)
    assert crl.crl_needs_update(issued_crl, live_ca, added, now) == ['revoked certificates changed (added 99)']
    assert crl.crl_needs_update(issued_crl, live_ca, [], now)[0].startswith('revoked certificates changed (removed ')
    changed_reason = crl.resolve_revoked([crl.revoked_entry(leaf.serial_number, 'superseded')], issued_crl, now)
    assert crl.crl_needs_update(issued_crl, live_ca, changed_reason, now) == [
        'revoked certificates changed (reasons or dates changed)']
    other = pki.build_ca(keys['ed25519'], 'Test CA', now=now)
    assert 'issued by another CA' in crl.crl_needs_update(issued_crl, other, entries, now)

    ca_file = write(tmp_path / 'ca.pem', pki.certificate_pem(live_ca))
    crl_file = write(tmp_path / 'ca.crl', crl.crl_pem(issued_crl))
    leaf_file = write(tmp_path / 'leaf.pem', pki.certificate_pem(leaf))
    out = openssl('crl', '-in', crl_file, '-CAfile', ca_file, '-noout', '-text')
    assert 'verify OK' in out.stderr + out.stdout
    assert 'Key Compromise' in out.stdout
    assert 'X509v3 CRL Number' in out.stdout
    openssl('verify', '-CAfile', ca_file, leaf_file)
    revoked = openssl('verify', '-crl_check', '-CAfile', ca_file, '-CRLfile', crl_file, leaf_file, check=False)
    assert revoked.returncode != 0 and 'certificate revoked' in revoked.stdout + revoked.stderr
    facts = crl.crl_facts(issued_crl)
    assert facts['revoked'][0]['serial'] == leaf.serial_number
    assert facts['revoked'][0]['reason'] == 'key_compromise'


def test_revoked_entry_validation():
    with pytest.raises(pki.PKIError, match="reason 'stolen' is unknown"):
        crl.revoked_entry(5, 'stolen')
    with pytest.raises(pki.PKIError, match='is not a date'):
        crl.revoked_entry(5, None, 'yesterday')
    entry = crl.revoked_entry('05', None, '2026-03-01')
    assert entry.revocation_date == datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc)
    assert crl.revoked_entry(5, None, '2026-03-01T10:00:00+02:00').revocation_date.hour == 8


def test_a_public_key_of_an_unsupported_type_is_not_signed():
    """Through a CSR or as a public key the host generated: the same refusal (sign_public_key)."""
    from cryptography.hazmat.primitives.asymmetric import dsa
    ca_key = pki.generate_private_key('ecdsa')
    ca = pki.build_ca(ca_key, 'Test CA')
    spec = pki.leaf_spec('db1', ['DNS:db1'], 'peer')
    dsa_key = dsa.generate_private_key(2048)
    with pytest.raises(pki.PKIError, match='^host key: unsupported public key type'):
        pki.sign_public_key(dsa_key.public_key(), spec, ca, ca_key, key_source='host key')
    csr = (x509.CertificateSigningRequestBuilder().subject_name(spec.subject)
           .add_extension(x509.SubjectAlternativeName(spec.general_names()), critical=False)
           .sign(dsa_key, hashes.SHA256()))
    with pytest.raises(pki.PKIError, match='^CSR for db1: unsupported public key type'):
        pki.sign_leaf(csr, spec, ca, ca_key, csr_source='CSR for db1')
