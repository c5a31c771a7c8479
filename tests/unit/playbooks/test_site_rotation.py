# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""site.yml during a CA rotation: it stops before anything changes and names rotate_ca.

site.yml runs in check mode against the controller itself (one host in the galera group, local
connection), with pki_ca_dir a temporary folder: the pki role's first task reads that folder. A
next CA there that differs from the current CA is a rotation in progress; the same file as the
current CA is what an interrupted switch leaves (the rotation is complete) and no refusal.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from playbook_env import PLAYBOOK_BIN, PLAYBOOKS, ansible_env

SITE = PLAYBOOKS / 'site.yml'

pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not SITE.is_file(),
                                reason='ansible-playbook or the playbooks are not available')

REFUSAL = 'A CA rotation is in progress'


def run_site(tmp_path, next_ca, playbook=SITE):
    """Run a playbook --check from the pki role's rotation check on (site.yml: the role's first task)."""
    ca_dir = tmp_path / 'pki'
    ca_dir.mkdir()
    (ca_dir / 'ca.crt').write_text('current CA\n')
    if next_ca is not None:
        (ca_dir / 'next').mkdir()
        (ca_dir / 'next' / 'ca.crt').write_text(next_ca)
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(
        'all:\n  children:\n    galera:\n      hosts:\n        db1:\n'
        '          ansible_connection: local\n'
        f'          ansible_python_interpreter: {sys.executable}\n'
        f'  vars:\n    pki_ca_dir: {ca_dir}\n')
    env = ansible_env(ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp'))
    args = [str(PLAYBOOK_BIN), '-i', str(inventory), str(playbook), '--check', '--limit', 'db1']
    if playbook == SITE:
        # From the pki role's first task on (rotation.yml, imported): the plays before it only gather facts.
        args += ['--tags', 'pki', '--start-at-task', 'Refuse to run during a CA rotation, and say how to finish it']
    proc = subprocess.run(
        args, capture_output=True, text=True, env=env, check=False, timeout=300, cwd=tmp_path)
    return proc, ' '.join((proc.stdout + proc.stderr).split())


def test_site_during_a_rotation_names_rotate_ca(tmp_path):
    proc, out = run_site(tmp_path, 'next CA\n')
    assert proc.returncode != 0, out
    assert REFUSAL in out, out
    assert 'dbtls.transport.rotate_ca' in out and f'-i {tmp_path / "inventory.yml"}' in out, out
    assert 'Nothing was changed' in out
    # It stopped there: no later task of the pki role ran.
    assert 'Install the Python cryptography library' not in out, out


@pytest.mark.parametrize('next_ca', [None, 'current CA\n'], ids=['no next CA', 'leftover of a finished switch'])
def test_without_a_rotation_the_check_passes(tmp_path, next_ca):
    # The check alone (the rest of the pki role needs a real host), as site.yml's pki role runs it.
    playbook = tmp_path / 'check.yml'
    playbook.write_text(
        '- hosts: galera\n  gather_facts: false\n  tasks:\n'
        '    - name: Stop during a CA rotation, naming the playbook that finishes it\n'
        '      ansible.builtin.include_role: {name: dbtls.transport.pki, tasks_from: rotation.yml}\n')
    proc, out = run_site(tmp_path, next_ca, playbook)
    assert proc.returncode == 0, out
    assert REFUSAL not in out, out
    assert 'Refuse to run during a CA rotation' in out, out


@pytest.mark.parametrize('step', ['a', 'c', None])
def test_a_phase_file_alone_is_refused(tmp_path, step):
    # imported/rotate_ca_phase.yml is imported by rotate_ca.yml after its preflight; run alone it must stop
    # before it changes anything, saying which playbook to run.
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(
        'all:\n  children:\n    galera:\n      hosts:\n        db1:\n'
        '          ansible_connection: local\n'
        f'          ansible_python_interpreter: {sys.executable}\n')
    proc = subprocess.run(
        [str(PLAYBOOK_BIN), '-i', str(inventory), str(PLAYBOOKS / 'imported' / 'rotate_ca_phase.yml')]
        + (['-e', f'rotate_ca_step={step}', '-e', 'rotate_ca_step_goal=test'] if step else []),
        capture_output=True, text=True, env=ansible_env(ANSIBLE_LOCAL_TEMP=str(tmp_path / 'tmp')),
        check=False, timeout=300, cwd=tmp_path)
    out = ' '.join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0, out
    assert 'Run playbooks/rotate_ca.yml (dbtls.transport.rotate_ca)' in out, out
    assert 'Nothing was changed' in out
    assert 'Take the node through phase' not in out, out
