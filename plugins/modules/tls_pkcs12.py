#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tls_pkcs12
short_description: Write a passphrase-protected PKCS#12 file from a key, its certificate and CA certificates
description:
  - Packs the key at O(key_path), the certificate at O(cert_path) (leaf first; intermediates after it
    are included as CA certificates) and the CA certificates of O(ca_path) into one PKCS#12 file, for
    applications that want one (Java/JDBC keystores, .NET, some Go and Python drivers).
  - The file is encrypted with O(passphrase) (the best scheme the controller's C(cryptography)
    offers; AES-256 with PBKDF2 from cryptography 38 on). A passphrase is required - the file holds a
    private key.
  - Idempotent by content, not by bytes (every write uses a fresh salt) - the file is rewritten only
    when its key, certificate or CA certificates differ, or when O(passphrase) no longer opens it.
  - Written atomically, mode C(0600) by default; the key and passphrase are never returned or shown.
version_added: 0.1.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - cryptography >= 3.3 (on the host the module runs on)
attributes:
  check_mode:
    support: full
    description: Reports whether the file would be written, and why.
  diff_mode:
    support: full
    description: Shows the subject and fingerprint of the certificate before and after; never key material.
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts, usually the controller for client bundles.
options:
  dest:
    description: Path of the PKCS#12 file.
    type: path
    required: true
  key_path:
    description: The private key (unencrypted PEM).
    type: path
    required: true
  cert_path:
    description: The certificate (PEM), leaf first; intermediates after it are packed as CA certificates.
    type: path
    required: true
  ca_path:
    description: Further CA certificates to pack (PEM), usually the root the server's certificate chains to.
    type: path
  passphrase:
    description: Passphrase that encrypts the file. Required, never logged.
    type: str
    required: true
  friendly_name:
    description: Name (alias) of the key entry. Default - the certificate's common name.
    type: str
  mode:
    description: Mode of the file, as an octal string. Modes that let other users read it are refused.
    type: raw
    default: '0600'
extends_documentation_fragment:
  - dbtls.transport.tls_files
seealso:
  - module: dbtls.transport.tls_cert
'''

EXAMPLES = r'''
- name: A PKCS#12 file for a Java application
  dbtls.transport.tls_pkcs12:
    dest: "{{ inventory_dir }}/pki/clients/billing/client.p12"
    key_path: "{{ inventory_dir }}/pki/clients/billing/client.key"
    cert_path: "{{ inventory_dir }}/pki/clients/billing/client.crt"
    ca_path: "{{ inventory_dir }}/pki/clients/billing/ca.pem"
    passphrase: "{{ vault_billing_p12_passphrase }}"
  delegate_to: localhost
  become: false
'''

RETURN = r'''
reasons:
  description: Why the file was (or would be) written; empty when it already held the same content.
  returned: always
  type: list
  elements: str
  sample: ["certificate differs"]
subject:
  description: Subject of the packed certificate.
  returned: always
  type: str
fingerprint_sha256:
  description: SHA-256 fingerprint of the packed certificate.
  returned: always
  type: str
ca_count:
  description: Number of CA certificates packed with it.
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dbtls.transport.plugins.module_utils import bundles
from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner
from ansible_collections.dbtls.transport.plugins.module_utils import pki


def ensure_pkcs12(params: dict, check_mode: bool = False) -> dict:
    dest = params['dest']
    mode = files.parse_mode(params.get('mode', '0600'), 'mode')
    if mode is not None and mode & 0o007:
        raise pki.PKIError(f'mode {mode:04o} would let every user read {dest}, which holds a private key')
    owner, group = params.get('owner'), params.get('group')
    files.resolve_owner(owner)
    files.resolve_group(group)
    passphrase = params.get('passphrase')
    if not passphrase:
        raise pki.PKIError('passphrase: a non-empty passphrase is required for a PKCS#12 file')

    key = pki.load_private_key(files.read_required(params['key_path'], 'key_path'), params['key_path'])
    certs = pki.load_certificates(files.read_required(params['cert_path'], 'cert_path'), params['cert_path'])
    leaf, cas = certs[0], list(certs[1:])
    pki.check_key_matches_certificate(key, leaf, params['key_path'], params['cert_path'])
    if params.get('ca_path'):
        seen = {c.fingerprint(pki.hashes.SHA256()) for c in cas}
        for cert in pki.load_certificates(files.read_required(params['ca_path'], 'ca_path'), params['ca_path']):
            if cert.fingerprint(pki.hashes.SHA256()) not in seen:
                cas.append(cert)
    name = params.get('friendly_name') or pki.common_name_of(leaf) or 'client'

    old = files.read_file(dest)
    old_cert = None
    if old is None:
        reasons = ['missing']
    else:
        reasons = bundles.pkcs12_differences(old, passphrase, key, leaf, cas, source=dest)
        if reasons != [f'{dest}: unreadable with the given passphrase']:
            old_cert = _packed_certificate(old, passphrase)
    if reasons and not check_mode:
        files.atomic_write(dest, bundles.build_pkcs12(name, key, leaf, cas, passphrase), mode, owner, group,
                           default_mode=0o600)
    attributes = {}
    if not reasons:
        attributes = files.ensure_attributes(dest, mode, owner, group, check_mode)
    result = {
        'changed': bool(reasons) or bool(attributes),
        'reasons': reasons,
        'subject': leaf.subject.rfc4514_string(),
        'fingerprint_sha256': pki.fingerprint_sha256(leaf),
        'ca_count': len(cas),
        'diff': {'before_header': dest, 'after_header': dest,
                 'before': pki.diff_facts(old_cert), 'after': pki.diff_facts(leaf)},
    }
    if attributes:
        result['attributes_changed'] = sorted(attributes)
    return result


def _packed_certificate(data: bytes, passphrase: str):
    from cryptography.hazmat.primitives.serialization import pkcs12   # pylint: disable=import-outside-toplevel
    try:
        return pkcs12.load_key_and_certificates(data, passphrase.encode('utf-8'))[1]
    except (ValueError, TypeError):
        return None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type='path', required=True),
            key_path=dict(type='path', required=True),
            cert_path=dict(type='path', required=True),
            ca_path=dict(type='path'),
            passphrase=dict(type='str', required=True, no_log=True),
            friendly_name=dict(type='str'),
            owner=dict(type='str'),
            group=dict(type='str'),
            mode=dict(type='raw', default='0600'),
        ),
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:
        # Installed but older than the collection needs: say so, naming both versions.
        if pki.CRYPTOGRAPHY_TOO_OLD:
            module.fail_json(msg=pki.CRYPTOGRAPHY_IMPORT_ERROR)
        module.fail_json(msg=missing_required_lib(pki.CRYPTOGRAPHY_REQUIREMENT), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    module_runner.run_ensure(module, ensure_pkcs12)


if __name__ == '__main__':
    main()
