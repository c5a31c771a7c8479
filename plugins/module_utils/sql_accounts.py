# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whether a MySQL/MariaDB account already is what the SQL user modules would make it.

galera_node_info compares the SST account with the role's wanted password and privileges in its
node read, so that a run where nothing differs makes no mariadb_user/mysql_user run. The verdict is
"current" only where the comparison is exact: a mysql_native_password hash equal to the wanted
password's, and the same privileges on the same objects (the set that a user module given this
``priv`` would leave, as it revokes what is not listed). Anything else - another authentication
plugin (salted hashes cannot be compared), column privileges, role grants, a grant line this code
does not read - is "unknown", and the caller runs the user module as before. No hash or password
leaves this file: the caller gets the verdict and the reason.

Pure Python, no Ansible imports.
"""

from __future__ import annotations

import hashlib
import re
import typing as t

# The statements galera_node_info runs for each account (PyMySQL quotes the parameters).
USER_ROW_QUERY = 'SELECT plugin, authentication_string FROM mysql.user WHERE User = %s AND Host = %s'
GRANTS_QUERY = 'SHOW GRANTS FOR %s@%s'

_GRANT_LINE = re.compile(r'^GRANT (?P<privileges>.+?) ON (?P<object>\S+) TO ', re.S)


def native_password_hash(password: str) -> str:
    """The mysql_native_password hash of a password, as the server stores it (*, 40 hex digits)."""
    inner = hashlib.sha1(password.encode('utf-8')).digest()
    return '*' + hashlib.sha1(inner).hexdigest().upper()


def _privilege(name: str) -> str:
    words = ' '.join(name.split()).upper()
    return 'ALL' if words == 'ALL PRIVILEGES' else words


def _object(name: str) -> str:
    return name.strip().replace('`', '').replace('"', '')


def wanted_privileges(priv: str) -> dict[str, frozenset]:
    """The privileges of a user module's ``priv`` string ("*.*:RELOAD,PROCESS/db.*:SELECT") by
    object; USAGE alone is no privilege. ValueError where a part has no object."""
    result: dict[str, frozenset] = {}
    for part in (priv or '').split('/'):
        if not part.strip():
            continue
        obj, sep, names = part.rpartition(':')
        if not sep or not obj.strip():
            raise ValueError(f'privileges {part!r}: expected <database>.<table>:<privilege>,...')
        privileges = frozenset(_privilege(name) for name in names.split(',') if name.strip()) - {'USAGE'}
        if privileges:
            result[_object(obj)] = result.get(_object(obj), frozenset()) | privileges
    return result


def granted_privileges(grant_lines: t.Sequence[str]) -> dict[str, frozenset] | None:
    """The privileges SHOW GRANTS lists by object (WITH GRANT OPTION as GRANT); None where a line
    is not a plain object grant (a role grant, PROXY, column privileges), as those are not compared."""
    result: dict[str, frozenset] = {}
    for line in grant_lines:
        match = _GRANT_LINE.match(line)
        if not match or '(' in match.group('privileges') or match.group('privileges').upper() == 'PROXY':
            return None
        privileges = {_privilege(name) for name in match.group('privileges').split(',')} - {'USAGE'}
        if re.search(r'\bWITH\b.*\bGRANT OPTION\b', line[match.end():], re.I):
            privileges.add('GRANT')
        obj = _object(match.group('object'))
        if privileges:
            result[obj] = result.get(obj, frozenset()) | privileges
    return result


def account_state(user_row: t.Sequence[t.Any] | None, grant_lines: t.Sequence[str], wanted: dict) -> dict:
    """{'state': current|missing|differs|unknown, 'reason': str} of one account.

    user_row: (plugin, authentication_string) from mysql.user, None when there is no such account;
    wanted: name, host, password, priv and require_ssl (True: the account must REQUIRE SSL; None:
    not compared, as the user modules leave it when not given).
    """
    if user_row is None:
        return {'state': 'missing', 'reason': 'no such account'}
    plugin = str(user_row[0] or '')
    stored = user_row[1].decode() if isinstance(user_row[1], bytes) else str(user_row[1] or '')
    if plugin not in ('', 'mysql_native_password'):
        return {'state': 'unknown', 'reason': f'authentication plugin {plugin} (its hash cannot be compared)'}
    if stored != native_password_hash(wanted.get('password') or ''):
        return {'state': 'differs', 'reason': 'password'}
    try:
        expected = wanted_privileges(wanted.get('priv') or '')
    except ValueError as exc:
        return {'state': 'unknown', 'reason': str(exc)}
    granted = granted_privileges(grant_lines)
    if granted is None:
        return {'state': 'unknown', 'reason': 'grants other than privileges on objects'}
    if granted != expected:
        return {'state': 'differs', 'reason': 'privileges'}
    if wanted.get('require_ssl') is not None:
        requires_ssl = any(re.search(r'\bREQUIRE\s+SSL\b', line, re.I) for line in grant_lines)
        if requires_ssl != bool(wanted['require_ssl']):
            return {'state': 'differs', 'reason': 'REQUIRE SSL'}
    return {'state': 'current', 'reason': ''}


def read_accounts(cursor: t.Any, accounts: t.Sequence[dict]) -> list[dict]:
    """account_state() of each wanted account, read through a DB-API cursor; a failed read is
    'unknown' with the server's message."""
    result = []
    for wanted in accounts:
        entry = {'name': wanted['name'], 'host': wanted['host']}
        try:
            cursor.execute(USER_ROW_QUERY, (wanted['name'], wanted['host']))
            row = cursor.fetchone()
            lines: list[str] = []
            if row is not None:
                cursor.execute(GRANTS_QUERY, (wanted['name'], wanted['host']))
                lines = [str(grant[0]) for grant in cursor.fetchall()]
        except Exception as exc:  # pylint: disable=broad-exception-caught  # any driver error is a verdict, not a failure
            entry.update(state='unknown', reason=str(exc)[:200])
        else:
            entry.update(account_state(row, lines, wanted))
        result.append(entry)
    return result
