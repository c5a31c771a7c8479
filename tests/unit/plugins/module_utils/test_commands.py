# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The command runner every module uses (module_utils/commands.py), through a real shell."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import commands, node_state


class ShellModule:
    """run_command as AnsibleModule runs it for these calls: argv without a shell, a string with
    use_unsafe_shell through /bin/sh; environ_update applied. Records the calls."""

    def __init__(self):
        self.calls = []

    def run_command(self, args, use_unsafe_shell=False, environ_update=None, data=None):
        self.calls.append(args)
        assert data is None        # nothing is written to a command's stdin by run_command
        env = dict(os.environ, **(environ_update or {}))
        proc = subprocess.run(args, shell=use_unsafe_shell, capture_output=True, text=True, env=env, check=False)
        return proc.returncode, proc.stdout, proc.stderr


def test_a_command_that_exits_before_reading_its_input_is_no_module_failure():
    """openssl s_client to a closed port exits before it reads the 'Q' it is fed: the runner returns
    its rc and output (run_command's own write to its stdin would fail the module run: rc 32)."""
    module = ShellModule()
    run = commands.command_runner(module)
    # More input than a pipe holds: the writer meets the broken pipe once the command has exited.
    rc, out, err = run(['/bin/sh', '-c', 'echo refused >&2; exit 3'], data='Q' * 100000)
    assert (rc, out, err.strip()) == (3, '', 'refused')
    # Input that is read arrives whole, quotes and all; LC_ALL=C is set.
    text = "it's $HOME `x` \\n"
    assert run(['/bin/sh', '-c', 'cat; echo; echo "$LC_ALL"'], data=text)[1].split('\n')[:2] == [text, 'C']
    # Without input: argv as it is, no shell.
    assert run(['/bin/true']) == (0, '', '') and module.calls[-1] == ['/bin/true']


@pytest.mark.skipif(not shutil.which('timeout'), reason='needs timeout(1)')
def test_a_command_fed_on_stdin_that_does_not_answer_is_stopped(monkeypatch):
    monkeypatch.setattr(commands, 'INPUT_COMMAND_TIMEOUT', 1)
    started = time.monotonic()
    rc, out, err = commands.command_runner(ShellModule())(['/bin/sleep', '10'], data='Q')
    assert (rc, out) == (commands.TIMED_OUT, '') and err == '/bin/sleep 10: no answer within 1 s'
    assert time.monotonic() - started < 5


@pytest.mark.skipif(not shutil.which('openssl'), reason='needs openssl')
def test_served_ports_of_a_closed_port_say_why():
    """The real s_client against a port nothing listens on: an error entry, no exception."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        closed = sock.getsockname()[1]
    run = commands.command_runner(ShellModule())
    entries = node_state.served_ports(run, shutil.which('openssl'), [{'port': closed, 'starttls': 'mysql'}])
    assert entries[0]['port'] == closed and entries[0]['fingerprint'] == '' and entries[0]['error']
