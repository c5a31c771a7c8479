# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""host_info's account option: the real account databases compared with what service_account would
make of the account, in the read's module run, without running any command."""

from __future__ import annotations

import grp
import pwd

from ansible_collections.dbtls.transport.plugins.modules import host_info

from tls_testlib import run_main


def _root():
    root = pwd.getpwnam('root')
    return {'name': 'root', 'group': grp.getgrgid(root.pw_gid).gr_name, 'home': root.pw_dir, 'shell': root.pw_shell}


def test_an_account_as_asked_has_no_changes(capsys):
    result = run_main(host_info, {'account': _root()}, capsys)
    assert result['changed'] is False
    assert result['account'] == {'changes': [], 'uid': 0, 'gid': pwd.getpwnam('root').pw_gid}


def test_a_missing_user_and_a_different_shell_are_named(capsys):
    missing = run_main(host_info, {'account': dict(_root(), name='dbtlsnosuchuser')}, capsys)
    assert missing['account']['changes'] == [
        f"user dbtlsnosuchuser created (system user, primary group {_root()['group']}, home {_root()['home']} not created, "
        f"shell {_root()['shell']})"]
    assert missing['account']['uid'] is None
    other = run_main(host_info, {'account': dict(_root(), shell='/usr/sbin/dbtls-no-shell')}, capsys)
    assert other['account']['changes'] == [f"user root: shell {_root()['shell']} -> /usr/sbin/dbtls-no-shell"]


def test_without_the_option_no_account_is_returned(capsys):
    assert 'account' not in run_main(host_info, {}, capsys)


def test_a_bad_account_name_fails_the_read_naming_it(capsys):
    result = run_main(host_info, {'account': dict(_root(), name='Root')}, capsys)
    assert result.get('failed') is True and "name 'Root': not a valid account name" in result['msg']
