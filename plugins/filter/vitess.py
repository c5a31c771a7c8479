# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Vitess flag spellings for templates: thin wrappers over module_utils/vitess_flags.py.

- ``'grpc-cert' | dbtls.transport.vitess_flag(version, binary)`` -> ``--grpc_cert`` (v22) or
  ``--grpc-cert`` (v23+).
- ``flags | dbtls.transport.vitess_args(version, binary, extra_flags, allow_effective_callerid)``
  -> the list of ``--name=value`` arguments, with the refusals described in
  ``vitess_flags.render_args``.
- ``version | dbtls.transport.vitess_version`` -> ``v23``; fails on a release the table does not
  know.
- ``arg | dbtls.transport.vitess_systemd_quote`` -> the argument escaped for ``ExecStart=``.
"""

from __future__ import annotations

# Documentation of each filter is in the sidecar files plugins/filter/<filter name>.yml.

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.dbtls.transport.plugins.module_utils import vitess_flags


def _wrap(name, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except vitess_flags.VitessFlagError as exc:
        raise AnsibleFilterError('dbtls.transport.%s: %s' % (name, exc)) from exc


def vitess_flag(logical, version, binary):
    return _wrap('vitess_flag', vitess_flags.spell, logical, version, binary)


def vitess_args(flags, version, binary, extra_flags=None, allow_effective_callerid=False):
    return _wrap('vitess_args', vitess_flags.render_args, flags, version, binary,
                 extra_flags=extra_flags, allow_effective_callerid=boolean(allow_effective_callerid, strict=True))


def vitess_version(version):
    return _wrap('vitess_version', vitess_flags.normalize_version, version)


def vitess_systemd_quote(arg):
    return vitess_flags.systemd_quote(arg)


class FilterModule(object):
    """Vitess flag filters."""

    def filters(self):
        return {
            'vitess_flag': vitess_flag,
            'vitess_args': vitess_args,
            'vitess_version': vitess_version,
            'vitess_systemd_quote': vitess_systemd_quote,
        }
