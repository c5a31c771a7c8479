# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The galera_recovery_info module, run through main() with stand-in systemctl, server and client."""

from __future__ import annotations

import os
import stat

from ansible_collections.dbtls.transport.plugins.modules import galera_recovery_info as module

from tls_testlib import run_main

UUID = '5f1c0c1e-3b9e-11f0-8a4a-2b9e0a6a7f10'


def _script(path, body):
    path.write_text('#!/bin/sh\n' + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _bed(tmp_path, monkeypatch, state, seqno, recover_line=True):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    _script(bin_dir / 'systemctl', f'echo {state}\n')
    monkeypatch.setenv('PATH', f'{bin_dir}:{os.environ["PATH"]}')
    datadir = tmp_path / 'data'
    datadir.mkdir()
    (datadir / 'grastate.dat').write_text(f'# GALERA saved state\nversion: 2.1\nuuid: {UUID}\nseqno: {seqno}\n'
                                          'safe_to_bootstrap: 0\n')
    log = f'[Note] WSREP: Recovered position: {UUID}:4242' if recover_line else '[ERROR] InnoDB: Unable to lock'
    server = _script(tmp_path / 'mariadbd', f'echo "$@" > {tmp_path}/server-args\necho \'{log}\' >&2\n')
    client = _script(tmp_path / 'mariadb', "printf 'wsrep_cluster_status\\tnon-Primary\\nwsrep_last_committed\\t77\\n"
                                           f"wsrep_cluster_state_uuid\\t{UUID}\\nwsrep_cluster_size\\t1\\n'\n")
    return dict(datadir=str(datadir), server_binary=server, client_binary=client)


def test_crashed_node_is_read_with_wsrep_recover(tmp_path, monkeypatch, capsys):
    args = _bed(tmp_path, monkeypatch, 'failed', -1)
    result = run_main(module, args, capsys, check_mode=True)
    node = result['node']
    assert result['changed'] is False
    assert node['readable'] is True and node['service'] == 'failed'
    assert node['grastate'] == {'uuid': UUID, 'seqno': -1, 'safe_to_bootstrap': False}
    assert node['recovered'] == {'uuid': UUID, 'seqno': 4242}
    assert (tmp_path / 'server-args').read_text().split() == ['--user=mysql', '--wsrep-recover', '--disable-log-error']


def test_clean_shutdown_needs_no_wsrep_recover(tmp_path, monkeypatch, capsys):
    node = run_main(module, _bed(tmp_path, monkeypatch, 'inactive', 31), capsys)['node']
    assert node['readable'] and node['grastate']['seqno'] == 31 and node['recovered'] is None
    assert not (tmp_path / 'server-args').exists()


def test_no_position_is_reported_not_failed(tmp_path, monkeypatch, capsys):
    result = run_main(module, _bed(tmp_path, monkeypatch, 'failed', -1, recover_line=False), capsys)
    assert not result.get('failed')
    node = result['node']
    assert node['readable'] is False and node['recovered'] is None
    assert 'Unable to lock' in node['recover_error'] and 'cannot' not in node['error']
    assert node['error'].startswith('grastate.dat says seqno -1')


def test_running_server_is_read_live(tmp_path, monkeypatch, capsys):
    node = run_main(module, _bed(tmp_path, monkeypatch, 'active', -1), capsys)['node']
    assert node['readable'] and node['recovered'] is None
    assert node['wsrep'] == {'cluster_status': 'non-Primary', 'last_committed': 77, 'state_uuid': UUID, 'cluster_size': 1}
    assert not (tmp_path / 'server-args').exists()


def test_missing_grastate_is_unreadable(tmp_path, monkeypatch, capsys):
    args = _bed(tmp_path, monkeypatch, 'inactive', 3)
    os.unlink(os.path.join(args['datadir'], 'grastate.dat'))
    node = run_main(module, args, capsys)['node']
    assert node['readable'] is False and 'grastate.dat: No such file or directory' in node['error']
