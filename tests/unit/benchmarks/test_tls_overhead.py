# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Cheap checks of benchmarks/tls_overhead (the benchmark itself needs a cluster and minutes).

Its playbooks pass ansible-playbook --syntax-check with the modules and roles they name resolved,
its run script parses, and the report turns runs into medians and spreads.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
BENCH = REPO / 'benchmarks' / 'tls_overhead'
PLAYBOOKS = sorted((BENCH / 'playbooks').glob('*.yml'))
PLAYBOOK_BIN = pathlib.Path(sys.executable).parent / 'ansible-playbook'
if not PLAYBOOK_BIN.exists():
    PLAYBOOK_BIN = shutil.which('ansible-playbook')


def test_playbooks_found():
    assert {p.name for p in PLAYBOOKS} >= {'setup.yml', 'replication.yml'}


@pytest.mark.skipif(not PLAYBOOK_BIN, reason='ansible-playbook is not available')
@pytest.mark.parametrize('playbook', PLAYBOOKS, ids=lambda p: p.name)
def test_playbook_syntax(playbook, tmp_path):
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text('[galera]\ndbtls-bench-node1\ndbtls-bench-node2\n', encoding='utf-8')
    # Every module and role the playbook names must resolve: the test bed's collections
    # (ANSIBLE_COLLECTIONS_PATH) hold ansible.mysql and the checkout as dbtls.transport.
    proc = subprocess.run([str(PLAYBOOK_BIN), '--syntax-check', '-i', str(inventory), str(playbook)],
                          capture_output=True, text=True, check=False, cwd=str(tmp_path), env=dict(os.environ))
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.skipif(not shutil.which('bash'), reason='bash is not available')
def test_run_script_parses():
    proc = subprocess.run(['bash', '-n', str(BENCH / 'run')], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def load_tlsbench():
    spec = importlib.util.spec_from_file_location('tlsbench', BENCH / 'tlsbench.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_percentile_nearest_rank():
    tlsbench = load_tlsbench()
    values = [i / 1000.0 for i in range(1, 101)]  # 1..100 ms
    assert tlsbench.percentile(values, 99) == 99.0
    assert tlsbench.percentile(values, 50) == 50.0
    assert tlsbench.percentile([0.005], 99) == 5.0
    assert tlsbench.percentile([], 99) is None


def test_report_medians_and_spread(tmp_path, capsys):
    tlsbench = load_tlsbench()
    runs = []
    for rnd, base in enumerate((100.0, 120.0, 90.0), start=1):
        for repl, client, factor in (('off', 'off', 1.0), ('off', 'on', 0.9), ('on', 'off', 0.8), ('on', 'on', 0.7)):
            run = {'replication_tls': repl, 'client_tls': client, 'round': rnd,
                   'client_sessions': [{'version': 'TLSv1.3' if client == 'on' else '', 'cipher': 'X' if client == 'on' else ''}],
                   'write': {'per_second': base * factor, 'p50_ms': 2.0, 'p99_ms': 10.0 / factor},
                   'read': {'per_second': 500.0, 'p99_ms': 3.0}}
            path = tmp_path / ('%d-%s-%s.json' % (rnd, repl, client))
            path.write_text(json.dumps(run), encoding='utf-8')
            runs.append(str(path))
    machine = tmp_path / 'machine.json'
    machine.write_text(json.dumps({'nproc': 2}), encoding='utf-8')
    out = tmp_path / 'result.json'
    assert tlsbench.main(['report', '--machine', str(machine), '--out', str(out)] + runs) == 0
    doc = json.loads(out.read_text(encoding='utf-8'))
    first, last = doc['summary'][0], doc['summary'][-1]
    assert (first['replication_tls'], first['client_tls'], first['rounds']) == ('off', 'off', 3)
    assert first['commits_per_s'] == {'median': 100.0, 'min': 90.0, 'max': 120.0, 'values': [100.0, 120.0, 90.0]}
    assert last['commits_per_s']['median'] == 70.0
    assert last['commits_per_s_vs_off_off_pct'] == -30.0
    assert last['tls_sessions'] == ['TLSv1.3 X'] and first['tls_sessions'] == []
    table = capsys.readouterr().out
    assert '| on | on | 70 (63-84) -30% |' in table
