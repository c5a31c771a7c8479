#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tls_keypair
short_description: Target side of tls_cert - keep the private key on the host, return a CSR, install the certificate
description:
  - The host half of M(dbtls.transport.tls_cert); use that action instead of calling this module
    directly, unless you sign certificates some other way.
  - Without O(certificate), ensures the private key at O(key_path) (generated on the host when
    missing; never returned) and returns a certificate signing request for the wanted subject and
    SANs together with the certificate currently at O(cert_path).
  - With O(certificate) (and O(chain)), installs that certificate atomically after checking that it
    belongs to the key.
  - When the existing key is of another type than asked for, the new key is written beside it as
    C(<key_path>.new) and only replaces the old key when its certificate is installed, so the key and
    certificate on disk always match.
  - Files are written atomically with their final owner, group and mode from the start.
  - The folders of O(key_path) and O(cert_path) must exist, unless O(folder_mode) is given; then
    this run creates them (see there) before it writes anything. They are checked before a key is
    generated. A run that fails after it generated a key removes that key again, and the folders it
    created.
  - With O(certificates), does the same for several key pairs in one module run (the action plugin
    uses this for all certificates of a host, so a host costs one module run, not two per
    certificate; it installs the certificates with a shell command). Every item's options are
    checked before any file is written.
version_added: 0.1.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - cryptography >= 3.3 (on the target)
attributes:
  check_mode:
    support: full
    description: Reports whether a key would be generated and returns no CSR for a key that does not exist yet.
  diff_mode:
    support: full
    description: With O(certificate), shows the certificate metadata before and after (never key material).
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  key_path:
    description:
      - Path of the private key on the host (PKCS#8 PEM, unencrypted, as database servers need it).
      - Required unless O(certificates) is given.
    type: path
  cert_path:
    description:
      - Path of the certificate on the host (the leaf first, then O(chain)).
      - Required unless O(certificates) is given.
    type: path
  common_name:
    description:
      - Common name of the CSR's subject.
      - Required unless O(certificates) is given.
    type: str
  subject_alt_names:
    description: SANs of the CSR, each C(DNS:<name>), C(IP:<address>) or C(email:<address>).
    type: list
    elements: str
    default: []
  usage:
    description: What the certificate is for; C(server) and C(peer) certificates need SANs.
    type: str
    choices: [server, client, peer]
    default: peer
  key_type:
    description: Type of the key to generate, and to keep (an existing key of another type is replaced).
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
  certificate:
    description: A signed certificate (PEM) to install at O(cert_path); it must belong to the key.
    type: str
  chain:
    description: Intermediate CA certificates (PEM) written after the leaf in O(cert_path).
    type: list
    elements: str
    default: []
  private_key:
    description:
      - An unencrypted private key (PEM) issued elsewhere, installed at O(key_path) exactly as given,
        together with O(certificate), which is then also written exactly as given (leaf first, then
        its intermediates; O(chain) must be empty).
      - Never returned or logged.
    type: str
  defer_csr:
    description:
      - When the key at O(key_path) exists and is of the wanted type and O(cert_path) holds
        certificates, return RV(public_key) and the certificates as the file holds them, and no CSR.
        The caller decides whether the certificate needs a new one, and runs the module again
        without this option when it does.
      - When neither O(key_path) nor O(cert_path) exists, generate the key and return its
        RV(public_key), and no CSR. The caller issues the certificate for that public key (a key
        generated in this run needs no proof that it loads).
      - The key is then only read for its public half, without the consistency check that loading
        an RSA private key otherwise costs; a key that signs a CSR is always loaded with that check.
        No X.509 is parsed on the host either, so the module run costs less (a rerun of
        M(dbtls.transport.tls_cert) on every host is this run).
      - The M(dbtls.transport.tls_cert) action sets it.
    type: bool
    default: false
  backup:
    description:
      - With O(certificate), keep a copy of the certificate file (and of a key file replaced by a
        pending key or by O(private_key)) before it is replaced, named
        C(<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~) with the file's owner, group and mode; RV(backup_file)
        and RV(key_backup_file) return the paths.
    type: bool
    default: false
  certificates:
    description:
      - Several key pairs handled in one run, instead of O(key_path), O(cert_path) and O(common_name).
      - Each item takes O(key_path), O(cert_path), O(common_name) and optionally O(subject_alt_names),
        O(usage), O(key_type), O(key_size), O(curve), O(owner), O(group), O(key_mode), O(cert_mode),
        O(certificate), O(chain), O(defer_csr) and O(backup); an option an item leaves out is taken
        from the top level.
      - Items without O(certificate) are prepared (key and CSR), items with it are installed.
      - Paths in items must be absolute (they are not expanded like O(key_path)).
      - O(folder_mode), O(folder_owner) and O(folder_group) are top-level only; they apply to the
        folders of every item.
    type: list
    elements: dict
  folder_mode:
    description:
      - Mode of the folders that hold O(key_path) and O(cert_path) (of every item of O(certificates)),
        for example C(0750). When given, a missing folder is created in this module run, before any
        file is written, with O(folder_owner), O(folder_group) and this mode; missing folders above
        it are created C(0755), owned by the user the module runs as (root with become), so that
        a restrictive folder for keys does not lock other services out of its parents.
      - An existing folder whose owner, group or mode differ is corrected (RV(attributes_changed)).
      - A new folder gets the SELinux policy's default label for its path.
      - A run that fails removes the folders it created again.
      - Not given (the default), the folders must exist and are left as they are.
    type: raw
  folder_owner:
    description:
      - Owner of the folders of O(folder_mode) (a name or uid); needs O(folder_mode).
      - Not given, a new folder is owned by the user the module runs as and an existing one keeps its owner.
    type: str
  folder_group:
    description:
      - Group of the folders of O(folder_mode) (a name or gid); needs O(folder_mode).
      - Not given, as O(folder_owner).
    type: str
  create_group:
    description:
      - Create the groups named by O(group), O(folder_group), the items' C(group) and the bundle's
        C(group) as system groups (C(groupadd --system)) where they do not exist, before anything
        else of the run; a run that fails afterwards removes them again (RV(groups_created)).
      - For a service whose keys are installed with its own group before its role creates the
        service's user (the pki role's C(pki_service_group_create)). Without it, a missing group fails the run.
      - In check mode nothing is created, and the files are compared as if owned by a new gid.
    type: bool
    default: false
  bundle:
    description:
      - A CA bundle to install in the same run (the M(dbtls.transport.tls_cert) action builds its
        content on the controller and sends it here).
      - Checked with the run's other inputs, and written last, after the folders (O(folder_mode))
        and keys of the run - atomically with its final owner, group and mode when its content
        differs, else only its owner, group and mode are corrected. In check mode nothing is written.
      - Its folder must exist, or be one that O(folder_mode) creates in this run.
    type: dict
    suboptions:
      dest:
        description: Absolute path of the bundle file.
        type: path
        required: true
      content:
        description: The bundle's exact content (PEM certificates).
        type: str
        required: true
      owner:
        description: Owner of the bundle file (a name or uid).
        type: str
      group:
        description: Group of the bundle file (a name or gid).
        type: str
      mode:
        description: Mode of the bundle file.
        type: raw
        default: '0644'
      report_only:
        description:
          - Only report what would change (as in check mode), write nothing. The action sets it where
            it may still refuse the host's certificates after this run; it then writes the bundle in
            a later run, once they passed.
        type: bool
        default: false
extends_documentation_fragment:
  - dbtls.transport.tls_files
  - dbtls.transport.tls_files.key_cert
seealso:
  - module: dbtls.transport.tls_cert
'''

EXAMPLES = r'''
# Normally called by the dbtls.transport.tls_cert action. By hand, with another signer:
- name: Make the key and a CSR on the host (and its folder root:mysql 0750, in the same run)
  dbtls.transport.tls_keypair:
    key_path: /etc/dbtls/tls/peer.key
    cert_path: /etc/dbtls/tls/peer.crt
    common_name: "{{ inventory_hostname }}"
    subject_alt_names: ["DNS:{{ inventory_hostname }}"]
    usage: peer
    group: mysql
    key_mode: "0640"
    folder_mode: "0750"
    folder_owner: root
    folder_group: mysql
  register: keypair

- name: Install the certificate signed elsewhere
  dbtls.transport.tls_keypair:
    key_path: /etc/dbtls/tls/peer.key
    cert_path: /etc/dbtls/tls/peer.crt
    common_name: "{{ inventory_hostname }}"
    certificate: "{{ signed_pem }}"
    group: mysql
    key_mode: "0640"
'''

RETURN = r'''
results:
  description: With O(certificates), one result per item, in order, each with the keys below.
  returned: with O(certificates)
  type: list
  elements: dict
csr:
  description:
    - The certificate signing request (PEM); null in check mode when the key does not exist yet, and
      null when RV(public_key) is returned.
  returned: without O(certificate)
  type: str
public_key:
  description:
    - The public key (PEM) of the key at O(key_path), returned instead of RV(csr) with O(defer_csr)
      (see there when).
  returned: >-
    with O(defer_csr), when the key and a certificate exist and the key is of the wanted type, or when
    the key was generated in this run for a certificate file that does not exist (not in check mode)
  type: str
certificate:
  description:
    - Without O(certificate), the leaf certificate currently at O(cert_path) (PEM), or null; with
      RV(public_key), the leaf as the file holds it (not parsed on the host).
    - With O(certificate), the leaf read back from O(cert_path) after installing (PEM; in check mode
      the one given), so the caller can verify what is on disk.
  returned: always
  type: str
chain:
  description: Further certificates after the leaf in O(cert_path) (PEM).
  returned: without O(certificate)
  type: list
  elements: str
key_reasons:
  description: Why a key was (or would be) generated, for example C(missing).
  returned: always
  type: list
  elements: str
key_generated:
  description: Whether a new key was (or would be) generated in this call.
  returned: always
  type: bool
key_pending:
  description: Whether the CSR belongs to a new key kept as C(<key_path>.new) until its certificate is installed.
  returned: always
  type: bool
cert_stat:
  description:
    - Owner (uid), group (gid) and mode (an int) of the file at O(cert_path), so that a caller that
      replaces it can keep them.
  returned: without O(certificate), when O(cert_path) exists
  type: dict
key_promoted:
  description: Whether a pending C(<key_path>.new) key replaced the old key together with its certificate.
  returned: with O(certificate)
  type: bool
key_changed:
  description: Whether the key at O(key_path) was (or would be) replaced by O(private_key).
  returned: with O(private_key)
  type: bool
cert_changed:
  description: Whether the file at O(cert_path) was (or would be) replaced by O(certificate).
  returned: with O(private_key)
  type: bool
installed:
  description: Metadata of the certificate at O(cert_path) after the call.
  returned: with O(certificate)
  type: dict
attributes_changed:
  description:
    - Files and folders whose owner, group or mode were (or would be) corrected, each with the
      names of what changed.
    - With O(certificates), the folders are reported here at the top level and the files in each
      item's result.
  returned: when any
  type: dict
groups_created:
  description: The groups O(create_group) created (in check mode, would create).
  returned: with O(create_group), when any
  type: list
  elements: str
  sample: [vitess]
folders_created:
  description: The folders this run created (in check mode, would create), outermost first.
  returned: with O(folder_mode), when any
  type: list
  elements: str
folder_diff:
  description:
    - The folders created or corrected, before and after (C(null) before for a new folder; mode,
      owner uid and group gid), for a caller's diff.
  returned: with O(folder_mode), when a folder was (or would be) created or corrected
  type: dict
backup_file:
  description: The copy of the certificate file that was replaced.
  returned: with O(backup), when the certificate file was replaced
  type: str
key_backup_file:
  description: The copy of the key file that was replaced.
  returned: with O(backup), when the key file was replaced
  type: str
bundle:
  description: What happened to the CA bundle of O(bundle).
  returned: with O(bundle)
  type: dict
  contains:
    dest:
      description: Path of the bundle file.
      type: str
      returned: always
    changed:
      description: Whether its content was (or would be) replaced.
      type: bool
      returned: always
    created:
      description: Whether the file did not exist before this run.
      type: bool
      returned: always
    attributes_changed:
      description: Which of owner, group and mode were (or would be) corrected.
      type: list
      elements: str
      returned: when any
    previous:
      description:
        - The certificates (PEM) the file held before its content changed, null for a new file.
          Only its certificate blocks are returned, nothing else the file held.
      type: str
      returned: when the content changed
'''

import os

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.dbtls.transport.plugins.module_utils import commands
from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import keys
from ansible_collections.dbtls.transport.plugins.module_utils import module_runner
from ansible_collections.dbtls.transport.plugins.module_utils import service_account

# pki (X.509: CSRs, certificates) is imported by the functions that use it, not here: the answers to
# defer_csr (for a current key, and for a key generated for a host that has none) need keys.py
# alone, and pki with cryptography.x509 would cost those module runs, the ones every run of
# tls_cert makes on every host, about a fifth more CPU time.

PENDING_SUFFIX = '.new'


def _settings(params: dict) -> dict:
    key_path, cert_path = params['key_path'], params['cert_path']
    if os.path.abspath(key_path) == os.path.abspath(cert_path):
        raise keys.PKIError(f'key_path and cert_path are both {key_path}; keep the key in its own file')
    settings = {
        'key_path': key_path,
        'cert_path': cert_path,
        'pending_path': key_path + PENDING_SUFFIX,
        'key_mode': files.parse_mode(params.get('key_mode', '0600'), 'key_mode'),
        'cert_mode': files.parse_mode(params.get('cert_mode', '0644'), 'cert_mode'),
        'owner': params.get('owner'),
        'group': params.get('group'),
        'key_type': params.get('key_type') or 'ecdsa',
        'key_size': params.get('key_size') or 2048,
        'curve': params.get('curve') or 'secp256r1',
    }
    if settings['key_mode'] & 0o007:
        raise keys.PKIError(f'key_mode {settings["key_mode"]:04o} would make {key_path} readable by '
                            'every user; use 0600 or 0640')
    files.resolve_owner(settings['owner'])
    files.resolve_group(settings['group'])
    keys.check_key_spec(settings['key_type'], settings['key_size'], settings['curve'])
    settings['folder_mode'] = _folder_mode(params)
    # A missing folder fails here, before any item of the run generates a key; with folder_mode,
    # _ensure_folders() creates it before anything is written.
    if settings['folder_mode'] is None:
        files.check_directories([('key_path', key_path), ('cert_path', cert_path)], writable=False)
    return settings


def _folder_mode(params: dict) -> int | None:
    mode = files.parse_mode(params.get('folder_mode'), 'folder_mode')
    if mode is None and (params.get('folder_owner') or params.get('folder_group')):
        raise keys.PKIError('folder_owner and folder_group need folder_mode')
    return mode


def _folders_of(items: list) -> list:
    """The folders of every key and certificate file of ``items``, each once, in order."""
    folders = []
    for item in items:
        for name in ('key_path', 'cert_path'):
            folder = os.path.dirname(os.path.abspath(item[name]))
            if folder not in folders:
                folders.append(folder)
    return folders


def _ensure_folders(params: dict, items: list, check_mode: bool, created_dirs: list) -> dict:
    """With folder_mode: create the missing folders of all items, or correct the owner, group and
    mode of existing ones, before any file is written; what to add to the result."""
    mode = _folder_mode(params)
    if mode is None:
        return {}
    owner, group = params.get('folder_owner'), params.get('folder_group')
    made, fixed, before, after = [], {}, {}, {}
    for folder in _folders_of(items):
        state = files.folder_state(folder)
        new, changes = files.ensure_folder(folder, mode, owner, group, check_mode, created_dirs)
        made.extend(path for path in new if path not in made)
        if changes:
            fixed[folder] = sorted(changes)
        if new or changes:
            before[folder] = state
            after[folder] = {'mode': f'{mode:04o}',
                             'owner': files.resolve_owner(owner) if owner else (state or {}).get('owner', os.geteuid()),
                             'group': files.resolve_group(group) if group else (state or {}).get('group', os.getegid())}
    report = {}
    if made:
        report['folders_created'] = made
    if fixed:
        report['attributes_changed'] = fixed
    if before:
        report['folder_diff'] = {'before': before, 'after': after}
    return report


def _check_written_folders(s: dict, pairs: list, check_mode: bool) -> None:
    """check_directories(writable) for the folders files are about to be written to; in check mode a
    folder that folder_mode would create is left out (it would be created empty, and writable)."""
    if s['folder_mode'] is not None and check_mode:
        pairs = [(option, path) for option, path in pairs
                 if os.path.isdir(os.path.dirname(os.path.abspath(path)))]
    files.check_directories(pairs, writable=True)


def _fix_attributes(paths_modes, s: dict, check_mode: bool) -> dict:
    changed = {}
    for path, mode in paths_modes:
        if os.path.exists(path):
            diff = files.ensure_attributes(path, mode, s['owner'], s['group'], check_mode)
            if diff:
                changed[path] = sorted(diff)
    return changed


def prepare(params: dict, check_mode: bool = False, created: list | None = None) -> dict:
    """First call: ensure the key, return a CSR (with defer_csr, the public key of a key that has a
    certificate already) and the current certificate. A key file generated is added to ``created``."""
    s = _settings(params)
    # Read and check everything before writing anything.
    key_data = files.read_file(s['key_path'])
    cert_data = files.read_file(s['cert_path'])
    if params.get('defer_csr'):
        answer = _public_key_answer(s, key_data, cert_data, check_mode)
        if answer is None and key_data is None and cert_data is None:
            answer = _new_key_answer(s, check_mode, created)
        if answer is not None:
            return answer
    return _csr_answer(params, s, key_data, cert_data, check_mode, created)


def _new_key_answer(s: dict, check_mode: bool, created: list | None) -> dict:
    """With defer_csr, for a host that has neither the key nor the certificate: generate the key and
    return its public key, without a CSR. A key generated in this very run needs no proof that it
    still loads and signs (what a CSR made with the key loaded with its check gives for a key found on
    the host), and no X.509 is built or parsed on the host."""
    _check_written_folders(s, [('key_path', s['key_path']), ('cert_path', s['cert_path'])], check_mode)
    public_key = None
    if not check_mode:
        key = keys.generate_private_key(s['key_type'], s['key_size'], s['curve'])
        files.atomic_write(s['key_path'], keys.serialize_private_key(key), s['key_mode'], s['owner'], s['group'])
        if created is not None:
            created.append(s['key_path'])
        public_key = keys.public_key_pem(key).decode('ascii')
    return _prepared(s, None, [], check_mode, public_key=public_key, key_reasons=['missing'], key_generated=True)


def _public_key_answer(s: dict, key_data, cert_data, check_mode: bool):
    """With defer_csr: the answer without a CSR, when the key exists and is of the wanted type and
    the certificate file holds PEM certificates; else None, and a CSR is made.

    Nothing here parses X.509: the certificates go back as the file holds them, and the caller
    checks them. The key is read only for its public half, without the RSA consistency check
    (keys.public_key_of_private_key): nothing is signed with it."""
    if key_data is None or cert_data is None:
        return None
    try:
        cert_pems = [block.decode('ascii') for block in keys.pem_blocks(cert_data, 'CERTIFICATE')]
    except UnicodeDecodeError:
        return None     # not a certificate: _csr_answer() names the file and the problem
    if not cert_pems:
        return None
    public_key = keys.public_key_of_private_key(key_data, s['key_path'])
    if not keys.key_matches_spec(public_key, s['key_type'], s['key_size'], s['curve']):
        return None
    return _prepared(s, cert_data, cert_pems, check_mode,
                     public_key=keys.public_key_pem(public_key).decode('ascii'))


def _csr_answer(params: dict, s: dict, key_data, cert_data, check_mode: bool, created: list | None = None) -> dict:
    """Ensure the key (generated when missing or of another type) and return its CSR."""
    from ansible_collections.dbtls.transport.plugins.module_utils import pki

    spec = pki.leaf_spec(params['common_name'], params.get('subject_alt_names') or [],
                         params.get('usage') or 'peer')
    wanted = keys.describe_key_spec(s['key_type'], s['key_size'], s['curve'])
    certs = pki.load_certificates(cert_data, s['cert_path']) if cert_data is not None else []
    key = keys.load_private_key(key_data, s['key_path']) if key_data is not None else None

    key_reasons = []
    target = None
    if key is None:
        key_reasons.append('missing')
        target = s['key_path']
    elif not keys.key_matches_spec(key, s['key_type'], s['key_size'], s['curve']):
        key_reasons.append(f'key type differs (have {keys.describe_key(key)}, want {wanted})')
        target = s['pending_path']
        key = None
        pending_data = files.read_file(s['pending_path'])
        if pending_data is not None:
            pending = keys.load_private_key(pending_data, s['pending_path'])
            if keys.key_matches_spec(pending, s['key_type'], s['key_size'], s['curve']):
                key = pending   # from an earlier run whose certificate was never installed
                target = None

    key_generated = False
    if target is not None:
        key_generated = True
        # Both files will be written (the key now, the certificate by the caller): a folder that
        # cannot take the certificate fails here, before a key is generated that nothing could use.
        _check_written_folders(s, [('key_path', target), ('cert_path', s['cert_path'])], check_mode)
        if not check_mode:
            key = keys.generate_private_key(s['key_type'], s['key_size'], s['curve'])
            files.atomic_write(target, keys.serialize_private_key(key), s['key_mode'], s['owner'], s['group'])
            if created is not None:
                created.append(target)

    csr = pki.csr_pem(pki.build_csr(key, spec)).decode('ascii') if key is not None else None
    return _prepared(s, cert_data, [pki.certificate_pem(c).decode('ascii') for c in certs], check_mode,
                     csr=csr, key_reasons=key_reasons, key_generated=key_generated)


def _prepared(s: dict, cert_data, cert_pems: list, check_mode: bool, csr=None, public_key=None,
              key_reasons=(), key_generated=False) -> dict:
    """prepare()'s answer (``cert_pems``: the certificate file's certificates, leaf first), after
    the files' owner, group and mode are corrected."""
    attributes = _fix_attributes(
        [(s['key_path'], s['key_mode']), (s['cert_path'], s['cert_mode'])]
        + ([(s['pending_path'], s['key_mode'])] if key_reasons and not key_generated else []),
        s, check_mode)
    result = {
        'changed': key_generated or bool(attributes),
        'key_reasons': list(key_reasons),
        'key_generated': key_generated,
        'key_pending': bool(key_reasons) and list(key_reasons) != ['missing'],
        'csr': csr,
        'certificate': cert_pems[0] if cert_pems else None,
        'chain': list(cert_pems[1:]),
    }
    if public_key is not None:
        result['public_key'] = public_key
    if attributes:
        result['attributes_changed'] = attributes
    if cert_data is not None:
        # For the tls_cert action, which installs a new certificate with a shell command: it keeps
        # the current file's owner and group (and mode, without cert_mode), as install() does.
        try:
            st = os.stat(s['cert_path'])
        except OSError:
            pass
        else:
            result['cert_stat'] = {'uid': st.st_uid, 'gid': st.st_gid, 'mode': st.st_mode & 0o7777}
    return result


def _chain_certs(chain) -> list:
    from ansible_collections.dbtls.transport.plugins.module_utils import pki

    certs = []
    for number, item in enumerate(chain or [], start=1):
        certs.extend(pki.load_certificates(item, f'chain[{number}]'))
    return certs


def install(params: dict, check_mode: bool = False) -> dict:
    """Second call: install the signed certificate (and promote a pending key)."""
    from ansible_collections.dbtls.transport.plugins.module_utils import pki

    s = _settings(params)
    leaf = pki.load_certificate(params['certificate'], 'certificate')
    if pki.is_ca(leaf):
        raise pki.PKIError('certificate: a CA certificate cannot be installed as a host certificate')
    chain = _chain_certs(params.get('chain'))

    key_data = files.read_file(s['key_path'])
    pending_data = files.read_file(s['pending_path'])
    key = pki.load_private_key(key_data, s['key_path']) if key_data is not None else None
    pending = pki.load_private_key(pending_data, s['pending_path']) if pending_data is not None else None
    promote = False
    if pending is not None and pki.same_public_key(pending, leaf):
        promote = True
    elif key is None or not pki.same_public_key(key, leaf):
        raise pki.PKIError(f'certificate: it does not belong to the key {s["key_path"]}; nothing was installed')

    content = b''.join(pki.certificate_pem(c) for c in [leaf] + chain)
    old_data = files.read_file(s['cert_path'])
    old_leaf = None
    if old_data is not None:
        try:
            old_leaf = pki.load_certificate(old_data, s['cert_path'])
        except pki.PKIError:
            old_leaf = None   # replaced below by a valid certificate
    cert_changed = old_data != content

    to_write = []
    if promote:
        to_write.append(files.FileSpec(s['key_path'], pending_data, s['key_mode'], s['owner'], s['group']))
    if cert_changed:
        to_write.append(files.FileSpec(s['cert_path'], content, s['cert_mode'], s['owner'], s['group']))
    backups = {}
    if to_write and not check_mode:
        backups = files.write_files(to_write, backup=bool(params.get('backup')))
        if promote:
            os.unlink(s['pending_path'])
    attributes = _fix_attributes(
        ([] if promote else [(s['key_path'], s['key_mode'])])
        + ([] if cert_changed else [(s['cert_path'], s['cert_mode'])]),
        s, check_mode)
    # Read back what is on disk now, so that the controller verifies the file, not its own copy.
    on_disk = leaf
    if not check_mode:
        written = files.read_file(s['cert_path'])
        on_disk = pki.load_certificate(written, s['cert_path']) if written is not None else None
        if on_disk is None:
            raise pki.PKIError(f'{s["cert_path"]}: missing right after it was written')
    result = {
        'changed': bool(to_write) or bool(attributes),
        'key_reasons': [],
        'key_generated': False,
        'key_pending': False,
        'key_promoted': promote,
        'certificate': pki.certificate_pem(on_disk).decode('ascii'),
        'installed': pki.diff_facts(on_disk),
        'diff': {
            'before_header': s['cert_path'],
            'after_header': s['cert_path'],
            'before': pki.diff_facts(old_leaf),
            'after': pki.diff_facts(leaf),
        },
    }
    if attributes:
        result['attributes_changed'] = attributes
    _add_backups(result, s, backups)
    return result


def _add_backups(result: dict, s: dict, backups: dict) -> None:
    """backup_file (the certificate's) and key_backup_file, for the files that were backed up."""
    if s['cert_path'] in backups:
        result['backup_file'] = backups[s['cert_path']]
    if s['key_path'] in backups:
        result['key_backup_file'] = backups[s['key_path']]


def install_external(params: dict, check_mode: bool = False) -> dict:
    """Bring your own: write the given key and certificate file byte for byte (never re-encoded, so
    checksums match the files the other CA delivered)."""
    from ansible_collections.dbtls.transport.plugins.module_utils import pki

    s = _settings(params)
    if params.get('chain'):
        raise pki.PKIError('chain: with private_key, give the whole certificate file (leaf first, then '
                           'its intermediates) in certificate')
    key_content = params['private_key'].encode('utf-8')
    cert_content = params['certificate'].encode('utf-8')
    key = pki.load_private_key(key_content, 'private_key')
    certs = pki.load_certificates(cert_content, 'certificate')
    if pki.is_ca(certs[0]):
        raise pki.PKIError('certificate: a CA certificate cannot be installed as a host certificate')
    pki.check_key_matches_certificate(key, certs[0], 'private_key', 'certificate')

    old_key, old_cert = files.read_file(s['key_path']), files.read_file(s['cert_path'])
    old_leaf = None
    if old_cert is not None:
        try:
            old_leaf = pki.load_certificate(old_cert, s['cert_path'])
        except pki.PKIError:
            old_leaf = None   # replaced below by the given certificate
    to_write = []
    if old_key != key_content:
        to_write.append(files.FileSpec(s['key_path'], key_content, s['key_mode'], s['owner'], s['group']))
    if old_cert != cert_content:
        to_write.append(files.FileSpec(s['cert_path'], cert_content, s['cert_mode'], s['owner'], s['group']))
    backups = {}
    if to_write and not check_mode:
        backups = files.write_files(to_write, backup=bool(params.get('backup')))
    written = {spec.path for spec in to_write}
    attributes = _fix_attributes(
        [(p, m) for p, m in ((s['key_path'], s['key_mode']), (s['cert_path'], s['cert_mode'])) if p not in written],
        s, check_mode)
    result = {
        'changed': bool(to_write) or bool(attributes),
        'key_reasons': [],
        'key_generated': False,
        'key_pending': False,
        'key_promoted': False,
        'key_changed': s['key_path'] in written,
        'cert_changed': s['cert_path'] in written,
        'certificate': pki.certificate_pem(certs[0]).decode('ascii'),
        'installed': pki.diff_facts(certs[0]),
        'diff': {
            'before_header': s['cert_path'],
            'after_header': s['cert_path'],
            'before': pki.diff_facts(old_leaf),
            'after': pki.diff_facts(certs[0]),
        },
    }
    if attributes:
        result['attributes_changed'] = attributes
    _add_backups(result, s, backups)
    return result


# Top-level only: they apply to the folders of every item.
FOLDER_OPTIONS = ('folder_mode', 'folder_owner', 'folder_group')
ITEM_OPTIONS = ('key_path', 'cert_path', 'common_name', 'subject_alt_names', 'usage', 'key_type',
                'key_size', 'curve', 'owner', 'group', 'key_mode', 'cert_mode', 'certificate', 'chain',
                'defer_csr', 'backup')
# Given per item only: inheriting a path, a name or a certificate from the top level makes no sense.
_OWN_OPTIONS = ('key_path', 'cert_path', 'common_name', 'certificate')


def _items(params: dict) -> list:
    """The items of ``certificates``, each completed from the top level and checked."""
    items, seen = [], {}
    for number, raw in enumerate(params['certificates'], start=1):
        if not isinstance(raw, dict):
            raise keys.PKIError(f'certificates[{number}]: must be a dictionary')
        unknown = sorted(set(raw) - set(ITEM_OPTIONS))
        if unknown:
            raise keys.PKIError(f'certificates[{number}]: unsupported option(s) {", ".join(unknown)}; '
                                f'supported: {", ".join(ITEM_OPTIONS)}')
        item = {name: params.get(name) for name in ITEM_OPTIONS + FOLDER_OPTIONS if name not in _OWN_OPTIONS}
        item.update({name: value for name, value in raw.items() if value is not None})
        for name in ('key_path', 'cert_path', 'common_name'):
            if not item.get(name):
                raise keys.PKIError(f'certificates[{number}]: {name} is required')
        for name in ('key_path', 'cert_path'):
            # Items are not expanded like type=path options (no ~): the action sends absolute paths.
            if not os.path.isabs(str(item[name])):
                raise keys.PKIError(f'certificates[{number}]: {name} {item[name]} must be an absolute path')
            path = os.path.normpath(item[name])
            if path in seen:
                raise keys.PKIError(f'certificates[{number}]: {name} {item[name]} is already used by '
                                    f'certificates[{seen[path]}]')
            seen[path] = number
        _settings(item)         # every item's options are checked before anything is written
        items.append(item)
    return items


def run_single(params: dict, check_mode: bool = False, created: list | None = None) -> dict:
    if params.get('private_key'):
        if not params.get('certificate'):
            raise keys.PKIError('private_key: give the certificate that belongs to it in certificate')
        return install_external(params, check_mode)
    if params.get('certificate'):
        return install(params, check_mode)
    return prepare(params, check_mode, created)


def _merge_folders(result: dict, folders: dict) -> dict:
    if folders:
        result['changed'] = True
        attributes = dict(folders.get('attributes_changed') or {})
        attributes.update(result.get('attributes_changed') or {})
        result.update(folders)
        if attributes:
            result['attributes_changed'] = attributes
    return result


BUNDLE_OPTIONS = ('dest', 'content', 'owner', 'group', 'mode', 'report_only')


def _bundle_settings(params: dict, items: list) -> dict | None:
    """The checked ``bundle`` option (None without it): checked with the run's other inputs, before
    anything is written. Its folder must exist, or be one that folder_mode creates in this run."""
    bundle = params.get('bundle')
    if bundle is None:
        return None
    if not isinstance(bundle, dict):
        raise keys.PKIError('bundle: must be a dictionary')
    unknown = sorted(set(bundle) - set(BUNDLE_OPTIONS))
    if unknown:
        raise keys.PKIError(f'bundle: unsupported option(s) {", ".join(unknown)}; supported: {", ".join(BUNDLE_OPTIONS)}')
    dest, content = bundle.get('dest'), bundle.get('content')
    if not dest or not os.path.isabs(str(dest)):
        raise keys.PKIError(f'bundle.dest: {dest!r} must be an absolute path')
    if not isinstance(content, str) or not keys.pem_blocks(content, 'CERTIFICATE'):
        raise keys.PKIError('bundle.content: must be PEM certificates')
    dest = os.path.normpath(str(dest))
    for item in items:
        for name in ('key_path', 'cert_path'):
            if os.path.normpath(os.path.abspath(item[name])) == dest:
                raise keys.PKIError(f'bundle.dest: {dest} is also {name}')
    mode = files.parse_mode(bundle.get('mode', '0644'), 'bundle.mode')
    files.resolve_owner(bundle.get('owner'), 'bundle.owner')
    files.resolve_group(bundle.get('group'), 'bundle.group')
    folder = os.path.dirname(dest)
    if not (_folder_mode(params) is not None and folder in _folders_of(items)):
        files.check_directories([('bundle.dest', dest)], writable=False)
    return {'dest': dest, 'content': content.encode('ascii', 'replace'), 'owner': bundle.get('owner'),
            'group': bundle.get('group'), 'mode': 0o644 if mode is None else mode,
            'report_only': bool(bundle.get('report_only'))}


def _ensure_bundle(b: dict, check_mode: bool) -> dict:
    """Write the CA bundle (atomically, with its final owner, group and mode) when its content
    differs, else correct its owner, group and mode. The answer for the caller: whether it
    changed, whether this run created it, the attributes corrected and, when the content changed,
    the certificates the file held before (public; nothing else of the file is returned)."""
    old = files.read_file(b['dest'])
    changed = old != b['content']
    if changed and not check_mode:
        files.atomic_write(b['dest'], b['content'], b['mode'], b['owner'], b['group'], default_mode=0o644)
    attributes = {} if changed else files.ensure_attributes(b['dest'], b['mode'], b['owner'], b['group'], check_mode)
    answer = {'dest': b['dest'], 'changed': changed, 'created': old is None}
    if attributes:
        answer['attributes_changed'] = sorted(attributes)
    if changed:
        previous = None
        if old is not None:
            previous = ''.join(block.decode('ascii', 'replace') + '\n' for block in keys.pem_blocks(old, 'CERTIFICATE'))
        answer['previous'] = previous
    return answer


def _add_bundle(result: dict, b: dict | None, check_mode: bool) -> dict:
    if b is not None:
        result['bundle'] = _ensure_bundle(b, check_mode or b['report_only'])
        if result['bundle']['changed'] or result['bundle'].get('attributes_changed'):
            result['changed'] = True
    return result


def _group_names(params: dict) -> list:
    """Every group the run installs files or folders with (top level, items, bundle), in order."""
    names = [params.get('group'), params.get('folder_group'), (params.get('bundle') or {}).get('group')]
    names += [item.get('group') for item in params.get('certificates') or [] if isinstance(item, dict)]
    return [name for name in names if name not in (None, '')]


def _create_groups(params: dict, check_mode: bool, runner) -> tuple[dict, list]:
    """With create_group: create the run's missing groups as system groups, before anything is
    checked or written. In check mode nothing is created; the files are compared as if owned by a
    gid no group has yet (so an existing file is reported as changing group). Returns the
    parameters to run with and the groups created (or that would be)."""
    if not params.get('create_group'):
        return params, []
    try:
        made = service_account.ensure_groups(_group_names(params), check_mode, runner)
    except service_account.ServiceAccountError as exc:
        raise files.FilesError(f'create_group: {exc}') from None
    if not (check_mode and made):
        return params, made
    placeholder = str(files.unused_gid())

    def swap(value):
        return placeholder if value in made else value
    params = dict(params, group=swap(params.get('group')), folder_group=swap(params.get('folder_group')))
    if params.get('bundle'):
        params['bundle'] = dict(params['bundle'], group=swap(params['bundle'].get('group')))
    if params.get('certificates'):
        params['certificates'] = [dict(item, group=swap(item.get('group'))) if isinstance(item, dict) and 'group' in item
                                  else item for item in params['certificates']]
    return params, made


def run(params: dict, check_mode: bool = False, runner=None) -> dict:
    params, groups_made = _create_groups(params, check_mode, runner)
    try:
        result = _run_files(params, check_mode)
    except BaseException as exc:
        if not groups_made or check_mode:
            raise
        service_account.remove_groups(groups_made, runner)
        if isinstance(exc, (keys.PKIError, files.FilesError)):
            raise type(exc)(f'{exc} (removed the group(s) it had created: {", ".join(groups_made)})') from None
        raise
    if groups_made:
        result.update(changed=True, groups_created=groups_made)
    return result


def _run_files(params: dict, check_mode: bool) -> dict:
    # Keys generated and folders created by this run; removed again when the run fails after them,
    # so that a failed task leaves nothing behind it created.
    created, created_dirs = [], []
    try:
        if params.get('certificates') is None:
            for name in ('key_path', 'cert_path', 'common_name'):
                if not params.get(name):
                    raise keys.PKIError(f'{name} is required (or give certificates)')
            _settings(params)       # every option is checked before a folder is made
            bundle = _bundle_settings(params, [params])
            folders = _ensure_folders(params, [params], check_mode, created_dirs)
            # The bundle last: written only when everything else of the run succeeded.
            return _add_bundle(_merge_folders(run_single(params, check_mode, created), folders), bundle, check_mode)
        items = _items(params)
        bundle = _bundle_settings(params, items)
        folders = _ensure_folders(params, items, check_mode, created_dirs)
        results = [run_single(item, check_mode, created) for item in items]
        combined = _add_bundle(_merge_folders({'changed': any(r['changed'] for r in results), 'results': results},
                                              folders), bundle, check_mode)
    except BaseException as exc:
        if not created and not created_dirs:
            raise
        files.remove_files(created)
        files.remove_folders(created_dirs)
        if isinstance(exc, (keys.PKIError, files.FilesError)):
            undone = []
            if created:
                undone.append(f'removed the key(s) this run had generated: {", ".join(created)}')
            if created_dirs:
                undone.append(f'removed the folder(s) it had created: {", ".join(reversed(created_dirs))}')
            raise type(exc)(f'{exc} ({"; ".join(undone)})') from None
        raise
    diffs = [r.pop('diff') for r in results if r.get('diff')]
    if diffs:
        combined['diff'] = diffs
    return combined


def main():
    module = AnsibleModule(
        argument_spec=dict(
            key_path=dict(type='path'),
            cert_path=dict(type='path'),
            common_name=dict(type='str'),
            subject_alt_names=dict(type='list', elements='str', default=[]),
            usage=dict(type='str', choices=['server', 'client', 'peer'], default='peer'),
            key_type=dict(type='str', choices=list(keys.KEY_TYPES), default='ecdsa'),
            key_size=dict(type='int', default=2048),
            curve=dict(type='str', choices=list(keys.CURVES), default='secp256r1'),
            owner=dict(type='str'),
            group=dict(type='str'),
            key_mode=dict(type='raw', default='0600', no_log=False),
            cert_mode=dict(type='raw', default='0644'),
            certificate=dict(type='str'),
            chain=dict(type='list', elements='str', default=[]),
            certificates=dict(type='list', elements='dict'),
            private_key=dict(type='str', no_log=True),
            defer_csr=dict(type='bool', default=False),
            backup=dict(type='bool', default=False),
            folder_mode=dict(type='raw'),
            folder_owner=dict(type='str'),
            folder_group=dict(type='str'),
            create_group=dict(type='bool', default=False),
            bundle=dict(type='dict', options=dict(
                dest=dict(type='path', required=True),
                content=dict(type='str', required=True),
                owner=dict(type='str'),
                group=dict(type='str'),
                mode=dict(type='raw', default='0644'),
                report_only=dict(type='bool', default=False),
            )),
        ),
        required_by={'folder_owner': 'folder_mode', 'folder_group': 'folder_mode'},
        mutually_exclusive=[('certificates', 'key_path'), ('certificates', 'cert_path'),
                            ('certificates', 'common_name'), ('certificates', 'certificate'),
                            ('certificates', 'private_key')],
        supports_check_mode=True,
    )
    if not keys.HAS_CRYPTOGRAPHY:
        # Installed but older than the collection needs: say so, naming both versions.
        if keys.CRYPTOGRAPHY_TOO_OLD:
            module.fail_json(msg=keys.CRYPTOGRAPHY_IMPORT_ERROR)
        module.fail_json(msg=missing_required_lib(keys.CRYPTOGRAPHY_REQUIREMENT), exception=keys.CRYPTOGRAPHY_IMPORT_ERROR)
    runner = commands.command_runner(module)
    module_runner.run_ensure(module, lambda params, check_mode: run(params, check_mode, runner))


if __name__ == '__main__':
    main()
