# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Files read on the controller by the tls_cert action: plain or ansible-vault encrypted, in memory
only, and the CA material (certificate, key, chain) it signs with.

An ansible-vault encrypted file is decrypted here, in memory, with the play's vault secrets: the
loader's get_real_file() would write the plaintext to a temporary file, so it is not used.

A file that cannot be read or decrypted raises :class:`LocalFileError`; a CA, key or chain that is
not fit to sign with raises ``pki.PKIError``. Both name the file.
"""

from __future__ import annotations

import os

from ansible import constants as C
from ansible.errors import AnsibleError

from ansible_collections.dbtls.transport.plugins.module_utils import pki


class LocalFileError(Exception):
    """A controller file that cannot be read or decrypted; the message names it."""


def read_local(path: str) -> bytes:
    """A controller file's bytes (kept in memory only)."""
    try:
        with open(path, 'rb') as handle:
            return handle.read()
    except FileNotFoundError:
        raise LocalFileError(f'{path}: no such file on the controller') from None
    except OSError as exc:
        raise LocalFileError(f'{path}: cannot be read on the controller: {exc.strerror or exc}') from None


def read_controller_file(path: str, vault=None) -> bytes:
    """A controller file's bytes, an ansible-vault file decrypted in memory with ``vault`` (the
    loader's VaultLib, which holds the play's vault secrets). Nothing is written anywhere."""
    return decrypt_vaulted(read_local(path), path, vault)


def decrypt_vaulted(data: bytes, path: str, vault=None) -> bytes:
    """``data`` read from ``path``, decrypted in memory when it is an ansible-vault file."""
    if not pki.is_vault_encrypted(data):
        return data
    if vault is None or not getattr(vault, 'secrets', None):
        raise LocalFileError(f'{path}: the file is ansible-vault encrypted, but the play has no vault '
                             'secret; run with --vault-id or --vault-password-file (or '
                             'ANSIBLE_VAULT_PASSWORD_FILE)')
    try:
        return vault.decrypt(data)
    except AnsibleError as exc:
        raise LocalFileError(f'{path}: cannot be decrypted with the vault secrets given '
                             f'({exc.message if hasattr(exc, "message") else exc})') from None


def controller_path(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path))


class CAMaterial:
    """The CA certificate, its key and the optional chain, loaded and checked on the controller."""

    def __init__(self, args: dict, now, vault=None):
        self.cert_path = controller_path(args['ca_cert_path'])
        self.key_path = controller_path(args['ca_key_path'])
        self.cert = pki.load_certificate(read_controller_file(self.cert_path, vault), self.cert_path)
        pki.check_ca(self.cert, self.cert_path, now)
        # Checked now (readable, decryptable, the CA certificate's key), loaded to sign only when a
        # certificate is due: loading an RSA key checks it (~37 ms for 2048 bits), more than the rest
        # of a rerun costs on the controller, and a rerun signs nothing.
        stored = read_local(self.key_path)
        self._key_data = decrypt_vaulted(stored, self.key_path, vault)
        self._key_passphrase = args.get('ca_key_passphrase')
        # A key kept encrypted at rest (vault, passphrase) leaves nothing derived from it on disk,
        # not even the proof of its check (see key below): it is checked in every worker instead.
        self._key_protected = bool(self._key_passphrase) or pki.is_vault_encrypted(stored)
        self._key = None
        public_key = pki.public_key_of_private_key(self._key_data, self.key_path, self._key_passphrase)
        pki.check_key_matches_certificate(public_key, self.cert, self.key_path, self.cert_path)
        self.chain = []
        chain_path = None
        if args.get('chain_path'):
            chain_path = controller_path(args['chain_path'])
            self.chain = pki.load_certificates(read_controller_file(chain_path, vault), chain_path)
        # An intermediate must travel with the leaf: peers refuse a leaf-only file under it.
        pki.check_signing_chain(self.cert, self.chain, chain_path or 'chain_path', self.cert_path)
        for number, cert in enumerate(self.chain, start=1):
            if pki.not_after(cert) <= now:
                raise pki.PKIError(f'{chain_path}: certificate #{number} {cert.subject.rfc4514_string()!r} '
                                   f'expired on {pki.isoformat(pki.not_after(cert))}')

    @property
    def key(self):
        """The CA key, loaded on first use; an unprotected key is checked (RSA) once per
        ansible-playbook run, not once per host (see pki.load_signing_key: each host's task runs in
        its own worker process)."""
        if self._key is None:
            checked_dir = None if self._key_protected else getattr(C, 'DEFAULT_LOCAL_TMP', None)
            self._key = pki.load_signing_key(self._key_data, self.key_path, self._key_passphrase,
                                             checked_dir=checked_dir)
            self._key_data = self._key_passphrase = None
        return self._key

    @property
    def chain_pems(self) -> list[str]:
        return [pki.certificate_pem(c).decode('ascii') for c in self.chain]
