# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tls_ca action: on the local connection without become it runs ensure_ca in its own process;
otherwise it runs the module. The last test runs both paths through ansible-playbook."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from unittest import mock

import pytest

from ansible_collections.dbtls.transport.plugins.action.tls_ca import ActionModule
from ansible_collections.dbtls.transport.plugins.module_utils import pki

from local_playbook import needs_ansible_playbook, run_playbook


def run_action(args, transport='local', become=False, async_val=0, check_mode=False, diff=True):
    task = mock.MagicMock()
    task.args = args
    task.check_mode = check_mode
    task.diff = diff
    task.async_val = async_val
    task.action = 'dbtls.transport.tls_ca'
    connection = mock.MagicMock()
    connection.transport = transport
    connection.become = mock.MagicMock() if become else None
    connection._shell.tmpdir = None
    play_context = mock.MagicMock()
    play_context.become = become
    action = ActionModule(task, connection, play_context, loader=None, templar=None, shared_loader_obj=None)
    action._execute_module = mock.MagicMock(return_value={'changed': False, 'from': 'module'})
    action._remove_tmp_path = mock.MagicMock()
    return action.run(task_vars={'inventory_hostname': 'localhost'}), action


def ca_args(tmp_path, **kw):
    return dict(key_path=str(tmp_path / 'ca' / 'ca.key'), cert_path=str(tmp_path / 'ca' / 'ca.crt'),
                common_name='Action CA', folder_mode='0700', **kw)


def test_on_the_local_connection_the_ca_is_made_in_process(tmp_path):
    args = ca_args(tmp_path)
    check, action = run_action(args, check_mode=True)
    assert check['changed'] is True and check['reasons'] == ['missing'] and not (tmp_path / 'ca').exists()
    assert check['diff']['after']['subject'] == 'CN=Action CA'
    action._execute_module.assert_not_called()

    made, action = run_action(args, diff=False)
    action._execute_module.assert_not_called()
    assert made['changed'] is True and made['key_generated'] is True and 'diff' not in made
    assert made['folders_created'] == [str(tmp_path / 'ca')]
    assert stat.S_IMODE(os.stat(tmp_path / 'ca').st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / 'ca' / 'ca.key').st_mode) == 0o600
    cert = pki.load_certificate((tmp_path / 'ca' / 'ca.crt').read_bytes(), 'ca.crt')
    assert made['fingerprint_sha256'] == pki.fingerprint_sha256(cert) and pki.is_ca(cert)
    assert 'PRIVATE KEY' not in json.dumps(made)

    again, _action = run_action(args)
    assert again['changed'] is False and again['reasons'] == [] and again['serial'] == made['serial']


def test_errors_and_warnings_in_process(tmp_path):
    args = ca_args(tmp_path)
    run_action(args)
    # Another key type asked for an existing CA: kept, with a warning.
    kept, _action = run_action(dict(args, key_type='rsa'))
    assert kept['changed'] is False and 'the key is kept' in kept['warnings'][0]
    # A new name for an existing CA: refused, nothing written.
    before = (tmp_path / 'ca' / 'ca.crt').read_bytes()
    refused, _action = run_action(dict(args, common_name='Other CA'))
    assert refused['failed'] is True and refused['changed'] is False and 'Other CA' in refused['msg']
    assert (tmp_path / 'ca' / 'ca.crt').read_bytes() == before
    # The module's argument checks apply as they would to the module.
    with pytest.raises(Exception, match='issuer_cert_path'):
        run_action(dict(args, issuer_cert_path=str(tmp_path / 'root.crt')))


@pytest.mark.parametrize('where', [dict(transport='ssh'), dict(become=True), dict(async_val=30)])
def test_elsewhere_the_module_runs(tmp_path, where):
    args = ca_args(tmp_path)
    result, action = run_action(args, **where)
    assert result['from'] == 'module'
    call = action._execute_module.call_args.kwargs
    assert call['module_name'] == 'dbtls.transport.tls_ca' and call['module_args'] == args
    assert call['wrap_async'] is bool(where.get('async_val'))
    assert not (tmp_path / 'ca').exists()


# --------------------------------------------------------------------------------------------
# The real thing: ansible-playbook on localhost, in process and as a module (async runs the module).

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    ca_args: &ca_args
      key_path: "{base}/ca/ca.key"
      cert_path: "{base}/ca/ca.crt"
      common_name: Playbook CA
      folder_mode: "0700"
  tasks:
    - {{name: Check, dbtls.transport.tls_ca: *ca_args, check_mode: true, register: c1}}
    - {{name: Make, dbtls.transport.tls_ca: *ca_args, register: c2}}
    - {{name: Again in process, dbtls.transport.tls_ca: *ca_args, register: c3}}
    - {{name: Again as a module, dbtls.transport.tls_ca: *ca_args, async: 60, poll: 1, register: c4}}
    - name: The same answers
      ansible.builtin.assert:
        that:
          - c1 is changed and c1.reasons == ['missing']
          - c2 is changed and c2.key_generated
          - c3 is not changed and c4 is not changed
          - c3.fingerprint_sha256 == c2.fingerprint_sha256 and c4.fingerprint_sha256 == c2.fingerprint_sha256
          - c4.ansible_job_id is defined and c3.ansible_job_id is not defined
"""


@needs_ansible_playbook
def test_playbook_in_process_and_as_a_module(tmp_path):
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAYBOOK.format(base=tmp_path))
    # The interpreter of module runs, through a script that logs each one: the tasks that run in
    # the action's process leave no line.
    runs = tmp_path / 'module-runs.log'
    interpreter = tmp_path / 'python'
    interpreter.write_text(f'#!/bin/sh\necho "$@" >> {runs}\nexec {sys.executable} "$@"\n')
    interpreter.chmod(0o755)
    proc = run_playbook(playbook, interpreter=str(interpreter), pipelining=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'ok=5 ' in proc.stdout and 'changed=2 ' in proc.stdout and 'WARNING' not in proc.stdout + proc.stderr
    assert stat.S_IMODE(os.stat(tmp_path / 'ca' / 'ca.key').st_mode) == 0o600
    # tls_ca ran as a module for one task only (the async one): one remote temp dir held it.
    tmpdirs = {re.search(r'ansible-tmp-[^/\s]+', line).group(0)
               for line in runs.read_text().splitlines() if 'AnsiballZ_tls_ca' in line}
    assert len(tmpdirs) == 1, runs.read_text()
