# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A service's system group and system user, ensured together in one module run (service_account module).

The Vitess components and garbd run as their own account, and the pki role installs their keys
root:<group> 0640, so the group must exist before any key is written. ansible.builtin.group and
ansible.builtin.user need a module run each; this file reads both from the account databases
(grp, pwd) and runs the shadow tools (groupadd, useradd, usermod) only for what differs:
  - a missing group is created as a system group;
  - a missing user is created as a system user whose primary group is that group, with the given
    home (not created) and login shell;
  - an existing user gets its primary group, home and shell corrected; its uid and its other
    groups are left as they are.
ensure_groups() creates only missing groups, for the PKI modules (create_group): they install a
service's keys with its group before the service's role creates the user.
The command runner is passed in (the module's run_command), so this file imports nothing from Ansible.
"""

from __future__ import annotations

import grp
import pwd
import re
import typing as t

from ansible_collections.dbtls.transport.plugins.module_utils.commands import Runner

# What useradd and groupadd accept on every supported platform (shadow-utils' default
# NAME_REGEX, without the trailing '$' of machine accounts).
_NAME = re.compile(r'^[a-z_][a-z0-9_-]{0,31}$')


class ServiceAccountError(Exception):
    """Bad input, or a command that failed; the message names the account."""


def _lookup_group(name: str):
    try:
        return grp.getgrnam(name)
    except KeyError:
        return None


def _lookup_user(name: str):
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _require_name(label: str, value: str, kind: str) -> None:
    if not _NAME.match(value):
        raise ServiceAccountError(f'{label} {value!r}: not a valid {kind} name (lower-case letters, digits, '
                                  f'"_" and "-", starting with a letter or "_", at most 32 characters)')


def _check(params: dict) -> None:
    for option in ('name', 'group'):
        _require_name(option, params.get(option) or '', 'account')
    for option in ('home', 'shell'):
        value = params.get(option) or ''
        if not value.startswith('/'):
            raise ServiceAccountError(f'{option} {value!r}: an absolute path is required')


def _run(run: Runner, argv: list, what: str) -> None:
    rc, out, err = run(argv)
    if rc != 0:
        detail = ' '.join((err or out or '').split())[:300]
        raise ServiceAccountError(f'{what}: {argv[0]} failed (rc {rc}): {detail}')


def _create_group(name: str, run: Runner, lookup_group: t.Callable):
    _run(run, ['groupadd', '--system', name], f'group {name}')
    group = lookup_group(name)
    if group is None:
        raise ServiceAccountError(f'group {name}: groupadd succeeded but the group cannot be read')
    return group


def ensure_groups(names: t.Iterable, check_mode: bool, run: Runner,
                  lookup_group: t.Callable = _lookup_group) -> list[str]:
    """Create each group of ``names`` that does not exist as a system group (the group a service's
    keys are installed with, before its service account is created); gids and empty names are
    left alone. Returns the names created, or in check mode the names that would be."""
    missing = []
    for name in names:
        text = '' if name is None else str(name)
        if not text or text.isdigit() or text in missing or lookup_group(text) is not None:
            continue
        _require_name('group', text, 'group')
        missing.append(text)
    created: list[str] = []
    try:
        for name in missing:
            if not check_mode:
                _create_group(name, run, lookup_group)
            created.append(name)
    except ServiceAccountError:
        remove_groups(created, run)
        raise
    return created


def remove_groups(names: t.Iterable, run: Runner) -> None:
    """Remove groups that ensure_groups() created, when the run that needed them failed (best effort:
    the failure being reported matters more than this clean-up)."""
    for name in names:
        run(['groupdel', name])


def _describe(user, group) -> dict:
    """The account as the diff shows it (None where it does not exist)."""
    return {'group': None if group is None else {'name': group.gr_name, 'gid': group.gr_gid},
            'user': None if user is None else {'name': user.pw_name, 'uid': user.pw_uid, 'gid': user.pw_gid,
                                               'home': user.pw_dir, 'shell': user.pw_shell}}


def ensure(params: dict, check_mode: bool, run: Runner,
           lookup_group: t.Callable = _lookup_group, lookup_user: t.Callable = _lookup_user) -> dict:
    """Create or correct the group and the user; returns the module result."""
    _check(params)
    name, group_name, home, shell = params['name'], params['group'], params['home'], params['shell']
    group = lookup_group(group_name)
    user = lookup_user(name)
    before = _describe(user, group)
    changes: list[str] = []
    if group is None:
        changes.append(f'group {group_name} created (system group)')
        if not check_mode:
            group = _create_group(group_name, run, lookup_group)
    if user is None:
        changes.append(f'user {name} created (system user, primary group {group_name}, home {home} not created, shell {shell})')
        if not check_mode:
            _run(run, ['useradd', '--system', '--gid', group_name, '--home-dir', home, '--no-create-home',
                       '--shell', shell, name], f'user {name}')
    else:
        argv = []
        if group is None or user.pw_gid != group.gr_gid:
            argv += ['--gid', group_name]
            changes.append(f'user {name}: primary group set to {group_name}')
        if user.pw_dir != home:
            argv += ['--home', home]
            changes.append(f'user {name}: home {user.pw_dir} -> {home}')
        if user.pw_shell != shell:
            argv += ['--shell', shell]
            changes.append(f'user {name}: shell {user.pw_shell} -> {shell}')
        if argv and not check_mode:
            _run(run, ['usermod'] + argv + [name], f'user {name}')
    if check_mode:
        # What the run would make: the account as wanted, with the ids it has or "(new)".
        gid = group.gr_gid if group is not None else '(new)'
        after = {'group': {'name': group_name, 'gid': gid},
                 'user': {'name': name, 'uid': user.pw_uid if user is not None else '(new)', 'gid': gid,
                          'home': home, 'shell': shell}}
        uid = user.pw_uid if user is not None else None
    else:
        user = lookup_user(name) if changes else user
        after = _describe(user, group)
        uid = user.pw_uid if user is not None else None
    result = {'changed': bool(changes), 'changes': changes, 'name': name, 'group': group_name, 'uid': uid,
              'gid': group.gr_gid if group is not None else None}
    if changes:
        result['diff'] = {'before': _text(before), 'after': _text(after),
                          'before_header': f'{name}:{group_name}', 'after_header': f'{name}:{group_name}'}
    return result


def compare(params: dict, lookup_group: t.Callable = _lookup_group, lookup_user: t.Callable = _lookup_user) -> dict:
    """What ensure() would change, read only (for a host read that decides whether ensure() runs)."""
    def no_command(argv, data=None):
        raise ServiceAccountError(f'{argv[0]}: no command runs when the account is only compared')
    answer = ensure(params, True, no_command, lookup_group, lookup_user)
    return {'changes': answer['changes'], 'uid': answer['uid'], 'gid': answer['gid']}


def _text(described: dict) -> str:
    lines = []
    for kind in ('group', 'user'):
        entry = described[kind]
        lines.append(f'{kind}: ' + ('absent' if entry is None else ', '.join(f'{k}={v}' for k, v in entry.items())))
    return '\n'.join(lines) + '\n'
