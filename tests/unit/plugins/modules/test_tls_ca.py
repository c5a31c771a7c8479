# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import os

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import files, pki
from ansible_collections.dbtls.transport.plugins.module_utils.ca import ensure_ca
from ansible_collections.dbtls.transport.plugins.modules import tls_ca

from tls_testlib import (assert_no_key_material, make_ca, mode_of, needs_openssl, openssl, run_main,
                         snapshot)

DAY = datetime.timedelta(days=1)


def params(tmp_path, **kw):
    base = dict(key_path=str(tmp_path / 'pki' / 'ca.key'), cert_path=str(tmp_path / 'pki' / 'ca.crt'),
                common_name='dbtls test CA')
    base.update(kw)
    return base


def test_check_mode_then_create_then_nothing_to_do(tmp_path, capsys):
    args = params(tmp_path)
    check = run_main(tls_ca, args, capsys, check_mode=True, diff=True)
    assert check['changed'] is True and check['reasons'] == ['missing'] and check['key_generated'] is True
    assert not (tmp_path / 'pki').exists()                     # check mode writes nothing
    assert check['diff']['after']['subject'] == 'CN=dbtls test CA'

    first = run_main(tls_ca, args, capsys, diff=True)
    assert first['changed'] is True and first['reasons'] == ['missing']
    assert mode_of(args['key_path']) == 0o600
    assert mode_of(args['cert_path']) == 0o644
    assert mode_of(tmp_path / 'pki') == 0o700                  # created for the CA key
    assert first['subject'] == 'CN=dbtls test CA'
    assert first['key_type'] == 'ecdsa secp256r1'
    assert first['days_left'] in (3649, 3650)
    assert first['diff']['before'] == {} and first['diff']['after']['fingerprint_sha256'] == first['fingerprint_sha256']
    assert_no_key_material(first['_raw'])

    state = snapshot(tmp_path)
    for check_mode in (True, False):
        again = run_main(tls_ca, args, capsys, check_mode=check_mode)
        assert again['changed'] is False and again['reasons'] == []
        assert again['fingerprint_sha256'] == first['fingerprint_sha256']
    assert snapshot(tmp_path) == state


@needs_openssl
@pytest.mark.parametrize('key_type', ['rsa', 'ed25519'])
def test_ca_for_other_key_types_passes_openssl(tmp_path, capsys, key_type):
    args = params(tmp_path, key_type=key_type)
    result = run_main(tls_ca, args, capsys)
    assert result['key_type'] == ('rsa 2048' if key_type == 'rsa' else 'ed25519')
    text = openssl('x509', '-in', args['cert_path'], '-noout', '-text').stdout
    assert 'CA:TRUE' in text and 'Certificate Sign, CRL Sign' in text
    openssl('pkey', '-in', args['key_path'], '-noout')
    openssl('verify', '-CAfile', args['cert_path'], args['cert_path'])


def test_encrypted_key_and_passphrase_never_shown(tmp_path, capsys):
    args = params(tmp_path, key_passphrase='very-secret-words')
    result = run_main(tls_ca, args, capsys)
    assert result['changed'] is True
    assert b'ENCRYPTED PRIVATE KEY' in open(args['key_path'], 'rb').read()
    assert 'very-secret-words' not in result['_raw']
    assert run_main(tls_ca, args, capsys)['changed'] is False
    state = snapshot(tmp_path)
    wrong = run_main(tls_ca, dict(args, key_passphrase='nope'), capsys)
    assert wrong['failed'] and wrong['msg'] == f'{args["key_path"]}: wrong passphrase for the encrypted key'
    missing = run_main(tls_ca, dict(args, key_passphrase=None), capsys)
    assert missing['failed'] and 'the key is encrypted; give its passphrase' in missing['msg']
    assert snapshot(tmp_path) == state


@needs_openssl
def test_renew_window_reissues_with_the_same_key_and_old_leaves_still_verify(tmp_path):
    args = params(tmp_path, valid_days=365, renew_before_days=90)
    ensure_ca(args)
    key_bytes = open(args['key_path'], 'rb').read()
    old_cert = pki.load_certificate(open(args['cert_path'], 'rb').read(), 'ca')
    ca_key = pki.load_private_key(key_bytes, 'ca.key')
    spec = pki.leaf_spec('db1', ['DNS:db1'], 'peer')
    leaf_key = pki.generate_private_key('ecdsa')
    leaf = pki.sign_leaf(pki.build_csr(leaf_key, spec), spec, old_cert, ca_key)
    (tmp_path / 'leaf.crt').write_bytes(pki.certificate_pem(leaf))

    later = pki.utcnow() + 300 * DAY                          # 65 days left < 90
    assert ensure_ca(args, check_mode=True, now=later)['changed'] is True
    assert pki.load_certificate(open(args['cert_path'], 'rb').read(), 'ca') == old_cert
    result = ensure_ca(args, now=later)
    assert result['changed'] is True
    assert result['reasons'][0].startswith('inside renew window (64 days left')
    assert result['key_generated'] is False
    assert open(args['key_path'], 'rb').read() == key_bytes   # the same key, untouched
    new_cert = pki.load_certificate(open(args['cert_path'], 'rb').read(), 'ca')
    assert new_cert.subject == old_cert.subject and new_cert.serial_number != old_cert.serial_number
    assert pki.not_after(new_cert) > pki.not_after(old_cert)
    attime = str(int((later + DAY).timestamp()))
    out = openssl('verify', '-attime', attime, '-CAfile', args['cert_path'], str(tmp_path / 'leaf.crt'))
    assert out.stdout.strip().endswith(': OK')
    assert ensure_ca(args, now=later)['changed'] is False


def test_expired_ca_is_renewed_unless_renewal_is_disabled(tmp_path):
    args = params(tmp_path, valid_days=30, renew_before_days=0)
    ensure_ca(args)
    state = snapshot(tmp_path)
    expired = pki.utcnow() + 40 * DAY
    with pytest.raises(pki.PKIError) as info:
        ensure_ca(args, now=expired)
    assert str(info.value).startswith(f'{args["cert_path"]}: the CA expired on ')
    assert 'renewal is disabled' in str(info.value)
    assert snapshot(tmp_path) == state
    renewed = ensure_ca(dict(args, renew_before_days=10), now=expired)
    assert renewed['changed'] and renewed['reasons'][0].startswith('expired on ')


def test_bad_input_fails_naming_the_file_and_changes_nothing(tmp_path, capsys):
    args = params(tmp_path)
    ensure_ca(args)
    other_dir = tmp_path / 'other'
    _c, _k, other_key, other_cert = make_ca(other_dir, 'Other CA')

    def expect_failure(run_args, message_start, fragment):
        state = snapshot(tmp_path)
        result = run_main(tls_ca, run_args, capsys)
        assert result.get('failed'), result
        assert result['msg'].startswith(message_start), result['msg']
        assert fragment in result['msg']
        assert snapshot(tmp_path) == state

    # A key that does not match its certificate
    expect_failure(dict(args, key_path=other_key), other_key, 'does not match the certificate')
    # Malformed PEM: key and certificate
    bad = tmp_path / 'bad'
    bad.mkdir()
    (bad / 'ca.key').write_bytes(b'-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n')
    expect_failure(dict(args, key_path=str(bad / 'ca.key'), cert_path=str(bad / 'ca.crt')),
                   str(bad / 'ca.key'), 'not a valid PEM private key')
    (bad / 'ca.crt').write_bytes(b'hello\n')
    expect_failure(dict(args, cert_path=str(bad / 'ca.crt')), str(bad / 'ca.crt'), 'no PEM certificate found')
    # Another name for an existing CA
    expect_failure(dict(args, common_name='Renamed CA'), args['cert_path'], "named 'dbtls test CA', not 'Renamed CA'")
    # Certificate without its key
    expect_failure(dict(args, key_path=str(tmp_path / 'pki' / 'gone.key')), str(tmp_path / 'pki' / 'gone.key'),
                   'the CA key is missing but the certificate')
    # An unwritable directory, even for root: its parent is a regular file
    (tmp_path / 'regular-file').write_bytes(b'x')
    expect_failure(params(tmp_path / 'regular-file'), str(tmp_path / 'regular-file'), 'not a directory')
    # An unknown key type: the argument spec refuses it, and so does the pure code
    expect_failure(params(tmp_path / 'new', key_type='dsa'), 'value of key_type must be one of', 'got: dsa')
    with pytest.raises(pki.PKIError, match="unknown key type 'dsa'"):
        ensure_ca(params(tmp_path / 'new', key_type='dsa'))
    # An unknown group fails before the key is written
    expect_failure(params(tmp_path / 'new', group='no-such-group-x'), 'group', 'does not exist')
    assert not (tmp_path / 'new').exists()
    # Nonsense windows
    expect_failure(params(tmp_path / 'new', valid_days=30, renew_before_days=30), 'renew_before_days (30) must be smaller', '')


def test_existing_key_of_another_type_is_kept_with_a_warning(tmp_path, capsys):
    args = params(tmp_path)
    ensure_ca(args)
    result = ensure_ca(dict(args, key_type='ed25519'))
    assert result['changed'] is False
    assert result['warnings'] == [
        f'{args["key_path"]}: the existing CA key is ecdsa secp256r1, key_type asks for ed25519; the key is '
        'kept (a new key is a new CA: rotate to it instead)']
    # main() hands it to module.warn() (how it is shown differs between core versions)
    assert run_main(tls_ca, dict(args, key_type='ed25519'), capsys)['changed'] is False


def test_modes_and_group_are_enforced(tmp_path, capsys):
    args = params(tmp_path)
    ensure_ca(args)
    os.chmod(args['key_path'], 0o644)
    result = run_main(tls_ca, args, capsys)
    assert result['changed'] is True and result['reasons'] == []
    assert result['attributes_changed'] == {args['key_path']: ['mode']}
    assert mode_of(args['key_path']) == 0o600
    assert run_main(tls_ca, args, capsys)['changed'] is False


def test_key_file_helper_writes_final_mode(tmp_path, monkeypatch):
    """The CA key goes through the atomic helper with 0600 from creation."""
    modes = []
    real = files.os.fchmod

    def spy(fd, mode):
        modes.append((oct(os.fstat(fd).st_mode & 0o777), oct(mode)))
        real(fd, mode)

    monkeypatch.setattr(files.os, 'fchmod', spy)
    ensure_ca(params(tmp_path, key_mode='0600'))
    assert modes[0] == ('0o600', '0o600')      # key: created 0600, stays 0600
    assert modes[1] == ('0o600', '0o644')      # cert: created 0600, then 0644


def test_force_backup_and_return_content(tmp_path, capsys):
    args = params(tmp_path)
    first = run_main(tls_ca, args, capsys)
    assert 'certificate' not in first and 'backup_file' not in first
    old_cert, old_key = open(args['cert_path'], 'rb').read(), open(args['key_path'], 'rb').read()

    state = snapshot(tmp_path)
    check = run_main(tls_ca, dict(args, force=True, backup=True, return_content=True), capsys, check_mode=True)
    assert check['changed'] is True and check['reasons'] == ['forced (force=true)']
    assert check['certificate'] == old_cert.decode() and 'backup_file' not in check
    assert snapshot(tmp_path) == state

    forced = run_main(tls_ca, dict(args, force=True, backup=True, return_content=True), capsys)
    assert forced['changed'] is True and forced['reasons'] == ['forced (force=true)']
    new_cert = open(args['cert_path'], 'rb').read()
    assert new_cert != old_cert and forced['certificate'] == new_cert.decode()
    assert forced['serial'] != first['serial'] and forced['fingerprint_sha256'] != first['fingerprint_sha256']
    # Same key, subject and key identifier: what the old one issued verifies against the new one.
    assert open(args['key_path'], 'rb').read() == old_key
    renewed = pki.load_certificate(new_cert, 'ca')
    assert pki.same_public_key(pki.load_private_key(old_key, 'k'), renewed)
    assert os.path.dirname(forced['backup_file']) == str(tmp_path / 'pki')
    assert open(forced['backup_file'], 'rb').read() == old_cert and mode_of(forced['backup_file']) == 0o644
    assert sorted(os.listdir(tmp_path / 'pki')) == sorted(['ca.crt', 'ca.key', os.path.basename(forced['backup_file'])])
    assert_no_key_material(forced['_raw'])

    # Without force nothing is due; return_content still returns the certificate, never the key.
    again = run_main(tls_ca, dict(args, return_content=True), capsys)
    assert again['changed'] is False and again['certificate'] == new_cert.decode()
    assert_no_key_material(again['_raw'])


def test_folder_mode_creates_or_corrects_the_key_folder(tmp_path, capsys):
    args = params(tmp_path / 'ctl', folder_mode='0700')
    folder = tmp_path / 'ctl' / 'pki'
    check = run_main(tls_ca, args, capsys, check_mode=True)
    assert check['changed'] is True and check['folders_created'] == [str(tmp_path / 'ctl'), str(folder)]
    assert not (tmp_path / 'ctl').exists()                     # check mode creates nothing
    first = run_main(tls_ca, args, capsys)
    assert first['folders_created'] == [str(tmp_path / 'ctl'), str(folder)]
    assert mode_of(folder) == 0o700 and mode_of(tmp_path / 'ctl') == 0o755
    again = run_main(tls_ca, args, capsys)
    assert again['changed'] is False and 'folders_created' not in again and 'attributes_changed' not in again
    folder.chmod(0o755)
    check = run_main(tls_ca, args, capsys, check_mode=True)
    assert check['changed'] is True and check['attributes_changed'] == {str(folder): ['mode']}
    assert mode_of(folder) == 0o755
    fixed = run_main(tls_ca, args, capsys)
    assert fixed['changed'] is True and fixed['attributes_changed'] == {str(folder): ['mode']}
    assert mode_of(folder) == 0o700


def test_folder_mode_folders_are_removed_when_the_run_fails(tmp_path, capsys):
    # The certificate's folder is a file: writing fails after the key's folder was made; it is removed.
    (tmp_path / 'not-a-folder').write_text('x')
    args = params(tmp_path / 'ctl', folder_mode='0700', cert_path=str(tmp_path / 'not-a-folder' / 'ca.crt'))
    result = run_main(tls_ca, args, capsys)
    assert result.get('failed'), result
    assert not (tmp_path / 'ctl').exists()
    bad = run_main(tls_ca, params(tmp_path / 'ctl', folder_mode='0o9'), capsys)
    assert bad.get('failed') and 'folder_mode' in bad['msg']
    assert not (tmp_path / 'ctl').exists()
