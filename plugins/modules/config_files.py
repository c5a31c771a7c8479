#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: config_files
short_description: Write several configuration files of a host in one module run, validated, all or none
description:
  - Compares each file with its wanted content, owner, group and mode; validates the ones whose content differs (each
    from a private copy, with its own command); then writes every file that differs, atomically and with its final
    owner, group, mode and SELinux label from the start. When a validation fails, or a file cannot be written, no file
    is changed.
  - The content is rendered on the controller (for example with C(lookup('ansible.builtin.template', ...))); the
    module only compares and writes, so that the drop-ins of a node take one module run instead of one per file.
  - Returns which files changed, so that a handler can be notified for some of them only.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
attributes:
  check_mode:
    support: full
    description: Reports what would change and validates it (a validation tool that is not installed yet is skipped with a warning).
  diff_mode:
    support: full
    description: One diff per changed file; a file given as O(files[].secret_content) shows no content.
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  files:
    description: The files, each written only when its content, owner, group or mode differs.
    type: list
    elements: dict
    required: true
    suboptions:
      dest:
        description: Absolute path of the file; its folder must exist.
        type: path
        required: true
      content:
        description: The content. Exactly one of O(files[].content) and O(files[].secret_content).
        type: str
      secret_content:
        description: The content of a file that holds a secret; kept out of logs and diffs.
        type: str
      owner:
        description: Owner (name or uid); the current one is kept when not given.
        type: str
      group:
        description: Group (name or gid); the current one is kept when not given.
        type: str
      mode:
        description: Mode in octal, for example C("0644").
        type: raw
        required: true
      validate:
        description: Command that checks the new content before anything is written; C(%s) is replaced by the file's path.
        type: str
'''

EXAMPLES = r'''
- name: Write the server and client drop-ins in one run
  dbtls.transport.config_files:
    files:
      - dest: /etc/mysql/mariadb.conf.d/90-dbtls-server.cnf
        content: "{{ lookup('ansible.builtin.template', 'server.cnf.j2') }}"
        owner: root
        group: root
        mode: "0644"
        validate: /usr/sbin/mariadbd --defaults-file=%s --help --verbose
      - dest: /etc/mysql/mariadb.conf.d/91-dbtls-sst-secret.cnf
        secret_content: "{{ lookup('ansible.builtin.template', 'secret.cnf.j2') }}"
        owner: root
        group: mysql
        mode: "0640"
  register: drop_ins

- name: Restart only when the server's drop-in changed
  ansible.builtin.debug:
    msg: the server's options changed
  changed_when: "'/etc/mysql/mariadb.conf.d/90-dbtls-server.cnf' in drop_ins.changed_files"
'''

RETURN = r'''
changed_files:
  description: The files that were (or, in check mode, would be) written, in the order given.
  returned: always
  type: list
  elements: str
files:
  description: For each file - C(changed) (content or attributes) and C(content_changed).
  returned: always
  type: dict
  sample: {/etc/mysql/mariadb.conf.d/90-dbtls-server.cnf: {changed: true, content_changed: true}}
'''

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import config_files  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import commands, module_runner  # noqa: E402

ARGUMENT_SPEC = {
    'files': {'type': 'list', 'elements': 'dict', 'required': True, 'options': {
        'dest': {'type': 'path', 'required': True},
        'content': {'type': 'str'},
        'secret_content': {'type': 'str', 'no_log': True},
        'owner': {'type': 'str'},
        'group': {'type': 'str'},
        'mode': {'type': 'raw', 'required': True},
        'validate': {'type': 'str'},
    }},
}


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    run = commands.command_runner(module)
    module_runner.run_ensure(module, lambda params, check_mode: config_files.ensure(params, check_mode, run),
                             errors=(config_files.ConfigFilesError,))


if __name__ == '__main__':
    main()
