#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: vitess_node_info
short_description: Read the paths and systemd units of a Vitess host in one module run
description:
  - Describes each path (binaries, TLS files, folders) - whether it exists, its type, owner, group and mode - and
    the state of each systemd unit (C(ActiveState), C(SubState), C(UnitFileState)), so that the vitess_tls role
    decides on the controller what to create, start or refuse, instead of one module run per path and unit.
  - Changes nothing.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
attributes:
  check_mode:
    support: full
    description: The module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description: Runs on systemd hosts.
options:
  paths:
    description: Paths to describe (links are followed, as a service opening them does).
    type: list
    elements: path
    default: []
  units:
    description: systemd units to read (C(vtgate.service), ...).
    type: list
    elements: str
    default: []
'''

EXAMPLES = r'''
- name: Read the binaries, the TLS files and the units once
  dbtls.transport.vitess_node_info:
    paths: [/usr/local/bin/vtgate, /etc/dbtls/tls/peer.crt, /etc/dbtls/tls/peer.key]
    units: [vtgate.service]
  register: vitess_host

- name: Start vtgate only where it does not run
  ansible.builtin.systemd_service:
    name: vtgate.service
    state: started
  when: vitess_host.units['vtgate.service'].active_state != 'active'
'''

RETURN = r'''
paths:
  description: For each path - C(exists), C(regular), C(directory), C(owner), C(group), C(mode) (octal text),
    C(world_readable), C(executable) (by its owner).
  returned: always
  type: dict
  sample: {/etc/dbtls/tls/peer.key: {exists: true, regular: true, directory: false, owner: root, group: vitess, mode: "0640",
           world_readable: false, executable: false}}
units:
  description: For each unit - C(active_state), C(sub_state), C(unit_file_state), and C(error) when systemd did not answer.
  returned: always
  type: dict
  sample: {vtgate.service: {active_state: active, sub_state: running, unit_file_state: enabled, error: ""}}
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import node_state  # noqa: E402

ARGUMENT_SPEC = {
    'paths': {'type': 'list', 'elements': 'path', 'default': []},
    'units': {'type': 'list', 'elements': 'str', 'default': []},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    def run(argv, data=None):
        return module.run_command(argv, data=data, environ_update={'LC_ALL': 'C'})

    module.exit_json(changed=False, **node_state.read_vitess_host(run, module.params, module.get_bin_path))


if __name__ == '__main__':
    main()
