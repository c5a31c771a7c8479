# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The shell command with which the tls_cert action installs certificate files on a host, instead
of a second Python module run (see install_command()).

Only the command text is made here; the action sends the files into the remote temp dir, runs the
command and reads the lines it prints, which start with MARK (NO_INSTALL when the host has no
install(1)).
"""

from __future__ import annotations

import posixpath
import secrets
import shlex


# Printed by install_command()'s script and read by the tls_cert action (ActionModule._install()).
NO_INSTALL = 'DBTLS-NO-INSTALL'
MARK = 'DBTLS-'


def install_command(entries, remove_dir=None, backup=False) -> str:
    """One POSIX shell command that installs certificate files already sent to the host.

    ``entries``: (source, destination, mode, owner, group) per file. ``source`` is a file in the
    remote temp dir holding the exact bytes to install; ``mode`` an int; ``owner`` and ``group`` a
    name or id, or None for the default of ``install`` (the user that runs the command).

    Each file is first written by ``install`` beside its destination (in the same directory, so
    that the rename is atomic; GNU install gives it the SELinux policy's default label for its
    path, which the destination's rule covers too, e.g. ``/etc/dbtls/tls(/.*)?``) with its final
    mode, owner and group; only when all of them were written are they renamed into place with
    ``mv -f``, so readers see the old or the new file, never a partial one, and a failure before the
    renames changes nothing. Then the SHA-256 of every installed file is printed (without
    ``sha256sum``: whether it equals its source, by ``cmp``) for the controller to compare with the
    bytes it sent. ``remove_dir`` (the remote temp dir) is removed at the end, whatever happened.
    Without ``install`` on the host nothing is done and ``DBTLS-NO-INSTALL`` is printed.

    ``backup``: before the renames, each destination that exists is copied with ``cp -p`` (owner,
    group, mode kept) to ``<destination>.<pid>.<YYYY-MM-DD@HH:MM:SS>~``, the name
    ansible.builtin.copy gives a backup, and ``DBTLS-BACKUP <number> <path>`` is printed. A failure
    removes the copies of the files that were not replaced.
    """
    q = shlex.quote
    temps = []
    for _src, dest, _mode, _owner, _group in entries:
        directory, name = posixpath.split(dest)
        temps.append(posixpath.join(directory, f'.{name}.{secrets.token_hex(6)}.tmp'))
    drop = 'rm -f -- ' + ' '.join(q(temp) for temp in temps)
    lines = ['dbtls_install() {',
             f'  command -v install >/dev/null 2>&1 || {{ echo {NO_INSTALL}; return 0; }}']
    for number, ((src, dest, mode, owner, group), temp) in enumerate(zip(entries, temps)):
        options = f'-m {mode:04o}'
        if owner is not None:
            options += f' -o {q(str(owner))}'
        if group is not None:
            options += f' -g {q(str(group))}'
        lines.append(f'  if [ -d {q(dest)} ]; then echo "{MARK}FAILED {number} is-a-directory"; {drop}; return 1; fi')
        lines.append(f'  install {options} -- {q(src)} {q(temp)} || '
                     f'{{ echo "{MARK}FAILED {number} writing"; {drop}; return 1; }}')
    backups = [f'"${{dbtls_b{number}}}"' for number in range(len(entries))] if backup else []
    if backup:
        lines.append('  dbtls_stamp=$(date +%Y-%m-%d@%H:%M:%S)')
        for number in range(len(entries)):
            lines.append(f'  dbtls_b{number}=')
        for number, (_src, dest, _mode, _owner, _group) in enumerate(entries):
            undo = ' '.join(f'${{dbtls_b{n}:+{backups[n]}}}' for n in range(number + 1))
            lines.append(f'  if [ -f {q(dest)} ]; then dbtls_b{number}={q(dest)}".$$.${{dbtls_stamp}}~"; '
                         f'cp -p -- {q(dest)} {backups[number]} || {{ echo "{MARK}FAILED {number} backup"; '
                         f'{drop}; rm -f -- {undo}; return 1; }}; fi')
    for number, ((_src, dest, _mode, _owner, _group), temp) in enumerate(zip(entries, temps)):
        undo = ''
        if backup:
            undo = '; rm -f -- ' + ' '.join(f'${{dbtls_b{n}:+{backups[n]}}}' for n in range(number, len(entries)))
        lines.append(f'  mv -f -- {q(temp)} {q(dest)} || {{ echo "{MARK}FAILED {number} renaming"; {drop}{undo}; return 1; }}')
        if backup:
            lines.append(f'  [ -z {backups[number]} ] || echo "{MARK}BACKUP {number} ${{dbtls_b{number}}}"')
    lines.append('  if command -v sha256sum >/dev/null 2>&1; then')
    for number, (_src, dest, _mode, _owner, _group) in enumerate(entries):
        lines.append(f'    echo "{MARK}SHA256 {number} $(sha256sum < {q(dest)})"')
    lines.append('  else')
    for number, (src, dest, _mode, _owner, _group) in enumerate(entries):
        lines.append(f'    if cmp -s -- {q(src)} {q(dest)}; then echo "{MARK}SAME {number}"; '
                     f'else echo "{MARK}DIFFERS {number}"; fi')
    lines.append('  fi')
    lines.append('}')
    lines.append('dbtls_install; dbtls_rc=$?')
    if remove_dir:
        lines.append(f'rm -rf -- {q(remove_dir)} >/dev/null 2>&1')
    lines.append('exit $dbtls_rc')
    return '\n'.join(lines)
