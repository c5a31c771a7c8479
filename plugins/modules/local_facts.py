#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: local_facts
short_description: Record facts in a host's local facts file and refresh them in the same run
description:
  - Writes O(facts) as JSON to C(<fact_dir>/<name>.fact) on the host, which fact gathering reads as
    C(ansible_local.<name>), and sets C(ansible_facts.ansible_local.<name>) for the rest of the run,
    so that later tasks and roles of the same run read the new values without gathering facts again.
  - When the play gathered facts and C(ansible_local.<name>) already equals O(facts), nothing runs on
    the host. Otherwise one module run writes the file when its content differs.
  - The file is written atomically, mode 0644 (the facts are paths and names, not secrets); a
    missing fact folder is created 0755.
  - The C(dbtls.transport.pki) role records the files it installs with it (C(ansible_local.dbtls_pki));
    the other roles and playbooks of the collection read their file locations from that fact.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
attributes:
  action:
    support: full
    description: An action plugin decides on the controller whether the host must be written to.
  check_mode:
    support: full
    description: Reports whether the file would change; the facts of the run are set all the same,
      so that a check-mode run shows what later tasks would do with them.
  diff_mode:
    support: full
    description: Shows the file's JSON before and after.
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  name:
    description:
      - Name of the facts (C(ansible_local.<name>), file C(<name>.fact)); letters, digits and underscores.
    type: str
    required: true
  facts:
    description: The facts (a dict that JSON can hold); they replace what the file held.
    type: dict
    required: true
  fact_dir:
    description:
      - The host's local facts folder; keep the default unless the play gathers facts with another
        C(fact_path).
    type: path
    default: /etc/ansible/facts.d
seealso:
  - module: ansible.builtin.setup
'''

EXAMPLES = r'''
- name: Record where the TLS files are, for the roles that run after this one
  dbtls.transport.local_facts:
    name: dbtls_pki
    facts:
      dir: /etc/dbtls/tls
      peer_cert: /etc/dbtls/tls/peer.crt
      peer_key: /etc/dbtls/tls/peer.key
      ca_bundle: /etc/dbtls/tls/ca-bundle.pem

- name: A later task of the same run reads them
  ansible.builtin.debug:
    msg: "{{ ansible_facts.ansible_local.dbtls_pki.peer_cert }}"
'''

RETURN = r'''
path:
  description: The facts file on the host.
  returned: always
  type: str
  sample: /etc/ansible/facts.d/dbtls_pki.fact
ansible_facts:
  description: C(ansible_local) with O(name) set to O(facts) (the host's other local facts kept).
  returned: always
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import local_facts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type='str', required=True),
            facts=dict(type='dict', required=True),
            fact_dir=dict(type='path', default=local_facts.DEFAULT_FACT_DIR),
        ),
        supports_check_mode=True,
    )
    try:
        result = local_facts.ensure(module.params, module.check_mode)
    except (local_facts.LocalFactsError, files.FilesError) as exc:
        module.fail_json(msg=str(exc))
    if not module._diff:  # pylint: disable=protected-access
        result.pop('diff', None)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
