#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tls_bundle
short_description: Install a bundle of trusted CA certificates
description:
  - Writes the CA certificates given in O(certificates) into one PEM file, for C(ssl-ca),
    C(socket.ssl_ca) or Go's trust pool.
  - Only CA certificates are accepted (an error names the entry that is not one); duplicates are
    dropped by SHA-256 fingerprint; the order given is kept, so the file only changes when its
    content does.
  - The file is written atomically with its final owner, group and mode.
  - With an intermediate CA, put the B(root) here and the intermediates in the certificate files
    (leaf first). OpenSSL-based peers (MariaDB, Galera, SST) only accept a chain that ends at a
    self-signed root in the CA file. A warning names an intermediate given here without its root.
version_added: 0.1.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - cryptography >= 3.3 (on the target)
attributes:
  check_mode:
    support: full
    description: Reports whether the bundle would change.
  diff_mode:
    support: full
    description: Shows the subjects and fingerprints of the certificates before and after.
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  dest:
    description: Path of the bundle file on the target.
    type: path
    required: true
  certificates:
    description:
      - CA certificates, each either PEM text (one or more certificates) or the path of a PEM file B(on the target).
      - To add a file from the controller, pass its content, for example with C(lookup('ansible.builtin.file', path)).
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - dbtls.transport.tls_files
  - dbtls.transport.tls_files.public_mode
seealso:
  - module: dbtls.transport.tls_ca
'''

EXAMPLES = r'''
- name: Trust the cluster CA and the next one during a rotation
  dbtls.transport.tls_bundle:
    dest: /etc/dbtls/tls/ca-bundle.pem
    certificates:
      - "{{ lookup('ansible.builtin.file', inventory_dir ~ '/pki/ca.crt') }}"
      - "{{ lookup('ansible.builtin.file', inventory_dir ~ '/pki-next/ca.crt') }}"
    owner: root
    group: mysql
    mode: "0644"
'''

RETURN = r'''
certificates:
  description: The certificates in the bundle, in order.
  returned: always
  type: list
  elements: dict
  contains:
    subject:
      description: Subject (RFC 4514).
      type: str
      returned: always
    fingerprint_sha256:
      description: SHA-256 fingerprint.
      type: str
      returned: always
    not_after:
      description: End of validity (UTC, ISO 8601).
      type: str
      returned: always
count:
  description: Number of certificates in the bundle.
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dbtls.transport.plugins.module_utils import bundles
from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner
from ansible_collections.dbtls.transport.plugins.module_utils import pki


def _read(path: str, source: str) -> bytes:
    data = files.read_file(path)
    if data is None:
        raise files.FilesError(f'{path}: no such file ({source})')
    return data


def ensure_bundle(params: dict, check_mode: bool = False) -> dict:
    dest = params['dest']
    mode = files.parse_mode(params.get('mode', '0644'), 'mode')
    owner, group = params.get('owner'), params.get('group')
    files.resolve_owner(owner)
    files.resolve_group(group)
    content, certs = bundles.build_bundle(bundles.bundle_entries(params['certificates'], read=_read))

    old = files.read_file(dest)
    changed = old != content
    if changed and not check_mode:
        files.atomic_write(dest, content, mode, owner, group, default_mode=0o644)
    attributes = {}
    if not changed:
        attributes = files.ensure_attributes(dest, mode, owner, group, check_mode)
    after = [bundles.certificate_summary(c) for c in certs]
    result = {
        'changed': changed or bool(attributes),
        'warnings': [f'{dest}: {w}' for w in bundles.bundle_warnings(certs)],
        'certificates': after,
        'count': len(after),
        'diff': bundles.bundle_diff(dest, bundles.summaries_of(old, dest) if old is not None else None, after),
    }
    if attributes:
        result['attributes_changed'] = sorted(attributes)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            dest=dict(type='path', required=True),
            certificates=dict(type='list', elements='str', required=True),
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
    module_runner.run_ensure(module, ensure_bundle)


if __name__ == '__main__':
    main()
