# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Several configuration files of one host written in one pass, all or none (config_files module).

Each file has its content (rendered on the controller), owner, group, mode and an optional
validation command (``%s`` is the file to check, as ansible.builtin.template's ``validate``). The
files that differ are validated first, each from a private 0600 copy (validation.py), and only
when every one passes are they written together by files.write_files (temp file beside the target
with its final attributes, rename, SELinux label of the file it replaces). So a bad file changes nothing, and the
caller learns in one result which files changed. A file marked secret is compared and written like
the others but never appears in the diff.

``differing()`` answers on the controller, from a node read that already holds each file's
SHA-256, owner, group and mode (host_info's ``checksums``), which files a config_files run would
write, so that a run with nothing to write need not be made.
"""

from __future__ import annotations

import hmac
import os
import typing as t

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import validation
from ansible_collections.dbtls.transport.plugins.module_utils.commands import Runner
from ansible_collections.dbtls.transport.plugins.module_utils.node_state import content_hasher


class ConfigFilesError(Exception):
    """Bad input or a failed validation; the message names the file."""


def _wanted(item: dict, index: int) -> tuple[str, bytes, bool]:
    dest = item.get('dest') or ''
    if not dest or not os.path.isabs(dest):
        raise ConfigFilesError(f'files[{index}].dest: an absolute path is required, got {dest!r}')
    given = [key for key in ('content', 'secret_content') if item.get(key) is not None]
    if len(given) != 1:
        raise ConfigFilesError(f'{dest}: give exactly one of content and secret_content')
    secret = given[0] == 'secret_content'
    return dest, str(item[given[0]]).encode('utf-8'), secret


def ensure(params: dict, check_mode: bool, run: Runner) -> dict:
    """Compare every file with what is wanted; validate and write the ones that differ."""
    items = params.get('files') or []
    seen: set[str] = set()
    specs: list[files.FileSpec] = []
    results: dict[str, dict] = {}
    diffs: list[dict] = []
    to_validate: list[tuple[str, bytes, str]] = []
    for index, item in enumerate(items):
        dest, content, secret = _wanted(item, index)
        if dest in seen:
            raise ConfigFilesError(f'{dest}: listed twice')
        seen.add(dest)
        mode = files.parse_mode(item.get('mode'), f'{dest}: mode')
        if mode is None:
            raise ConfigFilesError(f'{dest}: mode is required (for example "0644")')
        owner, group = item.get('owner'), item.get('group')
        # Unknown users and groups are refused naming the file, before anything is compared.
        files.resolve_owner(owner, f'{dest}: owner')
        files.resolve_group(group, f'{dest}: group')
        current = files.read_file(dest)
        content_changed = current != content
        attributes_changed = not content_changed and bool(files.attribute_changes(dest, mode, owner, group))
        results[dest] = {'changed': content_changed or attributes_changed, 'content_changed': content_changed}
        if content_changed and item.get('validate'):
            to_validate.append((item['validate'], content, dest))
        if content_changed or attributes_changed:
            specs.append(files.FileSpec(dest, content, mode, owner, group))
            if content_changed and not secret:
                diffs.append({'before_header': dest, 'after_header': dest,
                              'before': (current or b'').decode('utf-8', 'replace'),
                              'after': content.decode('utf-8', 'replace')})
            elif content_changed:
                diffs.append({'before_header': dest, 'after_header': dest,
                              'before': '(secret content not shown)\n' if current is not None else '',
                              'after': '(secret content not shown)\n'})
    # Every changed file passes its validation before any file is written.
    try:
        warnings = validation.validate_all(to_validate, run, check_mode)
    except validation.ValidationError as exc:
        raise ConfigFilesError(str(exc)) from None
    if specs and not check_mode:
        files.write_files(specs)
    return {'changed': bool(specs), 'files': results,
            'changed_files': [spec.path for spec in specs], 'diff': diffs, 'warnings': warnings}


def differing(wanted: t.Iterable[t.Mapping], read: t.Mapping[str, t.Mapping], key: str | None = None) -> list[str]:
    """The dest of each file of ``wanted`` (config_files' files) that a run would write: missing
    from ``read`` (path -> an entry with exists, regular, checksum, owner, group and mode, as
    node_state.path_entry returns it), not a regular file, or another content, mode, owner or group
    (owner and group only where given). A file the read does not hold with a digest counts as
    differing. With ``key``, the read's checksums are HMAC-SHA256 under it (node_state.path_entry with its key),
    else SHA-256. Raises ConfigFilesError for bad input (a relative dest, no content)."""
    out = []
    for index, item in enumerate(wanted):
        dest, content, _secret = _wanted(dict(item), index)
        entry = read.get(dest)
        # Not read, or read without its digest: it may differ, so a run would look at it.
        if not entry or not entry.get('exists') or not entry.get('regular') or not entry.get('checksum'):
            out.append(dest)
            continue
        mode = files.parse_mode(item.get('mode'), f'{dest}: mode')
        digest = content_hasher(key)
        digest.update(content)
        same = (hmac.compare_digest(str(entry['checksum']), digest.hexdigest())
                and (mode is None or int(str(entry.get('mode') or '0'), 8) == mode)
                and item.get('owner') in (None, entry.get('owner'))
                and item.get('group') in (None, entry.get('group')))
        if not same:
            out.append(dest)
    return out
