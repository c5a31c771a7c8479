# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tls_cert action with an enterprise PKI: an intermediate CA and its chain, an ansible-vault
encrypted (and passphrase-protected) CA key decrypted in memory only, and bring-your-own files
verified on the controller and installed byte for byte.

The target module runs in-process (``_execute_module`` calls tls_keypair's code on real files); the
vault is Ansible's real VaultLib. The last test runs everything through ansible-playbook with a
vault password file."""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.dbtls.transport.plugins.action.tls_cert import ActionModule
from ansible_collections.dbtls.transport.plugins.module_utils import pki

from local_playbook import needs_ansible_playbook, run_playbook
from tls_cert_target import Target

OPENSSL = shutil.which('openssl')
VAULT_PASSWORD = b'molecule-vault-password'


def vault(password=VAULT_PASSWORD) -> VaultLib:
    return VaultLib(secrets=[('default', VaultSecret(password))])


def snapshot(root) -> dict:
    return {str(p): (p.read_bytes() if p.is_file() else None, stat.S_IMODE(os.lstat(p).st_mode))
            for p in sorted(Path(root).rglob('*'))}


def run_action(args, check_mode=False, loader=None, target=None):
    target = target or Target()
    task = mock.MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.diff = True
    task.async_val = 0
    task.action = 'dbtls.transport.tls_cert'
    connection = mock.MagicMock()
    action = ActionModule(task, connection, mock.MagicMock(), loader=loader, templar=None, shared_loader_obj=None)
    target.attach(action, check_mode)
    return action.run(task_vars={'inventory_hostname': 'db1'}), target


@pytest.fixture
def pkix(tmp_path):
    """An enterprise root (offline: its key is not used by the tasks), an issuing intermediate whose
    key is passphrase-protected AND vaulted, and the files a controller holds."""
    ctl = tmp_path / 'controller'
    ctl.mkdir()
    root_key = pki.generate_private_key('ecdsa')
    root = pki.build_ca(root_key, 'Enterprise Root')
    inter_key = pki.generate_private_key('ecdsa')
    inter = pki.build_ca(inter_key, 'dbtls issuing CA', issuer_cert=root, issuer_key=root_key, path_length=0)
    (ctl / 'root.crt').write_bytes(pki.certificate_pem(root))
    (ctl / 'issuing.crt').write_bytes(pki.certificate_pem(inter))
    (ctl / 'issuing.key').write_bytes(vault().encrypt(pki.serialize_private_key(inter_key, 'pem-pass')))
    host = tmp_path / 'host'
    host.mkdir()
    return dict(root=root, root_key=root_key, inter=inter, inter_key=inter_key, ctl=ctl, host=host)


def signing_args(p, **kw):
    args = dict(key_path=str(p['host'] / 'peer.key'), cert_path=str(p['host'] / 'peer.crt'),
                ca_cert_path=str(p['ctl'] / 'issuing.crt'), ca_key_path=str(p['ctl'] / 'issuing.key'),
                ca_key_passphrase='pem-pass', chain_path=str(p['ctl'] / 'issuing.crt'), common_name='db1',
                subject_alt_names=['DNS:db1'], usage='peer')
    args.update(kw)
    return args


def loader_with(vault_lib):
    loader = mock.MagicMock()
    loader._vault = vault_lib
    return loader


def test_vaulted_intermediate_key_signs_in_memory_and_the_chain_is_installed(pkix, tmp_path, monkeypatch):
    loader = loader_with(vault())
    written = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file, mode='r', *a, **kw):
        if any(c in mode for c in 'wax+'):
            written.append(str(file))
        return real_open(file, mode, *a, **kw)

    def spy_os_open(path, flags, *a, **kw):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            written.append(str(path))
        return real_os_open(path, flags, *a, **kw)

    monkeypatch.setattr(builtins, 'open', spy_open)
    monkeypatch.setattr(os, 'open', spy_os_open)
    result, target = run_action(signing_args(pkix), loader=loader)
    monkeypatch.undo()
    assert not result.get('failed'), result
    assert result['changed'] and result['reasons'] == ['missing'] and result['issuer'] == 'CN=dbtls issuing CA'
    # Decrypted in memory: the loader's temp-file path was never used, and the only files written
    # are the host's own (the in-process target), none on the controller side.
    loader.get_real_file.assert_not_called()
    assert written and all(path.startswith(str(pkix['host'])) for path in written), written
    # Nothing about the CA travelled to the host.
    sent = json.dumps(target.calls)
    assert 'PRIVATE KEY' not in sent and 'pem-pass' not in sent and 'ANSIBLE_VAULT' not in sent
    certs = pki.load_certificates((pkix['host'] / 'peer.crt').read_bytes(), 'peer.crt')
    assert [c.subject.rfc4514_string() for c in certs] == ['CN=db1', 'CN=dbtls issuing CA']
    _f, _c, findings = pki.verify(certs, [pkix['root']], required_sans=['DNS:db1'], required_usage='peer')
    assert findings == []
    if OPENSSL:
        peer = str(pkix['host'] / 'peer.crt')
        out = subprocess.run([OPENSSL, 'verify', '-CAfile', str(pkix['ctl'] / 'root.crt'), '-untrusted', peer, peer],
                             capture_output=True, text=True, check=False)
        assert out.returncode == 0, out.stdout + out.stderr
    again, target = run_action(signing_args(pkix), loader=loader)
    assert again['changed'] is False and len(target.calls) == 1


def test_vault_errors_name_the_file_and_touch_nothing(pkix):
    key_path = str(pkix['ctl'] / 'issuing.key')
    for loader, message in ((None, 'the file is ansible-vault encrypted, but the play has no vault secret'),
                            (loader_with(VaultLib(secrets=[])), 'but the play has no vault secret'),
                            (loader_with(vault(b'another password')), 'cannot be decrypted with the vault secrets given')):
        result, target = run_action(signing_args(pkix), loader=loader)
        assert result.get('failed') and result['msg'].startswith(f'{key_path}: ') and message in result['msg'], result
        assert target.calls == [] and os.listdir(pkix['host']) == []
    # Vault opened, but the PEM passphrase is wrong.
    result, target = run_action(signing_args(pkix, ca_key_passphrase='nope-nope'), loader=loader_with(vault()))
    assert result.get('failed') and result['msg'] == f'{key_path}: wrong passphrase for the encrypted key'
    assert target.calls == []


def test_an_intermediate_without_or_with_a_wrong_chain_is_refused(pkix):
    loader = loader_with(vault())
    result, target = run_action(signing_args(pkix, chain_path=None), loader=loader)
    assert result.get('failed') and 'is an intermediate CA' in result['msg'] and 'give chain_path' in result['msg']
    assert target.calls == []
    (pkix['ctl'] / 'with-root.pem').write_bytes(pki.certificate_pem(pkix['inter']) + pki.certificate_pem(pkix['root']))
    result, target = run_action(signing_args(pkix, chain_path=str(pkix['ctl'] / 'with-root.pem')), loader=loader)
    assert result.get('failed') and 'with-root.pem: certificate #2' in result['msg'] and 'leave the root out' in result['msg']
    assert target.calls == [] and os.listdir(pkix['host']) == []


# --------------------------------------------------------------------------------------------
# Bring your own


def external_files(pkix, cn='db1', sans=('DNS:db1', 'DNS:localhost'), usage='peer', with_chain=True,
                   valid_days=397, name='db1', vaulted_key=True):
    """What the enterprise PKI delivers: a certificate file (leaf + intermediate, with a text header
    as some CAs write it) and a key, the key vaulted beside the inventory."""
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec(cn, list(sans), usage, valid_days)
    leaf = pki.sign_leaf(pki.build_csr(key, spec), spec, pkix['inter'], pkix['inter_key'])
    cert_text = b'# issued by the enterprise PKI\n' + pki.certificate_pem(leaf)
    if with_chain:
        cert_text += pki.certificate_pem(pkix['inter'])
    key_text = pki.serialize_private_key(key)
    cert_path, key_path = pkix['ctl'] / f'{name}.crt', pkix['ctl'] / f'{name}.key'
    cert_path.write_bytes(cert_text)
    key_path.write_bytes(vault().encrypt(key_text) if vaulted_key else key_text)
    return str(cert_path), str(key_path), cert_text, key_text


def byo_args(pkix, cert_src, key_src, **kw):
    args = dict(key_path=str(pkix['host'] / 'peer.key'), cert_path=str(pkix['host'] / 'peer.crt'),
                ca_cert_path=str(pkix['ctl'] / 'root.crt'), certificate_src=cert_src, private_key_src=key_src,
                subject_alt_names=['DNS:db1', 'DNS:localhost'], usage='peer', key_mode='0640')
    args.update(kw)
    return args


def test_byo_check_deploy_unchanged_then_nothing_to_do(pkix):
    cert_src, key_src, cert_text, key_text = external_files(pkix)
    loader = loader_with(vault())
    args = byo_args(pkix, cert_src, key_src)
    check, _t = run_action(args, check_mode=True, loader=loader)
    assert check['changed'] and not check.get('failed') and os.listdir(pkix['host']) == [], check

    applied, target = run_action(args, loader=loader)
    assert applied['changed'] and applied['key_generated'] is False, applied
    assert applied['reasons'] == [f'key differs from {key_src}', f'certificate differs from {cert_src}']
    assert len(target.calls) == 1 and 'csr' not in json.dumps(applied)     # nothing generated or signed
    # Byte for byte, so the checksums match what the other CA delivered.
    assert hashlib.sha256((pkix['host'] / 'peer.crt').read_bytes()).digest() == hashlib.sha256(cert_text).digest()
    assert (pkix['host'] / 'peer.key').read_bytes() == key_text
    assert stat.S_IMODE(os.stat(pkix['host'] / 'peer.key').st_mode) == 0o640
    assert 'PRIVATE KEY' not in json.dumps(applied)

    state = snapshot(pkix['host'])
    for check_mode in (True, False):
        again, _t = run_action(args, check_mode=check_mode, loader=loader)
        assert again['changed'] is False and again['reasons'] == [], again
    assert snapshot(pkix['host']) == state


@pytest.mark.parametrize('problem, kw, expected', [
    ('leaf only', dict(with_chain=False), 'does not chain to a CA in {root}'),
    ('missing SAN', dict(sans=('DNS:db1',)), 'missing subject alternative names DNS:localhost'),
    ('client only', dict(usage='client', sans=()), 'extended key usage is client, peer is required'),
    ('CN of the CA', dict(cn='dbtls issuing CA'), "equals the issuer's CN"),
    ('about to expire', dict(valid_days=10), 'days left, fewer than the 30 required'),
])
def test_byo_refuses_a_bad_certificate_naming_the_file_and_deploys_nothing(pkix, problem, kw, expected, monkeypatch):
    with monkeypatch.context() as patch:
        # Another PKI may issue what this collection never would (a leaf named like its CA).
        patch.setattr(pki, 'check_leaf_common_name', lambda *a, **k: None)
        cert_src, key_src, _c, _k = external_files(pkix, **kw)
    before = snapshot(pkix['host'])
    result, target = run_action(byo_args(pkix, cert_src, key_src, renew_before_days=30), loader=loader_with(vault()))
    assert result.get('failed'), problem
    assert 'nothing was deployed' in result['msg'] and cert_src in result['msg'], result['msg']
    assert expected.format(root=str(pkix['ctl'] / 'root.crt')) in result['msg'], result['msg']
    assert target.calls == [] and snapshot(pkix['host']) == before


def test_byo_key_that_does_not_match_and_a_wrong_trust_anchor(pkix, tmp_path):
    cert_src, _key_src, _c, _k = external_files(pkix)
    _c2, other_key_src, _c3, _k3 = external_files(pkix, name='other')
    result, target = run_action(byo_args(pkix, cert_src, other_key_src), loader=loader_with(vault()))
    assert result.get('failed') and f'{other_key_src}: the key does not match the certificate {cert_src}' in result['msg']
    assert target.calls == []
    stranger = tmp_path / 'stranger.crt'
    stranger.write_bytes(pki.certificate_pem(pki.build_ca(pki.generate_private_key('ecdsa'), 'Stranger Root')))
    cert_src, key_src, _c, _k = external_files(pkix, name='db1b')
    result, target = run_action(byo_args(pkix, cert_src, key_src, ca_cert_path=str(stranger)),
                                loader=loader_with(vault()))
    assert result.get('failed') and f'does not chain to a CA in {stranger}' in result['msg']
    # Mixing the modes is an argument error (Ansible turns AnsibleActionFail into a failed task).
    with pytest.raises(AnsibleActionFail, match='mutually exclusive: certificate_src|ca_key_path'):
        run_action(byo_args(pkix, cert_src, key_src, ca_key_path='/x'), loader=loader_with(vault()))


# --------------------------------------------------------------------------------------------
# The real thing: ansible-playbook with a vault password file


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Sign with the vaulted, passphrase-protected intermediate
      dbtls.transport.tls_cert:
        key_path: {base}/host/peer.key
        cert_path: {base}/host/peer.crt
        ca_cert_path: {base}/controller/issuing.crt
        ca_key_path: {base}/controller/issuing.key
        ca_key_passphrase: pem-pass
        chain_path: {base}/controller/issuing.crt
        common_name: db1
        subject_alt_names: [DNS:db1]
      register: signed
    - name: Deploy the externally issued pair (key vaulted)
      dbtls.transport.tls_cert:
        key_path: {base}/host/byo.key
        cert_path: {base}/host/byo.crt
        ca_cert_path: {base}/controller/root.crt
        certificate_src: {base}/controller/db1.crt
        private_key_src: {base}/controller/db1.key
        subject_alt_names: [DNS:db1, DNS:localhost]
      register: byo
    - ansible.builtin.assert:
        that:
          - signed is changed and signed.issuer == 'CN=dbtls issuing CA'
          - byo is changed and byo.subject == 'CN=db1'
"""


@needs_ansible_playbook
def test_playbook_with_a_vault_password_file(pkix, tmp_path):
    _cert_src, _key_src, cert_text, _key_text = external_files(pkix)
    (tmp_path / 'play.yml').write_text(PLAYBOOK.format(base=tmp_path))
    (tmp_path / 'vault-pass').write_bytes(VAULT_PASSWORD + b'\n')
    without = run_playbook(tmp_path / 'play.yml')
    assert without.returncode != 0 and 'ansible-vault encrypted, but the play has no vault secret' in without.stdout
    assert not (pkix['host'] / 'peer.crt').exists()
    proc = run_playbook(tmp_path / 'play.yml', '--vault-password-file', str(tmp_path / 'vault-pass'))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'PRIVATE KEY' not in proc.stdout
    assert (pkix['host'] / 'byo.crt').read_bytes() == cert_text
    certs = pki.load_certificates((pkix['host'] / 'peer.crt').read_bytes(), 'peer.crt')
    assert len(certs) == 2 and pki.issued_by(certs[1], pkix['root'])


def test_byo_installs_the_ca_bundle_in_the_same_module_run(pkix):
    cert_src, key_src, _cert_text, _key_text = external_files(pkix)
    loader = loader_with(vault())
    bundle = dict(dest=str(pkix['host'] / 'ca-bundle.pem'), certificates=[(pkix['ctl'] / 'root.crt').read_text()])
    args = byo_args(pkix, cert_src, key_src, bundle=bundle)
    applied, target = run_action(args, loader=loader)
    assert applied['changed'] and applied['bundle']['changed'] is True and applied['bundle']['count'] == 1, applied
    assert len(target.calls) == 1 and target.calls[0]['bundle']['content'] == pki.certificate_pem(pkix['root']).decode()
    assert (pkix['host'] / 'ca-bundle.pem').read_bytes() == pki.certificate_pem(pkix['root'])
    assert stat.S_IMODE(os.stat(pkix['host'] / 'ca-bundle.pem').st_mode) == 0o644
    again, target = run_action(args, loader=loader)
    assert again['changed'] is False and again['bundle']['changed'] is False and len(target.calls) == 1, again
