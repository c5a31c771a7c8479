# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The tags of the playbooks and roles, as ansible-playbook --list-tasks selects them.

Each playbook is listed over playbooks/inventory/example.yml without tags, then with --tags or
--skip-tags; the selected tasks must be exactly those of the plays (and the few always-run or
pki-run tasks) that README's "Tags" section names. The roles' own tags are checked with a
playbook that calls the four roles by roles:, as a user's playbook does.
"""

from __future__ import annotations

import concurrent.futures
import os
import re
import subprocess
import textwrap

import pytest

from playbook_env import PLAYBOOK_BIN, PLAYBOOKS, ansible_env

INVENTORY = PLAYBOOKS / 'inventory' / 'example.yml'

pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not INVENTORY.is_file(),
                                reason='ansible-playbook or the playbooks are not available')

PLAY_RE = re.compile(r'^  play #\d+ \((?P<hosts>.*)\): (?P<name>.*?)\tTAGS: \[(?P<tags>.*)\]$')
TASK_RE = re.compile(r'^      (?P<name>.*?)\tTAGS: \[(?P<tags>.*)\]$')
# Ansible adds this task to each role with the tag always; it says nothing about our tags.
ARGSPEC = 'Validating arguments against arg spec'
# Each listing starts a whole Ansible: run a few at once.
WORKERS = max(2, min(4, os.cpu_count() or 2))


def list_tasks(playbook, *args):
    """[(play name, task name)] that ansible-playbook --list-tasks selects, in order."""
    proc = subprocess.run([str(PLAYBOOK_BIN), '-i', str(INVENTORY), str(playbook), '--list-tasks', *args],
                          capture_output=True, text=True, env=ansible_env(), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    play, out = None, []
    for line in proc.stdout.splitlines():
        m = PLAY_RE.match(line)
        if m:
            play = m.group('name')
            continue
        m = TASK_RE.match(line)
        if m and ARGSPEC not in m.group('name'):
            assert play is not None, line
            out.append((play, m.group('name')))
    return out


# playbook file -> the tag arguments each test below lists it with ([] = no tags).
RUNS = {
    'site.yml': [[], ['--tags', 'pki'], ['--skip-tags', 'pki'], ['--tags', 'galera'], ['--tags', 'arbitrator'],
                 ['--tags', 'vitess'], ['--skip-tags', 'vitess']],
    'enable_tls.yml': [[], ['--tags', 'pki'], ['--tags', 'enable_tls_phase1'], ['--skip-tags', 'arbitrator'],
                       ['--tags', 'galera']],
    'rotate_ca.yml': [[], ['--tags', 'rotate_ca_a'], ['--tags', 'rotate_ca_c'], ['--skip-tags', 'vitess']],
    'revoke.yml': [[], ['--tags', 'vitess'], ['--skip-tags', 'vitess']],
    'audit.yml': [[], ['--tags', 'audit'], ['--tags', 'pki']],
}


@pytest.fixture(scope='module')
def listed():
    """{(playbook, tag args): tasks}, listed in parallel (each run starts a whole Ansible)."""
    jobs = [(pb, tuple(args)) for pb, runs in RUNS.items() for args in runs]
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = pool.map(lambda job: list_tasks(PLAYBOOKS / job[0], *job[1]), jobs)
        return dict(zip(jobs, results))


def plays_of(tasks, *prefixes):
    """The tasks of the plays whose name starts with one of prefixes."""
    return [t for t in tasks if t[0].startswith(prefixes)]


def without(tasks, drop):
    return [t for t in tasks if t not in drop]


# --- site.yml ---------------------------------------------------------------------------------

SITE_PKI = 'Issue the CA, host keys and certificates'
SITE_GARBD_READ = (SITE_PKI, 'Read whether garbd runs on arbitrator hosts')
# The pki role creates the Vitess and garbd groups in its certificates' run (pki_service_group_create);
# the Vitess user is created in the Vitess play, where its host read finds it missing.
SITE_CERTIFICATES = "dbtls.transport.pki : Issue the host's certificates and install its CA bundle (keys are generated on the host)"
SITE_VITESS_ACCOUNT = 'dbtls.transport.vitess_tls : Create the vitess system account'


def test_site_untagged_run_has_every_play(listed):
    tasks = listed['site.yml', ()]
    for play, role in ((SITE_PKI, 'pki'), ('Encrypt Galera', 'galera_tls'),
                       ('Run the Galera arbitrators', 'galera_arbitrator'), ('Secure every Vitess', 'vitess_tls')):
        names = [t[1] for t in plays_of(tasks, play)]
        assert any(n.startswith('dbtls.transport.%s : ' % role) for n in names), (play, names)
    assert SITE_GARBD_READ in tasks
    assert SITE_VITESS_ACCOUNT in [t[1] for t in plays_of(tasks, 'Secure every Vitess')]
    assert not any('account' in t[1] for t in plays_of(tasks, SITE_PKI))


def test_site_tags_pki_is_the_pki_play_only(listed):
    full = listed['site.yml', ()]
    selected = listed['site.yml', ('--tags', 'pki')]
    # The garbd read (tagged galera) does not come along.
    assert selected == without(plays_of(full, SITE_PKI), [SITE_GARBD_READ])
    assert (SITE_PKI, SITE_CERTIFICATES) in selected


def test_site_skip_tags_pki_keeps_what_the_galera_play_reads(listed):
    full = listed['site.yml', ()]
    selected = listed['site.yml', ('--skip-tags', 'pki')]
    assert selected == [SITE_GARBD_READ] + without(full, plays_of(full, SITE_PKI))


def test_site_tags_galera(listed):
    full = listed['site.yml', ()]
    assert listed['site.yml', ('--tags', 'galera')] == [SITE_GARBD_READ] + plays_of(full, 'Encrypt Galera')


def test_site_tags_arbitrator_and_vitess(listed):
    full = listed['site.yml', ()]
    assert listed['site.yml', ('--tags', 'arbitrator')] == plays_of(full, 'Run the Galera arbitrators')
    assert listed['site.yml', ('--tags', 'vitess')] == plays_of(full, 'Secure every Vitess')


def test_site_skip_tags_vitess_still_issues_the_vitess_certificates(listed):
    full = listed['site.yml', ()]
    selected = listed['site.yml', ('--skip-tags', 'vitess')]
    assert selected == without(full, plays_of(full, 'Secure every Vitess'))
    assert (SITE_PKI, SITE_CERTIFICATES) in selected


# --- enable_tls.yml ---------------------------------------------------------------------------

ENABLE_ALWAYS = ('Preflight', 'Report')


def test_enable_tls_tags_pki(listed):
    full = listed['enable_tls.yml', ()]
    assert listed['enable_tls.yml', ('--tags', 'pki')] == plays_of(full, 'Issue the CA', *ENABLE_ALWAYS)


def test_enable_tls_a_phase_runs_with_preflight_and_report(listed):
    full = listed['enable_tls.yml', ()]
    selected = listed['enable_tls.yml', ('--tags', 'enable_tls_phase1')]
    assert selected == plays_of(full, 'Phase 1 ', *ENABLE_ALWAYS)
    assert plays_of(selected, 'Phase 1 ') and plays_of(selected, 'Preflight')


def test_enable_tls_galera_and_arbitrator(listed):
    full = listed['enable_tls.yml', ()]
    arbitrators = plays_of(full, 'Arbitrators')
    assert arbitrators
    assert listed['enable_tls.yml', ('--skip-tags', 'arbitrator')] == without(full, arbitrators)
    assert listed['enable_tls.yml', ('--tags', 'galera')] == plays_of(
        full, 'Phase 1 ', 'Phase 2 ', 'Clients and SST', 'Refuse plaintext clients', *ENABLE_ALWAYS)


# --- rotate_ca.yml ----------------------------------------------------------------------------

ROTATE_REPORT = "Report each host's stage and what changed"
GUARD = "Refuse to run this phase unless rotate_ca.yml's preflight ran (and, for (c), (a)-(b) are done everywhere)"


def test_rotate_ca_phase_a(listed):
    full = listed['rotate_ca.yml', ()]
    selected = listed['rotate_ca.yml', ('--tags', 'rotate_ca_a')]
    phase_a = plays_of(full, 'Phase (a)')
    assert len({t[0] for t in phase_a}) == 5
    assert selected == plays_of(full, 'Preflight and staging') + phase_a + [
        t for t in full if t[1] == ROTATE_REPORT]


def test_rotate_ca_phase_c_is_guarded_and_finishes(listed):
    full = listed['rotate_ca.yml', ()]
    selected = listed['rotate_ca.yml', ('--tags', 'rotate_ca_c')]
    assert selected == plays_of(full, 'Preflight and staging', 'Phase (c)', 'Finish')
    phase_c = plays_of(selected, 'Phase (c)')
    # Each phase play starts with the guard, so that tags cannot leave a host behind.
    for play in {t[0] for t in phase_c}:
        assert [t[1] for t in phase_c if t[0] == play][0] == GUARD


def test_rotate_ca_component_tags(listed):
    full = listed['rotate_ca.yml', ()]
    vitess = [t for t in full if t[0].startswith(('Phase (a) on Vitess', 'Phase (b) on Vitess', 'Phase (c) on Vitess'))]
    assert len({t[0] for t in vitess}) == 9
    assert listed['rotate_ca.yml', ('--skip-tags', 'vitess')] == without(full, vitess)


# --- revoke.yml and audit.yml -----------------------------------------------------------------

def test_revoke_vitess_restarts_apart(listed):
    full = listed['revoke.yml', ()]
    restarts = plays_of(full, 'Restart Vitess components')
    assert restarts
    assert listed['revoke.yml', ('--tags', 'vitess')] == restarts
    assert listed['revoke.yml', ('--skip-tags', 'vitess')] == without(full, restarts)


def test_audit_tag(listed):
    full = listed['audit.yml', ()]
    assert full
    assert listed['audit.yml', ('--tags', 'audit')] == full
    assert listed['audit.yml', ('--tags', 'pki')] == []


# --- the roles' own tags, in a user's playbook ------------------------------------------------

ROLE_TAGS = {'pki': 'pki', 'galera_tls': 'galera', 'galera_arbitrator': 'arbitrator', 'vitess_tls': 'vitess'}


@pytest.fixture(scope='module')
def user_listed(tmp_path_factory):
    """{tag args: tasks} for a playbook that calls the four roles by roles:, as a user's does."""
    path = tmp_path_factory.mktemp('tags') / 'user.yml'
    path.write_text(textwrap.dedent('''\
        - name: A user's own playbook
          hosts: all
          gather_facts: false
          roles:
            - role: dbtls.transport.pki
            - role: dbtls.transport.galera_tls
            - role: dbtls.transport.galera_arbitrator
            - role: dbtls.transport.vitess_tls
        '''))
    runs = [(), ('--skip-tags', 'galera')] + [('--tags', tag) for tag in ROLE_TAGS.values()]
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return dict(zip(runs, pool.map(lambda args: list_tasks(path, *args), runs)))


@pytest.mark.parametrize('role', sorted(ROLE_TAGS))
def test_a_role_carries_its_own_tag(user_listed, role):
    tag = ROLE_TAGS[role]
    full = user_listed[()]
    mine = [t for t in full if t[1].startswith('dbtls.transport.%s : ' % role)]
    assert mine
    assert user_listed['--tags', tag] == mine
    if ('--skip-tags', tag) in user_listed:
        assert user_listed['--skip-tags', tag] == without(full, mine)


# --- dynamic includes -------------------------------------------------------------------------

def _tasks(items):
    for task in items or []:
        yield task
        for key in ('block', 'rescue', 'always'):
            yield from _tasks(task.get(key))


@pytest.mark.parametrize('playbook', sorted(RUNS))
def test_a_tagged_include_gives_its_tags_to_the_included_tasks(playbook):
    """--list-tasks does not open a dynamic include; a tag on include_role or include_tasks alone
    selects the include but none of the tasks it brings (Ansible applies it with apply: only)."""
    yaml = pytest.importorskip('yaml')
    for play in yaml.safe_load((PLAYBOOKS / playbook).read_text()):
        for section in ('pre_tasks', 'tasks', 'post_tasks', 'handlers'):
            for task in _tasks(play.get(section)):
                include = [k for k in task if k.rsplit('.', 1)[-1] in ('include_role', 'include_tasks')]
                tags = set(task.get('tags') or []) - {'always'}
                if include and tags:
                    applied = set((task[include[0]].get('apply') or {}).get('tags') or [])
                    assert tags <= applied, (playbook, task['name'])
