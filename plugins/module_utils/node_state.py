# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a node's files, tools, units and server say, read in one pass (the galera_node_info,
host_info and served_info modules).

Pure logic, no Ansible imports: the modules pass in how to run a command and how to query the
server, and this code turns their answers into the facts the roles decide from, on the controller.
Nothing here writes anything. Secret option values (key-file passwords, vault tokens) leave the node
only as digests.
"""

from __future__ import annotations

import grp
import hashlib
import hmac
import json
import os
import pwd
import re
import stat
import time
import typing as t

from ansible_collections.dbtls.transport.plugins.module_utils.commands import Runner

# SHOW GLOBAL STATUS variables the role decides from (cluster_state.yml, health gates).
STATUS_VARIABLES = ('wsrep_ready', 'wsrep_cluster_status', 'wsrep_local_state_comment', 'wsrep_cluster_size',
                    'wsrep_provider_version')

_SECRET_OPTION = re.compile(r'filekey|token|password|secret')
_DH_BITS = re.compile(r'DH Parameters: [(]([0-9]+) bit[)]')
_DH_OK = 'DH parameters appear to be ok'
_PROVIDER_OPTIONS = re.compile(r'^--wsrep[-_]provider[-_]options=')


# The node reads' ``certificates`` option (doc fragment dbtls.transport.certificate_checks): the
# certificates a node uses, checked in the run that reads the node (check_certificates()).
CERTIFICATES_OPTION = {'type': 'list', 'elements': 'dict', 'default': [], 'options': {
    'name': {'type': 'str', 'required': True},
    'cert_path': {'type': 'path', 'required': True},
    'key_path': {'type': 'path', 'no_log': False},
    'ca_path': {'type': 'path'},
    'required_sans': {'type': 'list', 'elements': 'str', 'default': []},
    'required_usage': {'type': 'str', 'choices': ['server', 'client', 'peer']},
    'min_days_left': {'type': 'int', 'default': 0},
    'check_cn_differs': {'type': 'bool', 'default': True},
}}


def check_certificates(checks: list) -> dict:
    """``certificates`` and ``tls_files`` for the ``certificates`` option (cert_check.check_all());
    the certificate code, and cryptography, are loaded only when there is something to check.
    Raises ValueError for bad input."""
    if not checks:
        return {'certificates': {}, 'tls_files': {}}
    from ansible_collections.dbtls.transport.plugins.module_utils import cert_check  # pylint: disable=import-outside-toplevel
    return cert_check.check_all(checks)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def content_hasher(key: str | None = None):
    """SHA-256, or with ``key`` HMAC-SHA256 under it: the digest of a file's content that a node
    read returns (path_entry) and that the controller computes for the content it wants
    (config_files.differing)."""
    return hmac.new(key.encode('utf-8'), digestmod=hashlib.sha256) if key else hashlib.sha256()


def sha256_file(path: str, key: str | None = None) -> str | None:
    """Digest of a file's content (content_hasher()), None when it cannot be read."""
    digest = content_hasher(key)
    try:
        with open(path, 'rb') as handle:
            for block in iter(lambda: handle.read(65536), b''):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def provider_options(lines: list[str]) -> str:
    """The wsrep_provider_options the server reads: the last occurrence in my_print_defaults' output."""
    found = [line for line in lines if _PROVIDER_OPTIONS.match(line)]
    return found[-1].split('=', 1)[1] if found else ''


def keyring_options(lines: list[str], pattern: str) -> list[dict]:
    """Keyring settings among the effective options, as the server applies them.

    my_print_defaults prints every occurrence; the server keeps the last value of an option, except
    plugin-load-add, whose values add up. Names are normalized (dashes, no loose- prefix); a secret
    value is kept only inside the digest.
    """
    matcher = re.compile(pattern)
    added: list[dict] = []
    last: dict[str, dict] = {}
    for line in lines:
        option = line[2:] if line.startswith('--') else line
        name, _sep, value = option.partition('=')
        name = re.sub(r'^loose-', '', name.replace('_', '-'))
        if not matcher.search(f'{name}={value}'):
            continue
        secret = bool(_SECRET_OPTION.search(name))
        entry = {'name': name, 'value': '' if secret else value,
                 'shown': f"{name}={'(value hidden)' if secret else value}",
                 'digest': sha256_text(f'{name}={value}')}
        if name == 'plugin-load-add':
            added.append(entry)
        else:
            last[name] = entry
    return added + list(last.values())


def keyring_settings(options: list[dict], key_file_options: list[str], config_files: list[str]) -> list[dict]:
    """What must be equal on every node: the keyring options, then the content of their key files."""
    out = [{'shown': option['shown'], 'digest': option['digest']} for option in options]
    paths = [option['value'] for option in options if option['name'] in key_file_options and option['value']]
    for path in paths + list(config_files):
        if os.path.exists(path):
            out.append({'shown': f'content of {path}', 'digest': sha256_file(path) or 'unreadable'})
    return out


def dhparams_check(rc: int, stdout: str, stderr: str) -> dict:
    """`openssl dhparam -check -text -noout`'s verdict: ok (the check passed), bits, and why not."""
    bits = _DH_BITS.search(stdout or '')
    passed = rc == 0 and _DH_OK in (stdout or '') + (stderr or '')
    error = '' if passed else (re.sub(r'\s+', ' ', stderr or stdout or f'rc {rc}').strip()[:200])
    return {'ok': passed, 'bits': int(bits.group(1)) if bits else 0, 'error': error}


def socat_openssl(rc: int, stdout: str) -> bool:
    """Whether socat is built with OpenSSL (socat -V prints the build's WITH_* defines)."""
    return rc == 0 and 'WITH_OPENSSL 1' in (stdout or '')


def is_socket(path: str) -> bool:
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def unit_properties(run: Runner, systemctl: str | None, unit: str, names: t.Sequence[str]) -> tuple[dict, str]:
    """({property: value}, error) of a systemd unit, from one `systemctl show`; empty values and
    the reason where systemd does not answer."""
    if not systemctl or not unit:
        return {}, 'systemctl not found' if not systemctl else ''
    rc, out, err = run([systemctl, 'show', unit, '--property=' + ','.join(names)])
    values = dict(line.split('=', 1) for line in out.splitlines() if '=' in line)
    return values, '' if rc == 0 else (err or out).strip()[:200]


def service_state(run: Runner, systemctl: str | None, unit: str) -> dict:
    """ActiveState, SubState, UnitFileState (enabled, disabled, ...) and MainPID of a systemd unit
    (empty strings and 0 where systemd does not answer)."""
    values, error = unit_properties(run, systemctl, unit, ('ActiveState', 'SubState', 'UnitFileState', 'MainPID'))
    try:
        main_pid = int(values.get('MainPID') or 0)
    except ValueError:
        main_pid = 0
    return {'active_state': values.get('ActiveState', ''), 'sub_state': values.get('SubState', ''),
            'unit_file_state': values.get('UnitFileState', ''), 'main_pid': main_pid, 'error': error}


def _name(lookup: t.Callable[[int], t.Any], number: int) -> str:
    try:
        return lookup(number)[0]
    except KeyError:
        return str(number)


def path_entry(path: str, follow: bool = True, checksum: bool = False, key: str | None = None) -> dict:
    """exists, type, link target, owner, group, mode, permission bits and change time of a path,
    following links (as a service opening it does) unless ``follow`` is false; with ``checksum``
    the SHA-256 of a regular file's content, or with ``key`` its HMAC-SHA256 under that key (a
    secret the caller makes for one run: the caller can compare it with the content it wants, but
    the result, which logs may show, lets nobody test guesses of a secret in the file)."""
    try:
        info = os.stat(path) if follow else os.lstat(path)
    except OSError as exc:
        # A followed path that cannot be reached counts as missing, as for the service opening it;
        # an unreadable entry that is not followed is an error.
        if not follow and not isinstance(exc, FileNotFoundError):
            raise
        return {'path': path, 'exists': False, 'regular': False, 'directory': False, 'link': False, 'link_target': '',
                'owner': '', 'group': '', 'mode': '', 'world_readable': False, 'executable': False, 'mtime': None,
                'checksum': ''}
    mode = stat.S_IMODE(info.st_mode)
    regular, link = stat.S_ISREG(info.st_mode), stat.S_ISLNK(info.st_mode)
    return {'path': path, 'exists': True, 'regular': regular, 'directory': stat.S_ISDIR(info.st_mode),
            'link': link, 'link_target': os.readlink(path) if link else '',
            'owner': _name(pwd.getpwuid, info.st_uid), 'group': _name(grp.getgrgid, info.st_gid),
            'mode': f'{mode:04o}', 'world_readable': bool(mode & stat.S_IROTH), 'executable': bool(mode & stat.S_IXUSR),
            'mtime': info.st_mtime, 'checksum': (sha256_file(path, key) or '') if checksum and regular else ''}


_PRIVATE_KEY = re.compile(r'-----BEGIN [A-Z ]*PRIVATE KEY-----')
MAX_CONTENT = 1024 * 1024


def public_text(path: str) -> str:
    """The text of a public file (a certificate or a bundle); a private key is refused, so that no
    key leaves the host through this read."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read(MAX_CONTENT + 1)
    except OSError as exc:
        raise ValueError(f'{path}: cannot be read: {exc.strerror or exc}') from None
    if len(data) > MAX_CONTENT:
        raise ValueError(f'{path}: larger than {MAX_CONTENT} bytes')
    text = data.decode('utf-8', 'replace')
    if _PRIVATE_KEY.search(text):
        raise ValueError(f'{path}: holds a private key, which is never read off the host')
    return text


def process_started(pid: int, proc: str = '/proc', clock: t.Callable[[], float] = time.time) -> int | None:
    """The epoch second a process started, truncated: its start in clock ticks after boot
    (/proc/<pid>/stat) plus the boot time, taken as the clock now less the uptime (/proc/uptime,
    to a hundredth of a second), or where that is missing /proc/stat's btime (whole seconds, up to
    one more second early); None for no process or where /proc does not say."""
    if pid <= 0:
        return None
    try:
        with open(os.path.join(proc, str(pid), 'stat'), encoding='ascii', errors='replace') as handle:
            # The command name (2nd field) is in parentheses and may hold spaces: count after it.
            fields = handle.read().rsplit(')', 1)[1].split()
        try:
            with open(os.path.join(proc, 'uptime'), encoding='ascii', errors='replace') as handle:
                boot = clock() - float(handle.read().split()[0])
        except (OSError, ValueError, IndexError):
            with open(os.path.join(proc, 'stat'), encoding='ascii', errors='replace') as handle:
                boot = next(int(line.split()[1]) for line in handle if line.startswith('btime '))
        return int(boot + int(fields[19]) / os.sysconf('SC_CLK_TCK'))
    except (OSError, ValueError, IndexError, StopIteration):
        return None


# How exactly process_started knows a start: truncated to the second, so up to one second early. A
# file whose change time is later than the start by more than this was changed after the process
# read it; one within it may have been read either way. (A start from btime, whole seconds itself,
# could be two seconds early: a file written just before a restart would look changed after it.)
START_PRECISION = 1


def changed_after_start(paths: dict, started: t.Any, only: t.Sequence[str] | None = None) -> list[str]:
    """The paths (of ``only``, else all) whose entry's change time (``mtime``, as path_entry reads
    it) is later than a process start (epoch seconds) beyond START_PRECISION: files the running
    process has not read. None for the start (no running process) gives none."""
    if started is None:
        return []
    started = float(started)
    names = list(paths) if only is None else list(only)
    return [path for path in names
            if (paths.get(path) or {}).get('mtime') is not None and float(paths[path]['mtime']) > started + START_PRECISION]


def read_host(run: Runner, params: dict, which: t.Callable[[str], str | None], proc: str = '/proc') -> dict:
    """Paths (type, owner, group, mode, change time; with a SHA-256 for those of ``checksums``), the
    text of public files, and systemd units (with the epoch second their main process started:
    a file changed after it is not what the process read at its start)."""
    systemctl = which('systemctl')
    paths = {path: path_entry(path) for path in params.get('paths') or []}
    paths.update({path: path_entry(path, checksum=True) for path in params.get('checksums') or []})
    units = {}
    for unit in params.get('units') or []:
        state = service_state(run, systemctl, unit)
        units[unit] = dict(state, started=process_started(state.pop('main_pid'), proc))
    return {'paths': paths,
            'contents': {path: public_text(path) for path in params.get('contents') or []},
            'units': units}


def read_galera_node(run: Runner, query: t.Callable[[], dict] | None, params: dict, which: t.Callable[[str], str | None],
                     proc: str = '/proc') -> dict:
    """Everything the role reads from one node.

    run(argv, data=None) -> (rc, stdout, stderr); query() -> {'status': {...}, 'provider_options': str,
    'provider_plugin_active': bool, 'accounts': [...]} or raises with a message (None when the server cannot be queried: no socket or
    no PyMySQL).
    """
    result: dict[str, t.Any] = {}
    # With the epoch second its main process started: an option file changed after it was not read.
    service = service_state(run, which('systemctl'), params['service'])
    result['service'] = dict(service, started=process_started(service.pop('main_pid'), proc))

    socket = params.get('login_unix_socket') or ''
    result['socket'] = is_socket(socket) if socket else False
    # driver: PyMySQL is importable on the node (check mode on a new node may not have it yet).
    result['sql'] = {'queried': False, 'driver': query is not None, 'error': '', 'status': {}, 'provider_options': '',
                     'provider_plugin_active': False, 'accounts': [], 'ssl_cert': ''}
    if result['socket'] and query is not None:
        try:
            answer = query()
        except Exception as exc:  # pylint: disable=broad-exception-caught  # any driver error is reported, not raised
            result['sql']['error'] = str(exc)[:300]
        else:
            result['sql'].update(queried=True, status=answer['status'], provider_options=answer['provider_options'],
                                 provider_plugin_active=bool(answer.get('provider_plugin_active')),
                                 accounts=answer.get('accounts', []), ssl_cert=answer.get('ssl_cert') or '')

    result['option_files'] = {'error': '', 'provider_options': '', 'keyring': []}
    argv = params.get('print_defaults') or []
    if argv:
        rc, out, err = run(list(argv))
        if rc != 0:
            result['option_files']['error'] = f"{' '.join(argv)} failed: {(err or out).strip()[:200]}"
        else:
            lines = out.splitlines()
            result['option_files']['provider_options'] = provider_options(lines)
            options = keyring_options(lines, params.get('keyring_option_pattern') or r'(?!)')
            result['option_files']['keyring'] = keyring_settings(
                options, params.get('keyring_key_file_options') or [], params.get('keyring_config_files') or [])

    datadir = params.get('datadir') or ''
    result['datadir_files'] = {role: path_entry(os.path.join(datadir, name), follow=False, checksum=True)
                               for role, name in (params.get('datadir_files') or {}).items()} if datadir else {}

    result['dhparams'] = {}
    openssl = which('openssl')
    missing = {'ok': False, 'bits': 0, 'error': 'openssl not found on the node'}
    if params.get('dhparams_path'):
        result['dhparams']['file'] = path_entry(params['dhparams_path'])
        result['dhparams']['current'] = dhparams_check(*run(
            [openssl, 'dhparam', '-in', params['dhparams_path'], '-check', '-text', '-noout'])) if openssl else missing
    if params.get('dhparams_wanted'):
        result['dhparams']['wanted'] = dhparams_check(*run(
            [openssl, 'dhparam', '-check', '-text', '-noout'], data=params['dhparams_wanted'])) if openssl else missing

    key = params.get('checksum_key') or ''
    if params.get('checksums') and not key:
        raise ValueError('checksums needs checksum_key')
    result['files'] = {path: path_entry(path, checksum=True, key=key) for path in params.get('checksums') or []}

    # What the running server presents on its ports (only where it runs: a stopped one presents nothing).
    result['served_ports'] = []
    if params.get('served_ports') and result['socket']:
        result['served_ports'] = served_ports(run, which('openssl'), params['served_ports'],
                                              params.get('served_client_cert') or '', params.get('served_client_key') or '')

    result['socat_openssl'] = None
    if params.get('check_socat'):
        socat = which('socat')
        result['socat_openssl'] = socat_openssl(*run([socat, '-V'])[:2]) if socat else False
    return result


def fingerprint_of(openssl_output: str) -> str:
    """The colon-hex SHA-256 of ``openssl x509 -noout -fingerprint -sha256`` (e.g. "sha256 Fingerprint=AB:CD")."""
    text = (openssl_output or '').strip()
    return text.split('=', 1)[1].strip() if '=' in text else ''


def served_ports(run: Runner, openssl: str | None, ports: list, client_cert: str = '', client_key: str = '') -> list[dict]:
    """The certificate each port presents, read with openssl s_client from the host itself:
    [{port, fingerprint (the first certificate's SHA-256 as openssl x509 prints it, '' when not
    read), error}]. A port {port, starttls, client_cert} says its STARTTLS protocol (mysql) and
    whether it wants the client certificate and key given here (Galera's port does; the
    certificate file's intermediates are sent along)."""
    entries = []
    for port in ports:
        number = int(port['port'])
        argv = [openssl or 'openssl', 's_client', '-connect', f'127.0.0.1:{number}', '-showcerts']
        if port.get('starttls'):
            argv += ['-starttls', str(port['starttls'])]
        if port.get('client_cert'):
            # -cert_chain: the intermediates after the leaf in the file go along with it, so that a
            # server under an intermediate CA verifies the client instead of logging a failure.
            argv += ['-cert', client_cert, '-key', client_key, '-cert_chain', client_cert]
        # 'Q' on stdin makes s_client close the connection once the handshake is done.
        rc, out, err = run(argv, data='Q')
        blocks = re.findall(r'-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----', out or '', re.S)
        entry = {'port': number, 'fingerprint': '', 'error': ''}
        if blocks:
            rc2, out2, err2 = run([openssl or 'openssl', 'x509', '-noout', '-fingerprint', '-sha256'], data=blocks[0])
            entry['fingerprint'] = fingerprint_of(out2) if rc2 == 0 else ''
            entry['error'] = '' if rc2 == 0 else ' '.join((err2 or out2).split())[:200]
        else:
            entry['error'] = ' | '.join((err or out or f'rc {rc}').strip().splitlines()[-3:])
        entries.append(entry)
    return entries


def read_served(run: Runner, params: dict, which: t.Callable[[str], str | None], now: t.Callable[[], float]) -> dict:
    """What a host runs: the certificate each port presents, the certificate file's, and each unit's main process.

    ports: [{port, starttls, client_cert}] read with openssl s_client from the host itself; the
    first certificate's SHA-256 fingerprint (as openssl x509 prints it) or why it could not be read.
    units: main PID, active state, the epoch second its main process started (systemd's
    ExecMainStartTimestamp through date, as the rotation compares it with files' change times) and
    the id of the unit's current run (InvocationID, for read_service_log's skip_invocation).
    journal_since: the units' journal since that epoch second, as read_service_log() reads it.
    """
    openssl, systemctl, date = which('openssl'), which('systemctl'), which('date')
    result: dict[str, t.Any] = {'now': int(now()), 'cert_fingerprint': '', 'ports': [], 'units': {}}
    cert = params.get('cert') or ''
    if cert:
        if not openssl:
            raise ValueError('openssl is not installed on the host')
        rc, out, err = run([openssl, 'x509', '-noout', '-fingerprint', '-sha256', '-in', cert])
        if rc != 0:
            raise ValueError(f'{cert}: cannot read its fingerprint: {" ".join((err or out).split())[:200]}')
        result['cert_fingerprint'] = fingerprint_of(out)
    result['ports'] = served_ports(run, openssl, params.get('ports') or [], params.get('client_cert') or '',
                                   params.get('client_key') or '')
    for unit in params.get('units') or []:
        values, _error = unit_properties(run, systemctl, unit, ('MainPID', 'ActiveState', 'ExecMainStartTimestamp', 'InvocationID'))
        state = {'main_pid': int(values.get('MainPID') or 0), 'active_state': values.get('ActiveState', ''), 'started': None,
                 'invocation': values.get('InvocationID', '').strip()}
        stamp = values.get('ExecMainStartTimestamp', '').strip()
        if state['main_pid'] > 0 and stamp and date:
            rc, out, _err = run([date, '-d', stamp, '+%s'])
            state['started'] = int(out.strip()) if rc == 0 and out.strip().isdigit() else None
        result['units'][unit] = state
    started = [u['started'] for u in result['units'].values() if u['started'] is not None]
    result['started'] = min(started) if started else ''
    if params.get('journal_since') is not None:
        result['journal'] = read_service_log(run, {'units': params.get('units') or [], 'since': params['journal_since']}, which)
    return result


# The lines that name a cause in a service's journal, by default (a caller passes its own first):
# logged errors first (MariaDB/MySQL "[ERROR]", Galera/garbd "ERROR", TLS failures), then lines
# that say something failed, then softer words (a refused or aborted connection).
LOG_CAUSE_PATTERNS = (r'\[ERROR\]|\bERROR\b|(?i:\bfatal\b|ssl error|verify failed|permission denied|access denied)',
                      r'(?i)fail', r'(?i)\berror\b|refus|abort|denied|unable')


def cause_line(lines: list[str], patterns: t.Sequence[str] = LOG_CAUSE_PATTERNS) -> str | None:
    """The line that names the cause: the first line matching the first pattern that matches any
    (the cause comes before what it breaks); None when no line matches."""
    for pattern in patterns:
        matcher = re.compile(pattern)
        for line in lines:
            if matcher.search(line):
                return line
    return None


# At most this many cause lines are quoted, one per run of the unit (a unit restarted by systemd
# after each failure logs one run per attempt).
MAX_CAUSE_LINES = 3


def _message_text(message: t.Any) -> str:
    """journalctl's JSON MESSAGE: a string, or a list of byte values where it is not valid UTF-8."""
    if isinstance(message, list):
        return bytes(b for b in message if isinstance(b, int) and 0 <= b < 256).decode('utf-8', 'replace')
    return '' if message is None else str(message)


def _without_timestamp(line: str) -> str:
    """A log line without its leading date and time, to tell repeated causes apart from new ones."""
    return re.sub(r'^[\d\s:.T+-]+', '', line)


def journal_entries(json_lines: str, skip_invocation: str = '') -> list[tuple[str, str]]:
    """The lines of ``journalctl -o json`` in time order, each with the unit run that logged it:
    [(invocation id, line)]. A service's own lines carry _SYSTEMD_INVOCATION_ID, systemd's lines
    about the run (started, failed) INVOCATION_ID; a line with neither has id ''. The lines of the
    run skip_invocation (the one before a change) are left out."""
    entries: list[tuple[str, str]] = []
    for raw in json_lines.splitlines():
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        invocation = str(entry.get('_SYSTEMD_INVOCATION_ID') or entry.get('INVOCATION_ID') or '')
        if skip_invocation and invocation == skip_invocation:
            continue
        entries.extend((invocation, line) for line in _message_text(entry.get('MESSAGE')).splitlines() or [''])
    return entries


def runs_excerpt(entries: list[tuple[str, str]], patterns: t.Sequence[str] = LOG_CAUSE_PATTERNS) -> str:
    """The cause line (cause_line) of each run in journal_entries() that has one, in the order the
    runs first appear, a repeated cause once, joined with ' | ' (a unit that failed several times
    for one reason gives one line; a run that failed otherwise, with a different first error, does
    not hide the other runs' cause); without any, the last line.

    At most MAX_CAUSE_LINES: with more, the first cause (what started the failures) and the latest
    ones (what the last run died of, which a read of the last lines always reaches), with '...'
    between them."""
    runs: dict[str, list[str]] = {}
    for invocation, line in entries:
        runs.setdefault(invocation, []).append(line)
    causes: list[str] = []
    seen: set[str] = set()
    for lines in runs.values():
        line = cause_line(lines, patterns)
        if line is not None and _without_timestamp(line) not in seen:
            seen.add(_without_timestamp(line))
            causes.append(line)
    if not causes:
        return entries[-1][1] if entries else '(empty journal)'
    if len(causes) > MAX_CAUSE_LINES:
        causes = causes[:1] + ['...'] + causes[1 - MAX_CAUSE_LINES:]
    return ' | '.join(causes)


def read_service_log(run: Runner, params: dict, which: t.Callable[[str], str | None]) -> dict:
    """The journal of some units (since an epoch second, else the last lines) and its cause lines,
    without the lines of the run params['skip_invocation'] (the unit's run before a restart).

    With params['current_run'] (one unit): only the lines of the unit's current run (its
    InvocationID), and 'active' - whether the unit is active; an inactive unit has no current run,
    so no lines."""
    journalctl = which('journalctl')
    units = params.get('units') or []
    current_run = bool(params.get('current_run'))
    if current_run and len(units) != 1:
        raise ValueError(f'current_run reads the current run of one unit; units has {len(units)}')
    if not journalctl:
        return {'lines': [], 'excerpt': '(no journalctl on the host)', **({'active': False} if current_run else {})}
    # --all: journalctl's JSON gives a field longer than 4096 bytes as null without it.
    argv = [journalctl, '--no-pager', '--all', '-o', 'json']
    if current_run:
        values, error = unit_properties(run, which('systemctl'), units[0], ('ActiveState', 'InvocationID'))
        invocation = values.get('InvocationID', '').strip()
        if values.get('ActiveState', '') != 'active' or not invocation:
            state = values.get('ActiveState', '') or error or 'unknown'
            return {'lines': [], 'excerpt': f'{units[0]} is not active ({state})', 'active': False}
        # The service's own lines and systemd's lines about this run.
        argv += [f'_SYSTEMD_INVOCATION_ID={invocation}', '+', f'INVOCATION_ID={invocation}']
        rc, out, err = run(argv)
        if rc != 0:
            line = f'journalctl failed: {(err or out).strip()[:200]}'
            return {'lines': [line], 'excerpt': line, 'active': True}
        entries = journal_entries(out)
        patterns = list(params.get('patterns') or []) + list(LOG_CAUSE_PATTERNS)
        return {'lines': [line for _invocation, line in entries], 'excerpt': runs_excerpt(entries, patterns), 'active': True}
    for unit in units:
        argv += ['-u', unit]
    if params.get('since') not in (None, ''):
        argv += ['--since', f"@{int(params['since'])}"]
    else:
        argv += ['-n', str(int(params.get('lines') or 40))]
    rc, out, err = run(argv)
    patterns = list(params.get('patterns') or []) + list(LOG_CAUSE_PATTERNS)
    if rc != 0:
        line = f'journalctl failed: {(err or out).strip()[:200]}'
        return {'lines': [line], 'excerpt': line}
    entries = journal_entries(out, params.get('skip_invocation') or '')
    return {'lines': [line for _invocation, line in entries], 'excerpt': runs_excerpt(entries, patterns)}
