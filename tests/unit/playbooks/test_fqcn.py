# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Every playbook of the collection runs by its FQCN (ansible-playbook dbtls.transport.<name>), as
the README tells users to run it: a folder beside it with the same name, for example, would be
taken for the playbook and fail to load."""

from __future__ import annotations

import subprocess

import pytest

from playbook_env import PLAYBOOK_BIN, PLAYBOOKS, ansible_env

INVENTORY = PLAYBOOKS / 'inventory' / 'example.yml'
NAMES = sorted(p.stem for p in PLAYBOOKS.glob('*.yml'))

pytestmark = pytest.mark.skipif(not PLAYBOOK_BIN or not NAMES, reason='ansible-playbook or the playbooks are not available')


@pytest.mark.parametrize('name', NAMES)
def test_playbook_loads_by_fqcn(name):
    proc = subprocess.run([str(PLAYBOOK_BIN), '-i', str(INVENTORY), f'dbtls.transport.{name}', '--syntax-check'],
                          capture_output=True, text=True, env=ansible_env(), check=False, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Is a directory' not in proc.stderr
