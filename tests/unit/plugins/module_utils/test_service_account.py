# Copyright: dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""service_account: group and user read from the account databases, created or corrected by the shadow tools.

The account databases are a small in-memory table here that the fake groupadd/useradd/usermod
change as the real tools would, so that each test sees which commands ran and what the module
reads afterwards; one test reads the real databases (root's account, which needs no change).
"""

from __future__ import annotations

import grp
import pwd
from types import SimpleNamespace

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import service_account as sa


class Accounts:
    """Groups and users as grp/pwd return them, changed by the commands the module runs."""

    def __init__(self, groups=None, users=None, fail=None):
        self.groups = dict(groups or {})
        self.users = dict(users or {})
        self.commands = []
        self.fail = fail or {}

    def group(self, name):
        gid = self.groups.get(name)
        return None if gid is None else SimpleNamespace(gr_name=name, gr_gid=gid)

    def user(self, name):
        entry = self.users.get(name)
        return None if entry is None else SimpleNamespace(pw_name=name, **entry)

    def run(self, argv):
        self.commands.append(argv)
        if argv[0] in self.fail:
            return 1, '', self.fail[argv[0]]
        name = argv[-1]
        if argv[0] == 'groupadd':
            self.groups[name] = 999
        elif argv[0] == 'groupdel':
            self.groups.pop(name, None)
        elif argv[0] == 'useradd':
            self.users[name] = {'pw_uid': 998, 'pw_gid': self.groups[argv[argv.index('--gid') + 1]],
                                'pw_dir': argv[argv.index('--home-dir') + 1], 'pw_shell': argv[argv.index('--shell') + 1]}
        elif argv[0] == 'usermod':
            entry = self.users[name]
            if '--gid' in argv:
                entry['pw_gid'] = self.groups[argv[argv.index('--gid') + 1]]
            if '--home' in argv:
                entry['pw_dir'] = argv[argv.index('--home') + 1]
            if '--shell' in argv:
                entry['pw_shell'] = argv[argv.index('--shell') + 1]
        return 0, '', ''

    def ensure(self, check_mode=False, **params):
        wanted = dict({'name': 'vitess', 'group': 'vitess', 'home': '/var/lib/vitess', 'shell': '/usr/sbin/nologin'}, **params)
        return sa.ensure(wanted, check_mode, self.run, lookup_group=self.group, lookup_user=self.user)


AS_WANTED = {'pw_uid': 998, 'pw_gid': 999, 'pw_dir': '/var/lib/vitess', 'pw_shell': '/usr/sbin/nologin'}


def test_an_account_as_wanted_runs_no_command():
    accounts = Accounts({'vitess': 999}, {'vitess': dict(AS_WANTED)})
    result = accounts.ensure()
    assert result['changed'] is False and result['changes'] == []
    assert accounts.commands == []
    assert (result['uid'], result['gid']) == (998, 999)
    assert 'diff' not in result


def test_a_missing_group_and_user_are_created_as_system_accounts():
    accounts = Accounts()
    result = accounts.ensure()
    assert result['changed'] is True
    assert accounts.commands == [
        ['groupadd', '--system', 'vitess'],
        ['useradd', '--system', '--gid', 'vitess', '--home-dir', '/var/lib/vitess', '--no-create-home',
         '--shell', '/usr/sbin/nologin', 'vitess'],
    ]
    assert (result['uid'], result['gid']) == (998, 999)
    assert 'group: absent' in result['diff']['before'] and 'user: absent' in result['diff']['before']
    assert 'uid=998' in result['diff']['after'] and 'shell=/usr/sbin/nologin' in result['diff']['after']
    # The second run finds the account as wanted.
    accounts.commands.clear()
    assert accounts.ensure()['changed'] is False and accounts.commands == []


def test_an_existing_user_gets_its_group_home_and_shell_corrected_in_one_usermod():
    accounts = Accounts({'vitess': 999, 'users': 100},
                        {'vitess': {'pw_uid': 500, 'pw_gid': 100, 'pw_dir': '/home/vitess', 'pw_shell': '/bin/bash'}})
    result = accounts.ensure()
    assert accounts.commands == [['usermod', '--gid', 'vitess', '--home', '/var/lib/vitess', '--shell', '/usr/sbin/nologin', 'vitess']]
    assert result['uid'] == 500  # the uid is kept
    assert result['changes'] == ['user vitess: primary group set to vitess', 'user vitess: home /home/vitess -> /var/lib/vitess',
                                 'user vitess: shell /bin/bash -> /usr/sbin/nologin']


def test_only_the_group_is_created_where_the_user_exists_with_it_as_primary_group_name():
    accounts = Accounts({}, {'garb': {'pw_uid': 501, 'pw_gid': 4242, 'pw_dir': '/var/lib/garb', 'pw_shell': '/usr/sbin/nologin'}})
    accounts.ensure(name='garb', group='garb', home='/var/lib/garb')
    assert [argv[0] for argv in accounts.commands] == ['groupadd', 'usermod']
    assert accounts.commands[1] == ['usermod', '--gid', 'garb', 'garb']


def test_check_mode_reports_and_runs_nothing():
    accounts = Accounts()
    result = accounts.ensure(check_mode=True)
    assert result['changed'] is True and len(result['changes']) == 2
    assert accounts.commands == []
    assert result['uid'] is None and result['gid'] is None
    assert 'uid=(new)' in result['diff']['after'] and 'gid=(new)' in result['diff']['after']


def test_check_mode_names_a_correction_and_runs_no_usermod():
    accounts = Accounts({'vitess': 999}, {'vitess': dict(AS_WANTED, pw_shell='/bin/bash')})
    result = accounts.ensure(check_mode=True)
    assert result['changes'] == ['user vitess: shell /bin/bash -> /usr/sbin/nologin']
    assert accounts.commands == []
    assert accounts.users['vitess']['pw_shell'] == '/bin/bash'


@pytest.mark.parametrize('params, message', [
    ({'name': 'Vitess'}, "name 'Vitess': not a valid account name"),
    ({'name': '-rf'}, "name '-rf': not a valid account name"),
    ({'group': 'vi tess'}, "group 'vi tess': not a valid account name"),
    ({'group': ''}, "group '': not a valid account name"),
    ({'home': 'var/lib/vitess'}, "home 'var/lib/vitess': an absolute path is required"),
    ({'shell': 'nologin'}, "shell 'nologin': an absolute path is required"),
])
def test_bad_input_is_refused_before_anything_runs(params, message):
    accounts = Accounts()
    with pytest.raises(sa.ServiceAccountError, match='^' + message.replace('(', r'\(').replace(')', r'\)')):
        accounts.ensure(**params)
    assert accounts.commands == []


def test_a_failing_groupadd_names_the_group_and_creates_no_user():
    accounts = Accounts(fail={'groupadd': "groupadd: cannot lock /etc/group; try again later.\n"})
    with pytest.raises(sa.ServiceAccountError, match=r"^group vitess: groupadd failed \(rc 1\): groupadd: cannot lock /etc/group"):
        accounts.ensure()
    assert [argv[0] for argv in accounts.commands] == ['groupadd']


def test_the_real_databases_are_read():
    # root's own account, with its real primary group, home and shell: nothing to do, nothing run.
    root = pwd.getpwnam('root')
    ran = []
    result = sa.ensure({'name': 'root', 'group': grp.getgrgid(root.pw_gid).gr_name, 'home': root.pw_dir, 'shell': root.pw_shell},
                       False, lambda argv: ran.append(argv) or (1, '', 'must not run'))
    assert result['changed'] is False and ran == []
    assert (result['uid'], result['gid']) == (0, root.pw_gid)


def test_ensure_groups_creates_only_the_missing_groups_once():
    accounts = Accounts({'mysql': 27})
    made = sa.ensure_groups(['vitess', 'mysql', None, '', '1234', 'vitess', 'garb'], False, accounts.run, lookup_group=accounts.group)
    assert made == ['vitess', 'garb']
    assert accounts.commands == [['groupadd', '--system', 'vitess'], ['groupadd', '--system', 'garb']]


def test_ensure_groups_in_check_mode_names_them_and_runs_nothing():
    accounts = Accounts()
    assert sa.ensure_groups(['vitess'], True, accounts.run, lookup_group=accounts.group) == ['vitess']
    assert accounts.commands == [] and accounts.groups == {}


def test_ensure_groups_refuses_a_bad_name_before_any_command():
    accounts = Accounts()
    with pytest.raises(sa.ServiceAccountError, match="^group 'Vitess': not a valid group name"):
        sa.ensure_groups(['garb', 'Vitess'], False, accounts.run, lookup_group=accounts.group)
    assert accounts.commands == []


def test_ensure_groups_removes_the_groups_it_made_when_a_later_one_fails():
    accounts = Accounts()
    real_run = accounts.run

    def run(argv):
        if argv[-1] == 'garb' and argv[0] == 'groupadd':
            accounts.commands.append(argv)
            return 1, '', 'groupadd: GID range exhausted'
        return real_run(argv)
    with pytest.raises(sa.ServiceAccountError, match=r'^group garb: groupadd failed \(rc 1\): groupadd: GID range exhausted'):
        sa.ensure_groups(['vitess', 'garb'], False, run, lookup_group=accounts.group)
    assert accounts.commands == [['groupadd', '--system', 'vitess'], ['groupadd', '--system', 'garb'], ['groupdel', 'vitess']]
    assert accounts.groups == {}


@pytest.mark.parametrize('users, changes', [
    ({'vitess': dict(AS_WANTED)}, []),
    ({}, ['user vitess created (system user, primary group vitess, home /var/lib/vitess not created, shell /usr/sbin/nologin)']),
    ({'vitess': dict(AS_WANTED, pw_dir='/home/vitess')}, ['user vitess: home /home/vitess -> /var/lib/vitess']),
])
def test_compare_says_what_ensure_would_change_and_runs_nothing(users, changes):
    accounts = Accounts({'vitess': 999}, users)
    answer = sa.compare({'name': 'vitess', 'group': 'vitess', 'home': '/var/lib/vitess', 'shell': '/usr/sbin/nologin'},
                        lookup_group=accounts.group, lookup_user=accounts.user)
    assert answer['changes'] == changes and answer['gid'] == 999
    assert accounts.commands == []
