# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The platform tables of galera_tls and galera_arbitrator, resolved and rendered by Ansible itself.

One ansible-playbook run on localhost (no root, no containers) loads each role's defaults and vars as
a play does, gives the play the facts of each supported distribution (ansible_facts.os_family,
distribution, distribution_major_version) and flavor (mariadb, pxc 8.0, pxc 8.4), and renders the
roles' my.cnf drop-ins, garbd's settings file and unit drop-in with the role templates. The tests
compare what came out with the packaging facts written down below (each with its source), so a
wrong path in vars/main.yml, or a template that stops reading the table, fails here. Unsupported
platforms must be refused by the roles' preflight, naming the host, what it is and what is known.
Only Debian runs in the Molecule scenarios; this is the coverage of Ubuntu and the RHEL family.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest
import yaml

from ansible_collections.dbtls.transport.plugins.module_utils import wsrep

REPO = pathlib.Path(wsrep.__file__).parents[2]
TLS = REPO / 'roles' / 'galera_tls'
GARB = REPO / 'roles' / 'galera_arbitrator'
PLAYBOOK_BIN = pathlib.Path(sys.executable).parent / 'ansible-playbook'
if not PLAYBOOK_BIN.exists():
    PLAYBOOK_BIN = shutil.which('ansible-playbook')

pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not TLS.is_dir(), reason='ansible-playbook or the roles are not available')

# distribution (ansible_facts.distribution) -> (os_family, supported major versions).
DISTRIBUTIONS = {
    'Debian': ('Debian', ['11', '12', '13']),
    'Ubuntu': ('Debian', ['22', '24']),
    'RedHat': ('RedHat', ['8', '9']),
    'Rocky': ('RedHat', ['8', '9']),
    'AlmaLinux': ('RedHat', ['8', '9']),
}
# (flavor, galera_tls_pxc_version): the series only names PXC's backup package; mariadb keeps the default.
FLAVORS = [('mariadb', '8.0'), ('pxc', '8.0'), ('pxc', '8.4')]

# The packaging facts, stated here independently of vars/main.yml.
EXPECTED = {
    # Debian/Ubuntu mariadb-server, mariadb-common, galera-4, galera-arbitrator-4 file lists
    # (packages.debian.org); the Molecule scenarios run these on Debian 11-13.
    ('Debian', 'mariadb'): {
        'config_dir': '/etc/mysql/mariadb.conf.d', 'config_include_file': '',
        'wsrep_provider': '/usr/lib/galera/libgalera_smm.so', 'service': 'mariadb',
        'bootstrap_command': ['galera_new_cluster'], 'bootstrap_service': '',
        'socket': '/run/mysqld/mysqld.sock', 'server_binary': '/usr/sbin/mariadbd', 'client_binary': '/usr/bin/mariadb',
        'validate_server': '/usr/sbin/mariadbd --defaults-file=%s --help --verbose',
        'packages': {'server': ['mariadb-server', 'galera-4'], 'backup': ['mariadb-backup'], 'client': ['mariadb-client']},
        'garb': {'packages': ['galera-arbitrator-4'], 'config_path': '/etc/default/garb', 'service': 'garb'},
    },
    # percona/percona-xtradb-cluster build-ps/debian: server .install (usr/lib/galera4,
    # mysql.service, mysql@.service), extra/mysql.cnf (includes mysql.conf.d), extra/mysqld.cnf
    # (socket), percona-xtradb-cluster-garbd.install (etc/default/garb, garb.service).
    ('Debian', 'pxc'): {
        'config_dir': '/etc/mysql/mysql.conf.d', 'config_include_file': '',
        'wsrep_provider': '/usr/lib/galera4/libgalera_smm.so', 'service': 'mysql',
        'bootstrap_command': [], 'bootstrap_service': 'mysql@bootstrap.service',
        'socket': '/var/run/mysqld/mysqld.sock', 'server_binary': '/usr/sbin/mysqld', 'client_binary': '/usr/bin/mysql',
        'validate_server': '/usr/bin/my_print_defaults --defaults-file=%s mysqld',
        'packages': {'server': ['percona-xtradb-cluster-server'], 'backup': ['percona-xtrabackup-@SERIES@'],
                     'client': ['percona-xtradb-cluster-client']},
        'garb': {'packages': ['percona-xtradb-cluster-garbd'], 'config_path': '/etc/default/garb', 'service': 'garb'},
    },
    # MariaDB Foundation RPMs (MariaDB-server, MariaDB-backup, galera-4 with garbd); MariaDB/server
    # cmake/install_layout.cmake (RPM socket) and support-files/rpm/my.cnf (!includedir /etc/my.cnf.d);
    # Codership's garb-systemd reads /etc/sysconfig/garb off Debian.
    ('RedHat', 'mariadb'): {
        'config_dir': '/etc/my.cnf.d', 'config_include_file': '',
        'wsrep_provider': '/usr/lib64/galera-4/libgalera_smm.so', 'service': 'mariadb',
        'bootstrap_command': ['galera_new_cluster'], 'bootstrap_service': '',
        'socket': '/var/lib/mysql/mysql.sock', 'server_binary': '/usr/sbin/mariadbd', 'client_binary': '/usr/bin/mariadb',
        'validate_server': '/usr/sbin/mariadbd --defaults-file=%s --help --verbose',
        'packages': {'server': ['MariaDB-server', 'galera-4'], 'backup': ['MariaDB-backup'], 'client': ['MariaDB-client']},
        'garb': {'packages': ['galera-4'], 'config_path': '/etc/sysconfig/garb', 'service': 'garb'},
    },
    # Percona's RPM: build-ps/rpm/mysqld.cnf installed as /etc/my.cnf (galera4 under lib64, socket in
    # the datadir, no !includedir), /etc/my.cnf.d created by the spec.
    ('RedHat', 'pxc'): {
        'config_dir': '/etc/my.cnf.d', 'config_include_file': '/etc/my.cnf',
        'wsrep_provider': '/usr/lib64/galera4/libgalera_smm.so', 'service': 'mysql',
        'bootstrap_command': [], 'bootstrap_service': 'mysql@bootstrap.service',
        'socket': '/var/lib/mysql/mysql.sock', 'server_binary': '/usr/sbin/mysqld', 'client_binary': '/usr/bin/mysql',
        'validate_server': '/usr/bin/my_print_defaults --defaults-file=%s mysqld',
        'packages': {'server': ['percona-xtradb-cluster-server'], 'backup': ['percona-xtrabackup-@SERIES@'],
                     'client': ['percona-xtradb-cluster-client']},
        'garb': {'packages': ['percona-xtradb-cluster-garbd'], 'config_path': '/etc/sysconfig/garb', 'service': 'garb'},
    },
}

# The statement that makes the server re-read its TLS files and CRL (revoke.yml after a new CRL):
# MariaDB's FLUSH SSL (MariaDB Server documentation, "FLUSH", 10.4+) and MySQL 8.0's ALTER INSTANCE
# RELOAD TLS (MySQL 8.0 Reference Manual, "ALTER INSTANCE Statement", 8.0.16+), whatever the platform.
SERVER_TLS_RELOAD = {'mariadb': 'FLUSH SSL', 'pxc': 'ALTER INSTANCE RELOAD TLS'}

# name -> (facts or None, extra vars, fragments of the refusal message).
REFUSE = {
    'centos7': ({'os_family': 'RedHat', 'distribution': 'CentOS', 'distribution_major_version': '7'}, {},
                ['unit-host: CentOS 7 (os_family RedHat) is not a supported platform', 'Rocky 8, 9',
                 'Ubuntu 22, 24', 'galera_tls_platform_family']),
    'debian10': ({'os_family': 'Debian', 'distribution': 'Debian', 'distribution_major_version': '10'}, {},
                 ['Debian 10 (os_family Debian) is not a supported platform', 'Debian 11, 12, 13']),
    'suse': ({'os_family': 'Suse', 'distribution': 'SLES', 'distribution_major_version': '15'}, {},
             ['SLES 15 (os_family Suse) is not a supported platform']),
    'no_facts': (None, {}, ['its OS family is not known (facts not gathered)', 'galera_tls_platform_family (Debian, RedHat)']),
    'unknown_family_override': (None, {'galera_tls_platform_family': 'Suse'},
                                ['galera_tls_platform_family Suse is not one of Debian, RedHat']),
    'pxc_57': ({'os_family': 'Debian', 'distribution': 'Debian', 'distribution_major_version': '12'},
               {'galera_tls_flavor': 'pxc', 'galera_tls_pxc_version': '5.7'},
               ['galera_tls_pxc_version 5.7 is not one of 8.0, 8.4']),
    'unknown_flavor': ({'os_family': 'Debian', 'distribution': 'Debian', 'distribution_major_version': '12'},
                       {'galera_tls_flavor': 'mysql'}, ['galera_tls_flavor mysql is not one of mariadb, pxc']),
}
# An override: Oracle Linux 9 is refused by its facts, accepted with galera_tls_platform_family.
ACCEPT = {
    'oracle_as_redhat': ({'os_family': 'RedHat', 'distribution': 'OracleLinux', 'distribution_major_version': '9'},
                         {'galera_tls_platform_family': 'RedHat'}),
}

BASE = {
    'galera_tls_node_address': '10.0.0.11', 'galera_tls_cluster_name': 'unit', 'galera_tls_sst_password': 'unit-secret',
    'galera_arbitrator_nodes': ['10.0.0.11', '10.0.0.12'],
}


def _collections_path():
    return str(pathlib.Path(wsrep.__file__).parents[5])


def _combos():
    for distribution, (family, versions) in DISTRIBUTIONS.items():
        for version in versions:
            for flavor, series in FLAVORS:
                label = flavor if flavor == 'mariadb' else '%s-%s' % (flavor, series)
                yield '%s-%s-%s' % (distribution, version, label), family, distribution, version, flavor, series


COMBOS = list(_combos())

RESOLVED = ('{{ {"flavor": __galera_tls_flavor, "problems": __galera_tls_platform_problems,'
            ' "server_cnf": __galera_tls_server_cnf, "socket": galera_tls_login_unix_socket,'
            ' "garb": {"packages": galera_arbitrator_packages, "config_path": galera_arbitrator_config_path,'
            ' "service": galera_arbitrator_service, "dropin": __galera_arbitrator_dropin},'
            ' "files": {'
            '"server": lookup("ansible.builtin.template", "%(tls)s/templates/server.cnf.j2",'
            ' template_vars={"__galera_tls_provider_options": "gcache.size=1G"}),'
            '"options": lookup("ansible.builtin.template", "%(tls)s/templates/options.cnf.j2"),'
            '"garb": lookup("ansible.builtin.template", "%(garb)s/templates/garb.j2",'
            ' template_vars={"__galera_arbitrator_wsrep": {"value": "socket.ssl=yes"}}),'
            '"dropin": lookup("ansible.builtin.template", "%(garb)s/templates/dropin.conf.j2")}} | to_json }}'
            % {'tls': TLS, 'garb': GARB})


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('platforms')
    vars_files = [str(TLS / 'defaults' / 'main.yml'), str(TLS / 'vars' / 'main.yml'),
                  str(GARB / 'defaults' / 'main.yml'), str(GARB / 'vars' / 'main.yml')]
    plays = []
    for name, _family, distribution, version, flavor, series in COMBOS:
        over = tmp / ('vars-%s.json' % name)
        # galera_arbitrator_flavor is not set: the arbitrator role follows galera_tls_flavor.
        over.write_text(json.dumps(dict(BASE, galera_tls_flavor=flavor, galera_tls_pxc_version=series)))
        plays.append({
            'name': 'Render %s' % name, 'hosts': 'unit-host', 'gather_facts': False,
            'vars_files': vars_files + [str(over)],
            'vars': {'ansible_facts': {'os_family': _family, 'distribution': distribution,
                                       'distribution_major_version': version}},
            'tasks': [
                {'ansible.builtin.include_tasks': str(TLS / 'tasks' / 'preflight_platform.yml')},
                {'ansible.builtin.copy': {'dest': str(tmp / ('%s.json' % name)), 'mode': '0644', 'content': RESOLVED}},
            ],
        })
    cases = [(n, f, v, False) for n, (f, v, _m) in REFUSE.items()] + [(n, f, v, True) for n, (f, v) in ACCEPT.items()]
    for name, facts, extra, _ok in cases:
        over = tmp / ('case-%s.json' % name)
        over.write_text(json.dumps(dict(BASE, **extra)))
        play = {'name': 'Case %s' % name, 'hosts': 'unit-host', 'gather_facts': False,
                'vars_files': vars_files + [str(over)],
                'tasks': [{'block': [
                    {'ansible.builtin.include_tasks': str(TLS / 'tasks' / 'preflight_platform.yml')},
                    {'ansible.builtin.copy': {'dest': str(tmp / ('case-%s.txt' % name)), 'mode': '0644', 'content': 'passed'}},
                ], 'rescue': [
                    {'ansible.builtin.copy': {'dest': str(tmp / ('case-%s.txt' % name)), 'mode': '0644',
                                              'content': '{{ ansible_failed_result.msg }}'}},
                ]}]}
        if facts is not None:
            play['vars'] = {'ansible_facts': facts}
        plays.append(play)
    playbook = tmp / 'playbook.json'
    playbook.write_text(json.dumps(plays))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collections_path(), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    inventory = tmp / 'inventory.json'
    inventory.write_text(json.dumps({'all': {'hosts': {'unit-host': {'ansible_connection': 'local'}}}}))
    proc = subprocess.run([str(PLAYBOOK_BIN), '-i', str(inventory), str(playbook)],
                          capture_output=True, text=True, env=env, cwd=str(tmp), check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return tmp


def _expected(family, flavor, series):
    return json.loads(json.dumps(EXPECTED[(family, flavor)]).replace('@SERIES@', series.replace('.', '')))


@pytest.mark.parametrize('name,family,distribution,version,flavor,series', COMBOS, ids=[c[0] for c in COMBOS])
def test_resolved_platform_matches_packaging(run, name, family, distribution, version, flavor, series):
    got = json.loads((run / ('%s.json' % name)).read_text())
    want = _expected(family, flavor, series)
    assert got['problems'] == []
    for key, value in want.items():
        if key == 'garb':
            continue
        assert got['flavor'][key] == value, '%s: %s' % (name, key)
    assert got['socket'] == want['socket']
    assert got['server_cnf'] == want['config_dir'] + '/99-dbtls-galera-server.cnf'
    assert got['garb']['packages'] == want['garb']['packages']
    assert got['garb']['config_path'] == want['garb']['config_path']
    assert got['garb']['service'] == want['garb']['service']
    assert got['garb']['dropin'] == '/etc/systemd/system/garb.service.d/dbtls.conf'


@pytest.mark.parametrize('name,family,distribution,version,flavor,series', COMBOS, ids=[c[0] for c in COMBOS])
def test_server_tls_reload_statement_is_the_flavors(run, name, family, distribution, version, flavor, series):
    got = json.loads((run / ('%s.json' % name)).read_text())
    assert got['flavor']['server_tls_reload_query'] == SERVER_TLS_RELOAD[flavor], name


@pytest.mark.parametrize('name,family,distribution,version,flavor,series', COMBOS, ids=[c[0] for c in COMBOS])
def test_rendered_files_name_the_platform_paths(run, name, family, distribution, version, flavor, series):
    files = json.loads((run / ('%s.json' % name)).read_text())['files']
    want = _expected(family, flavor, series)
    server = files['server'].splitlines()
    assert 'wsrep_provider = %s' % want['wsrep_provider'] in server
    # PXC's cluster-traffic switch is the flavor's, on every platform.
    assert any(line.startswith('pxc-encrypt-cluster-traffic') for line in server) == (flavor == 'pxc')
    assert '[client]' in files['options'].splitlines()
    garb = files['garb']
    assert "# Sourced by garbd's start script /usr/bin/garb-systemd " in garb
    assert 'GALERA_NODES=10.0.0.11,10.0.0.12' in garb.splitlines()
    dropin = files['dropin']
    assert ("Debian's unit runs garbd as nobody" in dropin) == (family == 'Debian')
    assert ("The RPM's unit runs garbd as nobody" in dropin) == (family == 'RedHat')


@pytest.mark.parametrize('name', sorted(REFUSE))
def test_unknown_platform_refused(run, name):
    message = (run / ('case-%s.txt' % name)).read_text()
    assert message != 'passed'
    assert message.startswith('unit-host: ')
    for fragment in REFUSE[name][2]:
        assert fragment in message
    assert message.endswith('Nothing was changed.')


@pytest.mark.parametrize('name', sorted(ACCEPT))
def test_override_accepted(run, name):
    assert (run / ('case-%s.txt' % name)).read_text() == 'passed'


def test_tables_cover_the_same_families_and_flavors():
    tls = yaml.safe_load((TLS / 'vars' / 'main.yml').read_text())
    garb = yaml.safe_load((GARB / 'vars' / 'main.yml').read_text())
    tls_rows = {(f, fl) for f, rows in tls['__galera_tls_platforms'].items() for fl in rows}
    garb_rows = {(f, fl) for f, rows in garb['__galera_arbitrator_platforms'].items() for fl in rows}
    assert tls_rows == garb_rows == set(EXPECTED)
    assert set(tls['__galera_tls_flavors']) == {fl for _f, fl in EXPECTED}
    assert {k: (v['os_family'], v['versions']) for k, v in tls['__galera_tls_supported_platforms'].items()} == DISTRIBUTIONS


# Galaxy's platform names for the supported distributions.
GALAXY = {'Debian': ('Debian', {'11': 'bullseye', '12': 'bookworm', '13': 'trixie'}),
          'Ubuntu': ('Ubuntu', {'22': 'jammy', '24': 'noble'}),
          'RedHat': ('EL', {'8': '8', '9': '9'})}


@pytest.mark.parametrize('role', sorted(p.name for p in (REPO / 'roles').iterdir() if (p / 'meta' / 'main.yml').is_file()))
def test_meta_platforms_match_the_support_matrix(role):
    meta = yaml.safe_load((REPO / 'roles' / role / 'meta' / 'main.yml').read_text())
    got = {p['name']: sorted(str(v) for v in p['versions']) for p in meta['galaxy_info']['platforms']}
    want = {}
    for distribution, (galaxy_name, names) in GALAXY.items():
        want[galaxy_name] = sorted(names[v] for v in DISTRIBUTIONS[distribution][1])
    assert got == want


def test_readme_support_matrix_names_every_platform():
    readme = (REPO / 'README.md').read_text()
    section = readme.split('## Support matrix', 1)[1].split('\n## ', 1)[0]
    rows = [line for line in section.splitlines() if line.startswith('| ') and not line.startswith('| ---')]
    text = '\n'.join(rows)
    for distribution, (_family, versions) in DISTRIBUTIONS.items():
        label = {'RedHat': 'RHEL'}.get(distribution, distribution)
        for version in versions:
            assert any(label in row and (' %s' % version) in row for row in rows), (distribution, version, text)
    assert 'run in CI' in text and 'rendered and unit-tested' in text
