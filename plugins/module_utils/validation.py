# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check new file content with a command before it is written (config_files and file_swap modules).

A validation command names the file to check with ``%s``, as ansible.builtin.template's
``validate``. The content is written to a private 0600 copy in a fresh temporary folder (named
after the file, so that tools which look at the suffix see the real one), the command runs on it
through the caller's ``run`` (the module's run_command, passed in so that this file imports nothing
from Ansible), and the copy is removed. A failure names the file and carries the command's output.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import typing as t

from ansible_collections.dbtls.transport.plugins.module_utils.commands import Runner


class ValidationError(Exception):
    """A validation command is malformed, missing or refused the content; the message names the file."""


def validate(command: str, content: bytes, dest: str, run: Runner, check_mode: bool) -> bool:
    """Run the validation of one file; False when check mode could not (its tool is not installed yet)."""
    if '%s' not in command:
        raise ValidationError(f'{dest}: validate must contain %s (the file to check), got {command!r}')
    tool = shlex.split(command)[0]
    if not (os.path.isfile(tool) if os.path.isabs(tool) else shutil.which(tool)):
        if check_mode:
            return False
        raise ValidationError(f'{dest}: the validation command {tool} is not installed; nothing was written')
    folder = tempfile.mkdtemp(prefix='dbtls-validate-')
    try:
        path = os.path.join(folder, os.path.basename(dest))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, 'wb') as handle:
            handle.write(content)
        argv = [part.replace('%s', path) for part in shlex.split(command)]
        rc, out, err = run(argv)
        if rc != 0:
            detail = ' '.join((err or out).split())[:300]
            raise ValidationError(f'{dest}: failed validation by {argv[0]} (rc {rc}): {detail}; nothing was written')
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return True


def validate_all(checks: t.Iterable[tuple[str, bytes, str]], run: Runner, check_mode: bool) -> list[str]:
    """Validate each (command, content, dest) in turn; the first failure raises ValidationError.
    Returns the warnings for the files check mode could not validate (their tool is not installed yet)."""
    warnings = []
    for command, content, dest in checks:
        if not validate(command, content, dest, run, check_mode):
            warnings.append(f'{dest}: not validated in check mode ({shlex.split(command)[0]} is not installed yet)')
    return warnings
