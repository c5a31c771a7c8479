# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A private CA: its key (generated once, never replaced) and its certificate (created, or re-signed
with the same key, subject and key identifier when due), for the tls_ca module and action.

ensure_ca() is everything tls_ca does, for a params dict. The action runs it in its own process
when the task runs on the controller (where a CA lives); the module runs it anywhere else. This
file imports nothing from Ansible."""

from __future__ import annotations

import os

from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import pki

# The options of the module and the action (one spec, so they accept the same arguments).
ARGUMENT_SPEC = dict(
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
)
REQUIRED_TOGETHER = [('issuer_cert_path', 'issuer_key_path')]


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
