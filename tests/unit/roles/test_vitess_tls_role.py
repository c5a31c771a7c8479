# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The vitess_tls role rendered by Ansible itself on localhost (no root, no containers).

One ansible-playbook run renders the three units for every supported release with the role's own
defaults, vars and template, and runs the role's checks in cases that must be refused; the tests
then read what it wrote. Every flag in a rendered ExecStart must exist in that release's real
--help list for that binary.
"""

from __future__ import annotations

import json
import os
import pathlib
import shlex
import shutil
import subprocess
import sys

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import vitess_flags as vf

ROLE = pathlib.Path(vf.__file__).parents[2] / 'roles' / 'vitess_tls'
REPO = pathlib.Path(__file__).resolve().parents[3]
# The upstream flag lists kept in the repository (their source is in that folder's README).
FLAGS_DIR = REPO / 'tests' / 'data' / 'vitess-flags'
PLAYBOOK_BIN = pathlib.Path(sys.executable).parent / 'ansible-playbook'
if not PLAYBOOK_BIN.exists():
    PLAYBOOK_BIN = shutil.which('ansible-playbook')

pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not ROLE.is_dir(), reason='ansible-playbook or the role is not available')

VERSIONS = vf.supported_versions()
COMPONENTS = ('vtctld', 'vtgate', 'vttablet')

BASE_VARS = {
    'vitess_tls_components': list(COMPONENTS),
    'vitess_tls_vttablet_uid': 101,
    'vitess_tls_vttablet_hostname': 'tablet1.example',
    'vitess_tls_table_acl': [{'name': 'all', 'readers': ['app_ro'], 'writers': ['app_rw'], 'admins': ['dba']}],
}

# What the pki role records on a host with a non-default pki_dir (ansible_local.dbtls_pki).
PKI_RECORD = {'dir': '/srv/tls', 'peer_cert': '/srv/tls/peer.crt', 'peer_key': '/srv/tls/peer.key',
              'ca_bundle': '/srv/tls/ca-bundle.pem', 'client_names': [], 'clients': {}, 'crl': ''}

# name -> (extra vars, role tasks file to run); each must fail.
REFUSALS = {
    'unknown_version': ({'vitess_tls_version': 'v25'}, 'validate'),
    'callerid_extra_flag': ({'vitess_tls_extra_flags': {'vtgate': {'grpc_use_effective_callerid': True}}}, 'validate'),
    'managed_extra_flag': ({'vitess_tls_extra_flags': {'vttablet': {'db-ssl-mode': 'disabled'}}}, 'validate'),
    'missing_tablet_uid': ({'vitess_tls_vttablet_uid': None}, 'validate'),
    'unknown_component': ({'vitess_tls_components': ['vtgate', 'vtorc']}, 'validate'),
    'bad_acl_group': ({'vitess_tls_table_acl': [{'name': 'all', 'reader': ['app_ro']}]}, 'validate'),
    # Every problem of the host in one message.
    'several_problems': ({'vitess_tls_vttablet_uid': 0, 'vitess_tls_table_acl': [{'readers': ['app_ro']}]}, 'validate'),
    # tls.yml decides from host_info.yml's read of the host (host_info, a real module run here);
    # validate.yml comes first, as in main.yml: it resolves the flags these files read.
    'missing_cert': ({'vitess_tls_cert_path': '@TMP@/absent/peer.crt'}, ['validate', 'host_info', 'tls']),
    'unnamed_cert': ({'vitess_tls_cert_path': ''}, 'validate'),
}
# name -> extra vars; each must pass.
ACCEPTED = {
    'callerid_opt_in': {'vitess_tls_insecure_allow_effective_callerid': True},
}


def _collections_path():
    # .../ansible_collections/dbtls/transport/plugins/module_utils/vitess_flags.py
    return str(pathlib.Path(vf.__file__).parents[5])


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('vitess_tls')
    # Rendering uses the template lookup and set_fact (no module runs on the host), so the whole
    # run takes a few seconds; one copy at the end writes everything to a JSON file.
    # The pki role's record of the host's files, set as the pki role sets it (local_facts, here
    # into a temporary fact folder): the role must take its TLS paths from it.
    plays = [{
        'name': 'Record the TLS files', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [{'dbtls.transport.local_facts': {'name': 'dbtls_pki', 'fact_dir': str(tmp / 'facts.d'), 'facts': PKI_RECORD}}],
    }]
    for version in VERSIONS:
        over = tmp / ('vars-%s.json' % version)
        over.write_text(json.dumps(dict(BASE_VARS, vitess_tls_version=version)))
        plays.append({
            'name': 'Render %s' % version, 'hosts': 'localhost', 'gather_facts': False,
            'vars_files': [str(ROLE / 'defaults' / 'main.yml'), str(ROLE / 'vars' / 'main.yml'), str(over)],
            'tasks': [
                {'ansible.builtin.set_fact': {'rendered': "{{ rendered | default({}) | combine({'%s-' ~ __vitess_tls_component: "
                                                          "lookup('ansible.builtin.template', '%s', template_vars={'__vitess_tls_component': "
                                                          "__vitess_tls_component})}) }}" % (version, ROLE / 'templates' / 'vitess.service.j2')},
                 'loop': '{{ __vitess_tls_components }}', 'loop_control': {'loop_var': '__vitess_tls_component'}},
                {'ansible.builtin.set_fact': {'rendered': "{{ rendered | combine({'%s-acl': lookup('ansible.builtin.template', '%s')}) }}"
                                              % (version, ROLE / 'templates' / 'table_acl.json.j2')}},
            ],
        })
    cases = [(n, v, f, False) for n, (v, f) in REFUSALS.items()] + [(n, v, 'validate', True) for n, v in ACCEPTED.items()]
    for name, extra, tasks_from, _ok in cases:
        extra = json.loads(json.dumps(dict(BASE_VARS, **extra)).replace('@TMP@', str(tmp)))
        plays.append({
            'name': 'Case %s' % name, 'hosts': 'localhost', 'gather_facts': False,
            'tasks': [{'block': [
                {'ansible.builtin.include_role': {'name': 'dbtls.transport.vitess_tls', 'tasks_from': entry}, 'vars': extra}
                for entry in (tasks_from if isinstance(tasks_from, list) else [tasks_from])
            ] + [
                {'ansible.builtin.set_fact': {'cases': "{{ cases | default({}) | combine({'%s': 'passed'}) }}" % name}},
            ], 'rescue': [
                {'ansible.builtin.set_fact': {'cases': "{{ cases | default({}) | combine({'%s': ansible_failed_result | to_json}) }}" % name}},
            ]}],
        })
    plays.append({
        'name': 'Write the results', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [{'ansible.builtin.copy': {'content': "{{ {'rendered': rendered, 'cases': cases} | to_json }}",
                                            'dest': str(tmp / 'results.json'), 'mode': '0644'}}],
    })
    playbook = tmp / 'playbook.json'
    playbook.write_text(json.dumps(plays))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=_collections_path(), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    proc = subprocess.run([str(PLAYBOOK_BIN), '-c', 'local', '-i', 'localhost,', str(playbook)],
                          capture_output=True, text=True, env=env, cwd=str(tmp), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp / 'results.json').read_text())
    return results['rendered'], results['cases'], proc.stdout


def _exec_args(unit_text):
    lines = []
    for line in unit_text.split('ExecStart=', 1)[1].splitlines():
        lines.append(line.rstrip('\\'))
        if not line.endswith('\\'):
            break
    return shlex.split(' '.join(lines))


def _flag_names(args):
    return [a.split('=', 1)[0] for a in args[1:]]


@pytest.mark.parametrize('version', VERSIONS)
@pytest.mark.parametrize('component', COMPONENTS)
def test_rendered_flags_exist_in_release_list(run, version, component):
    args = _exec_args(run[0]['%s-%s' % (version, component)])
    assert args[0] == '/usr/local/bin/%s' % component
    listed = set(line.strip() for line in (FLAGS_DIR / version / ('%s.txt' % component)).read_text().splitlines())
    unknown = [n for n in _flag_names(args) if n not in listed]
    assert not unknown, '%s %s would refuse %s' % (component, version, unknown)


@pytest.mark.parametrize('version', VERSIONS)
def test_every_network_path_has_tls(run, version):
    def values(component):
        args = _exec_args(run[0]['%s-%s' % (version, component)])
        return dict((vf.flag_key(a.split('=', 1)[0]), a.split('=', 1)[1]) for a in args[1:])

    gate, tablet, ctld = values('vtgate'), values('vttablet'), values('vtctld')
    for v in (gate, tablet, ctld):
        # The files the pki role recorded on the host.
        assert v['grpc-cert'] == '/srv/tls/peer.crt' and v['grpc-key'] == '/srv/tls/peer.key'
        assert v['grpc-ca'] == '/srv/tls/ca-bundle.pem'  # client certificates required
    for prefix in ('tablet-grpc', ):
        for v in (gate, ctld):
            assert v[prefix + '-cert'] and v[prefix + '-key'] and v[prefix + '-ca']
    assert ctld['tablet-manager-grpc-cert'] and ctld['tablet-manager-grpc-ca']
    assert gate['mysql-server-ssl-cert'] and gate['mysql-server-require-secure-transport'] == 'true'
    assert gate['mysql-server-tls-min-version'] == 'TLSv1.2'
    assert tablet['db-ssl-mode'] == 'verify_identity' and tablet['db-ssl-ca']
    assert tablet['queryserver-config-strict-table-acl'] == 'true' and tablet['enforce-tableacl-config'] == 'true'
    assert tablet['table-acl-config'] == '/etc/vitess/table_acl.json'
    assert tablet['tablet-hostname'] == 'tablet1.example' and tablet['tablet-path'] == 'zone1-0000000101'
    assert 'grpc-use-effective-callerid' not in gate


def test_spelling_differs_by_release(run):
    v22 = _flag_names(_exec_args(run[0]['v22-vttablet']))
    v23 = _flag_names(_exec_args(run[0]['v23-vttablet']))
    assert '--grpc_cert' in v22 and '--db_ssl_mode' in v22 and '--table-acl-config' in v22
    assert '--grpc-cert' in v23 and '--db-ssl-mode' in v23
    assert not [n for n in v23 if '_' in n]


@pytest.mark.parametrize('component', COMPONENTS)
def test_unit_hardening_and_reload(run, component):
    text = run[0]['v23-%s' % component]
    for line in ('User=vitess', 'Group=vitess', 'NoNewPrivileges=yes', 'ProtectSystem=strict', 'ProtectHome=yes',
                 'PrivateTmp=yes', 'ReadWritePaths=/var/lib/vitess /var/log/vitess', 'Restart=on-failure'):
        assert '\n%s\n' % line in text, line
    # Only vttablet handles SIGHUP (its table ACL); Go's default for SIGHUP elsewhere is to exit.
    assert ('ExecReload=/bin/kill -HUP $MAINPID' in text) == (component == 'vttablet')


def test_table_acl_json(run):
    acl = json.loads(run[0]['v23-acl'])
    assert acl == {'table_groups': [{'name': 'all', 'table_names_or_prefixes': ['%'], 'readers': ['app_ro'],
                                     'writers': ['app_rw'], 'admins': ['dba']}]}


@pytest.mark.parametrize('name, needle', [
    ('unknown_version', 'is not known to dbtls.transport'),
    ('callerid_extra_flag', 'claim any identity'),
    ('managed_extra_flag', 'which the role manages'),
    ('missing_tablet_uid', 'set vitess_tls_vttablet_uid'),
    ('unknown_component', 'may only name vtctld, vtgate and vttablet, not vtorc'),
    ('bad_acl_group', "vttablet refuses other fields): {'name': 'all', 'reader': ['app_ro']}"),
    ('several_problems', 'set vitess_tls_vttablet_uid to a positive number unique in cell'),
    ('several_problems', "vttablet refuses other fields): {'readers': ['app_ro']}"),
    ('missing_cert', 'absent/peer.crt: missing'),
    ('unnamed_cert', 'vitess_tls_cert_path, vitess_tls_key_path and vitess_tls_ca_path are required'),
])
def test_refusals(run, name, needle):
    result = run[1][name]
    assert result != 'passed', '%s was not refused' % name
    assert needle in result, result


def test_effective_callerid_opt_in_warns(run):
    dummy, cases, stdout = run
    assert cases['callerid_opt_in'] == 'passed'
    assert 'WARNING (insecure)' in stdout and 'any client' in stdout
