# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Tests of the wsrep_options and wsrep_options_parse filters, directly and through Jinja.

(Named test_wsrep_filter.py: a second test_wsrep.py next to the module_utils one would clash in
pytest's default import mode, the test folders having no __init__.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.filter import wsrep as wsrep_filter
from ansible_collections.dbtls.transport.plugins.module_utils import wsrep


def test_registered_names():
    filters = wsrep_filter.FilterModule().filters()
    assert filters == {'wsrep_options': wsrep_filter.wsrep_options,
                       'wsrep_options_parse': wsrep_filter.wsrep_options_parse}


def test_same_result_as_the_module_core():
    current = 'gcache.size=1G; pc.recovery=1; gcache.size=2G'
    new = {'socket.ssl_ca': '/ca', 'pc.recovery': False}
    expected = wsrep.compute(current, new, ['x'])['value']
    assert wsrep_filter.wsrep_options(current, set=new, remove=['x']) == expected
    assert expected == 'gcache.size=2G; pc.recovery=no; socket.ssl_ca=/ca'


def test_no_arguments_normalises():
    assert wsrep_filter.wsrep_options(' a = 1 ;; b=2;') == 'a=1; b=2'
    assert wsrep_filter.wsrep_options(None) == ''


def test_parse():
    assert wsrep_filter.wsrep_options_parse('b=2; a=1; b=3') == {'b': '3', 'a': '1'}
    assert list(wsrep_filter.wsrep_options_parse('b=2; a=1')) == ['b', 'a']


@pytest.mark.parametrize('call, text', [
    (lambda: wsrep_filter.wsrep_options('a=1', set={'k': 'x=y'}), "wsrep_options: option 'k'"),
    (lambda: wsrep_filter.wsrep_options('a', set={}), "key without value 'a'"),
    (lambda: wsrep_filter.wsrep_options('a=1', set={'socket.foo': 1}), "'socket.foo' is not a Galera 4"),
    (lambda: wsrep_filter.wsrep_options('a=1', add={'b': 1}), 'unknown argument(s) add'),
    (lambda: wsrep_filter.wsrep_options_parse('a=1\\'), "wsrep_options_parse: current: option 'a'"),
])
def test_errors(call, text):
    with pytest.raises(AnsibleFilterError) as info:
        call()
    assert text in str(info.value)


PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    cur: "gcache.size=1G; socket.ssl=yes"
  tasks:
    - name: Merge
      ansible.builtin.copy:
        dest: merge.out
        content: "{{ cur | dbtls.transport.wsrep_options(set={'socket.ssl_key': '/k', 'socket.dynamic': true}, remove=['socket.ssl']) }}"
    - name: Parse
      ansible.builtin.copy:
        dest: parse.out
        content: "{{ (cur | dbtls.transport.wsrep_options_parse)['gcache.size'] }}"
    - name: Refused
      block:
        - name: A value with a semicolon
          ansible.builtin.debug:
            msg: "{{ cur | dbtls.transport.wsrep_options(set={'socket.ssl_key': 'x;y'}) }}"
      rescue:
        - name: Keep the message
          ansible.builtin.copy:
            dest: refused.out
            content: "{{ ansible_failed_result.msg }}"
"""


def test_through_ansible_playbook(tmp_path):
    """The filters as a play uses them: FQCN lookup, Jinja keyword arguments, error reporting."""
    playbook = tmp_path / 'play.yml'
    playbook.write_text(PLAYBOOK)
    binary = Path(sys.executable).parent / 'ansible-playbook'
    if not binary.exists():
        pytest.skip('ansible-playbook is not next to the Python running the tests')
    # The directory holding ansible_collections/, as the plugin was imported (symlinks kept).
    root = Path(wsrep_filter.__file__).parents[5]
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(root), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false', ANSIBLE_NOCOLOR='1')
    proc = subprocess.run([str(binary), '-i', 'localhost,', '-c', 'local', '-e',
                           f'ansible_python_interpreter={sys.executable}', str(playbook)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert proc.returncode == 0, f'ansible-playbook failed: {proc.stdout}{proc.stderr}'
    assert (tmp_path / 'merge.out').read_text() == 'gcache.size=1G; socket.ssl_key=/k; socket.dynamic=yes'
    assert (tmp_path / 'parse.out').read_text() == '1G'
    assert "option 'socket.ssl_key'" in (tmp_path / 'refused.out').read_text()
