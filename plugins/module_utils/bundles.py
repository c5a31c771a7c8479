# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files that put certificates together: trust bundles of CA certificates (tls_bundle) and
passphrase-protected PKCS#12 files for applications (tls_pkcs12).

Why a module of its own: only those two modules use it. tls_keypair and tls_verify, which run on
every node, import pki.py without this code: AnsiballZ ships module_utils as source, so every
module run compiles what it imports.

The same rules as pki.py, which this module builds on (pki.py imports nothing from here): pure
functions over bytes and ``cryptography`` objects, no Ansible, no file system; every problem is a
:class:`PKIError` naming its ``source``. tls_bundle runs on nodes, where the system's
``cryptography`` may be old: the same versions as pki.py are accepted.
"""

from __future__ import annotations

import traceback
import typing as t

try:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import hashes, serialization
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

from ansible_collections.dbtls.transport.plugins.module_utils.keys import _passphrase_bytes
from ansible_collections.dbtls.transport.plugins.module_utils.pki import (
    PKIError, certificate_pem, fingerprint_sha256, is_ca, is_self_signed, isoformat, issued_by,
    load_certificates, not_after, same_public_key)
from ansible_collections.dbtls.transport.plugins.module_utils import pki as _pki

# A cryptography older than pki.py accepts is refused here too, with its message.
if HAS_CRYPTOGRAPHY and not _pki.HAS_CRYPTOGRAPHY:
    HAS_CRYPTOGRAPHY, CRYPTOGRAPHY_IMPORT_ERROR = False, _pki.CRYPTOGRAPHY_IMPORT_ERROR


# --------------------------------------------------------------------------------------------
# PKCS#12 (client bundles for applications)


def build_pkcs12(name: str, key, cert, cas: list, passphrase: str | bytes):
    """A PKCS#12 file (key, certificate, CA certificates) encrypted with ``passphrase``.

    A passphrase is required: Java keystores and most tools refuse or mishandle an unencrypted
    PKCS#12, and the file holds a private key."""
    from cryptography.hazmat.primitives.serialization import pkcs12   # pylint: disable=import-outside-toplevel
    password = _passphrase_bytes(passphrase)
    if password is None:
        raise PKIError('pkcs12 passphrase: a non-empty passphrase is required for a PKCS#12 file')
    return pkcs12.serialize_key_and_certificates(
        name.encode('utf-8'), key, cert, cas or None, serialization.BestAvailableEncryption(password))


def pkcs12_differences(data: bytes, passphrase: str | bytes, key, cert, cas: list,
                       source: str = 'PKCS#12 file') -> list[str]:
    """Why an existing PKCS#12 file does not hold ``key``, ``cert`` and ``cas``; [] when it does.
    The bytes differ on every write (random salt), so the content is compared, not the file."""
    from cryptography.hazmat.primitives.serialization import pkcs12   # pylint: disable=import-outside-toplevel
    try:
        have_key, have_cert, have_cas = pkcs12.load_key_and_certificates(data, _passphrase_bytes(passphrase))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return [f'{source}: unreadable with the given passphrase']
    reasons = []
    if have_key is None or not same_public_key(have_key, key):
        reasons.append('key differs')
    if have_cert is None or have_cert.fingerprint(hashes.SHA256()) != cert.fingerprint(hashes.SHA256()):
        reasons.append('certificate differs')
    if [c.fingerprint(hashes.SHA256()) for c in have_cas or []] != \
            [c.fingerprint(hashes.SHA256()) for c in cas or []]:
        reasons.append('CA certificates differ')
    return reasons


# --------------------------------------------------------------------------------------------
# Bundles


def bundle_entries(certificates: t.Any, option: str = 'certificates',
                   read: t.Callable[[str, str], bytes] | None = None) -> list[tuple[str, bytes]]:
    """(source, PEM data) pairs for build_bundle() from ``certificates``, a list whose items are
    PEM text (one or more certificates) or, with ``read`` (path, source name -> bytes; tls_bundle
    reads files on the target), the path of a PEM file. Without ``read`` every item must be PEM
    text. Problems name ``option`` and the item, for example ``bundle.certificates[2]``."""
    if not isinstance(certificates, list):
        raise PKIError(f'{option}: must be a list of PEM certificates')
    entries = []
    for number, item in enumerate(certificates, start=1):
        source = f'{option}[{number}]'
        if not isinstance(item, str) or not item.strip():
            raise PKIError(f'{source}: empty entry')
        if '-----BEGIN' in item:
            entries.append((source, item.encode('utf-8')))
        elif read is not None:
            entries.append((item, read(item, source)))
        else:
            raise PKIError(f'{source}: not a PEM certificate (give the text of the certificate, '
                           "for example with lookup('ansible.builtin.file', path))")
    if not entries:
        raise PKIError(f'{option}: no certificate given')
    return entries


def certificate_summary(cert) -> dict:
    """What a bundle reports of each certificate: subject, SHA-256 fingerprint, end of validity."""
    return {
        'subject': cert.subject.rfc4514_string(),
        'fingerprint_sha256': fingerprint_sha256(cert),
        'not_after': isoformat(not_after(cert)),
    }


def summaries_of(data: bytes | None, source: str) -> list[dict]:
    """certificate_summary() of every certificate in a bundle file's ``data`` ([] when there is
    none, or it does not parse: the file is replaced by a valid bundle anyway)."""
    if data is None:
        return []
    try:
        return [certificate_summary(cert) for cert in load_certificates(data, source)]
    except PKIError:
        return []


def bundle_diff(header: str, before: list[dict] | None, after: list[dict]) -> dict:
    """The diff of a bundle: one line per certificate (subject and fingerprint), before and after;
    ``before`` None for a file that did not exist."""
    def text(summaries):
        return ''.join(f'{c["subject"]}  {c["fingerprint_sha256"]}\n' for c in summaries)
    return {'before_header': header, 'after_header': header,
            'before': text(before) if before is not None else '', 'after': text(after)}


def build_bundle(entries: t.Iterable[tuple[str, t.Any]]) -> tuple[bytes, list]:
    """Concatenate CA certificates: only CAs, deduplicated by SHA-256 fingerprint, in the order
    given. ``entries`` are (source name, PEM data) pairs; one entry may hold several certs."""
    seen = set()
    certs = []
    for source, data in entries:
        for cert in load_certificates(data, source):
            if not is_ca(cert):
                raise PKIError(f'{source}: {cert.subject.rfc4514_string()!r} is not a CA certificate '
                               '(basicConstraints CA:TRUE missing); a bundle holds CA certificates only')
            fingerprint = cert.fingerprint(hashes.SHA256())
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            certs.append(cert)
    if not certs:
        raise PKIError('certificates: no certificate given')
    return b''.join(certificate_pem(cert) for cert in certs), certs


def bundle_warnings(certs: list) -> list[str]:
    """Intermediates in a trust bundle without the root above them: OpenSSL (MariaDB, Galera,
    socat) only accepts a chain that ends at a self-signed root in the CA file, so such a bundle
    verifies nothing there, while Go accepts it. Put the root in the bundle instead."""
    warnings = []
    for cert in certs:
        if is_self_signed(cert):
            continue
        if not any(issued_by(cert, other) for other in certs if other is not cert):
            warnings.append(
                f'{cert.subject.rfc4514_string()!r} is an intermediate CA whose issuer '
                f'{cert.issuer.rfc4514_string()!r} is not in the bundle: OpenSSL-based peers (MariaDB, '
                'Galera, SST) only trust a chain ending at a root in the CA file; add the root, and '
                'put intermediates in the certificate files instead')
    return warnings
