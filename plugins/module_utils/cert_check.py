# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A certificate on a host checked against its key, its CA file, names, usage and days left.

Shared by tls_verify (one certificate) and the node reads galera_node_info and host_info (the
certificates a node uses, checked in the run that reads the node). Pure logic over pki.py: no
Ansible imports.
"""

from __future__ import annotations

import os

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import pki


def _load(path: str, load, findings: list):
    """``load(data, path)`` of the file at ``path``; a missing or unreadable one is added to
    ``findings`` (and None returned) instead of failing the check."""
    data = files.read_file(path)
    if data is None:
        findings.append(f'{path}: no such file')
        return None
    try:
        return load(data, path)
    except pki.PKIError as exc:
        findings.append(str(exc))
        return None


def check_files(params: dict, now=None) -> dict:
    """Read the files and run pki.verify(); unreadable input becomes a finding too."""
    findings = []
    if params.get('cert_path'):
        cert_source = params['cert_path']
        data = files.read_file(cert_source)
        if data is None:
            return {'valid': False, 'findings': [f'{cert_source}: no such file'], 'chain': []}
    else:
        cert_source = 'certificate'
        data = params['certificate']
    certs = pki.load_certificates(data, cert_source)

    key_source, ca_source = params.get('key_path'), params.get('ca_path')
    key = _load(key_source, pki.load_private_key, findings) if key_source else None
    ca_certs = _load(ca_source, pki.load_certificates, findings) if ca_source else None

    facts, chain, more = pki.verify(
        certs, ca_certs, key=key, required_sans=params.get('required_sans') or [],
        required_usage=params.get('required_usage'), min_days_left=params.get('min_days_left') or 0,
        check_cn_differs=params.get('check_cn_differs', True), now=now,
        cert_source=cert_source, ca_source=ca_source or 'ca_path', key_source=key_source or 'key')
    findings.extend(more)
    return {'valid': not findings, 'findings': findings, 'certificate': facts, 'chain': chain}


def check_all(checks: list) -> dict:
    """``certificates`` (each check's result by name; a file that cannot be read or parsed is a
    finding) and ``tls_files`` (whether each file named exists, links followed). Without the
    cryptography library every check is a finding that says so: a node read that also checks
    certificates still answers (a recovery reads nodes where nothing else matters). ValueError
    names what is wrong with the input."""
    names = [check['name'] for check in checks]
    if len(set(names)) != len(names):
        raise ValueError(f'certificates: each name must be given once, got {", ".join(names)}')
    tls_files = {path: os.path.exists(path) for check in checks
                 for path in (check['cert_path'], check.get('key_path'), check.get('ca_path')) if path}
    results = {}
    for check in checks:
        if not pki.HAS_CRYPTOGRAPHY:
            missing = (pki.CRYPTOGRAPHY_IMPORT_ERROR if pki.CRYPTOGRAPHY_TOO_OLD
                       else f'the Python library {pki.CRYPTOGRAPHY_REQUIREMENT} is not installed')
            results[check['name']] = {'valid': False, 'certificate': {}, 'chain': [],
                                      'findings': [f'{check["cert_path"]}: not checked on this host: {missing}']}
            continue
        try:
            results[check['name']] = check_files(check)
        except (pki.PKIError, files.FilesError, OSError) as exc:
            results[check['name']] = {'valid': False, 'findings': [str(exc)], 'certificate': {}, 'chain': []}
    return {'certificates': results, 'tls_files': tls_files}
