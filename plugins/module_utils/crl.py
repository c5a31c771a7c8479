# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Certificate revocation lists: revoked entries, reading, checking and building a CRL.

Why a module of its own: CRLs are made and read where the CA is, normally the controller (tls_crl,
and the tls_cert action, which refuses to replace a revoked certificate). The modules that run on
nodes (tls_keypair, tls_verify, tls_bundle) import pki.py without this code: AnsiballZ ships
module_utils as source, so every module run compiles what it imports.

The same rules as pki.py, which this module builds on (pki.py imports nothing from here): pure
functions over bytes and ``cryptography`` objects, no Ansible, no file system, no implicit clock
(callers may pass ``now``); every problem is a :class:`PKIError` naming its ``source``; the
cryptography versions pki.py accepts, with newer APIs (the ``*_utc`` accessors) taken when present.
"""

from __future__ import annotations

import datetime
import traceback
import typing as t
from dataclasses import dataclass

try:
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

from ansible_collections.dbtls.transport.plugins.module_utils.pki import (
    PKIError, check_key_matches_certificate, is_ca, isoformat, issued_by, pem_blocks, serial_hex, utcnow,
    _aki_for, _aware, _signing_hash, _verify_signature, _whole_seconds)
from ansible_collections.dbtls.transport.plugins.module_utils import pki as _pki

# A cryptography older than pki.py accepts is refused here too, with its message.
if HAS_CRYPTOGRAPHY and not _pki.HAS_CRYPTOGRAPHY:
    HAS_CRYPTOGRAPHY, CRYPTOGRAPHY_IMPORT_ERROR = False, _pki.CRYPTOGRAPHY_IMPORT_ERROR


REVOCATION_REASONS = (
    'unspecified', 'key_compromise', 'ca_compromise', 'affiliation_changed', 'superseded',
    'cessation_of_operation', 'certificate_hold', 'privilege_withdrawn', 'aa_compromise',
)


# --------------------------------------------------------------------------------------------
# Time


def _crl_last_update(crl) -> datetime.datetime:
    if hasattr(crl, 'last_update_utc'):
        return crl.last_update_utc
    return _aware(crl.last_update)


def _crl_next_update(crl) -> datetime.datetime | None:
    value = crl.next_update_utc if hasattr(crl, 'next_update_utc') else crl.next_update
    return _aware(value) if value is not None else None


def _revocation_date(entry) -> datetime.datetime:
    if hasattr(entry, 'revocation_date_utc'):
        return entry.revocation_date_utc
    return _aware(entry.revocation_date)


def parse_datetime(value: t.Any, source: str) -> datetime.datetime:
    """Accept a datetime, ``YYYY-MM-DD``, or ISO 8601 with or without zone (UTC assumed)."""
    if isinstance(value, datetime.datetime):
        return _aware(value)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day, tzinfo=datetime.timezone.utc)
    text = str(value).strip()
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise PKIError(
            f'{source}: {value!r} is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ') from None
    return _aware(parsed).astimezone(datetime.timezone.utc)


# --------------------------------------------------------------------------------------------
# PEM


def load_crl(data, source: str):
    blocks = pem_blocks(data, 'X509 CRL')
    if not blocks:
        raise PKIError(f'{source}: no PEM CRL found (no "-----BEGIN X509 CRL-----" block)')
    try:
        return x509.load_pem_x509_crl(blocks[0])
    except ValueError as exc:
        raise PKIError(f'{source}: not a valid CRL ({exc})') from None


def crl_pem(crl) -> bytes:
    return crl.public_bytes(serialization.Encoding.PEM)


# --------------------------------------------------------------------------------------------
# Revoked certificates


@dataclass(frozen=True)
class RevokedEntry:
    serial: int
    reason: str = 'unspecified'
    revocation_date: datetime.datetime | None = None

    def facts(self) -> dict:
        return {
            'serial': self.serial,
            'serial_hex': serial_hex(self.serial),
            'reason': self.reason,
            'revocation_date': isoformat(self.revocation_date),
        }


def parse_serial(value: t.Any, source: str = 'serial') -> int:
    """A serial as an int, a decimal string, ``0x1f``, or colon hex ``01:F4`` (openssl style)."""
    if isinstance(value, bool):
        raise PKIError(f'{source}: {value!r} is not a serial number')
    if isinstance(value, int):
        serial = value
    else:
        text = str(value).strip()
        try:
            if ':' in text:
                serial = int(text.replace(':', ''), 16)
            elif text.lower().startswith('0x'):
                serial = int(text, 16)
            elif text.isdigit():
                serial = int(text)
            else:
                serial = int(text, 16)
        except ValueError:
            raise PKIError(
                f'{source}: {value!r} is not a serial number (use decimal, 0x-hex or AB:CD hex)') from None
    if serial <= 0:
        raise PKIError(f'{source}: a serial number must be positive, got {value!r}')
    return serial


def _reason_flag(reason: str):
    return getattr(x509.ReasonFlags, reason)


def revoked_entry(serial: t.Any, reason: str | None = None, revocation_date: t.Any = None,
                  source: str = 'revoked') -> RevokedEntry:
    reason = reason or 'unspecified'
    if reason not in REVOCATION_REASONS:
        raise PKIError(f'{source}: reason {reason!r} is unknown; choose one of {", ".join(REVOCATION_REASONS)}')
    date = _whole_seconds(parse_datetime(revocation_date, source)) if revocation_date not in (None, '') else None
    return RevokedEntry(parse_serial(serial, source), reason, date)


def _revoked_entry_of(entry) -> RevokedEntry:
    """A CRL's revoked-certificate entry as a RevokedEntry (reason 'unspecified' when it has none)."""
    reason = 'unspecified'
    try:
        reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name
    except x509.ExtensionNotFound:
        pass
    return RevokedEntry(entry.serial_number, reason, _whole_seconds(_revocation_date(entry)))


def crl_entries(crl) -> list[RevokedEntry]:
    return sorted((_revoked_entry_of(entry) for entry in crl), key=lambda e: e.serial)


def crl_number(crl) -> int | None:
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return None


def resolve_revoked(entries: t.Iterable[RevokedEntry], previous_crl=None,
                    now: datetime.datetime | None = None) -> list[RevokedEntry]:
    """Give every entry a date: the one asked for, else the one already in the CRL, else now.
    Duplicated serials: the last one wins. Sorted by serial."""
    now = _whole_seconds(now or utcnow())
    known = {e.serial: e for e in crl_entries(previous_crl)} if previous_crl is not None else {}
    merged: dict[int, RevokedEntry] = {}
    for entry in entries:
        date = entry.revocation_date or (known[entry.serial].revocation_date if entry.serial in known else now)
        merged[entry.serial] = RevokedEntry(entry.serial, entry.reason, date)
    return sorted(merged.values(), key=lambda e: e.serial)


# --------------------------------------------------------------------------------------------
# Checking and building a CRL


def crl_signed_by(crl, issuer) -> bool:
    """Whether ``issuer``'s key signed the CRL (by hand: cryptography < 39 refuses Ed25519 here)."""
    try:
        hash_algorithm = crl.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return False
    return _verify_signature(issuer.public_key(), crl.signature, crl.tbs_certlist_bytes,
                             hash_algorithm, crl.signature_algorithm_oid)


def revocation_of(cert, crl, ca_cert) -> RevokedEntry | None:
    """The entry of ``crl`` that revokes ``cert``, when ``ca_cert`` issued both; else None (a CRL
    speaks only for its own CA's certificates)."""
    if crl.issuer != ca_cert.subject or not crl_signed_by(crl, ca_cert) or not issued_by(cert, ca_cert):
        return None
    entry = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
    return _revoked_entry_of(entry) if entry is not None else None


def crl_needs_update(crl, ca_cert, entries: list[RevokedEntry], now: datetime.datetime | None = None,
                     renew_before_days: int = 7) -> list[str]:
    """Why the CRL must be rewritten; ``entries`` as returned by resolve_revoked()."""
    if crl is None:
        return ['missing']
    now = now or utcnow()
    reasons = []
    if crl.issuer != ca_cert.subject or not crl_signed_by(crl, ca_cert):
        reasons.append('issued by another CA')
    have = {(e.serial, e.reason, e.revocation_date) for e in crl_entries(crl)}
    want = {(e.serial, e.reason, e.revocation_date) for e in entries}
    if have != want:
        added = sorted({s for s, _r, _d in want} - {s for s, _r, _d in have})
        removed = sorted({s for s, _r, _d in have} - {s for s, _r, _d in want})
        detail = []
        if added:
            detail.append('added ' + ', '.join(serial_hex(s) for s in added))
        if removed:
            detail.append('removed ' + ', '.join(serial_hex(s) for s in removed))
        if not detail:
            detail.append('reasons or dates changed')
        reasons.append(f'revoked certificates changed ({"; ".join(detail)})')
    next_update = _crl_next_update(crl)
    if next_update is None:
        reasons.append('no next update set')
    elif next_update <= now:
        reasons.append(f'expired on {isoformat(next_update)}')
    elif next_update - now < datetime.timedelta(days=renew_before_days):
        reasons.append(f'next update {isoformat(next_update)} is inside the renew window '
                       f'(renew_before_days={renew_before_days})')
    return reasons


def build_crl(ca_cert, ca_key, entries: list[RevokedEntry], number: int,
              next_update_days: int = 30, now: datetime.datetime | None = None,
              ca_source: str = 'CA certificate'):
    """A CRL signed by the CA, with CRL number and AKI; ``entries`` must carry dates."""
    check_key_matches_certificate(ca_key, ca_cert, 'CA key', ca_source)
    if not is_ca(ca_cert):
        raise PKIError(f'{ca_source}: not a CA certificate')
    if not isinstance(next_update_days, int) or next_update_days < 1:
        raise PKIError(f'next_update_days must be a positive number of days, got {next_update_days!r}')
    now = _whole_seconds(now or utcnow())
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + datetime.timedelta(days=next_update_days))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(_aki_for(ca_cert, ca_key.public_key()), critical=False)
    )
    for entry in entries:
        revoked = (
            x509.RevokedCertificateBuilder()
            .serial_number(entry.serial)
            .revocation_date(entry.revocation_date or now)
        )
        if entry.reason != 'unspecified':
            # RFC 5280 5.3.1: the reason code "unspecified" is expressed by leaving it out.
            revoked = revoked.add_extension(x509.CRLReason(_reason_flag(entry.reason)), critical=False)
        builder = builder.add_revoked_certificate(revoked.build())
    return builder.sign(ca_key, _signing_hash(ca_key))


def crl_facts(crl) -> dict:
    return {
        'issuer': crl.issuer.rfc4514_string(),
        'crl_number': crl_number(crl),
        'last_update': isoformat(_crl_last_update(crl)),
        'next_update': isoformat(_crl_next_update(crl)),
        'revoked': [e.facts() for e in crl_entries(crl)],
    }
