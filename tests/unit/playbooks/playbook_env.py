# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the playbook tests of this folder share: where the collection's playbooks are, the Ansible
commands that run them, and an environment in which the playbooks' FQCN roles resolve to this
collection, a checkout or an installed copy alike."""

from __future__ import annotations

import os
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
PLAYBOOKS = ROOT / 'playbooks'


def ansible_command(name):
    """The Ansible command ``name`` beside this Python (the test bed's venv), else on PATH, else None."""
    beside = pathlib.Path(sys.executable).parent / name
    return beside if beside.exists() else shutil.which(name)


PLAYBOOK_BIN = ansible_command('ansible-playbook')


def ansible_env(**extra):
    """os.environ without colour or deprecation noise, plus ``extra``. From an installed collection
    (.../ansible_collections/dbtls/transport) its own copy comes first on the collection path; on a
    checkout ANSIBLE_COLLECTIONS_PATH (which also holds the dependencies) is used as it is."""
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_DEPRECATION_WARNINGS='0', **extra)
    if ROOT.parents[1].name == 'ansible_collections':
        env['ANSIBLE_COLLECTIONS_PATH'] = os.pathsep.join(
            p for p in (str(ROOT.parents[2]), os.environ.get('ANSIBLE_COLLECTIONS_PATH')) if p)
    return env
