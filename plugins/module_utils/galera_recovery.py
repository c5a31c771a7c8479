# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whole-cluster recovery of a Galera cluster: parse a node's saved state and decide who starts.

Pure logic, no Ansible imports. The module galera_recovery_info reads one node (grastate.dat,
``--wsrep-recover``, service and wsrep status) with ``parse_grastate`` and
``parse_recovered_position``; the filter galera_recovery_plan runs ``plan`` on every node's answer
on the controller.

Facts the rules rest on (Galera documentation, "Restarting the Cluster" and "Crash Recovery",
https://galeracluster.com/library/training/tutorials/restarting-cluster.html and
https://galeracluster.com/library/documentation/crash-recovery.html; MariaDB, "Getting Started
with MariaDB Galera Cluster", https://mariadb.com/kb/en/getting-started-with-mariadb-galera-cluster/):

- grastate.dat holds the cluster's state UUID and the node's last committed seqno. A clean
  shutdown writes the seqno; a crash leaves ``seqno: -1`` and the position must be read from
  InnoDB with ``mysqld --wsrep-recover``, which logs ``WSREP: Recovered position: <uuid>:<seqno>``.
- The node to bootstrap is the one with the highest seqno: any other loses the transactions the
  more advanced node committed (and acknowledged to clients). ``safe_to_bootstrap: 1`` is what
  the server checks before it starts a new cluster; after a crash of every node it is 0 on all.
- Nodes of different state UUIDs hold different histories: no seqno comparison between them means
  anything.
"""

from __future__ import annotations

import re

ZERO_UUID = '00000000-0000-0000-0000-000000000000'

_UUID = r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
# mariadbd --wsrep-recover logs "[Note] WSREP: Recovered position: <uuid>:<seqno>"; MariaDB's
# galera_recovery script echoes "WSREP: Recovered position <uuid>:<seqno>" (no colon) to the journal.
_RECOVERED = re.compile(r'WSREP: Recovered position:?\s+(' + _UUID + r'):(-?\d+)')
_GRASTATE_LINE = re.compile(r'^\s*([A-Za-z_]+)\s*:\s*(\S*)\s*$')

# Service states (systemd ActiveState) in which the server's position can be read from its files.
STOPPED_STATES = ('inactive', 'failed')
# States of a server that is starting or stopping. One that does not answer in them while no member
# runs a Primary component waits for a component that is not there (every node went down at once
# and came back by itself, e.g. enabled at boot): it applies nothing until one forms, and Galera
# leaves that wait on a SIGTERM only once it ends, so it is stopped with a SIGKILL after a grace.
SETTLING_STATES = ('activating', 'deactivating')


class RecoveryError(Exception):
    """The input cannot be read (bad grastate.dat, bad arguments)."""


def parse_grastate(text):
    """Return {uuid, seqno, safe_to_bootstrap} from the text of grastate.dat.

    Raises RecoveryError when the uuid or the seqno is missing or malformed. safe_to_bootstrap is
    absent in files written before Galera 3.19; it is then reported as None.
    """
    if not isinstance(text, str):
        raise RecoveryError(f'grastate.dat must be text, not {type(text).__name__}')
    fields = {}
    for line in text.splitlines():
        if line.lstrip().startswith('#'):
            continue
        match = _GRASTATE_LINE.match(line)
        if match:
            fields[match.group(1)] = match.group(2)
    uuid = fields.get('uuid', '')
    if not re.fullmatch(_UUID, uuid):
        raise RecoveryError(f'grastate.dat has no valid uuid (found {uuid[:60]!r})')
    seqno = fields.get('seqno', '')
    if not re.fullmatch(r'-?\d+', seqno):
        raise RecoveryError(f'grastate.dat has no valid seqno (found {seqno[:60]!r})')
    safe = fields.get('safe_to_bootstrap')
    if safe is not None and safe not in ('0', '1'):
        raise RecoveryError(f'grastate.dat has an invalid safe_to_bootstrap (found {safe[:20]!r})')
    return {'uuid': uuid.lower(), 'seqno': int(seqno), 'safe_to_bootstrap': None if safe is None else safe == '1'}


def parse_recovered_position(text):
    """Return {uuid, seqno} of the last "Recovered position" line in a server log, or None."""
    found = None
    for match in _RECOVERED.finditer(text or ''):
        found = {'uuid': match.group(1).lower(), 'seqno': int(match.group(2))}
    return found


def position(node):
    """Return (uuid, seqno, source) of one node's answer (see plan), or (None, None, why)."""
    if not isinstance(node, dict):
        return None, None, f'no state was read (got {type(node).__name__})'
    if not node.get('readable', False):
        return None, None, node.get('error') or 'its state could not be read'
    service = node.get('service', '')
    wsrep = node.get('wsrep') or {}
    if service not in STOPPED_STATES:
        if service == 'active' and wsrep.get('state_uuid') and str(wsrep.get('last_committed', '')).lstrip('-').isdigit():
            return wsrep['state_uuid'].lower(), int(wsrep['last_committed']), 'running server (wsrep_last_committed)'
        return None, None, (f'its server is {service or "in an unknown state"} and does not answer with its wsrep '
                            'status (wait until it has started or failed, or stop it)')
    grastate = node.get('grastate')
    if not grastate:
        return None, None, node.get('error') or 'grastate.dat was not read'
    if grastate['seqno'] >= 0:
        return grastate['uuid'], grastate['seqno'], 'grastate.dat'
    recovered = node.get('recovered')
    if not recovered or recovered.get('seqno', -1) < 0 or recovered.get('uuid', ZERO_UUID) == ZERO_UUID:
        return None, None, ('grastate.dat says seqno -1 (a crash) and --wsrep-recover gave no position'
                            + (f" ({node['recover_error']})" if node.get('recover_error') else ''))
    if grastate['uuid'] != ZERO_UUID and recovered['uuid'] != grastate['uuid']:
        return None, None, (f"--wsrep-recover gave cluster {recovered['uuid']}, but grastate.dat names "
                            f"{grastate['uuid']}")
    return recovered['uuid'], recovered['seqno'], 'wsrep-recover'


def _is_primary(node):
    return (isinstance(node, dict) and node.get('service') == 'active'
            and (node.get('wsrep') or {}).get('cluster_status') == 'Primary')


def plan(nodes, order=None, bootstrap_node='', allow_data_loss=False, stop_settling=False):
    """Decide how a cluster comes back. Never raises on a refusal: the result says why.

    nodes: {inventory name: answer of galera_recovery_info's ``node`` (readable, error, service,
    grastate, recovered, recover_error, wsrep {cluster_status, state_uuid, last_committed, size})}.
    A member with no answer (unreachable) is given as {'readable': False, 'error': '...'}.
    order: the members in inventory order (ties go to the first); default: sorted names.
    bootstrap_node: the node to bootstrap, named by the operator; refused when it is less advanced
    than another node unless allow_data_loss.
    stop_settling: when no member runs a Primary component and the only members without a
    position are starting or stopping without an answer (SETTLING_STATES), plan to stop them
    (action ``stop``, named in stop_first) so that their position can be read, instead of refusing.

    Returns {refused: '' or the reason, action: none | join | bootstrap | stop, bootstrap: name or '',
    primary: [names], stop_first: [names], joiners: [names], positions: {name: {uuid, seqno,
    source}}, summary: one line}.
    """
    if not isinstance(nodes, dict) or not nodes:
        raise RecoveryError('nodes must be a non-empty mapping of node name to its state')
    order = [name for name in (order or sorted(nodes)) if name in nodes]
    order += sorted(name for name in nodes if name not in order)
    result = {'refused': '', 'action': 'none', 'bootstrap': '', 'primary': [], 'stop_first': [], 'joiners': [],
              'positions': {}, 'summary': ''}

    def refuse(reason):
        result['refused'] = reason
        result['summary'] = 'Refused: ' + reason
        return result

    unknown = []
    for name in order:
        uuid, seqno, source = position(nodes[name])
        if uuid is None:
            unknown.append(f'{name} ({source})')
        else:
            result['positions'][name] = {'uuid': uuid, 'seqno': seqno, 'source': source}
    # Starting or stopping (the service state was read) and no position from a wsrep answer.
    settling = [name for name in order if name not in result['positions']
                and isinstance(nodes[name], dict) and nodes[name].get('service') in SETTLING_STATES]
    if (stop_settling and unknown and len(settling) == len(unknown)
            and not any(_is_primary(nodes[name]) for name in order)):
        result['action'] = 'stop'
        result['stop_first'] = settling
        result['summary'] = (f'{", ".join(settling)} {"is" if len(settling) == 1 else "are"} starting or stopping '
                             'without an answer while no node runs a Primary component (after every node went '
                             'down at once, a server that came back by itself waits for one that is not there): '
                             'stop ' + ('it' if len(settling) == 1 else 'them') + ', then read '
                             + ('its position' if len(settling) == 1 else 'their positions') + ' and plan again.')
        return result
    if unknown:
        return refuse('the position of ' + '; '.join(unknown) + ' cannot be determined. Nothing was changed: '
                      'a guess could bootstrap a node that lacks acknowledged writes.')

    uuids = sorted({p['uuid'] for p in result['positions'].values()})
    if len(uuids) > 1:
        return refuse('the nodes hold different cluster histories ('
                      + ', '.join(f"{n}: {result['positions'][n]['uuid']}" for n in order)
                      + '). Nothing was changed: decide by hand which data is the cluster\'s.')

    positions = result['positions']
    best = max(p['seqno'] for p in positions.values())
    most_advanced = [n for n in order if positions[n]['seqno'] == best]
    primary = [n for n in order if _is_primary(nodes[n])]
    if bootstrap_node and bootstrap_node not in nodes:
        return refuse(f'galera_tls_recover_bootstrap_node {bootstrap_node} is not a member of the cluster '
                      f'({", ".join(order)}).')

    if primary:
        result['primary'] = primary
        if bootstrap_node:
            return refuse(f'{", ".join(primary)} already run a Primary component: nothing may be bootstrapped '
                          f'(galera_tls_recover_bootstrap_node is {bootstrap_node}).')
        primary_seqno = max(positions[n]['seqno'] for n in primary)
        ahead = [n for n in order if n not in primary and positions[n]['seqno'] > primary_seqno]
        if ahead and not allow_data_loss:
            return refuse(', '.join(f"{n} (seqno {positions[n]['seqno']})" for n in ahead)
                          + f' hold transactions the running Primary component ({", ".join(primary)}, seqno '
                          f'{primary_seqno}) does not have: joining would replace them by a state transfer. '
                          'Nothing was changed (galera_tls_recover_allow_data_loss=true accepts the loss).')
        result['action'] = 'join' if len(primary) < len(order) else 'none'
        result['joiners'] = sorted((n for n in order if n not in primary),
                                   key=lambda n: (-positions[n]['seqno'], order.index(n)))
        result['summary'] = (f'{", ".join(primary)} run a Primary component (seqno {primary_seqno}): no bootstrap; '
                             + (f'join {", ".join(result["joiners"])} one at a time.' if result['joiners']
                                else 'every node is in it.'))
        return result

    if bootstrap_node:
        chosen = bootstrap_node
        if positions[chosen]['seqno'] < best and not allow_data_loss:
            return refuse(f"{chosen} (seqno {positions[chosen]['seqno']}) is less advanced than "
                          + ', '.join(f'{n} (seqno {best})' for n in most_advanced)
                          + f': bootstrapping it would lose the last {best - positions[chosen]["seqno"]} '
                          'transactions, acknowledged writes among them. Nothing was changed '
                          '(galera_tls_recover_allow_data_loss=true forces it).')
        why = 'named by galera_tls_recover_bootstrap_node'
        if positions[chosen]['seqno'] < best:
            why += f', less advanced than {", ".join(most_advanced)}: galera_tls_recover_allow_data_loss is set'
    else:
        chosen = most_advanced[0]
        why = ('the most advanced node' if len(most_advanced) == 1 else
               f'tie at seqno {best} between {", ".join(most_advanced)}: the first in inventory order')
    result['action'] = 'bootstrap'
    result['bootstrap'] = chosen
    # Running nodes outside any Primary component (no quorum) stop first: their position was read
    # live, and a clean stop writes it to grastate.dat.
    result['stop_first'] = [n for n in order if nodes[n].get('service') not in STOPPED_STATES]
    result['joiners'] = sorted((n for n in order if n != chosen), key=lambda n: (-positions[n]['seqno'], order.index(n)))
    result['summary'] = (f'bootstrap {chosen} (seqno {positions[chosen]["seqno"]}, cluster {uuids[0]}; {why})'
                         + (f', then join {", ".join(result["joiners"])} one at a time.' if result['joiners'] else '.'))
    return result
