# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The atomic write helper: final mode from the very first byte, all-or-nothing writes."""

from __future__ import annotations

import grp
import os
import re
import stat

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import files


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def other_group():
    """A group other than root's, for ownership tests (we run as root in the test bed)."""
    for name in ('daemon', 'bin', 'sys', 'nogroup'):
        try:
            return grp.getgrnam(name).gr_gid
        except KeyError:
            continue
    pytest.skip('no second group on this host')


def test_parse_mode():
    assert files.parse_mode('0640') == 0o640
    assert files.parse_mode('640') == 0o640
    assert files.parse_mode('0o600') == 0o600
    assert files.parse_mode(416) == 0o640        # YAML 0640 without quotes
    assert files.parse_mode(None) is None
    for bad in ('u=rw', 'rw-r-----', '99', True, '077777'):
        with pytest.raises(files.FilesError, match='key_mode'):
            files.parse_mode(bad, 'key_mode')


def test_temp_file_is_0600_from_creation_and_has_final_attributes_before_rename(tmp_path, monkeypatch):
    seen = {}
    real_fchmod, real_replace = os.fchmod, os.replace

    def spy_fchmod(fd, mode):
        seen['mode_at_creation'] = stat.S_IMODE(os.fstat(fd).st_mode)
        seen['size_before_chmod'] = os.fstat(fd).st_size
        real_fchmod(fd, mode)

    def spy_replace(src, dst):
        seen['tmp_name'] = src
        seen['tmp_dir'] = os.path.dirname(src)
        seen['mode_before_rename'] = mode_of(src)
        seen['gid_before_rename'] = os.stat(src).st_gid
        real_replace(src, dst)

    monkeypatch.setattr(files.os, 'fchmod', spy_fchmod)
    monkeypatch.setattr(files.os, 'replace', spy_replace)
    # Even with a permissive umask the temp file starts at 0600.
    old_umask = os.umask(0)
    try:
        gid = other_group()
        target = tmp_path / 'peer.key'
        files.atomic_write(str(target), b'secret bytes', mode=0o640, group=gid)
    finally:
        os.umask(old_umask)
    assert seen['mode_at_creation'] == 0o600
    assert seen['size_before_chmod'] == len(b'secret bytes')
    assert seen['mode_before_rename'] == 0o640
    assert seen['gid_before_rename'] == gid
    assert seen['tmp_dir'] == str(tmp_path)          # same directory: rename is atomic
    assert target.read_bytes() == b'secret bytes'
    assert mode_of(target) == 0o640
    assert os.stat(target).st_gid == gid
    assert sorted(os.listdir(tmp_path)) == ['peer.key']   # no temp file left behind


def test_default_mode_is_0600_and_replace_keeps_owner_and_mode(tmp_path):
    target = tmp_path / 'a.key'
    files.atomic_write(str(target), b'one')
    assert mode_of(target) == 0o600
    gid = other_group()
    os.chown(target, -1, gid)
    os.chmod(target, 0o640)
    files.atomic_write(str(target), b'two')          # no owner/group/mode given: keep them
    assert target.read_bytes() == b'two'
    assert mode_of(target) == 0o640
    assert os.stat(target).st_gid == gid


def test_write_files_is_all_or_nothing(tmp_path):
    first = tmp_path / 'ok' / 'ca.key'
    first.parent.mkdir()
    first.write_bytes(b'old key')
    blocker = tmp_path / 'plain-file'
    blocker.write_bytes(b'I am a file')
    before = {p: p.read_bytes() for p in tmp_path.rglob('*') if p.is_file()}
    with pytest.raises(files.FilesError, match=str(blocker)):
        files.write_files([
            files.FileSpec(str(first), b'new key', 0o600),
            files.FileSpec(str(blocker / 'sub' / 'ca.crt'), b'cert', 0o644),
        ], parent_mode=0o700)
    after = {p: p.read_bytes() for p in tmp_path.rglob('*') if p.is_file()}
    assert after == before                             # nothing written, no temp file left


def test_missing_directory_is_an_error_unless_parents_are_created(tmp_path):
    with pytest.raises(files.FilesError, match='the directory .* does not exist'):
        files.atomic_write(str(tmp_path / 'missing' / 'x'), b'x')
    files.atomic_write(str(tmp_path / 'a' / 'b' / 'x'), b'x', parent_mode=0o700)
    assert mode_of(tmp_path / 'a') == 0o700
    assert mode_of(tmp_path / 'a' / 'b') == 0o700


def test_refuses_to_replace_a_directory(tmp_path):
    (tmp_path / 'd').mkdir()
    with pytest.raises(files.FilesError, match='not a regular file'):
        files.atomic_write(str(tmp_path / 'd'), b'x')


def test_unknown_owner_or_group_fails_before_writing(tmp_path):
    with pytest.raises(files.FilesError, match="group 'no-such-group-x' does not exist"):
        files.atomic_write(str(tmp_path / 'k'), b'x', group='no-such-group-x')
    with pytest.raises(files.FilesError, match="user 'no-such-user-x' does not exist"):
        files.atomic_write(str(tmp_path / 'k'), b'x', owner='no-such-user-x')
    assert os.listdir(tmp_path) == []


def test_ensure_attributes_narrows_mode_before_changing_group(tmp_path, monkeypatch):
    path = tmp_path / 'k'
    path.write_bytes(b'x')
    os.chmod(path, 0o644)
    gid = other_group()
    calls = []
    real_chmod, real_chown = os.chmod, os.chown
    monkeypatch.setattr(files.os, 'chmod', lambda p, m: (calls.append(('chmod', m)), real_chmod(p, m)))
    monkeypatch.setattr(files.os, 'chown', lambda p, u, g: (calls.append(('chown', g)), real_chown(p, u, g)))

    assert files.ensure_attributes(str(path), 0o640, group=gid, check_mode=True) == {
        'mode': ('0644', '0640'), 'group': (os.stat(path).st_gid, gid)}
    assert calls == [] and mode_of(path) == 0o644      # check mode: nothing done

    changes = files.ensure_attributes(str(path), 0o640, group=gid)
    assert set(changes) == {'mode', 'group'}
    # world-read is dropped before the group changes
    assert calls == [('chmod', 0o640), ('chown', gid), ('chmod', 0o640)]
    assert mode_of(path) == 0o640 and os.stat(path).st_gid == gid
    calls.clear()
    assert files.ensure_attributes(str(path), 0o640, group=gid) == {}
    assert calls == []


def test_read_file(tmp_path):
    assert files.read_file(str(tmp_path / 'nope')) is None
    with pytest.raises(files.FilesError, match='is a directory'):
        files.read_file(str(tmp_path))
    (tmp_path / 'f').write_bytes(b'abc')
    assert files.read_file(str(tmp_path / 'f')) == b'abc'


def test_backup_copies_the_replaced_file_with_its_attributes(tmp_path):
    path = tmp_path / 'peer.key'
    assert files.atomic_write(str(path), b'new', 0o640, backup=True) is None      # nothing to back up
    group = other_group()
    if group is not None:
        os.chown(path, -1, group)
    backup = files.atomic_write(str(path), b'newer', 0o600, backup=True)
    assert backup is not None and os.path.dirname(backup) == str(tmp_path)
    assert re.fullmatch(r'peer\.key\.\d+\.\d{4}-\d\d-\d\d@\d\d:\d\d:\d\d~', os.path.basename(backup))
    assert open(backup, 'rb').read() == b'new' and path.read_bytes() == b'newer'
    assert mode_of(backup) == 0o640
    if group is not None:
        assert os.stat(backup).st_gid == group
    assert files.atomic_write(str(path), b'last', 0o600) is None and len(os.listdir(tmp_path)) == 2


def test_backup_is_all_or_nothing_with_the_files(tmp_path):
    good = tmp_path / 'a.crt'
    good.write_bytes(b'old')
    with pytest.raises(files.FilesError):
        files.write_files([files.FileSpec(str(good), b'new'),
                           files.FileSpec(str(tmp_path / 'missing' / 'b.crt'), b'new')], backup=True)
    assert os.listdir(tmp_path) == ['a.crt'] and good.read_bytes() == b'old'


def test_check_directories_names_the_option_and_the_folder(tmp_path):
    files.check_directories([('key_path', str(tmp_path / 'k')), ('cert_path', str(tmp_path / 'c'))])
    with pytest.raises(files.FilesError, match=r'/nope/missing: the folder .*/nope does not exist \(cert_path\)'):
        files.check_directories([('cert_path', str(tmp_path / 'nope' / 'missing'))])
    (tmp_path / 'file').write_bytes(b'')
    with pytest.raises(files.FilesError, match=r'is not a directory \(key_path\)'):
        files.check_directories([('key_path', str(tmp_path / 'file' / 'k'))], writable=False)
