# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import sql_accounts

PRIV = '*.*:RELOAD,PROCESS,LOCK TABLES,BINLOG MONITOR'
WANTED = {'name': 'mariabackup', 'host': 'localhost', 'password': 's3cret', 'priv': PRIV}
# What MariaDB 10.11 answers for the account a user module made from WANTED.
ROW = ('mysql_native_password', sql_accounts.native_password_hash('s3cret'))
GRANTS = ["GRANT RELOAD, PROCESS, LOCK TABLES, BINLOG MONITOR ON *.* TO `mariabackup`@`localhost` "
          "IDENTIFIED BY PASSWORD '" + sql_accounts.native_password_hash('s3cret') + "'"]


def test_native_password_hash_is_the_servers():
    # SELECT PASSWORD('password') on MariaDB and MySQL 5.7.
    assert sql_accounts.native_password_hash('password') == '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19'


def test_privileges_of_a_priv_string_and_of_show_grants():
    assert sql_accounts.wanted_privileges('*.*:ALL,GRANT/`db`.*:select') == {'*.*': {'ALL', 'GRANT'}, 'db.*': {'SELECT'}}
    assert sql_accounts.wanted_privileges('*.*:USAGE') == {}
    with pytest.raises(ValueError, match="'RELOAD': expected"):
        sql_accounts.wanted_privileges('RELOAD')
    assert sql_accounts.granted_privileges(["GRANT ALL PRIVILEGES ON *.* TO `sst`@`%` REQUIRE SSL WITH GRANT OPTION",
                                            "GRANT SELECT ON `db`.* TO `sst`@`%`"]) == {'*.*': {'ALL', 'GRANT'}, 'db.*': {'SELECT'}}
    assert sql_accounts.granted_privileges(["GRANT USAGE ON *.* TO `x`@`localhost`"]) == {}
    # Not compared: column privileges, role grants, PROXY.
    assert sql_accounts.granted_privileges(["GRANT SELECT (a) ON `db`.`t` TO `x`@`h`"]) is None
    assert sql_accounts.granted_privileges(["GRANT `admin` TO `x`@`h`"]) is None
    assert sql_accounts.granted_privileges(["GRANT PROXY ON ''@'%' TO 'x'@'h'"]) is None


def test_account_state_is_current_only_on_an_exact_match():
    assert sql_accounts.account_state(ROW, GRANTS, WANTED) == {'state': 'current', 'reason': ''}
    assert sql_accounts.account_state(None, [], WANTED)['state'] == 'missing'
    assert sql_accounts.account_state(ROW, GRANTS, dict(WANTED, password='other')) == {'state': 'differs', 'reason': 'password'}
    # One privilege more or less differs: the user module would grant or revoke it.
    assert sql_accounts.account_state(ROW, GRANTS, dict(WANTED, priv=PRIV + ',SUPER'))['reason'] == 'privileges'
    assert sql_accounts.account_state(ROW, GRANTS + ["GRANT SELECT ON `mysql`.* TO `mariabackup`@`localhost`"], WANTED)['reason'] == 'privileges'
    # Salted hashes (caching_sha2_password, ed25519) cannot be compared.
    assert sql_accounts.account_state(('caching_sha2_password', '$A$005$xyz'), GRANTS, WANTED)['state'] == 'unknown'
    assert sql_accounts.account_state(ROW, GRANTS, dict(WANTED, priv='RELOAD'))['state'] == 'unknown'
    # REQUIRE SSL is compared only when asked for.
    assert sql_accounts.account_state(ROW, GRANTS, dict(WANTED, require_ssl=True)) == {'state': 'differs', 'reason': 'REQUIRE SSL'}
    assert sql_accounts.account_state(ROW, [GRANTS[0] + ' REQUIRE SSL'], dict(WANTED, require_ssl=True))['state'] == 'current'
    # An old server's bytes column.
    assert sql_accounts.account_state(('', ROW[1].encode()), GRANTS, WANTED)['state'] == 'current'


class Cursor:
    """A DB-API cursor answering from a table {(user, host): (row, grants)}."""

    def __init__(self, accounts, fail=None):
        self.accounts, self.fail, self.answer, self.seen = accounts, fail, None, []

    def execute(self, query, args):
        self.seen.append((query, args))
        if self.fail:
            raise RuntimeError(self.fail)
        row, grants = self.accounts.get(args, (None, []))
        self.answer = [row] if query == sql_accounts.USER_ROW_QUERY else [(line,) for line in grants]

    def fetchone(self):
        return self.answer[0]

    def fetchall(self):
        return self.answer


def test_read_accounts_through_a_cursor():
    cursor = Cursor({('mariabackup', 'localhost'): (ROW, GRANTS)})
    result = sql_accounts.read_accounts(cursor, [WANTED, dict(WANTED, host='%')])
    assert result == [{'name': 'mariabackup', 'host': 'localhost', 'state': 'current', 'reason': ''},
                      {'name': 'mariabackup', 'host': '%', 'state': 'missing', 'reason': 'no such account'}]
    # The password is never sent to the server: only user and host are parameters.
    assert all('s3cret' not in repr(args) for _query, args in cursor.seen)
    failing = sql_accounts.read_accounts(Cursor({}, fail='(1142) SELECT command denied'), [WANTED])
    assert failing == [{'name': 'mariabackup', 'host': 'localhost', 'state': 'unknown', 'reason': '(1142) SELECT command denied'}]
