# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""changed_after_start is thin: module_utils' answer, bad input as AnsibleFilterError."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.filter import node_state as node_state_filter

FILTERS = node_state_filter.FilterModule().filters()
PATHS = {'/etc/dbtls/tls/peer.crt': {'path': '/etc/dbtls/tls/peer.crt', 'mtime': 200.0},
         '/etc/dbtls/tls/ca.pem': {'path': '/etc/dbtls/tls/ca.pem', 'mtime': 50.0}}


def test_changed_after_start():
    assert FILTERS['changed_after_start'](PATHS, 100) == ['/etc/dbtls/tls/peer.crt']
    assert FILTERS['changed_after_start'](PATHS, 100, ['/etc/dbtls/tls/ca.pem']) == []
    assert FILTERS['changed_after_start'](PATHS, None) == []


@pytest.mark.parametrize('args, message', [
    (('not a dict', 100), 'input must be a dict'),
    ((PATHS, 100, '/etc/dbtls/tls/peer.crt'), 'only must be a list'),
    ((PATHS, 'yesterday'), 'changed_after_start:'),
])
def test_bad_input_is_named(args, message):
    with pytest.raises(AnsibleFilterError, match=message):
        FILTERS['changed_after_start'](*args)
