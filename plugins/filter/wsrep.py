# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
name: wsrep_options
short_description: Merge (wsrep_options) or parse (wsrep_options_parse) Galera wsrep_provider_options
version_added: 0.1.0
author:
  - dbtls.transport maintainers (@dbtls)
description:
  - C(wsrep_options) returns the option string with the options in O(set) set and those in
    O(remove) removed, using the same code and rules as the M(dbtls.transport.wsrep_provider_options)
    module. Every option not named keeps its value and place; new keys are appended in the order
    given; duplicates collapse to the first place with the last value.
  - C(wsrep_options_parse) (no arguments) returns the options as an ordered mapping of name to
    value, after the same checks. Both filters are documented here, as they live in one file.
  - Refused values (containing C(;), C(=), C(\), quotes, C(#) or control characters), unknown
    C(socket.*) keys and malformed pairs raise an error naming the option.
options:
  _input:
    description: The current option string (or a mapping, or null for none).
    type: raw
    required: true
  set:
    description: Options to set (name to value); booleans are written C(yes)/C(no).
    type: dict
  remove:
    description: Option names to remove (exact names).
    type: list
    elements: str
seealso:
  - module: dbtls.transport.wsrep_provider_options
'''

EXAMPLES = r'''
- name: Add TLS to the current options
  ansible.builtin.set_fact:
    wsrep_value: >-
      {{ current_options | dbtls.transport.wsrep_options(set={
           'socket.ssl_cert': '/etc/mysql/tls/node.crt',
           'socket.ssl_key': '/etc/mysql/tls/node.key',
           'socket.ssl_ca': '/etc/mysql/tls/ca.crt'}) }}

- name: Remove an option
  ansible.builtin.debug:
    msg: "{{ 'gcache.size=1G; socket.dynamic=yes' | dbtls.transport.wsrep_options(remove=['socket.dynamic']) }}"
    # => "gcache.size=1G"

- name: Read one option
  ansible.builtin.debug:
    msg: "{{ (current_options | dbtls.transport.wsrep_options_parse)['gcache.size'] | default('128M') }}"
'''

RETURN = r'''
_value:
  description:
    - C(wsrep_options) - the new option string, pairs joined with C(; ) (a string).
    - C(wsrep_options_parse) - the options as an ordered mapping of name to string value.
  type: raw
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.module_utils import wsrep


def wsrep_options(current, **kwargs):
    """``current | dbtls.transport.wsrep_options(set={...}, remove=[...])`` -> option string."""
    unknown = sorted(set(kwargs) - {'set', 'remove'})
    if unknown:
        raise AnsibleFilterError(f'wsrep_options: unknown argument(s) {", ".join(unknown)} (use set and remove)')
    try:
        return wsrep.compute(current, kwargs.get('set'), kwargs.get('remove'))['value']
    except wsrep.WsrepError as exc:
        raise AnsibleFilterError(f'wsrep_options: {exc}') from exc


def wsrep_options_parse(current):
    """``current | dbtls.transport.wsrep_options_parse`` -> ordered dict of the options."""
    try:
        return wsrep.compute(current)['options']
    except wsrep.WsrepError as exc:
        raise AnsibleFilterError(f'wsrep_options_parse: {exc}') from exc


class FilterModule:
    """Galera wsrep_provider_options filters."""

    def filters(self):
        return {
            'wsrep_options': wsrep_options,
            'wsrep_options_parse': wsrep_options_parse,
        }
