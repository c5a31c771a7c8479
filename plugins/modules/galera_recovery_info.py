#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: galera_recovery_info
short_description: Read what a whole-cluster recovery needs to know about one Galera node
description:
  - >-
    Reads, in one run, the state of one MariaDB Galera or Percona XtraDB Cluster node - whether its
    service runs (systemd C(ActiveState)), its C(grastate.dat) (cluster UUID, C(seqno),
    C(safe_to_bootstrap)), its wsrep status when the server runs (over the unix socket as root, with
    the client binary) and, when the server is stopped and C(grastate.dat) says C(seqno: -1) (a crash),
    the position InnoDB holds, read with C(mysqld --wsrep-recover) (the log line
    C(WSREP: Recovered position: <uuid>:<seqno>)).
  - It never fails on what it finds - a missing or unreadable C(grastate.dat), a failed
    C(--wsrep-recover), a server that does not answer are reported in RV(node) (C(readable),
    C(error), C(recover_error)) for the filter P(dbtls.transport.galera_recovery_plan#filter) to refuse
    with every node named. It fails only on bad arguments.
  - C(--wsrep-recover) starts InnoDB without networking and replays its redo log, as the server's
    own start does (MariaDB's C(galera_recovery), run by the unit before each start); it is run only
    while the service is stopped.
author:
  - dbtls.transport maintainers (@dbtls)
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode reads the same (including C(--wsrep-recover)).
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
  platform:
    support: full
    platforms: posix
    description: Runs on the database node, as root.
options:
  service:
    description: The server's systemd unit (C(mariadb) for MariaDB, C(mysql) for PXC).
    type: str
    default: mariadb
  datadir:
    description: The server's data directory, where C(grastate.dat) is.
    type: path
    default: /var/lib/mysql
  server_binary:
    description: The server binary run with C(--wsrep-recover).
    type: path
    default: /usr/sbin/mariadbd
  recover_args:
    description:
      - Arguments that send the server's log to standard error during C(--wsrep-recover)
        (MariaDB C(--disable-log-error), as its C(galera_recovery) script does).
    type: list
    elements: str
    default: [--disable-log-error]
  user:
    description: The account the server runs as (C(--user) of C(--wsrep-recover)).
    type: str
    default: mysql
  recover:
    description: Run C(--wsrep-recover) when the server is stopped and C(grastate.dat) says C(seqno) V(-1).
    type: bool
    default: true
  recover_timeout:
    description: Seconds C(--wsrep-recover) may take.
    type: int
    default: 300
  client_binary:
    description: The client binary used to read the wsrep status of a running server.
    type: path
    default: /usr/bin/mariadb
  login_unix_socket:
    description: The server's unix socket (root logs in with unix_socket authentication).
    type: path
    default: /run/mysqld/mysqld.sock
notes:
  - Sources of the file format and the recovery line - Galera documentation, "Crash Recovery"
    (U(https://galeracluster.com/library/documentation/crash-recovery.html)), and MariaDB's
    C(galera_recovery) script (C(/usr/bin/galera_recovery) of Debian's mariadb-server).
seealso:
  - plugin: dbtls.transport.galera_recovery_plan
    plugin_type: filter
  - name: playbooks/recover.yml
    description: The collection's recovery playbook, which reads every node with this module.
    link: https://github.com/dbtls/transport/blob/main/playbooks/recover.yml
'''

EXAMPLES = r'''
- name: Read the node's recovery state
  dbtls.transport.galera_recovery_info:
    service: mariadb
    datadir: /var/lib/mysql
  register: recovery

- name: Decide on the controller, once, from every node's answer
  ansible.builtin.debug:
    msg: >-
      {{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, ['recovery', 'node'])))
         | dbtls.transport.galera_recovery_plan(order=groups['galera']) }}
  run_once: true
'''

RETURN = r'''
node:
  description: What was read.
  returned: always
  type: dict
  contains:
    readable:
      description: Whether the node's position could be read from what was found (see C(error)).
      type: bool
    error:
      description: Why not, empty when readable.
      type: str
    service:
      description: The unit's C(ActiveState) (V(active), V(activating), V(inactive), V(failed), ...).
      type: str
    grastate:
      description: C(uuid), C(seqno) (int) and C(safe_to_bootstrap) (bool or null) of C(grastate.dat), or null.
      type: dict
    recovered:
      description: C(uuid) and C(seqno) logged by C(--wsrep-recover), or null when it was not run or found none.
      type: dict
    recover_error:
      description: The last lines of a C(--wsrep-recover) that gave no position.
      type: str
    wsrep:
      description:
        - The running server's status - C(cluster_status) (V(Primary), V(non-Primary), V(Disconnected)),
          C(local_state) (V(Synced), ...), C(state_uuid), C(last_committed) (int), C(cluster_size) (int), C(ready).
        - Null when the server does not run or does not answer.
      type: dict
  sample:
    readable: true
    error: ""
    service: failed
    grastate: {uuid: 5f1c0c1e-3b9e-11f0-8a4a-2b9e0a6a7f10, seqno: -1, safe_to_bootstrap: false}
    recovered: {uuid: 5f1c0c1e-3b9e-11f0-8a4a-2b9e0a6a7f10, seqno: 1832}
    recover_error: ""
    wsrep: null
'''

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dbtls.transport.plugins.module_utils import galera_recovery

_STATUS = {
    'wsrep_cluster_status': 'cluster_status',
    'wsrep_local_state_comment': 'local_state',
    'wsrep_cluster_state_uuid': 'state_uuid',
    'wsrep_last_committed': 'last_committed',
    'wsrep_cluster_size': 'cluster_size',
    'wsrep_ready': 'ready',
}


def _service_state(module, service):
    systemctl = module.get_bin_path('systemctl', required=True)
    rc, out, err = module.run_command([systemctl, 'show', '-p', 'ActiveState', '--value', service])
    if rc != 0:
        return '', f'systemctl show {service} failed: {(err or out).strip()[:200]}'
    return out.strip(), ''


def _wsrep_status(module, params):
    query = 'SHOW GLOBAL STATUS WHERE Variable_name IN (' + ', '.join(f"'{k}'" for k in _STATUS) + ')'
    rc, out, err = module.run_command([params['client_binary'], '--no-defaults', '-S', params['login_unix_socket'],
                                       '-u', 'root', '-N', '-B', '-e', query])
    if rc != 0:
        return None
    values = dict(line.split('\t', 1) for line in out.splitlines() if '\t' in line)
    status = {_STATUS[k]: v for k, v in values.items() if k in _STATUS}
    for key in ('last_committed', 'cluster_size'):
        if str(status.get(key, '')).lstrip('-').isdigit():
            status[key] = int(status[key])
    return status or None


def _recover(module, params):
    argv = [params['server_binary'], f"--user={params['user']}", '--wsrep-recover'] + params['recover_args']
    timeout = module.get_bin_path('timeout')
    if timeout:
        argv = [timeout, str(params['recover_timeout'])] + argv
    rc, out, err = module.run_command(argv, environ_update={'LC_ALL': 'C'}, cwd='/')
    text = f'{out}\n{err}'
    found = galera_recovery.parse_recovered_position(text)
    if found:
        return found, ''
    tail = ' | '.join(line.strip() for line in text.strip().splitlines()[-5:])
    return None, f'--wsrep-recover (rc {rc}) logged no position: {tail[-600:]}'


def read_node(module, params):
    node = {'readable': True, 'error': '', 'service': '', 'grastate': None, 'recovered': None,
            'recover_error': '', 'wsrep': None}
    node['service'], error = _service_state(module, params['service'])
    if error:
        node.update(readable=False, error=error)
        return node
    path = os.path.join(params['datadir'], 'grastate.dat')
    try:
        with open(path, encoding='utf-8', errors='replace') as handle:
            node['grastate'] = galera_recovery.parse_grastate(handle.read(65536))
    except OSError as exc:
        node['error'] = f'{path}: {exc.strerror or exc}'
    except galera_recovery.RecoveryError as exc:
        node['error'] = f'{path}: {exc}'
    if node['service'] not in galera_recovery.STOPPED_STATES:
        # A running server's position is its live wsrep_last_committed (grastate.dat says -1 while
        # it runs); its files cannot be read by --wsrep-recover while it holds them.
        node['wsrep'] = _wsrep_status(module, params)
    elif node['grastate'] and node['grastate']['seqno'] < 0 and params['recover']:
        node['recovered'], node['recover_error'] = _recover(module, params)
    uuid, _seqno, why = galera_recovery.position(node)
    if uuid is None:
        node.update(readable=False, error=why)
    else:
        node['error'] = ''
    return node


def main():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type='str', default='mariadb'),
            datadir=dict(type='path', default='/var/lib/mysql'),
            server_binary=dict(type='path', default='/usr/sbin/mariadbd'),
            recover_args=dict(type='list', elements='str', default=['--disable-log-error']),
            user=dict(type='str', default='mysql'),
            recover=dict(type='bool', default=True),
            recover_timeout=dict(type='int', default=300),
            client_binary=dict(type='path', default='/usr/bin/mariadb'),
            login_unix_socket=dict(type='path', default='/run/mysqld/mysqld.sock'),
        ),
        supports_check_mode=True,
    )
    if module.params['recover_timeout'] <= 0:
        module.fail_json(msg='recover_timeout must be a positive number of seconds')
    module.exit_json(changed=False, node=read_node(module, module.params))


if __name__ == '__main__':
    main()
