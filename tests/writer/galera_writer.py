# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A test writer for Galera clusters: proves that a rolling change loses no acknowledged write.

Shared by Molecule scenarios (rotation, enable_tls); tests/writer/verify.yml is the matching
Ansible task file. Interface (state lives in one folder, so several writers can run at once):

  galera_writer.py start  --state DIR --host H1 --host H2 --user U --password-file F [options]
      Starts a background writer and returns once it has had its first write acknowledged
      (exit 1 if none within --ready-timeout). Every --interval seconds (default 0.05) it inserts
      one row with a unique id into <database>.writes over TLS, autocommit; a failed attempt closes
      the connection and fails over to the next host. The id of every acknowledged insert (the
      COMMIT returned OK) is recorded.
  galera_writer.py stop   --state DIR
      Stops it (SIGTERM, it finishes the attempt in flight) and prints the report as JSON, also
      written to DIR/report.json: run, attempts, failed_attempts, acknowledged, failovers,
      acknowledged_per_host, errors (message -> count), seconds, max_gap_ms (longest time
      between two acknowledged writes) and max_gap_ended (when it ended, UTC).
  galera_writer.py verify --state DIR --host H1 --host H2 --user U --password-file F
      Reads the table on every host (wsrep_sync_wait=1, so each read waits for the node to have
      applied everything) and prints JSON: lost_writes (acknowledged ids missing on any host, per
      host and in total), rows/checksum per host, identical (same rows on every host). Exit 1
      when any acknowledged write is missing or the hosts differ.

TLS: the writer encrypts but does not verify the server certificate, on purpose: it measures
availability while the certificates and CAs it would check against are being replaced; the
scenarios check the served certificates separately. The account needs INSERT, SELECT and CREATE
on the database. Only the Python standard library and PyMySQL are needed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import uuid

try:
    import pymysql
except ImportError:  # pragma: no cover - reported when used
    pymysql = None

TABLE_DDL = (
    'CREATE TABLE IF NOT EXISTS {db}.writes ('
    ' id VARCHAR(64) NOT NULL PRIMARY KEY,'
    ' run VARCHAR(32) NOT NULL,'
    ' seq BIGINT NOT NULL,'
    ' host VARCHAR(255) NOT NULL,'
    ' at DOUBLE NOT NULL,'
    ' KEY run_seq (run, seq)'
    ') ENGINE=InnoDB'
)


def _tls_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _connect(args, host: str, timeout: float):
    with open(args.password_file, encoding='utf-8') as handle:
        password = handle.read().strip()
    # --tls preferred (enable_tls starts from a plaintext cluster): no ssl argument, so PyMySQL
    # uses TLS when the server offers it and plaintext otherwise.
    tls = {'ssl': _tls_context()} if getattr(args, 'tls', 'required') == 'required' else {}
    return pymysql.connect(host=host, port=args.port, user=args.user, password=password,
                           connect_timeout=timeout, read_timeout=timeout, **tls,
                           write_timeout=timeout, autocommit=True)


def _read(path: str) -> str:
    with open(path, encoding='utf-8', errors='replace') as handle:
        return handle.read()


def _paths(state: str) -> dict:
    return {name: os.path.join(state, name)
            for name in ('pid', 'ready', 'report.json', 'acked.txt', 'writer.log', 'args.json')}


def run(args) -> int:
    """The writer loop (the background process)."""
    paths = _paths(args.state)
    stop = {'now': False}

    def _stop(_signum, _frame):
        stop['now'] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    run_id = args.run or time.strftime('%Y%m%dT%H%M%S') + '-' + uuid.uuid4().hex[:6]
    hosts = args.host
    current, conn, seq = 0, None, 0
    attempts = failed = failovers = 0
    per_host = {h: 0 for h in hosts}
    errors: dict[str, int] = {}
    acked_file = open(paths['acked.txt'], 'w', encoding='utf-8')  # pylint: disable=consider-using-with
    started = time.monotonic()
    last_ack = None
    max_gap = 0.0
    max_gap_ended = None
    next_at = time.monotonic()
    table_ready = False
    while not stop['now']:
        seq += 1
        row_id = f'{run_id}-{seq}'
        attempts += 1
        try:
            if conn is None:
                conn = _connect(args, hosts[current], args.timeout)
                if not table_ready:
                    with conn.cursor() as cur:
                        cur.execute(f'CREATE DATABASE IF NOT EXISTS {args.database}')
                        cur.execute(TABLE_DDL.format(db=args.database))
                    table_ready = True
            with conn.cursor() as cur:
                cur.execute(f'INSERT INTO {args.database}.writes (id, run, seq, host, at) VALUES (%s, %s, %s, %s, %s)',
                            (row_id, run_id, seq, hosts[current], time.time()))
            # autocommit: execute() returned, so the server acknowledged the commit.
            acked_file.write(row_id + '\n')
            acked_file.flush()
            per_host[hosts[current]] += 1
            now = time.monotonic()
            if last_ack is not None and now - last_ack > max_gap:
                max_gap = now - last_ack
                max_gap_ended = time.time()
            last_ack = now
            if not os.path.exists(paths['ready']):
                with open(paths['ready'], 'w', encoding='utf-8') as handle:
                    handle.write(run_id + '\n')
        except Exception as exc:  # pylint: disable=broad-except
            failed += 1
            message = f'{hosts[current]}: {type(exc).__name__}: {exc}'[:200]
            errors[message] = errors.get(message, 0) + 1
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # pylint: disable=broad-except
                    pass
            conn = None
            current = (current + 1) % len(hosts)
            failovers += 1
        next_at += args.interval
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        else:
            next_at = time.monotonic()
    acked_file.close()
    with open(paths['acked.txt'], encoding='utf-8') as handle:
        acknowledged = sum(1 for _line in handle)
    report = {
        'run': run_id,
        'hosts': hosts,
        'interval_ms': round(args.interval * 1000),
        'attempts': attempts,
        'failed_attempts': failed,
        'acknowledged': acknowledged,
        'failovers': failovers,
        'acknowledged_per_host': per_host,
        'errors': dict(sorted(errors.items(), key=lambda kv: -kv[1])[:10]),
        'seconds': round(time.monotonic() - started, 1),
        'max_gap_ms': round(max_gap * 1000),
        # When that longest gap ended (UTC), to find its cause in the nodes' journals.
        'max_gap_ended': (time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(max_gap_ended))
                          if max_gap_ended is not None else None),
    }
    tmp = paths['report.json'] + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as handle:
        json.dump(report, handle, indent=2)
    os.replace(tmp, paths['report.json'])
    return 0


def start(args) -> int:
    paths = _paths(args.state)
    os.makedirs(args.state, mode=0o700, exist_ok=True)
    if os.path.exists(paths['pid']):
        try:
            os.kill(int(_read(paths['pid'])), 0)
            print(f'a writer already runs for {args.state}', file=sys.stderr)
            return 1
        except (OSError, ValueError):
            pass
    for name in ('ready', 'report.json', 'acked.txt'):
        if os.path.exists(paths[name]):
            os.unlink(paths[name])
    argv = [sys.executable, os.path.abspath(__file__), 'run', '--state', args.state,
            '--user', args.user, '--password-file', args.password_file, '--port', str(args.port),
            '--database', args.database, '--interval', str(args.interval),
            '--timeout', str(args.timeout), '--tls', args.tls]
    for host in args.host:
        argv += ['--host', host]
    with open(paths['writer.log'], 'ab') as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                start_new_session=True)
    with open(paths['pid'], 'w', encoding='utf-8') as handle:
        handle.write(str(proc.pid))
    with open(paths['args.json'], 'w', encoding='utf-8') as handle:
        json.dump({'hosts': args.host, 'user': args.user, 'database': args.database}, handle)
    deadline = time.monotonic() + args.ready_timeout
    while time.monotonic() < deadline:
        if os.path.exists(paths['ready']):
            print(json.dumps({'started': True, 'pid': proc.pid,
                              'run': _read(paths['ready']).strip()}))
            return 0
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.terminate()
    tail = _read(paths['writer.log'])[-2000:]
    print(f'the writer had no write acknowledged within {args.ready_timeout} s: {tail}', file=sys.stderr)
    return 1


def stop(args) -> int:
    paths = _paths(args.state)
    try:
        pid = int(_read(paths['pid']))
    except (OSError, ValueError):
        print(f'no writer pid in {paths["pid"]}', file=sys.stderr)
        return 1
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            # Reap it when it is our child; otherwise just look whether it still exists.
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        if os.path.exists(paths['report.json']):
            break
        time.sleep(0.1)
    for _attempt in range(100):
        if os.path.exists(paths['report.json']):
            break
        time.sleep(0.1)
    os.unlink(paths['pid'])
    if not os.path.exists(paths['report.json']):
        print('the writer stopped without a report; see ' + paths['writer.log'], file=sys.stderr)
        return 1
    print(_read(paths['report.json']))
    return 0


def verify(args) -> int:
    paths = _paths(args.state)
    with open(paths['report.json'], encoding='utf-8') as handle:
        report = json.load(handle)
    with open(paths['acked.txt'], encoding='utf-8') as handle:
        acked = {line.strip() for line in handle if line.strip()}
    result = {'run': report['run'], 'acknowledged': len(acked), 'hosts': {}}
    sums = []
    lost_any = set()
    for host in args.host:
        conn = _connect(args, host, 30)
        try:
            with conn.cursor() as cur:
                # Wait until this node has applied every write committed anywhere before reading.
                cur.execute('SET SESSION wsrep_sync_wait = 1')
                cur.execute(f'SELECT id FROM {args.database}.writes WHERE run = %s', (report['run'],))
                present = {row[0] for row in cur.fetchall()}
                cur.execute(f'SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(CONCAT_WS("|", id, run, seq, host, at))), 0) '
                            f'FROM {args.database}.writes')
                rows, checksum = cur.fetchone()
        finally:
            conn.close()
        lost = acked - present
        lost_any |= lost
        sums.append((int(rows), int(checksum)))
        result['hosts'][host] = {'rows_total': int(rows), 'checksum': int(checksum),
                                 'rows_this_run': len(present), 'lost_writes': len(lost),
                                 'lost_sample': sorted(lost)[:5]}
    result['lost_writes'] = len(lost_any)
    result['identical'] = len(set(sums)) == 1
    print(json.dumps(result, indent=2))
    return 0 if not lost_any and result['identical'] else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('command', choices=['start', 'stop', 'verify', 'run'])
    parser.add_argument('--state', required=True, help='folder for pid, acknowledged ids and report')
    parser.add_argument('--host', action='append', default=[], help='a node; give each one (failover order)')
    parser.add_argument('--port', type=int, default=3306)
    parser.add_argument('--user', default='dbtls_writer')
    parser.add_argument('--password-file', help='file holding the password (kept off the command line)')
    parser.add_argument('--database', default='dbtls_writer')
    parser.add_argument('--interval', type=float, default=0.05, help='seconds between two attempts')
    # 10 s, not less: a Galera membership change (a node or garbd joining) pauses commits on every
    # node for 1-3 s while the new view is agreed, more on a loaded machine; an application with
    # the usual client timeouts sees that as latency, not as a failed write, and so does the writer.
    # max_gap_ms in the report shows such a pause.
    parser.add_argument('--timeout', type=float, default=10.0, help='connect/read/write timeout per attempt')
    parser.add_argument('--ready-timeout', type=float, default=60.0)
    parser.add_argument('--tls', choices=['required', 'preferred'], default='required',
                        help='required: always TLS; preferred: TLS when the server offers it (plaintext clusters)')
    parser.add_argument('--run', default='', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.command in ('start', 'verify', 'run'):
        if pymysql is None:
            parser.error('PyMySQL is not installed for ' + sys.executable)
        if not args.host or not args.password_file:
            parser.error(f'{args.command} needs --host and --password-file')
    return {'start': start, 'stop': stop, 'verify': verify, 'run': run}[args.command](args)


if __name__ == '__main__':
    sys.exit(main())
