# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Swap live files of a service for new ones with a backup, and put the backup back (file_swap module).

The one node-side file swap of the collection: the CA rotation, enable_tls and the Galera
arbitrator replace live TLS files and option files through it. ``swap`` backs up each live file
that changes into a folder (root 0700: it holds keys) under the name ``<position>-<base name>``,
keeping its owner, group, mode and SELinux label; a file that did not exist gets a marker
``<position>-<base name>.absent`` instead. Then every new file is written at once (files.write_files:
all or none, each with its final owner, group, mode and label from the start). A file with a
``validate`` command is checked first (validation.py, as config_files does): one refusal writes
nothing, not even a backup. ``restore`` puts the backups back the same way and removes the files the
markers name; ``commit`` removes the backups and markers of the listed files once the caller has seen
the service run with the new files.

A swap reports which listed files have a backup or marker after it (``backed_up_files``): a caller
that finds one for a file the swap did not change learns that an earlier swap was never committed
(its run stopped between the swap and the check of the service), and restarts all the same.

A file that is already as wanted keeps the backup an earlier, interrupted swap made (that one holds
the file from before the change); with ``force`` the swap counts as a change even when nothing
differs, so that the caller restarts or reloads the service all the same.
"""

from __future__ import annotations

import os
import stat
import time
import typing as t

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import validation
from ansible_collections.dbtls.transport.plugins.module_utils.commands import Runner


class FileSwapError(Exception):
    """Bad input, or a file that cannot be read; the message names the file."""


def _backup_names(backup_dir: str, index: int, dest: str) -> tuple[str, str]:
    base = os.path.join(backup_dir, f'{index}-{os.path.basename(dest)}')
    return base, base + '.absent'


def _has_backup(backup_dir: str, index: int, dest: str) -> bool:
    return any(os.path.lexists(path) for path in _backup_names(backup_dir, index, dest))


def _dests(params: dict) -> list[str]:
    """The dest of each listed file, in order (restore and commit need nothing else)."""
    out = []
    for index, item in enumerate(params.get('files') or []):
        dest = item.get('dest') or ''
        if not os.path.isabs(dest):
            raise FileSwapError(f'files[{index}].dest: an absolute path is required, got {dest!r}')
        out.append(dest)
    return out


def _wanted(item: dict, index: int) -> tuple[str, bytes, int | None]:
    """(dest, content, mode of src) of one item."""
    dest = item.get('dest') or ''
    if not dest or not os.path.isabs(dest):
        raise FileSwapError(f'files[{index}].dest: an absolute path is required, got {dest!r}')
    given = [key for key in ('src', 'content', 'secret_content') if item.get(key) is not None]
    if len(given) != 1:
        raise FileSwapError(f'{dest}: give exactly one of src, content and secret_content')
    if given[0] == 'src':
        src = item['src']
        data = files.read_file(src)
        if data is None:
            raise FileSwapError(f'{dest}: its src {src} does not exist on the host; nothing was changed')
        return dest, data, stat.S_IMODE(os.stat(src).st_mode)
    return dest, str(item[given[0]]).encode('utf-8'), None


def _mode(item: dict, dest: str, src_mode: int | None, existing: os.stat_result | None) -> int | None:
    mode = item.get('mode')
    if mode == 'preserve':
        if src_mode is None:
            raise FileSwapError(f'{dest}: mode preserve needs src (it takes the mode of the src file)')
        return src_mode
    parsed = files.parse_mode(mode, f'{dest}: mode')
    if parsed is not None:
        return parsed
    return stat.S_IMODE(existing.st_mode) if existing is not None else None


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None


def swap(params: dict, check_mode: bool, run_command: Runner | None = None) -> dict:
    """Validate what changes, back it up, then write every new file at once."""
    items = params.get('files') or []
    backup_dir = params['backup_dir']
    specs: list[files.FileSpec] = []
    backups: list[files.FileSpec] = []
    markers: list[str] = []
    stale: list[str] = []
    changed_files: list[str] = []
    to_validate: list[tuple[str, bytes, str]] = []
    dests: list[str] = []
    diffs: list[dict] = []
    named: list[str] = []
    for index, item in enumerate(items):
        dest, content, src_mode = _wanted(item, index)
        if dest in dests:
            raise FileSwapError(f'{dest}: listed twice')
        dests.append(dest)
        existing = _stat(dest)
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise FileSwapError(f'{dest}: exists and is not a regular file; nothing was changed')
        mode = _mode(item, dest, src_mode, existing)
        owner, group = item.get('owner'), item.get('group')
        # Unknown users and groups are refused naming the file, before anything is compared.
        files.resolve_owner(owner, f'{dest}: owner')
        files.resolve_group(group, f'{dest}: group')
        current = files.read_file(dest) if existing is not None else None
        differs = current != content or bool(files.attribute_changes(dest, mode, owner, group))
        if not differs:
            continue
        changed_files.append(dest)
        # Text given as content is shown in the diff, as config_files shows it; a src or a
        # secret_content may be a key, and an attribute change has no text to show: named only.
        if item.get('content') is not None and current != content:
            diffs.append({'before_header': dest, 'after_header': dest,
                          'before': (current or b'').decode('utf-8', 'replace'), 'after': content.decode('utf-8', 'replace')})
        else:
            named.append(dest)
        if item.get('validate'):
            to_validate.append((item['validate'], content, dest))
        specs.append(files.FileSpec(dest, content, mode, owner, group))
        backup, marker = _backup_names(backup_dir, index, dest)
        stale += [backup, marker]
        if existing is None:
            markers.append(marker)
        else:
            backups.append(files.FileSpec(backup, current, stat.S_IMODE(existing.st_mode), existing.st_uid,
                                          existing.st_gid, label_from=dest))
    # Every file the swap writes passes its validation before anything (a backup too) is written.
    if to_validate and run_command is None:
        raise FileSwapError(f'{to_validate[0][2]}: validate needs a command runner; nothing was written')
    try:
        warnings = validation.validate_all(to_validate, run_command, check_mode) if to_validate else []
    except validation.ValidationError as exc:
        raise FileSwapError(str(exc)) from None
    changed = bool(changed_files) or bool(params.get('force'))
    # After the run, every changed file has a backup or marker; an unchanged one keeps what an
    # earlier, uncommitted swap left for it.
    backed_up = [dest for index, dest in enumerate(dests)
                 if dest in changed_files or _has_backup(backup_dir, index, dest)]
    result = {'changed': changed, 'changed_files': changed_files, 'backed_up_files': backed_up,
              'backup_dir': backup_dir, 'warnings': warnings,
              'diff': diffs + ([{'before': '', 'after': ''.join(f'replaced: {path}\n' for path in named),
                                 'before_header': backup_dir, 'after_header': backup_dir}] if named else [])}
    if check_mode or not changed_files:
        return result
    files.ensure_folder(backup_dir, 0o700, 'root', 'root')
    # The backup or marker of each file this swap changes replaces what an earlier attempt left for it.
    files.remove_files([path for path in stale if os.path.lexists(path)])
    if backups:
        files.write_files(backups)
    if markers:
        files.write_files([files.FileSpec(marker, b'', 0o600, 'root', 'root') for marker in markers])
    files.write_files(specs)
    return result


def restore(params: dict, check_mode: bool) -> dict:
    """Put each backup back (owner, group, mode, label as backed up); remove files that did not exist."""
    backup_dir = params['backup_dir']
    specs: list[files.FileSpec] = []
    removed: list[str] = []
    for index, dest in enumerate(_dests(params)):
        backup, marker = _backup_names(backup_dir, index, dest)
        backup_stat = _stat(backup)
        if backup_stat is not None:
            content = files.read_file(backup)
            live = _stat(dest)
            same = live is not None and files.read_file(dest) == content and \
                (stat.S_IMODE(live.st_mode), live.st_uid, live.st_gid) == \
                (stat.S_IMODE(backup_stat.st_mode), backup_stat.st_uid, backup_stat.st_gid)
            if not same:
                specs.append(files.FileSpec(dest, content, stat.S_IMODE(backup_stat.st_mode), backup_stat.st_uid,
                                            backup_stat.st_gid, label_from=backup))
        elif os.path.exists(marker) and os.path.lexists(dest):
            removed.append(dest)
    restored = [spec.path for spec in specs]
    if not check_mode:
        if specs:
            files.write_files(specs)
        files.remove_files(removed)
    return {'changed': bool(restored or removed), 'restored_files': restored, 'removed_files': removed,
            'backup_dir': backup_dir}


def commit(params: dict, check_mode: bool) -> dict:
    """Remove the backup or marker of each listed file: the swap is confirmed and cannot be restored."""
    backup_dir = params['backup_dir']
    committed: list[str] = []
    stale: list[str] = []
    for index, dest in enumerate(_dests(params)):
        present = [path for path in _backup_names(backup_dir, index, dest) if os.path.lexists(path)]
        if present:
            committed.append(dest)
            stale += present
    if not check_mode:
        for path in stale:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                # A backup left behind would read as an uncommitted swap on every later run.
                raise FileSwapError(f'{path}: cannot remove the backup ({exc.strerror or exc})') from None
    return {'changed': bool(committed), 'committed_files': committed, 'backup_dir': backup_dir}


def run(params: dict, check_mode: bool, run_command: Runner | None = None,
        clock: t.Callable[[], float] = time.time) -> dict:
    """``run_command(argv) -> (rc, stdout, stderr)`` runs the validation commands (the module's run_command).
    The result's ``started_at`` is the host's clock (epoch second) before anything was read or
    written: a caller reads the journal of what the swap affects from there on."""
    started_at = int(clock())
    if params.get('state') == 'restored':
        result = restore(params, check_mode)
    elif params.get('state') == 'committed':
        result = commit(params, check_mode)
    else:
        result = swap(params, check_mode, run_command)
    result['started_at'] = started_at
    return result
