# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The whole-cluster recovery decision: who bootstraps, who joins, and when to refuse."""

from __future__ import annotations

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import galera_recovery as gr

UUID = '5f1c0c1e-3b9e-11f0-8a4a-2b9e0a6a7f10'
OTHER = '9a0b1c2d-3e4f-11f0-8a4a-2b9e0a6a7f10'
ORDER = ['db1', 'db2', 'db3']


def stopped(seqno, uuid=UUID, recovered=None, safe=False):
    return {'readable': True, 'error': '', 'service': 'failed',
            'grastate': {'uuid': uuid, 'seqno': seqno, 'safe_to_bootstrap': safe},
            'recovered': recovered, 'recover_error': '', 'wsrep': None}


def running(status, last_committed, uuid=UUID, size=1):
    return {'readable': True, 'error': '', 'service': 'active',
            'grastate': {'uuid': uuid, 'seqno': -1, 'safe_to_bootstrap': False}, 'recovered': None,
            'recover_error': '', 'wsrep': {'cluster_status': status, 'local_state': 'Synced', 'state_uuid': uuid,
                                           'last_committed': last_committed, 'cluster_size': size, 'ready': 'ON'}}


def test_parse_grastate():
    text = ('# GALERA saved state\nversion: 2.1\nuuid:    ' + UUID.upper() + '\nseqno:   -1\nsafe_to_bootstrap: 0\n')
    assert gr.parse_grastate(text) == {'uuid': UUID, 'seqno': -1, 'safe_to_bootstrap': False}
    assert gr.parse_grastate('uuid: ' + UUID + '\nseqno: 12\n')['safe_to_bootstrap'] is None
    for bad in ('', 'uuid: nope\nseqno: 1\n', 'uuid: ' + UUID + '\nseqno: x\n',
                'uuid: ' + UUID + '\nseqno: 1\nsafe_to_bootstrap: yes\n'):
        with pytest.raises(gr.RecoveryError):
            gr.parse_grastate(bad)
    with pytest.raises(gr.RecoveryError, match='must be text'):
        gr.parse_grastate(None)


def test_parse_recovered_position_takes_the_last_line():
    log = ('2026-12-06  9:00:01 0 [Note] WSREP: Recovered position: ' + UUID + ':17\n'
           '2026-12-06  9:00:02 0 [Note] WSREP: Recovered position: ' + UUID + ':1832\n')
    assert gr.parse_recovered_position(log) == {'uuid': UUID, 'seqno': 1832}
    # MariaDB's galera_recovery script, in the journal.
    assert gr.parse_recovered_position('WSREP: Recovered position ' + UUID + ':5') == {'uuid': UUID, 'seqno': 5}
    assert gr.parse_recovered_position('[Note] InnoDB: Starting shutdown...') is None
    assert gr.parse_recovered_position(None) is None


def test_most_advanced_node_bootstraps_others_join_most_advanced_first():
    plan = gr.plan({'db1': stopped(10), 'db2': stopped(12), 'db3': stopped(11)}, ORDER)
    assert plan['refused'] == ''
    assert (plan['action'], plan['bootstrap'], plan['joiners']) == ('bootstrap', 'db2', ['db3', 'db1'])
    assert plan['stop_first'] == []
    assert 'bootstrap db2 (seqno 12' in plan['summary'] and 'the most advanced node' in plan['summary']


def test_tie_goes_to_the_first_in_inventory_order_and_says_so():
    plan = gr.plan({'db2': stopped(12), 'db1': stopped(12), 'db3': stopped(3)}, ORDER)
    assert plan['bootstrap'] == 'db1' and plan['joiners'] == ['db2', 'db3']
    assert 'tie at seqno 12 between db1, db2: the first in inventory order' in plan['summary']
    # Without an order, names sorted: the same answer every run.
    assert gr.plan({'b': stopped(1), 'a': stopped(1)})['bootstrap'] == 'a'


def test_crashed_node_uses_the_recovered_position():
    nodes = {'db1': stopped(-1, recovered={'uuid': UUID, 'seqno': 40}), 'db2': stopped(-1, recovered={'uuid': UUID, 'seqno': 41})}
    plan = gr.plan(nodes, ORDER)
    assert plan['bootstrap'] == 'db2'
    assert plan['positions']['db2'] == {'uuid': UUID, 'seqno': 41, 'source': 'wsrep-recover'}
    assert plan['positions']['db1']['seqno'] == 40


def test_crashed_node_without_recovered_position_is_refused_not_guessed():
    nodes = {'db1': stopped(-1, recovered=None), 'db2': stopped(50)}
    nodes['db1']['recover_error'] = 'InnoDB: Unable to lock ./ibdata1'
    plan = gr.plan(nodes, ORDER)
    assert plan['action'] == 'none' and plan['bootstrap'] == ''
    assert plan['refused'].startswith('the position of db1 (grastate.dat says seqno -1')
    assert 'Unable to lock' in plan['refused'] and 'cannot be determined' in plan['refused']
    # A recovered -1 (nothing committed) or a different cluster is no position either.
    assert gr.plan({'db1': stopped(-1, recovered={'uuid': UUID, 'seqno': -1}), 'db2': stopped(5)})['refused']
    assert 'names ' + UUID in gr.plan({'db1': stopped(-1, recovered={'uuid': OTHER, 'seqno': 9})})['refused']


def test_different_cluster_uuids_are_refused():
    plan = gr.plan({'db1': stopped(10), 'db2': stopped(99, uuid=OTHER)}, ORDER)
    assert plan['refused'].startswith('the nodes hold different cluster histories')
    assert f'db1: {UUID}' in plan['refused'] and f'db2: {OTHER}' in plan['refused']
    assert plan['bootstrap'] == ''


def test_unreadable_or_unreachable_node_is_refused_with_its_name():
    plan = gr.plan({'db1': stopped(10), 'db2': {'readable': False, 'error': 'unreachable (not in this play)'},
                    'db3': {'readable': True, 'service': 'failed', 'grastate': None,
                            'error': '/var/lib/mysql/grastate.dat: No such file or directory'}}, ORDER)
    assert 'db2 (unreachable (not in this play))' in plan['refused']
    assert 'db3 (/var/lib/mysql/grastate.dat: No such file or directory)' in plan['refused']
    assert plan['bootstrap'] == ''
    # A server that is still starting has no readable position.
    starting = stopped(-1)
    starting['service'] = 'activating'
    assert 'db1 (its server is activating' in gr.plan({'db1': starting, 'db2': stopped(1)}, ORDER)['refused']
    assert 'no state was read' in gr.plan({'db1': None})['refused']


def test_running_primary_component_means_join_it_never_bootstrap():
    nodes = {'db1': stopped(-1, recovered={'uuid': UUID, 'seqno': 80}), 'db2': running('Primary', 95, size=2),
             'db3': stopped(90)}
    plan = gr.plan(nodes, ORDER)
    assert plan['refused'] == ''
    assert (plan['action'], plan['bootstrap'], plan['primary']) == ('join', '', ['db2'])
    assert plan['joiners'] == ['db3', 'db1']
    assert 'db2 run a Primary component (seqno 95): no bootstrap' in plan['summary']
    every = gr.plan({'db1': running('Primary', 5), 'db2': running('Primary', 5)}, ORDER)
    assert (every['action'], every['joiners']) == ('none', [])
    # Naming a node to bootstrap while a Primary component runs is refused.
    assert 'already run a Primary component' in gr.plan(nodes, ORDER, bootstrap_node='db3')['refused']


def test_node_ahead_of_the_running_primary_is_refused_unless_forced():
    nodes = {'db1': stopped(120), 'db2': running('Primary', 95)}
    plan = gr.plan(nodes, ORDER)
    assert plan['refused'].startswith('db1 (seqno 120) hold transactions the running Primary component')
    assert gr.plan(nodes, ORDER, allow_data_loss=True)['joiners'] == ['db1']


def test_named_less_advanced_node_is_refused_unless_forced():
    nodes = {'db1': stopped(-1, recovered={'uuid': UUID, 'seqno': 700}), 'db2': stopped(650)}
    plan = gr.plan(nodes, ORDER, bootstrap_node='db2')
    assert plan['refused'].startswith('db2 (seqno 650) is less advanced than db1 (seqno 700)')
    assert 'lose the last 50 transactions' in plan['refused'] and plan['bootstrap'] == ''
    forced = gr.plan(nodes, ORDER, bootstrap_node='db2', allow_data_loss=True)
    assert forced['bootstrap'] == 'db2' and forced['joiners'] == ['db1']
    assert 'galera_tls_recover_allow_data_loss is set' in forced['summary']
    # Naming the most advanced node (or one tied with it) is fine.
    assert gr.plan(nodes, ORDER, bootstrap_node='db1')['bootstrap'] == 'db1'
    assert gr.plan({'db1': stopped(5), 'db2': stopped(5)}, ORDER, bootstrap_node='db2')['bootstrap'] == 'db2'
    assert 'not a member' in gr.plan(nodes, ORDER, bootstrap_node='db9')['refused']


def test_running_non_primary_nodes_stop_first():
    nodes = {'db1': running('non-Primary', 33), 'db2': stopped(30)}
    plan = gr.plan(nodes, ORDER)
    assert (plan['bootstrap'], plan['stop_first'], plan['joiners']) == ('db1', ['db1'], ['db2'])
    assert plan['positions']['db1']['source'] == 'running server (wsrep_last_committed)'


def test_bad_input():
    with pytest.raises(gr.RecoveryError):
        gr.plan({})
    with pytest.raises(gr.RecoveryError):
        gr.plan(['db1'])


def settling(state='activating'):
    """A server that came back by itself and waits for a Primary component, as galera_recovery_info reads it."""
    return {'readable': False, 'service': state, 'recover_error': '', 'recovered': None, 'wsrep': None,
            'grastate': {'uuid': UUID, 'seqno': -1, 'safe_to_bootstrap': False},
            'error': f'its server is {state} and does not answer with its wsrep status'}


def test_servers_waiting_for_a_primary_component_stop_first_when_asked():
    nodes = {'db1': settling(), 'db2': settling('deactivating'), 'db3': stopped(40)}
    plan = gr.plan(nodes, ORDER, stop_settling=True)
    assert plan['refused'] == ''
    assert plan['action'] == 'stop'
    assert plan['stop_first'] == ['db1', 'db2']
    assert plan['bootstrap'] == '' and plan['joiners'] == []
    assert plan['summary'].startswith('db1, db2 are starting or stopping without an answer while no node runs a Primary')
    # Without stop_settling (the decision after the stop), the same state is refused, naming them.
    refused = gr.plan(nodes, ORDER)
    assert refused['action'] == 'none' and 'db1 (its server is activating' in refused['refused']
    assert 'db2 (its server is deactivating' in refused['refused']


@pytest.mark.parametrize('others, why', [
    # A Primary component runs: the settling server is joining it (a state transfer may be under way).
    ({'db2': running('Primary', 50, size=2), 'db3': running('Primary', 50, size=2)}, 'activating'),
    # Another member cannot be read: its position is unknown, and it is not known to be waiting.
    ({'db2': {'readable': False, 'error': 'unreachable or failed in this run'}, 'db3': stopped(40)}, 'unreachable'),
    # Another member's position is unknown for another reason.
    ({'db2': stopped(-1), 'db3': stopped(40)}, '--wsrep-recover gave no position'),
])
def test_settling_servers_are_not_stopped_otherwise(others, why):
    plan = gr.plan(dict(others, db1=settling()), ORDER, stop_settling=True)
    assert plan['action'] != 'stop' and plan['stop_first'] == []
    assert why in plan['refused']
