# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the wsrep_provider_options module, run through main() as Ansible runs it."""

from __future__ import annotations

import contextlib
import json
import os

import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    from ansible.module_utils import basic as _basic

    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = _basic._ANSIBLE_ARGS
        _basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode()
        try:
            yield
        finally:
            _basic._ANSIBLE_ARGS = saved

from ansible_collections.dbtls.transport.plugins.modules import wsrep_provider_options as module


def run(args, capsys, check_mode=False, diff=True):
    with patch_module_args(dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)):
        with pytest.raises(SystemExit):
            module.main()
    return json.loads(capsys.readouterr().out)


CNF = '''\
[mysqld]
datadir = /var/lib/mysql

[galera]
wsrep_on = ON
wsrep_provider_options = "gcache.size=1G; socket.ssl_key=/old.key; pc.recovery=1"  # managed
'''


@pytest.fixture
def cnf(tmp_path):
    path = tmp_path / '60-galera.cnf'
    path.write_text(CNF)
    return path


def test_from_current_string(capsys):
    res = run({'current': 'gcache.size = 1G;pc.recovery=1',
               'set': {'socket.ssl_cert': '/n.crt', 'pc.recovery': True, 'socket.dynamic': False},
               'remove': ['gcache.size']}, capsys)
    assert not res.get('failed')
    assert res['changed'] is True
    assert res['value'] == 'pc.recovery=1; socket.ssl_cert=/n.crt; socket.dynamic=no'
    assert list(res['options']) == ['pc.recovery', 'socket.ssl_cert', 'socket.dynamic']
    assert res['keys_added'] == ['socket.ssl_cert', 'socket.dynamic']
    assert res['keys_changed'] == [] and res['keys_removed'] == ['gcache.size']
    assert res['current'] == 'gcache.size = 1G;pc.recovery=1'
    assert res['source'] == 'current'
    assert res['diff']['before'] == 'gcache.size=1G\npc.recovery=1\n'
    assert res['diff']['after'] == 'pc.recovery=1\nsocket.ssl_cert=/n.crt\nsocket.dynamic=no\n'
    assert res['diff']['keys_added'] == res['keys_added']


def test_unchanged(capsys):
    res = run({'current': 'a=1; socket.ssl=on', 'set': {'a': 1, 'socket.ssl': True}}, capsys)
    assert res['changed'] is False
    assert res['value'] == 'a=1; socket.ssl=on'


def test_check_mode_gives_the_same_result(capsys):
    args = {'current': 'a=1', 'set': {'b': '2'}}
    normal = run(args, capsys)
    checked = run(args, capsys, check_mode=True)
    for name in ('changed', 'value', 'options', 'diff'):
        assert checked[name] == normal[name]
    assert checked['changed'] is True


def test_empty_current_starts_from_nothing(capsys):
    res = run({'current': '', 'set': {'socket.ssl_ca': '/ca.pem'}}, capsys)
    assert res['value'] == 'socket.ssl_ca=/ca.pem' and res['changed'] is True


def test_current_as_mapping(capsys):
    res = run({'current': {'a': '1', 'b': True}, 'remove': ['b']}, capsys)
    assert res['value'] == 'a=1'
    assert res['current'] == 'a=1; b=yes'


def test_from_config_file_without_writing_it(cnf, capsys):
    before = (cnf.read_bytes(), os.stat(cnf).st_mtime_ns)
    res = run({'config_path': str(cnf), 'section': ['galera', 'mysqld'],
               'set': {'socket.ssl_key': '/new.key', 'socket.ssl_cert': '/new.crt'}}, capsys)
    assert (cnf.read_bytes(), os.stat(cnf).st_mtime_ns) == before
    assert res['value'] == 'gcache.size=1G; socket.ssl_key=/new.key; pc.recovery=1; socket.ssl_cert=/new.crt'
    assert res['keys_changed'] == ['socket.ssl_key']
    assert res['source'] == f'{cnf} [galera] line 6'
    assert res['current'] == 'gcache.size=1G; socket.ssl_key=/old.key; pc.recovery=1'
    assert res['notes'] == []


def test_config_file_section_without_the_option(cnf, capsys):
    res = run({'config_path': str(cnf), 'set': {'a': 'b'}}, capsys)  # default section: mysqld
    assert res['current'] is None
    assert res['value'] == 'a=b'
    assert 'no wsrep_provider_options in [mysqld]' in res['notes'][0]


def test_missing_file_reads_empty(tmp_path, capsys):
    path = tmp_path / 'nope.cnf'
    res = run({'config_path': str(path), 'set': {'a': 'b'}}, capsys)
    assert not res.get('failed')
    assert res['value'] == 'a=b' and res['current'] is None
    assert res['notes'] == [f'{path} does not exist: read as an empty value']
    assert not path.exists()


def test_missing_file_fails_when_asked(tmp_path, capsys):
    path = tmp_path / 'nope.cnf'
    res = run({'config_path': str(path), 'allow_missing': False}, capsys)
    assert res['failed'] is True
    assert res['msg'].startswith(f'config_path {path}: cannot read it')


def test_unreadable_path_fails_even_with_allow_missing(tmp_path, capsys):
    res = run({'config_path': str(tmp_path)}, capsys)  # a directory
    assert res['failed'] is True and 'cannot read it' in res['msg']


def test_includes_are_noted(tmp_path, capsys):
    path = tmp_path / 'my.cnf'
    path.write_text('!includedir /etc/mysql/conf.d/\n[mysqld]\nwsrep_provider_options=a=1\n')
    res = run({'config_path': str(path)}, capsys)
    assert res['notes'] == [f'{path}: "!includedir /etc/mysql/conf.d/" is not followed']
    assert res['changed'] is False


def test_not_utf8(tmp_path, capsys):
    path = tmp_path / 'my.cnf'
    path.write_bytes(b'[mysqld]\nwsrep_provider_options=a=\xff\n')
    res = run({'config_path': str(path)}, capsys)
    assert res['failed'] is True and 'not UTF-8' in res['msg'] and str(path) in res['msg']


def test_bad_cnf_names_file_and_line(tmp_path, capsys):
    path = tmp_path / 'my.cnf'
    path.write_text('[mysqld]\n[galera\n')
    res = run({'config_path': str(path)}, capsys)
    assert res['failed'] is True and res['msg'] == f'{path} line 2: group header without "]"'


@pytest.mark.parametrize('args, key, text', [
    ({'current': 'a=1', 'set': {'socket.ssl_key': '/k;x'}}, 'socket.ssl_key', "contains ';'"),
    ({'current': 'a=1', 'set': {'socket.if_addr': '10.0.0.1'}}, 'socket.if_addr', 'not a Galera 4 socket option'),
    ({'current': 'a=1', 'set': {'socket.ssl': 'maybe'}}, 'socket.ssl', 'not a Galera boolean'),
    ({'current': 'a', 'set': {}}, 'a', 'key without value'),
    ({'current': 'a=1=2'}, 'a', 'more than one value'),
    ({'current': 'a=1', 'set': {'a': '2'}, 'remove': ['a']}, 'a', 'both in set and in remove'),
    ({'current': 'a=1', 'set': {'b': None}}, 'b', 'is null'),
])
def test_errors_name_the_key(args, key, text, capsys):
    res = run(args, capsys)
    assert res['failed'] is True
    assert text in res['msg'] and repr(key) in res['msg']
    assert res['key'] == key


def test_current_of_wrong_type(capsys):
    res = run({'current': ['a=1']}, capsys)
    assert res['failed'] is True and 'current must be a string or a mapping' in res['msg']


@pytest.mark.parametrize('args, text', [
    ({'current': 'a=1', 'config_path': '/x'}, 'mutually exclusive'),
    ({'set': {'a': '1'}}, 'one of the following is required'),
])
def test_argument_rules(args, text, capsys):
    res = run(args, capsys)
    assert res['failed'] is True and text in res['msg']


def test_rerun_on_the_result_is_unchanged(cnf, capsys):
    first = run({'config_path': str(cnf), 'section': 'galera', 'set': {'socket.ssl_ca': '/ca'}}, capsys)
    cnf.write_text(f'[galera]\nwsrep_provider_options="{first["value"]}"\n')
    second = run({'config_path': str(cnf), 'section': 'galera', 'set': {'socket.ssl_ca': '/ca'}}, capsys)
    assert first['changed'] is True and second['changed'] is False
    assert second['value'] == first['value']


@pytest.mark.parametrize('current', [
    'x' * 1_000_000,                                   # one megabyte without '=': a key without value
    'gcache.size=1G; ' + 'k' * 1_000_000 + '=v=w',     # a megabyte-long key with two values
    'gcache.size=' + 'v' * 1_000_000 + '#',            # a megabyte-long value with a comment sign
])
def test_a_huge_current_value_is_refused_with_a_short_excerpt(current, capsys):
    result = run({'current': current, 'set': {'gcache.size': '2G'}}, capsys)
    assert result['failed']
    assert "'gcache.size'" in result['msg'] or 'characters)' in result['msg'], result['msg'][:300]
    # The message and the returned key; Ansible's own invocation echo (module_args) is not ours.
    assert len(result['msg']) < 400, result['msg'][:300]
    assert len(result.get('key') or '') <= 103
