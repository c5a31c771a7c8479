#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: service_account
short_description: A service's system group and system user in one module run
description:
  - Makes sure that the system group O(group) exists and that the system user O(name) exists with O(group) as its
    primary group, O(home) as its home folder (never created) and O(shell) as its login shell, in one module run,
    where M(ansible.builtin.group) and M(ansible.builtin.user) take one each.
  - A missing group is created with C(groupadd --system); a missing user with C(useradd --system); an existing user
    gets its primary group, home and shell corrected with C(usermod). Its uid and its other groups are left as they are.
  - Nothing runs when the account is already as wanted (read from the group and password databases).
  - The roles use it for the accounts whose group reads the keys the pki role installs (Vitess, garbd), before the
    keys are written.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
attributes:
  check_mode:
    support: full
    description: Reports what would be created or corrected; runs no command.
  diff_mode:
    support: full
    description: The group and the user before and after (names, ids, home and shell).
  platform:
    support: full
    platforms: posix
    description: Linux hosts with the shadow tools (C(groupadd), C(useradd), C(usermod)).
options:
  name:
    description: Name of the system user.
    type: str
    required: true
  group:
    description: Name of the system group, the user's primary group.
    type: str
    required: true
  home:
    description: Home folder of the user (absolute path). It is not created; the roles create the service's folders themselves.
    type: path
    required: true
  shell:
    description: Login shell of the user; the default lets nobody log in as the service.
    type: path
    default: /usr/sbin/nologin
notes:
  - Names follow the shadow tools' default rule - lower-case letters, digits, C(_) and C(-), starting with a letter or
    C(_), at most 32 characters; others are refused before anything runs.
seealso:
  - module: ansible.builtin.group
  - module: ansible.builtin.user
'''

EXAMPLES = r'''
- name: Create the vitess group and user (system account, no login shell)
  dbtls.transport.service_account:
    name: vitess
    group: vitess
    home: /var/lib/vitess
'''

RETURN = r'''
changes:
  description: What was (or, in check mode, would be) created or corrected; empty when the account is as wanted.
  returned: always
  type: list
  elements: str
  sample:
    - group vitess created (system group)
    - user vitess created (system user, primary group vitess, home /var/lib/vitess not created, shell /usr/sbin/nologin)
name:
  description: The user's name.
  returned: always
  type: str
group:
  description: The group's name.
  returned: always
  type: str
uid:
  description: The user's uid; null in check mode when the user does not exist yet.
  returned: always
  type: int
gid:
  description: The group's gid; null in check mode when the group does not exist yet.
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import commands, module_runner  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import service_account  # noqa: E402

ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'group': {'type': 'str', 'required': True},
    'home': {'type': 'path', 'required': True},
    'shell': {'type': 'path', 'default': '/usr/sbin/nologin'},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run = commands.command_runner(module)
    module_runner.run_ensure(module, lambda params, check_mode: service_account.ensure(params, check_mode, run),
                             errors=(service_account.ServiceAccountError,))


if __name__ == '__main__':
    main()
