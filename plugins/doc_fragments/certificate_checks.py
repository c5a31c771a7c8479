# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The ``certificates`` option of the node reads (galera_node_info, host_info): the certificates a
node uses, checked as tls_verify checks one, in the run that reads the node."""

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r'''
requirements:
  - cryptography >= 3.3 on the host, for O(certificates) only
options:
  certificates:
    description:
      - Certificates to check, each as M(dbtls.transport.tls_verify) checks one with C(fail_on_findings=false) -
        against its key and CA file, the names and usage it must carry and the days it must have left.
      - The result is returned by name in RV(certificates), and whether each file named exists in RV(tls_files); a
        missing or unreadable file is a finding, not a failure, and so is every check on a host without the
        cryptography library (the rest of the read is returned). Nothing of a key is returned.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The name the result is returned under.
        type: str
        required: true
      cert_path:
        description: The certificate (the leaf first, then any chain).
        type: path
        required: true
      key_path:
        description: Its private key, checked to match the certificate.
        type: path
      ca_path:
        description: The CA file the certificate must chain to.
        type: path
      required_sans:
        description: SANs the certificate must carry (C(DNS:name), C(IP:address)).
        type: list
        elements: str
        default: []
      required_usage:
        description: Extended key usage it must allow.
        type: str
        choices: [server, client, peer]
      min_days_left:
        description: Days it must still be valid.
        type: int
        default: 0
      check_cn_differs:
        description: Whether the leaf's CN must differ from its issuer's.
        type: bool
        default: true
'''
