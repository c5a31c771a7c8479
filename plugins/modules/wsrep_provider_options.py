#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: wsrep_provider_options
short_description: Compute a Galera wsrep_provider_options value with Galera's own parsing rules
description:
  - Reads the current C(wsrep_provider_options) from a string or from a MariaDB option file, sets
    and removes options, and returns the new value. It B(never writes a file); template the
    returned RV(value) (the C(galera_tls) role does).
  - Parsing follows Galera (C(gu::Config::parse)) - C(;) separates pairs, the first C(=) separates
    key and value, both are trimmed, empty segments are ignored; a key without C(=), a pair with
    two C(=) and an empty key are errors; C(key=) is an empty value.
  - Every option that is not named in O(set) or O(remove) keeps its value and its place. A key in
    O(set) that exists keeps its place; new keys are appended in the order given.
  - A key given several times in the current value collapses to one option that keeps the place of
    the B(first) occurrence and the value of the B(last) one (the value Galera applies; Galera
    itself ignores positions). Such keys are listed in RV(keys_deduplicated).
  - Values containing C(;), C(=) or C(\) are refused (Galera cannot read them back reliably), and so
    are values containing quotes, C(#) or control characters (they cannot be written into a quoted
    my.cnf or SQL value and read back unchanged). Every error names the option and the reason.
  - A C(socket.*) key that Galera 4 does not register (for example C(socket.if_addr)) is refused,
    in O(set) and in the result, because an unknown key stops the node. Known keys are
    C(socket.ssl), C(socket.ssl_key), C(socket.ssl_cert), C(socket.ssl_ca), C(socket.ssl_cipher),
    C(socket.ssl_compression) (deprecated), C(socket.ssl_password_file), C(socket.ssl_reload) and
    C(socket.dynamic) (both Galera 26.4.8 and later), C(socket.non_blocking), C(socket.checksum),
    C(socket.recv_buf_size), C(socket.send_buf_size), taken from the Galera 26.4.18 source. Other
    keys are left to Galera.
author:
  - dbtls.transport maintainers (@dbtls)
attributes:
  check_mode:
    support: full
    description: The module only computes; check mode returns the same result.
  diff_mode:
    support: full
    description: Shows the options before and after, one C(key=value) per line.
  platform:
    support: full
    platforms: posix
    description: Runs where O(config_path) is, usually the database host.
options:
  current:
    description:
      - The current option string, for example the value of the C(wsrep_provider_options) variable
        or a previous RV(value). A mapping (such as a previous RV(options)) is accepted too.
      - Use an empty string to start from no options.
      - Mutually exclusive with O(config_path); one of the two is required.
    type: raw
  config_path:
    description:
      - A MariaDB option file to read the current value from, as mariadbd reads it (comments,
        quotes and escapes; C(wsrep-provider-options), C(wsrep_provider_options) and a C(loose-)
        prefix; the last occurrence in the O(section) groups wins).
      - C(!include) and C(!includedir) are not followed (RV(notes) says when there are some).
      - A file that does not exist is read as an empty value (the first run, before the file is
        templated) unless O(allow_missing=false). A file that cannot be read is an error.
    type: path
  section:
    description:
      - The option file groups to read, matched without regard to case.
      - mariadbd reads C(mysqld), C(server), C(mariadb), C(mariadbd), C(client-server), C(galera)
        and the version groups such as C(mysqld-10.11); list the ones your files use.
    type: list
    elements: str
    default: [mysqld]
  allow_missing:
    description: Whether a missing O(config_path) reads as an empty value (V(true)) or fails.
    type: bool
    default: true
  set:
    description:
      - Options to set, as a mapping of option name to value.
      - Booleans are written V(yes)/V(no); a current value that is already a Galera boolean of the
        same truth (V(1), V(on), V(true), ...) is kept unchanged. Numbers are written as digits,
        strings are trimmed. A null value is an error (list the key in O(remove) instead).
    type: dict
    default: {}
  remove:
    description:
      - Option names to remove, matched exactly. A name that is not present is ignored.
      - A name may not be in both O(set) and O(remove).
    type: list
    elements: str
    default: []
notes:
  - The returned RV(value) uses C(; ) between pairs. C(changed) reports a change of the options
    (values, order, collapsed duplicates), not of spacing.
seealso:
  - name: Galera parameters
    description: The list of Galera provider options.
    link: https://galeracluster.com/library/documentation/galera-parameters.html
'''

EXAMPLES = r'''
- name: Add replication TLS to the options in the Galera drop-in
  dbtls.transport.wsrep_provider_options:
    config_path: /etc/mysql/mariadb.conf.d/60-galera.cnf
    section: [galera, mysqld]
    set:
      socket.ssl_cert: /etc/mysql/tls/node.crt
      socket.ssl_key: /etc/mysql/tls/node.key
      socket.ssl_ca: /etc/mysql/tls/ca-bundle.crt
  register: wsrep

- name: Template the drop-in with the merged value
  ansible.builtin.template:
    src: galera.cnf.j2       # wsrep_provider_options="{{ wsrep.value }}"
    dest: /etc/mysql/mariadb.conf.d/60-galera.cnf
    mode: "0644"

- name: Turn dynamic sockets on and drop a legacy option from a given string
  dbtls.transport.wsrep_provider_options:
    current: "gcache.size=1G; socket.ssl_compression=no"
    set:
      socket.dynamic: true
    remove:
      - socket.ssl_compression
  register: opts
  # opts.value == "gcache.size=1G; socket.dynamic=yes"
'''

RETURN = r'''
value:
  description: The new option string.
  returned: success
  type: str
  sample: "gcache.size=1G; socket.ssl_cert=/etc/mysql/tls/node.crt"
options:
  description: The new options as an ordered mapping of name to value (all values are strings).
  returned: success
  type: dict
  sample: {"gcache.size": "1G", "socket.ssl_cert": "/etc/mysql/tls/node.crt"}
current:
  description: The current value as read (the raw option text), or null when none was found.
  returned: success
  type: str
  sample: "gcache.size = 1G"
keys_added:
  description: Options that were not there and are set now, in order.
  returned: success
  type: list
  elements: str
  sample: ["socket.ssl_cert"]
keys_changed:
  description: Options whose value changes.
  returned: success
  type: list
  elements: str
  sample: []
keys_removed:
  description: Options that were there and are removed.
  returned: success
  type: list
  elements: str
  sample: []
keys_deduplicated:
  description: Options that occurred more than once in the current value and were collapsed.
  returned: success
  type: list
  elements: str
  sample: []
source:
  description: Where the current value came from (C(current), or the file, group and line).
  returned: success
  type: str
  sample: "/etc/mysql/mariadb.conf.d/60-galera.cnf [galera] line 7"
notes:
  description: Remarks about the read (a missing file or option, includes not followed).
  returned: success
  type: list
  elements: str
  sample: ["/etc/mysql/conf.d/galera.cnf does not exist: read as an empty value"]
diff:
  description:
    - The options before and after, one C(key=value) per line, and the changed key lists.
  returned: success
  type: dict
  contains:
    before:
      description: The current options, duplicates included.
      type: str
    after:
      description: The new options.
      type: str
    keys_added:
      description: As RV(keys_added).
      type: list
      elements: str
    keys_changed:
      description: As RV(keys_changed).
      type: list
      elements: str
    keys_removed:
      description: As RV(keys_removed).
      type: list
      elements: str
'''

import errno
from collections.abc import Mapping

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.dbtls.transport.plugins.module_utils import wsrep


def read_current(path, sections, allow_missing):
    """Return ``(raw value or None, source, notes)`` for the option in ``path``."""
    notes = []
    try:
        with open(path, 'rb') as handle:
            data = handle.read()
    except OSError as exc:
        if exc.errno == errno.ENOENT and allow_missing:
            return None, path, [f'{path} does not exist: read as an empty value']
        raise wsrep.WsrepError(f'config_path {path}: cannot read it ({exc.strerror})') from None
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise wsrep.WsrepError(f'config_path {path}: not UTF-8 text ({exc.reason} at byte {exc.start})') from None
    for directive in wsrep.cnf_includes(text):
        notes.append(f'{path}: "{directive}" is not followed')
    hit = wsrep.locate_cnf_option(text, sections, source=path)
    if hit is None:
        notes.append(f'{path}: no {wsrep.OPTION_NAME} in [{"], [".join(sections)}]: read as an empty value')
        return None, path, notes
    return hit.value, f'{path} [{hit.section}] line {hit.line}', notes


def run(params):
    """The module's work, without AnsibleModule: returns the result dict or raises WsrepError."""
    notes = []
    if params['config_path'] is not None:
        current, source, notes = read_current(params['config_path'], params['section'], params['allow_missing'])
    else:
        current, source = params['current'], 'current'
        if current is not None and not isinstance(current, (str, Mapping)):
            raise wsrep.WsrepError(f'current must be a string or a mapping, not {type(current).__name__}')
    computed = wsrep.compute(current, params['set'], params['remove'])
    keys = {name: computed[name] for name in ('keys_added', 'keys_changed', 'keys_removed')}
    return {
        'changed': computed['changed'],
        'value': computed['value'],
        'options': computed['options'],
        'current': current if current is None or isinstance(current, str) else wsrep.format_options(current),
        'keys_deduplicated': computed['keys_deduplicated'],
        'source': source,
        'notes': notes,
        'diff': dict(before=computed['before'], after=computed['after'],
                     before_header=f'{source} (before)', after_header=f'{source} (after)', **keys),
        **keys,
    }


def main():
    module = AnsibleModule(
        argument_spec=dict(
            current=dict(type='raw'),
            config_path=dict(type='path'),
            section=dict(type='list', elements='str', default=['mysqld']),
            allow_missing=dict(type='bool', default=True),
            set=dict(type='dict', default={}),
            remove=dict(type='list', elements='str', default=[]),
        ),
        mutually_exclusive=[('current', 'config_path')],
        required_one_of=[('current', 'config_path')],
        supports_check_mode=True,
    )
    try:
        result = run(module.params)
    except wsrep.WsrepError as exc:
        module.fail_json(msg=str(exc), key=exc.key)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
