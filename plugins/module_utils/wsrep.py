# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Parse, merge and format Galera's ``wsrep_provider_options`` with Galera's own rules.

The single place in dbtls.transport that knows how a wsrep provider option string is spelled. The
``wsrep_provider_options`` module and the ``dbtls.transport.wsrep_options`` filter are thin shells
over :func:`compute`. Nothing here imports Ansible or touches the file system.

Galera's reader (``gu::Config::parse`` in ``galerautils/src/gu_config.cpp``, 26.4.x) works so:

* ``;`` separates pairs, the first ``=`` separates key and value; both are trimmed of ASCII
  white space (C ``isspace``). Empty and blank segments are ignored.
* A segment with a key and no ``=`` is an error ("Key without value"), so is a segment with two
  ``=`` ("More than one value") and one with an empty key. ``key=`` (an empty value) is accepted:
  ``SHOW VARIABLES`` prints options such as ``socket.ssl_cipher = ;`` that way.
* Duplicate keys are all applied in order, so the last value wins. Galera keeps its parameters in a
  map: the position of a key in the string never matters to it.
* ``\\`` escapes a separator, but inconsistently (the last pair keeps its backslash), so a value
  containing ``;``, ``=`` or ``\\`` cannot be passed reliably: this module refuses such values.
* An unknown key stops the node from starting ("Unrecognized parameter").

Choices made here, on top of Galera's rules:

* **Duplicates** collapse to one pair that keeps the position of the *first* occurrence and the
  value of the *last* one (what Galera applies). Keeping the first position changes the least text.
  The keys that were collapsed are reported.
* **Values are also refused** when they hold ``"``, ``'``, ``#`` or a control character: the result
  is written into a quoted my.cnf value (where ``#`` may start a comment and a quote may end the
  value) or into a quoted SQL string, and has to be read back unchanged.
* **Keys** must match ``[A-Za-z0-9_][A-Za-z0-9_.-]*`` (every Galera parameter does).
* **socket.* keys** are checked against :data:`SOCKET_OPTIONS`; any other key is left to Galera.
* **Booleans** given as Python ``bool`` are written ``yes``/``no``. When the current value already
  is a Galera boolean with the same truth (``1``, ``on``, ``true``, ...), it is kept as it is.
"""

from __future__ import annotations

import math
import re
import typing as t
from collections.abc import Iterable, Mapping

__all__ = [
    'WsrepError', 'SOCKET_OPTIONS', 'GALERA_TRUE', 'GALERA_FALSE', 'OPTION_NAME',
    'galera_bool', 'validate_key', 'validate_value', 'check_socket_key', 'render_value',
    'parse_pairs', 'parse', 'parse_dict', 'format_options', 'merge', 'compute',
    'CnfOption', 'locate_cnf_option', 'read_cnf_option', 'cnf_includes', 'mariadb_server_groups',
    'tls_options',
]


class WsrepError(ValueError):
    """A wsrep_provider_options problem. ``key`` names the option concerned, when there is one."""

    def __init__(self, message: str, key: str | None = None):
        super().__init__(message)
        # A refused "key" can be any length of input; results and logs get its start only.
        self.key = key if key is None or len(key) <= 100 else key[:100] + '...'


# The socket.* parameters that Galera registers with its configuration, so the only ones it
# accepts in wsrep_provider_options. Read from codership/galera at tag release_26.4.18:
#   galerautils/src/gu_asio.hpp + gu_asio.cpp ssl_register_params(): socket.ssl, socket.ssl_cipher,
#     socket.ssl_compression (flagged deprecated), socket.ssl_key, socket.ssl_cert, socket.ssl_ca,
#     socket.ssl_password_file, socket.ssl_reload, socket.dynamic;
#   gcomm/src/conf.cpp register_params(): socket.non_blocking, socket.checksum,
#     socket.recv_buf_size, socket.send_buf_size.
# socket.ssl_reload and socket.dynamic first appear in release_26.4.8; the others exist in every
# 25.3.x (Galera 3) and 26.4.x tag (send_buf_size is missing from 26.4.1-26.4.3 only).
# socket.if_addr, socket.if_loop and socket.mcast_ttl are NOT provider options: they are query
# options of a udp:// address (gu_asio_datagram.cpp), and as provider options they stop the node.
# 'bool' marks the options Galera reads with gu_str2bool; 'since' is the first Galera 4 release.
SOCKET_OPTIONS: dict[str, dict[str, t.Any]] = {
    'socket.ssl': {'bool': True, 'since': '26.4.0'},
    'socket.ssl_key': {'bool': False, 'since': '26.4.0'},
    'socket.ssl_cert': {'bool': False, 'since': '26.4.0'},
    'socket.ssl_ca': {'bool': False, 'since': '26.4.0'},
    'socket.ssl_cipher': {'bool': False, 'since': '26.4.0'},
    'socket.ssl_compression': {'bool': True, 'since': '26.4.0', 'deprecated': True},
    'socket.ssl_password_file': {'bool': False, 'since': '26.4.0'},
    'socket.ssl_reload': {'bool': True, 'since': '26.4.8'},
    'socket.dynamic': {'bool': True, 'since': '26.4.8'},
    'socket.non_blocking': {'bool': False, 'since': '26.4.0'},
    'socket.checksum': {'bool': False, 'since': '26.4.0'},
    'socket.recv_buf_size': {'bool': False, 'since': '26.4.0'},
    'socket.send_buf_size': {'bool': False, 'since': '26.4.0'},
}

# gu_str2bool() in galerautils/src/gu_utils.c (compared case-insensitively).
GALERA_TRUE = frozenset(('1', 'y', 'on', 'yes', 'yep', 'true', 'sure', 'yeah'))
GALERA_FALSE = frozenset(('0', 'n', 'no', 'off', 'none', 'nope', 'false'))

# The my.cnf option, in the spelling mariadbd documents (``-`` and ``_`` are interchangeable).
OPTION_NAME = 'wsrep_provider_options'

# C isspace() in the "C" locale: what gu::trim() and MariaDB's option file reader strip.
_SPACE = ' \t\n\v\f\r'
_KEY_RE = re.compile(r'[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z')
_GALERA_UNSAFE = {';': 'the pair separator', '=': 'the key/value separator', '\\': 'the escape character'}
_CNF_UNSAFE = {'"': 'a double quote', "'": 'a single quote', '#': 'a comment sign'}

Pairs = t.List[t.Tuple[str, str]]


def _quote(text: t.Any, limit: int = 60) -> str:
    """``repr`` of a value for an error message, cut to ``limit`` characters with its full length.

    Messages quote what they refuse; an option string can be megabytes long, and the message
    must stay one readable line in a task result and a log.
    """
    text = text if isinstance(text, str) else str(text)
    if len(text) <= limit:
        return repr(text)
    return f'{text[:limit]!r}... ({len(text)} characters)'


def galera_bool(value: t.Any) -> bool | None:
    """Truth of ``value`` as Galera reads a boolean, or None when Galera would not accept it."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, str):
        return None
    low = value.strip(_SPACE).lower()
    if low in GALERA_TRUE:
        return True
    if low in GALERA_FALSE:
        return False
    return None


def validate_key(key: t.Any, what: str = 'option') -> str:
    """Return ``key`` when it is a well-formed Galera parameter name, raise WsrepError otherwise."""
    if not isinstance(key, str):
        raise WsrepError(f'{what} name {_quote(key)} must be a string, not {type(key).__name__}', key=str(key))
    if not key:
        raise WsrepError(f'{what} name is empty', key=key)
    if not _KEY_RE.match(key):
        raise WsrepError(
            f'{what} {_quote(key)}: invalid name (Galera parameter names are letters, digits, "_", "." '
            f'and "-", without spaces)', key=key)
    return key


def validate_value(key: str, value: str) -> str:
    """Return ``value`` when Galera and a quoted my.cnf value can both carry it unchanged."""
    for char, reason in _GALERA_UNSAFE.items():
        if char in value:
            raise WsrepError(
                f'option {_quote(key)}: the value contains {_quote(char)} ({reason}), which Galera cannot read '
                f'back reliably; use a value (for example a file path) without it', key=key)
    for char, reason in _CNF_UNSAFE.items():
        if char in value:
            raise WsrepError(
                f'option {_quote(key)}: the value contains {reason} ({_quote(char)}), which cannot be written '
                f'into a quoted my.cnf or SQL value and read back unchanged', key=key)
    for char in value:
        if ord(char) < 0x20 or ord(char) == 0x7f:
            raise WsrepError(f'option {_quote(key)}: the value contains a control character ({_quote(char)})', key=key)
    return value


def check_socket_key(key: str, origin: str = 'option') -> None:
    """Refuse a ``socket.*`` key that Galera 4 does not know (it would stop the node)."""
    if not key.lower().startswith('socket.') or key in SOCKET_OPTIONS:
        return
    hint = ''
    if key.lower() in SOCKET_OPTIONS:
        hint = f' (Galera parameter names are case-sensitive: {_quote(key.lower())})'
    elif key in ('socket.if_addr', 'socket.if_loop', 'socket.mcast_ttl'):
        hint = ' (it is an option of a udp:// address, not a provider option)'
    raise WsrepError(
        f'{origin} {_quote(key)} is not a Galera 4 socket option and would stop the node{hint}; '
        f'known: {", ".join(sorted(SOCKET_OPTIONS))}', key=key)


def _check_socket_bool(key: str, value: str) -> None:
    spec = SOCKET_OPTIONS.get(key)
    if spec and spec['bool'] and galera_bool(value) is None:
        raise WsrepError(
            f'option {_quote(key)}: {_quote(value)} is not a Galera boolean (use yes/no, on/off, true/false or '
            f'1/0)', key=key)


def render_value(key: str, value: t.Any) -> str:
    """The text Galera gets for ``value``: bools as yes/no, numbers as digits, strings trimmed."""
    if isinstance(value, bool):
        text = 'yes' if value else 'no'
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise WsrepError(f'option {_quote(key)}: {_quote(value)} is not a usable number', key=key)
        text = repr(value)
    elif isinstance(value, str):
        # Galera trims values itself: what it would read is what is written.
        text = value.strip(_SPACE)
    elif value is None:
        raise WsrepError(f'option {_quote(key)}: the value is null; list the key in remove to drop it', key=key)
    else:
        raise WsrepError(
            f'option {_quote(key)}: the value must be a string, a number or a boolean, not '
            f'{type(value).__name__}', key=key)
    validate_value(key, text)
    _check_socket_bool(key, text)
    return text


def parse_pairs(text: str | None, source: str = 'current') -> Pairs:
    """Split an option string into ``(key, value)`` pairs as Galera does, duplicates included."""
    if text is None:
        return []
    if not isinstance(text, str):
        raise WsrepError(f'{source}: expected an option string, not {type(text).__name__}')
    pairs = []
    for position, segment in enumerate(text.split(';')):
        if not segment.strip(_SPACE):
            continue
        key, sep, value = segment.partition('=')
        key = key.strip(_SPACE)
        if not sep:
            raise WsrepError(
                f'{source}: key without value {_quote(key)} at position {position} (Galera refuses it)', key=key)
        if not key:
            raise WsrepError(f'{source}: empty key in {_quote(segment.strip(_SPACE))} (Galera refuses it)')
        if '=' in value:
            raise WsrepError(
                f'{source}: more than one value for key {_quote(key)} in {_quote(segment.strip(_SPACE))} '
                f'(Galera refuses it)', key=key)
        validate_key(key, f'{source}: option')
        value = value.strip(_SPACE)
        try:
            validate_value(key, value)
        except WsrepError as exc:
            raise WsrepError(f'{source}: {exc}', key=key) from None
        pairs.append((key, value))
    return pairs


def _dedupe(pairs: Pairs) -> tuple[Pairs, list[str]]:
    """First position, last value; also the keys that occurred more than once."""
    values: dict[str, str] = {}
    duplicates: list[str] = []
    for key, value in pairs:
        if key in values and key not in duplicates:
            duplicates.append(key)
        values[key] = value  # dict keeps the first insertion position
    return list(values.items()), duplicates


def parse(text: str | None, source: str = 'current') -> Pairs:
    """Parse an option string into ordered, de-duplicated pairs (first position, last value)."""
    return _dedupe(parse_pairs(text, source))[0]


def parse_dict(text: str | None, source: str = 'current') -> dict[str, str]:
    """Parse an option string into an ordered dict (first position, last value)."""
    return dict(parse(text, source))


def format_options(options: Mapping[str, t.Any] | Iterable[tuple[str, t.Any]],
                   separator: str = '; ') -> str:
    """Join options into the string Galera reads; every key and value is checked first."""
    if separator.strip(_SPACE) != ';':
        raise WsrepError(f'separator {_quote(separator)} must be ";" with optional spaces')
    items = options.items() if isinstance(options, Mapping) else options
    rendered = []
    seen = set()
    for key, value in items:
        validate_key(key)
        check_socket_key(key)
        if key in seen:
            raise WsrepError(f'option {_quote(key)} is given twice', key=key)
        seen.add(key)
        rendered.append(f'{key}={render_value(key, value)}')
    return separator.join(rendered)


def _current_pairs(current: t.Any) -> Pairs:
    """Raw pairs (duplicates kept) from an option string, a mapping or None."""
    if current is None or isinstance(current, str):
        return parse_pairs(current)
    if isinstance(current, Mapping):
        return [(validate_key(k, 'current: option'), render_value(k, v)) for k, v in current.items()]
    raise WsrepError(f'current must be an option string or a mapping, not {type(current).__name__}')


def _same(old: str, new_value: t.Any, new_text: str) -> bool:
    if isinstance(new_value, bool):
        return galera_bool(old) is new_value
    return old == new_text


def merge(current: t.Any, set_options: Mapping[str, t.Any] | None = None,
          remove: Iterable[str] | None = None) -> tuple[Pairs, dict[str, list[str]]]:
    """Apply ``set_options`` and ``remove`` to ``current`` and return ``(pairs, diff)``.

    ``current`` is an option string, a mapping or None. Every option that is not named exactly keeps
    its value and its place; duplicates collapse (first position, last value). A key in
    ``set_options`` keeps its place when it exists, new keys are appended in the order given.
    Removing a missing key does nothing; a key in both ``set_options`` and ``remove`` is an error.
    ``diff`` has the lists ``added``, ``changed``, ``removed`` and ``duplicates`` (keys).
    Raises WsrepError naming the key for every refusal, including a socket.* key that Galera 4 does
    not know anywhere in the result.
    """
    set_options = {} if set_options is None else set_options
    if not isinstance(set_options, Mapping):
        raise WsrepError(f'set must be a mapping of option names to values, not {type(set_options).__name__}')
    if remove is None:
        remove = []
    if isinstance(remove, (str, bytes)) or not isinstance(remove, Iterable):
        raise WsrepError(f'remove must be a list of option names, not {type(remove).__name__}')
    remove = list(remove)
    for key in remove:
        if not isinstance(key, str) or not key.strip(_SPACE):
            raise WsrepError(f'remove: {_quote(key)} is not an option name', key=str(key))
        if key != key.strip(_SPACE):
            raise WsrepError(f'remove: {_quote(key)} has surrounding spaces; option names are matched exactly', key=key)
    both = [key for key in set_options if key in remove]
    if both:
        raise WsrepError(f'option {both[0]!r} is both in set and in remove', key=both[0])

    wanted = {}
    for key, value in set_options.items():
        validate_key(key, 'set: option')
        check_socket_key(key, 'set: option')
        wanted[key] = (value, render_value(key, value))

    pairs, duplicates = _dedupe(_current_pairs(current))
    result: dict[str, str] = {}
    diff: dict[str, list[str]] = {'added': [], 'changed': [], 'removed': [], 'duplicates': duplicates}
    for key, old in pairs:
        if key in remove:
            diff['removed'].append(key)
            continue
        if key in wanted:
            value, text = wanted[key]
            if not _same(old, value, text):
                result[key] = text
                diff['changed'].append(key)
                continue
        result[key] = old
    for key, (value, text) in wanted.items():
        if key not in result:
            result[key] = text
            diff['added'].append(key)
    for key in result:
        check_socket_key(key, 'current: option')
    return list(result.items()), diff


def compute(current: t.Any, set_options: Mapping[str, t.Any] | None = None,
            remove: Iterable[str] | None = None, separator: str = '; ') -> dict[str, t.Any]:
    """Everything the module and the filter report, from one call to :func:`merge`.

    ``changed`` is true when the options differ from ``current`` as Galera reads it (values, order or
    collapsed duplicates); spacing alone is not a change. ``before``/``after`` hold one ``key=value``
    per line, for a readable diff.
    """
    before = _current_pairs(current)
    pairs, diff = merge(current, set_options, remove)
    value = format_options(pairs, separator)
    return {
        'value': value,
        'options': dict(pairs),
        'changed': before != pairs,
        'before': ''.join(f'{k}={v}\n' for k, v in before),
        'after': ''.join(f'{k}={v}\n' for k, v in pairs),
        'keys_added': diff['added'],
        'keys_changed': diff['changed'],
        'keys_removed': diff['removed'],
        'keys_deduplicated': diff['duplicates'],
    }


def tls_options(cert: str, key: str, ca: str, cipher: str | None = None,
                dynamic: bool | None = None) -> dict[str, t.Any]:
    """The ``set`` mapping for Galera replication TLS: socket.ssl_cert, _key, _ca (+ cipher, dynamic).

    Galera turns TLS on by itself when a key and a certificate are set, so ``socket.ssl`` is not
    added. ``dynamic`` (``socket.dynamic``, Galera 26.4.8+) lets a node accept TLS and plain
    connections on one port, for turning TLS on in a running cluster; it is left out when None.
    """
    options: dict[str, t.Any] = {}
    for name, value in (('socket.ssl_cert', cert), ('socket.ssl_key', key), ('socket.ssl_ca', ca)):
        if not isinstance(value, str) or not value.strip(_SPACE):
            raise WsrepError(f'option {_quote(name)}: a file path is required', key=name)
        options[name] = render_value(name, value)
    if cipher is not None:
        if not isinstance(cipher, str) or not cipher.strip(_SPACE):
            raise WsrepError("option 'socket.ssl_cipher': give a cipher list or leave it out",
                             key='socket.ssl_cipher')
        options['socket.ssl_cipher'] = render_value('socket.ssl_cipher', cipher)
    if dynamic is not None:
        if not isinstance(dynamic, bool):
            raise WsrepError("option 'socket.dynamic': must be true or false", key='socket.dynamic')
        options['socket.dynamic'] = dynamic
    return options


# --- my.cnf ------------------------------------------------------------------------------------

class CnfOption(t.NamedTuple):
    """Where an option was found in an option file: its value, group and 1-based line number."""

    value: str
    section: str
    line: int


def mariadb_server_groups(version: str | None = None) -> list[str]:
    """The option groups mariadbd reads (``load_default_groups`` in sql/mysqld.cc, WITH_WSREP).

    With ``version`` ("10.11" or "10.11.9") the version groups are added: mysqld-10.11,
    mariadb-10.11, mariadbd-10.11. Recent development trees also read ``mariadb-<major>`` and
    ``mariadbd-<major>``; add them by hand where a server needs them. Order is irrelevant: options
    are applied in file order.
    """
    groups = ['mysqld', 'server', 'mariadb', 'mariadbd', 'client-server', 'galera']
    if version:
        match = re.match(r'(\d+)\.(\d+)', str(version))
        if not match:
            raise WsrepError(f'version {_quote(version)}: expected a MariaDB version such as 10.11')
        base = f'{match.group(1)}.{match.group(2)}'
        groups += [f'mysqld-{base}', f'mariadb-{base}', f'mariadbd-{base}']
    return groups


def _option_matches(name: str, option: str) -> bool:
    # my_getopt: "-" and "_" are the same, and a "loose-" prefix only silences unknown options.
    name = name.replace('-', '_')
    if name.startswith('loose_'):
        name = name[len('loose_'):]
    return name == option.replace('-', '_')


def _remove_end_comment(line: str) -> str:
    """MariaDB's remove_end_comment(): cut at the first ``#`` outside quotes."""
    quote = ''
    escape = False
    for index, char in enumerate(line):
        if char in '\'"' and not escape:
            if not quote:
                quote = char
            elif quote == char:
                quote = ''
        if not quote and char == '#':
            return line[:index]
        escape = bool(quote) and char == '\\' and not escape
    return line


_CNF_ESCAPES = {'n': '\n', 't': '\t', 'r': '\r', 'b': '\b', 's': ' ', '"': '"', "'": "'", '\\': '\\'}


def _cnf_value(raw: str) -> str:
    """Trim, unquote and unescape an option value as search_default_file_with_ext() does."""
    value = raw.strip(_SPACE)
    if len(value) > 1 and value[0] in '\'"' and value[0] == value[-1]:
        value = value[1:-1]
    out = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == '\\' and index != len(value) - 1:
            index += 1
            nxt = value[index]
            out.append(_CNF_ESCAPES.get(nxt, '\\' + nxt))
        else:
            out.append(char)
        index += 1
    return ''.join(out)


def locate_cnf_option(text: str, sections: Iterable[str] | str = ('mysqld',),
                      option: str = OPTION_NAME, source: str = 'my.cnf') -> CnfOption | None:
    """Find the value of ``option`` in the given groups of an option file, as MariaDB reads it.

    Follows mysys/my_default.c: ``#`` and ``;`` start comment lines, ``#`` ends a line outside
    quotes, ``[group]`` names match case-insensitively, values are trimmed, one pair of matching
    outer quotes is removed and ``\\n``-style escapes are decoded; ``-``/``_`` in option names are
    the same and ``loose-`` is allowed. Options are read in file order, so the last occurrence in
    any of the groups wins. ``!include``/``!includedir`` are not followed. Returns None when the
    option is not there; raises WsrepError (naming ``source`` and the line) where MariaDB would
    refuse to start.
    """
    if isinstance(sections, str):
        sections = [sections]
    wanted = {s.strip(_SPACE).lower() for s in sections}
    group = None
    found = None
    for number, line in enumerate(text.split('\n'), 1):
        stripped = line.lstrip(_SPACE)
        if not stripped or stripped[0] in '#;' or stripped[0] == '!':
            continue
        if stripped[0] == '[':
            end = stripped.find(']')
            if end < 0:
                raise WsrepError(f'{source} line {number}: group header without "]"')
            group = stripped[1:end].rstrip(_SPACE)
            continue
        if group is None:
            raise WsrepError(f'{source} line {number}: option outside any [group] (MariaDB refuses the file)')
        if group.lower() not in wanted:
            continue
        content = _remove_end_comment(stripped)
        name, sep, raw = content.partition('=')
        if not _option_matches(name.rstrip(_SPACE), option):
            continue
        if not sep:
            raise WsrepError(f'{source} line {number}: {option} without a value', key=option)
        found = CnfOption(_cnf_value(raw), group, number)
    return found


def read_cnf_option(text: str, sections: Iterable[str] | str = ('mysqld',),
                    option: str = OPTION_NAME, source: str = 'my.cnf') -> str | None:
    """The raw value of ``option`` in the given groups (last occurrence wins), or None."""
    hit = locate_cnf_option(text, sections, option, source)
    return None if hit is None else hit.value


def cnf_includes(text: str) -> list[str]:
    """The ``!include``/``!includedir`` directives of an option file (not followed here)."""
    found = []
    for line in text.split('\n'):
        stripped = line.strip(_SPACE)
        if stripped.startswith('!'):
            directive = stripped[1:].lstrip(_SPACE)
            if re.match(r'include(dir)?[ \t]', directive):
                found.append(stripped)
    return found
