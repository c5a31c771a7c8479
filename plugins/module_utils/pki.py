# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The PKI core of dbtls.transport: certificates, CSRs, signing, CA renewal and checks.

Keys and PEM blocks are in keys.py (no X.509 there, for tls_keypair's cheap rerun) and are
offered here under the same names. CRLs are in crl.py and trust bundles and PKCS#12 files in
bundles.py, both built on this module (which imports neither), so that a module run on a node
ships and compiles only the code it uses.

Pure functions over ``cryptography`` objects and bytes. Nothing here imports Ansible, touches the
file system or reads the clock implicitly: callers pass file contents and a ``source`` name (the
file or option the bytes came from, used in every error message), and may pass ``now``.

Every problem is raised as :class:`PKIError` with a message that names its source.

The code runs on targets too (``tls_keypair``, ``tls_verify``, ``tls_bundle``), where the system's
``cryptography`` may be old (Debian 12 ships 38.0): only APIs available since 37 are used, with
newer ones taken when present.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import traceback
import typing as t
from dataclasses import dataclass

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, SignatureAlgorithmOID
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

# Re-exported (see the module docstring), so that one import serves every caller.
from ansible_collections.dbtls.transport.plugins.module_utils.keys import (  # pylint: disable=unused-import
    CURVES, KEY_TYPES, MAX_RSA_KEY_SIZE, MIN_RSA_KEY_SIZE, VAULT_HEADER, PKIError, check_key_spec,
    describe_key, describe_key_spec, generate_private_key, is_vault_encrypted, key_matches_spec,
    key_type_of, load_private_key, load_public_key, load_signing_key, pem_blocks, public_key_der,
    public_key_of_private_key, public_key_pem, same_public_key, serialize_private_key,
    _refuse_vault, CRYPTOGRAPHY_REQUIREMENT, CRYPTOGRAPHY_TOO_OLD, CRYPTOGRAPHY_VERSION,
    MIN_CRYPTOGRAPHY_VERSION)
from ansible_collections.dbtls.transport.plugins.module_utils import keys as _keys

# A cryptography older than the keys module accepts is refused here too, with its message.
if HAS_CRYPTOGRAPHY and not _keys.HAS_CRYPTOGRAPHY:
    HAS_CRYPTOGRAPHY, CRYPTOGRAPHY_IMPORT_ERROR = False, _keys.CRYPTOGRAPHY_IMPORT_ERROR


USAGES = ('server', 'client', 'peer')
# notBefore is set this far in the past so that hosts whose clocks lag a little accept a fresh
# certificate at once.
CLOCK_SKEW = datetime.timedelta(minutes=5)
# Longest chain followed by verify(): leaf, a few intermediates, root.
MAX_CHAIN_DEPTH = 8

_DNS_LABEL_RE = re.compile(r'^(?!-)[a-z0-9_-]{1,63}(?<!-)$')


# --------------------------------------------------------------------------------------------
# Time


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _aware(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=datetime.timezone.utc)
    return value


def not_before(cert) -> datetime.datetime:
    if hasattr(cert, 'not_valid_before_utc'):
        return cert.not_valid_before_utc
    return _aware(cert.not_valid_before)


def not_after(cert) -> datetime.datetime:
    if hasattr(cert, 'not_valid_after_utc'):
        return cert.not_valid_after_utc
    return _aware(cert.not_valid_after)


def isoformat(value: datetime.datetime | None) -> str | None:
    """``2026-01-31T12:00:00Z``: UTC, seconds, the form used in every result."""
    if value is None:
        return None
    return _aware(value).astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _whole_seconds(value: datetime.datetime) -> datetime.datetime:
    return value.replace(microsecond=0)


def days_left(cert, now: datetime.datetime | None = None) -> int:
    """Whole days until notAfter (negative once expired)."""
    now = now or utcnow()
    return (not_after(cert) - now) // datetime.timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Keys


def _signing_hash(key):
    kind = key_type_of(key)
    if kind == 'ed25519':
        return None
    if kind == 'ecdsa' and key.curve.name == 'secp384r1':
        return hashes.SHA384()
    return hashes.SHA256()


def check_key_matches_certificate(key, cert, key_source: str, cert_source: str) -> None:
    if not same_public_key(key, cert):
        raise PKIError(f'{key_source}: the key does not match the certificate {cert_source}')


# --------------------------------------------------------------------------------------------
# PEM objects


def load_certificates(data, source: str) -> list:
    """Every certificate of a PEM file (leaf first, as written). At least one is required."""
    blocks = pem_blocks(data, 'CERTIFICATE')
    if not blocks:
        _refuse_vault(data, source)
        raise PKIError(f'{source}: no PEM certificate found (no "-----BEGIN CERTIFICATE-----" block)')
    certs = []
    for number, block in enumerate(blocks, start=1):
        try:
            certs.append(x509.load_pem_x509_certificate(block))
        except ValueError as exc:
            raise PKIError(f'{source}: certificate #{number} is not valid PEM/DER ({exc})') from None
    return certs


def load_certificate(data, source: str):
    """The first certificate of a PEM file."""
    return load_certificates(data, source)[0]


def certificate_pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def load_csr(data, source: str = 'CSR'):
    blocks = pem_blocks(data, 'CERTIFICATE REQUEST')
    if not blocks:
        raise PKIError(f'{source}: no PEM certificate request found')
    try:
        return x509.load_pem_x509_csr(blocks[0])
    except ValueError as exc:
        raise PKIError(f'{source}: not a valid certificate request ({exc})') from None


def csr_pem(csr) -> bytes:
    return csr.public_bytes(serialization.Encoding.PEM)


# --------------------------------------------------------------------------------------------
# Names


def _colon_hex(raw: bytes) -> str:
    return ':'.join(f'{b:02X}' for b in raw)


def fingerprint_sha256(cert) -> str:
    """``AB:CD:...``, as ``openssl x509 -fingerprint -sha256`` prints it."""
    return _colon_hex(cert.fingerprint(hashes.SHA256()))


def serial_hex(serial: int) -> str:
    raw = serial.to_bytes((serial.bit_length() + 7) // 8 or 1, 'big')
    return _colon_hex(raw)


def common_name_of(name) -> str | None:
    """The CN of an ``x509.Name`` (or of a certificate's / CSR's subject)."""
    if hasattr(name, 'subject'):
        name = name.subject
    values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(values[0].value) if values else None


def _name(common_name: str, organization: str | None = None):
    attributes = []
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _check_common_name(common_name: t.Any, source: str) -> str:
    if not isinstance(common_name, str) or not common_name.strip():
        raise PKIError(f'{source}: a common name is required')
    if common_name != common_name.strip():
        raise PKIError(f'{source}: {common_name!r} has leading or trailing blanks')
    if len(common_name) > 64:
        raise PKIError(f'{source}: {common_name!r} is longer than the 64 characters X.509 allows')
    return common_name


def _check_dns_name(name: str, original: str) -> str:
    try:
        name.encode('ascii')
    except UnicodeEncodeError:
        raise PKIError(
            f'subject alternative name {original!r}: use the ASCII (xn--) form of international '
            'names') from None
    name = name.lower().rstrip('.')
    labels = name.split('.')
    if len(name) > 253 or not labels:
        raise PKIError(f'subject alternative name {original!r} is not a DNS name')
    for position, label in enumerate(labels):
        if label == '*' and position == 0 and len(labels) > 2:
            continue
        if not _DNS_LABEL_RE.match(label):
            raise PKIError(f'subject alternative name {original!r} is not a DNS name')
    return name


def parse_san(value: t.Any):
    """``DNS:name``, ``IP:1.2.3.4`` / ``IP:::1`` or ``email:user@host`` to an ``x509.GeneralName``."""
    if not isinstance(value, str):
        raise PKIError(f'subject alternative name {value!r} must be a string like DNS:host.example')
    prefix, sep, rest = value.partition(':')
    kind = prefix.strip().lower()
    rest = rest.strip()
    if not sep or not rest:
        raise PKIError(
            f'subject alternative name {value!r} is not of the form DNS:<name>, IP:<address> or '
            'email:<address>')
    if kind == 'dns':
        return x509.DNSName(_check_dns_name(rest, value))
    if kind in ('ip', 'ip address'):
        try:
            return x509.IPAddress(ipaddress.ip_address(rest.strip('[]')))
        except ValueError:
            raise PKIError(f'subject alternative name {value!r}: {rest!r} is not an IP address') from None
    if kind == 'email':
        local, at, domain = rest.partition('@')
        if not at or not local or not domain or ' ' in rest:
            raise PKIError(f'subject alternative name {value!r}: {rest!r} is not an e-mail address')
        return x509.RFC822Name(rest)
    raise PKIError(
        f'subject alternative name {value!r}: unsupported type {prefix!r}; use DNS:<name>, '
        'IP:<address> or email:<address>')


def san_to_str(general_name) -> str:
    if isinstance(general_name, x509.DNSName):
        return f'DNS:{general_name.value.lower()}'
    if isinstance(general_name, x509.IPAddress):
        return f'IP:{general_name.value}'
    if isinstance(general_name, x509.RFC822Name):
        return f'email:{general_name.value}'
    if isinstance(general_name, x509.UniformResourceIdentifier):
        return f'URI:{general_name.value}'
    return f'{type(general_name).__name__}:{general_name.value}'


def normalize_sans(values: t.Iterable[str]) -> list[str]:
    """Parse and normalize SAN strings; duplicates dropped, order kept."""
    result: list[str] = []
    for value in values or ():
        text = san_to_str(parse_san(value))
        if text not in result:
            result.append(text)
    return result


def _extension(obj, ext_class):
    try:
        return obj.extensions.get_extension_for_class(ext_class)
    except x509.ExtensionNotFound:
        return None


def sans_of(obj) -> list[str]:
    """The SANs of a certificate or CSR as ``DNS:…``/``IP:…``/``email:…`` strings."""
    ext = _extension(obj, x509.SubjectAlternativeName)
    return [san_to_str(gn) for gn in ext.value] if ext is not None else []


# --------------------------------------------------------------------------------------------
# Certificate properties


def is_ca(cert) -> bool:
    ext = _extension(cert, x509.BasicConstraints)
    return bool(ext is not None and ext.value.ca)


def usage_of(cert) -> str:
    """'server', 'client', 'peer' (both), or 'none' from the extended key usage."""
    ext = _extension(cert, x509.ExtendedKeyUsage)
    if ext is None:
        return 'none'
    oids = set(ext.value)
    server = ExtendedKeyUsageOID.SERVER_AUTH in oids
    client = ExtendedKeyUsageOID.CLIENT_AUTH in oids
    if server and client:
        return 'peer'
    if server:
        return 'server'
    if client:
        return 'client'
    return 'none'


def usage_allows(cert, usage: str) -> bool:
    have = usage_of(cert)
    return have == 'peer' or have == usage


def _key_usage_names(cert) -> list[str]:
    ext = _extension(cert, x509.KeyUsage)
    if ext is None:
        return []
    ku = ext.value
    names = []
    for attr in ('digital_signature', 'content_commitment', 'key_encipherment', 'data_encipherment',
                 'key_agreement', 'key_cert_sign', 'crl_sign'):
        if getattr(ku, attr):
            names.append(attr)
    if ku.key_agreement:
        for attr in ('encipher_only', 'decipher_only'):
            if getattr(ku, attr):
                names.append(attr)
    return names


def _eku_names(cert) -> list[str]:
    ext = _extension(cert, x509.ExtendedKeyUsage)
    if ext is None:
        return []
    known = {ExtendedKeyUsageOID.SERVER_AUTH: 'serverAuth', ExtendedKeyUsageOID.CLIENT_AUTH: 'clientAuth'}
    return [known.get(oid, oid.dotted_string) for oid in ext.value]


def certificate_facts(cert, now: datetime.datetime | None = None) -> dict:
    """Everything a playbook may want to know about a certificate (no key material)."""
    now = now or utcnow()
    return {
        'subject': cert.subject.rfc4514_string(),
        'common_name': common_name_of(cert),
        'issuer': cert.issuer.rfc4514_string(),
        'serial': cert.serial_number,
        'serial_hex': serial_hex(cert.serial_number),
        'sans': sans_of(cert),
        'not_before': isoformat(not_before(cert)),
        'not_after': isoformat(not_after(cert)),
        'days_left': days_left(cert, now),
        'fingerprint_sha256': fingerprint_sha256(cert),
        'key_type': describe_key(cert.public_key()),
        'is_ca': is_ca(cert),
        'usage': usage_of(cert),
        'key_usage': _key_usage_names(cert),
        'extended_key_usage': _eku_names(cert),
    }


def diff_facts(cert) -> dict:
    """The certificate metadata shown in ``--diff`` (never key material)."""
    if cert is None:
        return {}
    return {
        'subject': cert.subject.rfc4514_string(),
        'issuer': cert.issuer.rfc4514_string(),
        'serial_hex': serial_hex(cert.serial_number),
        'sans': sans_of(cert),
        'usage': usage_of(cert),
        'not_before': isoformat(not_before(cert)),
        'not_after': isoformat(not_after(cert)),
        'fingerprint_sha256': fingerprint_sha256(cert),
        'key_type': describe_key(cert.public_key()),
    }


# --------------------------------------------------------------------------------------------
# Signatures and issuers


def _verify_signature(public_key, signature: bytes, data: bytes, hash_algorithm, sig_oid) -> bool:
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            if sig_oid == SignatureAlgorithmOID.RSASSA_PSS:
                pad = padding.PSS(mgf=padding.MGF1(hash_algorithm), salt_length=padding.PSS.AUTO)
            else:
                pad = padding.PKCS1v15()
            public_key.verify(signature, data, pad, hash_algorithm)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
        elif isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def signed_by(cert, issuer) -> bool:
    """Whether ``issuer``'s key made ``cert``'s signature (names are not compared here)."""
    try:
        hash_algorithm = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return False
    return _verify_signature(issuer.public_key(), cert.signature, cert.tbs_certificate_bytes,
                             hash_algorithm, cert.signature_algorithm_oid)


def _subject_key_id(cert) -> bytes | None:
    ext = _extension(cert, x509.SubjectKeyIdentifier)
    return ext.value.digest if ext is not None else None


def _authority_key_id(cert) -> bytes | None:
    ext = _extension(cert, x509.AuthorityKeyIdentifier)
    return ext.value.key_identifier if ext is not None else None


def issuer_mismatch(cert, issuer) -> str | None:
    """Why ``issuer`` did not issue ``cert`` (issuer name, AKI, signature), or None if it did."""
    if cert.issuer != issuer.subject:
        return f'issuer is {cert.issuer.rfc4514_string()!r}, not {issuer.subject.rfc4514_string()!r}'
    aki, ski = _authority_key_id(cert), _subject_key_id(issuer)
    if aki is not None and ski is not None and aki != ski:
        return 'authority key identifier does not match the CA key'
    if not signed_by(cert, issuer):
        return 'signature does not verify with the CA key'
    return None


def issued_by(cert, issuer) -> bool:
    return issuer_mismatch(cert, issuer) is None


# --------------------------------------------------------------------------------------------
# What a leaf should look like


@dataclass(frozen=True)
class LeafSpec:
    """The wanted leaf certificate: the inputs of CSR building, signing and needs_reissue()."""

    common_name: str
    sans: tuple = ()
    usage: str = 'peer'
    valid_days: int = 397

    @property
    def subject(self):
        return _name(self.common_name)

    def general_names(self) -> list:
        return [parse_san(value) for value in self.sans]


def leaf_spec(common_name: str, subject_alt_names: t.Iterable[str] | None = None,
              usage: str = 'peer', valid_days: int = 397) -> LeafSpec:
    """Validate and normalize what the caller asks for. Server and peer certificates need SANs:
    Go (Vitess) ignores the CN when it checks a host name."""
    _check_common_name(common_name, 'common_name')
    if usage not in USAGES:
        raise PKIError(f'usage {usage!r} is unknown: choose one of {", ".join(USAGES)}')
    if not isinstance(valid_days, int) or isinstance(valid_days, bool) or valid_days < 1:
        raise PKIError(f'valid_days must be a positive number of days, got {valid_days!r}')
    sans = tuple(normalize_sans(subject_alt_names or ()))
    if usage in ('server', 'peer') and not sans:
        raise PKIError(
            f'subject_alt_names: a {usage} certificate needs at least one DNS: or IP: name '
            '(Go, and so Vitess, ignores the common name when checking host names)')
    return LeafSpec(common_name=common_name, sans=sans, usage=usage, valid_days=valid_days)


def check_leaf_common_name(common_name: str, ca_cert, ca_source: str = 'CA certificate') -> None:
    """MySQL and PXC refuse a certificate whose CN equals its issuer's CN."""
    ca_cn = common_name_of(ca_cert)
    if ca_cn is not None and common_name == ca_cn:
        raise PKIError(
            f'common_name {common_name!r} equals the CN of the CA {ca_source}: MySQL and Percona '
            'XtraDB Cluster reject such certificates; choose another name')


# --------------------------------------------------------------------------------------------
# CSRs


def build_csr(key, spec: LeafSpec):
    """A CSR for ``spec``'s subject and SANs, signed by ``key`` (proof of possession)."""
    builder = x509.CertificateSigningRequestBuilder().subject_name(spec.subject)
    if spec.sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(spec.general_names()), critical=False)
    return builder.sign(key, _signing_hash(key))


def check_csr(csr, spec: LeafSpec, source: str = 'CSR') -> None:
    """Refuse a CSR with a bad self-signature or a subject / SANs other than asked for (its key's
    type is checked by sign_public_key(), which signs it)."""
    try:
        valid = csr.is_signature_valid
    except (UnsupportedAlgorithm, ValueError):
        valid = False
    if not valid:
        raise PKIError(f'{source}: the request\'s self-signature does not verify')
    if csr.subject != spec.subject:
        raise PKIError(
            f'{source}: subject {csr.subject.rfc4514_string()!r} differs from the requested '
            f'{spec.subject.rfc4514_string()!r}')
    have = sorted(set(sans_of(csr)))
    if have != sorted(set(spec.sans)):
        raise PKIError(
            f'{source}: subject alternative names {have} differ from the requested {sorted(spec.sans)}')


# --------------------------------------------------------------------------------------------
# Signing


def random_serial() -> int:
    """A random positive serial of at most 159 bits (RFC 5280 allows 20 octets)."""
    return x509.random_serial_number()


def _aki_for(ca_cert, ca_public_key):
    ski = _extension(ca_cert, x509.SubjectKeyIdentifier) if ca_cert is not None else None
    if ski is not None:
        return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)
    return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_public_key)


def check_ca(ca_cert, source: str, now: datetime.datetime | None = None) -> None:
    """Raise unless ``ca_cert`` is a CA certificate that is valid now."""
    now = now or utcnow()
    if not is_ca(ca_cert):
        raise PKIError(f'{source}: {ca_cert.subject.rfc4514_string()!r} is not a CA certificate '
                       '(basicConstraints CA:TRUE missing)')
    if not_after(ca_cert) <= now:
        raise PKIError(f'{source}: the CA certificate expired on {isoformat(not_after(ca_cert))}; '
                       'renew it (tls_ca) before issuing certificates')
    if not_before(ca_cert) > now:
        raise PKIError(f'{source}: the CA certificate is not valid before '
                       f'{isoformat(not_before(ca_cert))}')


def sign_leaf(csr, spec: LeafSpec, ca_cert, ca_key, now: datetime.datetime | None = None,
              serial: int | None = None, csr_source: str = 'CSR', ca_source: str = 'CA certificate'):
    """Issue a leaf certificate for a checked CSR.

    basicConstraints CA:FALSE (critical); keyUsage digitalSignature (+ keyEncipherment for RSA
    keys only) (critical); EKU per usage; SANs; SKI/AKI; a random serial; notBefore 5 minutes in
    the past. notAfter never exceeds the CA's own notAfter.
    """
    check_csr(csr, spec, csr_source)
    return sign_public_key(csr.public_key(), spec, ca_cert, ca_key, now=now, serial=serial,
                           key_source=csr_source, ca_source=ca_source)


def sign_public_key(public_key, spec: LeafSpec, ca_cert, ca_key, now: datetime.datetime | None = None,
                    serial: int | None = None, key_source: str = 'public key', ca_source: str = 'CA certificate'):
    """Issue a leaf certificate for a public key the host generated in this run and returned
    without a CSR (sign_leaf() for the rest: the certificate is the same)."""
    if key_type_of(public_key) not in KEY_TYPES:
        raise PKIError(f'{key_source}: unsupported public key type {key_type_of(public_key)}')
    now = _whole_seconds(now or utcnow())
    check_ca(ca_cert, ca_source, now)
    check_key_matches_certificate(ca_key, ca_cert, 'CA key', ca_source)
    check_leaf_common_name(spec.common_name, ca_cert, ca_source)
    rsa_key = isinstance(public_key, rsa.RSAPublicKey)
    ekus = {
        'server': [ExtendedKeyUsageOID.SERVER_AUTH],
        'client': [ExtendedKeyUsageOID.CLIENT_AUTH],
        'peer': [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH],
    }[spec.usage]
    end = min(now + datetime.timedelta(days=spec.valid_days), not_after(ca_cert))
    builder = (
        x509.CertificateBuilder()
        .subject_name(spec.subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(serial if serial is not None else random_serial())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=rsa_key,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(_aki_for(ca_cert, ca_key.public_key()), critical=False)
    )
    if spec.sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(spec.general_names()), critical=False)
    return builder.sign(ca_key, _signing_hash(ca_key))


def _ca_builder(key, subject, valid_days: int, now: datetime.datetime, serial: int | None, ski=None,
                issuer_cert=None, issuer_key=None, path_length: int | None = None):
    """A CA certificate builder: self-signed without ``issuer_cert``, else an intermediate whose
    validity never exceeds its issuer's (a chain is only as valid as its shortest link)."""
    if not isinstance(valid_days, int) or isinstance(valid_days, bool) or valid_days < 1:
        raise PKIError(f'valid_days must be a positive number of days, got {valid_days!r}')
    if path_length is not None and (not isinstance(path_length, int) or isinstance(path_length, bool)
                                    or path_length < 0):
        raise PKIError(f'path_length must be empty or a number from 0 up, got {path_length!r}')
    public_key = key.public_key()
    ski = ski or x509.SubjectKeyIdentifier.from_public_key(public_key)
    end = now + datetime.timedelta(days=valid_days)
    if issuer_cert is None:
        issuer_name = subject
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
    else:
        issuer_name = issuer_cert.subject
        aki = _aki_for(issuer_cert, issuer_key.public_key())
        end = min(end, not_after(issuer_cert))
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(serial if serial is not None else random_serial())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(aki, critical=False)
    )


def check_issuer(issuer_cert, issuer_key, cert_source: str = 'issuer certificate',
                 key_source: str = 'issuer key', now: datetime.datetime | None = None) -> None:
    """Raise unless the issuer is a valid CA whose key is ``issuer_key`` and that may sign CAs."""
    check_ca(issuer_cert, cert_source, now)
    check_key_matches_certificate(issuer_key, issuer_cert, key_source, cert_source)
    ext = _extension(issuer_cert, x509.BasicConstraints)
    if ext is not None and ext.value.path_length == 0:
        raise PKIError(f'{cert_source}: its pathLenConstraint is 0, so it may not sign another CA; '
                       'sign the intermediate with the root (or a CA above it)')


def build_ca(key, common_name: str, valid_days: int = 3650, organization: str | None = None,
             now: datetime.datetime | None = None, serial: int | None = None,
             issuer_cert=None, issuer_key=None, path_length: int | None = None,
             issuer_source: str = 'issuer certificate'):
    """A CA: self-signed, or an intermediate signed by ``issuer_cert``/``issuer_key``.
    basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign, digitalSignature, both critical;
    SKI and AKI."""
    _check_common_name(common_name, 'common_name')
    now = _whole_seconds(now or utcnow())
    if issuer_cert is not None:
        check_issuer(issuer_cert, issuer_key, issuer_source, now=now)
        if common_name_of(issuer_cert) == common_name:
            raise PKIError(f'common_name {common_name!r} equals the CN of the issuer {issuer_source}; '
                           'give the intermediate its own name')
    builder = _ca_builder(key, _name(common_name, organization), valid_days, now, serial,
                          issuer_cert=issuer_cert, issuer_key=issuer_key, path_length=path_length)
    return builder.sign(issuer_key if issuer_cert is not None else key,
                        _signing_hash(issuer_key if issuer_cert is not None else key))


def renew_ca(old_cert, key, valid_days: int = 3650, now: datetime.datetime | None = None,
             serial: int | None = None, cert_source: str = 'CA certificate',
             issuer_cert=None, issuer_key=None, path_length: int | None = None,
             issuer_source: str = 'issuer certificate'):
    """Re-sign the CA with the SAME key and the SAME subject and key identifier, so that every
    certificate the old one issued verifies against the new one. With ``issuer_cert`` the CA is
    (re-)signed as an intermediate by that issuer."""
    check_key_matches_certificate(key, old_cert, 'CA key', cert_source)
    now = _whole_seconds(now or utcnow())
    if issuer_cert is not None:
        check_issuer(issuer_cert, issuer_key, issuer_source, now=now)
    ski_ext = _extension(old_cert, x509.SubjectKeyIdentifier)
    builder = _ca_builder(key, old_cert.subject, valid_days, now, serial,
                          ski=ski_ext.value if ski_ext is not None else None,
                          issuer_cert=issuer_cert, issuer_key=issuer_key, path_length=path_length)
    signer = issuer_key if issuer_cert is not None else key
    return builder.sign(signer, _signing_hash(signer))


def ca_needs_renewal(cert, key, common_name: str, renew_before_days: int,
                     now: datetime.datetime | None = None, cert_source: str = 'CA certificate',
                     key_source: str = 'CA key', organization: str | None = None,
                     issuer_cert=None) -> list[str]:
    """Why the CA certificate must be (re)issued; [] when it is fine.

    A key that does not match, a CA whose CN is not ``common_name``, or an expired CA with
    renewal disabled (``renew_before_days`` 0) are errors, not reasons: replacing such a CA would
    orphan every certificate it issued.
    """
    if cert is None:
        return ['missing']
    now = now or utcnow()
    check_key_matches_certificate(key, cert, key_source, cert_source)
    if not is_ca(cert):
        raise PKIError(f'{cert_source}: {cert.subject.rfc4514_string()!r} is not a CA certificate')
    have_cn = common_name_of(cert)
    if have_cn != common_name:
        raise PKIError(
            f'{cert_source}: the CA is named {have_cn!r}, not {common_name!r}; a new name is a new CA: '
            'rotate to it instead of renaming (remove the files to start over)')
    if organization:
        values = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        have_o = str(values[0].value) if values else None
        if have_o != organization:
            raise PKIError(
                f'{cert_source}: the CA\'s organization is {have_o!r}, not {organization!r}; a new '
                'name is a new CA: rotate to it instead of renaming')
    reasons = []
    if issuer_cert is None:
        if not issued_by(cert, cert):
            raise PKIError(f'{cert_source}: not a self-signed CA certificate; give its issuer '
                           '(issuer_cert_path) to manage it as an intermediate')
    else:
        # A new root (or a root re-signed with another key) means the intermediate must be signed
        # again by it: same key and subject, so the leaves it issued stay valid under the new root.
        mismatch = issuer_mismatch(cert, issuer_cert)
        if mismatch:
            reasons.append(f'issued by another CA ({mismatch})')
    end = not_after(cert)
    if reasons:
        return reasons
    if issuer_cert is not None and end >= not_after(issuer_cert) and end > now:
        # Already as long as the issuer allows: re-signing now would change nothing but the serial.
        return []
    if end <= now:
        if renew_before_days <= 0:
            raise PKIError(
                f'{cert_source}: the CA expired on {isoformat(end)} and renewal is disabled '
                '(renew_before_days is 0)')
        return [f'expired on {isoformat(end)}']
    if end - now < datetime.timedelta(days=renew_before_days):
        return [f'inside renew window ({days_left(cert, now)} days left, '
                f'renew_before_days={renew_before_days})']
    return []


# --------------------------------------------------------------------------------------------
# The idempotency rule


def needs_reissue(cert, wanted: LeafSpec, ca_cert=None, public_key=None,
                  now: datetime.datetime | None = None, renew_before_days: int = 30) -> list[str]:
    """Why the existing leaf ``cert`` must be reissued to match ``wanted``; [] when it is fine.

    Compared: presence, the public key (``public_key``: the key or CSR on the host), CN, SANs
    (as a set), usage, the issuing CA (name, AKI, signature), expiry and the renew window.
    Validity length and serial are not compared: they change on every issue.
    """
    if cert is None:
        return ['missing']
    now = now or utcnow()
    reasons = []
    if public_key is not None and not same_public_key(cert, public_key):
        reasons.append('key changed')
    if is_ca(cert):
        reasons.append('the certificate is a CA certificate')
    have_cn = common_name_of(cert)
    if have_cn != wanted.common_name:
        reasons.append(f'common name differs (have {have_cn!r}, want {wanted.common_name!r})')
    have_sans, want_sans = sorted(set(sans_of(cert))), sorted(set(wanted.sans))
    if have_sans != want_sans:
        reasons.append(f'SANs differ (have {", ".join(have_sans) or "none"}, '
                       f'want {", ".join(want_sans) or "none"})')
    have_usage = usage_of(cert)
    if have_usage != wanted.usage:
        reasons.append(f'usage differs (have {have_usage}, want {wanted.usage})')
    if ca_cert is not None:
        mismatch = issuer_mismatch(cert, ca_cert)
        if mismatch:
            reasons.append(f'issued by another CA ({mismatch})')
    end = not_after(cert)
    if end <= now:
        reasons.append(f'expired on {isoformat(end)}')
    elif end - now < datetime.timedelta(days=renew_before_days):
        reasons.append(f'inside renew window ({days_left(cert, now)} days left, '
                       f'renew_before_days={renew_before_days})')
    return reasons


# --------------------------------------------------------------------------------------------
# Verification


def _build_chain(leaf, intermediates: list, anchors: list) -> tuple[list, str | None]:
    """[leaf, issuer, ..., anchor] and None, or the partial path and why it stops."""
    path = [leaf]
    current = leaf
    for _depth in range(MAX_CHAIN_DEPTH):
        for anchor in anchors:
            if issued_by(current, anchor):
                if anchor.fingerprint(hashes.SHA256()) != current.fingerprint(hashes.SHA256()):
                    path.append(anchor)
                return path, None
        for candidate in intermediates:
            if any(candidate is seen for seen in path):
                continue
            if issued_by(current, candidate):
                path.append(candidate)
                current = candidate
                break
        else:
            return path, (f'no issuer found for {current.subject.rfc4514_string()!r} '
                          f'(issuer {current.issuer.rfc4514_string()!r})')
    return path, f'the chain is longer than {MAX_CHAIN_DEPTH} certificates'


def verify(certs: list, ca_certs: list | None = None, key=None, required_sans: t.Iterable[str] = (),
           required_usage: str | None = None, min_days_left: int = 0, check_cn_differs: bool = True,
           now: datetime.datetime | None = None, cert_source: str = 'certificate',
           ca_source: str = 'CA file', key_source: str = 'key') -> tuple[dict, list[dict], list[str]]:
    """Check a certificate (``certs[0]``, with intermediates after it as in the file).

    Returns (facts of the leaf, facts of the chain above it, findings). Findings are complete
    sentences naming the file; none means the certificate passed every check asked for.
    """
    now = now or utcnow()
    leaf = certs[0]
    findings: list[str] = []
    label = f'{cert_source}'

    start, end = not_before(leaf), not_after(leaf)
    if end <= now:
        findings.append(f'{label}: expired on {isoformat(end)}')
    elif start > now:
        findings.append(f'{label}: not valid before {isoformat(start)}')
    left = days_left(leaf, now)
    if min_days_left and end > now and left < min_days_left:
        findings.append(f'{label}: {left} days left, fewer than the {min_days_left} required '
                        f'(expires {isoformat(end)})')

    if key is not None and not same_public_key(key, leaf):
        findings.append(f'{key_source}: the key does not match the certificate {cert_source}')

    if required_sans:
        try:
            wanted = normalize_sans(required_sans)
        except PKIError as exc:
            findings.append(f'required_sans: {exc}')
            wanted = []
        have = set(sans_of(leaf))
        missing = [s for s in wanted if s not in have]
        if missing:
            findings.append(f'{label}: missing subject alternative names {", ".join(missing)} '
                            f'(has {", ".join(sorted(have)) or "none"})')

    if required_usage:
        if required_usage not in USAGES:
            findings.append(f'required_usage: {required_usage!r} is not one of {", ".join(USAGES)}')
        elif not (usage_of(leaf) == 'peer' or usage_of(leaf) == required_usage):
            findings.append(f'{label}: extended key usage is {usage_of(leaf)}, '
                            f'{required_usage} is required')

    if check_cn_differs:
        leaf_cn, issuer_values = common_name_of(leaf), leaf.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
        issuer_cn = str(issuer_values[0].value) if issuer_values else None
        if leaf_cn is not None and leaf_cn == issuer_cn and not is_ca(leaf):
            findings.append(f'{label}: the CN {leaf_cn!r} equals the issuer\'s CN; MySQL and PXC '
                            'reject such certificates')

    chain_facts: list[dict] = []
    if ca_certs is not None:
        path, problem = _build_chain(leaf, certs[1:], ca_certs)
        if problem:
            hint = ''
            if len(path) == 1 and len(certs) == 1 and not issued_by(leaf, leaf):
                hint = ('; a certificate issued by an intermediate CA needs that intermediate after it '
                        'in the same file (Galera refuses a leaf-only file: "unable to get local '
                        'issuer certificate"), and the root in the CA file')
            findings.append(f'{label}: does not chain to a CA in {ca_source}: {problem}{hint}')
        for issuer in path[1:]:
            chain_facts.append(certificate_facts(issuer, now))
            name = issuer.subject.rfc4514_string()
            if not is_ca(issuer):
                findings.append(f'{label}: issuer {name!r} is not a CA certificate')
            if not_after(issuer) <= now:
                findings.append(f'{label}: issuer {name!r} expired on {isoformat(not_after(issuer))}')
            elif not_before(issuer) > now:
                findings.append(f'{label}: issuer {name!r} is not valid before '
                                f'{isoformat(not_before(issuer))}')
    return certificate_facts(leaf, now), chain_facts, findings


def is_self_signed(cert) -> bool:
    return cert.issuer == cert.subject and issued_by(cert, cert)


def check_signing_chain(ca_cert, chain: list, chain_source: str = 'chain',
                        ca_source: str = 'CA certificate') -> None:
    """The intermediates written after a leaf signed by ``ca_cert``: the issuing CA first, then
    each issuer of the one before it, never a root (clients trust the root from their CA file).

    An intermediate issuing CA without a chain is refused: Galera, MariaDB and Go all fail a
    leaf-only certificate file whose issuer is not in the peer's CA file."""
    if not chain:
        if not is_self_signed(ca_cert):
            raise PKIError(
                f'{ca_source}: {ca_cert.subject.rfc4514_string()!r} is an intermediate CA (issued by '
                f'{ca_cert.issuer.rfc4514_string()!r}); give chain_path (this CA first, then any '
                'intermediates above it, not the root): peers refuse a leaf-only file ("unable to '
                'get local issuer certificate")')
        return
    if chain[0].fingerprint(hashes.SHA256()) != ca_cert.fingerprint(hashes.SHA256()):
        raise PKIError(
            f'{chain_source}: the first certificate is {chain[0].subject.rfc4514_string()!r}, not the '
            f'issuing CA {ca_source} ({ca_cert.subject.rfc4514_string()!r}); put the issuing CA '
            'first, then the intermediates above it')
    for number, (lower, upper) in enumerate(zip(chain, chain[1:]), start=2):
        mismatch = issuer_mismatch(lower, upper)
        if mismatch:
            raise PKIError(f'{chain_source}: certificate #{number} did not issue #{number - 1} '
                           f'({mismatch}); order the chain from the issuing CA up')
    for number, cert in enumerate(chain, start=1):
        if not is_ca(cert):
            raise PKIError(f'{chain_source}: certificate #{number} {cert.subject.rfc4514_string()!r} '
                           'is not a CA certificate; the chain holds intermediates only')
        if number > 1 and is_self_signed(cert):
            raise PKIError(f'{chain_source}: certificate #{number} {cert.subject.rfc4514_string()!r} '
                           'is a self-signed root; leave the root out of the chain (it belongs in '
                           'the CA file clients trust)')
