# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Private and public keys, and PEM blocks: the part of the PKI core that needs no X.509.

Why a module of its own: on a rerun of tls_cert the host only reads its key for the public half
and hands back its certificate files as they are (tls_keypair's defer_csr); the controller does
every X.509 check. With this module alone that module run imports no ``cryptography.x509`` and
compiles no pki.py (AnsiballZ ships module_utils as source, so every run compiles what it
imports): 0.26 -> 0.21 CPU s per run, measured over 50 hosts. pki.py imports everything here
and offers it under the same names, so callers use either.

The same rules as pki.py: pure functions over bytes and ``cryptography`` objects, no Ansible, no
file system (but load_signing_key's proof, see there); every problem is a :class:`PKIError`
naming its ``source``; APIs of cryptography 3.3 and later (see MIN_CRYPTOGRAPHY_VERSION), with
the newer ones used where present (pki.py's ``*_utc`` accessors, ``unsafe_skip_rsa_key_validation``).
"""

from __future__ import annotations

import hashlib
import os
import re
import traceback

# The oldest cryptography the modules accept: the oldest they are tested with, Debian 11's
# python3-cryptography 3.3.2 on Python 3.9, which runs every module in the repository's old-host
# test. (The calls here leave out the ``backend`` argument, which cryptography 3.1 made optional.)
# An older one is refused with this requirement, not failed on half-way.
MIN_CRYPTOGRAPHY_VERSION = (3, 3)
CRYPTOGRAPHY_REQUIREMENT = 'cryptography >= ' + '.'.join(str(n) for n in MIN_CRYPTOGRAPHY_VERSION)


def version_tuple(version: str) -> tuple:
    """'3.3.2' -> (3, 3, 2); the leading numbers of each part ('41.0.0rc1' -> (41, 0, 0))."""
    numbers = []
    for part in str(version).split('.'):
        match = re.match(r'\d+', part)
        if not match:
            break
        numbers.append(int(match.group()))
    return tuple(numbers)


try:
    from cryptography import __version__ as CRYPTOGRAPHY_VERSION
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
except ImportError:
    HAS_CRYPTOGRAPHY = CRYPTOGRAPHY_TOO_OLD = False
    CRYPTOGRAPHY_VERSION = None
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = traceback.format_exc()
else:
    CRYPTOGRAPHY_TOO_OLD = version_tuple(CRYPTOGRAPHY_VERSION) < MIN_CRYPTOGRAPHY_VERSION
    HAS_CRYPTOGRAPHY = not CRYPTOGRAPHY_TOO_OLD
    CRYPTOGRAPHY_IMPORT_ERROR = None if HAS_CRYPTOGRAPHY else (
        f'cryptography {CRYPTOGRAPHY_VERSION} is installed; dbtls.transport needs {CRYPTOGRAPHY_REQUIREMENT}')


KEY_TYPES = ('rsa', 'ecdsa', 'ed25519')
CURVES = ('secp256r1', 'secp384r1')
MIN_RSA_KEY_SIZE = 2048
MAX_RSA_KEY_SIZE = 16384

# The first bytes of an ansible-vault file. Only the tls_cert action can decrypt one, in memory on the
# controller; a module would have to be handed the plaintext, which Ansible writes to a file.
VAULT_HEADER = b'$ANSIBLE_VAULT;'

_PEM_BLOCK_RE = re.compile(
    rb'-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----', re.DOTALL)


class PKIError(Exception):
    """A problem with keys, certificates or requests; the message names the file or option."""


# --------------------------------------------------------------------------------------------
# Keys


def check_key_spec(key_type: str, key_size: int | None = 2048, curve: str | None = 'secp256r1') -> None:
    """Raise PKIError unless the key type and its parameters are supported."""
    if key_type not in KEY_TYPES:
        raise PKIError(f'unknown key type {key_type!r}: choose one of {", ".join(KEY_TYPES)}')
    if key_type == 'rsa':
        if not isinstance(key_size, int) or isinstance(key_size, bool) \
                or not MIN_RSA_KEY_SIZE <= key_size <= MAX_RSA_KEY_SIZE or key_size % 8:
            raise PKIError(
                f'key_size {key_size!r} is not usable for RSA: use a multiple of 8 from '
                f'{MIN_RSA_KEY_SIZE} to {MAX_RSA_KEY_SIZE} (2048, 3072 or 4096)')
    if key_type == 'ecdsa' and curve not in CURVES:
        raise PKIError(f'unknown curve {curve!r}: choose one of {", ".join(CURVES)}')


def generate_private_key(key_type: str = 'rsa', key_size: int = 2048, curve: str = 'secp256r1'):
    """A new private key. ``key_size`` applies to RSA only, ``curve`` to ECDSA only."""
    check_key_spec(key_type, key_size, curve)
    if key_type == 'rsa':
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    if key_type == 'ecdsa':
        return ec.generate_private_key(ec.SECP256R1() if curve == 'secp256r1' else ec.SECP384R1())
    return ed25519.Ed25519PrivateKey.generate()


def key_type_of(key) -> str:
    """'rsa', 'ecdsa' or 'ed25519' for a private or public key."""
    if isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
        return 'rsa'
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return 'ecdsa'
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey)):
        return 'ed25519'
    return type(key).__name__


def describe_key(key) -> str:
    """'rsa 2048', 'ecdsa secp256r1' or 'ed25519'."""
    kind = key_type_of(key)
    if kind == 'rsa':
        return f'rsa {key.key_size}'
    if kind == 'ecdsa':
        return f'ecdsa {key.curve.name}'
    return kind


def key_matches_spec(key, key_type: str, key_size: int | None = None, curve: str | None = None) -> bool:
    """True when ``key`` is of the wanted type (and RSA size / ECDSA curve)."""
    kind = key_type_of(key)
    if kind != key_type:
        return False
    if kind == 'rsa' and key_size is not None:
        return key.key_size == key_size
    if kind == 'ecdsa' and curve is not None:
        return key.curve.name == curve
    return True


def describe_key_spec(key_type: str, key_size: int | None, curve: str | None) -> str:
    if key_type == 'rsa':
        return f'rsa {key_size}'
    if key_type == 'ecdsa':
        return f'ecdsa {curve}'
    return key_type


def _subject_public_key_info(key, encoding) -> bytes:
    pub = key.public_key() if hasattr(key, 'public_key') else key
    return pub.public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_der(key) -> bytes:
    """SubjectPublicKeyInfo DER of a private key, public key, certificate or CSR."""
    return _subject_public_key_info(key, serialization.Encoding.DER)


def public_key_pem(key) -> bytes:
    """SubjectPublicKeyInfo PEM of a private key, public key, certificate or CSR."""
    return _subject_public_key_info(key, serialization.Encoding.PEM)


def load_public_key(data, source: str):
    """A PEM public key (SubjectPublicKeyInfo) of a supported type."""
    if isinstance(data, str):
        data = data.encode('utf-8')
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise PKIError(f'{source}: not a valid PEM public key ({exc})') from None
    if key_type_of(key) not in KEY_TYPES:
        raise PKIError(f'{source}: {key_type_of(key)} keys are not supported; use {", ".join(KEY_TYPES)}')
    return key


def same_public_key(a, b) -> bool:
    """Whether two keys / certificates / CSRs carry the same public key."""
    return public_key_der(a) == public_key_der(b)


def _passphrase_bytes(passphrase) -> bytes | None:
    if passphrase is None or passphrase == '' or passphrase == b'':
        return None
    if isinstance(passphrase, str):
        return passphrase.encode('utf-8')
    return bytes(passphrase)


def is_vault_encrypted(data) -> bool:
    """Whether ``data`` is an ansible-vault file (``$ANSIBLE_VAULT;1.1;AES256`` ...)."""
    return _as_bytes(data).lstrip().startswith(VAULT_HEADER)


def _refuse_vault(data, source: str) -> None:
    if is_vault_encrypted(data):
        raise PKIError(
            f'{source}: the file is ansible-vault encrypted and cannot be decrypted here without '
            'writing the plaintext out; only the dbtls.transport.tls_cert action reads vaulted CA '
            'keys (in memory, on the controller). Use a passphrase-protected PEM '
            '(key_passphrase) for this task, or decrypt the file for it')


def _cryptography_major() -> int:
    return (version_tuple(CRYPTOGRAPHY_VERSION or '0') or (0,))[0]


# cryptography >= 39 can load an RSA private key without OpenSSL's consistency check (see
# public_key_of_private_key()); older versions always check.
_SKIP_RSA_CHECK = {'unsafe_skip_rsa_key_validation': True} if _cryptography_major() >= 39 else {}


def load_private_key(data: bytes, source: str, passphrase: str | bytes | None = None):
    """Load a PEM private key (PKCS#8, PKCS#1 or SEC1), decrypting it with ``passphrase``.

    An RSA key is checked for consistency as it loads (OpenSSL's key check): it may sign."""
    return _load_private_key(data, source, passphrase, check=True)


def public_key_of_private_key(data: bytes, source: str, passphrase: str | bytes | None = None):
    """The public key of a PEM private key, without OpenSSL's RSA private-key consistency check.

    Why: that check (primality of p and q, and more) costs ~37 ms for an RSA 2048 key, more than
    everything else a rerun of tls_cert does with the key, which is only to compare its public half
    with a certificate. The check guards operations with the private half, which OpenSSL must not
    run on an inconsistent key; so the unchecked key never leaves this function, only its public
    key does, and every key that signs something is loaded by load_private_key() (checked). Errors
    (not a key, encrypted, wrong passphrase, unsupported type) are the same as load_private_key()'s.
    """
    return _load_private_key(data, source, passphrase, check=False).public_key()


def load_signing_key(data: bytes, source: str, passphrase: str | bytes | None = None,
                     checked_dir: str | None = None):
    """load_private_key(), with OpenSSL's RSA key check done once per ``checked_dir`` for one key.

    Why: the tls_cert action signs in a new worker process for every host, and the check costs
    ~30-40 ms per RSA 2048 load, most of what signing a host's certificates costs the controller.
    ``checked_dir`` is private to one ansible-playbook run (the controller's per-run local temp dir,
    0700, removed at its end): the first process that loads the key with the check leaves a proof
    there, named by a SHA-256 of the key's unencrypted DER; a process that finds the proof for the
    same bytes uses them without the check, since those exact bytes passed it in this run. Without
    ``checked_dir`` (or a proof that cannot be written) every load is checked. The caller passes
    no ``checked_dir`` for a key kept encrypted at rest: nothing derived from it goes to disk.
    """
    if not checked_dir or not os.path.isdir(checked_dir):
        return load_private_key(data, source, passphrase)
    unchecked = _load_private_key(data, source, passphrase, check=False)
    der = unchecked.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    proof = os.path.join(checked_dir, 'dbtls-key-checked-' + hashlib.sha256(b'dbtls key check\0' + der).hexdigest())
    if os.path.exists(proof):
        return unchecked
    try:
        key = serialization.load_der_private_key(der, password=None)      # with the check
    except ValueError as exc:
        raise PKIError(f'{source}: not a valid PEM private key ({exc})') from None
    try:
        os.close(os.open(proof, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        pass    # another worker wrote it first, or the folder is gone: the next load checks again
    return key


def _load_private_key(data, source: str, passphrase, check: bool):
    if isinstance(data, str):
        data = data.encode('utf-8')
    _refuse_vault(data, source)
    password = _passphrase_bytes(passphrase)
    if b'-----BEGIN' not in data or b'PRIVATE KEY-----' not in data:
        raise PKIError(f'{source}: not a PEM private key (no "-----BEGIN ... PRIVATE KEY-----" block)')
    encrypted = b'ENCRYPTED' in data
    try:
        if check:
            key = serialization.load_pem_private_key(data, password=password)
        else:
            key = serialization.load_pem_private_key(data, password=password, **_SKIP_RSA_CHECK)
    except TypeError:
        if password is not None:
            raise PKIError(f'{source}: the key is not encrypted, but a passphrase was given') from None
        raise PKIError(f'{source}: the key is encrypted; give its passphrase') from None
    except ValueError as exc:
        if encrypted and password is not None:
            raise PKIError(f'{source}: wrong passphrase for the encrypted key') from None
        raise PKIError(f'{source}: not a valid PEM private key ({exc})') from None
    except UnsupportedAlgorithm as exc:
        raise PKIError(f'{source}: unsupported key algorithm ({exc})') from None
    if key_type_of(key) not in KEY_TYPES:
        raise PKIError(f'{source}: {key_type_of(key)} keys are not supported; use {", ".join(KEY_TYPES)}')
    return key


def serialize_private_key(key, passphrase: str | bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with the best available scheme when ``passphrase`` is set."""
    password = _passphrase_bytes(passphrase)
    encryption = (serialization.BestAvailableEncryption(password) if password is not None
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


# --------------------------------------------------------------------------------------------
# PEM blocks


def _as_bytes(data) -> bytes:
    if isinstance(data, str):
        return data.encode('utf-8')
    return bytes(data)


def pem_blocks(data, kind: str) -> list[bytes]:
    """Every ``-----BEGIN <kind>-----`` block in ``data``, in order."""
    wanted = kind.encode('ascii')
    return [m.group(0) for m in _PEM_BLOCK_RE.finditer(_as_bytes(data)) if m.group(1) == wanted]
