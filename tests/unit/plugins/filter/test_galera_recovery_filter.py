# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The galera_recovery_plan filter: its argument checks (the decision is tested in module_utils)."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.filter.galera_recovery import galera_recovery_plan

UUID = '5f1c0c1e-3b9e-11f0-8a4a-2b9e0a6a7f10'


def _stopped(seqno):
    return {'readable': True, 'service': 'inactive', 'grastate': {'uuid': UUID, 'seqno': seqno, 'safe_to_bootstrap': False}}


def test_extra_variable_false_as_a_string_does_not_force():
    nodes = {'db1': _stopped(9), 'db2': _stopped(3)}
    # -e galera_tls_recover_allow_data_loss=false arrives as the string "false".
    assert 'less advanced' in galera_recovery_plan(nodes, ['db1', 'db2'], 'db2', 'false')['refused']
    assert galera_recovery_plan(nodes, ['db1', 'db2'], 'db2', 'true')['bootstrap'] == 'db2'
    with pytest.raises(AnsibleFilterError, match='allow_data_loss'):
        galera_recovery_plan(nodes, ['db1', 'db2'], 'db2', 'perhaps')


def test_wrong_types_are_refused_by_name():
    with pytest.raises(AnsibleFilterError, match='expects a mapping of node name to state, got list'):
        galera_recovery_plan(['db1'])
    with pytest.raises(AnsibleFilterError, match='order must be a list'):
        galera_recovery_plan({'db1': _stopped(1)}, order='db1')
    with pytest.raises(AnsibleFilterError, match='non-empty mapping'):
        galera_recovery_plan({})


def test_stop_settling_is_a_strict_boolean():
    waiting = {'readable': False, 'service': 'activating', 'error': 'no answer', 'wsrep': None,
               'grastate': {'uuid': '5f1c0c1e-3b9e-11f0-8a4a-2b9e0a6a7f10', 'seqno': -1, 'safe_to_bootstrap': False}}
    assert galera_recovery_plan({'db1': waiting}, stop_settling='true')['action'] == 'stop'
    assert galera_recovery_plan({'db1': waiting}, stop_settling='false')['action'] == 'none'
    with pytest.raises(AnsibleFilterError, match='stop_settling'):
        galera_recovery_plan({'db1': waiting}, stop_settling='maybe')
