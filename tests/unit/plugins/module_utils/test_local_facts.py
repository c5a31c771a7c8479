# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""module_utils.local_facts: the facts file of dbtls.transport.local_facts (the pki role's record
of a host's TLS files) and the action plugin's decision whether the host must be visited."""

from __future__ import annotations

import json
import os
import stat

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import local_facts as lf

FACTS = {'dir': '/srv/tls', 'peer_cert': '/srv/tls/peer.crt', 'clients': {'app': {'cert': '/srv/tls/client-app.crt'}}}


def _params(tmp_path, facts=None, name='dbtls_pki'):
    return {'name': name, 'facts': FACTS if facts is None else facts, 'fact_dir': str(tmp_path / 'facts.d')}


def test_writes_the_file_0644_and_creates_the_folder(tmp_path):
    result = lf.ensure(_params(tmp_path))
    path = tmp_path / 'facts.d' / 'dbtls_pki.fact'
    assert result['changed'] and result['path'] == str(path)
    assert json.loads(path.read_text()) == FACTS
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / 'facts.d').stat().st_mode) == 0o755


def test_rerun_changes_nothing_and_a_new_value_changes_the_file(tmp_path):
    lf.ensure(_params(tmp_path))
    assert not lf.ensure(_params(tmp_path))['changed']
    result = lf.ensure(_params(tmp_path, dict(FACTS, dir='/etc/tls')))
    assert result['changed']
    assert '"/srv/tls"' in result['diff']['before'] and '"/etc/tls"' in result['diff']['after']


def test_check_mode_writes_nothing(tmp_path):
    result = lf.ensure(_params(tmp_path), check_mode=True)
    assert result['changed']
    assert not (tmp_path / 'facts.d').exists()


def test_a_wrong_mode_is_corrected(tmp_path):
    lf.ensure(_params(tmp_path))
    path = tmp_path / 'facts.d' / 'dbtls_pki.fact'
    os.chmod(path, 0o600)
    assert lf.ensure(_params(tmp_path))['changed']
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize('name', ['', '1abc', 'dbtls-pki', '../x', 'a b', None])
def test_bad_names_are_refused_naming_the_option(tmp_path, name):
    with pytest.raises(lf.LocalFactsError, match='^name must be'):
        lf.ensure(_params(tmp_path, name=name))
    assert not (tmp_path / 'facts.d').exists()


@pytest.mark.parametrize('facts, needle', [(['a'], 'facts must be a dict, got list'),
                                           ({'a': object()}, 'facts cannot be written as JSON')])
def test_bad_facts_are_refused(tmp_path, facts, needle):
    with pytest.raises(lf.LocalFactsError, match=needle):
        lf.ensure(_params(tmp_path, facts))


def test_the_host_is_skipped_only_when_the_gathered_facts_say_exactly_this():
    default = lf.DEFAULT_FACT_DIR
    assert lf.recorded({'dbtls_pki': json.loads(json.dumps(FACTS))}, 'dbtls_pki', FACTS, default)
    assert not lf.recorded({'dbtls_pki': dict(FACTS, dir='/etc/tls')}, 'dbtls_pki', FACTS, default)
    assert not lf.recorded({}, 'dbtls_pki', FACTS, default)
    assert not lf.recorded(None, 'dbtls_pki', FACTS, default)  # facts not gathered
    # Gathering reads the default folder only: another folder's file is always checked on the host.
    assert not lf.recorded({'dbtls_pki': FACTS}, 'dbtls_pki', FACTS, '/tmp/facts.d')


def test_the_refreshed_local_facts_keep_the_hosts_other_facts():
    local = lf.refreshed({'other': {'x': 1}, 'dbtls_pki': {'dir': '/old'}}, 'dbtls_pki', FACTS)
    assert local == {'other': {'x': 1}, 'dbtls_pki': FACTS}
    assert lf.refreshed(None, 'dbtls_pki', FACTS) == {'dbtls_pki': FACTS}


def test_the_record_of_this_run_comes_first_and_survives_a_new_gathering():
    on_disk = {'dir': '/old'}
    facts = {'ansible_local': {'dbtls_pki': on_disk}, lf.RUN_KEY: {'dbtls_pki': FACTS}}
    assert lf.record(facts, 'dbtls_pki') == FACTS
    # A play that gathers facts again replaces ansible_local only (check mode: nothing on disk).
    facts['ansible_local'] = {}
    assert lf.record(facts, 'dbtls_pki') == FACTS
    # A later run without the pki role reads what fact gathering found on the host.
    assert lf.record({'ansible_local': {'dbtls_pki': on_disk}}, 'dbtls_pki') == on_disk
    assert lf.record({'ansible_local': {}}, 'dbtls_pki') == {}
    assert lf.record({}, 'dbtls_pki') == {}
    assert lf.record(None, 'dbtls_pki') == {}
    # An unreadable facts file arrives as a string: no record.
    assert lf.record({'ansible_local': {'dbtls_pki': 'error loading facts'}}, 'dbtls_pki') == {}
