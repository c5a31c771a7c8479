# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import grp
import os

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import files, keys, pki
from ansible_collections.dbtls.transport.plugins.modules import tls_keypair

from tls_testlib import assert_no_key_material, make_ca, mode_of, run_main, snapshot

SANS = ('DNS:db1', 'IP:127.0.0.1')


@pytest.fixture
def ca(tmp_path):
    cert, key, _kp, _cp = make_ca(tmp_path / 'ca', 'Test CA')
    return cert, key


def params(tmp_path, **kw):
    (tmp_path / 'host').mkdir(exist_ok=True)
    base = dict(key_path=str(tmp_path / 'host' / 'peer.key'), cert_path=str(tmp_path / 'host' / 'peer.crt'),
                common_name='db1', subject_alt_names=list(SANS), usage='peer', key_type='ecdsa')
    base.update(kw)
    return base


def sign(result, ca, common_name='db1', sans=SANS, usage='peer'):
    spec = pki.leaf_spec(common_name, sans, usage)
    cert = pki.sign_leaf(pki.load_csr(result['csr']), spec, ca[0], ca[1])
    return pki.certificate_pem(cert).decode()


def test_check_mode_without_key_writes_nothing(tmp_path, capsys):
    args = params(tmp_path)
    result = run_main(tls_keypair, args, capsys, check_mode=True)
    assert result['changed'] is True
    assert result['key_reasons'] == ['missing']
    assert result['csr'] is None and result['certificate'] is None
    assert os.listdir(tmp_path / 'host') == []


def test_prepare_makes_key_and_csr_then_install(tmp_path, capsys, ca):
    args = params(tmp_path)
    first = run_main(tls_keypair, args, capsys)
    assert first['changed'] is True and first['key_generated'] is True and first['key_reasons'] == ['missing']
    assert mode_of(args['key_path']) == 0o600
    assert_no_key_material(first['_raw'])
    key = pki.load_private_key(open(args['key_path'], 'rb').read(), 'k')
    csr = pki.load_csr(first['csr'])
    assert pki.same_public_key(csr, key)
    assert csr.subject.rfc4514_string() == 'CN=db1' and pki.sans_of(csr) == list(SANS)
    assert first['certificate'] is None

    # The same call again: the key is kept, nothing changes.
    state = snapshot(tmp_path)
    second = run_main(tls_keypair, args, capsys)
    assert second['changed'] is False and second['key_reasons'] == []
    assert pki.same_public_key(pki.load_csr(second['csr']), key)
    assert snapshot(tmp_path) == state

    pem = sign(first, ca)
    check = run_main(tls_keypair, dict(args, certificate=pem), capsys, check_mode=True, diff=True)
    assert check['changed'] is True and not os.path.exists(args['cert_path'])
    assert check['diff']['before'] == {} and check['diff']['after']['subject'] == 'CN=db1'
    installed = run_main(tls_keypair, dict(args, certificate=pem), capsys)
    assert installed['changed'] is True
    assert open(args['cert_path']).read() == pem
    assert mode_of(args['cert_path']) == 0o644
    assert run_main(tls_keypair, dict(args, certificate=pem), capsys)['changed'] is False
    third = run_main(tls_keypair, args, capsys)
    assert third['certificate'] == pem and third['chain'] == []


def test_group_readable_key(tmp_path, capsys):
    group = grp.getgrgid(os.getgid()).gr_name
    args = params(tmp_path, group=group, key_mode='0640')
    run_main(tls_keypair, args, capsys)
    assert mode_of(args['key_path']) == 0o640
    result = run_main(tls_keypair, dict(args, key_mode='0600'), capsys)
    assert result['changed'] is True and result['attributes_changed'] == {args['key_path']: ['mode']}
    assert mode_of(args['key_path']) == 0o600


def test_world_readable_key_mode_is_refused(tmp_path, capsys):
    result = run_main(tls_keypair, params(tmp_path, key_mode='0644'), capsys)
    assert result['failed'] and 'would make' in result['msg'] and 'readable by every user' in result['msg']
    assert os.listdir(tmp_path / 'host') == []


def test_certificate_for_another_key_is_refused(tmp_path, capsys, ca):
    args = params(tmp_path)
    run_main(tls_keypair, args, capsys)
    other = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec('db1', SANS, 'peer')
    foreign = pki.certificate_pem(pki.sign_leaf(pki.build_csr(other, spec), spec, ca[0], ca[1])).decode()
    state = snapshot(tmp_path)
    result = run_main(tls_keypair, dict(args, certificate=foreign), capsys)
    assert result['failed']
    assert result['msg'] == f'certificate: it does not belong to the key {args["key_path"]}; nothing was installed'
    assert snapshot(tmp_path) == state
    ca_pem = pki.certificate_pem(ca[0]).decode()
    result = run_main(tls_keypair, dict(args, certificate=ca_pem), capsys)
    assert result['failed'] and 'a CA certificate cannot be installed' in result['msg']


def test_malformed_files_fail_naming_them_and_nothing_is_written(tmp_path, capsys):
    args = params(tmp_path)
    with open(args['cert_path'], 'w') as handle:
        handle.write('-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n')
    state = snapshot(tmp_path)
    result = run_main(tls_keypair, args, capsys)
    assert result['failed'] and result['msg'].startswith(f'{args["cert_path"]}: certificate #1 is not valid')
    assert snapshot(tmp_path) == state                  # the key was not generated either
    os.unlink(args['cert_path'])
    with open(args['key_path'], 'w') as handle:
        handle.write('junk')
    state = snapshot(tmp_path)
    result = run_main(tls_keypair, args, capsys)
    assert result['failed'] and result['msg'].startswith(f'{args["key_path"]}: not a PEM private key')
    assert snapshot(tmp_path) == state


def test_bad_names_and_missing_directory(tmp_path, capsys):
    result = run_main(tls_keypair, params(tmp_path, subject_alt_names=['URI:x']), capsys)
    assert result['failed'] and "unsupported type 'URI'" in result['msg']
    result = run_main(tls_keypair, params(tmp_path, subject_alt_names=[]), capsys)
    assert result['failed'] and 'needs at least one DNS: or IP: name' in result['msg']
    missing = str(tmp_path / 'nowhere' / 'peer.key')
    result = run_main(tls_keypair, params(tmp_path, key_path=missing), capsys)
    assert result['failed'] and result['msg'].startswith(missing) and 'does not exist' in result['msg']
    result = run_main(tls_keypair, params(tmp_path, cert_path=str(tmp_path / 'host' / 'peer.key')), capsys)
    assert result['failed'] and 'keep the key in its own file' in result['msg']


def test_client_certificate_needs_no_sans(tmp_path, capsys, ca):
    args = params(tmp_path, common_name='app_user', subject_alt_names=[], usage='client')
    first = run_main(tls_keypair, args, capsys)
    assert pki.sans_of(pki.load_csr(first['csr'])) == []
    pem = sign(first, ca, 'app_user', [], 'client')
    assert run_main(tls_keypair, dict(args, certificate=pem), capsys)['changed'] is True


def test_key_type_change_keeps_the_old_pair_until_the_new_certificate_arrives(tmp_path, capsys, ca):
    args = params(tmp_path)
    first = run_main(tls_keypair, args, capsys)
    run_main(tls_keypair, dict(args, certificate=sign(first, ca)), capsys)
    old_key, old_cert = open(args['key_path'], 'rb').read(), open(args['cert_path'], 'rb').read()

    wanted = dict(args, key_type='ed25519')
    check = run_main(tls_keypair, wanted, capsys, check_mode=True)
    assert check['changed'] is True and check['csr'] is None
    assert not os.path.exists(args['key_path'] + '.new')

    prepared = run_main(tls_keypair, wanted, capsys)
    assert prepared['key_reasons'] == ['key type differs (have ecdsa secp256r1, want ed25519)']
    assert prepared['key_pending'] is True
    assert mode_of(args['key_path'] + '.new') == 0o600
    # The installed pair is untouched while the new certificate is being signed.
    assert open(args['key_path'], 'rb').read() == old_key
    assert open(args['cert_path'], 'rb').read() == old_cert
    # A second prepare (an interrupted earlier run) reuses the pending key.
    again = run_main(tls_keypair, wanted, capsys)
    assert again['key_generated'] is False
    assert pki.same_public_key(pki.load_csr(again['csr']), pki.load_csr(prepared['csr']))

    installed = run_main(tls_keypair, dict(wanted, certificate=sign(prepared, ca)), capsys)
    assert installed['changed'] is True and installed['key_promoted'] is True
    assert not os.path.exists(args['key_path'] + '.new')
    key = pki.load_private_key(open(args['key_path'], 'rb').read(), 'k')
    assert pki.key_type_of(key) == 'ed25519'
    assert pki.same_public_key(key, pki.load_certificate(open(args['cert_path'], 'rb').read(), 'c'))
    assert run_main(tls_keypair, wanted, capsys)['key_reasons'] == []


def test_chain_is_written_after_the_leaf(tmp_path, capsys, ca):
    args = params(tmp_path)
    first = run_main(tls_keypair, args, capsys)
    pem = sign(first, ca)
    chain_pem = pki.certificate_pem(ca[0]).decode()
    run_main(tls_keypair, dict(args, certificate=pem, chain=[chain_pem]), capsys)
    assert open(args['cert_path']).read() == pem + chain_pem
    result = run_main(tls_keypair, args, capsys)
    assert result['certificate'] == pem and result['chain'] == [chain_pem]


def test_key_is_written_through_the_0600_helper(tmp_path, monkeypatch):
    seen = []
    real = files.os.fchmod

    def spy(fd, mode):
        seen.append((os.fstat(fd).st_mode & 0o777, mode))
        real(fd, mode)

    monkeypatch.setattr(files.os, 'fchmod', spy)
    tls_keypair.run(params(tmp_path, key_mode='0640'))
    assert seen == [(0o600, 0o640)]


def test_prepare_returns_the_stat_of_the_current_certificate(tmp_path, capsys, ca):
    """tls_cert installs a new certificate with a shell command and keeps these when not given."""
    args = params(tmp_path, cert_mode='0640')
    first = run_main(tls_keypair, args, capsys)
    assert 'cert_stat' not in first
    run_main(tls_keypair, dict(args, certificate=sign(first, ca)), capsys)
    again = run_main(tls_keypair, args, capsys)
    st = os.stat(args['cert_path'])
    assert again['cert_stat'] == {'uid': st.st_uid, 'gid': st.st_gid, 'mode': 0o640}


def _broken_private_half(key):
    """``key`` with a private exponent that does not fit its primes: the same public key, refused
    by OpenSSL's RSA key check."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    numbers = key.private_numbers()
    broken = rsa.RSAPrivateNumbers(p=numbers.p, q=numbers.q, d=numbers.d ^ 2, dmp1=numbers.dmp1,
                                   dmq1=numbers.dmq1, iqmp=numbers.iqmp, public_numbers=numbers.public_numbers)
    return pki.serialize_private_key(broken.private_key(unsafe_skip_rsa_key_validation=True))


def test_defer_csr_returns_the_public_key_and_the_file_as_it_is(tmp_path, capsys, ca):
    args = params(tmp_path)
    first = run_main(tls_keypair, args, capsys)
    intermediate = pki.certificate_pem(make_ca(tmp_path / 'other', 'Other CA')[0]).decode()
    run_main(tls_keypair, dict(args, certificate=sign(first, ca), chain=[intermediate]), capsys)
    key = pki.load_private_key(open(args['key_path'], 'rb').read(), 'k')
    leaf_pem = open(args['cert_path']).read().split(intermediate)[0]

    state = snapshot(tmp_path / 'host')
    current = run_main(tls_keypair, dict(args, defer_csr=True), capsys)
    assert current['changed'] is False and current['csr'] is None and current['key_reasons'] == []
    assert pki.same_public_key(pki.load_public_key(current['public_key'], 'public_key'), key)
    # The certificates as the file holds them (the caller parses and checks them).
    assert current['certificate'] == leaf_pem.rstrip('\n') and current['chain'] == [intermediate.rstrip('\n')]
    assert_no_key_material(current['_raw'])
    assert snapshot(tmp_path / 'host') == state

    # Whatever the certificate says (another CN, SANs, usage): the caller decides, so no CSR here.
    for change in (dict(common_name='db2'), dict(subject_alt_names=['DNS:db1']), dict(usage='client')):
        answer = run_main(tls_keypair, {**args, 'defer_csr': True, **change}, capsys, check_mode=True)
        assert answer['csr'] is None and answer['public_key'] == current['public_key'], change
    # A key of another type, or no usable certificate file: the CSR path, as without defer_csr.
    for change, cert_text in ((dict(key_type='rsa'), None), ({}, 'not a certificate\n')):
        if cert_text is not None:
            files.atomic_write(args['cert_path'], cert_text.encode(), 0o644)
        answer = run_main(tls_keypair, {**args, 'defer_csr': True, **change}, capsys, check_mode=True)
        assert 'public_key' not in answer, change
        if cert_text is None:
            assert answer['key_reasons'] == ['key type differs (have ecdsa secp256r1, want rsa 2048)']
        else:
            assert answer['failed'] is True and 'peer.crt: no PEM certificate found' in answer['msg']

    # In one run for several certificates, given once at the top level.
    run_main(tls_keypair, dict(args, certificate=sign(first, ca)), capsys)
    batch = run_main(tls_keypair, {'defer_csr': True, 'certificates': [
        {name: args[name] for name in ('key_path', 'cert_path', 'common_name', 'subject_alt_names', 'usage')}]},
        capsys)
    assert batch['results'][0]['csr'] is None and batch['results'][0]['public_key'] == current['public_key']


def test_defer_csr_for_a_host_without_key_and_certificate_returns_the_new_keys_public_key(tmp_path, capsys, ca):
    """A cold run: the key is generated and answered with its public key; no CSR, no X.509."""
    import json
    import subprocess
    import sys
    args = params(tmp_path)
    # Check mode generates nothing and has no public key to give.
    checked = run_main(tls_keypair, dict(args, defer_csr=True), capsys, check_mode=True)
    assert checked['key_generated'] is True and checked['key_reasons'] == ['missing']
    assert checked['csr'] is None and 'public_key' not in checked and not os.path.exists(args['key_path'])

    code = ('import json, sys\n'
            'from ansible_collections.dbtls.transport.plugins.modules import tls_keypair\n'
            'result = tls_keypair.run(json.loads(sys.argv[1]))\n'
            'print(json.dumps([result, sorted(m for m in sys.modules if m.startswith("cryptography.x509")'
            ' or m.endswith("module_utils.pki"))]))\n')
    proc = subprocess.run([sys.executable, '-c', code, json.dumps(dict(args, defer_csr=True))],
                          capture_output=True, text=True, env=os.environ, check=False)
    assert proc.returncode == 0, proc.stderr
    answer, modules = json.loads(proc.stdout)
    assert modules == []
    assert answer['changed'] is True and answer['key_generated'] is True and answer['key_reasons'] == ['missing']
    assert answer['csr'] is None and answer['certificate'] is None and answer['key_pending'] is False
    key = pki.load_private_key(open(args['key_path'], 'rb').read(), 'k')
    assert pki.same_public_key(pki.load_public_key(answer['public_key'], 'public_key'), key)
    assert mode_of(args['key_path']) == 0o600
    assert_no_key_material(json.dumps(answer))

    # A key without its certificate file is not new: its CSR proves it loads (the CSR path).
    again = run_main(tls_keypair, dict(args, defer_csr=True), capsys)
    assert again['key_generated'] is False and again['csr'] and 'public_key' not in again


def test_defer_csr_imports_no_x509(tmp_path, capsys, ca):
    """What defer_csr is for: the module run of every tls_cert rerun parses no X.509 (keys.py)."""
    import json
    import subprocess
    import sys
    args = params(tmp_path)
    first = run_main(tls_keypair, args, capsys)
    run_main(tls_keypair, dict(args, certificate=sign(first, ca)), capsys)
    code = ('import json, sys\n'
            'from ansible_collections.dbtls.transport.plugins.modules import tls_keypair\n'
            'result = tls_keypair.run(json.loads(sys.argv[1]))\n'
            'print(json.dumps([result["csr"], sorted(m for m in sys.modules if m.startswith("cryptography.x509")'
            ' or m.endswith("module_utils.pki"))]))\n')
    for defer_csr, imported in ((True, []), (False, ['cryptography.x509', 'module_utils.pki'])):
        proc = subprocess.run([sys.executable, '-c', code, json.dumps(dict(args, defer_csr=defer_csr))],
                              capture_output=True, text=True, env=os.environ, check=False)
        assert proc.returncode == 0, proc.stderr
        csr, modules = json.loads(proc.stdout)
        assert (csr is None) is defer_csr
        for name in imported:            # without defer_csr a CSR is made: pki and x509 are loaded
            assert any(module.endswith(name) for module in modules), (name, modules)
        if not imported:
            assert modules == []


@pytest.mark.skipif(keys._SKIP_RSA_CHECK == {}, reason='cryptography < 39 always checks RSA keys')
def test_a_key_that_fails_the_rsa_check_never_signs_a_csr(tmp_path, capsys, ca):
    args = params(tmp_path, key_type='rsa')
    first = run_main(tls_keypair, args, capsys)
    run_main(tls_keypair, dict(args, certificate=sign(first, ca)), capsys)
    good = pki.load_private_key(open(args['key_path'], 'rb').read(), 'k')
    files.atomic_write(args['key_path'], _broken_private_half(good), 0o600)
    with pytest.raises(pki.PKIError, match='not a valid PEM private key'):
        pki.load_private_key(open(args['key_path'], 'rb').read(), 'k')

    # defer_csr: only the public half is read, which matches the certificate.
    current = run_main(tls_keypair, dict(args, defer_csr=True), capsys)
    assert current['csr'] is None and pki.same_public_key(pki.load_public_key(current['public_key'], 'p'), good)
    # A CSR (asked for after the caller found the certificate due): the key is loaded with the
    # check, and refused.
    refused = run_main(tls_keypair, args, capsys)
    assert refused['failed'] is True and 'peer.key: not a valid PEM private key' in refused['msg'], refused


def test_a_missing_cert_folder_fails_before_a_key_is_generated(tmp_path, capsys):
    """Issue #16: the key used to be written before the certificate's folder was found missing."""
    args = params(tmp_path, cert_path=str(tmp_path / 'host' / 'missing' / 'peer.crt'))
    for check_mode in (True, False):
        result = run_main(tls_keypair, args, capsys, check_mode=check_mode)
        assert result['failed'] and 'the folder' in result['msg'] and '(cert_path)' in result['msg'], result
        assert os.listdir(tmp_path / 'host') == []


def test_a_failing_batch_removes_the_keys_it_generated(tmp_path, capsys):
    (tmp_path / 'host').mkdir()
    (tmp_path / 'host' / 'b.crt').write_bytes(b'not a certificate\n')
    items = [dict(key_path=str(tmp_path / 'host' / 'a.key'), cert_path=str(tmp_path / 'host' / 'a.crt'),
                  common_name='a', subject_alt_names=['DNS:a']),
             dict(key_path=str(tmp_path / 'host' / 'b.key'), cert_path=str(tmp_path / 'host' / 'b.crt'),
                  common_name='b', subject_alt_names=['DNS:b'])]
    state = snapshot(tmp_path / 'host')
    result = run_main(tls_keypair, dict(certificates=items), capsys)
    assert result['failed'] and str(tmp_path / 'host' / 'b.crt') in result['msg'], result
    assert f'removed the key(s) this run had generated: {tmp_path / "host" / "a.key"}' in result['msg']
    assert snapshot(tmp_path / 'host') == state


def test_backup_on_install_keeps_the_replaced_certificate_and_key(tmp_path, capsys, ca):
    args = params(tmp_path, backup=True)
    first = run_main(tls_keypair, args, capsys)
    installed = run_main(tls_keypair, dict(args, certificate=sign(first, ca)), capsys)
    assert 'backup_file' not in installed and 'key_backup_file' not in installed   # nothing replaced
    old_cert, old_key = (tmp_path / 'host' / 'peer.crt').read_bytes(), (tmp_path / 'host' / 'peer.key').read_bytes()

    # A key of another type waits as peer.key.new; installing its certificate replaces both files.
    pending = run_main(tls_keypair, dict(args, key_type='ed25519'), capsys)
    assert pending['key_pending'] is True
    replaced = run_main(tls_keypair, dict(args, key_type='ed25519', certificate=sign(pending, ca)), capsys)
    assert replaced['key_promoted'] is True
    with open(replaced['backup_file'], 'rb') as handle:
        assert handle.read() == old_cert
    with open(replaced['key_backup_file'], 'rb') as handle:
        assert handle.read() == old_key
    assert mode_of(replaced['key_backup_file']) == 0o600
    assert_no_key_material(replaced['_raw'])

    # Without backup: no copy.
    again = run_main(tls_keypair, dict(args, key_type='ed25519', backup=False,
                                       certificate=sign(pending, ca, common_name='db1')), capsys)
    assert 'backup_file' not in again


def _folder_items(root):
    return [dict(key_path=str(root / 'tls' / 'a.key'), cert_path=str(root / 'tls' / 'a.crt'),
                 common_name='a', subject_alt_names=['DNS:a']),
            dict(key_path=str(root / 'tls' / 'b.key'), cert_path=str(root / 'tls' / 'b.crt'),
                 common_name='b', subject_alt_names=['DNS:b'])]


def test_folder_mode_creates_the_folder_and_its_parents_in_the_same_run(tmp_path, capsys):
    # As root, another group than the process's, so that the chown is seen; else the process's own.
    gid = next((g.gr_gid for g in grp.getgrall() if g.gr_gid != os.getgid()), os.getgid()) \
        if os.geteuid() == 0 else os.getgid()
    args = dict(certificates=_folder_items(tmp_path / 'etc'), folder_mode='0750', folder_group=str(gid))
    check = run_main(tls_keypair, args, capsys, check_mode=True)
    assert check['changed'] is True, check
    assert check['folders_created'] == [str(tmp_path / 'etc'), str(tmp_path / 'etc' / 'tls')]
    assert check['folder_diff']['before'] == {str(tmp_path / 'etc' / 'tls'): None}
    assert not (tmp_path / 'etc').exists()

    old_umask = os.umask(0o077)     # the modes are set explicitly, whatever the umask
    try:
        first = run_main(tls_keypair, args, capsys)
    finally:
        os.umask(old_umask)
    assert first['changed'] is True and first['folders_created'] == check['folders_created'], first
    assert [r['key_generated'] for r in first['results']] == [True, True]
    assert mode_of(tmp_path / 'etc') == 0o755
    assert mode_of(tmp_path / 'etc' / 'tls') == 0o750
    assert os.stat(tmp_path / 'etc' / 'tls').st_gid == gid
    assert sorted(os.listdir(tmp_path / 'etc' / 'tls')) == ['a.key', 'b.key']

    again = run_main(tls_keypair, dict(args, defer_csr=True), capsys)
    assert again['changed'] is False and 'folders_created' not in again and 'folder_diff' not in again, again


def test_folder_mode_corrects_an_existing_folder_check_mode_first(tmp_path, capsys):
    folder = tmp_path / 'etc' / 'tls'
    folder.mkdir(parents=True)
    os.chmod(folder, 0o777)
    args = dict(certificates=_folder_items(tmp_path / 'etc'), folder_mode='0750')
    check = run_main(tls_keypair, args, capsys, check_mode=True)
    assert check['changed'] is True and check['attributes_changed'] == {str(folder): ['mode']}, check
    assert check['folder_diff'] == {'before': {str(folder): {'mode': '0777', 'owner': os.getuid(), 'group': os.getgid()}},
                                    'after': {str(folder): {'mode': '0750', 'owner': os.getuid(), 'group': os.getgid()}}}
    assert mode_of(folder) == 0o777 and os.listdir(folder) == []
    result = run_main(tls_keypair, args, capsys)
    assert result['attributes_changed'] == {str(folder): ['mode']} and 'folders_created' not in result
    assert mode_of(folder) == 0o750


def test_a_failing_run_removes_the_folders_it_created(tmp_path, capsys):
    items = _folder_items(tmp_path / 'etc')
    # The second item's certificate folder cannot be made: a file stands where it would go.
    (tmp_path / 'other').write_bytes(b'')
    items[1]['cert_path'] = str(tmp_path / 'other' / 'b.crt')
    result = run_main(tls_keypair, dict(certificates=items, folder_mode='0750'), capsys)
    assert result['failed'] and 'is not a directory' in result['msg'], result
    assert 'removed the folder(s) it had created' in result['msg']
    assert sorted(os.listdir(tmp_path)) == ['other']

    # A run that fails after the folder and the key were made: the key and the folder go again.
    single = params(tmp_path, key_path=str(tmp_path / 'new' / 'tls' / 'peer.key'),
                    cert_path=str(tmp_path / 'new' / 'tls' / 'peer.crt'), folder_mode='0750')
    (tmp_path / 'new').mkdir()
    (tmp_path / 'new' / 'keep').write_bytes(b'')

    def failing_csr(*_a, **_kw):
        raise pki.PKIError('disk full')
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pki, 'build_csr', failing_csr)
        result = run_main(tls_keypair, single, capsys)
    assert result['failed'] and 'disk full' in result['msg'], result
    assert 'removed the key(s)' in result['msg'] and 'removed the folder(s)' in result['msg']
    assert sorted(os.listdir(tmp_path / 'new')) == ['keep']


def test_folder_owner_without_folder_mode_is_refused(tmp_path, capsys):
    result = run_main(tls_keypair, params(tmp_path, folder_group='root'), capsys)
    assert result['failed'] and 'folder_mode' in result['msg'], result
    assert os.listdir(tmp_path / 'host') == []


# The CA bundle (bundle): written by the same run, last, with its final mode from the start.

def _bundle(tmp_path, ca, **kw):
    bundle = dict(dest=str(tmp_path / 'etc' / 'tls' / 'ca-bundle.pem'),
                  content=pki.certificate_pem(ca[0]).decode(), mode='0644')
    bundle.update(kw)
    return bundle


def test_bundle_is_written_in_the_same_run_then_left_alone(tmp_path, capsys, ca):
    bundle = _bundle(tmp_path, ca)
    args = dict(certificates=_folder_items(tmp_path / 'etc'), folder_mode='0750', bundle=bundle)
    check = run_main(tls_keypair, args, capsys, check_mode=True)
    assert check['bundle'] == {'dest': bundle['dest'], 'changed': True, 'created': True, 'previous': None}, check
    assert not (tmp_path / 'etc').exists()

    modes = []
    real_write = files.write_files

    def recording_write(specs, *a, **kw):
        modes.extend((spec.path, spec.mode) for spec in specs)
        return real_write(specs, *a, **kw)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(files, 'write_files', recording_write)
        first = run_main(tls_keypair, args, capsys)
    assert first['changed'] is True and first['bundle']['changed'] is True and first['bundle']['created'] is True
    assert open(bundle['dest']).read() == bundle['content'] and mode_of(bundle['dest']) == 0o644
    assert (bundle['dest'], 0o644) in modes          # its final mode from the start, not chmod after
    assert sorted(os.listdir(tmp_path / 'etc' / 'tls')) == ['a.key', 'b.key', 'ca-bundle.pem']

    state = snapshot(tmp_path)
    again = run_main(tls_keypair, dict(args, defer_csr=True), capsys)
    assert again['changed'] is False and again['bundle'] == {'dest': bundle['dest'], 'changed': False, 'created': False}
    assert snapshot(tmp_path) == state

    # A mode opened by hand is closed again (check mode first); the content stays.
    os.chmod(bundle['dest'], 0o666)
    fixed = run_main(tls_keypair, dict(args, defer_csr=True), capsys, check_mode=True)
    assert fixed['changed'] is True and fixed['bundle']['attributes_changed'] == ['mode'] and mode_of(bundle['dest']) == 0o666
    fixed = run_main(tls_keypair, dict(args, defer_csr=True), capsys)
    assert fixed['bundle'] == {'dest': bundle['dest'], 'changed': False, 'created': False, 'attributes_changed': ['mode']}
    assert mode_of(bundle['dest']) == 0o644

    # New content: replaced, and the certificates it held come back (nothing else of the file).
    other, _key, _kp, _cp = make_ca(tmp_path / 'ca2', 'Other CA')
    with open(bundle['dest'], 'a') as handle:
        handle.write('# a comment that is not returned\n')
    new = dict(bundle, content=bundle['content'] + pki.certificate_pem(other).decode())
    replaced = run_main(tls_keypair, dict(args, defer_csr=True, bundle=new), capsys)
    assert replaced['bundle']['changed'] is True and replaced['bundle']['created'] is False
    assert replaced['bundle']['previous'] == bundle['content']
    assert open(bundle['dest']).read() == new['content']


def test_bad_bundle_input_names_the_option_and_writes_nothing(tmp_path, capsys, ca):
    for change, fragment in ((dict(group='no-such-group-dbtls'), "bundle.group: group 'no-such-group-dbtls' does not exist"),
                             (dict(mode='u+rw'), 'bundle.mode:'),
                             (dict(content='not a certificate'), 'bundle.content: must be PEM certificates'),
                             (dict(dest='relative.pem'), 'bundle.dest:'),
                             (dict(dest=str(tmp_path / 'missing' / 'ca.pem')), '(bundle.dest)')):
        args = dict(certificates=_folder_items(tmp_path / 'etc'), folder_mode='0750',
                    bundle=_bundle(tmp_path, ca, **change))
        result = run_main(tls_keypair, args, capsys)
        assert result['failed'] and fragment in result['msg'], (change, result)
        # Refused before the folders were made (not made, then removed again).
        assert 'removed' not in result['msg'], result['msg']
        assert not (tmp_path / 'etc').exists() and not (tmp_path / 'missing').exists()
    # An existing folder is not corrected either.
    (tmp_path / 'etc' / 'tls').mkdir(parents=True)
    os.chmod(tmp_path / 'etc' / 'tls', 0o777)
    args = dict(certificates=_folder_items(tmp_path / 'etc'), folder_mode='0750',
                bundle=_bundle(tmp_path, ca, group='no-such-group-dbtls'))
    assert run_main(tls_keypair, args, capsys)['failed']
    assert mode_of(tmp_path / 'etc' / 'tls') == 0o777 and os.listdir(tmp_path / 'etc' / 'tls') == []
    # The same without certificates (one key pair).
    single = params(tmp_path, key_path=str(tmp_path / 'etc' / 'tls' / 'a.key'),
                    cert_path=str(tmp_path / 'etc' / 'tls' / 'a.crt'), folder_mode='0750',
                    bundle=_bundle(tmp_path, ca, group='no-such-group-dbtls'))
    result = run_main(tls_keypair, single, capsys)
    assert result['failed'] and 'bundle.group' in result['msg'], result
    assert mode_of(tmp_path / 'etc' / 'tls') == 0o777 and os.listdir(tmp_path / 'etc' / 'tls') == []


def test_a_run_that_fails_writes_no_bundle(tmp_path, capsys, ca):
    items = _folder_items(tmp_path / 'etc')
    bundle = _bundle(tmp_path, ca)

    def failing_csr(*_a, **_kw):
        raise pki.PKIError('disk full')
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pki, 'build_csr', failing_csr)
        result = run_main(tls_keypair, dict(certificates=items, folder_mode='0750', bundle=bundle), capsys)
    assert result['failed'] and 'disk full' in result['msg'], result
    assert not os.path.exists(bundle['dest']) and not (tmp_path / 'etc').exists()


def test_bundle_report_only_compares_and_writes_nothing(tmp_path, capsys, ca):
    bundle = _bundle(tmp_path, ca, report_only=True)
    args = dict(certificates=_folder_items(tmp_path / 'etc'), folder_mode='0750', bundle=bundle)
    first = run_main(tls_keypair, args, capsys)
    assert first['bundle'] == {'dest': bundle['dest'], 'changed': True, 'created': True, 'previous': None}, first
    assert not os.path.exists(bundle['dest'])
    written = run_main(tls_keypair, dict(args, bundle=dict(bundle, report_only=False)), capsys)
    assert written['bundle']['changed'] is True and open(bundle['dest']).read() == bundle['content']
    os.chmod(bundle['dest'], 0o600)
    state = snapshot(tmp_path)
    again = run_main(tls_keypair, dict(args, defer_csr=True), capsys)
    assert again['bundle']['attributes_changed'] == ['mode'] and snapshot(tmp_path) == state


class _GroupTable:
    """groupadd/groupdel and getgrnam over a group the host does not have (given the test's own gid,
    so that files can be given it): the account database is not touched."""

    def __init__(self, monkeypatch, name):
        self.name, self.present, self.commands = name, False, []
        real = grp.getgrnam

        def getgrnam(wanted):
            if wanted == name:
                if not self.present:
                    raise KeyError(wanted)
                return grp.struct_group((name, 'x', os.getegid(), []))
            return real(wanted)
        monkeypatch.setattr(grp, 'getgrnam', getgrnam)

    def run(self, argv, data=None):
        self.commands.append(argv)
        if argv[0] == 'groupadd':
            self.present = True
        elif argv[0] == 'groupdel':
            self.present = False
        return 0, '', ''


def test_create_group_makes_the_missing_group_before_the_files_get_it(tmp_path, monkeypatch):
    table = _GroupTable(monkeypatch, 'dbtlssvc')
    args = params(tmp_path, group='dbtlssvc', folder_mode='0750', folder_group='dbtlssvc', create_group=True)
    args['key_path'] = str(tmp_path / 'host' / 'tls' / 'peer.key')
    args['cert_path'] = str(tmp_path / 'host' / 'tls' / 'peer.crt')
    result = tls_keypair.run(args, False, table.run)
    assert table.commands == [['groupadd', '--system', 'dbtlssvc']]
    assert result['changed'] is True and result['groups_created'] == ['dbtlssvc']
    assert os.stat(args['key_path']).st_gid == os.getegid()
    # The next run finds the group: nothing is created, nothing reported.
    again = tls_keypair.run(args, False, table.run)
    assert table.commands == [['groupadd', '--system', 'dbtlssvc']] and 'groups_created' not in again


def test_create_group_in_check_mode_names_the_group_and_changes_nothing(tmp_path, capsys):
    args = params(tmp_path, group='dbtlsnosuchgroup', folder_mode='0750', folder_group='dbtlsnosuchgroup', create_group=True)
    result = run_main(tls_keypair, args, capsys, check_mode=True)
    assert result['changed'] is True and result['groups_created'] == ['dbtlsnosuchgroup']
    assert os.listdir(tmp_path / 'host') == []
    with pytest.raises(KeyError):
        grp.getgrnam('dbtlsnosuchgroup')


def test_create_group_removes_the_group_when_the_run_fails(tmp_path, monkeypatch):
    table = _GroupTable(monkeypatch, 'dbtlssvc')
    args = params(tmp_path, group='dbtlssvc', key_mode='0644', create_group=True)
    with pytest.raises(keys.PKIError, match=r'readable by every user.*\(removed the group\(s\) it had created: dbtlssvc\)$'):
        tls_keypair.run(args, False, table.run)
    assert table.commands == [['groupadd', '--system', 'dbtlssvc'], ['groupdel', 'dbtlssvc']]
    assert table.present is False and os.listdir(tmp_path / 'host') == []


def test_a_missing_group_without_create_group_fails_naming_it(tmp_path, capsys):
    result = run_main(tls_keypair, params(tmp_path, group="dbtlsnosuchgroup"), capsys)
    assert result.get("failed") is True
    assert "group 'dbtlsnosuchgroup' does not exist on this host" in result['msg']
    assert os.listdir(tmp_path / 'host') == []
