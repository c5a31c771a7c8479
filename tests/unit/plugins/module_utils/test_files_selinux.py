# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SELinux labels of the files written by files.py, on a host without SELinux: a fake libselinux
binding stands in for the Python ``selinux`` module (and for ansible-core's binding under
AnsibleModule). It keeps labels per inode, as the kernel keeps them in the file's xattr, so a
label set on the temporary file travels with the rename and a new inode starts with its folder's
label, as a new file does under SELinux."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import types

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner

ETC = 'system_u:object_r:etc_t:s0'
MYSQLD_ETC = 'system_u:object_r:mysqld_etc_t:s0'
CERT = 'system_u:object_r:cert_t:s0'


class FakeSelinux(types.ModuleType):
    """The functions files.Labels and AnsibleModule call, with libselinux's return shapes."""

    def __init__(self, enabled: bool = True, rules=(), fail_set: bool = False):
        super().__init__('selinux')
        self.enabled = enabled
        self.rules = [(re.compile(pattern), context) for pattern, context in rules]
        self.fail_set = fail_set
        self.by_inode: dict = {}
        self.set_calls: list = []

    def _key(self, path):
        st = os.lstat(path)
        return st.st_dev, st.st_ino

    def is_selinux_enabled(self):
        return 1 if self.enabled else 0

    def is_selinux_mls_enabled(self):
        return 1 if self.enabled else 0

    def lgetfilecon_raw(self, path):
        path = os.fsdecode(path)
        label = self.by_inode.get(self._key(path))
        if label is None:   # an inode nobody labelled has its folder's label
            parent = os.path.dirname(os.path.abspath(path))
            label = self.lgetfilecon_raw(parent)[1] if parent != path else ETC
        return [len(label) + 1, label]

    def matchpathcon(self, path, mode):
        path = os.fsdecode(path)
        for pattern, context in self.rules:
            if pattern.fullmatch(path):
                return [len(context) + 1, context]
        raise OSError(2, 'No such file or directory')   # no rule: what libselinux raises

    def lsetfilecon(self, path, context):
        path = os.fsdecode(path)
        if self.fail_set:
            raise OSError(22, 'Invalid argument')
        self.set_calls.append((path, context))
        self.by_inode[self._key(path)] = context
        return 0

    def label(self, path, context):
        self.by_inode[self._key(str(path))] = context


@pytest.fixture
def fake(monkeypatch):
    """Install a fake ``selinux`` module where files.host_labels() finds it."""
    def install(**kwargs):
        binding = FakeSelinux(**kwargs)
        monkeypatch.setitem(sys.modules, 'selinux', binding)
        monkeypatch.setattr(files, '_host_labels', files._UNSET)
        return binding
    return install


def label_of(binding, path):
    return binding.lgetfilecon_raw(str(path))[1]


def test_a_replaced_file_keeps_its_label_from_before_the_rename(tmp_path, fake, monkeypatch):
    se = fake(rules=[(re.escape(str(tmp_path)) + r'(/.*)?', MYSQLD_ETC)])
    target = tmp_path / 'peer.key'
    target.write_bytes(b'old')
    se.label(target, CERT)          # relabelled by the admin (chcon): kept, not reset to the rule's
    old_inode = os.stat(target).st_ino
    seen = {}
    real_replace = os.replace

    def spy_replace(src, dst):
        seen['label_before_rename'] = label_of(se, src)
        real_replace(src, dst)
    monkeypatch.setattr(files.os, 'replace', spy_replace)

    files.atomic_write(str(target), b'new', 0o640)

    assert target.read_bytes() == b'new'
    assert os.stat(target).st_ino != old_inode      # a new file, so the label had to be copied
    assert label_of(se, target) == CERT
    assert seen['label_before_rename'] == CERT


def test_a_new_file_gets_the_policy_default_of_its_path_not_its_folders_label(tmp_path, fake):
    tls = tmp_path / 'tls'
    tls.mkdir()
    se = fake(rules=[(re.escape(str(tls)) + r'(/.*)?', MYSQLD_ETC)])
    assert label_of(se, tls) == ETC                 # the folder is not relabelled yet
    target = tls / 'ca-bundle.pem'
    files.atomic_write(str(target), b'pem', 0o644)
    assert label_of(se, target) == MYSQLD_ETC
    assert se.set_calls and all(os.path.dirname(p) == str(tls) for p, _c in se.set_calls)


def test_no_rule_for_the_path_leaves_the_kernels_label(tmp_path, fake):
    se = fake(rules=[])
    target = tmp_path / 'x.pem'
    files.atomic_write(str(target), b'pem')
    assert se.set_calls == []
    assert label_of(se, target) == ETC


def test_backups_keep_the_label_of_the_file_they_copy(tmp_path, fake):
    se = fake(rules=[(re.escape(str(tmp_path)) + r'(/.*)?', MYSQLD_ETC)])
    target = tmp_path / 'peer.crt'
    target.write_bytes(b'v1')
    se.label(target, CERT)
    backup = files.atomic_write(str(target), b'v2', backup=True)
    assert backup and open(backup, 'rb').read() == b'v1'
    assert label_of(se, backup) == CERT
    assert label_of(se, target) == CERT


def test_created_folders_get_their_default_label(tmp_path, fake):
    base = tmp_path / 'pki'
    se = fake(rules=[(re.escape(str(base)) + r'(/.*)?', MYSQLD_ETC)])
    target = base / 'ca' / 'ca.key'
    files.atomic_write(str(target), b'k', parent_mode=0o700)
    assert label_of(se, base) == MYSQLD_ETC
    assert label_of(se, base / 'ca') == MYSQLD_ETC
    assert label_of(se, target) == MYSQLD_ETC


def test_selinux_disabled_or_no_bindings_sets_nothing_and_writes(tmp_path, fake, monkeypatch):
    se = fake(enabled=False, rules=[('.*', MYSQLD_ETC)])
    files.atomic_write(str(tmp_path / 'a.pem'), b'a')
    assert se.set_calls == []
    assert files.current_labels() is None

    monkeypatch.setitem(sys.modules, 'selinux', None)      # import selinux raises ImportError
    monkeypatch.setattr(files, '_host_labels', files._UNSET)
    files.atomic_write(str(tmp_path / 'b.pem'), b'b')
    assert (tmp_path / 'b.pem').read_bytes() == b'b'
    assert files.current_labels() is None


def test_a_label_that_cannot_be_set_fails_and_changes_nothing(tmp_path, fake):
    fake(rules=[('.*', MYSQLD_ETC)], fail_set=True)
    target = tmp_path / 'peer.crt'
    target.write_bytes(b'old')
    # The second file is new, so the first one's temp file was staged (and labelled) first.
    with pytest.raises(files.FilesError) as failure:
        files.write_files([files.FileSpec(str(tmp_path / 'b.pem'), b'b'), files.FileSpec(str(target), b'new')])
    assert str(failure.value) == f'{tmp_path}/b.pem: cannot set the SELinux label {MYSQLD_ETC}: Invalid argument'

    assert target.read_bytes() == b'old'
    assert sorted(os.listdir(tmp_path)) == ['peer.crt']     # no temp file left, nothing else written


def test_labelling_overrides_the_host_labeller_for_its_block(tmp_path, fake):
    se = fake(rules=[('.*', MYSQLD_ETC)])
    with files.labelling(None):
        files.atomic_write(str(tmp_path / 'a.pem'), b'a')
    assert se.set_calls == []
    files.atomic_write(str(tmp_path / 'b.pem'), b'b')
    assert label_of(se, tmp_path / 'b.pem') == MYSQLD_ETC


# --- Through a real AnsibleModule: module_runner labels with the module's own SELinux methods ---

def test_a_module_run_keeps_the_label_through_ansiblemodule(tmp_path, fake, monkeypatch, capsys):
    from ansible.module_utils import basic
    from ansible_collections.dbtls.transport.plugins.modules import tls_bundle
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:
        pytest.skip('ansible-core without ansible.module_utils.testing')
    from ansible_collections.dbtls.transport.plugins.module_utils import pki

    # files.py's own fallback must not be what labels here: only AnsibleModule's binding is fake.
    monkeypatch.setitem(sys.modules, 'selinux', None)
    monkeypatch.setattr(files, '_host_labels', files._UNSET)
    se = FakeSelinux(rules=[(re.escape(str(tmp_path)) + r'(/.*)?', MYSQLD_ETC)])
    monkeypatch.setattr(basic, 'HAVE_SELINUX', True)
    monkeypatch.setattr(basic, 'selinux', se, raising=False)

    key = pki.generate_private_key('ecdsa')
    ca_pem = pki.certificate_pem(pki.build_ca(key, 'Label CA', valid_days=30)).decode()
    dest = tmp_path / 'ca-bundle.pem'
    dest.write_bytes(b'old bundle\n')
    se.label(dest, CERT)

    with patch_module_args(dict(dest=str(dest), certificates=[ca_pem])):
        with pytest.raises(SystemExit):
            tls_bundle.main()
    result = json.loads(capsys.readouterr().out)
    assert result['changed'] is True, result
    assert dest.read_bytes() == ca_pem.encode()
    assert label_of(se, dest) == CERT

    new = tmp_path / 'new.pem'
    with patch_module_args(dict(dest=str(new), certificates=[ca_pem])):
        with pytest.raises(SystemExit):
            tls_bundle.main()
    assert json.loads(capsys.readouterr().out)['changed'] is True
    assert label_of(se, new) == MYSQLD_ETC
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o644


def test_module_labels_adapter_returns_none_where_ansible_knows_no_label():
    class Module:
        def selinux_enabled(self):
            return True

        def selinux_context(self, path):
            return [None, None, None, None]

        def selinux_default_context(self, path, mode=0):
            return [None, None, None, None]

    labels = module_runner.labels_for(Module())
    assert labels.of('/x') is None and labels.default('/x', stat.S_IFREG) is None
