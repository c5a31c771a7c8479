# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shipped alerting rules and their promtool tests use only metric names the audit writes,
so renaming a metric in module_utils/audit.py breaks this test, not a user's alerts."""

from __future__ import annotations

import pathlib
import re

import pytest
import yaml

from ansible_collections.dbtls.transport.plugins.module_utils import audit

ROOT = pathlib.Path(__file__).resolve().parents[4]
RULES = sorted((ROOT / 'roles' / 'audit' / 'files' / 'prometheus').glob('*.rules.yml'))
RULE_TESTS = sorted((ROOT / 'tests' / 'prometheus').glob('*.test.yml'))
METRIC = re.compile(r'\bdbtls_[a-z_]+\b')


def load(path):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)


def rules():
    return [rule for path in RULES for group in load(path)['groups'] for rule in group['rules']]


def test_the_rules_files_are_there():
    assert RULES, 'no roles/audit/files/prometheus/*.rules.yml'
    assert RULE_TESTS, 'no tests/prometheus/*.test.yml'


def test_every_metric_a_rule_uses_is_written_by_audit_prometheus():
    written = set(audit.metric_names())
    # The names, read from what the filter actually writes (not only from the table).
    row = audit.audit_entry({'item': {'path': '/p.crt'}, 'findings': [],
                             'certificate': {'not_after': '2027-01-01T00:00:00Z', 'days_left': 1}}, 'db1', 30)
    text = audit.prometheus_text([row], timestamp=1)
    assert written == set(re.findall(r'^# TYPE (\S+) gauge$', text, re.M))
    used = set()
    for rule in rules():
        names = set(METRIC.findall(str(rule['expr'])))
        assert names, f"{rule.get('alert')}: uses no dbtls_ metric"
        assert names <= written, f"{rule.get('alert')}: {sorted(names - written)} not written by audit_prometheus"
        used |= names
    # The rules cover validity, the audit threshold, the expiry timestamp and the audit's freshness.
    assert {'dbtls_certificate_valid', 'dbtls_certificate_expiring_soon', 'dbtls_certificate_not_after_seconds',
            'dbtls_certificate_audit_timestamp_seconds'} <= used


@pytest.mark.parametrize('path', RULE_TESTS, ids=lambda p: p.name)
def test_the_promtool_tests_feed_only_metrics_the_audit_writes(path):
    written = set(audit.metric_names())
    doc = load(path)
    for case in doc['tests']:
        for series in case['input_series']:
            name = series['series'].split('{', 1)[0]
            assert name in written, f'{path.name}: input series {name} is not written by audit_prometheus'


def test_every_alert_has_a_severity_and_a_summary():
    for rule in rules():
        assert rule['labels']['severity'] in ('warning', 'critical'), rule['alert']
        assert rule['annotations']['summary'], rule['alert']
