# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""How vtgate, vttablet and vtctld spell their command-line flags, per Vitess release.

This is the ONE place in dbtls.transport that knows a Vitess flag's spelling. Everything else
(the ``vitess_tls`` role's templates, its checks, the tests) asks :func:`spell` or
:func:`render_args` with a *logical* name.

The logical name of a flag is its dash form (``grpc-cert``), which is also how v23 and later
spell it. The table records, per flag, which binaries have it and how v22 spells it; a rule per
release turns that into the release's spelling:

* **v22** takes names exactly as listed in its ``--help`` (no normalisation): many use
  underscores (``--grpc_cert``), some already use dashes (``--table-acl-config``).
* **v23, v24** renamed every flag of these binaries to its dash form (vitessio/vitess PR #18280);
  underscores are still accepted with a deprecation warning and are due to go in v25, so the dash
  form is the only spelling rendered.

A release the table does not know is refused: a future release may rename or drop flags, and a
unit that passes an unknown flag does not start.

Pure Python, no Ansible imports; the filter ``dbtls.transport.vitess_flag`` / ``vitess_args`` and
the unit tests use it directly. The unit tests check every spelling the table yields against the
real ``--help`` lists of each release.
"""

from __future__ import annotations

import re

BINARIES = ('vtctld', 'vtgate', 'vttablet')

# Release -> spelling rule. "v22" uses the table's v22 column; "dash" uses the logical name.
_RELEASES = {
    'v22': 'v22',
    'v23': 'dash',
    'v24': 'dash',
}

_ALL = frozenset(BINARIES)
_GATE = frozenset(['vtgate'])
_TABLET = frozenset(['vttablet'])
_CTLD = frozenset(['vtctld'])


class VitessFlagError(ValueError):
    """An unknown release, an unknown flag, or a flag the binary does not have."""


# Logical name -> (binaries that have it, v22 spelling without "--").
# Group by concern; keep each group sorted. Only flags the vitess_tls role renders (or refuses in
# extra flags) belong here.
FLAGS = {
    # Status HTTP port and gRPC server of every component.
    'port': (_ALL, 'port'),
    'bind-address': (_ALL, 'bind-address'),
    'grpc-port': (_ALL, 'grpc_port'),
    'grpc-bind-address': (_ALL, 'grpc_bind_address'),
    'service-map': (_ALL, 'service_map'),
    # gRPC server TLS: with grpc-ca, client certificates are required and verified.
    'grpc-ca': (_ALL, 'grpc_ca'),
    'grpc-cert': (_ALL, 'grpc_cert'),
    'grpc-crl': (_ALL, 'grpc_crl'),
    'grpc-key': (_ALL, 'grpc_key'),
    'grpc-server-ca': (_ALL, 'grpc_server_ca'),
    # Caller ID: trusting the effective caller ID sent by the client (insecure, vtgate only).
    'grpc-use-effective-callerid': (_GATE, 'grpc_use_effective_callerid'),
    # Client TLS towards vttablet's query service (vtgate; vtctld and vttablet for VReplication).
    'tablet-grpc-ca': (_ALL, 'tablet_grpc_ca'),
    'tablet-grpc-cert': (_ALL, 'tablet_grpc_cert'),
    'tablet-grpc-crl': (_ALL, 'tablet_grpc_crl'),
    'tablet-grpc-key': (_ALL, 'tablet_grpc_key'),
    'tablet-grpc-server-name': (_ALL, 'tablet_grpc_server_name'),
    # Client TLS towards vttablet's tablet manager (vtctld; vttablet for tablet-to-tablet calls).
    'tablet-manager-grpc-ca': (_CTLD | _TABLET, 'tablet_manager_grpc_ca'),
    'tablet-manager-grpc-cert': (_CTLD | _TABLET, 'tablet_manager_grpc_cert'),
    'tablet-manager-grpc-crl': (_CTLD | _TABLET, 'tablet_manager_grpc_crl'),
    'tablet-manager-grpc-key': (_CTLD | _TABLET, 'tablet_manager_grpc_key'),
    'tablet-manager-grpc-server-name': (_CTLD | _TABLET, 'tablet_manager_grpc_server_name'),
    # Client TLS of vttablet's binlog player (VReplication streams from source tablets).
    'binlog-player-grpc-ca': (_TABLET, 'binlog_player_grpc_ca'),
    'binlog-player-grpc-cert': (_TABLET, 'binlog_player_grpc_cert'),
    'binlog-player-grpc-crl': (_TABLET, 'binlog_player_grpc_crl'),
    'binlog-player-grpc-key': (_TABLET, 'binlog_player_grpc_key'),
    'binlog-player-grpc-server-name': (_TABLET, 'binlog_player_grpc_server_name'),
    # vtgate's MySQL protocol listener.
    'mysql-server-bind-address': (_GATE, 'mysql_server_bind_address'),
    'mysql-server-port': (_GATE, 'mysql_server_port'),
    'mysql-server-require-secure-transport': (_GATE, 'mysql_server_require_secure_transport'),
    'mysql-server-ssl-ca': (_GATE, 'mysql_server_ssl_ca'),
    'mysql-server-ssl-cert': (_GATE, 'mysql_server_ssl_cert'),
    'mysql-server-ssl-crl': (_GATE, 'mysql_server_ssl_crl'),
    'mysql-server-ssl-key': (_GATE, 'mysql_server_ssl_key'),
    'mysql-server-ssl-server-ca': (_GATE, 'mysql_server_ssl_server_ca'),
    'mysql-server-tls-min-version': (_GATE, 'mysql_server_tls_min_version'),
    # vttablet -> its MySQL.
    'db-host': (_TABLET, 'db_host'),
    'db-port': (_TABLET, 'db_port'),
    'db-server-name': (_TABLET, 'db_server_name'),
    'db-socket': (_TABLET, 'db_socket'),
    'db-ssl-ca': (_TABLET, 'db_ssl_ca'),
    'db-ssl-cert': (_TABLET, 'db_ssl_cert'),
    'db-ssl-key': (_TABLET, 'db_ssl_key'),
    'db-ssl-mode': (_TABLET, 'db_ssl_mode'),
    # Table ACLs on vttablet (these were dash-spelled already in v22).
    'enforce-tableacl-config': (_TABLET, 'enforce-tableacl-config'),
    'queryserver-config-strict-table-acl': (_TABLET, 'queryserver-config-strict-table-acl'),
    'table-acl-config': (_TABLET, 'table-acl-config'),
    'table-acl-config-reload-interval': (_TABLET, 'table-acl-config-reload-interval'),
    # Topology and tablet identity.
    'cell': (_GATE | _CTLD, 'cell'),
    'cells-to-watch': (_GATE, 'cells_to_watch'),
    'init-keyspace': (_TABLET, 'init_keyspace'),
    'init-shard': (_TABLET, 'init_shard'),
    'init-tablet-type': (_TABLET, 'init_tablet_type'),
    'tablet-hostname': (_TABLET, 'tablet_hostname'),
    'tablet-path': (_TABLET, 'tablet-path'),
    'tablet-types-to-wait': (_GATE, 'tablet_types_to_wait'),
    'topo-global-root': (_ALL, 'topo_global_root'),
    'topo-global-server-address': (_ALL, 'topo_global_server_address'),
    'topo-implementation': (_ALL, 'topo_implementation'),
}

# Turning this on lets any client that reaches the gRPC port claim any identity.
EFFECTIVE_CALLERID = 'grpc-use-effective-callerid'

_VERSION_RE = re.compile(r'^v?(\d+)(?:\.\d+){0,2}$')
_FALSE = frozenset(['false', '0', 'no', 'off', 'f', 'n'])


def supported_versions():
    """The Vitess releases this table knows, oldest first."""
    return tuple(sorted(_RELEASES, key=lambda v: int(v[1:])))


def normalize_version(version):
    """Map "v23", "23", "v23.0.3" or 23 to the release key "v23"; refuse releases not in the table."""
    text = str(version).strip() if version is not None else ''
    match = _VERSION_RE.match(text)
    if not match:
        raise VitessFlagError(
            'Vitess version %r is not a release number like v23 (known: %s)' % (version, ', '.join(supported_versions())))
    key = 'v%d' % int(match.group(1))
    if key not in _RELEASES:
        raise VitessFlagError(
            'Vitess version %r is not known to dbtls.transport (known: %s); its flag spellings have not been '
            'checked, so no unit is rendered for it' % (version, ', '.join(supported_versions())))
    return key


def flag_key(name):
    """The spelling-independent key of any given name: no leading dashes, "_" turned into "-"."""
    return str(name).lstrip('-').replace('_', '-')


def _check_binary(binary):
    if binary not in BINARIES:
        raise VitessFlagError('unknown Vitess binary %r (known: %s)' % (binary, ', '.join(BINARIES)))


def known_flags(binary=None):
    """Logical names in the table, all or those that ``binary`` has, sorted."""
    if binary is not None:
        _check_binary(binary)
    return sorted(name for name, (bins, dummy) in FLAGS.items() if binary is None or binary in bins)


def spell(logical, version, binary):
    """The flag as ``binary`` of release ``version`` spells it, with the leading "--"."""
    release = normalize_version(version)
    _check_binary(binary)
    entry = FLAGS.get(logical)
    if entry is None:
        raise VitessFlagError('%r is not a Vitess flag known to dbtls.transport (plugins/module_utils/vitess_flags.py)' % (logical,))
    binaries, v22_name = entry
    if binary not in binaries:
        raise VitessFlagError('%s has no flag %r (it is a flag of %s)' % (binary, logical, ', '.join(sorted(binaries))))
    if _RELEASES[release] == 'v22':
        return '--' + v22_name
    return '--' + logical


def format_value(value):
    """A flag value as text: booleans as true/false, lists comma-joined (as Vitess parses them)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return ','.join(format_value(v) for v in value)
    return str(value)


def _is_set(value):
    return value is not None and not (isinstance(value, (str, list, tuple, dict)) and len(value) == 0)


def _is_false(value):
    if isinstance(value, bool):
        return not value
    return str(value).strip().lower() in _FALSE


def render_args(flags, version, binary, extra_flags=None, allow_effective_callerid=False):
    """The command-line arguments of ``binary``, each "--name=value", in a stable order.

    ``flags`` maps logical names to values; ``None`` and empty values are left out (the flag keeps
    the binary's default) but still count as managed. ``extra_flags`` maps names, in the release's
    own spelling or any other, to values and is appended after the managed flags:

    * an extra flag that a managed flag already sets (in any spelling) is refused, because the
      last occurrence would silently win over a TLS setting;
    * ``grpc-use-effective-callerid`` is refused unless ``allow_effective_callerid`` is true, in
      ``flags`` as well as in ``extra_flags``, because it lets any client claim any identity;
    * an extra flag in the table is spelled for the release; other names are passed as given (the
      binary refuses a name it does not know).
    """
    release = normalize_version(version)
    _check_binary(binary)
    flags = flags or {}
    extra_flags = extra_flags or {}
    if not isinstance(flags, dict) or not isinstance(extra_flags, dict):
        raise VitessFlagError('flags and extra flags must be mappings of flag name to value')

    problems = []
    for name, value in list(flags.items()) + list(extra_flags.items()):
        if flag_key(name) == EFFECTIVE_CALLERID and _is_set(value) and not _is_false(value) and not allow_effective_callerid:
            problems.append(
                '%s: %s=%s lets any client that reaches the gRPC port claim any identity; it is refused unless '
                'vitess_tls_insecure_allow_effective_callerid is true' % (binary, spell_or_raw(name, release, binary), format_value(value)))
    managed = set(flag_key(n) for n in flags)
    seen = {}
    for name in extra_flags:
        key = flag_key(name)
        if key in managed:
            problems.append('%s: extra flag %r sets %s, which the role manages; use the role variable instead'
                            % (binary, name, spell_or_raw(key, release, binary)))
        elif key in seen:
            problems.append('%s: extra flags %r and %r are the same flag' % (binary, seen[key], name))
        seen[key] = name
    if problems:
        raise VitessFlagError('; '.join(problems))

    args = []
    for name in sorted(flags):
        if _is_set(flags[name]):
            args.append('%s=%s' % (spell(name, release, binary), format_value(flags[name])))
    for name in sorted(extra_flags, key=flag_key):
        value = extra_flags[name]
        if _is_set(value):
            args.append('%s=%s' % (spell_or_raw(name, release, binary), format_value(value)))
    return args


def spell_or_raw(name, version, binary):
    """:func:`spell` for a flag in the table, else the name as given with a leading "--"."""
    key = flag_key(name)
    bins = FLAGS.get(key, (frozenset(), None))[0]
    if binary in bins:
        return spell(key, version, binary)
    return '--' + str(name).lstrip('-')


_SYSTEMD_SAFE = re.compile(r'^[A-Za-z0-9_./:=,@+-]+$')


def systemd_quote(arg):
    """One argument for a systemd ``ExecStart=`` line: specifiers (%) and variables ($) escaped,
    quoted when it holds anything but plain characters."""
    text = str(arg).replace('%', '%%').replace('$', '$$')
    if _SYSTEMD_SAFE.match(text):
        return text
    return '"' + text.replace('\\', '\\\\').replace('"', '\\"') + '"'
