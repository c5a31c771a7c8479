# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of dbtls.transport.tls_cert.

1. Read and check the CA certificate and key on the controller (in memory only; never written to a
   temp file, never sent anywhere). An ansible-vault encrypted file is decrypted in memory, with the
   play's vault secrets (plugin_utils/controller_files.py): the loader's get_real_file() would write
   the plaintext to a temporary file, so it is not used.
2. Run dbtls.transport.tls_keypair on the target: it ensures the key there and returns the current
   certificate and, for a key that has one already or was generated in this run for a host that had
   neither key nor certificate, its public key (defer_csr), else a CSR.
3. Decide with pki.needs_reissue() whether a certificate must be issued, and why; for one that is
   due and came with the public key of a key found on the host, run tls_keypair again for its CSR
   (a renewal: rare).
4. If so, check the CSR (self-signature, subject, SANs), sign it (or sign the public key of the key
   generated in this run), and install the certificate with
   one shell command on the host (see install_command() in plugin_utils/installer.py): no second
   Python module run. Only the certificate travels to the host.
5. Verify on the controller, with the same predicate against the CA and the CSR's public key, the
   exact bytes that were sent, and on the host that the installed file holds exactly those bytes
   (its SHA-256 compared here): a task that succeeds leaves a verified certificate.

With ``certificates`` every step handles all of a host's certificates at once: one tls_keypair run
for all CSRs and one shell command for all installs. A module run on a host costs far more than
signing a certificate on the controller (Python start, module transfer, imports).
"""

from __future__ import annotations

import hashlib
import shlex

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.dbtls.transport.plugins.module_utils import bundles
from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import pki
from ansible_collections.dbtls.transport.plugins.module_utils.crl import load_crl, revocation_of
from ansible_collections.dbtls.transport.plugins.plugin_utils.controller_files import (
    CAMaterial, LocalFileError, controller_path, read_controller_file)
from ansible_collections.dbtls.transport.plugins.plugin_utils.installer import MARK, NO_INSTALL, install_command

KEYPAIR_MODULE = 'dbtls.transport.tls_keypair'

# Per certificate in ``certificates``; an option left out is taken from the top level.
ITEM_SPEC = dict(
    key_path=dict(type='path', required=True),
    cert_path=dict(type='path', required=True),
    common_name=dict(type='str', required=True),
    subject_alt_names=dict(type='list', elements='str'),
    usage=dict(type='str', choices=['server', 'client', 'peer']),
    owner=dict(type='str'),
    group=dict(type='str'),
    key_mode=dict(type='raw', no_log=False),
    cert_mode=dict(type='raw'),
)

# The host's CA bundle, built here and written by the first tls_keypair run (no tls_bundle run).
BUNDLE_SPEC = dict(
    dest=dict(type='path', required=True),
    certificates=dict(type='list', elements='str', required=True),
    owner=dict(type='str'),
    group=dict(type='str'),
    mode=dict(type='raw', default='0644'),
)

ARGUMENT_SPEC = dict(
    key_path=dict(type='path'),
    cert_path=dict(type='path'),
    ca_cert_path=dict(type='path', required=True),
    ca_key_path=dict(type='path'),
    ca_key_passphrase=dict(type='str', no_log=True),
    common_name=dict(type='str'),
    subject_alt_names=dict(type='list', elements='str', default=[]),
    usage=dict(type='str', choices=['server', 'client', 'peer'], default='peer'),
    key_type=dict(type='str', choices=['rsa', 'ecdsa', 'ed25519'], default='ecdsa'),
    key_size=dict(type='int', default=2048),
    curve=dict(type='str', choices=['secp256r1', 'secp384r1'], default='secp256r1'),
    valid_days=dict(type='int', default=397),
    renew_before_days=dict(type='int', default=30),
    owner=dict(type='str'),
    group=dict(type='str'),
    key_mode=dict(type='raw', default='0600', no_log=False),
    cert_mode=dict(type='raw', default='0644'),
    chain_path=dict(type='path'),
    crl_path=dict(type='path'),
    allow_ca_change=dict(type='bool', default=True),
    certificates=dict(type='list', elements='dict', options=ITEM_SPEC),
    certificate_src=dict(type='path'),
    private_key_src=dict(type='path'),
    force=dict(type='bool', default=False),
    backup=dict(type='bool', default=False),
    return_content=dict(type='bool', default=False),
    folder_mode=dict(type='raw'),
    folder_owner=dict(type='str'),
    folder_group=dict(type='str'),
    create_group=dict(type='bool', default=False),
    bundle=dict(type='dict', options=BUNDLE_SPEC),
)
_SINGLE = ('key_path', 'cert_path', 'common_name')

# What the target module gets: everything about the host's files, nothing of the CA.
_KEYPAIR_OPTIONS = ('key_path', 'cert_path', 'common_name', 'usage', 'key_type', 'key_size',
                    'curve', 'owner', 'group', 'key_mode', 'cert_mode')
# Sent once for the whole run (tls_keypair takes them at the top level only): the folders of the
# host's files are created, or corrected, by the first tls_keypair run.
_FOLDER_OPTIONS = ('folder_mode', 'folder_owner', 'folder_group')
# The groups of the host's files (create_group) are made by the first tls_keypair run too.
_FIRST_RUN_OPTIONS = _FOLDER_OPTIONS + ('create_group',)


def decide(first: dict, spec, ca_cert, renew_before_days: int, now, host: str, args: dict):
    """From tls_keypair's first answer: (current cert, CSR, public key, reasons).

    The public key is the CSR's, or the one tls_keypair returned instead of a CSR (defer_csr) for a
    key that has a certificate already, or for a key it generated in this run. When the certificate
    of a key found on the host needs a new one, ``reasons`` is not empty and the CSR None, and the
    caller asks the host for a CSR."""
    current = None
    if first.get('certificate'):
        current = pki.load_certificate(first['certificate'], f'{host}:{args["cert_path"]}')
    csr = public_key = None
    if first.get('csr'):
        csr = public_key = pki.load_csr(first['csr'], f'CSR for {host}:{args["key_path"]}')
    elif first.get('public_key'):
        public_key = pki.load_public_key(first['public_key'], f'public key of {host}:{args["key_path"]}')
    reasons = list(first.get('key_reasons') or [])
    if public_key is not None:
        for reason in pki.needs_reissue(current, spec, ca_cert, public_key=public_key, now=now,
                                        renew_before_days=renew_before_days):
            if reason not in reasons:
                reasons.append(reason)
    elif not reasons:
        raise pki.PKIError(f'{KEYPAIR_MODULE} on {host} returned no CSR')
    return current, csr, public_key, reasons


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def _keypair(self, items: list, batch: bool, task_vars: dict, common: dict | None = None) -> list:
        """One tls_keypair run for all ``items`` (``common``: options for all of them, sent once);
        its result per item."""
        module_args = dict(common or {}, certificates=items) if batch else dict(items[0], **(common or {}))
        result = self._execute_module(module_name=KEYPAIR_MODULE, module_args=module_args,
                                      task_vars=task_vars)
        if result.get('failed'):
            raise _ModuleFailed(result)
        # The folders (with folder_mode) are reported once per run, at the top level.
        self._groups.extend(name for name in result.pop('groups_created', None) or [] if name not in self._groups)
        made = result.pop('folders_created', None) or []
        self._folders['created'].extend(path for path in made if path not in self._folders['created'])
        if result.get('folder_diff'):
            self._folders['diff'] = result.pop('folder_diff')
        if 'bundle' in result and self._bundle is not None:
            answer = self._bundle['answer'] = result.pop('bundle')
            if answer.get('changed') and not module_args['bundle'].get('report_only') and not self._task.check_mode:
                self._bundle['written'] = True
        if batch and result.get('attributes_changed'):
            self._folders['attributes'].update(result['attributes_changed'])
        if not batch:
            return [result]
        results = result.get('results') or []
        if len(results) != len(items):
            raise pki.PKIError(f'{KEYPAIR_MODULE} returned {len(results)} results for {len(items)} certificates')
        return results

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}

        _validation, args = self.validate_argument_spec(
            argument_spec=ARGUMENT_SPEC,
            mutually_exclusive=[('certificates', name) for name in _SINGLE] + [
                # Bring your own: verified and installed as delivered, nothing is signed.
                ('certificate_src', 'ca_key_path'), ('certificate_src', 'ca_key_passphrase'),
                ('certificate_src', 'chain_path'), ('certificate_src', 'certificates'),
                ('certificate_src', 'crl_path'), ('certificate_src', 'force')],
            required_one_of=[('certificates', 'key_path'), ('ca_key_path', 'certificate_src')],
            # common_name is only checked, if given, when certificate_src brings the certificate.
            required_together=[('key_path', 'cert_path'), ('certificate_src', 'private_key_src')],
            required_by={'folder_owner': 'folder_mode', 'folder_group': 'folder_mode'})
        if not pki.HAS_CRYPTOGRAPHY:
            raise AnsibleActionFail('tls_cert needs the Python library "cryptography" on the controller')
        # Keys tls_keypair generated in this task, and the items whose certificate is installed:
        # a task that fails removes the keys whose certificate never arrived (see _undo()).
        self._generated = {}
        self._installed_items = set()
        self._folders = {'created': [], 'attributes': {}, 'diff': None}
        # Groups the first run created (create_group; in check mode, would create): removed again
        # when the task fails before any certificate or bundle was installed with them.
        self._groups = []
        # The CA bundle: what was sent (_bundle_args()) and tls_keypair's answer.
        self._bundle = None
        try:
            result.update(self._run(args, task_vars))
        except _ModuleFailed as exc:
            failed = exc.result
            failed.pop('invocation', None)
            result.update(failed)
            result['msg'] = str(failed.get('msg', 'tls_keypair failed')) + self._undo()
        except (pki.PKIError, files.FilesError, LocalFileError) as exc:
            result['failed'] = True
            result['msg'] = str(exc) + self._undo()
            result['changed'] = False
        return result

    def _undo(self) -> str:
        """After a failure: remove, with one command on the host, the keys this task generated whose
        certificate was not installed, so that a failed task leaves nothing it created (a new key
        without its certificate would only be found, and kept, by the next run). Nothing is run when
        no key was generated; returns what to add to the failure message."""
        paths = [path for number, path in sorted(self._generated.items()) if number not in self._installed_items]
        # A CA bundle the first run created (not one it replaced: that one stays, with its new content).
        answer = (self._bundle or {}).get('answer') or {}
        bundle = [answer['dest']] if (answer.get('created') and (self._bundle or {}).get('written')) else []
        # Folders created by the first run (in check mode none was), innermost first; rmdir leaves
        # one that is not empty (a certificate was installed in it) alone.
        folders = [] if self._task.check_mode else list(reversed(self._folders['created']))
        groups = [] if (self._task.check_mode or self._installed_items or bundle) else list(self._groups)
        if not paths and not bundle and not folders and not groups:
            return ''
        commands = []
        if paths or bundle:
            commands.append('rm -f -- ' + ' '.join(shlex.quote(path) for path in paths + bundle))
        if folders:
            commands.append('{ rmdir -- ' + ' '.join(shlex.quote(path) for path in folders) + ' 2>/dev/null; true; }')
        for group in groups:
            commands.append('{ groupdel -- ' + shlex.quote(group) + ' 2>/dev/null; true; }')
        what = ', '.join(paths + bundle + folders + groups)
        try:
            removed = self._low_level_execute_command(' && '.join(commands), sudoable=True)
        except AnsibleError as exc:
            return f' (what this task had created could not be removed: {what}: {exc})'
        if removed.get('rc') != 0 and (paths or bundle):
            subject = 'what this task had created' if bundle else 'the key(s) generated by this task'
            return (f' ({subject} could not be removed: {", ".join(paths + bundle)}: '
                    f'{(removed.get("stderr") or removed.get("stdout") or "").strip()})')
        done = []
        if paths:
            done.append(f'removed the key(s) this task had generated: {", ".join(paths)}')
        if bundle:
            done.append(f'removed the CA bundle it had created: {bundle[0]}')
        if folders:
            done.append(f'removed the folder(s) it had created, where empty: {", ".join(folders)}')
        if groups:
            done.append(f'removed the group(s) it had created: {", ".join(groups)}')
        return f' ({"; ".join(done)})'

    def _note_generated(self, number: int, item: dict, answer: dict) -> None:
        """Remember a key tls_keypair generated for item ``number`` (a new key of another type waits
        as <key_path>.new)."""
        if answer.get('key_generated') and not self._task.check_mode:
            self._generated[number] = item['key_path'] + ('.new' if answer.get('key_pending') else '')

    def _vault(self):
        # The loader's VaultLib holds the secrets of --vault-id / --vault-password-file.
        return getattr(self._loader, '_vault', None)

    def _run(self, args: dict, task_vars: dict) -> dict:
        now = pki.utcnow()
        check_mode = bool(self._task.check_mode)
        host = str(task_vars.get('inventory_hostname', 'the target'))
        if args.get('certificate_src'):
            return self._run_external(args, task_vars, now, host)
        if args.get('certificates') is None and not args.get('common_name'):
            raise pki.PKIError('common_name is required to issue a certificate')
        if args['renew_before_days'] < 0:
            raise pki.PKIError('renew_before_days must not be negative')
        if args['renew_before_days'] >= args['valid_days']:
            raise pki.PKIError(f'renew_before_days ({args["renew_before_days"]}) must be smaller than '
                               f'valid_days ({args["valid_days"]}), or every run would reissue')
        pki.check_key_spec(args['key_type'], args['key_size'], args['curve'])
        batch = args.get('certificates') is not None
        items = [_item_args(args, item) for item in args['certificates']] if batch else [args]
        if not items and args.get('bundle') is None:
            return {'changed': False, 'results': []}
        specs = [pki.leaf_spec(item['common_name'], item['subject_alt_names'], item['usage'], args['valid_days'])
                 for item in items]

        # Everything on the controller is checked before the target is touched.
        ca = CAMaterial(args, now, self._vault())
        for spec in specs:
            pki.check_leaf_common_name(spec.common_name, ca.cert, ca.cert_path)
        crl = crl_path = None
        if args.get('crl_path'):
            crl_path = controller_path(args['crl_path'])
            crl = load_crl(read_controller_file(crl_path, self._vault()), crl_path)
        # Where a certificate on the host may still be refused (after the first run), the bundle
        # is only compared in the first run and written once none was (see below): a refused host
        # keeps the bundle it trusts now, as its certificate stays.
        bundle = self._bundle_args(args, host, report_only=not args['allow_ca_change'] or crl is not None)

        keypair_args = []
        for item, spec in zip(items, specs):
            one = {name: item[name] for name in _KEYPAIR_OPTIONS if item.get(name) is not None}
            one['subject_alt_names'] = list(spec.sans)
            keypair_args.append(one)
        # defer_csr: a key that has a certificate comes back as its public key, read without the RSA
        # key check (see keys.public_key_of_private_key), and the host parses no X.509, which makes
        # the module run of a rerun cheaper; this controller decides alone whether a CSR is needed.
        # A key generated for a host that had neither key nor certificate comes back as its public
        # key too (no X.509 built on the host): it is signed as it is, as it needs no load check.
        # With force every certificate is due, so the first run brings the CSRs (no deferral).
        firsts = self._keypair(keypair_args, batch, task_vars,
                               common=dict(_first_run_args(args), defer_csr=not args['force'], **bundle))
        for number, (item, first) in enumerate(zip(items, firsts)):
            self._note_generated(number, item, first)
        decided = [decide(first, spec, ca.cert, args['renew_before_days'], now, host, item)
                   for item, spec, first in zip(items, specs, firsts)]
        # Refused before anything more happens on the host (no second run, nothing written).
        for item, (current, _csr, _public_key, _reasons) in zip(items, decided):
            if crl is not None:
                _refuse_revoked(current, crl, crl_path, ca, host, item)
            if not args['allow_ca_change']:
                _refuse_ca_change(current, ca, host, item)
        # Due (renew window, SANs changed, another CA, ...) for a key that came as its public key:
        # one more run brings the CSRs, made with the key loaded with its check. Not in check mode,
        # which signs nothing.
        late = [number for number, (_current, csr, _public, reasons) in enumerate(decided) if reasons and csr is None
                and firsts[number].get('public_key') and not _new_key(firsts[number]) and not check_mode]
        # The bundle compared only (report_only) and due: written now, in the run for the CSRs when
        # there is one, else in a run of its own (only when the bundle changes: a CA renewal or change).
        pending = {}
        if bundle.get('bundle', {}).get('report_only') and not check_mode:
            answer = self._bundle['answer'] or {}
            if answer.get('changed') or answer.get('attributes_changed'):
                pending = {'bundle': dict(bundle['bundle'], report_only=False)}
        if pending and not late:
            self._keypair([], True, task_vars, common=pending)
        if late:
            answers = self._keypair([keypair_args[number] for number in late], batch, task_vars, common=pending)
            for number, answer in zip(late, answers):
                self._note_generated(number, items[number], answer)
                firsts[number] = answer
                decided[number] = decide(answer, specs[number], ca.cert, args['renew_before_days'], now,
                                         host, items[number])

        plans = []
        for number, (item, first, (current, csr, public_key, reasons)) in enumerate(zip(items, firsts, decided)):
            if args['force'] and not reasons:
                reasons.append('forced (force=true)')
            chain_changed = (not reasons and current is not None
                             and _chain_pems(first, host, item) != ca.chain_pems)
            if chain_changed:
                reasons.append('chain differs')
            plans.append({'first': first, 'current': current, 'csr': csr, 'public_key': public_key,
                          'reasons': reasons, 'chain_changed': chain_changed, 'new_cert': None,
                          'second': {}, 'number': number})

        if not check_mode:
            by_shell, by_module = [], []
            for item, spec, plan, one in zip(items, specs, plans, keypair_args):
                if not plan['reasons']:
                    continue
                if plan['chain_changed']:
                    certificate = pki.certificate_pem(plan['current']).decode('ascii')
                elif plan['csr'] is not None:
                    plan['new_cert'] = pki.sign_leaf(plan['csr'], spec, ca.cert, ca.key, now=now,
                                                     csr_source=f'CSR for {host}:{item["key_path"]}',
                                                     ca_source=ca.cert_path)
                elif _new_key(plan['first']):
                    plan['new_cert'] = pki.sign_public_key(plan['public_key'], spec, ca.cert, ca.key, now=now,
                                                           key_source=f'public key of {host}:{item["key_path"]}',
                                                           ca_source=ca.cert_path)
                else:
                    raise pki.PKIError(f'{KEYPAIR_MODULE} on {host} returned no CSR for {item["key_path"]} '
                                       f'({"; ".join(plan["reasons"])})')
                if plan['new_cert'] is not None:
                    certificate = pki.certificate_pem(plan['new_cert']).decode('ascii')
                module_args = dict(one, certificate=certificate, chain=ca.chain_pems)
                if args['backup']:
                    module_args['backup'] = True
                # A new key of another type waits beside the old one as <key_path>.new and replaces
                # it together with its certificate: tls_keypair does that, because it checks on the
                # host that the waiting key belongs to the certificate before it replaces a working
                # key (a shell cannot check a key). Rare: only when key_type changes.
                if plan['first'].get('key_pending'):
                    by_module.append((plan, module_args))
                    continue
                # Checked before it is sent (and again in _result() on the bytes the host holds):
                # a certificate that would not verify is never installed.
                leaf = plan['new_cert'] or plan['current']
                problems = pki.needs_reissue(leaf, spec, ca.cert, public_key=plan['public_key'], now=now,
                                             renew_before_days=0)
                if problems:
                    raise pki.PKIError(f'{host}:{item["cert_path"]}: the certificate does not verify, nothing '
                                       f'was installed: {"; ".join(problems)}')
                by_shell.append((item, plan, module_args))
            if by_shell and not self._install(by_shell, host, backup=args['backup']):
                # The host has no install(1) (nothing was touched): tls_keypair writes the files.
                by_module.extend((plan, module_args) for _item, plan, module_args in by_shell)
            if by_module:
                # Counted as installed before the run: when it fails, which of its items were written
                # is not known, and a key is never removed from beside a certificate made for it.
                self._installed_items.update(plan['number'] for plan, _module_args in by_module)
                seconds = self._keypair([module_args for _plan, module_args in by_module], batch, task_vars)
                for (plan, _module_args), second in zip(by_module, seconds):
                    plan['second'] = second

        results = [self._result(item, spec, plan, ca, args, now, host, check_mode)
                   for item, spec, plan in zip(items, specs, plans)]
        if not batch:
            return self._add_folders(results[0], host)
        combined = {'changed': any(r['changed'] for r in results), 'results': results,
                    'verified': all(r['verified'] for r in results)}
        diffs = [r.pop('diff') for r in results if 'diff' in r]
        if diffs:
            combined['diff'] = diffs
        return self._add_folders(combined, host)

    def _add_folders(self, result: dict, host: str) -> dict:
        """The folders tls_keypair created or corrected (folder_mode), in the task's result and diff."""
        folders = self._folders
        if self._groups:
            result['groups_created'] = list(self._groups)
            result['changed'] = True
        if folders['created']:
            result['folders_created'] = list(folders['created'])
        if folders['attributes']:
            result['attributes_changed'] = dict(folders['attributes'], **(result.get('attributes_changed') or {}))
        if folders['created'] or folders['attributes'] or folders['diff']:
            result['changed'] = True
        if self._task.diff and folders['diff']:
            entry = {'before_header': f'{host}: folders', 'after_header': f'{host}: folders',
                     'before': folders['diff']['before'], 'after': folders['diff']['after']}
            diff = result.get('diff')
            result['diff'] = [entry] + (diff if isinstance(diff, list) else [diff] if diff else [])
        return self._add_bundle(result, host)

    def _bundle_args(self, args: dict, host: str, report_only: bool = False) -> dict:
        """The ``bundle`` option, checked and built here (the exact bytes tls_bundle would write):
        {'bundle': what the first tls_keypair run writes (with ``report_only``, compares)}, or {}
        without the option."""
        spec = args.get('bundle')
        if spec is None:
            return {}
        mode = files.parse_mode(spec.get('mode'), 'bundle.mode')
        content, certs = bundles.build_bundle(bundles.bundle_entries(spec['certificates'], 'bundle.certificates'))
        self._bundle = {
            'dest': spec['dest'],
            'certificates': [bundles.certificate_summary(cert) for cert in certs],
            'warnings': [f'{host}:{spec["dest"]}: {warning}' for warning in bundles.bundle_warnings(certs)],
            'answer': None,
            'written': False,
        }
        sent = {'dest': spec['dest'], 'content': content.decode('ascii'),
                'mode': '0644' if mode is None else f'{mode:04o}'}
        sent.update({name: spec[name] for name in ('owner', 'group') if spec.get(name) is not None})
        if report_only:
            sent['report_only'] = True
        return {'bundle': sent}

    def _add_bundle(self, result: dict, host: str) -> dict:
        """The CA bundle the first tls_keypair run wrote or checked, in the task's result and diff."""
        bundle = self._bundle
        if bundle is None:
            return result
        answer = bundle['answer']
        if answer is None:
            raise pki.PKIError(f'{KEYPAIR_MODULE} on {host} did not report the CA bundle {bundle["dest"]}')
        entry = {'dest': bundle['dest'],
                 'changed': bool(answer.get('changed') or answer.get('attributes_changed')),
                 'certificates': bundle['certificates'], 'count': len(bundle['certificates'])}
        if answer.get('attributes_changed'):
            entry['attributes_changed'] = answer['attributes_changed']
        result['bundle'] = entry
        if entry['changed']:
            result['changed'] = True
        if bundle['warnings']:
            result['warnings'] = list(result.get('warnings') or []) + bundle['warnings']
        if self._task.diff and answer.get('changed'):
            header = f'{host}:{bundle["dest"]}'
            previous = answer.get('previous')
            before = None if previous is None else bundles.summaries_of(previous.encode('ascii', 'replace'), header)
            diff = result.get('diff')
            result['diff'] = ((diff if isinstance(diff, list) else [diff] if diff else [])
                              + [bundles.bundle_diff(header, before, bundle['certificates'])])
        return result

    def _install(self, entries: list, host: str, backup: bool = False) -> bool:
        """Install the certificate files of ``entries`` (item, plan, tls_keypair install args) with
        one shell command on the host, instead of a second tls_keypair run (a Python module run
        costs ~0.3 CPU s on the host, about as much as the first run; the command costs a shell).

        Only certificates travel (public data, never a key). They are sent into the remote temp dir
        (the one the first tls_keypair run made, when it is still there), made readable for an
        unprivileged become user by _fixup_perms2, and installed by install_command() with become,
        which also removes the temp dir. Sets plan['installed'] to the exact bytes now on the host
        (checked there by SHA-256). Returns False when the host has no install(1): nothing was done.
        """
        shell = self._connection._shell
        tmpdir = shell.tmpdir or self._make_tmp_path()
        files_spec, sources = [], []
        for number, (item, plan, module_args) in enumerate(entries):
            content = b''.join(pki.certificate_pem(c) for c in pki.load_certificates(
                module_args['certificate'] + ''.join(module_args['chain']), f'certificate for {host}:{item["cert_path"]}'))
            stat_now = plan['first'].get('cert_stat') or {}
            mode = files.parse_mode(item.get('cert_mode'), 'cert_mode')
            if mode is None:    # as tls_keypair: keep the current file's mode, else 0600
                mode = stat_now.get('mode', 0o600)
            # Owner and group not given: keep the current file's, as tls_keypair does.
            owner = item.get('owner') if item.get('owner') is not None else stat_now.get('uid')
            group = item.get('group') if item.get('group') is not None else stat_now.get('gid')
            source = shell.join_path(tmpdir, f'dbtls-cert-{number}.pem')
            self._transfer_data(source, content)
            sources.append(source)
            files_spec.append((source, item['cert_path'], mode, owner, group))
            plan['installed'] = content
        self._fixup_perms2([tmpdir] + sources, execute=False)
        # An unprivileged become user cannot remove the connection user's temp dir: then cleanup()
        # removes it as the connection user, as after a module run.
        remove = not self._is_become_unprivileged() and self._should_remove_tmp_path(tmpdir)
        result = self._low_level_execute_command(install_command(files_spec, tmpdir if remove else None, backup),
                                                 sudoable=True)
        if remove:
            shell.tmpdir = None
        out = result.get('stdout') or ''
        err = (result.get('stderr') or '').strip()
        paths = [item['cert_path'] for item, _plan, _args in entries]
        if NO_INSTALL in out.split():
            for _item, plan, _args in entries:
                plan.pop('installed', None)
            return False
        marks = {}
        for line in out.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0].startswith(MARK) and words[1].isdigit() and int(words[1]) < len(paths):
                marks.setdefault(words[0][len(MARK):], {})[int(words[1])] = words[2:]
                if words[0] == f'{MARK}BACKUP' and len(words) > 2:
                    # The path as printed (it may hold spaces).
                    entries[int(words[1])][1]['backup_file'] = line.split(' ', 2)[2]
        failed = marks.get('FAILED') or {}
        # Which certificates are in place: before a failed rename, the ones before it in the list;
        # after a failure the command did not name, all of them may be.
        done = range(len(entries))
        for number, step in failed.items():
            done = range(number) if step == ['renaming'] else ()
        self._installed_items.update(entries[number][1]['number'] for number in done)
        for number, step in failed.items():
            what = ' '.join(step).replace('-', ' ')
            what += ('; no certificate was replaced' if what != 'renaming'
                     else '; the certificates before it in the list were replaced')
            kept = [plan['backup_file'] for _item, plan, _args in entries if plan.get('backup_file')]
            if kept:
                what += f'; their backups: {", ".join(kept)}'
            raise pki.PKIError(f'{host}:{paths[number]}: installing the certificate failed ({what}): '
                               f'{err or out.strip() or "rc " + str(result.get("rc"))}')
        if result.get('rc') != 0:
            raise pki.PKIError(f'{host}: installing the certificates {", ".join(paths)} failed '
                               f'(rc {result.get("rc")}): {err or out.strip()}')
        for number, (path, (_src, _dest, _mode, _owner, _group)) in enumerate(zip(paths, files_spec)):
            sent = entries[number][1]['installed']
            digest = (marks.get('SHA256') or {}).get(number)
            if digest is not None:
                if not digest or digest[0] != hashlib.sha256(sent).hexdigest():
                    raise pki.PKIError(f'{host}:{path}: the installed file is not the certificate that was '
                                       f'sent (SHA-256 {digest[0] if digest else "unreadable"}, sent '
                                       f'{hashlib.sha256(sent).hexdigest()})')
            elif number not in (marks.get('SAME') or {}):
                raise pki.PKIError(f'{host}:{path}: the installed file is not the certificate that was sent')
        return True

    def _run_external(self, args: dict, task_vars: dict, now, host: str) -> dict:
        """Bring your own: verify a certificate and key issued elsewhere, then install them unchanged."""
        if args['renew_before_days'] < 0:
            raise pki.PKIError('renew_before_days must not be negative')
        if args['usage'] in ('server', 'peer') and not args['subject_alt_names']:
            raise pki.PKIError(f'subject_alt_names: name the SANs a {args["usage"]} certificate must carry '
                               '(they are checked, not issued, in this mode)')
        vault = self._vault()
        trust_path = controller_path(args['ca_cert_path'])
        cert_src = controller_path(args['certificate_src'])
        key_src = controller_path(args['private_key_src'])
        anchors = pki.load_certificates(read_controller_file(trust_path, vault), trust_path)
        for anchor in anchors:
            if not pki.is_ca(anchor):
                raise pki.PKIError(f'{trust_path}: {anchor.subject.rfc4514_string()!r} is not a CA '
                                   'certificate; ca_cert_path holds the CA(s) the certificate must chain to')
        cert_data = read_controller_file(cert_src, vault)
        key_data = read_controller_file(key_src, vault)
        certs = pki.load_certificates(cert_data, cert_src)
        try:
            key = pki.load_private_key(key_data, key_src)
        except pki.PKIError as exc:
            raise pki.PKIError(f'{exc} (database servers read an unencrypted key; nothing was deployed)') from None
        findings = []
        if pki.is_ca(certs[0]):
            findings.append(f'{cert_src}: the first certificate is a CA certificate, not a host certificate')
        if args.get('common_name') and pki.common_name_of(certs[0]) != args['common_name']:
            findings.append(f'{cert_src}: the common name is {pki.common_name_of(certs[0])!r}, '
                            f'{args["common_name"]!r} is required')
        _facts, _chain, more = pki.verify(
            certs, anchors, key=key, required_sans=args['subject_alt_names'], required_usage=args['usage'],
            min_days_left=args['renew_before_days'], check_cn_differs=True, now=now,
            cert_source=cert_src, ca_source=trust_path, key_source=key_src)
        findings.extend(more)
        if findings:
            raise pki.PKIError(f'refused the externally issued certificate for {host}, nothing was '
                               'deployed: ' + '; '.join(findings))

        keypair_args = {name: args[name] for name in _KEYPAIR_OPTIONS
                        if args.get(name) is not None and name != 'common_name'}
        keypair_args['common_name'] = pki.common_name_of(certs[0]) or host
        keypair_args.update(_first_run_args(args))
        keypair_args.update(self._bundle_args(args, host))
        keypair_args.update(certificate=cert_data.decode('ascii'), private_key=key_data.decode('ascii'))
        if args['backup']:
            keypair_args['backup'] = True
        installed = self._keypair([keypair_args], False, task_vars)[0]
        reasons = []
        if installed.get('key_changed'):
            reasons.append(f'key differs from {key_src}')
        if installed.get('cert_changed'):
            reasons.append(f'certificate differs from {cert_src}')
        facts = pki.certificate_facts(certs[0], now)
        result = {
            'changed': bool(installed.get('changed')),
            'reasons': reasons,
            'key_generated': False,
            'cert_path': args['cert_path'],
            'key_path': args['key_path'],
            'certificate_src': cert_src,
            'private_key_src': key_src,
        }
        if installed.get('attributes_changed'):
            result['attributes_changed'] = installed['attributes_changed']
        for name in ('backup_file', 'key_backup_file'):
            if installed.get(name):
                result[name] = installed[name]
        if args['return_content']:
            result['certificate'] = cert_data.decode('ascii')     # public; the key is never returned
        for name in ('subject', 'issuer', 'serial', 'serial_hex', 'sans', 'not_before', 'not_after',
                     'days_left', 'fingerprint_sha256', 'key_type', 'usage'):
            result[name] = facts[name]
        if self._task.diff and installed.get('diff'):
            result['diff'] = dict(installed['diff'], before_header=f'{host}:{args["cert_path"]}',
                                  after_header=f'{host}:{args["cert_path"]}')
        return self._add_folders(result, host)

    def _result(self, item, spec, plan, ca, args, now, host, check_mode) -> dict:
        first, second, current, new_cert, reasons = (plan['first'], plan['second'], plan['current'],
                                                     plan['new_cert'], plan['reasons'])
        # The certificate as the host holds it now: read back after an install, else as found.
        on_host = current
        if plan.get('installed') is not None:
            # Installed by the shell command: the host holds exactly these bytes (SHA-256 checked).
            on_host = pki.load_certificate(plan['installed'], f'{host}:{item["cert_path"]}')
        elif second.get('certificate'):
            on_host = pki.load_certificate(second['certificate'], f'{host}:{item["cert_path"]}')
        verified = False
        if not check_mode or not reasons:
            # renew_before_days=0: a certificate just issued under a CA that itself ends soon is
            # valid, only short; the renew window decides reissues, not whether this one verifies.
            problems = pki.needs_reissue(on_host, spec, ca.cert, public_key=plan['public_key'], now=now,
                                         renew_before_days=0)
            if problems:
                raise pki.PKIError(f'{host}:{item["cert_path"]}: the certificate on the host does not verify '
                                   f'after it was installed: {"; ".join(problems)}')
            verified = plan['public_key'] is not None
        shown = new_cert or current
        result = {
            'changed': bool(reasons) or bool(first.get('changed')) or bool(second.get('changed')),
            'reasons': reasons,
            'key_generated': bool(first.get('key_generated')),
            'verified': verified,
            'cert_path': item['cert_path'],
            'key_path': item['key_path'],
        }
        attributes = dict(first.get('attributes_changed') or {})
        attributes.update(second.get('attributes_changed') or {})
        if attributes:
            result['attributes_changed'] = attributes
        # backup: the copy of the replaced certificate (shell install or tls_keypair) and, when a
        # key of another type replaced the old one, of the old key.
        backup_file = plan.get('backup_file') or second.get('backup_file')
        if backup_file:
            result['backup_file'] = backup_file
        if second.get('key_backup_file'):
            result['key_backup_file'] = second['key_backup_file']
        if args['return_content']:
            # The certificate file as the host holds it now (leaf, then chain): public. The key is
            # never returned.
            if plan.get('installed') is not None:
                result['certificate'] = plan['installed'].decode('ascii')
            elif second.get('certificate'):
                result['certificate'] = second['certificate'] + ''.join(ca.chain_pems)
            elif current is not None:
                result['certificate'] = (pki.certificate_pem(current).decode('ascii')
                                         + ''.join(_chain_pems(first, host, item)))
            else:
                result['certificate'] = None
        if shown is not None:
            facts = pki.certificate_facts(shown, now)
            for name in ('subject', 'issuer', 'serial', 'serial_hex', 'sans', 'not_before', 'not_after',
                         'days_left', 'fingerprint_sha256', 'key_type', 'usage'):
                result[name] = facts[name]
        if self._task.diff:
            if new_cert is not None:
                after = pki.diff_facts(new_cert)
            elif reasons and not plan['chain_changed']:
                after = {'subject': spec.subject.rfc4514_string(), 'issuer': ca.cert.subject.rfc4514_string(),
                         'sans': list(spec.sans), 'usage': spec.usage, 'valid_days': spec.valid_days,
                         'key_type': pki.describe_key_spec(args['key_type'], args['key_size'], args['curve'])}
            else:
                after = pki.diff_facts(current)
            result['diff'] = {
                'before_header': f'{host}:{item["cert_path"]}',
                'after_header': f'{host}:{item["cert_path"]}',
                'before': pki.diff_facts(current),
                'after': after,
            }
        return result


def _new_key(first: dict) -> bool:
    """tls_keypair generated this key in the run and answered with its public key (defer_csr): it is
    signed as it is, with no CSR asked for."""
    return bool(first.get('key_generated')) and bool(first.get('public_key'))


def _refuse_revoked(current, crl, crl_path: str, ca, host: str, item: dict) -> None:
    """Fail when the CA's CRL revokes the certificate on the host: renewing it, or replacing it on
    any other change, would quietly give the revoked client or host a valid certificate again."""
    if current is None:
        return
    entry = revocation_of(current, crl, ca.cert)
    if entry is None:
        return
    raise pki.PKIError(
        f'{host}:{item["cert_path"]}: the certificate there (serial {pki.serial_hex(current.serial_number)}, '
        f'CN {pki.common_name_of(current)!r}) is revoked in {crl_path} ({entry.reason}, '
        f'{pki.isoformat(entry.revocation_date)}), so no certificate is issued in its place. Stop issuing '
        'it (for the pki role: remove the client from pki_client_certificates, or the host from the '
        f'inventory), or, to give it a new key and certificate, delete {item["key_path"]} and '
        f'{item["cert_path"]} on the host and run again')


def _refuse_ca_change(current, ca, host: str, item: dict) -> None:
    """With allow_ca_change false, fail when the certificate on the host is not this CA's: its peers
    may trust only the CA that issued it, and would refuse the host once it presents the new one."""
    if current is None:
        return
    mismatch = pki.issuer_mismatch(current, ca.cert)
    if mismatch is None:
        return
    raise pki.PKIError(
        f'{host}:{item["cert_path"]}: the certificate there is not from the CA {ca.cert_path} ({mismatch}); '
        f'replacing it would make {host} present a certificate that peers trusting only its current '
        'issuer refuse (Galera: "certificate verify failed"), so nothing was issued. Change the CA of '
        'a running cluster with dbtls.transport.rotate_ca; where no running service depends on it, '
        'allow the change (pki role: pki_allow_ca_change: true; tls_cert: allow_ca_change: true)')


def _chain_pems(first: dict, host: str, item: dict) -> list[str]:
    """The certificates after the leaf in the host's certificate file, as PEM written by this
    collection (a deferred answer returns them as the file holds them; line endings may differ)."""
    chain = first.get('chain') or []
    if not chain:
        return []
    return [pki.certificate_pem(cert).decode('ascii')
            for cert in pki.load_certificates('\n'.join(chain), f'{host}:{item["cert_path"]} (chain)')]


def _first_run_args(args: dict) -> dict:
    return {name: args[name] for name in _FIRST_RUN_OPTIONS if args.get(name) not in (None, False)}


def _item_args(args: dict, item: dict) -> dict:
    """One entry of ``certificates`` completed from the top-level options."""
    merged = dict(args)
    merged.pop('certificates', None)
    merged.update({name: value for name, value in item.items() if value is not None})
    return merged


class _ModuleFailed(Exception):
    def __init__(self, result: dict):
        super().__init__(result.get('msg', 'tls_keypair failed'))
        self.result = result
