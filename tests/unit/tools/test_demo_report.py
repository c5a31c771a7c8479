# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""playbooks/demo/report.py reads the rows the real audit_entry filter makes (status.yml passes
them through): a renamed row field must fail here, not at the end of `make demo`. Kept with the
development tree's tool tests because the demo is not shipped in the tarball."""

from __future__ import annotations

import importlib.util
import json
import pathlib

from ansible_collections.dbtls.transport.plugins.module_utils import audit

REPO = pathlib.Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location('demo_report', REPO / 'playbooks' / 'demo' / 'report.py')
report = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report)


def _verify_result(path, findings):
    return {'item': {'path': path}, 'findings': findings,
            'certificate': {'subject': 'CN=db1', 'issuer': 'CN=demo CA', 'days_left': 396,
                            'not_after': '2028-01-07T06:17:19Z'}}


def _status(findings):
    dial = {'ok': True, 'version': 'TLS1.3', 'cipher': 'TLS_AES_128_GCM_SHA256', 'verified_chains': 1}
    return {'db1': {
        'demo_dials': [[{'channel': 'client ↔ MySQL', 'path': 'db1 → db2:3306'}, json.dumps(dial)]],
        'demo_certificates': [audit.audit_entry(_verify_result('/etc/dbtls/tls/peer.crt', findings), 'db1')],
    }}


def test_a_valid_certificate_and_a_verified_channel_pass(tmp_path, capsys):
    status = tmp_path / 'status.json'
    status.write_text(json.dumps(_status([])))
    assert report.main(str(status)) == 0
    out = capsys.readouterr().out
    assert 'CN=db1' in out and 'TLS_AES_128_GCM_SHA256' in out


def test_a_certificate_that_does_not_verify_fails_the_demo(tmp_path, capsys):
    status = tmp_path / 'status.json'
    status.write_text(json.dumps(_status(['certificate verify failed'])))
    assert report.main(str(status)) == 1
    assert 'NO: certificate verify failed' in capsys.readouterr().out
