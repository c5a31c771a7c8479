# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The config_files_differ filter over module_utils/config_files.differing (tested there)."""

from __future__ import annotations

import hashlib

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.filter.config_files import FilterModule

DIFFER = FilterModule().filters()['config_files_differ']


def entry(content, mode='0644', owner='root', group='root'):
    return {'exists': True, 'regular': True, 'checksum': hashlib.sha256(content.encode()).hexdigest(),
            'mode': mode, 'owner': owner, 'group': group}


def test_only_the_files_that_differ():
    wanted = [{'dest': '/etc/a.service', 'content': 'a\n', 'owner': 'root', 'group': 'root', 'mode': '0644'},
              {'dest': '/etc/acl.json', 'content': '{}\n', 'owner': 'root', 'group': 'vitess', 'mode': '0640'}]
    read = {'/etc/a.service': entry('a\n'), '/etc/acl.json': entry('{}\n', '0640', group='vitess')}
    assert DIFFER(wanted, read) == []
    read['/etc/acl.json'] = entry('{"x": 1}\n', '0640', group='vitess')
    assert DIFFER(wanted, read) == ['/etc/acl.json']
    read['/etc/a.service'] = entry('a\n', mode='0600')
    assert DIFFER(wanted, read) == ['/etc/a.service', '/etc/acl.json']


def test_bad_input_names_the_filter():
    with pytest.raises(AnsibleFilterError, match='config_files_differ: give the list of files'):
        DIFFER({'dest': '/x'}, {})
    with pytest.raises(AnsibleFilterError, match='config_files_differ: files.0..dest: an absolute path is required'):
        DIFFER([{'dest': 'etc/a', 'content': 'x', 'mode': '0644'}], {})
