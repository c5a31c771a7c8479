# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""galera_tls's decision to make a running server re-read its CA bundle and CRL, rendered by Ansible.

One ansible-playbook run on localhost loads the role's defaults and vars and evaluates, for node
reads made up here (the shape galera_node_info returns), which TLS files the running server has not
read (``__galera_tls_tls_not_reloaded``) and the statements that make it read them
(``__galera_tls_reload_queries``). Molecule ``galera`` runs the same decision against real servers.
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

from ansible_collections.dbtls.transport.plugins.module_utils import node_state

ROLE = pathlib.Path(node_state.__file__).parents[2] / 'roles' / 'galera_tls'
PLAYBOOK_BIN = pathlib.Path(sys.executable).parent / 'ansible-playbook'
if not PLAYBOOK_BIN.exists():
    PLAYBOOK_BIN = shutil.which('ansible-playbook')

pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not ROLE.is_dir(), reason='ansible-playbook or the role is not available')

CA = '/etc/dbtls/tls/ca-bundle.pem'
CRL = '/etc/dbtls/tls/ca.crl'
MARKER = '/etc/mysql/mariadb.conf.d/.99-dbtls-galera-tls.reloaded'
STARTED = 1_800_000_000


def node(active='active', started=STARTED, ca=STARTED - 100, crl=STARTED - 100, marker=None,
         version='26.4.23(r1234)', plugin=False):
    """A node read as galera_node_info returns it, with the change times given (None: no file)."""
    files = {path: {'exists': mtime is not None, 'mtime': mtime}
             for path, mtime in ((CA, ca), (CRL, crl), (MARKER, marker))}
    return {'service': {'active_state': active, 'started': started}, 'files': files,
            'sql': {'provider_plugin_active': plugin, 'status': {'wsrep_provider_version': version}}}


# name -> (extra vars, node read, files not read, first reload statement)
CASES = {
    'crl_after_start': ({}, node(crl=STARTED + 50), [CRL], None),
    'both_after_start': ({}, node(ca=STARTED + 5, crl=STARTED + 50), [CA, CRL], None),
    'crl_read_at_reload': ({}, node(crl=STARTED + 50, marker=STARTED + 60), [], None),
    'crl_after_reload': ({}, node(crl=STARTED + 90, marker=STARTED + 60), [CRL], None),
    'within_start_precision': ({}, node(crl=STARTED + 1), [], None),
    'before_start': ({}, node(), [], None),
    'not_running': ({}, node(active='inactive', crl=STARTED + 50), [], None),
    'start_unknown': ({}, node(started=None, crl=STARTED + 50), [], None),
    'no_crl_configured': ({'galera_tls_crl_path': ''}, node(crl=STARTED + 50), [], None),
    # The statements: the provider's reload (options form, or the plugin's variable), then the
    # client port's; without a provider that has socket.ssl_reload, the client port's alone.
    'queries_provider_options': ({}, node(), [], "SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'"),
    'queries_provider_plugin': ({}, node(plugin=True), [], 'SET GLOBAL wsrep_provider_socket_ssl_reload=1'),
    'queries_old_provider': ({'galera_tls_sql_provider_version': '26.4.7'}, node(), [], 'FLUSH SSL'),
    'queries_no_provider': ({'galera_tls_sql_provider_version': ''}, node(version=''), [], 'FLUSH SSL'),
    'queries_pxc': ({'galera_tls_flavor': 'pxc'}, node(), [], "SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'"),
}


@pytest.fixture(scope='module')
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('galera_tls_reload')
    out = tmp / 'out.json'
    tasks = []
    for name, (extra, read, _files, _query) in CASES.items():
        # Task variables: above the role's defaults and vars, which the play loads as vars_files.
        task_vars = {'galera_tls_platform_family': 'Debian', 'galera_tls_cluster_name': 'unit',
                     'galera_tls_crl_path': CRL, 'galera_tls_ca_path': CA, '__galera_tls_node_info': read,
                     '__galera_tls_sql_read': read,
                     'galera_tls_sql_provider_version': read['sql']['status']['wsrep_provider_version'].split('(')[0]}
        task_vars.update(extra)
        tasks.append({'name': f'Decide {name}', 'ansible.builtin.set_fact': {
            'results': "{{ results | default({}) | combine({'%s': {'files': __galera_tls_tls_not_reloaded, "
                       "'queries': __galera_tls_reload_queries}}) }}" % name}, 'vars': task_vars})
    tasks.append({'name': 'Write the results', 'ansible.builtin.copy': {
        'content': '{{ results | to_json }}', 'dest': str(out), 'mode': '0600'}})
    play = [{'name': 'Render', 'hosts': 'localhost', 'gather_facts': False,
             'vars_files': [str(ROLE / 'defaults' / 'main.yml'), str(ROLE / 'vars' / 'main.yml')],
             'tasks': tasks}]
    playbook = tmp / 'play.yml'
    playbook.write_text(yaml.safe_dump(play))
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(pathlib.Path(node_state.__file__).parents[5]), ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false',
               ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    proc = subprocess.run([str(PLAYBOOK_BIN), '-c', 'local', '-i', 'localhost,', str(playbook)],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize('name', sorted(CASES))
def test_files_not_read_and_statements(rendered, name):
    _extra, _read, files, first_query = CASES[name]
    assert rendered[name]['files'] == files
    if first_query is not None:
        assert rendered[name]['queries'][0] == first_query
        # The client port's statement always comes last.
        assert rendered[name]['queries'][-1] in ('FLUSH SSL', 'ALTER INSTANCE RELOAD TLS')
    if name == 'queries_pxc':
        assert rendered[name]['queries'] == ["SET GLOBAL wsrep_provider_options='socket.ssl_reload=1'", 'ALTER INSTANCE RELOAD TLS']
