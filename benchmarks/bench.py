# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Time dbtls.transport against community.crypto on N local hosts (called by benchmarks/run)."""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PLAYBOOKS = os.path.join(HERE, 'playbooks')
RESULTS = os.path.join(HERE, 'results')
KEY_TYPES = ('ecdsa', 'rsa', 'ed25519')
RECAP = re.compile(r'^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)')
# (result key, playbook, fresh directories before it). Both sides run back to back in each case
# and round, so that the load of a shared machine hits both alike.
RUNS = (
    ('ping', 'ping.yml', True),
    ('dbtls_cold', 'dbtls.yml', True),
    ('dbtls_rerun', 'dbtls.yml', False),
    ('community_crypto_cold', 'community_crypto.yml', True),
    ('community_crypto_rerun', 'community_crypto.yml', False),
)
CA_CN = {'dbtls.yml': 'dbtls benchmark CA', 'community_crypto.yml': 'community.crypto benchmark CA'}


def csv_list(value):
    return [item.strip() for item in value.split(',') if item.strip()]


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='benchmarks/run', description=__doc__)
    parser.add_argument('--hosts', default='10', help='comma-separated host counts (default: 10)')
    parser.add_argument('--key-types', default='ecdsa,rsa', help='comma-separated key types: ecdsa, rsa, ed25519 (default: ecdsa,rsa)')
    parser.add_argument('--forks', type=int, default=5, help='Ansible forks for every run (default: 5, the Ansible default)')
    parser.add_argument('--repeat', type=int, default=1, help='runs of each measurement; the median is reported (default: 1)')
    parser.add_argument('--pipelining', action='store_true', help='ANSIBLE_PIPELINING on for every run (default: off, the Ansible default)')
    parser.add_argument('--profile', action='store_true',
                        help='also record CPU seconds: every module run (through /usr/bin/time) and the controller (the rest)')
    parser.add_argument('--keep', action='store_true', help='keep the work directory (inventories, logs, generated files)')
    args = parser.parse_args(argv)
    try:
        args.hosts = [int(n) for n in csv_list(args.hosts)]
    except ValueError:
        parser.error('--hosts takes integers, e.g. 10,50')
    if not args.hosts or min(args.hosts) < 1:
        parser.error('--hosts takes positive integers')
    args.key_types = csv_list(args.key_types)
    bad = [k for k in args.key_types if k not in KEY_TYPES]
    if bad or not args.key_types:
        parser.error('--key-types takes %s' % ', '.join(KEY_TYPES))
    if args.repeat < 1 or args.forks < 1:
        parser.error('--repeat and --forks must be at least 1')
    return args


def tool(name):
    """The Ansible command next to this Python (the venv), else the one on PATH."""
    candidate = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which(name)
    if not found:
        sys.exit('benchmarks/run: %s not found; source /var/cache/dbtls-testbed/env.sh or activate a venv with ansible-core' % name)
    return found


def write_inventory(path, hosts, key_type, ca_dir, host_dirs, interpreter=None):
    """N hosts, all ansible_connection=local, each with its own directory (JSON is valid YAML).
    With ``interpreter`` (--profile) every module run, also those delegated to localhost, goes
    through it: localhost is then listed, or delegated runs would use the controller's Python."""
    inventory = {
        'all': {
            'vars': {
                'ansible_connection': 'local',
                'ansible_python_interpreter': sys.executable,
                'bench_key_type': key_type,
                'bench_ca_dir': ca_dir,
            },
            'children': {
                'bench': {'hosts': {name: {'bench_dir': host_dirs[name]} for name in hosts}},
            },
        },
    }
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(inventory, handle, indent=2)
        handle.write('\n')
    if interpreter:
        inventory['all']['vars']['ansible_python_interpreter'] = interpreter
        inventory['all']['hosts'] = {'localhost': {'ansible_connection': 'local'}}
        with open(path, 'w', encoding='utf-8') as handle:
            json.dump(inventory, handle, indent=2)
            handle.write('\n')


def timed_interpreter(case_dir):
    """A Python wrapper that appends "user system module-file" per module run to a log."""
    log = os.path.join(case_dir, 'module-cpu.log')
    path = os.path.join(case_dir, 'python-timed')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('#!/bin/sh\n# one line per module run: user and system CPU seconds, then the module file\n'
                     'exec /usr/bin/time -a -o %s -f "%%U %%S ${1:-pipelined}" %s "$@"\n' % (log, sys.executable))
    os.chmod(path, 0o755)
    return path, log


def module_cpu(log):
    """{module: [runs, CPU seconds]} from the wrapper's log, which is then emptied."""
    modules = {}
    if not os.path.exists(log):
        return modules
    with open(log, encoding='utf-8') as handle:
        for line in handle:
            parts = line.split()
            if len(parts) != 3:
                continue
            name = os.path.basename(parts[2]).replace('AnsiballZ_', '').replace('.py', '')
            entry = modules.setdefault(name, [0, 0.0])
            entry[0] += 1
            entry[1] = round(entry[1] + float(parts[0]) + float(parts[1]), 2)
    os.unlink(log)
    return modules


# The mode both playbooks give each host's folder (a user's TLS folder: root:<service group> 0750).
HOST_DIR_MODE = 0o750


def fresh_dirs(base, hosts):
    """An empty CA directory under base, and the paths of the per-host folders, which do not exist
    yet: creating them is part of the job (each playbook does it the way its users would)."""
    if os.path.exists(base):
        shutil.rmtree(base)
    ca_dir = os.path.join(base, 'ca')
    os.makedirs(ca_dir, mode=0o700)
    os.makedirs(os.path.join(base, 'hosts'), mode=0o755)
    host_dirs = {name: os.path.join(base, 'hosts', name) for name in hosts}
    return ca_dir, host_dirs


def snapshot(base):
    """Every file under base: (sha256, mode, mtime_ns), to prove that a rerun rewrote nothing."""
    state = {}
    for root, _dirs, names in os.walk(base):
        for name in names:
            path = os.path.join(root, name)
            st = os.stat(path)
            with open(path, 'rb') as handle:
                state[os.path.relpath(path, base)] = (hashlib.sha256(handle.read()).hexdigest(),
                                                      st.st_mode & 0o7777, st.st_mtime_ns)
    return state


def check_files(ca_dir, host_dirs, key_type, ca_cn):
    """The same files on both sides, checked by this script (not by either collection): per host a
    peer and a client key (0600, of the asked type) and certificate, signed by the CA, with the key's
    public key, the CN, the SANs and the extended key usage wanted. Returns a list of problems."""
    # pylint: disable=import-outside-toplevel
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def pub(key):
        return key.public_key().public_bytes(serialization.Encoding.DER,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)

    problems = []
    with open(os.path.join(ca_dir, 'ca.crt'), 'rb') as handle:
        ca = x509.load_pem_x509_certificate(handle.read())
    if ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value != ca_cn:
        problems.append('CA CN is not %r' % ca_cn)
    want_type = {'ecdsa': ec.EllipticCurvePrivateKey, 'rsa': rsa.RSAPrivateKey}.get(key_type)
    for host, directory in sorted(host_dirs.items()):
        try:
            folder_mode = os.stat(directory).st_mode & 0o7777
        except OSError as exc:
            problems.append('%s: %s' % (host, exc))
            continue
        if folder_mode != HOST_DIR_MODE:
            problems.append('%s: folder mode %o' % (host, folder_mode))
        for name, cn, sans, ekus in (
                ('peer', host, {'DNS:' + host, 'IP:127.0.0.1'},
                 {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}),
                ('client', 'client-' + host, set(), {ExtendedKeyUsageOID.CLIENT_AUTH})):
            where = '%s/%s' % (host, name)
            key_path = os.path.join(directory, name + '.key')
            try:
                with open(key_path, 'rb') as handle:
                    key = serialization.load_pem_private_key(handle.read(), None)
                with open(os.path.join(directory, name + '.crt'), 'rb') as handle:
                    cert = x509.load_pem_x509_certificate(handle.read())
            except (OSError, ValueError) as exc:
                problems.append('%s: %s' % (where, exc))
                continue
            if os.stat(key_path).st_mode & 0o777 != 0o600:
                problems.append('%s.key: mode %o' % (where, os.stat(key_path).st_mode & 0o777))
            if want_type and not isinstance(key, want_type):
                problems.append('%s.key: not %s' % (where, key_type))
            elif key_type == 'rsa' and key.key_size != 2048:
                problems.append('%s.key: %d bits' % (where, key.key_size))
            elif key_type == 'ecdsa' and key.curve.name != 'secp256r1':
                problems.append('%s.key: curve %s' % (where, key.curve.name))
            try:
                cert.verify_directly_issued_by(ca)
            except Exception as exc:  # pylint: disable=broad-except
                problems.append('%s.crt: not signed by the CA (%s)' % (where, exc))
            if pub(key) != cert.public_key().public_bytes(serialization.Encoding.DER,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo):
                problems.append('%s: key and certificate do not match' % where)
            if cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value != cn:
                problems.append('%s.crt: CN is not %s' % (where, cn))
            try:
                have = set()
                for general in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value:
                    prefix = 'IP:' if isinstance(general, x509.IPAddress) else 'DNS:'
                    have.add(prefix + str(general.value))
            except x509.ExtensionNotFound:
                have = set()
            if have != sans:
                problems.append('%s.crt: SANs %s, want %s' % (where, sorted(have), sorted(sans)))
            eku = set(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
            if eku != ekus:
                problems.append('%s.crt: extended key usage %s' % (where, sorted(o.dotted_string for o in eku)))
            if not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False:
                problems.append('%s.crt: is a CA' % where)
    return problems


def run_playbook(playbook, inventory, cfg, log_path):
    env = dict(os.environ, ANSIBLE_CONFIG=cfg, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0')
    cmd = [tool('ansible-playbook'), '-i', inventory, os.path.join(PLAYBOOKS, playbook)]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    with open(log_path, 'w', encoding='utf-8') as log:
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=os.path.dirname(cfg), check=False)
    seconds = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # ansible-playbook, its workers and every module run below them (all waited for).
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    with open(log_path, encoding='utf-8') as log:
        output = log.read()
    totals = {'ok': 0, 'changed': 0, 'unreachable': 0, 'failed': 0, 'skipped': 0}
    for line in output.splitlines():
        match = RECAP.match(line)
        if match:
            for key, value in zip(('ok', 'changed', 'unreachable', 'failed', 'skipped'), match.groups()[1:]):
                totals[key] += int(value)
    if proc.returncode != 0 or totals['failed'] or totals['unreachable']:
        sys.stderr.write(output[-4000:])
        sys.exit('benchmarks/run: %s failed (rc=%d); log: %s' % (playbook, proc.returncode, log_path))
    return seconds, totals, cpu


def measure(workdir, n_hosts, key_type, forks, repeat, pipelining, profile=False):
    hosts = ['bench-%s-h%03d' % (key_type, i) for i in range(1, n_hosts + 1)]
    case_dir = os.path.join(workdir, '%s-%d' % (key_type, n_hosts))
    os.makedirs(case_dir)
    cfg = os.path.join(case_dir, 'ansible.cfg')
    with open(cfg, 'w', encoding='utf-8') as handle:
        handle.write('[defaults]\nforks = %d\nretry_files_enabled = False\nhost_key_checking = False\n' % forks)
        handle.write('[connection]\npipelining = %s\n' % pipelining)
    inventory = os.path.join(case_dir, 'inventory.yml')
    result = {'case': '%s-%d' % (key_type, n_hosts), 'hosts': n_hosts, 'key_type': key_type,
              'loadavg_before': list(os.getloadavg()), 'runs': {}}
    samples = {key: [] for key, _playbook, _fresh in RUNS}
    loads = {key: [] for key, _playbook, _fresh in RUNS}
    cpus = {key: [] for key, _playbook, _fresh in RUNS}
    files = os.path.join(case_dir, 'files')
    interpreter, cpu_log = timed_interpreter(case_dir) if profile else (None, None)
    for round_no in range(repeat):
        for key, playbook, fresh in RUNS:
            if fresh:
                ca_dir, host_dirs = fresh_dirs(files, hosts)
                write_inventory(inventory, hosts, key_type, ca_dir, host_dirs, interpreter)
            before = snapshot(files)
            log_path = os.path.join(case_dir, '%s-%d.log' % (key, round_no))
            load = os.getloadavg()[0]
            seconds, totals, cpu = run_playbook(playbook, inventory, cfg, log_path)
            samples[key].append(seconds)
            loads[key].append(round(load, 2))
            cpus[key].append(round(cpu, 2))
            result['runs'][key] = {'recap': totals, 'cpu_seconds': round(cpu, 2)}
            if profile:
                modules = module_cpu(cpu_log)
                in_modules = sum(cost for _runs, cost in modules.values())
                result['runs'][key]['profile'] = {
                    'module_runs': sum(runs for runs, _cost in modules.values()),
                    'module_cpu_seconds': round(in_modules, 2),
                    'controller_cpu_seconds': round(cpu - in_modules, 2),
                    'modules': modules}
            note = ''
            if playbook in CA_CN:
                # Both sides must leave the same, correct files; a rerun must not rewrite any.
                problems = check_files(ca_dir, host_dirs, key_type, CA_CN[playbook])
                if not fresh and snapshot(files) != before:
                    problems.append('the rerun rewrote files')
                if problems:
                    sys.exit('benchmarks/run: %s left wrong files (log %s):\n  %s' % (
                        playbook, log_path, '\n  '.join(problems[:20])))
                note = '  files checked' + ('' if fresh else ', none rewritten')
            print('  %-8s %-24s %7.1f s  changed=%-4d load %.2f%s' % (
                result['case'], key, seconds, totals['changed'], load, note), flush=True)
            if profile:
                prof = result['runs'][key]['profile']
                print('  %-8s %-24s CPU %.1f s = %d module runs %.1f s (%s) + controller %.1f s' % (
                    '', '', cpu, prof['module_runs'], prof['module_cpu_seconds'],
                    ', '.join('%s %dx %.2f' % (name, runs, cost / runs) for name, (runs, cost) in sorted(prof['modules'].items())),
                    prof['controller_cpu_seconds']), flush=True)
    for key, values in samples.items():
        result['runs'][key]['samples'] = [round(v, 2) for v in values]
        result['runs'][key]['seconds'] = round(statistics.median(values), 2)
        result['runs'][key]['cpu_seconds_samples'] = cpus[key]
        result['runs'][key]['cpu_seconds'] = round(statistics.median(cpus[key]), 2)
        result['runs'][key]['loadavg_1min_before'] = loads[key]
    runs = result['runs']
    result['ping_floor_ratio_cold'] = round(runs['dbtls_cold']['seconds'] / runs['ping']['seconds'], 2)
    result['ratio_cold'] = round(runs['community_crypto_cold']['seconds'] / runs['dbtls_cold']['seconds'], 2)
    result['ratio_rerun'] = round(runs['community_crypto_rerun']['seconds'] / runs['dbtls_rerun']['seconds'], 2)
    # CPU seconds of the whole ansible-playbook process tree: less at the mercy of a shared machine.
    result['cpu_ratio_cold'] = round(runs['community_crypto_cold']['cpu_seconds'] / runs['dbtls_cold']['cpu_seconds'], 2)
    result['cpu_ratio_rerun'] = round(runs['community_crypto_rerun']['cpu_seconds'] / runs['dbtls_rerun']['cpu_seconds'], 2)
    result['loadavg_after'] = list(os.getloadavg())
    return result


def uptime():
    try:
        return subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return None


def cpu_model():
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as handle:
            for line in handle:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def versions():
    info = {'python': platform.python_version(), 'machine': platform.machine(), 'cpus': os.cpu_count(),
            'cpu_model': cpu_model(), 'kernel': platform.release()}
    try:
        out = subprocess.run([tool('ansible'), '--version'], capture_output=True, text=True, check=False).stdout
        info['ansible_core'] = out.splitlines()[0] if out else None
        out = subprocess.run([tool('ansible-galaxy'), 'collection', 'list', 'community.crypto'],
                             capture_output=True, text=True, check=False).stdout
        found = re.findall(r'^community\.crypto\s+(\S+)', out, re.M)
        info['community_crypto'] = found[0] if found else None
    except OSError:
        pass
    try:
        import cryptography  # pylint: disable=import-outside-toplevel
        info['cryptography'] = cryptography.__version__
    except ImportError:
        info['cryptography'] = None
    return info


def print_table(results):
    head = ('case', 'N', 'key', 'ping', 'dbtls cold', 'dbtls rerun', 'c.crypto cold', 'c.crypto rerun',
            'cold ratio', 'rerun ratio', 'CPU cold ratio', 'CPU rerun ratio')
    rows = []
    for r in results:
        s = {key: r['runs'][key]['seconds'] for key in r['runs']}
        rows.append((r['case'], str(r['hosts']), r['key_type'], '%.1f' % s['ping'], '%.1f' % s['dbtls_cold'],
                     '%.1f' % s['dbtls_rerun'], '%.1f' % s['community_crypto_cold'], '%.1f' % s['community_crypto_rerun'],
                     '%.2fx' % r['ratio_cold'], '%.2fx' % r['ratio_rerun'],
                     '%.2fx' % r['cpu_ratio_cold'], '%.2fx' % r['cpu_ratio_rerun']))
    widths = [max(len(row[i]) for row in rows + [head]) for i in range(len(head))]
    line = ' | '.join('%-*s' % (w, h) for w, h in zip(widths, head))
    print('\nSeconds (wall clock of ansible-playbook); ratio = community.crypto / dbtls.transport;')
    print('CPU ratio = the same for CPU seconds of the whole ansible-playbook process tree')
    print(line)
    print('-+-'.join('-' * w for w in widths))
    for row in rows:
        print(' | '.join('%*s' % (w, c) if i > 2 else '%-*s' % (w, c) for i, (w, c) in enumerate(zip(widths, row))))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    workdir = tempfile.mkdtemp(prefix='dbtls-bench-')
    print('benchmarks/run: hosts=%s key types=%s forks=%d repeat=%d work dir=%s' % (
        ','.join(map(str, args.hosts)), ','.join(args.key_types), args.forks, args.repeat, workdir), flush=True)
    print('benchmarks/run: pipelining=%s; before: %s' % (args.pipelining, uptime()), flush=True)
    results = []
    try:
        for n_hosts in args.hosts:
            for key_type in args.key_types:
                results.append(measure(workdir, n_hosts, key_type, args.forks, args.repeat, args.pipelining, args.profile))
    finally:
        if not args.keep and not sys.exc_info()[0]:
            shutil.rmtree(workdir, ignore_errors=True)
    report = {'started': started.isoformat(timespec='seconds'), 'forks': args.forks, 'repeat': args.repeat,
              'pipelining': args.pipelining, 'profile': args.profile, 'uptime_after': uptime(),
              'environment': versions(), 'results': results}
    os.makedirs(RESULTS, exist_ok=True)
    out = os.path.join(RESULTS, 'bench-%s.json' % started.strftime('%Y%m%dT%H%M%SZ'))
    with open(out, 'w', encoding='utf-8') as handle:
        json.dump(report, handle, indent=2)
        handle.write('\n')
    print_table(results)
    print('\nafter: %s' % report['uptime_after'])
    print('\nJSON: %s' % os.path.relpath(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
