# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The host side of the collection on an old userland: run by tests/oldhost/run inside the
Debian 11 image (Python 3.9, python3-cryptography 3.3, OpenSSL 1.1.1), with this checkout as
ansible_collections/dbtls/transport and ansible-core's module_utils on PYTHONPATH, as AnsiballZ
would ship them.

Every module that runs on a node is run as Ansible runs it (a child Python reading
ANSIBLE_MODULE_ARGS on stdin, one JSON result on stdout): tls_keypair for each key type (key and
CSR, then the signed certificate installed, then a rerun that changes nothing), tls_verify,
tls_bundle, wsrep_provider_options and local_facts; and the controller-side ones too (tls_ca, tls_crl,
tls_pkcs12), since one requirement covers them all. The results are checked with the image's own
openssl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

PREFIX = 'ansible_collections.dbtls.transport.plugins'
failures: list[str] = []


def module(name: str, args: dict) -> dict:
    proc = subprocess.run([sys.executable, '-m', f'{PREFIX}.modules.{name}'],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': args}), capture_output=True,
                          text=True, check=False)
    try:
        return json.loads(proc.stdout)
    except ValueError:
        return {'failed': True, 'msg': f'no JSON from {name} (rc {proc.returncode}): {proc.stdout[-500:]} {proc.stderr[-1500:]}'}


def expect(what: str, ok: bool, detail: object = '') -> None:
    print(f'{"ok  " if ok else "FAIL"} {what}' + ('' if ok else f': {detail}'))
    if not ok:
        failures.append(what)


def openssl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(['openssl', *args], capture_output=True, text=True, check=False)


def main() -> int:
    import cryptography  # pylint: disable=import-outside-toplevel
    from ansible_collections.dbtls.transport.plugins.module_utils import pki  # pylint: disable=import-outside-toplevel

    print(f'Python {sys.version.split()[0]}, cryptography {cryptography.__version__}, '
          f'{openssl("version").stdout.strip()}')
    work = tempfile.mkdtemp(prefix='dbtls-oldhost-')
    ca_path, ca_key_path = os.path.join(work, 'ca.pem'), os.path.join(work, 'ca', 'ca.key')
    made_ca = module('tls_ca', dict(key_path=ca_key_path, cert_path=ca_path, common_name='Old Host CA', valid_days=30, renew_before_days=5))
    expect('tls_ca: a new CA', made_ca.get('changed') is True and not made_ca.get('failed'), made_ca.get('msg'))
    if made_ca.get('failed'):
        return 1
    again_ca = module('tls_ca', dict(key_path=ca_key_path, cert_path=ca_path, common_name='Old Host CA', valid_days=30, renew_before_days=5))
    expect('tls_ca rerun changes nothing', again_ca.get('changed') is False, again_ca.get('msg') or again_ca)
    with open(ca_path, 'rb') as handle:
        ca = pki.load_certificates(handle.read(), ca_path)[0]
    with open(ca_key_path, 'rb') as handle:
        ca_key = pki.load_private_key(handle.read(), ca_key_path)

    for key_type in ('ecdsa', 'rsa', 'ed25519'):
        key_path, cert_path = os.path.join(work, f'{key_type}.key'), os.path.join(work, f'{key_type}.crt')
        args = dict(key_path=key_path, cert_path=cert_path, key_type=key_type, common_name=f'node-{key_type}',
                    subject_alt_names=['DNS:node.example', 'IP:192.0.2.10'], usage='peer', key_mode='0640')
        first = module('tls_keypair', args)
        expect(f'tls_keypair {key_type}: key and CSR', not first.get('failed') and bool(first.get('csr')),
               first.get('msg'))
        if first.get('failed'):
            continue
        csr = pki.load_csr(first['csr'].encode(), f'CSR {key_type}')
        spec = pki.leaf_spec(f'node-{key_type}', ['DNS:node.example', 'IP:192.0.2.10'], 'peer', 30)
        leaf = pki.sign_leaf(csr, spec, ca, ca_key)
        second = module('tls_keypair', dict(args, certificate=pki.certificate_pem(leaf).decode()))
        expect(f'tls_keypair {key_type}: certificate installed', second.get('changed') is True and not second.get('failed'),
               second.get('msg'))
        verify = openssl('verify', '-CAfile', ca_path, cert_path)
        expect(f'openssl verify {key_type}', verify.returncode == 0, verify.stdout + verify.stderr)
        pair = openssl('x509', '-noout', '-pubkey', '-in', cert_path).stdout == openssl('pkey', '-pubout', '-in', key_path).stdout
        expect(f'{key_type}: the key belongs to the certificate', pair)
        again = module('tls_keypair', args)
        expect(f'tls_keypair {key_type}: rerun changes nothing', again.get('changed') is False and not again.get('failed'),
               again.get('msg') or again)
        checked = module('tls_verify', dict(cert_path=cert_path, ca_path=ca_path, key_path=key_path,
                                            required_usage='peer', required_sans=['DNS:node.example']))
        expect(f'tls_verify {key_type}', checked.get('valid') is True and not checked.get('failed'),
               checked.get('msg') or checked.get('findings'))

    crl_path = os.path.join(work, 'ca.crl')
    crl = module('tls_crl', dict(path=crl_path, ca_cert_path=ca_path, ca_key_path=ca_key_path,
                                 revoked=[{'cert_path': os.path.join(work, 'rsa.crt'), 'reason': 'superseded'}]))
    expect('tls_crl', crl.get('changed') is True and not crl.get('failed'), crl.get('msg'))
    revoked = openssl('verify', '-crl_check', '-CAfile', ca_path, '-CRLfile', crl_path, os.path.join(work, 'rsa.crt'))
    expect('openssl: the CRL revokes the rsa certificate', revoked.returncode != 0 and 'revoked' in revoked.stdout + revoked.stderr,
           revoked.stdout + revoked.stderr)
    kept = openssl('verify', '-crl_check', '-CAfile', ca_path, '-CRLfile', crl_path, os.path.join(work, 'ecdsa.crt'))
    expect('openssl: the CRL leaves the ecdsa certificate valid', kept.returncode == 0, kept.stdout + kept.stderr)

    p12 = os.path.join(work, 'client.p12')
    packed = module('tls_pkcs12', dict(dest=p12, key_path=os.path.join(work, 'ecdsa.key'),
                                       cert_path=os.path.join(work, 'ecdsa.crt'), ca_path=ca_path, passphrase='old-host'))
    expect('tls_pkcs12', packed.get('changed') is True and not packed.get('failed'), packed.get('msg'))
    read = openssl('pkcs12', '-in', p12, '-passin', 'pass:old-host', '-nokeys')
    expect('openssl reads the PKCS#12 file', read.returncode == 0 and 'node-ecdsa' in read.stdout, read.stderr)

    bundle = os.path.join(work, 'bundle.pem')
    made = module('tls_bundle', dict(dest=bundle, certificates=[ca_path]))
    expect('tls_bundle', made.get('changed') is True and not made.get('failed'), made.get('msg'))
    expect('tls_bundle rerun changes nothing', module('tls_bundle', dict(dest=bundle, certificates=[ca_path])).get('changed') is False)

    merged = module('wsrep_provider_options', dict(current='gcache.size=1G; socket.ssl=NO',
                                                   set={'socket.ssl_cert': '/etc/dbtls/tls/peer.crt'}))
    expect('wsrep_provider_options', not merged.get('failed') and 'socket.ssl_cert=/etc/dbtls/tls/peer.crt' in merged.get('value', ''),
           merged.get('msg') or merged)

    fact_dir = os.path.join(work, 'facts.d')
    record = {'dir': '/etc/dbtls/tls', 'peer_cert': '/etc/dbtls/tls/peer.crt', 'clients': {}}
    recorded = module('local_facts', dict(name='dbtls_pki', facts=record, fact_dir=fact_dir))
    expect('local_facts', recorded.get('changed') is True and not recorded.get('failed'), recorded.get('msg'))
    with open(os.path.join(fact_dir, 'dbtls_pki.fact'), encoding='utf-8') as handle:
        expect('local_facts writes the record', json.load(handle) == record)
    expect('local_facts rerun changes nothing',
           module('local_facts', dict(name='dbtls_pki', facts=record, fact_dir=fact_dir)).get('changed') is False)

    print(f'{len(failures)} failed' if failures else 'all host-side checks passed')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
