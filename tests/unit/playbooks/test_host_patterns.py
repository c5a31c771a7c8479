# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The playbooks' plays select hosts by group without a host pattern naming an absent group.

Ansible warns ("Could not match supplied host pattern, ignoring: vtctld") on every run for each
group a play's pattern names that the inventory lacks, so a Galera-only inventory would see
warnings on every run of site.yml or rotate_ca.yml. The plays take their hosts from the groups
that exist instead. Checked with ansible-playbook --list-hosts: over a Galera-only inventory no
warning and only the Galera hosts; over the example inventory the same hosts per play as the
group patterns name.
"""

from __future__ import annotations

import ast
import re
import subprocess

import pytest

from playbook_env import PLAYBOOK_BIN, PLAYBOOKS, ansible_command, ansible_env

INVENTORY = PLAYBOOKS / 'inventory' / 'example.yml'
ANSIBLE_BIN = ansible_command('ansible')


pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not INVENTORY.is_file(),
                                reason='ansible-playbook or the playbooks are not available')

GALERA_ONLY = """\
all:
  vars:
    ansible_python_interpreter: /usr/bin/python3
  children:
    galera:
      hosts:
        db1.example.net:
        db2.example.net:
"""

PLAY_RE = re.compile(r'^  play #\d+ \(.*\): (?P<name>.*?)\tTAGS')
HOST_RE = re.compile(r'^      (?P<host>\S+)$')


def list_hosts(inventory, playbook, *args):
    """({play name: [hosts]}, stderr) from ansible-playbook --list-hosts."""
    proc = subprocess.run([str(PLAYBOOK_BIN), '-i', str(inventory), str(PLAYBOOKS / playbook), '--list-hosts', *args],
                          capture_output=True, text=True, env=ansible_env(), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plays, current = {}, None
    for line in proc.stdout.splitlines():
        play = PLAY_RE.match(line)
        if play:
            current = plays.setdefault(play.group('name'), [])
            continue
        host = HOST_RE.match(line)
        if host and current is not None and not line.strip().startswith('pattern:'):
            current.append(host.group('host'))
    return plays, proc.stderr


@pytest.mark.parametrize('playbook, extra', [
    ('site.yml', []),
    ('rotate_ca.yml', []),
    ('enable_tls.yml', []),
    ('recover.yml', []),
    ('revoke.yml', ['-e', '{"revoke_hosts": ["db1.example.net"]}']),
])
def test_galera_only_inventory_draws_no_warning(tmp_path, playbook, extra):
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(GALERA_ONLY, encoding='utf-8')
    plays, stderr = list_hosts(inventory, playbook, *extra)
    assert 'Could not match supplied host pattern' not in stderr, stderr
    assert '[WARNING]' not in stderr, stderr
    hosts = {host for members in plays.values() for host in members}
    assert hosts <= {'db1.example.net', 'db2.example.net'}, plays
    assert hosts, plays


def _groups(*names):
    """The example inventory's hosts of these groups, as Ansible resolves the pattern a:b:c."""
    proc = subprocess.run([str(ANSIBLE_BIN), '-i', str(INVENTORY), ':'.join(names), '--list-hosts'],
                          capture_output=True, text=True, env=ansible_env(), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return sorted(line.strip() for line in proc.stdout.splitlines()[1:] if line.strip())


@pytest.mark.parametrize('playbook, play_prefix, names', [
    ('site.yml', 'Issue the CA', ['galera', 'galera_arbitrator', 'vtctld', 'vtgate', 'vttablet']),
    ('site.yml', 'Encrypt Galera', ['galera']),
    ('site.yml', 'Run the Galera arbitrators', ['galera_arbitrator']),
    ('site.yml', 'Secure every Vitess', ['vtctld', 'vtgate', 'vttablet']),
    ('rotate_ca.yml', 'Preflight and staging', ['galera', 'galera_arbitrator', 'vttablet', 'vtgate', 'vtctld']),
    ('rotate_ca.yml', 'Phase (b) on Galera nodes', ['galera']),
    ('rotate_ca.yml', 'Phase (c) on arbitrators', ['galera_arbitrator']),
    ('rotate_ca.yml', 'Phase (a) on Vitess - vtgate', ['vtgate']),
])
def test_example_inventory_hosts_per_play(playbook, play_prefix, names):
    plays, stderr = list_hosts(INVENTORY, playbook)
    assert '[WARNING]' not in stderr, stderr
    matching = [hosts for name, hosts in plays.items() if name.startswith(play_prefix)]
    assert matching, sorted(plays)
    assert sorted(matching[0]) == _groups(*names)


VITESS_CTL_FIRST = """\
all:
  vars:
    ansible_python_interpreter: /usr/bin/python3
  children:
    vtctld:
      hosts:
        ctl.example.net:
    vtgate:
      hosts:
        ctl.example.net:
    vttablet:
      hosts:
        tablet1.example.net:
        tablet2.example.net:
"""


def test_revoke_restarts_tablets_first_whatever_the_inventory_order(tmp_path):
    """vtgate and vtctld dial the tablets: the restart play lists the tablets first, also when the
    inventory defines the vtctld and vtgate groups before vttablet.

    The play runs its hosts in the order of its resolved host list, which --list-hosts prints as
    the play's "pattern:" line (the "hosts (N):" list under it comes in no fixed order)."""
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text(VITESS_CTL_FIRST, encoding='utf-8')
    proc = subprocess.run([str(PLAYBOOK_BIN), '-i', str(inventory), str(PLAYBOOKS / 'revoke.yml'), '--list-hosts',
                           '-e', '{"revoke_hosts": ["ctl.example.net"]}'],
                          capture_output=True, text=True, env=ansible_env(), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    play = [i for i, line in enumerate(lines) if 'Restart Vitess components' in line]
    assert play, proc.stdout
    pattern = lines[play[0] + 1].strip()
    assert pattern.startswith('pattern: '), proc.stdout
    assert ast.literal_eval(pattern[len('pattern: '):]) == ['tablet1.example.net', 'tablet2.example.net', 'ctl.example.net']
