# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""benchmarks/ is not a timed test (see benchmarks/README.md), but it must not rot: its playbooks
must parse with both collections' modules resolved, and its own file check must catch wrong files."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import pki

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BENCH = os.path.join(ROOT, 'benchmarks')
PLAYBOOKS = ['ping.yml', 'dbtls.yml', 'community_crypto.yml']


def load_bench():
    spec = importlib.util.spec_from_file_location('dbtls_bench', os.path.join(BENCH, 'bench.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not os.path.exists(os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')),
                    reason='ansible-playbook is not next to this Python')
def test_playbooks_pass_syntax_check(tmp_path):
    """Unknown modules (a renamed community.crypto option does not show here, a renamed module does)
    and YAML or templating errors fail --syntax-check. community.crypto must be on
    ANSIBLE_COLLECTIONS_PATH, as the test bed puts it: a missing collection is a failure, not a skip."""
    bench = load_bench()
    hosts = ['bench-ecdsa-h001', 'bench-ecdsa-h002']
    ca_dir, host_dirs = bench.fresh_dirs(str(tmp_path / 'files'), hosts)
    inventory = tmp_path / 'inventory.yml'
    bench.write_inventory(str(inventory), hosts, 'ecdsa', ca_dir, host_dirs)
    binary = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
    env = dict(os.environ, ANSIBLE_NOCOLOR='1')
    proc = subprocess.run([binary, '--syntax-check', '-i', str(inventory)]
                          + [os.path.join(BENCH, 'playbooks', name) for name in PLAYBOOKS],
                          env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for name in PLAYBOOKS:
        assert 'playbook: %s' % os.path.join(BENCH, 'playbooks', name) in proc.stdout


def _issue(directory, ca_key, ca_cert, name, common_name, sans, usage):
    key = pki.generate_private_key('ecdsa')
    spec = pki.leaf_spec(common_name, sans, usage)
    cert = pki.sign_leaf(pki.build_csr(key, spec), spec, ca_cert, ca_key)
    key_path = os.path.join(directory, name + '.key')
    with open(key_path, 'wb') as handle:
        handle.write(pki.serialize_private_key(key))
    os.chmod(key_path, 0o600)
    with open(os.path.join(directory, name + '.crt'), 'wb') as handle:
        handle.write(pki.certificate_pem(cert))


def test_file_check_passes_good_files_and_names_wrong_ones(tmp_path):
    bench = load_bench()
    hosts = ['h1']
    ca_dir, host_dirs = bench.fresh_dirs(str(tmp_path / 'files'), hosts)
    assert not os.path.exists(host_dirs['h1'])      # the playbooks create it
    os.mkdir(host_dirs['h1'])
    os.chmod(host_dirs['h1'], 0o750)
    ca_key = pki.generate_private_key('ecdsa')
    ca_cert = pki.build_ca(ca_key, 'dbtls benchmark CA')
    with open(os.path.join(ca_dir, 'ca.crt'), 'wb') as handle:
        handle.write(pki.certificate_pem(ca_cert))
    _issue(host_dirs['h1'], ca_key, ca_cert, 'peer', 'h1', ['DNS:h1', 'IP:127.0.0.1'], 'peer')
    _issue(host_dirs['h1'], ca_key, ca_cert, 'client', 'client-h1', [], 'client')
    assert bench.check_files(ca_dir, host_dirs, 'ecdsa', 'dbtls benchmark CA') == []
    assert bench.check_files(ca_dir, host_dirs, 'rsa', 'dbtls benchmark CA') == [
        'h1/peer.key: not rsa', 'h1/client.key: not rsa']

    other_key = pki.generate_private_key('ecdsa')
    other_ca = pki.build_ca(other_key, 'dbtls benchmark CA')
    _issue(host_dirs['h1'], other_key, other_ca, 'client', 'client-h1', [], 'client')
    _issue(host_dirs['h1'], ca_key, ca_cert, 'peer', 'h1', ['DNS:h1'], 'server')
    os.chmod(os.path.join(host_dirs['h1'], 'peer.key'), 0o640)
    os.chmod(host_dirs['h1'], 0o755)
    problems = bench.check_files(ca_dir, host_dirs, 'ecdsa', 'dbtls benchmark CA')
    assert problems[0] == 'h1: folder mode 755'
    assert problems[1] == 'h1/peer.key: mode 640'
    assert problems[2] == "h1/peer.crt: SANs ['DNS:h1'], want ['DNS:h1', 'IP:127.0.0.1']"
    assert problems[3] == 'h1/peer.crt: extended key usage [\'1.3.6.1.5.5.7.3.1\']'
    assert problems[4].startswith('h1/client.crt: not signed by the CA')
    assert len(problems) == 5
