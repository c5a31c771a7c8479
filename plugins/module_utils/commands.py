# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How every module of the collection runs a command on the host: one runner over the
AnsibleModule's run_command, for the node reads (openssl, systemctl, my_print_defaults, ...) and
the file-writing modules' validation and account tools alike.

Takes the AnsibleModule object as an argument and imports nothing from Ansible or cryptography, so
that any module can use it without loading the PKI code.
"""

from __future__ import annotations

import shlex
import typing as t

# run(argv, data=None) -> (rc, stdout, stderr)
Runner = t.Callable[..., t.Tuple[int, str, str]]

# Seconds a command fed on stdin may take: openssl s_client to a port that accepts the connection
# but never answers would otherwise hold the module run for good. timeout(1) exits with TIMED_OUT.
INPUT_COMMAND_TIMEOUT = 30
TIMED_OUT = 124


def command_runner(module: t.Any) -> Runner:
    """run(argv, data=None) -> (rc, stdout, stderr) through an AnsibleModule's run_command, with
    LC_ALL=C: the tools' output is parsed, and their messages are quoted in errors, untranslated.
    A command fed ``data`` on stdin runs as input_command() writes it."""
    def run(argv: list, data: str | None = None) -> t.Tuple[int, str, str]:
        if data is None:
            return module.run_command(argv, environ_update={'LC_ALL': 'C'})
        rc, out, err = module.run_command(input_command(argv, data, INPUT_COMMAND_TIMEOUT), use_unsafe_shell=True,
                                          environ_update={'LC_ALL': 'C'})
        if rc == TIMED_OUT:
            err = f'{" ".join(argv[:2])}: no answer within {INPUT_COMMAND_TIMEOUT} s {err}'.strip()
        return rc, out, err
    return run


def input_command(argv: list, data: str, timeout: int = INPUT_COMMAND_TIMEOUT) -> str:
    """A shell command that feeds ``data`` (small: it is one argument of printf) to argv through a
    pipe, under timeout(1) where the host has it. A command that exits before it reads its input
    (openssl s_client to a port that is closed or closes the connection) then gives its own rc and
    output: only printf meets the broken pipe. Given as ``data`` to run_command instead, the write
    to the command's stdin would fail the whole module run (rc 32, no output)."""
    command = ' '.join(shlex.quote(str(arg)) for arg in argv)
    return (f'dbtls_t=; command -v timeout >/dev/null 2>&1 && dbtls_t="timeout {int(timeout)}"; '
            f'printf %s {shlex.quote(data)} | $dbtls_t {command}')
