# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Workload and report of the TLS overhead benchmark (called by benchmarks/tls_overhead/run).

measure: single-row autocommit INSERTs from N PyMySQL threads into node1 (each one a Galera
commit, certified on node2 before it returns), then optionally point SELECTs; prints one JSON
object with commits/s and latency percentiles, the client's TLS session as the server saw it,
and what Galera counted on both nodes.
report: the median and spread over rounds per combination, as JSON, a text table and Markdown.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import sys
import threading
import time

TABLE = 'dbtls_bench.commits'
PAYLOAD = 'x' * 100
COMBINATIONS = (
    ('off', 'off'),
    ('off', 'on'),
    ('on', 'off'),
    ('on', 'on'),
)


def connect(args, host):
    """One connection; with --ca the client verifies the server's chain and name (host or IP)."""
    # Imported here: only measuring needs PyMySQL (the test bed's venv has it), the report does not.
    import pymysql  # pylint: disable=import-outside-toplevel
    kwargs = {
        'host': host,
        'port': args.port,
        'user': args.user,
        'password': args.password,
        'autocommit': True,
        'connect_timeout': 30,
    }
    if args.ca:
        kwargs.update(ssl_ca=args.ca, ssl_verify_cert=True, ssl_verify_identity=True)
    else:
        # PyMySQL 2.2 tries TLS by default (unverified, "preferred"): off must be said explicitly.
        kwargs['ssl_disabled'] = True
    return pymysql.connect(**kwargs)


def session_tls(conn):
    """The TLS version and cipher of this session as the server reports them ('' when plain)."""
    with conn.cursor() as cur:
        cur.execute("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')")
        found = dict(cur.fetchall())
    return found.get('Ssl_version', ''), found.get('Ssl_cipher', '')


def galera_status(conn, names):
    with conn.cursor() as cur:
        cur.execute('SHOW GLOBAL STATUS WHERE Variable_name IN (%s)' % ', '.join(['%s'] * len(names)), names)
        return dict(cur.fetchall())


def percentile(sorted_values, pct):
    """Nearest-rank percentile of an already sorted list (seconds in, milliseconds out)."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-pct * len(sorted_values) // 100)))
    return round(sorted_values[rank - 1] * 1000.0, 3)


def run_phase(conns, warmup, seconds, operation):
    """Run operation(thread_index, cursor) in every thread; time only what starts and ends inside
    the window after the warm-up. Returns the latencies (s) and the first error, if any."""
    barrier = threading.Barrier(len(conns) + 1)
    latencies = [[] for dummy in conns]
    errors = []
    window = {}

    def worker(idx, conn):
        lat = latencies[idx]
        perf = time.perf_counter
        try:
            with conn.cursor() as cur:
                barrier.wait()
                start, end = window['start'], window['end']
                while True:
                    t0 = perf()
                    if t0 >= end:
                        break
                    operation(idx, cur)
                    t1 = perf()
                    if t0 >= start and t1 <= end:
                        lat.append(t1 - t0)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append('thread %d: %s' % (idx, exc))

    threads = [threading.Thread(target=worker, args=(i, c), daemon=True) for i, c in enumerate(conns)]
    for thread in threads:
        thread.start()
    now = time.perf_counter()
    window['start'] = now + warmup
    window['end'] = now + warmup + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    merged = sorted(v for lat in latencies for v in lat)
    return merged, errors


def phase_result(latencies, seconds):
    return {
        'operations': len(latencies),
        'per_second': round(len(latencies) / seconds, 1),
        'p50_ms': percentile(latencies, 50),
        'p95_ms': percentile(latencies, 95),
        'p99_ms': percentile(latencies, 99),
        'max_ms': round(latencies[-1] * 1000.0, 3) if latencies else None,
    }


def measure(args):
    with open(args.password_file, encoding='utf-8') as handle:
        args.password = handle.read().strip()
    result = {
        'replication_tls': args.replication_tls,
        'client_tls': 'on' if args.ca else 'off',
        'round': args.round,
        'threads': args.threads,
        'seconds': args.seconds,
        'warmup_seconds': args.warmup,
        'started': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'load_before': list(os.getloadavg()),
    }
    admin1 = connect(args, args.node1)
    admin2 = connect(args, args.node2)
    with admin1.cursor() as cur:
        # A fresh table for every measurement: the same starting state whatever ran before.
        cur.execute('DROP TABLE IF EXISTS %s' % TABLE)
        cur.execute('CREATE TABLE %s (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, thread INT NOT NULL, '
                    'payload VARCHAR(200) NOT NULL) ENGINE=InnoDB' % TABLE)
    conns = [connect(args, args.node1) for dummy in range(args.threads)]
    sessions = sorted({session_tls(c) for c in conns} | {session_tls(admin1), session_tls(admin2)})
    # The server's view of every session decides, not the client's wish: a "TLS on" run over a
    # plain session (or the reverse) must not produce a figure.
    want_tls = bool(args.ca)
    if any(bool(version) != want_tls for version, _cipher in sessions):
        raise SystemExit('client TLS %s wanted, but the server reports sessions %s' % (result['client_tls'], sessions))
    result['client_sessions'] = [{'version': v, 'cipher': c} for v, c in sessions]

    counters = ('wsrep_replicated', 'wsrep_replicated_bytes', 'wsrep_received', 'wsrep_last_committed')
    before1, before2 = galera_status(admin1, counters), galera_status(admin2, counters)

    def insert(idx, cur):
        cur.execute('INSERT INTO ' + TABLE + ' (thread, payload) VALUES (%s, %s)', (idx, PAYLOAD))

    latencies, errors = run_phase(conns, args.warmup, args.seconds, insert)
    if errors:
        raise SystemExit('write phase failed: %s' % '; '.join(errors))
    result['write'] = phase_result(latencies, args.seconds)

    after1, after2 = galera_status(admin1, counters), galera_status(admin2, counters)
    with admin1.cursor() as cur:
        cur.execute('SELECT COUNT(*) FROM ' + TABLE)
        rows1 = cur.fetchone()[0]
    with admin2.cursor() as cur:
        # wsrep_sync_wait: node2 applies everything certified so far before it answers.
        cur.execute('SET SESSION wsrep_sync_wait = 1')
        cur.execute('SELECT COUNT(*) FROM ' + TABLE)
        rows2 = cur.fetchone()[0]
    replicated = int(after1['wsrep_replicated']) - int(before1['wsrep_replicated'])
    received = int(after2['wsrep_received']) - int(before2['wsrep_received'])
    result['galera'] = {
        'node1_replicated_writesets': replicated,
        'node1_replicated_bytes': int(after1['wsrep_replicated_bytes']) - int(before1['wsrep_replicated_bytes']),
        'node2_received_writesets': received,
        'node1_rows': rows1,
        'node2_rows': rows2,
    }
    # Every commit went through Galera: node1 replicated at least one writeset per insert, node2
    # received them and holds the same rows.
    if not (rows1 == rows2 and replicated >= rows1 and received >= rows1 >= result['write']['operations']):
        raise SystemExit('Galera did not replicate every commit: %s' % result['galera'])

    if args.read_seconds > 0:
        with admin1.cursor() as cur:
            cur.execute('SELECT id FROM ' + TABLE)
            ids = [row[0] for row in cur.fetchall()]
        pools = [random.Random(i) for i in range(args.threads)]

        def select(idx, cur):
            cur.execute('SELECT payload FROM ' + TABLE + ' WHERE id = %s', (pools[idx].choice(ids),))
            if cur.fetchone() is None:
                raise RuntimeError('a row that was read back is missing')

        latencies, errors = run_phase(conns, min(args.warmup, 2.0), args.read_seconds, select)
        if errors:
            raise SystemExit('read phase failed: %s' % '; '.join(errors))
        result['read'] = phase_result(latencies, args.read_seconds)
        result['read']['seconds'] = args.read_seconds

    for conn in conns + [admin1, admin2]:
        conn.close()
    result['load_after'] = list(os.getloadavg())
    json.dump(result, sys.stdout)
    sys.stdout.write('\n')
    return 0


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return {'median': None, 'min': None, 'max': None, 'values': []}
    return {'median': round(statistics.median(values), 3), 'min': min(values), 'max': max(values), 'values': values}


def pct_change(value, base):
    if value is None or not base:
        return None
    return round((value - base) / base * 100.0, 1)


def report(args):
    with open(args.machine, encoding='utf-8') as handle:
        machine = json.load(handle)
    runs = []
    for path in args.runs:
        with open(path, encoding='utf-8') as handle:
            runs.append(json.load(handle))
    summary = []
    for repl, client in COMBINATIONS:
        mine = [r for r in runs if r['replication_tls'] == repl and r['client_tls'] == client]
        if not mine:
            continue
        entry = {
            'replication_tls': repl,
            'client_tls': client,
            'rounds': len(mine),
            'commits_per_s': spread([r['write']['per_second'] for r in mine]),
            'commit_p50_ms': spread([r['write']['p50_ms'] for r in mine]),
            'commit_p99_ms': spread([r['write']['p99_ms'] for r in mine]),
            'tls_sessions': sorted({'%s %s' % (s['version'], s['cipher']) for r in mine for s in r['client_sessions'] if s['version']}),
        }
        if all('read' in r for r in mine):
            entry['reads_per_s'] = spread([r['read']['per_second'] for r in mine])
            entry['read_p99_ms'] = spread([r['read']['p99_ms'] for r in mine])
        summary.append(entry)
    base = summary[0] if summary and summary[0]['replication_tls'] == 'off' and summary[0]['client_tls'] == 'off' else None
    for entry in summary:
        entry['commits_per_s_vs_off_off_pct'] = pct_change(entry['commits_per_s']['median'], base and base['commits_per_s']['median'])
        entry['commit_p99_vs_off_off_pct'] = pct_change(entry['commit_p99_ms']['median'], base and base['commit_p99_ms']['median'])
    doc = {'machine': machine, 'summary': summary, 'runs': runs}
    with open(args.out, 'w', encoding='utf-8') as handle:
        json.dump(doc, handle, indent=2)
        handle.write('\n')
    print(markdown(doc))
    return 0


def fmt_spread(item, digits=0):
    if item['median'] is None:
        return '-'
    form = '%.' + str(digits) + 'f'
    return '%s (%s-%s)' % (form % item['median'], form % item['min'], form % item['max'])


def fmt_pct(value):
    return '' if value is None else ' %+.0f%%' % value


def markdown(doc):
    """The README table: median over rounds, (min-max) across rounds."""
    has_reads = all('reads_per_s' in e for e in doc['summary'])
    head = '| replication TLS | client TLS | commits/s | commit p99 ms | commit p50 ms |'
    rule = '| --- | --- | --- | --- | --- |'
    if has_reads:
        head += ' reads/s | read p99 ms |'
        rule += ' --- | --- |'
    lines = [head, rule]
    for e in doc['summary']:
        line = '| %s | %s | %s%s | %s%s | %s |' % (
            e['replication_tls'], e['client_tls'],
            fmt_spread(e['commits_per_s']), fmt_pct(e['commits_per_s_vs_off_off_pct']),
            fmt_spread(e['commit_p99_ms'], 1), fmt_pct(e['commit_p99_vs_off_off_pct']),
            fmt_spread(e['commit_p50_ms'], 2))
        if has_reads:
            line += ' %s | %s |' % (fmt_spread(e['reads_per_s']), fmt_spread(e['read_p99_ms'], 2))
        lines.append(line)
    return '\n'.join(lines)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='tlsbench.py', description=__doc__)
    sub = parser.add_subparsers(dest='command', required=True)
    m = sub.add_parser('measure', help='one workload run against the cluster, JSON on stdout')
    m.add_argument('--node1', required=True, help='address the writes go to')
    m.add_argument('--node2', required=True, help='address of the node that certifies them')
    m.add_argument('--port', type=int, default=3306)
    m.add_argument('--user', default='bench')
    m.add_argument('--password-file', required=True)
    m.add_argument('--ca', default='', help='CA bundle: client TLS on with server verification (chain and name)')
    m.add_argument('--replication-tls', choices=('off', 'on'), required=True, help='recorded only (set by the playbook)')
    m.add_argument('--round', type=int, default=1)
    m.add_argument('--threads', type=int, default=4)
    m.add_argument('--seconds', type=float, default=30.0)
    m.add_argument('--warmup', type=float, default=5.0)
    m.add_argument('--read-seconds', type=float, default=10.0)
    r = sub.add_parser('report', help='median and spread over the runs: JSON file, Markdown on stdout')
    r.add_argument('--machine', required=True, help='JSON with the machine facts')
    r.add_argument('--out', required=True)
    r.add_argument('runs', nargs='+')
    args = parser.parse_args(argv)
    if args.command == 'measure' and (args.threads < 1 or args.seconds <= 0 or args.warmup < 0 or args.read_seconds < 0):
        parser.error('--threads and --seconds must be positive, --warmup and --read-seconds not negative')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return measure(args) if args.command == 'measure' else report(args)


if __name__ == '__main__':
    sys.exit(main())
