# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cheap checks of benchmarks/site (the benchmark itself needs the demo): its ping play parses, its
callback records every task's time and the results per host, and it refuses a missing inventory."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SITE = os.path.join(ROOT, 'benchmarks', 'site')
PLAYBOOK_BIN = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')

needs_ansible = pytest.mark.skipif(not os.path.exists(PLAYBOOK_BIN), reason='ansible-playbook is not next to this Python')


def load_bench_site():
    spec = importlib.util.spec_from_file_location('dbtls_bench_site', os.path.join(SITE, 'bench_site.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_ansible
def test_callback_records_each_task_and_the_results_per_host(tmp_path):
    play = tmp_path / 'play.yml'
    play.write_text('- hosts: all\n  gather_facts: false\n  tasks:\n'
                    '    - {name: First, ansible.builtin.ping: {}}\n'
                    '    - {name: Restart nothing, ansible.builtin.command: sleep 1, changed_when: false}\n')
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text('h1 ansible_connection=local ansible_python_interpreter=%s\n'
                         'h2 ansible_connection=local ansible_python_interpreter=%s\n' % (sys.executable, sys.executable))
    times = tmp_path / 'times.json'
    env = dict(os.environ, ANSIBLE_CALLBACKS_ENABLED='dbtls_task_times', DBTLS_TASK_TIMES=str(times),
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(SITE, 'callback_plugins'), ANSIBLE_NOCOLOR='1')
    proc = subprocess.run([PLAYBOOK_BIN, '-i', str(inventory), str(play)], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    recorded = json.loads(times.read_text())
    assert [t['name'] for t in recorded['tasks']] == ['First', 'Restart nothing']
    assert recorded['tasks'][1]['seconds'] >= 1
    assert recorded['results_per_host'] == {'h1': 2, 'h2': 2}
    # The sleep is what the rotation's figure leaves out (the database's own restarts and waits).
    assert load_bench_site().RESTART_TASKS.search('Restart nothing')


@needs_ansible
def test_ping_play_parses():
    proc = subprocess.run([PLAYBOOK_BIN, '--syntax-check', '-i', 'localhost,', os.path.join(SITE, 'ping.yml')],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_missing_inventory_is_refused_saying_what_to_do(tmp_path, capsys):
    with pytest.raises(SystemExit):
        load_bench_site().parse_args(['--inventory', str(tmp_path / 'absent.yml')])
    assert 'run make demo first' in capsys.readouterr().err
