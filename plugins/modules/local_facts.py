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
  - The file is written atomically, mode 0644 (the facts are paths and names, not secrets), with the
    SELinux policy's label for its path where SELinux is enabled; a missing fact folder is created 0755.
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

from ansible_collections.dbtls.transport.plugins.module_utils import local_facts
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner


def main():
    module = AnsibleModule(argument_spec=local_facts.ARGUMENT_SPEC, supports_check_mode=True)
    module_runner.run_ensure(module, local_facts.ensure, errors=(local_facts.LocalFactsError,))


if __name__ == '__main__':
    main()
