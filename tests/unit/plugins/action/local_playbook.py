# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the action tests need to run a real ansible-playbook against localhost (local connection):
the collection's path, the binary beside this Python, a skip marker where either is missing, and
the environment (no warnings about the implicit localhost or the inline inventory)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')


def collections_path() -> str | None:
    """The folder that holds ansible_collections/dbtls/transport, from PYTHONPATH or
    ANSIBLE_COLLECTIONS_PATH; None when neither has it."""
    for entry in (os.environ.get('PYTHONPATH', '').split(os.pathsep)
                  + os.environ.get('ANSIBLE_COLLECTIONS_PATH', '').split(os.pathsep)):
        if entry and os.path.isdir(os.path.join(entry, 'ansible_collections', 'dbtls', 'transport')):
            return entry
    return None


needs_ansible_playbook = pytest.mark.skipif(
    not os.path.exists(ANSIBLE_PLAYBOOK) or collections_path() is None,
    reason='ansible-playbook or the collection path is not available')


def run_playbook(playbook, *options, interpreter: str | None = None, pipelining: bool = True):
    """ansible-playbook -i localhost, -c local <options> <playbook>: the completed process."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path(), ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_PYTHON_INTERPRETER=interpreter or sys.executable,
               ANSIBLE_NOCOLOR='1', ANSIBLE_RETRY_FILES_ENABLED='false',
               ANSIBLE_PIPELINING='true' if pipelining else 'false')
    return subprocess.run([ANSIBLE_PLAYBOOK, '-i', 'localhost,', '-c', 'local', *options, str(playbook)],
                          env=env, capture_output=True, text=True, check=False)
