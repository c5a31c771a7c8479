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
all or none, each with its final owner, group, mode and label from the start). ``restore`` puts the
backups back the same way and removes the files the markers name.

A file that is already as wanted keeps the backup an earlier, interrupted swap made (that one holds
the file from before the change); with ``force`` the swap counts as a change even when nothing
differs, so that the caller restarts or reloads the service all the same.
"""

from __future__ import annotations

import os
import stat

from ansible_collections.dbtls.transport.plugins.module_utils import files


class FileSwapError(Exception):
    """Bad input, or a file that cannot be read; the message names the file."""


def _backup_names(backup_dir: str, index: int, dest: str) -> tuple[str, str]:
    base = os.path.join(backup_dir, f'{index}-{os.path.basename(dest)}')
    return base, base + '.absent'


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


def swap(params: dict, check_mode: bool) -> dict:
    """Back up what changes, then write every new file at once."""
    items = params.get('files') or []
    backup_dir = params['backup_dir']
    specs: list[files.FileSpec] = []
    backups: list[files.FileSpec] = []
    markers: list[str] = []
    stale: list[str] = []
    changed_files: list[str] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        dest, content, src_mode = _wanted(item, index)
        if dest in seen:
            raise FileSwapError(f'{dest}: listed twice')
        seen.add(dest)
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
        specs.append(files.FileSpec(dest, content, mode, owner, group))
        backup, marker = _backup_names(backup_dir, index, dest)
        stale += [backup, marker]
        if existing is None:
            markers.append(marker)
        else:
            backups.append(files.FileSpec(backup, current, stat.S_IMODE(existing.st_mode), existing.st_uid,
                                          existing.st_gid, label_from=dest))
    changed = bool(changed_files) or bool(params.get('force'))
    result = {'changed': changed, 'changed_files': changed_files, 'backup_dir': backup_dir,
              'diff': {'before': '', 'after': ''.join(f'replaced: {path}\n' for path in changed_files),
                       'before_header': backup_dir, 'after_header': backup_dir}}
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
    for index, item in enumerate(params.get('files') or []):
        dest = item.get('dest') or ''
        if not os.path.isabs(dest):
            raise FileSwapError(f'files[{index}].dest: an absolute path is required, got {dest!r}')
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


def run(params: dict, check_mode: bool) -> dict:
    if params.get('state') == 'restored':
        return restore(params, check_mode)
    return swap(params, check_mode)
