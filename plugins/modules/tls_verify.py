#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tls_verify
short_description: Check a certificate, its key and its chain (read-only)
description:
  - Checks a certificate the way a database or Go client would, and fails with B(one) message that
    lists every problem, naming the file.
  - 'Checks: the chain from the certificate (plus any intermediates after it in the same file) to a
    CA in O(ca_path), by signature, with every issuer a CA and valid now; the key matches the
    certificate; the required SANs and usage are present; the CN differs from the issuer''s CN; the
    certificate is valid now and has at least O(min_days_left) days left.'
  - Returns structured facts about the certificate and its chain; never reads more than needed of the key.
version_added: 0.1.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - cryptography >= 3.3 (on the host the module runs on)
attributes:
  check_mode:
    support: full
    description: The module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  cert_path:
    description: Path of the certificate file (leaf first, intermediates after it). One of O(cert_path) and O(certificate) is required.
    type: path
  certificate:
    description: The certificate as PEM text instead of O(cert_path).
    type: str
  key_path:
    description: Path of the private key that must match the certificate (unencrypted; it is only compared, never returned).
    type: path
  ca_path:
    description: CA certificate or bundle the chain must lead to. Without it the chain is not checked.
    type: path
  required_sans:
    description: SANs that must be present, each C(DNS:<name>), C(IP:<address>) or C(email:<address>).
    type: list
    elements: str
    default: []
  required_usage:
    description: Usage the certificate must allow (C(peer) means both serverAuth and clientAuth; a C(peer) certificate satisfies any).
    type: str
    choices: [server, client, peer]
  min_days_left:
    description: Fewer days left than this is a finding.
    type: int
    default: 0
  check_cn_differs:
    description: Report a certificate whose CN equals its issuer's CN (MySQL and PXC reject those).
    type: bool
    default: true
  fail_on_findings:
    description: Fail when there are findings. Set to V(false) to collect RV(findings) in an audit instead.
    type: bool
    default: true
seealso:
  - module: dbtls.transport.tls_cert
'''

EXAMPLES = r'''
- name: Verify the installed peer certificate
  dbtls.transport.tls_verify:
    cert_path: /etc/dbtls/tls/peer.crt
    key_path: /etc/dbtls/tls/peer.key
    ca_path: /etc/dbtls/tls/ca-bundle.pem
    required_sans: ["DNS:{{ inventory_hostname }}"]
    required_usage: peer
    min_days_left: 30

- name: Audit without failing
  dbtls.transport.tls_verify:
    cert_path: /etc/dbtls/tls/peer.crt
    ca_path: /etc/dbtls/tls/ca-bundle.pem
    min_days_left: 60
    fail_on_findings: false
  register: audit

- name: Show what is wrong
  ansible.builtin.debug:
    var: audit.findings
  when: audit.findings | length > 0
'''

RETURN = r'''
valid:
  description: True when there are no findings.
  returned: always
  type: bool
findings:
  description: Every problem found, one sentence each, naming the file.
  returned: always
  type: list
  elements: str
  sample: ["/etc/dbtls/tls/peer.crt: 12 days left, fewer than the 30 required (expires 2026-02-01T00:00:00Z)"]
certificate:
  description: Facts about the certificate.
  returned: when the certificate could be read
  type: dict
  contains:
    subject:
      description: Subject (RFC 4514).
      type: str
      returned: always
    common_name:
      description: Common name, or null.
      type: str
      returned: always
    issuer:
      description: Issuer (RFC 4514).
      type: str
      returned: always
    serial:
      description: Serial number.
      type: int
      returned: always
    serial_hex:
      description: Serial number in colon hex.
      type: str
      returned: always
    sans:
      description: Subject alternative names (C(DNS:…), C(IP:…), C(email:…)).
      type: list
      elements: str
      returned: always
    not_before:
      description: Start of validity (UTC, ISO 8601).
      type: str
      returned: always
    not_after:
      description: End of validity (UTC, ISO 8601).
      type: str
      returned: always
    days_left:
      description: Whole days left (negative once expired).
      type: int
      returned: always
    fingerprint_sha256:
      description: SHA-256 fingerprint.
      type: str
      returned: always
    key_type:
      description: Key type, for example C(rsa 2048) or C(ecdsa secp256r1).
      type: str
      returned: always
    is_ca:
      description: Whether it is a CA certificate.
      type: bool
      returned: always
    usage:
      description: C(server), C(client), C(peer) or C(none).
      type: str
      returned: always
    key_usage:
      description: Key usage bits.
      type: list
      elements: str
      returned: always
    extended_key_usage:
      description: Extended key usages.
      type: list
      elements: str
      returned: always
chain:
  description: Facts (as for RV(certificate)) of each issuer above the certificate, up to the CA found in O(ca_path).
  returned: always
  type: list
  elements: dict
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import pki
from ansible_collections.dbtls.transport.plugins.module_utils.cert_check import check_files


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cert_path=dict(type='path'),
            certificate=dict(type='str'),
            key_path=dict(type='path'),
            ca_path=dict(type='path'),
            required_sans=dict(type='list', elements='str', default=[]),
            required_usage=dict(type='str', choices=list(pki.USAGES)),
            min_days_left=dict(type='int', default=0),
            check_cn_differs=dict(type='bool', default=True),
            fail_on_findings=dict(type='bool', default=True),
        ),
        mutually_exclusive=[('cert_path', 'certificate')],
        required_one_of=[('cert_path', 'certificate')],
        supports_check_mode=True,
    )
    if not pki.HAS_CRYPTOGRAPHY:
        # Installed but older than the collection needs: say so, naming both versions.
        if pki.CRYPTOGRAPHY_TOO_OLD:
            module.fail_json(msg=pki.CRYPTOGRAPHY_IMPORT_ERROR)
        module.fail_json(msg=missing_required_lib(pki.CRYPTOGRAPHY_REQUIREMENT), exception=pki.CRYPTOGRAPHY_IMPORT_ERROR)
    try:
        result = check_files(module.params)
    except (pki.PKIError, files.FilesError) as exc:
        module.fail_json(msg=str(exc), valid=False, findings=[str(exc)])
    except Exception as exc:  # pylint: disable=broad-except
        module.fail_json(msg=f'unexpected error: {exc}', exception=traceback.format_exc())
    if result['findings'] and module.params['fail_on_findings']:
        count = len(result['findings'])
        module.fail_json(msg=f'{count} problem{"s" if count > 1 else ""}: ' + '; '.join(result['findings']),
                         changed=False, **result)
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
