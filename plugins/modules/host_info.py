#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: host_info
short_description: Read paths, certificate files and systemd units of a host in one module run
description:
  - Describes each path of O(paths) - whether it exists, its type, owner, group, mode and change time -, returns the
    text of each public file of O(contents) (certificates, CA bundles; a file holding a private key is refused), and the
    state of each systemd unit of O(units) (C(ActiveState), C(SubState), C(UnitFileState)), and with O(certificates)
    checks the host's certificates as M(dbtls.transport.tls_verify) does, in the same run.
  - The roles decide on the controller from one such read what to create, start or refuse (the vitess_tls role), or where
    a CA rotation stands on a host (the rotate_ca role), instead of one module run per path, file and unit.
  - Changes nothing.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
extends_documentation_fragment:
  - dbtls.transport.node_info
  - dbtls.transport.certificate_checks
options:
  paths:
    description: Paths to describe (links are followed, as a service opening them does).
    type: list
    elements: path
    default: []
  checksums:
    description:
      - Files described as O(paths) are, with the SHA-256 of their content in C(checksum) - for example the units a role
        writes, so that it can tell on the controller whether they differ (filter P(dbtls.transport.config_files_differ#filter)).
      - The digest of a file holding a short secret (a password) lets whoever reads the result test guesses against it;
        name only files without secrets.
    type: list
    elements: path
    default: []
  contents:
    description: Public files (certificates, bundles) whose text is returned; each must exist and hold no private key.
    type: list
    elements: path
    default: []
  units:
    description: systemd units to read (C(vtgate.service), ...).
    type: list
    elements: str
    default: []
  account:
    description:
      - A service's system account to compare with what M(dbtls.transport.service_account) would make of it (same
        options); RV(account) lists what that module would change, so that a role runs it only where something differs.
    type: dict
    suboptions:
      name:
        description: The user.
        type: str
        required: true
      group:
        description: Its primary group.
        type: str
        required: true
      home:
        description: Its home directory.
        type: path
        required: true
      shell:
        description: Its login shell.
        type: path
        required: true
'''

EXAMPLES = r'''
- name: Read the binaries, the TLS files and the units once
  dbtls.transport.host_info:
    paths: [/usr/local/bin/vtgate, /etc/dbtls/tls/peer.crt, /etc/dbtls/tls/peer.key]
    contents: [/etc/dbtls/tls/ca-bundle.pem]
    units: [vtgate.service]
  register: host

- name: Start vtgate only where it does not run
  ansible.builtin.systemd_service:
    name: vtgate.service
    state: started
  when: host.units['vtgate.service'].active_state != 'active'
'''

RETURN = r'''
paths:
  description:
    - For each path - C(exists), C(regular), C(directory), C(owner), C(group), C(mode) (octal text), C(world_readable),
      C(executable) (by its owner), C(mtime) (epoch seconds, null when missing), C(checksum) (SHA-256 of a regular file
      of O(checksums), else empty); C(link) and C(link_target) are false and empty here (links are followed).
  returned: always
  type: dict
  sample: {/etc/dbtls/tls/peer.key: {exists: true, regular: true, directory: false, owner: root, group: vitess, mode: "0640",
           world_readable: false, executable: false, mtime: 1796547600.5}}
contents:
  description: The text of each file of O(contents).
  returned: always
  type: dict
units:
  description:
    - For each unit - C(active_state), C(sub_state), C(unit_file_state), C(started) (the epoch second its main process
      started; null when none runs), and C(error) when systemd did not answer.
    - A file whose RV(paths) C(mtime) is later than C(started) was changed after the process read it at its start.
  returned: always
  type: dict
  sample: {vtgate.service: {active_state: active, sub_state: running, unit_file_state: enabled, started: 1796547600, error: ""}}
certificates:
  description:
    - For each entry of O(certificates), by its name - C(valid), C(findings), C(certificate) and C(chain), as
      M(dbtls.transport.tls_verify) returns them.
  returned: always
  type: dict
  sample: {grpc: {valid: true, findings: [], certificate: {subject: "CN=vt1"}, chain: []}}
account:
  description:
    - With O(account) - C(changes), what M(dbtls.transport.service_account) would change (empty where the account is as
      asked), and C(uid) and C(gid) where the user and the group exist (else null).
  returned: with O(account)
  type: dict
  sample: {changes: ["user vitess created (system user, primary group vitess, home /var/lib/vitess not created, shell /usr/sbin/nologin)"],
           uid: null, gid: 998}
tls_files:
  description: Whether each certificate, key and CA file named in O(certificates) exists (links followed).
  returned: always
  type: dict
  sample: {/etc/dbtls/tls/peer.crt: true, /etc/dbtls/tls/peer.key: true}
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import commands, node_state, service_account  # noqa: E402

ARGUMENT_SPEC = {
    'paths': {'type': 'list', 'elements': 'path', 'default': []},
    'checksums': {'type': 'list', 'elements': 'path', 'default': []},
    'contents': {'type': 'list', 'elements': 'path', 'default': []},
    'units': {'type': 'list', 'elements': 'str', 'default': []},
    'certificates': node_state.CERTIFICATES_OPTION,
    'account': {'type': 'dict', 'options': {
        'name': {'type': 'str', 'required': True},
        'group': {'type': 'str', 'required': True},
        'home': {'type': 'path', 'required': True},
        'shell': {'type': 'path', 'required': True},
    }},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)

    run = commands.command_runner(module)

    try:
        result = node_state.read_host(run, module.params, module.get_bin_path)
        result.update(node_state.check_certificates(module.params['certificates']))
        if module.params['account']:
            result['account'] = service_account.compare(module.params['account'])
    except (ValueError, service_account.ServiceAccountError) as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
