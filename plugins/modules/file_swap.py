#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: file_swap
short_description: Replace live files of a service with a backup, or put the backup back, in one module run
description:
  - With O(state=swapped), backs up each live file that changes into O(backup_dir) (created root 0700, it holds
    keys), keeping its owner, group, mode and SELinux label, then writes every new file at once - each atomically with
    its final owner, group and mode from the start, or none of them when one cannot be written.
  - With O(state=restored), puts those backups back the same way and removes the files that did not exist before
    the swap.
  - A file already as wanted keeps the backup an earlier swap of the same files made, so that a swap re-run after an
    interruption still restores the files from before the change.
  - The caller restarts or reloads the service, checks it, and restores on failure; this module only swaps files.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
attributes:
  check_mode:
    support: full
    description: Reports which files would be replaced or restored; writes nothing.
  diff_mode:
    support: partial
    description: Names the files replaced (their content may be keys, so it is not shown).
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  state:
    description: C(swapped) installs the new files; C(restored) puts the backups of a swap back.
    type: str
    choices: [swapped, restored]
    default: swapped
  backup_dir:
    description: Folder of the backups, one per swap (the caller names it, for example by phase).
    type: path
    required: true
  files:
    description: The files, in the same order for C(swapped) and C(restored) (backups are named by position).
    type: list
    elements: dict
    required: true
    suboptions:
      dest:
        description: Absolute path of the live file.
        type: path
        required: true
      src:
        description: A file on the host whose content is installed. One of O(files[].src), O(files[].content), O(files[].secret_content).
        type: path
      content:
        description: Text to install.
        type: str
      secret_content:
        description: Text to install that is a secret (kept out of logs).
        type: str
      owner:
        description: Owner of the new file; when not given, an existing file keeps its own.
        type: str
      group:
        description: Group of the new file; when not given, an existing file keeps its own.
        type: str
      mode:
        description:
          - Mode in octal (C("0640")), or C(preserve) for the mode of O(files[].src); when not given, an existing file keeps
            its own and a new one gets 0600.
        type: raw
      secret:
        description: Accepted for callers that mark key files; the content of O(files[].src) is never returned anyway.
        type: bool
        default: false
  force:
    description: Report a change even when every file is already as wanted (the caller then restarts or reloads all the same).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Install the staged certificate and key (backed up first)
  dbtls.transport.file_swap:
    backup_dir: /var/backups/dbtls/rotate_ca/rotate_ca_b
    files:
      - {src: /etc/dbtls/tls/rotate/peer.crt, dest: /etc/dbtls/tls/peer.crt, owner: root, group: mysql, mode: preserve}
      - {src: /etc/dbtls/tls/rotate/peer.key, dest: /etc/dbtls/tls/peer.key, owner: root, group: mysql, mode: preserve}
  register: swap

- name: Put the files back after a failed restart
  dbtls.transport.file_swap:
    state: restored
    backup_dir: /var/backups/dbtls/rotate_ca/rotate_ca_b
    files:
      - {dest: /etc/dbtls/tls/peer.crt}
      - {dest: /etc/dbtls/tls/peer.key}
'''

RETURN = r'''
changed_files:
  description: The live files replaced (or, in check mode, that would be), for O(state=swapped).
  returned: when state is swapped
  type: list
  elements: str
restored_files:
  description: The live files put back from their backup, for O(state=restored).
  returned: when state is restored
  type: list
  elements: str
removed_files:
  description: The files removed because they did not exist before the swap, for O(state=restored).
  returned: when state is restored
  type: list
  elements: str
backup_dir:
  description: The folder of the backups.
  returned: always
  type: str
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import file_swap  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner  # noqa: E402

ARGUMENT_SPEC = {
    'state': {'type': 'str', 'choices': ['swapped', 'restored'], 'default': 'swapped'},
    'backup_dir': {'type': 'path', 'required': True},
    'files': {'type': 'list', 'elements': 'dict', 'required': True, 'options': {
        'dest': {'type': 'path', 'required': True},
        'src': {'type': 'path'},
        'content': {'type': 'str'},
        'secret_content': {'type': 'str', 'no_log': True},
        'owner': {'type': 'str'},
        'group': {'type': 'str'},
        'mode': {'type': 'raw'},
        'secret': {'type': 'bool', 'default': False, 'no_log': False},
    }},
    'force': {'type': 'bool', 'default': False},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module_runner.run_ensure(module, file_swap.run, errors=(file_swap.FileSwapError,))


if __name__ == '__main__':
    main()
