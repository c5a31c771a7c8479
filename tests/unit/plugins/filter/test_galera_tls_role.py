# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The galera_tls role's my.cnf drop-ins and refusals, rendered by Ansible itself on localhost.

One ansible-playbook run (no root, no containers) loads the role's defaults and its flavor table,
merges wsrep_provider_options with the collection's module exactly as tasks/config.yml does,
renders the three templates for every case, and runs the role's preflight task files for inputs
that must be refused. The tests then read what it wrote, parsing the option files the way MariaDB
reads them (plugins/module_utils/wsrep.py), for both flavors. PXC cannot run here: this is its
coverage.

(Lives under plugins/filter because the rendering goes through the collection's wsrep filter and
module; the name starts with test_galera_ so it cannot clash with the module tests.)
"""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import wsrep

ROLE = pathlib.Path(wsrep.__file__).parents[2] / 'roles' / 'galera_tls'
PLAYBOOK_BIN = pathlib.Path(sys.executable).parent / 'ansible-playbook'
if not PLAYBOOK_BIN.exists():
    PLAYBOOK_BIN = shutil.which('ansible-playbook')

pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not ROLE.is_dir(),
                                reason='ansible-playbook or the role is not available')

CURRENT = 'gcache.size=1G; socket.ssl_cert=/old/peer.crt; evs.send_window=4'
# The address is set in the inventory too: the cluster address reads it from hostvars, as it reads
# every member's.
BASE = {
    'galera_tls_node_address': '10.0.0.11',
    'galera_tls_cluster_name': 'unit',
    'galera_tls_sst_password': 'unit-secret',
    'galera_tls_provider_options': {'gcs.fc_limit': 64},
    # role_path is not set outside a role: name the role's file as the default does.
    'galera_tls_dhparams_src': str(ROLE / 'files' / 'dhparams-ffdhe2048.pem'),
    # No facts are gathered here: the platform row is named (tests/unit/roles/test_platforms.py
    # covers the others).
    'galera_tls_platform_family': 'Debian',
}

# What the pki role records with its default pki_dir (ansible_local.dbtls_pki).
PKI_RECORD = {'dir': '/etc/dbtls/tls', 'ca_bundle': '/etc/dbtls/tls/ca-bundle.pem', 'peer_cert': '/etc/dbtls/tls/peer.crt',
              'peer_key': '/etc/dbtls/tls/peer.key', 'client_names': [], 'clients': {}, 'crl': ''}

# name -> (vars, current wsrep_provider_options); each is rendered.
RENDER = {
    'mariadb': ({}, CURRENT),
    'mariadb_crl_strict': ({'galera_tls_crl_path': '/etc/dbtls/tls/crl.pem',
                            'galera_tls_require_secure_transport': True,
                            'galera_tls_client_verify_server_cert': False,
                            'galera_tls_sst_cert_path': '/etc/dbtls/tls/sst.crt',
                            'galera_tls_sst_key_path': '/etc/dbtls/tls/sst.key'}, ''),
    'mariadb_mysqldump': ({'galera_tls_sst_method': 'mysqldump'}, ''),
    'mariadb_rsync_allowed': ({'galera_tls_sst_method': 'rsync', 'galera_tls_sst_encryption_required': False}, ''),
    'pxc_automatic': ({'galera_tls_flavor': 'pxc'}, CURRENT + '; socket.ssl=yes'),
    'pxc_manual': ({'galera_tls_flavor': 'pxc', 'galera_tls_pxc_encrypt_mode': 'manual',
                    'galera_tls_sst_cert_path': '/etc/dbtls/tls/sst.crt',
                    'galera_tls_sst_key_path': '/etc/dbtls/tls/sst.key'}, CURRENT),
    'pxc_datadir': ({'galera_tls_flavor': 'pxc', 'galera_tls_ca_path': '', 'galera_tls_cert_path': '',
                     'galera_tls_key_path': '', 'galera_tls_datadir_certificates': 'adopt'}, ''),
    # adopt wins over the role's paths (which default to the pki role's files).
    'pxc_adopt': ({'galera_tls_flavor': 'pxc', 'galera_tls_datadir_certificates': 'adopt',
                   'galera_tls_datadir': '/data/mysql'}, ''),
    'mariadb_adopt': ({'galera_tls_datadir_certificates': 'adopt', 'galera_tls_ca_path': '',
                       'galera_tls_cert_path': '', 'galera_tls_key_path': ''}, ''),
}

# name -> (vars, task file, expected fragment of the failure message); each must be refused.
REFUSE = {
    'rsync_encryption_required': ({'galera_tls_sst_method': 'rsync'}, 'preflight_input',
                                  'sends the data files unencrypted'),
    'pxc_rsync_encryption_required': ({'galera_tls_flavor': 'pxc', 'galera_tls_sst_method': 'rsync'},
                                      'preflight_input', 'sends the data files unencrypted'),
    'unknown_sst_method': ({'galera_tls_sst_method': 'xtrabackup-v2'}, 'preflight_input',
                           'is not an SST method of mariadb'),
    'no_sst_password': ({'galera_tls_sst_password': ''}, 'preflight_input', 'galera_tls_sst_password is empty'),
    'quote_in_password': ({'galera_tls_sst_password': 'a"b'}, 'preflight_input', 'contains a double quote'),
    'backslash_in_password': ({'galera_tls_sst_password': 'a\\b'}, 'preflight_input', 'contains a double quote'),
    'colon_in_user': ({'galera_tls_sst_user': 'a:b'}, 'preflight_input', 'contains ":"'),
    'role_owned_provider_option': ({'galera_tls_provider_options': {'socket.ssl_cert': '/x.crt'}},
                                   'preflight_input', 'which the role sets'),
    'role_owned_provider_remove': ({'galera_tls_provider_options_remove': ['socket.ssl']},
                                   'preflight_input', 'which the role sets'),
    'mariadb_missing_cert_path': ({'galera_tls_cert_path': ''}, 'preflight_input', 'are required for MariaDB'),
    'pxc_manual_missing_key_path': ({'galera_tls_flavor': 'pxc', 'galera_tls_pxc_encrypt_mode': 'manual',
                                     'galera_tls_key_path': ''}, 'preflight_input', 'are required for PXC manual mode'),
    'pxc_automatic_partial_paths': ({'galera_tls_flavor': 'pxc', 'galera_tls_ca_path': ''}, 'preflight_input',
                                    'set all of galera_tls_ca_path'),
    'pxc_automatic_separate_sst_files': ({'galera_tls_flavor': 'pxc', 'galera_tls_sst_cert_path': '/x/sst.crt'},
                                         'preflight_input', 'galera_tls_pxc_encrypt_mode: manual'),
    'not_in_group': ({'galera_tls_cluster_group': 'other'}, 'preflight_input', 'is not in the inventory group other'),
    # Several problems: one message lists them all.
    'two_problems': ({'galera_tls_sst_method': 'rsync', 'galera_tls_sst_user': 'a:b'}, 'preflight_input',
                     ('sends the data files unencrypted', 'contains ":"')),
    'bootstrap_node_not_member': ({'galera_tls_bootstrap_node': 'db9'}, 'preflight_input',
                                  'galera_tls_bootstrap_node db9 is not a member'),
    # PXC automatic mode without paths uses the datadir files: that is adopting them, not replacing.
    'pxc_replace_without_paths': ({'galera_tls_flavor': 'pxc', 'galera_tls_ca_path': '', 'galera_tls_cert_path': '',
                                   'galera_tls_key_path': ''}, 'preflight_input',
                                  'none of them with galera_tls_datadir_certificates: adopt'),
    'unknown_datadir_certificates': ({'galera_tls_datadir_certificates': 'keep'}, 'preflight_input',
                                     'galera_tls_datadir_certificates keep is not replace or adopt'),
    # PXC's automatic lookup: no ssl-* paths and no ca.pem/server-cert.pem/server-key.pem in the datadir.
    'pxc_automatic_datadir_files_missing': ({'galera_tls_flavor': 'pxc', 'galera_tls_ca_path': '',
                                             'galera_tls_cert_path': '', 'galera_tls_key_path': '',
                                             'galera_tls_datadir_certificates': 'adopt',
                                             'galera_tls_datadir': '@TMP@/empty-datadir'},
                                            'preflight', 'would look for @TMP@/empty-datadir/server-cert.pem'),
    # The option files could not be read (galera_node_info's answer): nothing is merged onto an empty value.
    'option_files_unreadable': ({'__galera_tls_node_info': {'option_files': {
        'error': 'my_print_defaults --mysqld failed: Found option without preceding group', 'provider_options': '',
        'keyring': []}}}, 'provider_options', 'Found option without preceding group). Nothing was written'),
}
# name -> (vars, task file); each must pass.
ACCEPT = {
    'defaults': ({}, 'preflight_input'),
    'option_files_read': ({'__galera_tls_node_info': {'option_files': {'error': '', 'provider_options': 'gcache.size=1G',
                                                                       'keyring': []}}}, 'provider_options'),
    'rsync_when_allowed': ({'galera_tls_sst_method': 'rsync', 'galera_tls_sst_encryption_required': False},
                           'preflight_input'),
    'pxc_automatic_datadir': ({'galera_tls_flavor': 'pxc', 'galera_tls_ca_path': '', 'galera_tls_cert_path': '',
                               'galera_tls_key_path': '', 'galera_tls_datadir_certificates': 'adopt'}, 'preflight_input'),
    'mariadb_adopt_without_paths': ({'galera_tls_datadir_certificates': 'adopt', 'galera_tls_ca_path': '',
                                     'galera_tls_cert_path': '', 'galera_tls_key_path': ''}, 'preflight_input'),
    'pxc_no_sst_password': ({'galera_tls_flavor': 'pxc', 'galera_tls_sst_password': ''}, 'preflight_input'),
}


# Keyring consistency (tasks/node_info.yml's galera_node_info read, then tasks/preflight_keyring.yml)
# on a pair of local hosts, each "reading" its effective options from printf instead of my_print_defaults: case -> (vars, options per host).
KEYRING = {
    # PXC's keyring_file plugin: dashes and underscores are the same option, the last value counts.
    'pxc': ({'galera_tls_flavor': 'pxc', 'galera_tls_sst_method': 'rsync', 'galera_tls_sst_encryption_required': False},
            {'node-a': ['--early-plugin-load=keyring_file.so', '--keyring_file_data=/var/lib/mysql-keyring/keyring',
                        '--innodb_buffer_pool_size=1G'],
             'node-b': ['--early_plugin_load=keyring_file.so', '--loose-keyring-file-data=/var/lib/mysql-keyring/keyring',
                        '--keyring_file_data=/srv/keyring']}),
    # MariaDB's file_key_management: a secret option is compared by digest and never shown; the key
    # file's content is compared too.
    'mariadb': ({},
                {'node-a': ['--plugin-load-add=file_key_management', '--file_key_management_filename=@TMP@/key-a',
                            '--file-key-management-filekey=secret-a'],
                 'node-b': ['--plugin_load_add=file_key_management', '--file_key_management_filename=@TMP@/key-b',
                            '--loose-file-key-management-filekey=secret-b']}),
    'pxc_same': ({'galera_tls_flavor': 'pxc'},
                 {'node-a': ['--early-plugin-load=keyring_file.so', '--keyring_file_data=/k'],
                  'node-b': ['--early_plugin_load=keyring_file.so', '--keyring-file-data=/k']}),
    'no_keyring_rsync': ({'galera_tls_flavor': 'pxc', 'galera_tls_sst_method': 'rsync',
                          'galera_tls_sst_encryption_required': False},
                         {'node-a': ['--innodb_buffer_pool_size=1G'], 'node-b': []}),
}


def _keyring_play(tmp, case, over):
    out = tmp / ('keyring-' + case)
    out.mkdir()
    over = dict(over, galera_tls_cluster_group='keyring_pair')
    return {'name': 'Keyring %s' % case, 'hosts': 'keyring_pair', 'gather_facts': False,
            'vars_files': _vars_files(tmp, 'keyring-' + case, over),
            'tasks': [
                {'ansible.builtin.set_fact': {'__galera_tls_flavor': "{{ __galera_tls_flavors[galera_tls_flavor]"
                                                                     " | combine(__galera_tls_platforms.Debian[galera_tls_flavor], "
                                                                     "{'print_defaults': ['printf', '%%s\\n'] + unit_keyring['%s']}) }}" % case}},
                {'ansible.builtin.include_tasks': str(ROLE / 'tasks' / 'node_info.yml')},
                {'ansible.builtin.include_tasks': str(ROLE / 'tasks' / 'preflight_keyring.yml')},
                {'ansible.builtin.copy': {'dest': '%s/{{ inventory_hostname }}.json' % out, 'mode': '0644',
                                          'content': '{{ __galera_tls_keyring_problems | to_json }}'}}]}


def _collections_path():
    # .../ansible_collections/dbtls/transport/plugins/module_utils/wsrep.py
    return str(pathlib.Path(wsrep.__file__).parents[5])


def _vars_files(tmp, name, over):
    path = tmp / ('vars-%s.json' % name)
    path.write_text(json.dumps(dict(BASE, **over)).replace('@TMP@', str(tmp)))
    return [str(ROLE / 'defaults' / 'main.yml'), str(ROLE / 'vars' / 'main.yml'), str(path)]


def _render_play(tmp, name, over, current):
    out = tmp / name
    out.mkdir()
    template = {'ansible.builtin.template': {'src': '', 'dest': '', 'mode': '0644'}}
    tasks = [
        {'name': 'Merge as tasks/config.yml does',
         'dbtls.transport.wsrep_provider_options': {'current': current,
                                                    'set': '{{ __galera_tls_provider_set }}',
                                                    'remove': '{{ __galera_tls_provider_remove }}'},
         'register': '__galera_tls_wsrep'},
    ]
    for src in ('server', 'options', 'secret'):
        task = json.loads(json.dumps(template))
        task['ansible.builtin.template'].update(src=str(ROLE / 'templates' / ('%s.cnf.j2' % src)),
                                                dest='%s/%s.cnf' % (out, src))
        task['vars'] = {'__galera_tls_provider_options': '{{ __galera_tls_wsrep.value }}'}
        if src == 'secret':
            task['when'] = '__galera_tls_flavor.sst_auth_option | length > 0'
        tasks.append(task)
    tasks.append({'ansible.builtin.copy': {'dest': '%s/facts.json' % out, 'mode': '0644',
                                           'content': '{{ {"flavor": __galera_tls_flavor, "sst_method": __galera_tls_sst_method,'
                                                      ' "wsrep": __galera_tls_wsrep.value} | to_json }}'}})
    return {'name': 'Render %s' % name, 'hosts': 'localhost', 'gather_facts': False,
            'vars_files': _vars_files(tmp, name, over), 'tasks': tasks}


def _check_play(tmp, name, over, task_file, hosts='localhost'):
    out = tmp / name
    out.mkdir()
    # A node's read stands in for galera_node_info's as include vars: they take precedence over the
    # answer an earlier play registered on the same host.
    read = {k: v for k, v in over.items() if k == '__galera_tls_node_info'}
    over = {k: v for k, v in over.items() if k not in read}
    include = {'ansible.builtin.include_tasks': str(ROLE / 'tasks' / ('%s.yml' % task_file))}
    if read:
        include['vars'] = read
    return {'name': 'Check %s' % name, 'hosts': hosts, 'gather_facts': False,
            'vars_files': _vars_files(tmp, name, over),
            'tasks': [{'block': [
                include,
                {'ansible.builtin.copy': {'dest': '%s/accepted' % out, 'content': 'ok', 'mode': '0644'}}],
                'rescue': [{'ansible.builtin.copy': {'dest': '%s/refused' % out, 'mode': '0644',
                                                     'content': '{{ ansible_failed_result.msg }}'}}]}]}


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('galera_tls')
    (tmp / 'empty-datadir').mkdir()
    # The pki role's record of localhost's files, set as the role sets it (local_facts, here into a
    # temporary fact folder): the role's TLS paths default to it.
    plays = [{'name': 'Record the TLS files', 'hosts': 'localhost', 'gather_facts': False,
              'tasks': [{'dbtls.transport.local_facts': {'name': 'dbtls_pki', 'fact_dir': str(tmp / 'facts.d'),
                                                         'facts': PKI_RECORD}}]}]
    plays += [_render_play(tmp, name, over, current) for name, (over, current) in RENDER.items()]
    # node-a has no record (the pki role never ran there) and no TLS paths set.
    plays.append(_check_play(tmp, 'no_pki_record', {}, 'preflight_input', hosts='node-a'))
    plays += [_check_play(tmp, name, over, task_file) for name, (over, task_file, _message) in REFUSE.items()]
    plays += [_check_play(tmp, 'accept-' + name, over, task_file) for name, (over, task_file) in ACCEPT.items()]
    plays += [_keyring_play(tmp, case, over) for case, (over, _options) in KEYRING.items()]
    playbook = tmp / 'playbook.json'
    playbook.write_text(json.dumps(plays))
    inventory = tmp / 'inventory.ini'
    inventory.write_text('[galera]\nlocalhost ansible_connection=local galera_tls_node_address=10.0.0.11 ansible_python_interpreter=%s\n' % sys.executable)
    (tmp / 'key-a').write_text('1;aa\n')
    (tmp / 'key-b').write_text('1;bb\n')
    pair = {'keyring_pair': {'hosts': {
        host: {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
               'unit_keyring': {case: [o.replace('@TMP@', str(tmp)) for o in options[host]]
                                for case, (_over, options) in KEYRING.items()}}
        for host in ('node-a', 'node-b')}}}
    (tmp / 'pair.json').write_text(json.dumps(pair))
    env = {
        'ANSIBLE_COLLECTIONS_PATH': _collections_path(),
        'ANSIBLE_LOCAL_TEMP': str(tmp / 'ansible-tmp'),
        'ANSIBLE_HOME': str(tmp / 'ansible-home'),
        'ANSIBLE_NOCOLOR': '1',
        'PATH': '/usr/bin:/bin',
    }
    proc = subprocess.run([str(PLAYBOOK_BIN), '-i', str(inventory), '-i', str(tmp / 'pair.json'), str(playbook)], env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return tmp


def _cnf(run, case, name):
    return (run / case / ('%s.cnf' % name)).read_text()


def _opt(text, group, option):
    return wsrep.read_cnf_option(text, [group], option)


def _groups(text):
    return [line.strip()[1:-1] for line in text.splitlines() if line.startswith('[')]


@pytest.mark.parametrize('case', sorted(RENDER))
def test_every_file_starts_with_ansible_managed(run, case):
    for name in ('server', 'options'):
        assert _cnf(run, case, name).startswith('#'), name


def test_mariadb_server(run):
    text = _cnf(run, 'mariadb', 'server')
    assert _groups(text) == ['mysqld']
    expected = {
        'ssl-ca': '/etc/dbtls/tls/ca-bundle.pem', 'ssl-cert': '/etc/dbtls/tls/peer.crt',
        'ssl-key': '/etc/dbtls/tls/peer.key', 'require_secure_transport': 'OFF', 'wsrep_on': 'ON',
        'wsrep_provider': '/usr/lib/galera/libgalera_smm.so', 'wsrep_cluster_name': 'unit',
        'wsrep_cluster_address': 'gcomm://10.0.0.11', 'wsrep_node_address': '10.0.0.11',
        'wsrep_node_name': 'localhost', 'wsrep_sst_method': 'mariabackup', 'binlog_format': 'ROW',
        'default_storage_engine': 'InnoDB', 'innodb_autoinc_lock_mode': '2', 'bind-address': '0.0.0.0',
    }
    for option, value in expected.items():
        assert _opt(text, 'mysqld', option) == value, option
    assert _opt(text, 'mysqld', 'ssl-crl') is None
    assert 'pxc' not in text


def test_mariadb_provider_options_keep_every_other_option(run):
    text = _cnf(run, 'mariadb', 'server')
    options = wsrep.parse(_opt(text, 'mysqld', 'wsrep_provider_options'))
    # The current options keep their place and value; the stale TLS path is replaced in place;
    # the user's option and the role's TLS options are appended.
    assert options == [
        ('gcache.size', '1G'), ('socket.ssl_cert', '/etc/dbtls/tls/peer.crt'), ('evs.send_window', '4'),
        ('gcs.fc_limit', '64'), ('socket.ssl', 'yes'), ('socket.ssl_key', '/etc/dbtls/tls/peer.key'),
        ('socket.ssl_ca', '/etc/dbtls/tls/ca-bundle.pem')]


def test_mariadb_client_and_sst(run):
    text = _cnf(run, 'mariadb', 'options')
    assert _groups(text) == ['client', 'sst']
    assert _opt(text, 'client', 'ssl-ca') == '/etc/dbtls/tls/ca-bundle.pem'
    assert _opt(text, 'client', 'ssl-cert') == '/etc/dbtls/tls/peer.crt'
    assert _opt(text, 'client', 'ssl-key') == '/etc/dbtls/tls/peer.key'
    assert _opt(text, 'client', 'ssl-verify-server-cert') == 'ON'
    assert _opt(text, 'sst', 'encrypt') == '4'
    # tca/tcert/tkey, because [mysqld] ssl-* silently win over [sst] ssl-* in the SST scripts.
    for option, value in (('tca', 'ca-bundle.pem'), ('tcert', 'peer.crt'), ('tkey', 'peer.key'),
                          ('ssl-ca', 'ca-bundle.pem'), ('ssl-cert', 'peer.crt'), ('ssl-key', 'peer.key')):
        assert _opt(text, 'sst', option) == '/etc/dbtls/tls/' + value, option


def test_mariadb_secret(run):
    text = _cnf(run, 'mariadb', 'secret')
    assert _groups(text) == ['sst']
    assert _opt(text, 'sst', 'wsrep-sst-auth') == 'dbtls_sst:unit-secret'
    # Not in the 0644 files.
    for name in ('server', 'options'):
        assert 'unit-secret' not in _cnf(run, 'mariadb', name)


def test_mariadb_crl_strict_and_separate_sst_files(run):
    server = _cnf(run, 'mariadb_crl_strict', 'server')
    assert _opt(server, 'mysqld', 'ssl-crl') == '/etc/dbtls/tls/crl.pem'
    assert _opt(server, 'mysqld', 'require_secure_transport') == 'ON'
    # A fresh current value: only the user's and the role's options.
    assert wsrep.parse_dict(_opt(server, 'mysqld', 'wsrep_provider_options')) == {
        'gcs.fc_limit': '64', 'socket.ssl': 'yes', 'socket.ssl_cert': '/etc/dbtls/tls/peer.crt',
        'socket.ssl_key': '/etc/dbtls/tls/peer.key', 'socket.ssl_ca': '/etc/dbtls/tls/ca-bundle.pem'}
    options = _cnf(run, 'mariadb_crl_strict', 'options')
    assert _opt(options, 'client', 'ssl-crl') == '/etc/dbtls/tls/crl.pem'
    assert _opt(options, 'client', 'ssl-verify-server-cert') is None
    assert _opt(options, 'sst', 'tcert') == '/etc/dbtls/tls/sst.crt'
    assert _opt(options, 'sst', 'tkey') == '/etc/dbtls/tls/sst.key'
    assert _opt(options, 'sst', 'ssl-cert') == '/etc/dbtls/tls/sst.crt'
    assert _opt(options, 'sst', 'tca') == '/etc/dbtls/tls/ca-bundle.pem'


def test_mariadb_mysqldump_and_rsync_have_no_socat_encryption(run):
    for case in ('mariadb_mysqldump', 'mariadb_rsync_allowed'):
        server = _cnf(run, case, 'server')
        assert _opt(server, 'mysqld', 'wsrep_sst_method') == case.split('_')[1]
        options = _cnf(run, case, 'options')
        assert _opt(options, 'sst', 'encrypt') is None
        assert _opt(options, 'sst', 'tcert') is None
    # mysqldump goes through the [client] TLS settings.
    assert _opt(_cnf(run, 'mariadb_mysqldump', 'options'), 'client', 'ssl-cert') == '/etc/dbtls/tls/peer.crt'
    assert 'unencrypted channel' in _cnf(run, 'mariadb_rsync_allowed', 'options')


def test_pxc_automatic(run):
    server = _cnf(run, 'pxc_automatic', 'server')
    assert _opt(server, 'mysqld', 'pxc-encrypt-cluster-traffic') == 'ON'
    assert _opt(server, 'mysqld', 'wsrep_provider') == '/usr/lib/galera4/libgalera_smm.so'
    assert _opt(server, 'mysqld', 'wsrep_sst_method') == 'xtrabackup-v2'
    # PXC takes replication TLS from [mysqld] ssl-*: the role's socket.ssl* options, including
    # stale ones in the current value, are dropped; every other option stays.
    assert _opt(server, 'mysqld', 'ssl-cert') == '/etc/dbtls/tls/peer.crt'
    assert wsrep.parse(_opt(server, 'mysqld', 'wsrep_provider_options')) == [
        ('gcache.size', '1G'), ('evs.send_window', '4'), ('gcs.fc_limit', '64')]
    options = _cnf(run, 'pxc_automatic', 'options')
    assert _opt(options, 'client', 'ssl-mode') == 'VERIFY_IDENTITY'
    assert _opt(options, 'client', 'ssl-verify-server-cert') is None
    assert _opt(options, 'sst', 'encrypt') == '4'
    assert _opt(options, 'sst', 'tcert') == '/etc/dbtls/tls/peer.crt'
    # PXC 8.0 has its own SST user: no credentials file.
    assert not (run / 'pxc_automatic' / 'secret.cnf').exists()
    facts = json.loads((run / 'pxc_automatic' / 'facts.json').read_text())
    assert facts['flavor']['config_dir'] == '/etc/mysql/mysql.conf.d'
    assert facts['flavor']['service'] == 'mysql'


def test_pxc_manual(run):
    server = _cnf(run, 'pxc_manual', 'server')
    assert _opt(server, 'mysqld', 'pxc-encrypt-cluster-traffic') == 'OFF'
    assert wsrep.parse_dict(_opt(server, 'mysqld', 'wsrep_provider_options')) == {
        'gcache.size': '1G', 'socket.ssl_cert': '/etc/dbtls/tls/peer.crt', 'evs.send_window': '4',
        'gcs.fc_limit': '64', 'socket.ssl': 'yes', 'socket.ssl_key': '/etc/dbtls/tls/peer.key',
        'socket.ssl_ca': '/etc/dbtls/tls/ca-bundle.pem'}
    options = _cnf(run, 'pxc_manual', 'options')
    assert _opt(options, 'sst', 'tcert') == '/etc/dbtls/tls/sst.crt'
    assert _opt(options, 'sst', 'ssl-key') == '/etc/dbtls/tls/sst.key'


def test_pxc_datadir_adopted(run):
    server = _cnf(run, 'pxc_datadir', 'server')
    # Adopted: [mysqld] names the datadir files PXC would look up anyway; clients and SST use them.
    assert _opt(server, 'mysqld', 'ssl-ca') == '/var/lib/mysql/ca.pem'
    assert _opt(server, 'mysqld', 'ssl-cert') == '/var/lib/mysql/server-cert.pem'
    assert _opt(server, 'mysqld', 'ssl-key') == '/var/lib/mysql/server-key.pem'
    assert _opt(server, 'mysqld', 'pxc-encrypt-cluster-traffic') == 'ON'
    assert _opt(server, 'mysqld', 'wsrep_provider_options') == 'gcs.fc_limit=64'
    options = _cnf(run, 'pxc_datadir', 'options')
    assert _opt(options, 'client', 'ssl-ca') == '/var/lib/mysql/ca.pem'
    assert _opt(options, 'sst', 'tcert') == '/var/lib/mysql/server-cert.pem'
    assert _opt(options, 'sst', 'tkey') == '/var/lib/mysql/server-key.pem'


def test_adopt_wins_over_the_role_paths(run):
    # PXC with the pki role's default paths set: adopt still points everything at the datadir.
    server = _cnf(run, 'pxc_adopt', 'server')
    assert _opt(server, 'mysqld', 'ssl-ca') == '/data/mysql/ca.pem'
    assert _opt(server, 'mysqld', 'ssl-key') == '/data/mysql/server-key.pem'
    assert 'adopted' in server
    options = _cnf(run, 'pxc_adopt', 'options')
    assert _opt(options, 'client', 'ssl-cert') == '/data/mysql/server-cert.pem'
    assert _opt(options, 'sst', 'tca') == '/data/mysql/ca.pem'
    # MariaDB does not look in the datadir by itself: adopt names the files in [mysqld] and
    # replication uses them too.
    server = _cnf(run, 'mariadb_adopt', 'server')
    assert _opt(server, 'mysqld', 'ssl-cert') == '/var/lib/mysql/server-cert.pem'
    assert wsrep.parse_dict(_opt(server, 'mysqld', 'wsrep_provider_options'))['socket.ssl_ca'] == '/var/lib/mysql/ca.pem'
    assert _opt(_cnf(run, 'mariadb_adopt', 'options'), 'sst', 'tkey') == '/var/lib/mysql/server-key.pem'


def test_replace_is_the_default_and_keeps_the_role_files(run):
    server = _cnf(run, 'pxc_automatic', 'server')
    assert _opt(server, 'mysqld', 'ssl-ca') == '/etc/dbtls/tls/ca-bundle.pem'
    assert 'adopted' not in server


@pytest.mark.parametrize('case, dhparams', [
    ('mariadb', '/var/lib/mysql/dhparams.pem'),
    ('pxc_automatic', '/var/lib/mysql/dhparams.pem'),
    ('pxc_manual', '/var/lib/mysql/dhparams.pem'),
    ('pxc_adopt', '/data/mysql/dhparams.pem'),
    # mysqldump (a client connection) and rsync do not run socat with OpenSSL.
    ('mariadb_mysqldump', None),
    ('mariadb_rsync_allowed', None),
])
def test_sst_dhparams(run, case, dhparams):
    assert _opt(_cnf(run, case, 'options'), 'sst', 'ssl-dhparams') == dhparams


# RFC 7919, appendix A.1 (ffdhe2048): the prime, generator 2.
FFDHE2048_P = int(
    'FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF9'
    '7D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935'
    '984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FB'
    'B96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F61'
    '9172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA'
    '886B423861285C97FFFFFFFFFFFFFFFF', 16)


def _der_integers(der):
    """The INTEGERs of a DER SEQUENCE of INTEGERs (PKCS#3 DHParameter), without a crypto library."""
    def length(data, pos):
        first = data[pos]
        if first < 0x80:
            return first, pos + 1
        count = first & 0x7F
        return int.from_bytes(data[pos + 1:pos + 1 + count], 'big'), pos + 1 + count
    assert der[0] == 0x30
    size, pos = length(der, 1)
    end = pos + size
    out = []
    while pos < end:
        assert der[pos] == 0x02
        size, pos = length(der, pos + 1)
        out.append(int.from_bytes(der[pos:pos + size], 'big'))
        pos += size
    return out


def test_shipped_dhparams_are_rfc7919_ffdhe2048():
    import base64
    text = (ROLE / 'files' / 'dhparams-ffdhe2048.pem').read_text()
    body = ''.join(line for line in text.splitlines() if not line.startswith('-----'))
    assert text.startswith('-----BEGIN DH PARAMETERS-----')
    prime, generator = _der_integers(base64.b64decode(body))
    assert prime == FFDHE2048_P
    assert prime.bit_length() == 2048
    assert generator == 2


def test_refused_without_the_pki_record(run):
    # No TLS path set and no record of the pki role on the host: refused, saying what to do.
    refused = run / 'no_pki_record' / 'refused'
    assert refused.exists(), 'accepted without TLS files'
    message = refused.read_text()
    assert message.startswith('node-a: ')
    assert 'galera_tls_ca_path, galera_tls_cert_path and galera_tls_key_path are required for MariaDB' in message
    assert 'which has not run on it: run it first (site.yml does) or set the three paths' in message


@pytest.mark.parametrize('case', sorted(REFUSE))
def test_refused(run, case):
    expected = REFUSE[case][2]
    refused = run / case / 'refused'
    assert refused.exists(), 'accepted: %s' % case
    message = refused.read_text()
    for fragment in (expected,) if isinstance(expected, str) else expected:
        assert fragment.replace('@TMP@', str(run)) in message
    # The message names the node.
    assert message.startswith('localhost: ')


@pytest.mark.parametrize('case', sorted(ACCEPT))
def test_accepted(run, case):
    refused = run / ('accept-' + case) / 'refused'
    assert not refused.exists(), refused.read_text() if refused.exists() else ''
    assert (run / ('accept-' + case) / 'accepted').exists()


def _keyring(run, case, host):
    return json.loads((run / ('keyring-' + case) / ('%s.json' % host)).read_text())


def test_keyring_pxc_difference_named_on_the_node_that_differs(run):
    # node-b's last keyring_file_data wins over its earlier loose- one; early-plugin-load is spelled
    # with underscores there and is still the same option and value.
    assert _keyring(run, 'pxc', 'node-b')[0] == (
        "keyring settings differ from node-a's: only here: keyring-file-data=/srv/keyring; only on node-a: "
        "keyring-file-data=/var/lib/mysql-keyring/keyring (every node needs the same keyring settings and keys)")
    # A keyring makes SST encryption mandatory, even where unencrypted SST was allowed.
    for host in ('node-a', 'node-b'):
        problems = _keyring(run, 'pxc', host)
        assert problems[-1].startswith('a keyring is configured (node-a, node-b), so SST must be encrypted, but the SST '
                                       'method rsync sends the data unencrypted')
        assert 'use xtrabackup-v2' in problems[-1]
    assert len(_keyring(run, 'pxc', 'node-a')) == 1


def test_keyring_mariadb_secret_hidden_and_key_file_content_compared(run):
    problems = _keyring(run, 'mariadb', 'node-b')
    assert len(problems) == 1
    message = problems[0]
    assert message.startswith("keyring settings differ from node-a's: only here: ")
    assert 'file-key-management-filename=%s/key-b' % run in message
    assert 'content of %s/key-b' % run in message
    assert 'content of %s/key-a' % run in message
    # The filekey differs: named, its value never shown.
    assert message.count('file-key-management-filekey=(value hidden)') == 2
    assert 'secret-a' not in message and 'secret-b' not in message
    assert _keyring(run, 'mariadb', 'node-a') == []


@pytest.mark.parametrize('case', ['pxc_same', 'no_keyring_rsync'])
def test_keyring_accepted(run, case):
    for host in ('node-a', 'node-b'):
        assert _keyring(run, case, host) == []
