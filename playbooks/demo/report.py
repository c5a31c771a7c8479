# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print the demo's status.json (written by status.yml) as two tables a person reads at a glance.

Exit status 1 when any channel is not on TLS with a verified peer, so `make demo` fails loudly.
"""

from __future__ import annotations

import json
import sys


def table(headers, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    line = '  '.join('{:<%d}' % w for w in widths)
    out = [line.format(*headers), line.format(*['-' * w for w in widths])]
    out += [line.format(*[str(x) for x in row]) for row in rows]
    return '\n'.join(out)


def dial_row(channel, path, report):
    ok = bool(report.get('ok'))
    return [channel, path, 'on' if ok else 'FAILED', report.get('version') or '-', report.get('cipher') or '-',
            'yes (chain + name)' if ok and report.get('verified_chains') else 'no: ' + str(report.get('error') or '')]


def channel_rows(status):
    rows, healthy = [], True
    for host, facts in sorted(status.items()):
        for probe, stdout in facts.get('demo_dials', []):
            try:
                report = json.loads(stdout.splitlines()[-1]) if stdout else {}
            except (ValueError, IndexError):
                report = {'error': stdout.strip()[:60]}
            rows.append(dial_row(probe['channel'], probe['path'], report))
            healthy &= bool(report.get('ok'))
        sst = facts.get('demo_sst') or ''
        if sst:
            encrypted = '--encrypt=4' in sst and 'openssl-listen' in sst
            full = 'Preparing the backup at' in sst
            rows.append(['SST (mariabackup)', f'donor → {host}:4444', 'on' if encrypted else 'OFF',
                         'socat/OpenSSL', 'encrypt=4' if encrypted else '-',
                         'yes (chain, cafile)' + ('' if full else ', no full SST seen') if encrypted else 'no'])
            healthy &= encrypted
        tablets = facts.get('demo_tablet_dials') or '[]'
        for entry in json.loads(tablets) if isinstance(tablets, str) else tablets:
            ok = bool(entry.get('ok'))
            rows.append([f"{entry.get('component', 'vtgate')} → vttablet", f"{host} → {entry.get('target')}",
                         'on' if ok else 'FAILED', entry.get('tls_version') or '-', entry.get('cipher') or '-',
                         f"yes (name {entry.get('verified_name')})" if ok else 'no: ' + str(entry.get('error'))])
            healthy &= ok
    return rows, healthy


def certificate_rows(status):
    rows = []
    for host, facts in sorted(status.items()):
        for cert in facts.get('demo_certificates', []):
            rows.append([host, cert['path'], cert['subject'], cert['issuer'], cert['days_left'],
                         'yes' if cert['valid'] else 'NO: ' + '; '.join(cert['findings'])])
    return rows


def main(path):
    with open(path, encoding='utf-8') as handle:
        status = json.load(handle)
    channels, healthy = channel_rows(status)
    certificates = certificate_rows(status)
    print('\nTLS state of every channel (each checked from a real peer)\n')
    print(table(['channel', 'path', 'TLS', 'protocol', 'cipher', 'peer verified'], channels))
    print('\nCertificates\n')
    print(table(['host', 'path', 'subject', 'issuer', 'days left', 'valid'], certificates))
    print()
    healthy &= all(row[-1] == 'yes' for row in certificates)
    return 0 if healthy and channels and certificates else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1]))
