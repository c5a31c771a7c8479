#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: file_swap
short_description: Replace live files of a service with a backup, put the backup back, or confirm the swap, in one module run
description:
  - With O(state=swapped), validates each file that changes (O(files[].validate)), backs up each live file that
    changes into O(backup_dir) (created root 0700, it holds keys), keeping its owner, group, mode and SELinux label,
    then writes every new file at once - each atomically with its final owner, group and mode from the start, or none
    of them when one cannot be written. A failed validation writes nothing, not even a backup.
  - With O(state=restored), puts those backups back the same way and removes the files that did not exist before
    the swap.
  - With O(state=committed), removes the backups and absent-markers of the listed files, once the caller has seen the
    service run with the new files. The swap can then no longer be restored.
  - A file already as wanted keeps the backup an earlier swap of the same files made, so that a swap re-run after an
    interruption still restores the files from before the change. RV(backed_up_files) names the listed files that
    have a backup or marker after the run, so that the caller can tell that an earlier swap was never committed and
    restart or reload the service all the same.
  - The caller restarts or reloads the service, checks it, and restores on failure or commits on success; this module
    only swaps files.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
attributes:
  check_mode:
    support: full
    description:
      - Reports which files would be replaced, restored or committed; writes and removes nothing.
      - Runs the validation commands on private copies, as in a real run; a file whose validation command is not
        installed yet is reported with a warning instead.
  diff_mode:
    support: partial
    description:
      - Shows the change of each file given by O(files[].content).
      - Names the other files replaced without their content (a O(files[].src) or O(files[].secret_content) may be a key).
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  state:
    description:
      - C(swapped) installs the new files.
      - C(restored) puts the backups of a swap back.
      - C(committed) removes the backups and markers of a swap (the new files stay).
    type: str
    choices: [swapped, restored, committed]
    default: swapped
  backup_dir:
    description: Folder of the backups, one per swap (the caller names it, for example by phase).
    type: path
    required: true
  files:
    description:
      - The files, in the same order for C(swapped), C(restored) and C(committed) (backups are named by position).
      - C(restored) and C(committed) read O(files[].dest) only.
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
      validate:
        description:
          - Command that checks the new content before anything is written, as the O(files[].validate) of
            M(ansible.builtin.template); C(%s) is replaced by the path of a private copy of the new content.
          - Runs for each file the swap writes. A command that fails or is not installed stops the swap with an error
            that names the file and quotes the command's output; nothing is written then, no backup either.
          - Used with O(state=swapped) only.
        type: str
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

- name: Write garbd's settings (checked by bash first) and its unit drop-in
  dbtls.transport.file_swap:
    backup_dir: /var/backups/dbtls/galera_arbitrator
    files:
      - dest: /etc/default/garb
        content: "{{ lookup('ansible.builtin.template', 'garb.j2') }}"
        owner: root
        group: root
        mode: "0644"
        validate: /bin/bash -n %s
      - dest: /etc/systemd/system/garb.service.d/dbtls.conf
        content: "{{ lookup('ansible.builtin.template', 'dropin.conf.j2') }}"
        owner: root
        group: root
        mode: "0644"
  register: garbd_swap

# A file left with a backup that this run did not change belongs to an earlier swap that was
# never committed: restart all the same.
- name: Restart garbd when its files changed or an earlier swap was not committed
  ansible.builtin.systemd_service:
    name: garb
    state: restarted
    daemon_reload: true
  when: garbd_swap.changed or garbd_swap.backed_up_files | length > 0

- name: Confirm the swap once garbd runs with the new files (the backups are removed)
  dbtls.transport.file_swap:
    state: committed
    backup_dir: /var/backups/dbtls/galera_arbitrator
    files:
      - {dest: /etc/default/garb}
      - {dest: /etc/systemd/system/garb.service.d/dbtls.conf}
'''

RETURN = r'''
changed_files:
  description: The live files replaced (or, in check mode, that would be), for O(state=swapped).
  returned: when state is swapped
  type: list
  elements: str
backed_up_files:
  description:
    - The listed files that have a backup or absent-marker in O(backup_dir) after the run (in check mode, that would
      have), for O(state=swapped).
    - Every changed file is among them; an unchanged one is there when an earlier swap of it was not committed.
  returned: when state is swapped
  type: list
  elements: str
  sample: [/etc/default/garb]
committed_files:
  description: The listed files whose backup or marker was removed (or, in check mode, would be), for O(state=committed).
  returned: when state is committed
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
started_at:
  description:
    - The host's clock (epoch seconds) when the run began, before any file was read or written - where a caller starts
      reading the journal of the services the swapped files affect.
  returned: always
  type: int
  sample: 1796547600
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import file_swap  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import commands, module_runner  # noqa: E402

ARGUMENT_SPEC = {
    'state': {'type': 'str', 'choices': ['swapped', 'restored', 'committed'], 'default': 'swapped'},
    'backup_dir': {'type': 'path', 'required': True},
    'files': {'type': 'list', 'elements': 'dict', 'required': True, 'options': {
        'dest': {'type': 'path', 'required': True},
        'src': {'type': 'path'},
        'content': {'type': 'str'},
        'secret_content': {'type': 'str', 'no_log': True},
        'owner': {'type': 'str'},
        'group': {'type': 'str'},
        'mode': {'type': 'raw'},
        'validate': {'type': 'str'},
        'secret': {'type': 'bool', 'default': False, 'no_log': False},
    }},
    'force': {'type': 'bool', 'default': False},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run = commands.command_runner(module)
    module_runner.run_ensure(module, lambda params, check_mode: file_swap.run(params, check_mode, run),
                             errors=(file_swap.FileSwapError,))


if __name__ == '__main__':
    main()
