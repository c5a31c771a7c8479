# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of keys.py (keys and PEM blocks, without X.509), cross-checked with the openssl CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from ansible_collections.dbtls.transport.plugins.module_utils import keys, pki

OPENSSL = shutil.which('openssl')


def openssl(*args, check=True, data=None):
    proc = subprocess.run([OPENSSL, *args], capture_output=True, text=True, input=data, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f'openssl {" ".join(args)} failed: {proc.stdout}{proc.stderr}')
    return proc


@pytest.fixture(scope='module')
def key_of_type():
    """One key of every supported type."""
    return {name: keys.generate_private_key(name) for name in ('rsa', 'ecdsa', 'ed25519')}


def write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


@pytest.mark.parametrize('key_type', ['rsa', 'ecdsa', 'ed25519'])
def test_keys_round_trip_and_openssl_pkey_loads_them(key_of_type, tmp_path, key_type):
    key = key_of_type[key_type]
    assert keys.key_type_of(key) == key_type
    plain = keys.serialize_private_key(key)
    assert plain.startswith(b'-----BEGIN PRIVATE KEY-----')   # PKCS#8
    assert keys.same_public_key(keys.load_private_key(plain, 'k'), key)
    encrypted = keys.serialize_private_key(key, 'sekret')
    assert b'ENCRYPTED' in encrypted
    assert keys.same_public_key(keys.load_private_key(encrypted, 'k', 'sekret'), key)
    if OPENSSL:
        path = write(tmp_path / 'k.pem', plain)
        out = openssl('pkey', '-in', path, '-noout', '-text').stdout
        assert {'rsa': 'Private-Key: (2048 bit', 'ecdsa': 'prime256v1', 'ed25519': 'ED25519'}[key_type] in out
        enc_path = write(tmp_path / 'e.pem', encrypted)
        openssl('pkey', '-in', enc_path, '-passin', 'pass:sekret', '-noout')
        assert openssl('pkey', '-in', enc_path, '-passin', 'pass:wrong', '-noout', check=False).returncode != 0


def test_describe_and_match_key_spec(key_of_type):
    assert keys.describe_key(key_of_type['rsa']) == 'rsa 2048'
    assert keys.describe_key(key_of_type['ecdsa']) == 'ecdsa secp256r1'
    assert keys.describe_key(key_of_type['ed25519']) == 'ed25519'
    assert keys.key_matches_spec(key_of_type['rsa'], 'rsa', 2048)
    assert not keys.key_matches_spec(key_of_type['rsa'], 'rsa', 4096)
    assert not keys.key_matches_spec(key_of_type['ecdsa'], 'ecdsa', curve='secp384r1')
    assert not keys.key_matches_spec(key_of_type['ed25519'], 'ecdsa')
    p384 = keys.generate_private_key('ecdsa', curve='secp384r1')
    assert keys.describe_key(p384) == 'ecdsa secp384r1'


@pytest.mark.parametrize('key_type, key_size, curve, fragment', [
    ('dsa', 2048, None, "unknown key type 'dsa'"),
    ('RSA', 2048, None, "unknown key type 'RSA'"),
    ('rsa', 1024, None, 'key_size 1024'),
    ('rsa', 2049, None, 'key_size 2049'),
    ('ecdsa', None, 'secp521k1', "unknown curve 'secp521k1'"),
])
def test_unsupported_key_specs_are_refused(key_type, key_size, curve, fragment):
    with pytest.raises(keys.PKIError, match=fragment):
        keys.generate_private_key(key_type, key_size, curve)


def test_private_key_errors_name_the_file(key_of_type):
    encrypted = keys.serialize_private_key(key_of_type['ecdsa'], 'right')
    plain = keys.serialize_private_key(key_of_type['ecdsa'])
    cases = [
        (b'not a key at all', None, 'not a PEM private key'),
        (b'-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', None, 'not a valid PEM private key'),
        (encrypted, 'wrong', 'wrong passphrase'),
        (encrypted, None, 'encrypted; give its passphrase'),
        (plain, 'unexpected', 'not encrypted, but a passphrase was given'),
    ]
    for data, passphrase, fragment in cases:
        with pytest.raises(keys.PKIError) as info:
            keys.load_private_key(data, '/etc/x/ca.key', passphrase)
        assert str(info.value).startswith('/etc/x/ca.key: ')
        assert fragment in str(info.value)


@pytest.mark.parametrize('key_type', ['rsa', 'ecdsa', 'ed25519'])
def test_public_key_of_private_key_reads_the_public_half_with_the_same_errors(key_type):
    key = keys.generate_private_key(key_type)
    pem = keys.serialize_private_key(key, 'pass-phrase')
    public_key = keys.public_key_of_private_key(pem, 'a.key', 'pass-phrase')
    assert keys.public_key_der(public_key) == keys.public_key_der(key)
    assert not hasattr(public_key, 'private_bytes')      # only the public key leaves the function
    for passphrase, message in ((None, 'a.key: the key is encrypted; give its passphrase'),
                                ('wrong', 'a.key: wrong passphrase for the encrypted key')):
        with pytest.raises(keys.PKIError, match=message):
            keys.public_key_of_private_key(pem, 'a.key', passphrase)
    with pytest.raises(keys.PKIError, match='a.key: not a PEM private key'):
        keys.public_key_of_private_key(keys.public_key_pem(key), 'a.key')


def test_load_signing_key_checks_a_key_once_per_folder(tmp_path, monkeypatch):
    from unittest import mock
    key = keys.generate_private_key('rsa')
    pem = keys.serialize_private_key(key, 'pass-phrase')
    checked = mock.Mock(wraps=keys.serialization.load_der_private_key)
    monkeypatch.setattr(keys.serialization, 'load_der_private_key', checked)

    first = keys.load_signing_key(pem, 'ca.key', 'pass-phrase', checked_dir=str(tmp_path))
    proofs = list(tmp_path.iterdir())
    assert checked.call_count == 1 and len(proofs) == 1
    assert oct(proofs[0].stat().st_mode & 0o777) == '0o600' and proofs[0].read_bytes() == b''
    assert b'pass-phrase' not in proofs[0].name.encode()
    again = keys.load_signing_key(pem, 'ca.key', 'pass-phrase', checked_dir=str(tmp_path))
    assert checked.call_count == 1                      # the same bytes: not checked again
    assert keys.public_key_der(first) == keys.public_key_der(again) == keys.public_key_der(key)
    assert first.sign(b'x', padding.PKCS1v15(), hashes.SHA256())   # it signs

    other = keys.serialize_private_key(keys.generate_private_key('rsa'))
    keys.load_signing_key(other, 'other.key', checked_dir=str(tmp_path))
    assert checked.call_count == 2 and len(list(tmp_path.iterdir())) == 2   # other bytes: checked

    # Without a folder every load is checked; a wrong passphrase is the usual error.
    keys.load_signing_key(pem, 'ca.key', 'pass-phrase', checked_dir=None)
    with pytest.raises(keys.PKIError, match='ca.key: wrong passphrase for the encrypted key'):
        keys.load_signing_key(pem, 'ca.key', 'wrong', checked_dir=str(tmp_path))


@pytest.mark.skipif(keys._SKIP_RSA_CHECK == {}, reason='cryptography < 39 always checks RSA keys')
def test_load_signing_key_refuses_a_key_that_fails_the_check_and_leaves_no_proof(tmp_path):
    from cryptography.hazmat.primitives.asymmetric import rsa
    numbers = keys.generate_private_key('rsa').private_numbers()
    broken = rsa.RSAPrivateNumbers(p=numbers.p, q=numbers.q, d=numbers.d ^ 2, dmp1=numbers.dmp1,
                                   dmq1=numbers.dmq1, iqmp=numbers.iqmp, public_numbers=numbers.public_numbers)
    pem = keys.serialize_private_key(broken.private_key(unsafe_skip_rsa_key_validation=True))
    for _attempt in range(2):
        with pytest.raises(keys.PKIError, match='ca.key: not a valid PEM private key'):
            keys.load_signing_key(pem, 'ca.key', checked_dir=str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_pki_offers_the_same_objects():
    # Callers import either module; an error raised in keys is caught as pki.PKIError.
    for name in ('PKIError', 'KEY_TYPES', 'CURVES', 'load_private_key', 'public_key_of_private_key',
                 'load_signing_key', 'serialize_private_key', 'same_public_key', 'pem_blocks'):
        assert getattr(pki, name) is getattr(keys, name), name


def test_keys_imports_no_x509():
    # The point of keys.py: tls_keypair's answer to defer_csr runs without cryptography.x509.
    code = ('import sys\n'
            'from ansible_collections.dbtls.transport.plugins.module_utils import keys\n'
            'key = keys.generate_private_key("ecdsa")\n'
            'pem = keys.serialize_private_key(key)\n'
            'keys.public_key_pem(keys.public_key_of_private_key(pem, "k"))\n'
            'print(sorted(m for m in sys.modules if m.startswith("cryptography.x509") or m.endswith(".pki")))\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env=os.environ, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == '[]'


def test_pem_blocks_in_order_of_one_kind():
    cert = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'
    key = '-----BEGIN PRIVATE KEY-----\nBBBB\n-----END PRIVATE KEY-----'
    data = f'junk\n{cert}\n{key}\r\n{cert.replace("AAAA", "CCCC")}\n'
    assert keys.pem_blocks(data, 'CERTIFICATE') == [cert.encode(), cert.replace('AAAA', 'CCCC').encode()]
    assert keys.pem_blocks(data.encode(), 'PRIVATE KEY') == [key.encode()]
    assert keys.pem_blocks('-----BEGIN CERTIFICATE-----\nAAAA\n', 'CERTIFICATE') == []     # never ended


def test_version_tuple():
    assert keys.version_tuple('3.3.2') == (3, 3, 2)
    assert keys.version_tuple('41.0.0rc1') == (41, 0, 0)
    assert keys.version_tuple('43.0.0') >= keys.MIN_CRYPTOGRAPHY_VERSION > keys.version_tuple('3.2.1')


def test_a_cryptography_older_than_the_minimum_is_refused_naming_both_versions():
    # In a fresh Python (imports run once): cryptography reports an older version before the
    # collection's modules are imported.
    code = (
        'import cryptography; cryptography.__version__ = "3.2.1"\n'
        'from ansible_collections.dbtls.transport.plugins.module_utils import keys, pki\n'
        'print(keys.HAS_CRYPTOGRAPHY, pki.HAS_CRYPTOGRAPHY, keys.CRYPTOGRAPHY_REQUIREMENT)\n'
        'print(pki.CRYPTOGRAPHY_IMPORT_ERROR)\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=False,
                          env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        'False False cryptography >= 3.3',
        'cryptography 3.2.1 is installed; dbtls.transport needs cryptography >= 3.3']
    assert keys.HAS_CRYPTOGRAPHY and pki.HAS_CRYPTOGRAPHY      # the real one, in this Python
