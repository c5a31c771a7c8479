#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: served_info
short_description: Read what a host serves and runs - certificates on its ports, a certificate file, units' main processes
description:
  - In one module run, reads the SHA-256 fingerprint of the first certificate each port presents (C(openssl s_client)
    from the host itself, with STARTTLS or a client certificate where the port needs them), the fingerprint of a
    certificate file, and the main process of each systemd unit (PID, state, the epoch second it started).
  - The CA rotation tells files that are installed from files that are loaded with it, and a node's change is gated
    on every port presenting the new certificate.
  - Changes nothing.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - openssl and systemd on the host
extends_documentation_fragment:
  - dbtls.transport.node_info
options:
  ports:
    description: Ports on 127.0.0.1 to read - C(port), optional C(starttls) (for example C(mysql)) and C(client_cert) (true - show O(client_cert)).
    type: list
    elements: dict
    default: []
  cert:
    description: Certificate file whose fingerprint is returned as RV(cert_fingerprint); empty - none.
    type: path
  client_cert:
    description: Client certificate shown to ports that say C(client_cert).
    type: path
  client_key:
    description: Key of O(client_cert).
    type: path
  units:
    description: systemd units whose main process is read.
    type: list
    elements: str
    default: []
  journal_since:
    description:
      - Also read the journal of O(units) since this epoch second (the host's clock), as M(dbtls.transport.service_log)
        does, in the same run - for example to see how a service came back after a change.
    type: int
'''

EXAMPLES = r'''
- name: Read what the node serves and runs
  dbtls.transport.served_info:
    ports: [{port: 4567}, {port: 3306, starttls: mysql}]
    cert: /etc/dbtls/tls/peer.crt
    units: [mariadb.service]
  register: served

- name: Every port presents the certificate file
  ansible.builtin.assert:
    that: served.ports | map(attribute='fingerprint') | unique == [served.cert_fingerprint]
'''

RETURN = r'''
now:
  description: The host's clock, in epoch seconds.
  returned: always
  type: int
cert_fingerprint:
  description: SHA-256 fingerprint of O(cert) as openssl prints it (colon-separated hex); empty without O(cert).
  returned: always
  type: str
ports:
  description: For each port - C(port), C(fingerprint) of the first certificate it sent (empty when not read) and C(error).
  returned: always
  type: list
  elements: dict
units:
  description:
    - For each unit - C(main_pid) (0 when it does not run), C(active_state), C(started) (epoch seconds, null when it does not
      run) and C(invocation), the id systemd gave the unit's current or last run (empty when it never ran).
    - Given to O(dbtls.transport.service_log#module:skip_invocation) after a restart, it leaves the run before the restart out of the
      journal read.
  returned: always
  type: dict
started:
  description: Epoch second the oldest running unit of O(units) started; empty when none runs.
  returned: always
  type: raw
journal:
  description: The journal of O(units) since O(journal_since) - C(lines) and C(excerpt), as M(dbtls.transport.service_log) returns them.
  returned: with O(journal_since)
  type: dict
'''

import time  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import commands, node_state  # noqa: E402

ARGUMENT_SPEC = {
    'ports': {'type': 'list', 'elements': 'dict', 'default': []},
    'cert': {'type': 'path'},
    'client_cert': {'type': 'path'},
    'client_key': {'type': 'path', 'no_log': False},
    'units': {'type': 'list', 'elements': 'str', 'default': []},
    'journal_since': {'type': 'int'},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    run = commands.command_runner(module)

    try:
        result = node_state.read_served(run, module.params, module.get_bin_path, time.time)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
