# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Routine runs against a ping play over the same hosts (make bench-site, benchmarks/README.md).

On the demo's inventory (two MariaDB Galera nodes and a Vitess host, podman connection): a ping
play, then a site.yml re-run that must change nothing, each --repeat times, back to back; with
--rotation, then a CA rotation with the reload method, whose time outside the database's own
restarts, reloads and joins (the tasks named in RESTART_TASKS) is divided by the number of Galera
nodes and compared with the ping play. Prints the ratios and writes everything to
benchmarks/results/site-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(os.path.dirname(HERE), 'results')
PING_PLAY = os.path.join(HERE, 'ping.yml')
RECAP = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)', re.M)
# A rotation task whose time is the database's (or garbd's, or a Vitess component's) own: a
# restart, a reload, or the wait for a node to be back (Synced, full size, ports answering).
RESTART_TASKS = re.compile(r'restart|reload|wait|synced|health|rejoin', re.I)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='benchmarks/site/run', description=__doc__)
    parser.add_argument('--inventory', default=os.path.join(os.environ.get('DBTLS_TESTBED_DIR', '/var/cache/dbtls-testbed'),
                                                            'demo', 'inventory.yml'),
                        help="the demo's inventory (make demo writes it; default: %(default)s)")
    parser.add_argument('--repeat', type=int, default=3, help='runs of the ping play and of the re-run; medians reported (default: 3)')
    parser.add_argument('--rotation', action='store_true', help='also rotate the CA (reload method) once and time it')
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error('--repeat must be 1 or more')
    if not os.path.isfile(args.inventory):
        parser.error(f'{args.inventory}: no such inventory; run make demo first')
    return args


def playbook(inventory, play, extra=(), times_file=None):
    """Run ansible-playbook; (seconds, recap {host: counts}, task times or None, output)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_CALLBACKS_ENABLED='dbtls_task_times',
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(HERE, 'callback_plugins'))
    if times_file:
        env['DBTLS_TASK_TIMES'] = times_file
    started = time.monotonic()
    proc = subprocess.run(['ansible-playbook', '-i', inventory, play, *extra], env=env,
                          capture_output=True, text=True, check=False)
    seconds = round(time.monotonic() - started, 2)
    output = proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.exit(f'{play} failed (rc {proc.returncode}):\n{output[-4000:]}')
    recap = {m.group(1): dict(zip(('ok', 'changed', 'unreachable', 'failed', 'skipped'), map(int, m.groups()[1:])))
             for m in RECAP.finditer(output)}
    times = None
    if times_file and os.path.exists(times_file):
        with open(times_file, encoding='utf-8') as handle:
            times = json.load(handle)
    return seconds, recap, times, output


def main(argv=None):
    args = parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    work = tempfile.mkdtemp(prefix='dbtls-bench-site-')
    samples = {'ping': [], 'site_rerun': []}
    reruns = []
    for round_number in range(args.repeat):
        samples['ping'].append(playbook(args.inventory, PING_PLAY)[0])
        times_file = os.path.join(work, f'site-{round_number}.json')
        seconds, recap, times, _out = playbook(args.inventory, 'dbtls.transport.site', times_file=times_file)
        changed = {host: counts['changed'] for host, counts in recap.items() if counts['changed']}
        if changed:
            sys.exit(f'site.yml re-run changed something ({changed}): converge first (make demo), then benchmark')
        samples['site_rerun'].append(seconds)
        reruns.append({'seconds': seconds, 'recap': recap, 'results_per_host': (times or {}).get('results_per_host')})
    ping = statistics.median(samples['ping'])
    rerun = statistics.median(samples['site_rerun'])
    report = {
        'started': started.isoformat(), 'inventory': args.inventory, 'repeat': args.repeat,
        'python': platform.python_version(), 'nproc': os.cpu_count(), 'load_after': os.getloadavg()[0],
        'samples': samples, 'site_reruns': reruns,
        'ratios': {'site_rerun_vs_ping': round(rerun / ping, 2)},
    }
    print(f'ping play        {ping:7.2f} s (median of {args.repeat})')
    print(f'site.yml re-run  {rerun:7.2f} s = {rerun / ping:.1f}x the ping play (target 3x)')

    if args.rotation:
        times_file = os.path.join(work, 'rotation.json')
        seconds, recap, times, _out = playbook(args.inventory, 'dbtls.transport.rotate_ca',
                                               ['-e', 'rotate_ca_method=reload'], times_file=times_file)
        tasks = (times or {}).get('tasks') or []
        own = [t for t in tasks if RESTART_TASKS.search(t['name'])]
        own_seconds = round(sum(t['seconds'] for t in own), 2)
        nodes = sum(1 for host in recap if host in _galera_hosts(args.inventory))
        overhead_per_node = (seconds - own_seconds) / max(nodes, 1)
        report['rotation'] = {
            'seconds': seconds, 'restart_reload_wait_seconds': own_seconds, 'galera_nodes': nodes,
            'overhead_per_node_seconds': round(overhead_per_node, 2),
            'excluded_tasks': sorted({t['name'] for t in own}), 'recap': recap,
        }
        report['ratios']['rotation_overhead_per_node_vs_ping'] = round(overhead_per_node / ping, 2)
        print(f'rotation (reload) {seconds:7.2f} s, of which {own_seconds:.2f} s restarts, reloads and waits;'
              f' {overhead_per_node:.2f} s per Galera node = {overhead_per_node / ping:.1f}x the ping play (target 2x)')

    os.makedirs(RESULTS, exist_ok=True)
    out = os.path.join(RESULTS, 'site-%s.json' % started.strftime('%Y%m%dT%H%M%SZ'))
    with open(out, 'w', encoding='utf-8') as handle:
        json.dump(report, handle, indent=2)
    print(f'written: {out}')
    return 0


def _galera_hosts(inventory):
    proc = subprocess.run(['ansible-inventory', '-i', inventory, '--list'], capture_output=True, text=True, check=True)
    return set(json.loads(proc.stdout).get('galera', {}).get('hosts', []))


if __name__ == '__main__':
    sys.exit(main())
