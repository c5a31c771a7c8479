#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tls_ca
short_description: Create and renew a private certificate authority
description:
  - 'Ensures a CA private key and a self-signed CA certificate, usually on the controller
    (C(delegate_to: localhost)).'
  - The key is generated when missing and then never replaced. A CA certificate that is inside its
    renew window, or expired, is re-signed with the B(same key, subject and key identifier), so
    every certificate the old one issued still verifies against the new one.
  - The certificate has C(basicConstraints CA:TRUE) and C(keyUsage keyCertSign, cRLSign,
    digitalSignature), both critical, and subject/authority key identifiers.
  - Files are written atomically with their final owner, group and mode from the start; the key is
    never readable by anyone else, never returned and never shown in a diff.
  - Missing parent directories are created with mode C(0700).
  - With O(issuer_cert_path) and O(issuer_key_path) the CA is an B(intermediate) signed by that
    issuer (for example an enterprise root brought online for this task, or a test root) instead of
    a self-signed root. Its validity never exceeds the issuer's; it is signed again (same key,
    subject and key identifier) when it is due for renewal or when the issuer changed.
  - An ansible-vault encrypted key file is refused with a message naming it - a module cannot
    decrypt it without the plaintext being written out. Protect a key managed by this module with
    O(key_passphrase); vault a key that is only used for signing (M(dbtls.transport.tls_cert)).
version_added: 0.1.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - cryptography >= 3.3 (on the host the module runs on; on the controller, where it runs in the action's process)
attributes:
  action:
    support: full
    description:
      - On the controller (the local connection, without become, not async) the action runs the module's code in its
        own process, with the same checks, files and result; elsewhere it runs the module on the host.
  check_mode:
    support: full
    description: Reports what would be created or renewed, and why, without writing.
  diff_mode:
    support: full
    description: Shows the certificate's subject, serial, validity and fingerprint before and after.
  platform:
    support: full
    platforms: posix
    description: Runs wherever the CA lives, normally the controller.
options:
  key_path:
    description: Path of the CA private key (PKCS#8 PEM).
    type: path
    required: true
  cert_path:
    description: Path of the CA certificate (PEM).
    type: path
    required: true
  common_name:
    description:
      - The CA's common name. It must differ from every leaf certificate's CN (MySQL and Percona
        XtraDB Cluster refuse a leaf whose CN equals its CA's).
      - Changing it for an existing CA is an error; a new name is a new CA.
    type: str
    required: true
  organization:
    description: Optional organization (O) in the CA's subject.
    type: str
  key_type:
    description:
      - Type of a new key. An existing key is kept whatever its type (a new key would be a new CA);
        a warning says when it differs.
      - C(ecdsa) works on every channel tested (Galera, mariabackup SST, MySQL clients, Go); choose
        C(rsa) for Percona XtraDB Cluster 5.7 SST scripts, which check keys with C(openssl rsa).
    type: str
    choices: [rsa, ecdsa, ed25519]
    default: ecdsa
  key_size:
    description: RSA key size in bits (ignored for other key types).
    type: int
    default: 2048
  curve:
    description: ECDSA curve (ignored for other key types).
    type: str
    choices: [secp256r1, secp384r1]
    default: secp256r1
  key_passphrase:
    description:
      - Passphrase that encrypts the CA key (PKCS#8, best available encryption).
      - Required to read an encrypted key; an error is raised when it is given for a key that is not
        encrypted.
    type: str
  valid_days:
    description: Validity of a new or renewed CA certificate, in days.
    type: int
    default: 3650
  renew_before_days:
    description:
      - Renew the certificate (same key) when fewer days than this are left, or when it has expired.
      - C(0) disables renewal; an expired CA is then an error.
    type: int
    default: 90
  issuer_cert_path:
    description:
      - Certificate of the CA that signs this one (PEM). Makes this CA an intermediate.
      - Give it together with O(issuer_key_path).
    type: path
  issuer_key_path:
    description: Private key of the issuing CA (PEM). It is only read, never written or returned.
    type: path
  issuer_key_passphrase:
    description: Passphrase of an encrypted O(issuer_key_path).
    type: str
  path_length:
    description:
      - C(pathLenConstraint) of the CA certificate. C(0) for an intermediate that only signs leaves
        (the usual choice); empty for no limit.
      - Only applied when the certificate is created or re-signed.
    type: int
  key_mode:
    description: Mode of the key file, as an octal string. Modes that let other users read or write it are refused.
    type: raw
    default: '0600'
    aliases: [mode]
  cert_mode:
    description: Mode of the certificate file, as an octal string.
    type: raw
    default: '0644'
  folder_mode:
    description:
      - Mode of the folder that holds O(key_path), for example C(0700). When given, a missing folder is created
        with it (and missing folders above it with C(0755)), and an existing one whose mode differs is corrected
        (RV(attributes_changed)), in this module run. A run that fails removes the folders it created.
      - Not given (the default), missing folders are created C(0700) when the files are written and an existing
        folder is left as it is.
    type: raw
  force:
    description:
      - Sign the CA certificate again now (same key, subject and key identifier, a new serial and
        validity), even when it is not due. Certificates it issued keep verifying.
      - The key is never replaced, not even with O(force) - a new key is a new CA (see
        C(dbtls.transport.rotate_ca)).
      - In check mode the task reports a change and writes nothing.
    type: bool
    default: false
  backup:
    description:
      - Keep a copy of the CA certificate before it is replaced (renewal, O(force), a changed
        issuer), named C(<cert_path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~) with the file's owner, group and
        mode, as M(ansible.builtin.copy) and M(community.crypto.x509_certificate) name theirs; RV(backup_file)
        returns its path.
      - The key is only ever created, never replaced, so it has no backup.
    type: bool
    default: false
  return_content:
    description:
      - Return the (current or new) CA certificate in PEM as RV(certificate).
      - The private key is B(never) returned, not with this option either.
    type: bool
    default: false
extends_documentation_fragment:
  - dbtls.transport.tls_files
seealso:
  - module: dbtls.transport.tls_cert
  - module: dbtls.transport.tls_bundle
  - module: dbtls.transport.tls_crl
'''

EXAMPLES = r'''
- name: Ensure the cluster CA on the controller
  dbtls.transport.tls_ca:
    key_path: "{{ inventory_dir }}/pki/ca.key"
    cert_path: "{{ inventory_dir }}/pki/ca.crt"
    common_name: dbtls production CA
    key_type: ecdsa
    renew_before_days: 180
  delegate_to: localhost
  run_once: true
  become: false
  register: ca

- name: An RSA CA whose key is encrypted
  dbtls.transport.tls_ca:
    key_path: /srv/pki/ca.key
    cert_path: /srv/pki/ca.crt
    common_name: dbtls PXC 5.7 CA
    key_type: rsa
    key_size: 3072
    key_passphrase: "{{ vault_ca_passphrase }}"
  delegate_to: localhost
  run_once: true
  no_log: true

- name: Sign the CA certificate again now, keeping a copy of the old one, and return it
  dbtls.transport.tls_ca:
    key_path: "{{ inventory_dir }}/pki/ca.key"
    cert_path: "{{ inventory_dir }}/pki/ca.crt"
    common_name: dbtls production CA
    force: true
    backup: true
    return_content: true
  delegate_to: localhost
  run_once: true
  become: false
  register: ca_renewed

- name: An intermediate CA signed by the root (bring the root key online only for this task)
  dbtls.transport.tls_ca:
    key_path: "{{ inventory_dir }}/pki/intermediate.key"
    cert_path: "{{ inventory_dir }}/pki/intermediate.crt"
    common_name: dbtls production issuing CA
    issuer_cert_path: /media/offline-root/root.crt
    issuer_key_path: /media/offline-root/root.key
    issuer_key_passphrase: "{{ vault_root_passphrase }}"
    path_length: 0
    valid_days: 1825
    key_passphrase: "{{ vault_ca_passphrase }}"
  delegate_to: localhost
  run_once: true
  no_log: true
'''

RETURN = r'''
reasons:
  description: Why the certificate was (or would be) created or renewed; empty when nothing was due.
  returned: always
  type: list
  elements: str
  sample: ["inside renew window (60 days left, renew_before_days=90)"]
key_generated:
  description: Whether a new key was (or would be) generated.
  returned: always
  type: bool
subject:
  description: Subject of the CA certificate (RFC 4514).
  returned: when a certificate exists or was created
  type: str
  sample: CN=dbtls production CA
serial:
  description: Serial number of the CA certificate.
  returned: when a certificate exists or was created
  type: int
serial_hex:
  description: Serial number in colon hex, as openssl prints it.
  returned: when a certificate exists or was created
  type: str
fingerprint_sha256:
  description: SHA-256 fingerprint of the CA certificate.
  returned: when a certificate exists or was created
  type: str
  sample: "AB:CD:..."
not_before:
  description: Start of validity (UTC, ISO 8601).
  returned: when a certificate exists or was created
  type: str
not_after:
  description: End of validity (UTC, ISO 8601).
  returned: when a certificate exists or was created
  type: str
  sample: "2036-01-01T00:00:00Z"
days_left:
  description: Whole days until the CA certificate expires.
  returned: when a certificate exists or was created
  type: int
issuer:
  description: Issuer of the CA certificate (RFC 4514); equals RV(subject) for a self-signed root.
  returned: when a certificate exists or was created
  type: str
  sample: CN=Example Enterprise Root CA
key_type:
  description: Type of the CA key, for example C(ecdsa secp256r1).
  returned: when a key exists or was created
  type: str
certificate:
  description: The (current or new) CA certificate in PEM (public; in check mode the current one).
  returned: with O(return_content), when a certificate exists or was created
  type: str
backup_file:
  description: The copy of the CA certificate that was replaced.
  returned: with O(backup), when a certificate was replaced
  type: str
  sample: /srv/pki/ca.crt.2417.2026-12-06@05:31:07~
attributes_changed:
  description: Files, and with O(folder_mode) the key's folder, whose owner, group or mode were (or would be) corrected, each with what changed.
  returned: when any
  type: dict
  sample: {/srv/pki: [mode]}
folders_created:
  description: The folders this run created (in check mode, would create) for O(folder_mode), outermost first.
  returned: with O(folder_mode), when any
  type: list
  elements: str
  sample: [/srv/pki]
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dbtls.transport.plugins.module_utils import ca
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner
from ansible_collections.dbtls.transport.plugins.module_utils import pki


def main():
    module = AnsibleModule(
        argument_spec=ca.ARGUMENT_SPEC,
        required_together=ca.REQUIRED_TOGETHER,
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:
        # Installed but older than the collection needs: say so, naming both versions.
        if pki.CRYPTOGRAPHY_TOO_OLD:
            module.fail_json(msg=pki.CRYPTOGRAPHY_IMPORT_ERROR)
        module.fail_json(msg=missing_required_lib(pki.CRYPTOGRAPHY_REQUIREMENT), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    module_runner.run_ensure(module, ca.ensure_ca)


if __name__ == '__main__':
    main()
