# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Vitess filters are thin: same answers as module_utils, errors as AnsibleFilterError."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.filter import vitess
from ansible_collections.dbtls.transport.plugins.module_utils import vitess_flags

FILTERS = vitess.FilterModule().filters()


def test_filters_are_registered():
    assert set(FILTERS) == {'vitess_flag', 'vitess_args', 'vitess_version', 'vitess_systemd_quote'}


def test_vitess_flag_matches_module_utils():
    assert FILTERS['vitess_flag']('grpc-cert', 'v22', 'vttablet') == vitess_flags.spell('grpc-cert', 'v22', 'vttablet')


def test_vitess_version_unknown_raises_filter_error():
    with pytest.raises(AnsibleFilterError, match='dbtls.transport.vitess_version: .*not known'):
        FILTERS['vitess_version']('v25')


def test_vitess_args_opt_in_parses_strings_strictly():
    flags = {'grpc-use-effective-callerid': True}
    assert FILTERS['vitess_args'](flags, 'v23', 'vtgate', {}, 'true') == ['--grpc-use-effective-callerid=true']
    with pytest.raises(AnsibleFilterError, match='claim any identity'):
        FILTERS['vitess_args'](flags, 'v23', 'vtgate', {}, 'false')
