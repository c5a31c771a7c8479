#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: service_log
short_description: Read a service's journal and the line that names why it failed
description:
  - Reads the systemd journal of O(units) since O(since) (else its last O(lines) lines) and returns the lines and
    RV(excerpt), the lines that name the cause.
  - Each run of a unit (systemd's invocation; a unit restarted after each failure logs one run per attempt) gives its
    cause line - the first line matching the first of O(patterns) (then the collection's own error patterns) that
    matches any; the excerpt is these lines in time order, a repeated cause once, joined with C( | ). Of more than
    three it quotes the first (what started the failures) and the latest two (what the last run died of), with C(...)
    between them.
    Without any such line it is the last line read.
  - Every failure report of the collection's roles and playbooks (a failed restart, join, bootstrap, CA rotation step
    or garbd start) quotes this excerpt, so they pick the cause line alike.
  - Changes nothing.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
extends_documentation_fragment:
  - dbtls.transport.node_info
options:
  units:
    description: systemd units whose journal is read (all of them together, in time order); empty - the whole journal.
    type: list
    elements: str
    default: []
  since:
    description: Epoch second from which the journal is read (for example the host's clock before a change).
    type: int
  lines:
    description: Without O(since), how many of the last lines are read.
    type: int
    default: 40
  patterns:
    description: Regular expressions of a cause line, tried in order before the collection's own.
    type: list
    elements: str
    default: []
  skip_invocation:
    description:
      - Id of a unit run (systemd's InvocationID) whose lines are left out - the run before a restart, whose shutdown
        lines are no cause of the new run's failure. M(dbtls.transport.served_info) returns it for each unit.
    type: str
  current_run:
    description:
      - Read only the lines of the current run (systemd's InvocationID) of the one unit in O(units), whatever their
        age; O(since) and O(lines) do not apply. RV(active) says whether the unit is active; an inactive unit has no
        current run and no lines.
      - For a check that a service's current run has logged something (a daemon that has no status interface).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Read the unit before the restart (its clock and the id of its current run)
  dbtls.transport.served_info:
    units: [mariadb]
  register: before

- name: Read the journal of the failed restart, without the lines of the run it replaced
  dbtls.transport.service_log:
    units: [mariadb]
    since: "{{ before.now }}"
    skip_invocation: "{{ before.units.mariadb.invocation }}"
  register: log

- name: Report it
  ansible.builtin.fail:
    msg: "the restart failed. Log: {{ log.excerpt }}"

- name: Wait until garbd's current run has logged that it synced with the cluster
  dbtls.transport.service_log:
    units: [garb]
    current_run: true
  register: garbd_log
  until: garbd_log.active and garbd_log.lines | select('search', 'Shifting JOINED -> SYNCED') | list | length > 0
  retries: 30
  delay: 2
'''

RETURN = r'''
lines:
  description: The journal lines read (message text only).
  returned: always
  type: list
  elements: str
excerpt:
  description:
    - The cause line of each run, a repeated cause once, joined with C( | ) (of more than three, the first, C(...) and
      the latest two); the last line when no line names a cause; C((empty journal)) without lines.
  returned: always
  type: str
active:
  description: Whether the unit is active (its current run is what was read).
  returned: when O(current_run=true)
  type: bool
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import commands, node_state  # noqa: E402

ARGUMENT_SPEC = {
    'units': {'type': 'list', 'elements': 'str', 'default': []},
    'since': {'type': 'int'},
    'lines': {'type': 'int', 'default': 40},
    'patterns': {'type': 'list', 'elements': 'str', 'default': []},
    'skip_invocation': {'type': 'str'},
    'current_run': {'type': 'bool', 'default': False},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    run = commands.command_runner(module)

    try:
        result = node_state.read_service_log(run, module.params, module.get_bin_path)
    except ValueError as exc:
        module.fail_json(msg=f'units: {exc}')
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
