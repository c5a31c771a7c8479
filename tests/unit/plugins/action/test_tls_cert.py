# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tls_cert action: decide on the controller, sign in memory, install through tls_keypair.

The target module runs in-process here (``_execute_module`` is replaced by a call to
tls_keypair's own code on real files), so the whole flow - CSR up, certificate down - is tested
without a connection. The last test runs the real thing through ansible-playbook.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path
from unittest import mock

import pytest

from ansible_collections.dbtls.transport.plugins.action.tls_cert import ActionModule
from ansible_collections.dbtls.transport.plugins.module_utils import crl, files, keys, pki
from ansible_collections.dbtls.transport.plugins.modules import tls_bundle
from ansible_collections.dbtls.transport.plugins.plugin_utils.installer import install_command

from local_playbook import needs_ansible_playbook, run_playbook
from tls_cert_target import Target

OPENSSL = shutil.which('openssl')
SANS = ['DNS:db1.example', 'IP:10.0.0.5']


def snapshot(root) -> dict:
    state = {}
    for path in sorted(Path(root).rglob('*')):
        st = os.lstat(path)
        state[str(path)] = (path.read_bytes() if stat.S_ISREG(st.st_mode) else None,
                            stat.S_IMODE(st.st_mode), st.st_mtime_ns)
    return state


@pytest.fixture
def ca(tmp_path):
    directory = tmp_path / 'controller'
    directory.mkdir()
    key = pki.generate_private_key('ecdsa')
    cert = pki.build_ca(key, 'Test CA')
    (directory / 'ca.key').write_bytes(pki.serialize_private_key(key, 'ca-pass-phrase'))
    (directory / 'ca.crt').write_bytes(pki.certificate_pem(cert))
    return {'cert': cert, 'key': key, 'key_path': str(directory / 'ca.key'), 'cert_path': str(directory / 'ca.crt')}


@pytest.fixture
def host(tmp_path):
    directory = tmp_path / 'host'
    directory.mkdir()
    return directory


def task_args(ca, host, **kw):
    args = dict(key_path=str(host / 'peer.key'), cert_path=str(host / 'peer.crt'), ca_cert_path=ca['cert_path'],
                ca_key_path=ca['key_path'], ca_key_passphrase='ca-pass-phrase', common_name='db1',
                subject_alt_names=SANS, usage='peer')
    args.update(kw)
    return args


def run_action(args, check_mode=False, diff=True, target=None):
    target = target or Target()
    task = mock.MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.diff = diff
    task.async_val = 0
    task.action = 'dbtls.transport.tls_cert'
    connection = mock.MagicMock()
    action = ActionModule(task, connection, mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)
    target.attach(action, check_mode)
    result = action.run(task_vars={'inventory_hostname': 'db1'})
    return result, target


def test_check_apply_check_apply(ca, host):
    args = task_args(ca, host)
    check, target = run_action(args, check_mode=True)
    assert check['changed'] is True and check['reasons'] == ['missing'] and not check.get('failed')
    assert check['key_generated'] is True
    assert os.listdir(host) == []
    assert check['diff']['before'] == {} and check['diff']['after']['sans'] == SANS
    assert len(target.calls) == 1

    applied, target = run_action(args)
    assert applied['changed'] is True and applied['reasons'] == ['missing']
    # One tls_keypair run (the new key, answered with its public key: defer_csr), then one shell
    # command installs the certificate.
    assert len(target.calls) == 1 and len(target.commands) == 1 and target.calls[0]['defer_csr'] is True
    assert [data for _path, data in target.sent] == [(host / 'peer.crt').read_bytes()]
    assert target.tmpdirs and not any(os.path.exists(d) for d in target.tmpdirs)   # temp dir removed
    assert sorted(os.listdir(host)) == ['peer.crt', 'peer.key']                      # no temp file left
    cert = pki.load_certificate((host / 'peer.crt').read_bytes(), 'peer.crt')
    assert applied['fingerprint_sha256'] == pki.fingerprint_sha256(cert)
    assert applied['serial'] == cert.serial_number
    assert applied['subject'] == 'CN=db1' and applied['issuer'] == 'CN=Test CA'
    assert applied['diff']['after']['fingerprint_sha256'] == applied['fingerprint_sha256']
    assert stat.S_IMODE(os.stat(host / 'peer.key').st_mode) == 0o600
    assert stat.S_IMODE(os.stat(host / 'peer.crt').st_mode) == 0o644
    key = pki.load_private_key((host / 'peer.key').read_bytes(), 'peer.key')
    assert pki.same_public_key(key, cert)
    _f, _c, findings = pki.verify([cert], [ca['cert']], key=key, required_sans=SANS, required_usage='peer')
    assert findings == []
    if OPENSSL:
        out = subprocess.run([OPENSSL, 'verify', '-CAfile', ca['cert_path'], str(host / 'peer.crt')],
                             capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stdout + out.stderr

    state = snapshot(host)
    for check_mode in (True, False):
        again, target = run_action(args, check_mode=check_mode)
        assert again['changed'] is False and again['reasons'] == [], again
        assert len(target.calls) == 1          # nothing signed, nothing sent back
        assert again['fingerprint_sha256'] == applied['fingerprint_sha256']
    assert snapshot(host) == state


def test_nothing_secret_travels_or_is_returned(ca, host):
    result, target = run_action(task_args(ca, host))
    sent = json.dumps(target.calls)
    assert 'PRIVATE KEY' not in sent and 'ca-pass-phrase' not in sent and ca['key_path'] not in sent
    returned = json.dumps(result)
    assert 'PRIVATE KEY' not in returned and 'ca-pass-phrase' not in returned


def test_changes_trigger_reissue_with_reasons(ca, host):
    args = task_args(ca, host)
    run_action(args)
    first_key = (host / 'peer.key').read_bytes()

    more_sans, _t = run_action(dict(args, subject_alt_names=SANS + ['DNS:db1']))
    assert more_sans['changed'] is True
    assert more_sans['reasons'] == ['SANs differ (have DNS:db1.example, IP:10.0.0.5, want DNS:db1, '
                                    'DNS:db1.example, IP:10.0.0.5)']
    assert (host / 'peer.key').read_bytes() == first_key          # same key, new certificate

    server, _t = run_action(dict(args, usage='server', subject_alt_names=SANS + ['DNS:db1']))
    assert server['reasons'] == ['usage differs (have peer, want server)']

    window, _t = run_action(dict(args, usage='server', subject_alt_names=SANS + ['DNS:db1'],
                                 valid_days=400, renew_before_days=398))
    assert window['reasons'][0].startswith('inside renew window (396 days left')

    new_type, target = run_action(dict(args, usage='server', subject_alt_names=SANS + ['DNS:db1'], key_type='ed25519'))
    assert new_type['reasons'][0] == 'key type differs (have ecdsa secp256r1, want ed25519)'
    assert new_type['key_type'] == 'ed25519'
    assert not (host / 'peer.key.new').exists()
    assert pki.key_type_of(pki.load_private_key((host / 'peer.key').read_bytes(), 'k')) == 'ed25519'


def test_renewed_ca_keeps_certificates_and_another_ca_replaces_them(ca, host, tmp_path):
    args = task_args(ca, host)
    issued, _t = run_action(args)
    # The CA renewed with the same key: nothing to reissue.
    renewed = pki.renew_ca(ca['cert'], ca['key'])
    Path(ca['cert_path']).write_bytes(pki.certificate_pem(renewed))
    same, _t = run_action(args)
    assert same['changed'] is False and same['serial'] == issued['serial']

    # A new CA with the same name but another key: reissue.
    other_key = pki.generate_private_key('ecdsa')
    Path(ca['cert_path']).write_bytes(pki.certificate_pem(pki.build_ca(other_key, 'Test CA')))
    Path(ca['key_path']).write_bytes(pki.serialize_private_key(other_key, 'ca-pass-phrase'))
    moved, _t = run_action(args)
    assert moved['changed'] is True
    assert moved['reasons'] == ['issued by another CA (authority key identifier does not match the CA key)']


def test_check_mode_reports_a_due_reissue_without_signing(ca, host):
    args = task_args(ca, host)
    run_action(args)
    state = snapshot(host)
    check, target = run_action(dict(args, common_name='db1-new'), check_mode=True)
    assert check['changed'] is True and check['reasons'] == ["common name differs (have 'db1', want 'db1-new')"]
    assert check['diff']['before']['subject'] == 'CN=db1' and check['diff']['after']['subject'] == 'CN=db1-new'
    assert len(target.calls) == 1 and snapshot(host) == state


@pytest.mark.parametrize('change, fragment', [
    (dict(ca_key_passphrase='not-it'), 'wrong passphrase for the encrypted key'),
    (dict(ca_key_passphrase=None), 'the key is encrypted; give its passphrase'),
    (dict(common_name='Test CA'), "common_name 'Test CA' equals the CN of the CA"),
    (dict(subject_alt_names=[]), 'a peer certificate needs at least one DNS: or IP: name'),
    (dict(subject_alt_names=['URI:spiffe://x']), "unsupported type 'URI'"),
    (dict(key_type='dsa'), 'value of key_type must be one of'),
    (dict(ca_cert_path='/nonexistent/ca.crt'), '/nonexistent/ca.crt: no such file on the controller'),
    (dict(renew_before_days=400), 'renew_before_days (400) must be smaller than valid_days (397)'),
])
def test_bad_input_fails_before_touching_the_target(ca, host, change, fragment):
    args = task_args(ca, host)
    args.update(change)
    if args['ca_key_passphrase'] is None:
        del args['ca_key_passphrase']
    try:
        result, target = run_action(args)
    except Exception as exc:  # the argument spec check raises AnsibleActionFail
        assert fragment in str(exc)
        return
    assert result.get('failed') is True, result
    assert fragment in result['msg']
    assert target.calls == [] and os.listdir(host) == []


def test_expired_ca_and_mismatched_ca_key(ca, host, tmp_path):
    old = pki.build_ca(ca['key'], 'Test CA', valid_days=1, now=pki.utcnow() - pki.datetime.timedelta(days=3))
    Path(ca['cert_path']).write_bytes(pki.certificate_pem(old))
    result, target = run_action(task_args(ca, host))
    assert result['failed'] and result['msg'].startswith(f'{ca["cert_path"]}: the CA certificate expired on')
    assert target.calls == []
    other = tmp_path / 'other.key'
    other.write_bytes(pki.serialize_private_key(pki.generate_private_key('ecdsa')))
    Path(ca['cert_path']).write_bytes(pki.certificate_pem(ca['cert']))
    result, target = run_action(task_args(ca, host, ca_key_path=str(other), ca_key_passphrase=None))
    assert result['failed'] and result['msg'] == f'{other}: the key does not match the certificate {ca["cert_path"]}'
    assert target.calls == []


def test_a_csr_that_differs_from_the_request_is_not_signed(ca, host):
    """A compromised or confused target answering with a CSR for another name gets nothing."""
    args = task_args(ca, host)
    # A key without its certificate: the host answers with a CSR made with it.
    (host / 'peer.key').write_bytes(pki.serialize_private_key(pki.generate_private_key('ecdsa')))
    (host / 'peer.key').chmod(0o600)
    evil_key = pki.generate_private_key('ecdsa')
    evil = pki.csr_pem(pki.build_csr(evil_key, pki.leaf_spec('db1', ['DNS:evil.example'], 'peer'))).decode()
    target = Target()
    target.tamper = lambda result: dict(result, csr=evil) if result.get('csr') else result
    result, target = run_action(args, target=target)
    assert result['failed'] is True
    assert 'subject alternative names' in result['msg'] and 'differ from the requested' in result['msg']
    assert len(target.calls) == 1 and not (host / 'peer.crt').exists()


def test_module_failure_on_the_target_is_reported(ca, host):
    (host / 'peer.key').write_text('garbage')
    result, _t = run_action(task_args(ca, host))
    assert result['failed'] and result['msg'].startswith(f'{host / "peer.key"}: not a PEM private key')


def test_chain_path_is_installed_after_the_leaf(ca, host, tmp_path):
    chain = tmp_path / 'controller' / 'chain.pem'
    chain.write_bytes(pki.certificate_pem(ca['cert']))
    args = task_args(ca, host)
    run_action(args)
    added, target = run_action(dict(args, chain_path=str(chain)))
    assert added['changed'] is True and added['reasons'] == ['chain differs']
    content = (host / 'peer.crt').read_bytes()
    assert content.endswith(pki.certificate_pem(ca['cert'])) and content.count(b'BEGIN CERTIFICATE') == 2
    assert run_action(dict(args, chain_path=str(chain)))[0]['changed'] is False


# --------------------------------------------------------------------------------------------
# certificates: all of a host's certificates in one tls_keypair run for the CSRs and one for the installs.


def batch_args(ca, host, **kw):
    certificates = [
        dict(key_path=str(host / 'peer.key'), cert_path=str(host / 'peer.crt'), common_name='db1',
             subject_alt_names=SANS, usage='peer'),
        dict(key_path=str(host / 'client-app.key'), cert_path=str(host / 'client-app.crt'),
             common_name='app', usage='client', key_mode='0600'),
    ]
    args = dict(ca_cert_path=ca['cert_path'], ca_key_path=ca['key_path'], ca_key_passphrase='ca-pass-phrase',
                key_mode='0640', certificates=certificates)
    args.update(kw)
    return args


def test_batch_two_runs_cold_one_run_after(ca, host):
    args = batch_args(ca, host)
    check, target = run_action(args, check_mode=True)
    assert check['changed'] is True and not check.get('failed'), check
    assert [r['reasons'] for r in check['results']] == [['missing'], ['missing']]
    assert check['verified'] is False and len(check['diff']) == 2
    assert len(target.calls) == 1 and os.listdir(host) == []

    applied, target = run_action(args)
    assert applied['changed'] is True and applied['verified'] is True, applied
    assert len(target.calls) == 1                      # one run for both CSRs
    assert len(target.commands) == 1 and len(target.sent) == 2     # one shell command installs both
    assert [len(call['certificates']) for call in target.calls] == [2]
    for name, usage, mode, cn in (('peer', 'peer', 0o640, 'db1'), ('client-app', 'client', 0o600, 'app')):
        cert = pki.load_certificate((host / f'{name}.crt').read_bytes(), name)
        key = pki.load_private_key((host / f'{name}.key').read_bytes(), name)
        assert stat.S_IMODE(os.stat(host / f'{name}.key').st_mode) == mode    # item overrides the top level
        _f, _c, findings = pki.verify([cert], [ca['cert']], key=key, required_usage=usage)
        assert findings == [] and pki.common_name_of(cert) == cn and pki.usage_of(cert) == usage
    assert [r['fingerprint_sha256'] for r in applied['results']] == [
        pki.fingerprint_sha256(pki.load_certificate((host / f'{n}.crt').read_bytes(), n)) for n in ('peer', 'client-app')]

    state = snapshot(host)
    for check_mode in (True, False):
        again, target = run_action(args, check_mode=check_mode)
        assert again['changed'] is False and again['verified'] is True, again
        assert len(target.calls) == 1 and [r['reasons'] for r in again['results']] == [[], []]
        assert target.commands == [] and target.sent == []
    assert snapshot(host) == state

    # Only the certificate that is due gets a CSR (a second run, for that item alone: the first
    # returned public keys) and travels back.
    args['certificates'][1]['common_name'] = 'app2'
    one, target = run_action(args)
    assert [r['changed'] for r in one['results']] == [False, True]
    assert len(target.calls) == 2 and target.calls[0]['defer_csr'] is True and 'defer_csr' not in target.calls[1]
    assert [item['common_name'] for item in target.calls[1]['certificates']] == ['app2']
    assert len(target.sent) == 1
    assert target.sent[0][1] == (host / 'client-app.crt').read_bytes()


def test_batch_bad_item_changes_nothing(ca, host):
    args = batch_args(ca, host)
    args['certificates'][1]['key_path'] = str(host / 'peer.key')
    result, target = run_action(args)
    assert result['failed'] is True and 'already used by certificates[1]' in result['msg'], result
    assert os.listdir(host) == []
    args = batch_args(ca, host)
    args['certificates'][1]['key_mode'] = '0644'
    result, target = run_action(args)
    assert result['failed'] is True and 'readable by every user' in result['msg'], result
    assert os.listdir(host) == []


def test_batch_refuses_mixing_and_accepts_an_empty_list(ca, host):
    with pytest.raises(Exception, match='mutually exclusive'):
        run_action(batch_args(ca, host, key_path=str(host / 'x.key')))
    empty, target = run_action(batch_args(ca, host, certificates=[]))
    assert empty == {'changed': False, 'results': []} or (empty['changed'] is False and empty['results'] == [])
    assert target.calls == []


def test_a_certificate_that_does_not_verify_on_the_host_fails_the_task(ca, host):
    """The install reports what it read back from disk; a file that is not what was signed fails."""
    args = task_args(ca, host)
    other_key = pki.generate_private_key('ecdsa')
    other_csr = pki.build_csr(other_key, pki.leaf_spec('db1', SANS, 'peer'))
    foreign = pki.certificate_pem(pki.sign_leaf(other_csr, pki.leaf_spec('db1', SANS, 'peer'), ca['cert'],
                                                ca['key']))
    target = Target()

    def swap(cmd):      # something on the host replaces the file sent before it is installed
        for path, _data in target.sent:
            Path(path).write_bytes(foreign)
        return cmd
    target.shell_tamper = swap
    result, target = run_action(args, target=target)
    assert result['failed'] is True, result
    assert result['msg'].startswith(f'db1:{host / "peer.crt"}: the installed file is not the certificate that was sent')

    # The fallback through tls_keypair reads the file back; the controller verifies what it read.
    target = Target()
    target.path = _path_without('install')
    target.tamper = lambda result: dict(result, certificate=foreign.decode()) if 'installed' in result else result
    result, target = run_action(args, target=target)
    assert result['failed'] is True and 'does not verify after it was installed: key changed' in result['msg'], result


def test_a_signed_certificate_that_does_not_verify_is_not_sent(ca, host, monkeypatch):
    args = task_args(ca, host)
    other_key = pki.generate_private_key('ecdsa')
    real_sign = pki.sign_public_key
    monkeypatch.setattr(pki, 'sign_public_key', lambda _public_key, *a, **k: real_sign(other_key.public_key(), *a, **k))
    result, target = run_action(args)
    assert result['failed'] is True, result
    assert result['msg'].startswith(f'db1:{host / "peer.crt"}: the certificate does not verify, nothing was '
                                    'installed: key changed'), result['msg']
    # Nothing was sent; the one command removes the key this task generated: the host is as before.
    assert target.sent == [] and target.commands == [f'rm -f -- {host / "peer.key"}']
    assert result['msg'].endswith(f'(removed the key(s) this task had generated: {host / "peer.key"})')
    assert os.listdir(host) == []


def _path_without(*names) -> str:
    """A PATH with the usual tools but not ``names`` (a directory of symlinks)."""
    directory = tempfile.mkdtemp(prefix='dbtls-path-')
    for tool in ('sh', 'install', 'mv', 'rm', 'cmp', 'sha256sum', 'cat'):
        found = shutil.which(tool)
        if found and tool not in names:
            os.symlink(found, os.path.join(directory, tool))
    return directory


def test_install_command_quotes_every_path_and_sets_mode_owner_group():
    cmd = install_command([("/tmp/x y/dbtls-cert-0.pem", "/etc/it's here/peer.crt", 0o644, 'mysql', '0')],
                          remove_dir="/tmp/x y")
    assert "-- '/tmp/x y/dbtls-cert-0.pem' '/etc/it'\"'\"'s here/." in cmd
    assert "install -m 0644 -o mysql -g 0 -- " in cmd
    assert "mv -f -- '/etc/it'\"'\"'s here/.peer.crt." in cmd and ".tmp' '/etc/it'\"'\"'s here/peer.crt'" in cmd
    assert "rm -rf -- '/tmp/x y'" in cmd
    assert 'rm -rf' not in install_command([('/t/a', '/d/b', 0o644, None, None)])
    assert ' -o ' not in install_command([('/t/a', '/d/b', 0o644, None, None)])


@pytest.mark.parametrize('missing', [(), ('sha256sum',)])
def test_shell_install_with_and_without_sha256sum_keeps_owner_group_and_mode(ca, host, missing):
    args = task_args(ca, host, cert_mode='0640')
    run_action(args)
    cert = host / 'peer.crt'
    if os.geteuid() == 0:
        os.chown(cert, 4321, 4322)
    target = Target()
    target.path = _path_without(*missing)
    result, target = run_action(dict(args, common_name='db1-renamed'), target=target)
    # Two tls_keypair runs (the public key, then the CSR of the due certificate); no third to install.
    assert result['changed'] is True and result['verified'] is True and len(target.calls) == 2, result
    # The installed file is compared with what was sent: by SHA-256 on the controller, else by cmp.
    assert ('DBTLS-SAME 0' if missing else 'DBTLS-SHA256 0 ') in target.outputs[0]
    assert pki.common_name_of(pki.load_certificate(cert.read_bytes(), 'c')) == 'db1-renamed'
    st = os.stat(cert)
    assert stat.S_IMODE(st.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (st.st_uid, st.st_gid) == (4321, 4322)      # owner and group not given: kept
    assert sorted(os.listdir(host)) == ['peer.crt', 'peer.key']


def test_without_install_tls_keypair_writes_the_certificates(ca, host):
    target = Target()
    target.path = _path_without('install')
    result, target = run_action(batch_args(ca, host), target=target)
    assert result['changed'] is True and result['verified'] is True, result
    assert len(target.calls) == 2 and len(target.commands) == 1     # tried once, then the module
    assert all('certificate' in item for item in target.calls[1]['certificates'])
    assert not any(os.path.exists(d) for d in target.tmpdirs)
    for name in ('peer', 'client-app'):
        assert pki.load_certificate((host / f'{name}.crt').read_bytes(), name)


def test_a_failed_install_names_the_host_and_file_and_changes_nothing(ca, host):
    args = batch_args(ca, host)
    run_action(args)
    state = snapshot(host)
    args['certificates'][0]['common_name'] = 'db1-new'
    args['certificates'][1]['common_name'] = 'app-new'
    target = Target()
    # The second file cannot be written (an owner the host does not know).
    target.shell_tamper = lambda cmd: 'install -m'.join(
        part.replace(' -- ', ' -o no-such-user-dbtls -- ', 1) if number == 2 else part
        for number, part in enumerate(cmd.split('install -m')))
    result, target = run_action(args, target=target)
    assert result['failed'] is True, result
    expected = (f'db1:{host / "client-app.crt"}: installing the certificate failed (writing; '
                'no certificate was replaced): install: ')
    assert result['msg'].startswith(expected), result
    assert snapshot(host) == state                      # the first one was not renamed either
    assert not any(os.path.exists(d) for d in target.tmpdirs)


def test_check_mode_and_diff_send_nothing(ca, host):
    args = batch_args(ca, host)
    run_action(args)
    args['certificates'][0]['common_name'] = 'db1-new'
    state = snapshot(host)
    check, target = run_action(args, check_mode=True)
    assert check['changed'] is True and target.commands == [] and target.sent == []
    assert check['diff'][0]['after']['subject'] == 'CN=db1-new' and snapshot(host) == state
    applied, target = run_action(args)
    assert applied['diff'][0]['after']['subject'] == 'CN=db1-new'
    assert applied['diff'][0]['before']['subject'] == 'CN=db1'
    assert 'PRIVATE KEY' not in ''.join(target.commands) + repr(target.sent)


# --------------------------------------------------------------------------------------------
# The real thing: ansible-playbook with a local connection.

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    cert_args: &cert_args
      key_path: "{base}/host/peer.key"
      cert_path: "{base}/host/peer.crt"
      ca_cert_path: "{base}/ca/ca.crt"
      ca_key_path: "{base}/ca/ca.key"
      common_name: db1
      subject_alt_names: ["DNS:localhost", "IP:127.0.0.1"]
      key_mode: "0640"
  tasks:
    # check mode, apply, apply again (the in-process tests above cover check mode after apply; every
    # module run costs about a second here). assert runs on the controller: cheap.
    - {{name: Check, dbtls.transport.tls_cert: *cert_args, check_mode: true, diff: true, register: c1}}
    - {{name: Apply, dbtls.transport.tls_cert: *cert_args, register: c2}}
    - {{name: Apply again, dbtls.transport.tls_cert: *cert_args, register: c3}}
    - name: Changed only when something was due
      ansible.builtin.assert:
        that:
          - c1 is changed and c1.reasons == ['missing']
          - c2 is changed and c2.reasons == ['missing']
          - c3 is not changed and c3.reasons == []
          - c3.fingerprint_sha256 == c2.fingerprint_sha256
          - c2.sans == ['DNS:localhost', 'IP:127.0.0.1']
"""


@needs_ansible_playbook
def test_playbook_check_apply_check_apply(tmp_path):
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAYBOOK.format(base=tmp_path))
    (tmp_path / 'host').mkdir()
    (tmp_path / 'ca').mkdir()
    ca_key = pki.generate_private_key('ecdsa')
    (tmp_path / 'ca' / 'ca.key').write_bytes(pki.serialize_private_key(ca_key))
    (tmp_path / 'ca' / 'ca.crt').write_bytes(pki.certificate_pem(pki.build_ca(ca_key, 'Playbook CA')))
    proc = run_playbook(playbook, '--diff')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'PRIVATE KEY' not in proc.stdout
    assert 'ok=4 ' in proc.stdout and 'changed=2 ' in proc.stdout   # check and first apply
    assert '+    "subject": "CN=db1"' in proc.stdout                    # the diff shown in check mode
    assert stat.S_IMODE(os.stat(tmp_path / 'host' / 'peer.key').st_mode) == 0o640
    cert = pki.load_certificate((tmp_path / 'host' / 'peer.crt').read_bytes(), 'peer.crt')
    assert pki.issued_by(cert, pki.load_certificate((tmp_path / 'ca' / 'ca.crt').read_bytes(), 'ca.crt'))


def test_a_rerun_signs_nothing_and_loads_no_key_to_sign(ca, host):
    args = task_args(ca, host)
    issued, _t = run_action(args)
    answers = []
    target = Target()
    target.tamper = lambda result: answers.append(result) or result
    with mock.patch.object(keys, 'load_private_key', wraps=keys.load_private_key) as loaded:
        again, target = run_action(args, target=target)
    assert again['changed'] is False and again['verified'] is True and again['serial'] == issued['serial']
    # Neither the CA key (on the controller) nor the host key was loaded as a key that signs.
    assert loaded.call_count == 0
    # The host was asked to defer the CSR and answered with its public key; nothing of the CA went.
    assert target.calls[0]['defer_csr'] is True and not any('ca' in name for name in target.calls[0])
    assert answers[0]['csr'] is None
    assert answers[0]['public_key'] == pki.public_key_pem(ca_leaf_key(host)).decode()

    # A public key that is not the certificate's (say, the key was replaced in between): the
    # controller asks for a CSR, which decides; here the key on disk still fits the certificate.
    other = pki.generate_private_key('ecdsa')
    target = Target()
    target.tamper = lambda result: dict(result, public_key=pki.public_key_pem(other).decode()) \
        if result.get('public_key') else result
    kept, target = run_action(args, target=target)
    assert len(target.calls) == 2 and 'defer_csr' not in target.calls[1]
    assert kept['changed'] is False and kept['verified'] is True and kept['serial'] == issued['serial']


def test_a_renewal_is_decided_on_the_controller_and_the_host_asked_for_a_csr(ca, host):
    """The host returns its public key for a key that has a certificate (defer_csr); when this
    controller finds the certificate due (here: inside the renew window), a second run brings the
    CSR, without defer_csr, and the new certificate is verified against it."""
    args = task_args(ca, host, valid_days=30, renew_before_days=10)
    issued, _t = run_action(args)
    renewed, target = run_action(dict(args, valid_days=397, renew_before_days=31))
    assert renewed['changed'] is True and renewed['reasons'][0].startswith('inside renew window (29 days left')
    assert len(target.calls) == 2 and target.calls[0]['defer_csr'] is True and 'defer_csr' not in target.calls[1]
    assert renewed['verified'] is True and renewed['serial'] != issued['serial']
    assert renewed['days_left'] >= 396
    # In check mode the same finding, and no second run: nothing is signed.
    check, target = run_action(dict(args, valid_days=500, renew_before_days=450), check_mode=True)
    assert check['changed'] is True and check['reasons'][0].startswith('inside renew window')
    assert len(target.calls) == 1


def ca_leaf_key(host):
    return pki.load_private_key((host / 'peer.key').read_bytes(), 'peer.key')


def write_crl(path, ca_cert, ca_key, serials, reason='key_compromise'):
    entries = crl.resolve_revoked([crl.revoked_entry(serial, reason) for serial in serials])
    Path(path).write_bytes(crl.crl_pem(crl.build_crl(ca_cert, ca_key, entries, 1)))
    return str(path)


def test_a_certificate_the_crl_revokes_is_never_replaced(ca, host, tmp_path):
    args = task_args(ca, host, valid_days=30, renew_before_days=10)
    issued, _t = run_action(args)
    crl_path = write_crl(tmp_path / 'ca.crl', ca['cert'], ca['key'], [issued['serial']])
    state = snapshot(host)
    # Whether or not something is due (here: a renew window, a name change), and in check mode.
    for change, check_mode in ((dict(), False), (dict(valid_days=397, renew_before_days=31), False),
                               (dict(common_name='db1-new'), True)):
        refused, target = run_action(dict(args, crl_path=crl_path, **change), check_mode=check_mode)
        assert refused.get('failed') is True, refused
        assert refused['msg'].startswith(f'db1:{host}/peer.crt: the certificate there (serial '
                                         f'{issued["serial_hex"]}, CN \'db1\') is revoked in {crl_path} '
                                         '(key_compromise, ')
        assert 'delete' in refused['msg'] and not target.commands and not target.sent
        assert snapshot(host) == state and len(target.calls) == 1      # no second run for a CSR

    # Another serial revoked, or a CRL of another CA (say, before a rotation): issued as usual.
    other_serial = write_crl(tmp_path / 'other.crl', ca['cert'], ca['key'], [issued['serial'] + 1])
    other_key = pki.generate_private_key('ecdsa')
    other_ca = write_crl(tmp_path / 'other-ca.crl', pki.build_ca(other_key, 'Test CA'), other_key, [issued['serial']])
    for number, path in enumerate((other_serial, other_ca)):
        renewed, _t = run_action(dict(args, crl_path=path, subject_alt_names=SANS + [f'DNS:db1-{number}']))
        assert renewed.get('failed') is not True and renewed['changed'] is True, renewed
        assert renewed['serial'] != issued['serial']
        issued = renewed

    # The files deleted on the host: a new key and certificate, whatever the CRL says.
    crl_path = write_crl(tmp_path / 'ca.crl', ca['cert'], ca['key'], [issued['serial']])
    old_key = (host / 'peer.key').read_bytes()
    (host / 'peer.key').unlink()
    (host / 'peer.crt').unlink()
    fresh, _t = run_action(dict(args, crl_path=crl_path))
    assert fresh['changed'] is True and fresh['reasons'] == ['missing'] and fresh['verified'] is True
    assert (host / 'peer.key').read_bytes() != old_key


def test_an_unreadable_crl_fails_before_the_host_is_asked(ca, host, tmp_path):
    (tmp_path / 'bad.crl').write_text('not a CRL')
    for path, fragment in ((tmp_path / 'bad.crl', 'bad.crl: no PEM CRL found'),
                           (tmp_path / 'missing.crl', 'missing.crl: no such file on the controller')):
        result, target = run_action(task_args(ca, host, crl_path=str(path)))
        assert result.get('failed') is True and fragment in result['msg'], result
        assert target.calls == [] and os.listdir(host) == []


def test_allow_ca_change_false_keeps_a_certificate_of_another_ca(ca, host, tmp_path):
    args = task_args(ca, host)
    issued, _t = run_action(args)
    # The same CA renewed (same key): not a change of CA.
    Path(ca['cert_path']).write_bytes(pki.certificate_pem(pki.renew_ca(ca['cert'], ca['key'])))
    same, _t = run_action(dict(args, allow_ca_change=False))
    assert same.get('failed') is not True and same['changed'] is False, same

    # Another CA of the same name: refused, in check mode as well, and nothing is written.
    other_key = pki.generate_private_key('ecdsa')
    other = tmp_path / 'other'
    other.mkdir()
    (other / 'ca.crt').write_bytes(pki.certificate_pem(pki.build_ca(other_key, 'Test CA')))
    (other / 'ca.key').write_bytes(pki.serialize_private_key(other_key))
    moved = dict(args, ca_cert_path=str(other / 'ca.crt'), ca_key_path=str(other / 'ca.key'),
                 ca_key_passphrase=None)
    state = snapshot(host)
    for check_mode in (True, False):
        refused, target = run_action(dict(moved, allow_ca_change=False), check_mode=check_mode)
        assert refused.get('failed') is True, refused
        assert refused['msg'].startswith(f'db1:{host}/peer.crt: the certificate there is not from the CA '
                                         f'{other}/ca.crt (authority key identifier does not match the CA key)')
        assert 'dbtls.transport.rotate_ca' in refused['msg'] and 'pki_allow_ca_change: true' in refused['msg']
        assert not target.commands and snapshot(host) == state and len(target.calls) == 1

    # Allowed (the default): the certificate moves to the other CA.
    allowed, _t = run_action(moved)
    assert allowed['changed'] is True and allowed['reasons'] == [
        'issued by another CA (authority key identifier does not match the CA key)']
    assert allowed['serial'] != issued['serial']


def test_the_ca_key_is_checked_once_per_run_not_once_per_host(ca, tmp_path, monkeypatch):
    # Each host's task runs in its own worker process; the proof lives in the run's local temp dir.
    from ansible_collections.dbtls.transport.plugins.plugin_utils import controller_files
    run_dir = tmp_path / 'ansible-local-run'
    run_dir.mkdir(mode=0o700)
    monkeypatch.setattr(controller_files.C, 'DEFAULT_LOCAL_TMP', str(run_dir), raising=False)
    checked = mock.Mock(wraps=pki.serialization.load_der_private_key)
    monkeypatch.setattr(pki.serialization, 'load_der_private_key', checked)
    plain_key = tmp_path / 'controller' / 'plain.key'
    plain_key.write_bytes(pki.serialize_private_key(ca['key']))
    for name in ('db1', 'db2', 'db3'):
        directory = tmp_path / name
        directory.mkdir()
        issued, _t = run_action(task_args(ca, directory, common_name=name, ca_key_path=str(plain_key),
                                          ca_key_passphrase=None))
        assert issued['changed'] is True and issued['verified'] is True, issued
    assert checked.call_count == 1
    proofs = list(run_dir.iterdir())
    assert len(proofs) == 1 and proofs[0].read_bytes() == b''

    # A key encrypted at rest (here with a passphrase) leaves nothing on disk: checked every time.
    checked_pem = mock.Mock(wraps=keys.load_private_key)
    monkeypatch.setattr(keys, 'load_private_key', checked_pem)
    for name in ('db4', 'db5'):
        directory = tmp_path / name
        directory.mkdir()
        issued, _t = run_action(task_args(ca, directory, common_name=name))
        assert issued['changed'] is True and issued['verified'] is True, issued
    assert list(run_dir.iterdir()) == proofs and checked_pem.call_count == 2


# force, backup, return_content (the names and meaning of community.crypto's x509_certificate).
BACKUP_NAME = r'\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~$'


def test_force_reissues_a_current_certificate_for_the_same_key(ca, host):
    args = task_args(ca, host)
    issued, _t = run_action(args)
    key = (host / 'peer.key').read_bytes()
    state = snapshot(host)

    check, target = run_action(dict(args, force=True), check_mode=True)
    assert check['changed'] is True and check['reasons'] == ['forced (force=true)'], check
    assert target.commands == [] and target.sent == [] and snapshot(host) == state

    forced, target = run_action(dict(args, force=True))
    assert forced['changed'] is True and forced['reasons'] == ['forced (force=true)'], forced
    assert forced['serial'] != issued['serial'] and forced['verified'] is True
    # One module run, which brings the CSR at once (no deferral), and one install command.
    assert len(target.calls) == 1 and target.calls[0]['defer_csr'] is False and len(target.commands) == 1
    assert (host / 'peer.key').read_bytes() == key
    assert pki.load_certificate((host / 'peer.crt').read_bytes(), 'crt').serial_number == forced['serial']

    # Without force the next run changes nothing and defers the CSR as before.
    again, target = run_action(args)
    assert again['changed'] is False and target.calls[0]['defer_csr'] is True


def test_force_does_not_override_the_refusal_of_another_ca(ca, host, tmp_path):
    args = task_args(ca, host)
    run_action(args)
    other = tmp_path / 'other'
    other.mkdir()
    key = pki.generate_private_key('ecdsa')
    (other / 'ca.key').write_bytes(pki.serialize_private_key(key))
    (other / 'ca.crt').write_bytes(pki.certificate_pem(pki.build_ca(key, 'Other CA')))
    state = snapshot(host)
    result, _t = run_action(dict(args, ca_cert_path=str(other / 'ca.crt'), ca_key_path=str(other / 'ca.key'),
                                 ca_key_passphrase=None, allow_ca_change=False, force=True))
    assert result['failed'] is True and 'is not from the CA' in result['msg'], result
    assert snapshot(host) == state


def test_backup_keeps_the_replaced_certificate(ca, host):
    args = task_args(ca, host, backup=True, cert_mode='0640')
    first, _t = run_action(args)
    assert 'backup_file' not in first                      # nothing was replaced
    old = (host / 'peer.crt').read_bytes()

    state = snapshot(host)
    check, _t = run_action(dict(args, force=True), check_mode=True)
    assert 'backup_file' not in check and snapshot(host) == state

    changed, target = run_action(dict(args, subject_alt_names=SANS + ['DNS:db1']))
    assert changed['changed'] is True and len(target.commands) == 1, changed   # in the install command
    backup = Path(changed['backup_file'])
    assert backup.parent == host and re.search(r'^peer\.crt' + BACKUP_NAME, backup.name), backup
    assert backup.read_bytes() == old and stat.S_IMODE(os.stat(backup).st_mode) == 0o640
    assert (host / 'peer.crt').read_bytes() != old
    assert sorted(os.listdir(host)) == sorted(['peer.crt', 'peer.key', backup.name])

    # Without backup a replacement leaves no copy.
    os.unlink(backup)
    plain, _t = run_action(dict(args, backup=False, force=True))
    assert 'backup_file' not in plain and sorted(os.listdir(host)) == ['peer.crt', 'peer.key']


def test_backup_of_a_key_replaced_because_key_type_changed(ca, host):
    args = task_args(ca, host, backup=True)
    run_action(args)
    old_key, old_cert = (host / 'peer.key').read_bytes(), (host / 'peer.crt').read_bytes()
    result, _t = run_action(dict(args, key_type='ed25519'))
    assert result['changed'] is True and result['key_type'] == 'ed25519', result
    assert Path(result['key_backup_file']).read_bytes() == old_key
    assert stat.S_IMODE(os.stat(result['key_backup_file']).st_mode) == 0o600
    assert Path(result['backup_file']).read_bytes() == old_cert
    assert 'PRIVATE KEY' not in json.dumps(result)


def test_backup_in_a_batch_names_each_copy(ca, host):
    args = batch_args(ca, host, backup=True)
    run_action(args)
    olds = {name: (host / f'{name}.crt').read_bytes() for name in ('peer', 'client-app')}
    result, target = run_action(dict(args, force=True))
    assert len(target.calls) == 1 and len(target.commands) == 1
    for item, name in zip(result['results'], ('peer', 'client-app')):
        assert Path(item['backup_file']).read_bytes() == olds[name]
        assert re.search(BACKUP_NAME, item['backup_file'])


def test_a_failed_rename_leaves_no_backup_of_a_file_that_was_not_replaced(ca, host):
    args = batch_args(ca, host, backup=True)
    run_action(args)
    state = snapshot(host)
    target = Target()
    # The first rename fails (its destination is swapped for a name mv cannot write to).
    target.shell_tamper = lambda cmd: cmd.replace('mv -f -- ', 'mv -f -- /nonexistent-dbtls/x ', 1)
    result, target = run_action(dict(args, force=True), target=target)
    assert result['failed'] is True and 'renaming' in result['msg'], result
    assert snapshot(host) == state


def test_return_content_returns_the_certificate_never_the_key(ca, host):
    args = task_args(ca, host, chain_path=None)
    check, _t = run_action(dict(args, return_content=True), check_mode=True)
    assert check['certificate'] is None
    plain, _t = run_action(args)
    assert 'certificate' not in plain
    issued = (host / 'peer.crt').read_bytes().decode()
    again, _t = run_action(dict(args, return_content=True))
    assert again['changed'] is False and again['certificate'] == issued
    forced, _t = run_action(dict(args, return_content=True, force=True))
    assert forced['certificate'] == (host / 'peer.crt').read_bytes().decode() != issued
    for result in (check, again, forced):
        assert 'PRIVATE KEY' not in json.dumps(result)


def test_return_content_with_the_module_install(ca, host):
    # A host without install(1): tls_keypair writes the certificate and returns it.
    target = Target()
    target.path = _path_without('install')
    result, target = run_action(task_args(ca, host, return_content=True), target=target)
    assert len(target.calls) == 2 and result['certificate'] == (host / 'peer.crt').read_bytes().decode()


def test_a_missing_cert_folder_leaves_no_key_behind(ca, host):
    """Issue #16: a cert_path whose folder is missing failed after the new key was written."""
    args = task_args(ca, host, cert_path=str(host / 'missing' / 'peer.crt'))
    for check_mode in (True, False):
        result, target = run_action(args, check_mode=check_mode)
        assert result['failed'] is True, result
        assert result['msg'].startswith(f'{host / "missing" / "peer.crt"}: the folder {host / "missing"} '
                                        'does not exist (cert_path); nothing was written'), result['msg']
        assert os.listdir(host) == [] and target.commands == []

    # In a batch, the second item's missing folder stops the first item's key as well.
    batch = batch_args(ca, host)
    batch['certificates'][1]['cert_path'] = str(host / 'missing' / 'client-app.crt')
    result, _t = run_action(batch)
    assert result['failed'] is True and 'does not exist (cert_path)' in result['msg'], result
    assert os.listdir(host) == []


def test_a_failed_install_removes_the_key_this_task_generated(ca, host):
    # The certificate cannot be written on the host after the key was (an owner it does not know).
    target = Target()
    target.shell_tamper = lambda cmd: 'install -m'.join(
        part.replace(' -- ', ' -o no-such-user-dbtls -- ', 1) if number == 1 else part
        for number, part in enumerate(cmd.split('install -m')))
    result, target = run_action(task_args(ca, host), target=target)
    assert result['failed'] is True and 'installing the certificate failed' in result['msg'], result
    assert result['msg'].endswith(f'(removed the key(s) this task had generated: {host / "peer.key"})')
    assert os.listdir(host) == [] and target.commands[-1] == f'rm -f -- {host / "peer.key"}'
    # A key that was there before is never removed.
    run_action(task_args(ca, host))
    key = (host / 'peer.key').read_bytes()
    tamper, target = target.shell_tamper, Target()
    target.shell_tamper = tamper
    result, target = run_action(task_args(ca, host, force=True), target=target)
    assert result['failed'] is True and (host / 'peer.key').read_bytes() == key
    assert 'removed the key' not in result['msg'] and len(target.commands) == 1


def test_a_failed_second_rename_keeps_only_the_backup_of_the_replaced_file(ca, host):
    args = batch_args(ca, host, backup=True)
    run_action(args)
    old_client = (host / 'client-app.crt').read_bytes()
    target = Target()
    target.shell_tamper = lambda cmd: 'mv -f -- '.join(
        ('/nonexistent-dbtls/x ' + part) if number == 2 else part
        for number, part in enumerate(cmd.split('mv -f -- ')))
    result, target = run_action(dict(args, force=True), target=target)
    assert result['failed'] is True and 'the certificates before it in the list were replaced' in result['msg']
    backups = [name for name in os.listdir(host) if re.search(BACKUP_NAME, name)]
    assert len(backups) == 1 and backups[0].startswith('peer.crt.') and backups[0] in result['msg'], result
    assert (host / 'client-app.crt').read_bytes() == old_client


def test_folder_mode_creates_the_tls_folder_in_the_first_run(ca, tmp_path):
    """The folder, its missing parent and the files in one tls_keypair run and one install command."""
    folder = tmp_path / 'etc' / 'tls'
    args = batch_args(ca, folder, folder_mode='0750', folder_owner=str(os.getuid()), folder_group=str(os.getgid()))
    check, target = run_action(args, check_mode=True)
    assert check['changed'] is True and check['folders_created'] == [str(tmp_path / 'etc'), str(folder)], check
    assert check['diff'][0]['before'] == {str(folder): None}
    assert check['diff'][0]['after'] == {str(folder): {'mode': '0750', 'owner': os.getuid(), 'group': os.getgid()}}
    assert not (tmp_path / 'etc').exists() and len(target.calls) == 1

    applied, target = run_action(args)
    assert applied['changed'] is True and applied['folders_created'] == check['folders_created'], applied
    assert len(target.calls) == 1 and len(target.commands) == 1
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o750
    assert stat.S_IMODE(os.stat(tmp_path / 'etc').st_mode) == 0o755
    assert sorted(os.listdir(folder)) == ['client-app.crt', 'client-app.key', 'peer.crt', 'peer.key']

    # A rerun: one module run, nothing changed, no folder reported.
    again, target = run_action(args)
    assert again['changed'] is False and 'folders_created' not in again, again
    assert not [d for d in again.get('diff', []) if d['before_header'].endswith('folders')]
    assert len(target.calls) == 1 and target.commands == []

    # A folder opened by hand is closed again, and reported.
    os.chmod(folder, 0o755)
    fixed, target = run_action(args)
    assert fixed['changed'] is True and fixed['attributes_changed'] == {str(folder): ['mode']}, fixed
    assert fixed['diff'][0]['before'][str(folder)]['mode'] == '0755'
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o750 and len(target.calls) == 1


def test_a_failed_task_removes_the_folders_it_created(ca, tmp_path):
    folder = tmp_path / 'etc' / 'tls'
    target = Target()
    target.shell_tamper = lambda cmd: 'install -m'.join(
        part.replace(' -- ', ' -o no-such-user-dbtls -- ', 1) if number == 1 else part
        for number, part in enumerate(cmd.split('install -m')))
    result, target = run_action(task_args(ca, folder, folder_mode='0750'), target=target)
    assert result['failed'] is True and 'installing the certificate failed' in result['msg'], result
    assert 'removed the folder(s) it had created, where empty' in result['msg'], result['msg']
    assert not (tmp_path / 'etc').exists(), os.listdir(tmp_path)


def test_folder_owner_and_group_need_folder_mode(ca, host):
    target = Target()
    with pytest.raises(Exception, match="required by 'folder_group': folder_mode"):
        run_action(task_args(ca, host, folder_group='root'), target=target)
    assert target.calls == [] and os.listdir(host) == []


# The CA bundle (bundle): built here, written by the first tls_keypair run, no tls_bundle run.

def bundle_of(ca, folder, *extra, **kw):
    bundle = dict(dest=str(folder / 'ca-bundle.pem'), certificates=[Path(ca['cert_path']).read_text(), *extra],
                  owner=str(os.getuid()), group=str(os.getgid()), mode='0644')
    bundle.update(kw)
    return bundle


def tls_bundle_bytes(bundle, tmp_path):
    """What dbtls.transport.tls_bundle writes for the same certificates."""
    dest = tmp_path / 'tls_bundle-reference.pem'
    tls_bundle.ensure_bundle(dict(bundle, dest=str(dest)))
    return dest.read_bytes()


def test_bundle_is_written_by_the_first_run_with_the_bytes_tls_bundle_writes(ca, tmp_path):
    folder = tmp_path / 'etc' / 'tls'
    other = pki.build_ca(pki.generate_private_key('ecdsa'), 'Other CA')
    bundle = bundle_of(ca, folder, pki.certificate_pem(other).decode())
    args = batch_args(ca, folder, folder_mode='0750', bundle=bundle)
    check, target = run_action(args, check_mode=True)
    assert check['changed'] is True and check['bundle']['changed'] is True and check['bundle']['count'] == 2, check
    assert not (tmp_path / 'etc').exists() and len(target.calls) == 1

    modes = []
    real_write = files.write_files

    def recording_write(specs, *a, **kw):
        modes.extend((spec.path, spec.mode) for spec in specs)
        return real_write(specs, *a, **kw)
    with mock.patch.object(files, 'write_files', recording_write):
        applied, target = run_action(args)
    assert applied['changed'] is True and not applied.get('failed'), applied
    # One module run (keys, CSRs and the bundle), one install command: no tls_bundle run.
    assert len(target.calls) == 1 and len(target.commands) == 1
    assert target.calls[0]['bundle'] == {'dest': bundle['dest'], 'content': tls_bundle_bytes(bundle, tmp_path).decode(),
                                         'mode': '0644', 'owner': bundle['owner'], 'group': bundle['group']}
    assert 'certificates' not in target.calls[0]['bundle']
    assert Path(bundle['dest']).read_bytes() == tls_bundle_bytes(bundle, tmp_path)
    assert stat.S_IMODE(os.stat(bundle['dest']).st_mode) == 0o644 and (bundle['dest'], 0o644) in modes
    assert applied['bundle'] == {'dest': bundle['dest'], 'changed': True, 'count': 2,
                                 'certificates': check['bundle']['certificates']}
    assert [c['subject'] for c in applied['bundle']['certificates']] == ['CN=Test CA', 'CN=Other CA']
    assert applied['diff'][-1] == {'before_header': f'db1:{bundle["dest"]}', 'after_header': f'db1:{bundle["dest"]}',
                                   'before': '', 'after': ''.join(f'{c["subject"]}  {c["fingerprint_sha256"]}\n'
                                                                  for c in applied['bundle']['certificates'])}

    # A rerun: one module run, nothing changed, nothing written.
    state = snapshot(tmp_path / 'etc')
    for check_mode in (True, False):
        again, target = run_action(args, check_mode=check_mode)
        assert again['changed'] is False and again['bundle']['changed'] is False, again
        assert 'attributes_changed' not in again['bundle'] and len(target.calls) == 1 and target.commands == []
        assert not [d for d in again.get('diff', []) if d['before_header'].endswith('ca-bundle.pem')]
    assert snapshot(tmp_path / 'etc') == state

    # A mode opened by hand: reported in check mode, corrected without.
    os.chmod(bundle['dest'], 0o666)
    check, _t = run_action(args, check_mode=True)
    assert check['changed'] is True and check['bundle']['attributes_changed'] == ['mode'], check
    assert stat.S_IMODE(os.stat(bundle['dest']).st_mode) == 0o666
    fixed, _t = run_action(args)
    assert fixed['changed'] is True and fixed['bundle']['attributes_changed'] == ['mode'] and fixed['bundle']['changed']
    assert stat.S_IMODE(os.stat(bundle['dest']).st_mode) == 0o644
    assert Path(bundle['dest']).read_bytes() == tls_bundle_bytes(bundle, tmp_path)


def test_bundle_diff_shows_the_certificates_before_and_after(ca, host, tmp_path):
    args = task_args(ca, host, bundle=bundle_of(ca, host))
    first, _t = run_action(args)
    before = first['bundle']['certificates']
    other = pki.build_ca(pki.generate_private_key('ecdsa'), 'Next CA')
    args['bundle'] = bundle_of(ca, host, pki.certificate_pem(other).decode())
    for check_mode in (True, False):
        result, target = run_action(args, check_mode=check_mode)
        assert result['changed'] is True and result['reasons'] == [] and result['bundle']['changed'] is True, result
        assert len(target.calls) == 1
        # Single mode: the certificate's diff, then the bundle's.
        assert result['diff'][0]['before_header'] == f'db1:{host / "peer.crt"}'
        entry = result['diff'][1]
        assert entry['before_header'] == f'db1:{host / "ca-bundle.pem"}'
        assert entry['before'] == f'CN=Test CA  {before[0]["fingerprint_sha256"]}\n'
        assert entry['after'] == entry['before'] + f'CN=Next CA  {pki.fingerprint_sha256(other)}\n'
        if check_mode:
            assert Path(args['bundle']['dest']).read_bytes() == pki.certificate_pem(ca['cert'])
        else:
            assert Path(args['bundle']['dest']).read_bytes() == tls_bundle_bytes(args['bundle'], tmp_path)
    without, _t = run_action(args, diff=False)
    assert 'diff' not in without and without['bundle']['changed'] is False


def test_bundle_warns_naming_the_host_and_file_for_an_intermediate_without_its_root(ca, host):
    root_key = pki.generate_private_key('ecdsa')
    root = pki.build_ca(root_key, 'Root CA')
    inter = pki.build_ca(pki.generate_private_key('ecdsa'), 'Issuing CA', issuer_cert=root, issuer_key=root_key)
    result, _t = run_action(task_args(ca, host, bundle=bundle_of(ca, host, pki.certificate_pem(inter).decode())))
    assert any(w.startswith(f'db1:{host / "ca-bundle.pem"}: ') and 'Issuing CA' in w for w in result['warnings']), result


@pytest.mark.parametrize('change, fragment', [
    (dict(certificates=[]), 'bundle.certificates: no certificate given'),
    (dict(certificates=['/etc/ssl/certs/ca.pem']), 'bundle.certificates[1]: not a PEM certificate'),
    (dict(certificates=['-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n']), 'bundle.certificates[1]'),
    (dict(mode='rw-r--r--'), 'bundle.mode:'),
    (dict(group='no-such-group-dbtls'), "bundle.group: group 'no-such-group-dbtls' does not exist"),
])
def test_bad_bundle_input_names_the_option_and_writes_nothing(ca, tmp_path, change, fragment):
    folder = tmp_path / 'etc' / 'tls'
    result, target = run_action(batch_args(ca, folder, folder_mode='0750', bundle=bundle_of(ca, folder, **change)))
    assert result['failed'] is True and fragment in result['msg'] and 'removed' not in result['msg'], result
    assert not (tmp_path / 'etc').exists()
    # Controller-side problems never reach the host; the group is checked there, before anything is written.
    assert len(target.calls) == (1 if 'group' in change else 0)


def test_a_leaf_certificate_is_refused_in_the_bundle(ca, host):
    leaf = pki.sign_leaf(pki.build_csr(pki.generate_private_key('ecdsa'), pki.leaf_spec('x', ['DNS:x'], 'peer')),
                         pki.leaf_spec('x', ['DNS:x'], 'peer'), ca['cert'], ca['key'])
    result, target = run_action(task_args(ca, host, bundle=bundle_of(ca, host, pki.certificate_pem(leaf).decode())))
    assert result['failed'] is True and 'bundle.certificates[2]' in result['msg'] and 'not a CA certificate' in result['msg']
    assert target.calls == [] and os.listdir(host) == []


def test_a_failed_task_removes_the_bundle_it_created_and_keeps_one_it_replaced(ca, tmp_path):
    folder = tmp_path / 'etc' / 'tls'

    def failing_install():
        target = Target()
        target.shell_tamper = lambda cmd: 'install -m'.join(
            part.replace(' -- ', ' -o no-such-user-dbtls -- ', 1) if number == 1 else part
            for number, part in enumerate(cmd.split('install -m'))) if 'install -m' in cmd else cmd
        return target
    args = task_args(ca, folder, folder_mode='0750', bundle=bundle_of(ca, folder))
    result, target = run_action(args, target=failing_install())
    assert result['failed'] is True and 'installing the certificate failed' in result['msg'], result
    assert f'removed the CA bundle it had created: {folder / "ca-bundle.pem"}' in result['msg'], result['msg']
    assert not (tmp_path / 'etc').exists()

    # With the folder there and an older bundle in it: the failed task leaves the new bundle.
    folder.mkdir(parents=True)
    (folder / 'ca-bundle.pem').write_bytes(b'')
    os.chmod(folder / 'ca-bundle.pem', 0o644)
    result, target = run_action(args, target=failing_install())
    assert result['failed'] is True and 'CA bundle' not in result['msg'], result
    assert (folder / 'ca-bundle.pem').read_bytes() == tls_bundle_bytes(args['bundle'], tmp_path)


def test_bundle_for_a_host_without_certificates_of_its_own(ca, host):
    # No certificate items: the bundle still gets its one module run.
    args = dict(ca_cert_path=ca['cert_path'], ca_key_path=ca['key_path'], ca_key_passphrase='ca-pass-phrase',
                certificates=[], bundle=bundle_of(ca, host))
    result, target = run_action(args)
    assert result['changed'] is True and result['results'] == [] and result['bundle']['changed'] is True, result
    assert len(target.calls) == 1 and os.listdir(host) == ['ca-bundle.pem']
    again, target = run_action(args)
    assert again['changed'] is False and len(target.calls) == 1
    assert run_action(dict(args, bundle=None))[1].calls == []


def test_where_a_certificate_may_be_refused_the_bundle_is_written_only_after_the_checks(ca, host, tmp_path):
    """allow_ca_change false (or crl_path): the first run only compares the bundle; a refused host
    keeps the bundle it trusts now (its certificate stays), a host that passes gets it in the
    next run - the one for its CSRs when there is one, else one of its own."""
    args = task_args(ca, host, allow_ca_change=False, bundle=bundle_of(ca, host))
    cold, target = run_action(args)
    assert cold['changed'] is True and cold['bundle']['changed'] is True, cold
    assert [call['bundle'].get('report_only') for call in target.calls] == [True, False]
    assert target.calls[1]['certificates'] == [] and 'content' in target.calls[1]['bundle']
    assert Path(args['bundle']['dest']).read_bytes() == tls_bundle_bytes(args['bundle'], tmp_path)
    rerun, target = run_action(args)
    assert rerun['changed'] is False and len(target.calls) == 1 and rerun['bundle']['changed'] is False, rerun

    # A renewal (SANs changed) and a bundle change: both in the run for the CSR.
    other = pki.build_ca(pki.generate_private_key('ecdsa'), 'Next CA')
    args = task_args(ca, host, allow_ca_change=False, subject_alt_names=SANS + ['DNS:db1'],
                     bundle=bundle_of(ca, host, pki.certificate_pem(other).decode()))
    renewed, target = run_action(args)
    assert renewed['changed'] is True and renewed['bundle']['changed'] is True and renewed['reasons'], renewed
    assert len(target.calls) == 2 and 'csr' not in target.calls[1] and target.calls[1]['bundle']['report_only'] is False
    assert target.calls[1]['key_path'] == str(host / 'peer.key')
    assert Path(args['bundle']['dest']).read_bytes() == tls_bundle_bytes(args['bundle'], tmp_path)
    assert renewed['diff'][-1]['after'].endswith(f'CN=Next CA  {pki.fingerprint_sha256(other)}\n')
    check, target = run_action(dict(args, bundle=bundle_of(ca, host)), check_mode=True)
    assert check['bundle']['changed'] is True and len(target.calls) == 1

    # A new CA (another key): refused, and the bundle is not touched.
    state = snapshot(host)
    other_key = pki.generate_private_key('ecdsa')
    Path(ca['cert_path']).write_bytes(pki.certificate_pem(pki.build_ca(other_key, 'Test CA')))
    Path(ca['key_path']).write_bytes(pki.serialize_private_key(other_key, 'ca-pass-phrase'))
    args = task_args(ca, host, allow_ca_change=False, subject_alt_names=SANS + ['DNS:db1'], bundle=bundle_of(ca, host))
    refused, target = run_action(args)
    assert refused['failed'] is True and 'is not from the CA' in refused['msg'], refused
    assert len(target.calls) == 1 and target.commands == [] and snapshot(host) == state
    # The same without a bundle in place: none is made, none is reported removed.
    os.unlink(host / 'ca-bundle.pem')
    refused, target = run_action(args)
    assert refused['failed'] is True and 'bundle' not in refused['msg'] and target.commands == [], refused
    assert not (host / 'ca-bundle.pem').exists()


def test_create_group_goes_with_the_first_run_and_check_mode_names_the_group(ca, host):
    args = task_args(ca, host, group='dbtlsnosuchgroup', create_group=True)
    check, target = run_action(args, check_mode=True)
    assert not check.get('failed'), check
    assert check['changed'] is True and check['groups_created'] == ['dbtlsnosuchgroup']
    assert len(target.calls) == 1 and target.calls[0]['create_group'] is True
    assert os.listdir(host) == []
    # Without it, the missing group fails the task, named, before anything is written.
    failed, _target = run_action(dict(args, create_group=False), check_mode=True)
    assert failed['failed'] is True and "group 'dbtlsnosuchgroup' does not exist on this host" in failed['msg']
    assert 'create_group' not in _target.calls[0]


def test_a_group_the_first_run_created_is_removed_when_no_certificate_was_installed(ca, host):
    target = Target()
    # The host reports the group it created; the certificate cannot be installed (an unknown owner).
    target.tamper = lambda result: dict(result, groups_created=['dbtlsgroupx']) if len(target.calls) == 1 else result
    target.shell_tamper = lambda cmd: 'install -m'.join(
        part.replace(' -- ', ' -o no-such-user-dbtls -- ', 1) if number == 1 else part
        for number, part in enumerate(cmd.split('install -m')))
    result, target = run_action(task_args(ca, host), target=target)
    assert result['failed'] is True, result
    assert 'removed the group(s) it had created: dbtlsgroupx' in result['msg'], result['msg']
    assert any('groupdel -- dbtlsgroupx' in command for command in target.commands)
    assert os.listdir(host) == []
