# Copyright: dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_state: the one-pass read of a Galera node, with real files and real openssl where it matters."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
import socket
import subprocess
import time

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import node_state

ROLE_DH = pathlib.Path(__file__).parents[4] / 'roles' / 'galera_tls' / 'files' / 'dhparams-ffdhe2048.pem'
MARIADB_KEYRING = '^(plugin-load|plugin-load-add)=.*key_management|^(file|hashicorp|aws)-key-management-'


def run_real(argv, data=None):
    proc = subprocess.run(argv, input=(data + '\n') if data is not None else None, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_provider_options_last_occurrence_wins():
    lines = ['--wsrep_provider_options=gcache.size=1G', '--datadir=/x', '--wsrep-provider-options=socket.ssl=YES;a=b']
    assert node_state.provider_options(lines) == 'socket.ssl=YES;a=b'
    assert node_state.provider_options(['--datadir=/x']) == ''


def test_keyring_options_normalized_secret_hidden_plugin_load_add_adds_up():
    lines = ['--plugin_load_add=file_key_management', '--loose-file-key-management-filekey=s3cret',
             '--file_key_management_filename=/k1', '--file-key-management-filename=/k2',
             '--plugin-load-add=aws_key_management', '--innodb_buffer_pool_size=1G']
    options = node_state.keyring_options(lines, MARIADB_KEYRING)
    shown = [o['shown'] for o in options]
    assert shown == ['plugin-load-add=file_key_management', 'plugin-load-add=aws_key_management',
                     'file-key-management-filekey=(value hidden)', 'file-key-management-filename=/k2']
    secret = options[2]
    assert secret['value'] == '' and 's3cret' not in repr(options)
    assert secret['digest'] == hashlib.sha256(b'file-key-management-filekey=s3cret').hexdigest()


def test_keyring_settings_digest_key_file_content(tmp_path):
    key = tmp_path / 'key'
    key.write_text('1;aa\n')
    options = node_state.keyring_options([f'--file_key_management_filename={key}'], MARIADB_KEYRING)
    settings = node_state.keyring_settings(options, ['file-key-management-filename'], [str(tmp_path / 'absent.cnf')])
    assert settings[-1] == {'shown': f'content of {key}', 'digest': hashlib.sha256(b'1;aa\n').hexdigest()}
    assert len(settings) == 2


@pytest.mark.skipif(not shutil.which('openssl'), reason='needs openssl')
def test_dhparams_checked_by_real_openssl(tmp_path):
    good = node_state.dhparams_check(*run_real(['openssl', 'dhparam', '-in', str(ROLE_DH), '-check', '-text', '-noout']))
    assert good['ok'] and good['bits'] == 2048 and good['error'] == ''
    bad = tmp_path / 'bad.pem'
    bad.write_text('-----BEGIN DH PARAMETERS-----\nnot base64\n-----END DH PARAMETERS-----\n')
    verdict = node_state.dhparams_check(*run_real(['openssl', 'dhparam', '-in', str(bad), '-check', '-text', '-noout']))
    assert not verdict['ok'] and verdict['error']


def test_path_entry_without_following_links(tmp_path):
    target = tmp_path / 'peer.crt'
    target.write_text('pem')
    link = tmp_path / 'server-cert.pem'
    link.symlink_to(target)
    entry = node_state.path_entry(str(link), follow=False, checksum=True)
    assert entry['exists'] and entry['link'] and not entry['regular'] and entry['link_target'] == str(target)
    assert entry['checksum'] == ''
    regular = node_state.path_entry(str(target), follow=False, checksum=True)
    assert regular['regular'] and regular['checksum'] == hashlib.sha256(b'pem').hexdigest()
    assert node_state.path_entry(str(tmp_path / 'none'), follow=False)['exists'] is False


def test_read_node_one_pass(tmp_path):
    sock_path = str(tmp_path / 'mysqld.sock')
    server = socket.socket(socket.AF_UNIX)
    server.bind(sock_path)
    (tmp_path / 'ca.pem').write_text('generated')
    calls = []

    def run(argv, data=None):
        calls.append(argv[1] if len(argv) > 1 else argv[0])
        if argv[0] == '/bin/systemctl':
            return 0, 'ActiveState=active\nSubState=running\n', ''
        if argv[0] == 'print':
            return 0, '--wsrep_provider_options=socket.ssl=YES\n', ''
        if argv[0] == '/usr/bin/socat':
            return 0, '#define WITH_OPENSSL 1\n', ''
        return 1, '', 'unable to load DH parameters'

    def query():
        return {'status': {'wsrep_cluster_status': 'Primary'}, 'provider_options': 'socket.ssl=YES', 'provider_plugin_active': True,
                'ssl_cert': '/etc/dbtls/tls/peer.crt'}

    params = {'service': 'mariadb', 'login_unix_socket': sock_path, 'print_defaults': ['print'],
              'keyring_option_pattern': MARIADB_KEYRING, 'datadir': str(tmp_path),
              'datadir_files': {'ca': 'ca.pem', 'cert': 'server-cert.pem'}, 'dhparams_path': str(tmp_path / 'dh.pem'),
              'check_socat': True}
    tools = {'systemctl': '/bin/systemctl', 'socat': '/usr/bin/socat', 'openssl': '/usr/bin/openssl'}
    result = node_state.read_galera_node(run, query, params, tools.get)
    server.close()
    assert result['service']['active_state'] == 'active'
    # No MainPID from this systemctl: no process, no start time.
    assert result['service']['started'] is None and 'main_pid' not in result['service']
    assert result['socket'] is True
    assert result['sql']['queried'] and result['sql']['status']['wsrep_cluster_status'] == 'Primary'
    assert result['sql']['provider_plugin_active'] is True
    assert result['sql']['ssl_cert'] == '/etc/dbtls/tls/peer.crt'
    assert result['option_files']['provider_options'] == 'socket.ssl=YES'
    assert result['datadir_files']['ca']['exists'] and not result['datadir_files']['cert']['exists']
    assert result['dhparams']['current'] == {'ok': False, 'bits': 0, 'error': 'unable to load DH parameters'}
    assert 'wanted' not in result['dhparams']
    assert result['socat_openssl'] is True


def test_read_node_reports_instead_of_raising():
    def run(argv, data=None):
        return 1, '', 'my_print_defaults: [ERROR] Found option without preceding group'

    def query():
        raise RuntimeError("(1698, \"Access denied for user 'root'@'localhost'\")")

    params = {'service': 'mariadb', 'login_unix_socket': os.devnull, 'print_defaults': ['my_print_defaults', '--mysqld'],
              'dhparams_wanted': 'x', 'check_socat': True}
    result = node_state.read_galera_node(run, query, params, {'systemctl': '/bin/systemctl'}.get)
    # /dev/null is no socket: the server is not queried at all.
    assert result['socket'] is False and not result['sql']['queried'] and result['sql']['error'] == ''
    assert result['option_files']['error'].startswith('my_print_defaults --mysqld failed: my_print_defaults: [ERROR]')
    assert result['dhparams']['wanted'] == {'ok': False, 'bits': 0, 'error': 'openssl not found on the node'}
    assert result['socat_openssl'] is False
    assert result['service']['error']


def test_read_node_sql_error_is_returned(tmp_path):
    sock_path = str(tmp_path / 's.sock')
    server = socket.socket(socket.AF_UNIX)
    server.bind(sock_path)

    def query():
        raise RuntimeError('Access denied')

    result = node_state.read_galera_node(lambda argv, data=None: (0, '', ''), query,
                                         {'service': 'mariadb', 'login_unix_socket': sock_path}, {'systemctl': 'systemctl'}.get)
    server.close()
    assert result['sql'] == {'queried': False, 'driver': True, 'error': 'Access denied', 'status': {}, 'provider_options': '',
                             'provider_plugin_active': False, 'accounts': [],
                             'ssl_cert': ''}


def test_read_served_ports_file_and_units():
    pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    calls = []

    def run(argv, data=None):
        calls.append((argv, data))
        if argv[1:3] == ['x509', '-noout'] and '-in' in argv:
            return 0, 'sha256 Fingerprint=AA:BB\n', ''
        if argv[1] == 's_client' and argv[3].endswith(':4567'):
            return 0, 'CONNECTED\n' + pem + '\n' + pem.replace('MIIB', 'MIIC') + '\n', ''
        if argv[1] == 's_client':
            return 1, '', 'connect:errno=111\nconnect: Connection refused\n'
        if argv[1:3] == ['x509', '-noout']:
            assert data == pem  # the first certificate the port sent
            return 0, 'SHA256 Fingerprint=AA:BB\n', ''
        if argv[1] == 'show' and argv[2] == 'mariadb':
            return 0, 'MainPID=42\nActiveState=active\nExecMainStartTimestamp=Sun 2026-12-06 09:00:00 UTC\nInvocationID=0f1e\n', ''
        if argv[1] == 'show':
            return 0, 'MainPID=0\nActiveState=inactive\nExecMainStartTimestamp=\n', ''
        if argv[0] == '/bin/date':
            return 0, '1796547600\n', ''
        raise AssertionError(argv)

    tools = {'openssl': '/usr/bin/openssl', 'systemctl': '/bin/systemctl', 'date': '/bin/date'}
    params = {'ports': [{'port': 4567, 'client_cert': True}, {'port': 3306, 'starttls': 'mysql'}],
              'cert': '/etc/dbtls/tls/peer.crt', 'client_cert': '/c.crt', 'client_key': '/c.key',
              'units': ['mariadb', 'garb']}
    result = node_state.read_served(run, params, tools.get, lambda: 1796550000.7)
    assert result['now'] == 1796550000
    assert result['cert_fingerprint'] == 'AA:BB'
    assert result['ports'][0] == {'port': 4567, 'fingerprint': 'AA:BB', 'error': ''}
    assert result['ports'][1]['fingerprint'] == '' and 'Connection refused' in result['ports'][1]['error']
    assert result['units']['mariadb'] == {'main_pid': 42, 'active_state': 'active', 'started': 1796547600, 'invocation': '0f1e'}
    assert result['units']['garb']['started'] is None and result['units']['garb']['invocation'] == ''
    assert result['started'] == 1796547600
    s_client = [argv for argv, _data in calls if argv[1] == 's_client']
    assert s_client[0][-6:] == ['-cert', '/c.crt', '-key', '/c.key', '-cert_chain', '/c.crt'] and s_client[1][-2:] == ['-starttls', 'mysql']


def test_read_node_reads_the_served_ports_only_where_the_server_runs(tmp_path):
    pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'
    calls = []

    def run(argv, data=None):
        calls.append(argv)
        if argv[1] == 's_client':
            return 0, 'CONNECTED\n' + pem + '\n', ''
        if argv[1] == 'x509':
            return 0, 'sha256 Fingerprint=AA:BB\n', ''
        return 0, 'ActiveState=active\n', ''

    params = {'service': 'mariadb', 'served_ports': [{'port': 3306, 'starttls': 'mysql'}, {'port': 4567, 'client_cert': True}],
              'served_client_cert': '/c.crt', 'served_client_key': '/c.key'}
    tools = {'openssl': '/usr/bin/openssl', 'systemctl': '/bin/systemctl'}.get
    # No socket: the server does not run, and nothing is read from its ports.
    stopped = node_state.read_galera_node(run, None, dict(params, login_unix_socket=str(tmp_path / 'none.sock')), tools)
    assert stopped['served_ports'] == [] and not [argv for argv in calls if argv[1] == 's_client']
    sock_path = str(tmp_path / 'mysqld.sock')
    server = socket.socket(socket.AF_UNIX)
    server.bind(sock_path)
    running = node_state.read_galera_node(run, None, dict(params, login_unix_socket=sock_path), tools)
    server.close()
    assert running['served_ports'] == [{'port': 3306, 'fingerprint': 'AA:BB', 'error': ''},
                                       {'port': 4567, 'fingerprint': 'AA:BB', 'error': ''}]
    s_client = [argv for argv in calls if argv[1] == 's_client']
    assert s_client[0][-2:] == ['-starttls', 'mysql'] and s_client[1][-6:] == ['-cert', '/c.crt', '-key', '/c.key', '-cert_chain', '/c.crt']


def test_read_served_with_the_journal_since_a_change():
    seen = []

    def run(argv, data=None):
        seen.append(argv)
        if argv[1] == 'show':
            return 0, 'MainPID=42\nActiveState=active\nExecMainStartTimestamp=\n', ''
        if argv[0] == '/bin/journalctl':
            return 0, journal_json(('r2', 'WSREP: IST received'), ('r2', 'ready for connections')), ''
        raise AssertionError(argv)

    tools = {'systemctl': '/bin/systemctl', 'journalctl': '/bin/journalctl'}
    result = node_state.read_served(run, {'units': ['mariadb'], 'journal_since': 1796547600}, tools.get, lambda: 1796550000)
    assert result['units']['mariadb']['main_pid'] == 42
    assert result['journal']['lines'] == ['WSREP: IST received', 'ready for connections']
    assert ['/bin/journalctl', '--no-pager', '--all', '-o', 'json', '-u', 'mariadb', '--since', '@1796547600'] in seen
    # Without journal_since no journal is read.
    seen.clear()
    assert 'journal' not in node_state.read_served(run, {'units': ['mariadb']}, tools.get, lambda: 0)
    assert not [argv for argv in seen if argv[0] == '/bin/journalctl']


def test_read_served_refuses_an_unreadable_certificate_file():
    def run(argv, data=None):
        return 1, '', 'Could not open file or uri for loading certificate from /x.crt\n'

    with pytest.raises(ValueError, match='/x.crt: cannot read its fingerprint: Could not open file'):
        node_state.read_served(run, {'cert': '/x.crt'}, {'openssl': '/usr/bin/openssl'}.get, lambda: 0)


def test_read_host_paths_contents_units(tmp_path):
    cert = tmp_path / 'peer.crt'
    cert.write_text('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n')
    os.chmod(cert, 0o644)
    key = tmp_path / 'peer.key'
    key.write_text('-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n')
    os.chmod(key, 0o640)

    def run(argv, data=None):
        return 0, 'ActiveState=active\nSubState=running\nUnitFileState=enabled\n', ''

    result = node_state.read_host(run, {'paths': [str(key), str(tmp_path / 'none')], 'contents': [str(cert)],
                                        'units': ['vtgate.service']}, {'systemctl': '/bin/systemctl'}.get)
    entry = result['paths'][str(key)]
    assert entry['exists'] and entry['regular'] and entry['mode'] == '0640' and not entry['world_readable']
    assert entry['mtime'] == os.stat(key).st_mtime
    assert result['paths'][str(tmp_path / 'none')]['exists'] is False
    assert result['contents'][str(cert)].startswith('-----BEGIN CERTIFICATE-----')
    assert result['units']['vtgate.service']['unit_file_state'] == 'enabled'
    assert result['units']['vtgate.service']['started'] is None and 'main_pid' not in result['units']['vtgate.service']
    # A key is never read off the host.
    with pytest.raises(ValueError, match='holds a private key'):
        node_state.read_host(run, {'contents': [str(key)]}, {}.get)
    with pytest.raises(ValueError, match='cannot be read'):
        node_state.read_host(run, {'contents': [str(tmp_path / 'none')]}, {}.get)


def journal_json(*entries):
    """``journalctl -o json`` output: one JSON object per (invocation id, message); an id starting
    with 'pid1:' is systemd's own line about that run (INVOCATION_ID, not _SYSTEMD_INVOCATION_ID)."""
    out = []
    for invocation, message in entries:
        entry = {'MESSAGE': message}
        if invocation.startswith('pid1:'):
            entry['INVOCATION_ID'] = invocation[5:]
        elif invocation:
            entry['_SYSTEMD_INVOCATION_ID'] = invocation
        out.append(json.dumps(entry))
    return '\n'.join(out) + '\n'


def test_cause_line_picks_the_line_naming_the_cause():
    lines = ['[Note] WSREP: starting', '[ERROR] SSL error: Unable to get private key', '[ERROR] Aborting',
             'mariadb.service: Failed with result exit-code.']
    # The caller's pattern first: the line that names the cause, not the ones after it.
    assert node_state.cause_line(lines, ['SSL error', '(?i)failed']) == '[ERROR] SSL error: Unable to get private key'
    assert node_state.cause_line(lines) == '[ERROR] SSL error: Unable to get private key'
    assert node_state.cause_line(['started', 'stopped']) is None
    # A refused or aborted client connection is no cause when an error was logged.
    assert node_state.cause_line(['[Warning] Aborted connection 12', 'WSREP: ERROR: SSL handshake']) == 'WSREP: ERROR: SSL handshake'
    assert node_state.cause_line([]) is None


def test_read_service_log_since_and_units():
    seen = []

    def run(argv, data=None):
        seen.append(argv)
        return 0, journal_json(('r1', 'a'), ('r1', 'wsrep: certificate verify failed'), ('pid1:r1', 'b')), ''

    result = node_state.read_service_log(run, {'units': ['mariadb'], 'since': 1796547600}, {'journalctl': '/bin/journalctl'}.get)
    assert seen[0] == ['/bin/journalctl', '--no-pager', '--all', '-o', 'json', '-u', 'mariadb', '--since', '@1796547600']
    assert result == {'lines': ['a', 'wsrep: certificate verify failed', 'b'], 'excerpt': 'wsrep: certificate verify failed'}
    node_state.read_service_log(run, {'units': [], 'lines': 5}, {'journalctl': '/bin/journalctl'}.get)
    assert seen[1][-2:] == ['-n', '5']


def test_read_service_log_quotes_each_run_cause_once_and_skips_the_run_before_the_restart():
    # garbd under Restart=on-failure: the old run's shutdown, then three failed runs - the first
    # with a different first error than the two after it.
    journal = journal_json(
        ('old', '2026-12-07 06:24:25.100 ERROR: exception from the old run'),
        ('pid1:old', 'Stopping garb.service - Galera Arbitrator Daemon...'),
        ('a', '2026-12-07 06:24:26.574 ERROR: failed to open gcomm backend connection: 3: Failed to read thread schedparams'),
        ('a', '2026-12-07 06:24:26.575 ERROR: gcs_open(): Failed to open channel'),
        ('pid1:a', 'garb.service: Main process exited, code=exited, status=1/FAILURE'),
        ('b', "2026-12-07 06:24:31.600 ERROR: failed to open gcomm backend connection: 22: Bad value 'bogus' for parameter 'x'"),
        ('c', "2026-12-07 06:24:36.700 ERROR: failed to open gcomm backend connection: 22: Bad value 'bogus' for parameter 'x'"),
        ('', 'a line without a run'))

    def run(argv, data=None):
        return 0, journal, ''

    tools = {'journalctl': '/bin/journalctl'}.get
    result = node_state.read_service_log(run, {'units': ['garb'], 'since': 1, 'skip_invocation': 'old'}, tools)
    assert result['excerpt'] == ('2026-12-07 06:24:26.574 ERROR: failed to open gcomm backend connection: 3: Failed to read thread schedparams'
                                 " | 2026-12-07 06:24:31.600 ERROR: failed to open gcomm backend connection: 22: Bad value 'bogus' for parameter 'x'")
    assert 'Stopping garb.service - Galera Arbitrator Daemon...' not in result['lines'] and len(result['lines']) == 6
    # Without skip_invocation the old run's error is quoted first.
    assert node_state.read_service_log(run, {'units': ['garb']}, tools)['excerpt'].startswith('2026-12-07 06:24:25.100 ERROR: exception')
    # At most three causes: the first and the latest two (the last run's cause is always quoted).
    many = journal_json(*[(f'r{n}', f'ERROR: cause {n}') for n in range(5)])
    assert node_state.read_service_log(lambda argv, data=None: (0, many, ''), {}, tools)['excerpt'] == 'ERROR: cause 0 | ... | ERROR: cause 3 | ERROR: cause 4'
    three = journal_json(*[(f'r{n}', f'ERROR: cause {n}') for n in range(3)])
    assert node_state.read_service_log(lambda argv, data=None: (0, three, ''), {}, tools)['excerpt'] == 'ERROR: cause 0 | ERROR: cause 1 | ERROR: cause 2'


def test_read_service_log_without_a_cause_line_bytes_messages_and_failures():
    tools = {'journalctl': '/bin/journalctl'}.get
    # No line names a cause: the last line read.
    quiet = journal_json(('r1', 'started'), ('pid1:r1', 'garb.service: Deactivated successfully.'))
    assert node_state.read_service_log(lambda argv, data=None: (0, quiet, ''), {}, tools)['excerpt'] == 'garb.service: Deactivated successfully.'
    assert node_state.read_service_log(lambda argv, data=None: (0, '', ''), {}, tools) == {'lines': [], 'excerpt': '(empty journal)'}
    # journalctl gives a message that is not UTF-8 as a list of byte values; a multi-line message is several lines.
    raw = json.dumps({'MESSAGE': list(b'ERROR: bad \xff byte'), '_SYSTEMD_INVOCATION_ID': 'r1'}) + '\n' + json.dumps({'MESSAGE': 'one\ntwo'}) + '\n'
    result = node_state.read_service_log(lambda argv, data=None: (0, raw, ''), {}, tools)
    assert result['lines'] == ['ERROR: bad \ufffd byte', 'one', 'two'] and result['excerpt'] == 'ERROR: bad \ufffd byte'
    failed = node_state.read_service_log(lambda argv, data=None: (1, '', 'Failed to add filter for units: No data available\n'), {}, tools)
    assert failed == {'lines': ['journalctl failed: Failed to add filter for units: No data available'],
                      'excerpt': 'journalctl failed: Failed to add filter for units: No data available'}
    assert node_state.read_service_log(None, {}, {}.get) == {'lines': [], 'excerpt': '(no journalctl on the host)'}


def test_read_service_log_current_run_reads_the_active_units_run_only():
    seen = []
    journal = journal_json(('r2', 'Shifting JOINED -> SYNCED'), ('pid1:r2', 'Started garb.service'))

    def run(argv, data=None):
        seen.append(argv)
        if argv[1] == 'show':
            return 0, 'ActiveState=active\nInvocationID=r2\n', ''
        return 0, journal, ''

    tools = {'journalctl': '/bin/journalctl', 'systemctl': '/bin/systemctl'}.get
    result = node_state.read_service_log(run, {'units': ['garb'], 'current_run': True, 'since': 5}, tools)
    # The run's own lines and systemd's, whatever their age (since does not apply).
    assert seen[1] == ['/bin/journalctl', '--no-pager', '--all', '-o', 'json', '_SYSTEMD_INVOCATION_ID=r2', '+', 'INVOCATION_ID=r2']
    assert result == {'lines': ['Shifting JOINED -> SYNCED', 'Started garb.service'], 'excerpt': 'Started garb.service', 'active': True}


def test_read_service_log_current_run_of_an_inactive_unit_or_several_units():
    tools = {'journalctl': '/bin/journalctl', 'systemctl': '/bin/systemctl'}.get
    calls = []

    def inactive(argv, data=None):
        calls.append(argv)
        return 0, 'ActiveState=activating\nInvocationID=r3\n', ''

    # A unit restarting after a failure has no run that could have synced: no journal read.
    assert node_state.read_service_log(inactive, {'units': ['garb'], 'current_run': True}, tools) == {
        'lines': [], 'excerpt': 'garb is not active (activating)', 'active': False}
    assert len(calls) == 1
    with pytest.raises(ValueError, match='one unit; units has 2'):
        node_state.read_service_log(inactive, {'units': ['garb', 'mariadb'], 'current_run': True}, tools)
    assert node_state.read_service_log(inactive, {'units': ['garb'], 'current_run': True}, {}.get)['active'] is False


def test_process_started_from_proc(tmp_path):
    ticks = os.sysconf('SC_CLK_TCK')
    (tmp_path / 'stat').write_text('cpu  1 2 3\nbtime 1796540000\nprocesses 9\n')
    (tmp_path / '42').mkdir()
    # The command name may hold spaces and parentheses; the start time is the 22nd field.
    fields = ['S'] + ['0'] * 18 + [str(300 * ticks)] + ['0'] * 10
    (tmp_path / '42' / 'stat').write_text('42 (vt gate (x)) ' + ' '.join(fields) + '\n')
    # Without /proc/uptime: btime, whole seconds.
    assert node_state.process_started(42, str(tmp_path)) == 1796540300
    assert node_state.process_started(0, str(tmp_path)) is None
    assert node_state.process_started(43, str(tmp_path)) is None
    # With it, the boot time to the hundredth: booted at ...000.6 (btime says ...000), started 300.5 s
    # later, at ...301.1 - truncated to ...301 (from btime: ...300, which a file written at ...301.0,
    # before the start, would count as changed after it).
    (tmp_path / 'uptime').write_text('400.20 700.00\n')
    (tmp_path / '44').mkdir()
    fields_44 = ['S'] + ['0'] * 18 + [str(int(300.5 * ticks))] + ['0'] * 10
    (tmp_path / '44' / 'stat').write_text('44 (mariadbd) ' + ' '.join(fields_44) + '\n')
    assert node_state.process_started(44, str(tmp_path), clock=lambda: 1796540400.8) == 1796540301
    (tmp_path / 'uptime').unlink()

    def run(argv, data=None):
        return 0, 'ActiveState=active\nSubState=running\nUnitFileState=enabled\nMainPID=42\n', ''

    units = node_state.read_host(run, {'units': ['vtgate.service']}, {'systemctl': '/bin/systemctl'}.get, str(tmp_path))['units']
    assert units == {'vtgate.service': {'active_state': 'active', 'sub_state': 'running', 'unit_file_state': 'enabled',
                                        'started': 1796540300, 'error': ''}}
    node = node_state.read_galera_node(run, None, {'service': 'mariadb'}, {'systemctl': '/bin/systemctl'}.get, str(tmp_path))
    assert node['service']['started'] == 1796540300
    # The real /proc: this process started before now, after boot.
    assert 0 < node_state.process_started(os.getpid()) <= time.time() + 1


def test_changed_after_start_counts_beyond_the_start_precision(tmp_path):
    started = 1796540300
    paths = {'/a': {'path': '/a', 'mtime': started + 1.5},   # changed after the start: not read
             '/b': {'path': '/b', 'mtime': started + 0.9},   # within the start's precision: read
             '/c': {'path': '/c', 'mtime': started - 60},    # before the start: read
             '/d': {'path': '/d', 'exists': False}}          # no change time
    assert node_state.changed_after_start(paths, started) == ['/a']
    assert node_state.changed_after_start(paths, started, ['/b', '/a', '/missing']) == ['/a']
    assert node_state.changed_after_start(paths, started + 1, ['/a']) == []
    # No running process: nothing it has not read.
    assert node_state.changed_after_start(paths, None) == []
    # With the entries path_entry reads from a real file.
    real = tmp_path / 'peer.crt'
    real.write_text('x')
    entry = node_state.path_entry(str(real))
    assert node_state.changed_after_start({str(real): entry}, entry['mtime'] - 5) == [str(real)]
    assert node_state.changed_after_start({str(real): entry}, entry['mtime']) == []
