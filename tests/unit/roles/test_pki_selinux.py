# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The pki role's SELinux tasks (roles/pki/tasks/selinux.yml) run by Ansible itself on localhost,
with stand-ins for semanage and restorecon on PATH (no SELinux here). The stand-ins keep the
local file context rules in a file and print what the real tools print (``semanage fcontext -l
-C``'s table, restorecon -v's "Relabeled" line once per rule change), and log every call, so the
tests see which commands the role ran, in which case, and whether it reported a change.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import files

PLAYBOOK_BIN = pathlib.Path(sys.executable).parent / 'ansible-playbook'
if not PLAYBOOK_BIN.exists():
    PLAYBOOK_BIN = shutil.which('ansible-playbook')
ROLE = pathlib.Path(files.__file__).parents[2] / 'roles' / 'pki'
pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not ROLE.is_dir(), reason='ansible-playbook or the role is not available')

SEMANAGE = r'''#!/bin/sh
# semanage fcontext --list --locallist | --add/--modify --type TYPE SPEC
state="$FAKE_SELINUX/rules"; touch "$state"
echo "semanage $*" >> "$FAKE_SELINUX/calls"
case "$2" in
  --list)
    echo "SELinux fcontext                                   type               Context"; echo
    while read -r spec type; do
      printf '%-50s %-18s system_u:object_r:%s:s0\n' "$spec" "all files" "$type"
    done < "$state" ;;
  --add|--modify)
    grep -v "^$5 " "$state" > "$state.new"; echo "$5 $4" >> "$state.new"; mv "$state.new" "$state"
    echo changed > "$FAKE_SELINUX/pending" ;;
esac
'''
RESTORECON = r'''#!/bin/sh
echo "restorecon $*" >> "$FAKE_SELINUX/calls"
last=; for a in "$@"; do last=$a; done
if [ -f "$FAKE_SELINUX/pending" ]; then
  type=$(tail -n 1 "$FAKE_SELINUX/rules" | cut -d' ' -f2)
  echo "Relabeled $last from unconfined_u:object_r:etc_t:s0 to unconfined_u:object_r:$type:s0"
  case " $* " in *" -n "*) ;; *) rm -f "$FAKE_SELINUX/pending" ;; esac
fi
'''

REDHAT = {'os_family': 'RedHat', 'selinux': {'status': 'enabled', 'mode': 'enforcing', 'type': 'targeted'}}
# name -> (facts, pki_dir, rules already on the host, runs)
CASES = {
    'new_rule': (REDHAT, '/etc/dbtls/tls', '', 2),
    'other_type': (REDHAT, '/etc/dbtls/tls', '/etc/dbtls/tls(/.*)? cert_t\n', 1),
    'dotted_dir': (REDHAT, '/srv/db.tls/', '', 1),
    'debian': ({'os_family': 'Debian', 'selinux': {'status': 'disabled'}}, '/etc/dbtls/tls', '', 1),
    'permissive_off': ({'os_family': 'RedHat', 'selinux': {'status': 'disabled'}}, '/etc/dbtls/tls', '', 1),
}


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('pki_selinux')
    bin_dir = tmp / 'bin'
    bin_dir.mkdir()
    for name, text in (('semanage', SEMANAGE), ('restorecon', RESTORECON)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    plays = []
    for name, (facts, pki_dir, rules, runs) in CASES.items():
        state = tmp / name
        state.mkdir()
        (state / 'rules').write_text(rules)
        for number in range(runs):
            plays.append({
                'name': f'{name} run {number}', 'hosts': 'localhost', 'gather_facts': False,
                'environment': {'PATH': f'{bin_dir}:{os.environ["PATH"]}', 'FAKE_SELINUX': str(state)},
                'tasks': [
                    {'ansible.builtin.include_role': {'name': 'dbtls.transport.pki', 'tasks_from': 'selinux'},
                     'vars': {'ansible_facts': facts, 'pki_dir': pki_dir, 'pki_install_dependencies': False}},
                    {'ansible.builtin.set_fact': {'changes': "{{ changes | default({}) | combine({'%s-%d': "
                                                  "[__pki_selinux_restorecon.changed | default(false)]}) }}" % (name, number)}},
                ],
            })
    plays.append({'name': 'Write', 'hosts': 'localhost', 'gather_facts': False,
                  'tasks': [{'ansible.builtin.copy': {'content': '{{ changes | to_json }}', 'dest': str(tmp / 'changes.json'),
                                                      'mode': '0644'}}]})
    playbook = tmp / 'playbook.json'
    playbook.write_text(json.dumps(plays))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(pathlib.Path(files.__file__).parents[5]), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_CALLBACK_RESULT_FORMAT='json')
    proc = subprocess.run([str(PLAYBOOK_BIN), '-c', 'local', '-i', 'localhost,', str(playbook)],
                          capture_output=True, text=True, env=env, cwd=str(tmp), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr

    def calls(name):
        path = tmp / name / 'calls'
        return path.read_text().splitlines() if path.exists() else []
    return calls, json.loads((tmp / 'changes.json').read_text()), proc.stdout


def test_a_new_rule_is_added_and_applied_then_a_rerun_changes_nothing(run):
    calls, changes, out = run
    assert calls('new_rule') == [
        'semanage fcontext --list --locallist',
        'semanage fcontext --add --type mysqld_etc_t /etc/dbtls/tls(/.*)?',
        'restorecon -R -v /etc/dbtls/tls',
        # the rerun: the rule is there, nothing to relabel
        'semanage fcontext --list --locallist',
        'restorecon -R -v /etc/dbtls/tls',
    ]
    assert changes['new_rule-0'] == [True] and changes['new_rule-1'] == [False]
    assert 'Add the SELinux file context rule of the TLS folder - /etc/dbtls/tls(/.*)? -> mysqld_etc_t' in out


def test_a_rule_of_another_type_is_modified(run):
    calls, changes, _out = run
    assert 'semanage fcontext --modify --type mysqld_etc_t /etc/dbtls/tls(/.*)?' in calls('other_type')
    assert changes['other_type-0'] == [True]


def test_the_folder_is_a_regular_expression_with_its_dots_escaped(run):
    calls, _changes, _out = run
    assert r'semanage fcontext --add --type mysqld_etc_t /srv/db\.tls(/.*)?' in calls('dotted_dir')


@pytest.mark.parametrize('case', ['debian', 'permissive_off'])
def test_nothing_runs_without_selinux_or_off_the_redhat_family(run, case):
    calls, changes, _out = run
    assert calls(case) == [] and changes[f'{case}-0'] == [False]
