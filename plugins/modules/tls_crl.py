#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tls_crl
short_description: Create and update the CA's certificate revocation list
description:
  - Ensures a PEM CRL signed by the CA that lists exactly the certificates in O(revoked), with a CRL
    number and authority key identifier. Runs where the CA key is, normally the controller.
  - Idempotent - the CRL is only rewritten (with the next CRL number) when the revoked set changed,
    when it was signed by another CA, or when its next update is closer than O(renew_before_days).
  - A revocation without a date keeps the date already in the CRL, or gets the current time when it
    is new.
version_added: 0.1.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - cryptography >= 3.3 (on the host the module runs on)
attributes:
  check_mode:
    support: full
    description: Reports whether the CRL would be rewritten and why.
  diff_mode:
    support: full
    description: Shows the CRL number, dates and revoked serials before and after.
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  path:
    description: Path of the CRL (PEM).
    type: path
    required: true
  ca_cert_path:
    description: Path of the CA certificate.
    type: path
    required: true
  ca_key_path:
    description: Path of the CA private key; read in memory only.
    type: path
    required: true
  ca_key_passphrase:
    description: Passphrase of an encrypted CA key.
    type: str
  revoked:
    description: The certificates to list as revoked (the complete list; an entry left out is un-revoked).
    type: list
    elements: dict
    default: []
    suboptions:
      serial:
        description: Serial number (int, decimal string, C(0x…) or colon hex C(01:AB:…)). One of O(revoked[].serial) and O(revoked[].cert_path) is required.
        type: raw
      cert_path:
        description: Path of the revoked certificate (on the host the module runs on); it must have been issued by the CA.
        type: path
      reason:
        description: Revocation reason (C(unspecified) is expressed by leaving the reason code out, as RFC 5280 asks).
        type: str
        choices: [unspecified, key_compromise, ca_compromise, affiliation_changed, superseded, cessation_of_operation,
                  certificate_hold, privilege_withdrawn, aa_compromise]
        default: unspecified
      revocation_date:
        description: When the certificate was revoked, C(YYYY-MM-DD) or ISO 8601 (UTC if no zone). Default - kept from the CRL, or now.
        type: str
  next_update_days:
    description: Days from now to the CRL's next update.
    type: int
    default: 30
  renew_before_days:
    description: Rewrite the CRL when its next update is fewer than this many days away.
    type: int
    default: 7
extends_documentation_fragment:
  - dbtls.transport.tls_files
  - dbtls.transport.tls_files.public_mode
seealso:
  - module: dbtls.transport.tls_ca
'''

EXAMPLES = r'''
- name: Revoke a retired node's certificate
  dbtls.transport.tls_crl:
    path: "{{ inventory_dir }}/pki/ca.crl"
    ca_cert_path: "{{ inventory_dir }}/pki/ca.crt"
    ca_key_path: "{{ inventory_dir }}/pki/ca.key"
    revoked:
      - serial: "4F:1A:09:77:0C:2B"
        reason: cessation_of_operation
      - cert_path: "{{ inventory_dir }}/pki/retired/db3.crt"
        reason: key_compromise
        revocation_date: "2026-03-01"
  delegate_to: localhost
  run_once: true
'''

RETURN = r'''
reasons:
  description: Why the CRL was (or would be) rewritten; empty when it was not.
  returned: always
  type: list
  elements: str
crl_number:
  description: The CRL number now in effect (or that would be).
  returned: always
  type: int
revoked:
  description: The revoked certificates listed.
  returned: always
  type: list
  elements: dict
  contains:
    serial:
      description: Serial number.
      type: int
      returned: always
    serial_hex:
      description: Serial number in colon hex.
      type: str
      returned: always
    reason:
      description: Revocation reason.
      type: str
      returned: always
    revocation_date:
      description: Revocation date (UTC, ISO 8601).
      type: str
      returned: always
last_update:
  description: This update of the CRL (UTC, ISO 8601).
  returned: always
  type: str
next_update:
  description: Next update of the CRL (UTC, ISO 8601).
  returned: always
  type: str
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dbtls.transport.plugins.module_utils import crl
from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner
from ansible_collections.dbtls.transport.plugins.module_utils import pki


def _entries(revoked: list, ca_cert, ca_cert_path: str) -> list:
    entries = []
    for number, item in enumerate(revoked or [], start=1):
        source = f'revoked[{number}]'
        serial = item.get('serial')
        cert_path = item.get('cert_path')
        if (serial is None) == (not cert_path):
            raise pki.PKIError(f'{source}: give exactly one of serial and cert_path')
        if cert_path:
            cert = pki.load_certificate(files.read_required(cert_path, source), cert_path)
            mismatch = pki.issuer_mismatch(cert, ca_cert)
            if mismatch:
                raise pki.PKIError(f'{cert_path}: not issued by the CA {ca_cert_path} ({mismatch})')
            serial = cert.serial_number
            source = cert_path
        entries.append(crl.revoked_entry(serial, item.get('reason'), item.get('revocation_date'), source))
    return entries


def ensure_crl(params: dict, check_mode: bool = False, now=None) -> dict:
    now = now or pki.utcnow()
    path = params['path']
    mode = files.parse_mode(params.get('mode', '0644'), 'mode')
    owner, group = params.get('owner'), params.get('group')
    files.resolve_owner(owner)
    files.resolve_group(group)
    next_update_days = params.get('next_update_days', 30)
    renew_before_days = params.get('renew_before_days', 7)
    if renew_before_days < 0 or next_update_days < 1 or renew_before_days >= next_update_days:
        raise pki.PKIError(f'renew_before_days ({renew_before_days}) must be from 0 to less than '
                           f'next_update_days ({next_update_days})')

    ca_cert_path, ca_key_path = params['ca_cert_path'], params['ca_key_path']
    ca_cert = pki.load_certificate(files.read_required(ca_cert_path, 'ca_cert_path'), ca_cert_path)
    if not pki.is_ca(ca_cert):
        raise pki.PKIError(f'{ca_cert_path}: not a CA certificate')
    ca_key = pki.load_private_key(files.read_required(ca_key_path, 'ca_key_path'), ca_key_path,
                                  params.get('ca_key_passphrase'))
    pki.check_key_matches_certificate(ca_key, ca_cert, ca_key_path, ca_cert_path)

    old_data = files.read_file(path)
    old = crl.load_crl(old_data, path) if old_data is not None else None
    entries = crl.resolve_revoked(_entries(params.get('revoked'), ca_cert, ca_cert_path), old, now)
    reasons = crl.crl_needs_update(old, ca_cert, entries, now, renew_before_days)

    current = old
    if reasons:
        previous = crl.crl_number(old) if old is not None and 'issued by another CA' not in reasons else None
        current = crl.build_crl(ca_cert, ca_key, entries, (previous or 0) + 1, next_update_days, now,
                                ca_source=ca_cert_path)
        if not check_mode:
            files.atomic_write(path, crl.crl_pem(current), mode, owner, group, default_mode=0o644)
    attributes = {}
    if not reasons:
        attributes = files.ensure_attributes(path, mode, owner, group, check_mode)
    facts = crl.crl_facts(current)
    result = {
        'changed': bool(reasons) or bool(attributes),
        'reasons': reasons,
        'crl_number': facts['crl_number'],
        'revoked': facts['revoked'],
        'last_update': facts['last_update'],
        'next_update': facts['next_update'],
        'diff': {'before_header': path, 'after_header': path,
                 'before': crl.crl_facts(old) if old is not None else {}, 'after': facts},
    }
    if attributes:
        result['attributes_changed'] = sorted(attributes)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type='path', required=True),
            ca_cert_path=dict(type='path', required=True),
            ca_key_path=dict(type='path', required=True),
            ca_key_passphrase=dict(type='str', no_log=True),
            revoked=dict(type='list', elements='dict', default=[], options=dict(
                serial=dict(type='raw'),
                cert_path=dict(type='path'),
                reason=dict(type='str', default='unspecified', choices=list(crl.REVOCATION_REASONS)),
                revocation_date=dict(type='str'),
            )),
            next_update_days=dict(type='int', default=30),
            renew_before_days=dict(type='int', default=7),
            owner=dict(type='str'),
            group=dict(type='str'),
            mode=dict(type='raw', default='0644'),
        ),
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:
        # Installed but older than the collection needs: say so, naming both versions.
        if pki.CRYPTOGRAPHY_TOO_OLD:
            module.fail_json(msg=pki.CRYPTOGRAPHY_IMPORT_ERROR)
        module.fail_json(msg=missing_required_lib(pki.CRYPTOGRAPHY_REQUIREMENT), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    module_runner.run_ensure(module, ensure_crl)


if __name__ == '__main__':
    main()
