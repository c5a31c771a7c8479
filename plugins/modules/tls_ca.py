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
  - cryptography >= 3.3 (on the host the module runs on)
attributes:
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

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner
from ansible_collections.dbtls.transport.plugins.module_utils import pki


def ensure_ca(params: dict, check_mode: bool = False, now=None) -> dict:
    """Everything tls_ca does, for a params dict; raises PKIError / FilesError. With folder_mode,
    folders this run created are removed again when it fails."""
    created: list[str] = []
    try:
        return _ensure_ca(params, check_mode, now, created)
    except BaseException:
        if not check_mode:
            files.remove_folders(created)
        raise


def _ensure_ca(params: dict, check_mode: bool, now, created: list) -> dict:
    key_path, cert_path = params['key_path'], params['cert_path']
    passphrase = params.get('key_passphrase')
    key_mode = files.parse_mode(params.get('key_mode', '0600'), 'key_mode')
    cert_mode = files.parse_mode(params.get('cert_mode', '0644'), 'cert_mode')
    owner, group = params.get('owner'), params.get('group')
    key_type = params.get('key_type', 'ecdsa')
    key_size = params.get('key_size', 2048)
    curve = params.get('curve', 'secp256r1')
    renew_before_days = params.get('renew_before_days', 90)
    valid_days = params.get('valid_days', 3650)
    common_name = params['common_name']
    organization = params.get('organization')
    now = now or pki.utcnow()
    warnings = []

    if key_mode is not None and key_mode & 0o007:
        raise pki.PKIError(f'key_mode {key_mode:04o} would let every user read {key_path}; use 0600 or 0640')
    if renew_before_days < 0:
        raise pki.PKIError(f'renew_before_days must not be negative, got {renew_before_days}')
    if valid_days < 1:
        raise pki.PKIError(f'valid_days must be at least 1, got {valid_days}')
    if renew_before_days and renew_before_days >= valid_days:
        raise pki.PKIError(f'renew_before_days ({renew_before_days}) must be smaller than valid_days '
                           f'({valid_days}), or every run would renew the CA')
    # Resolve owner/group now so that an unknown name fails before anything is written.
    files.resolve_owner(owner)
    files.resolve_group(group)
    folder_mode = files.parse_mode(params.get('folder_mode'), 'folder_mode')
    issuer_cert, issuer_key, issuer_source = _issuer(params, now)
    path_length = params.get('path_length')
    # The key's folder first (everything above was checked): its mode guards the CA key.
    folders_made, folder_changes = [], {}
    if folder_mode is not None:
        folders_made, folder_changes = files.ensure_folder(os.path.dirname(os.path.abspath(key_path)), folder_mode,
                                                           check_mode=check_mode, created=created)

    key_data = files.read_file(key_path)
    cert_data = files.read_file(cert_path)
    if key_data is None and cert_data is not None:
        raise pki.PKIError(f'{key_path}: the CA key is missing but the certificate {cert_path} exists; '
                           'restore the key (a new key would be a new CA) or remove the certificate')
    key = pki.load_private_key(key_data, key_path, passphrase) if key_data is not None else None
    cert = pki.load_certificate(cert_data, cert_path) if cert_data is not None else None

    key_generated = False
    if key is None:
        pki.check_key_spec(key_type, key_size, curve)
        reasons = ['missing']
        key_generated = True
        if not check_mode:
            key = pki.generate_private_key(key_type, key_size, curve)
    else:
        if not pki.key_matches_spec(key, key_type, key_size, curve):
            warnings.append(
                f'{key_path}: the existing CA key is {pki.describe_key(key)}, key_type asks for '
                f'{pki.describe_key_spec(key_type, key_size, curve)}; the key is kept (a new key is a '
                'new CA: rotate to it instead)')
        reasons = pki.ca_needs_renewal(cert, key, common_name, renew_before_days, now,
                                       cert_source=cert_path, key_source=key_path,
                                       organization=organization, issuer_cert=issuer_cert)
        if params.get('force') and not reasons:
            reasons = ['forced (force=true)']

    new_cert = None
    if reasons and key is not None:
        if cert is not None:
            new_cert = pki.renew_ca(cert, key, valid_days, now, cert_source=cert_path,
                                    issuer_cert=issuer_cert, issuer_key=issuer_key,
                                    path_length=path_length, issuer_source=issuer_source)
        else:
            new_cert = pki.build_ca(key, common_name, valid_days, organization, now,
                                    issuer_cert=issuer_cert, issuer_key=issuer_key,
                                    path_length=path_length, issuer_source=issuer_source)
    elif reasons and issuer_cert is not None and pki.common_name_of(issuer_cert) == common_name:
        # Check mode without a key yet: refuse now what the real run would refuse.
        raise pki.PKIError(f'common_name {common_name!r} equals the CN of the issuer {issuer_source}; '
                           'give the intermediate its own name')

    changed = bool(reasons) or bool(folders_made) or bool(folder_changes)
    backups = {}
    if not check_mode and reasons:
        to_write = []
        if key_generated:
            to_write.append(files.FileSpec(key_path, pki.serialize_private_key(key, passphrase),
                                           key_mode, owner, group))
        to_write.append(files.FileSpec(cert_path, pki.certificate_pem(new_cert), cert_mode, owner, group))
        # Only the certificate can be there already: a key is only written when there is none.
        backups = files.write_files(to_write, parent_mode=0o700, backup=bool(params.get('backup')))
    # Owner, group and mode of files that were not rewritten.
    attribute_changes = {}
    for path, mode, written in ((key_path, key_mode, key_generated and reasons),
                                (cert_path, cert_mode, bool(reasons))):
        if not written and os.path.exists(path):
            diff = files.ensure_attributes(path, mode, owner, group, check_mode)
            if diff:
                attribute_changes[path] = diff
                changed = True

    shown = new_cert or cert
    result = {
        'changed': changed,
        'reasons': reasons,
        'key_generated': key_generated,
        'warnings': warnings,
        'diff': {
            'before_header': cert_path,
            'after_header': cert_path,
            'before': pki.diff_facts(cert),
            'after': _after(new_cert, cert, reasons, common_name, valid_days,
                            pki.describe_key_spec(key_type, key_size, curve)),
        },
    }
    if folder_changes:
        attribute_changes[os.path.dirname(os.path.abspath(key_path))] = folder_changes
    if attribute_changes:
        result['attributes_changed'] = {p: sorted(c) for p, c in attribute_changes.items()}
    if folders_made:
        result['folders_created'] = folders_made
    if backups.get(cert_path):
        result['backup_file'] = backups[cert_path]
    if key is not None:
        result['key_type'] = pki.describe_key(key)
    if shown is not None:
        facts = pki.certificate_facts(shown, now)
        for name in ('subject', 'issuer', 'serial', 'serial_hex', 'fingerprint_sha256', 'not_before', 'not_after', 'days_left'):
            result[name] = facts[name]
        if params.get('return_content'):
            # Check mode returns the certificate on disk: the new one is not made without a key.
            on_disk = cert if check_mode else shown
            result['certificate'] = pki.certificate_pem(on_disk).decode('ascii') if on_disk is not None else None
    elif params.get('return_content'):
        result['certificate'] = None
    return result


def _issuer(params: dict, now):
    """The issuing CA of an intermediate (certificate, key, source name), or Nones for a root."""
    cert_path, key_path = params.get('issuer_cert_path'), params.get('issuer_key_path')
    if not cert_path and not key_path:
        return None, None, None
    if not cert_path or not key_path:
        raise pki.PKIError('issuer_cert_path and issuer_key_path go together: give both to sign this '
                           'CA as an intermediate, or neither for a self-signed root')
    for path in (cert_path, key_path):
        if os.path.abspath(path) in (os.path.abspath(params['key_path']), os.path.abspath(params['cert_path'])):
            raise pki.PKIError(f'{path}: the issuer\'s files must differ from key_path and cert_path')
    cert_data, key_data = files.read_file(cert_path), files.read_file(key_path)
    if cert_data is None:
        raise files.FilesError(f'{cert_path}: no such file (issuer_cert_path)')
    if key_data is None:
        raise files.FilesError(f'{key_path}: no such file (issuer_key_path)')
    cert = pki.load_certificate(cert_data, cert_path)
    key = pki.load_private_key(key_data, key_path, params.get('issuer_key_passphrase'))
    pki.check_issuer(cert, key, cert_path, key_path, now)
    return cert, key, cert_path


def _after(new_cert, cert, reasons, common_name, valid_days, key_description):
    if new_cert is not None:
        return pki.diff_facts(new_cert)
    if not reasons:
        return pki.diff_facts(cert)
    # Check mode without a key: describe what would be created.
    return {'subject': f'CN={common_name}', 'valid_days': valid_days, 'key_type': key_description}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            key_path=dict(type='path', required=True),
            cert_path=dict(type='path', required=True),
            common_name=dict(type='str', required=True),
            organization=dict(type='str'),
            key_type=dict(type='str', choices=list(pki.KEY_TYPES), default='ecdsa'),
            key_size=dict(type='int', default=2048),
            curve=dict(type='str', choices=list(pki.CURVES), default='secp256r1'),
            key_passphrase=dict(type='str', no_log=True),
            valid_days=dict(type='int', default=3650),
            renew_before_days=dict(type='int', default=90),
            owner=dict(type='str'),
            group=dict(type='str'),
            key_mode=dict(type='raw', default='0600', aliases=['mode'], no_log=False),
            cert_mode=dict(type='raw', default='0644'),
            issuer_cert_path=dict(type='path'),
            issuer_key_path=dict(type='path'),
            issuer_key_passphrase=dict(type='str', no_log=True),
            path_length=dict(type='int'),
            folder_mode=dict(type='raw'),
            force=dict(type='bool', default=False),
            backup=dict(type='bool', default=False),
            return_content=dict(type='bool', default=False),
        ),
        required_together=[('issuer_cert_path', 'issuer_key_path')],
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:
        # Installed but older than the collection needs: say so, naming both versions.
        if pki.CRYPTOGRAPHY_TOO_OLD:
            module.fail_json(msg=pki.CRYPTOGRAPHY_IMPORT_ERROR)
        module.fail_json(msg=missing_required_lib(pki.CRYPTOGRAPHY_REQUIREMENT), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    module_runner.run_ensure(module, ensure_ca)


if __name__ == '__main__':
    main()
