# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The rotation's stage decision: from the files, and from what the host's services run."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.filter import rotation as rotation_filter
from ansible_collections.dbtls.transport.plugins.module_utils import rotation

OLD_CA, NEXT_CA = 'OLDCA', 'NEXTCA'
BUNDLE, NEW_ONLY = OLD_CA + '\n' + NEXT_CA, NEXT_CA
OLD_CERT, NEW_CERT = 'OLDCERT', 'NEWCERT'
FP_OLD, FP_NEW = 'AA:01', 'BB:02'


@pytest.mark.parametrize('bundle, cert, trust, which, stage', [
    (OLD_CA, OLD_CERT, 'old', 'old', 0),
    (BUNDLE, OLD_CERT, 'bundle', 'old', 1),
    (BUNDLE, NEW_CERT, 'bundle', 'new', 2),
    (NEW_ONLY, NEW_CERT, 'new', 'new', 3),
    (NEW_ONLY, OLD_CERT, 'new', 'old', -1),
    (OLD_CA, NEW_CERT, 'old', 'new', -1),
])
def test_files_state(bundle, cert, trust, which, stage):
    # Whitespace and line breaks do not count (PEM re-wrapped, trailing newline).
    got = rotation.files_state(bundle + '\n\n', ' ' + cert, BUNDLE, NEW_ONLY, NEW_CERT)
    assert got == {'trust': trust, 'cert': which, 'stage': stage}


def test_files_state_refuses_empty_live_files():
    with pytest.raises(rotation.RotationError, match='empty'):
        rotation.files_state('', OLD_CERT, BUNDLE, NEW_ONLY, NEW_CERT)


# Times: the server started at 1000; files changed at 900 (before) or 1100 (after: not loaded).
BEFORE, START, AFTER = 900, 1000, 1100

# (files_stage, bundle_changed, cert_changed, served, running stage, stale step)
DECISIONS = [
    # Nothing of the rotation on disk yet.
    (0, BEFORE, BEFORE, [FP_OLD], 0, ''),
    # (a) installed and restarted after it: loaded.
    (1, BEFORE, BEFORE, [FP_OLD], 1, ''),
    # (a) installed after the start (controller killed before the restart, or a reload): redo (a).
    (1, AFTER, BEFORE, [FP_OLD], 0, 'a'),
    # (b) installed and loaded (by a reload: the start is older than every file, the ports tell).
    (2, AFTER, AFTER, [FP_NEW, FP_NEW], 2, ''),
    # The issue's case: db2's new certificate and key installed, server not restarted, its ports
    # still present the old certificate: stage 1, (b) is redone.
    (2, BEFORE, AFTER, [FP_OLD, FP_OLD], 1, 'b'),
    # One port of two still presents the old certificate: not loaded.
    (2, BEFORE, BEFORE, [FP_NEW, FP_OLD], 1, 'b'),
    # A port not read: the start time decides, both ways.
    (2, BEFORE, BEFORE, [FP_NEW, ''], 2, ''),
    (2, BEFORE, AFTER, ['', ''], 1, 'b'),
    # No port checked (garbd, Vitess): the start time decides.
    (2, BEFORE, BEFORE, None, 2, ''),
    (2, BEFORE, AFTER, None, 1, 'b'),
    # (c) restarted after the bundle was installed: done.
    (3, BEFORE, BEFORE, [FP_NEW], 3, ''),
    # (c) installed, not restarted: it still trusts the current CA; redo (c).
    (3, AFTER, BEFORE, [FP_NEW], 2, 'c'),
    # Files that no step makes stay -1 (the preflight refuses them).
    (-1, AFTER, AFTER, [FP_OLD], -1, ''),
]


@pytest.mark.parametrize('files_stage, bundle_changed, cert_changed, served, stage, step', DECISIONS)
def test_node_stage_decision_table(files_stage, bundle_changed, cert_changed, served, stage, step):
    fingerprint = FP_NEW if files_stage >= 2 else FP_OLD
    got = rotation.node_stage(files_stage, START, bundle_changed, cert_changed, served, fingerprint)
    assert (got['stage'], got['step'], got['stale']) == (stage, step, bool(step)), got
    assert got['files_stage'] == files_stage
    assert got['reason']


def test_fingerprints_compare_without_case_or_spaces():
    got = rotation.node_stage(2, START, BEFORE, AFTER, [' bb:02\n'], 'BB:02')
    assert got['stage'] == 2 and not got['stale']


def test_a_start_in_the_same_second_as_the_change_counts_as_before_it():
    # The start is known to the second, rounded down: doubt means "not loaded".
    assert rotation.node_stage(1, 1000, 1000.4, None)['stage'] == 0
    assert rotation.node_stage(1, 1001, 1000.4, None)['stage'] == 1


def test_no_process_running_reads_the_files_when_it_starts():
    got = rotation.node_stage(2, None, AFTER, AFTER, None, FP_NEW)
    assert got['stage'] == 2 and not got['stale']
    assert rotation.node_stage(3, '', AFTER, AFTER)['stage'] == 3


@pytest.mark.parametrize('args, message', [
    (('x', START), 'files_stage'),
    ((4, START), 'files_stage'),
    ((2, 'yesterday'), 'started'),
    ((2, START, None, None, 'AA:01'), 'served must be a list'),
])
def test_node_stage_refuses_bad_input(args, message):
    with pytest.raises(rotation.RotationError, match=message):
        rotation.node_stage(*args)


def observed(**kwargs):
    base = {'live_bundle': BUNDLE, 'live_cert': NEW_CERT, 'staged_bundle': BUNDLE, 'staged_new': NEW_ONLY,
            'staged_cert': NEW_CERT, 'started': START, 'bundle_changed': BEFORE, 'cert_changed': AFTER,
            'served': [FP_OLD, FP_OLD], 'cert_fingerprint': FP_NEW}
    base.update(kwargs)
    return base


def test_rotation_stage_puts_both_together():
    got = rotation.rotation_stage(observed())
    assert got == {'trust': 'bundle', 'cert': 'new', 'files_stage': 2, 'stage': 1, 'stale': True, 'step': 'b',
                   'reason': got['reason']}
    assert 'not loaded' in got['reason']
    # Numbers as strings (what a shell task registers) are read too.
    assert rotation.rotation_stage(observed(started='1000', cert_changed='1100.5'))['stage'] == 1


@pytest.mark.parametrize('value, message', [
    ('text', 'expected a dict'),
    ({'live_bundle': BUNDLE}, 'missing observation'),
    (observed(colour='blue'), 'unknown observation'),
    (observed(live_cert=['x']), 'expected PEM text'),
])
def test_rotation_stage_refuses_bad_input(value, message):
    with pytest.raises(rotation.RotationError, match=message):
        rotation.rotation_stage(value)


def test_filter_gives_the_module_utils_answer_and_names_itself_on_bad_input():
    filters = rotation_filter.FilterModule().filters()
    assert set(filters) == {'rotation_stage'}
    assert filters['rotation_stage'](observed()) == rotation.rotation_stage(observed())
    with pytest.raises(AnsibleFilterError, match=r'^dbtls\.transport\.rotation_stage: expected a dict'):
        filters['rotation_stage']('text')
