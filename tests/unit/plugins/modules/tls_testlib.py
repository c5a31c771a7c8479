# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers shared by the tls_* module tests (imported by file name; pytest puts this folder on sys.path)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19: the old way still works there
    from ansible.module_utils import basic as _basic

    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = _basic._ANSIBLE_ARGS
        _basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}).encode()
        try:
            yield
        finally:
            _basic._ANSIBLE_ARGS = saved

from ansible_collections.dbtls.transport.plugins.module_utils import pki

OPENSSL = shutil.which('openssl')
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason='the openssl CLI is not installed')


def run_main(module, args: dict, capsys, check_mode: bool = False, diff: bool = False) -> dict:
    """Run ``module.main()`` as Ansible would and return its JSON result (with ``failed``)."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result['_raw'] = out
    return result


def snapshot(root) -> dict:
    """Every path under root with its bytes, mode and mtime: 'nothing changed on disk' checks."""
    state = {}
    for path in sorted(Path(root).rglob('*')):
        st = os.lstat(path)
        content = path.read_bytes() if stat.S_ISREG(st.st_mode) else None
        state[str(path)] = (content, stat.S_IMODE(st.st_mode), st.st_mtime_ns, st.st_uid, st.st_gid)
    return state


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def openssl(*args, check=True):
    proc = subprocess.run([OPENSSL, *args], capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise AssertionError(f'openssl {" ".join(args)} failed: {proc.stdout}{proc.stderr}')
    return proc


def make_ca(directory: Path, name: str = 'Test CA', key_type: str = 'ecdsa', now=None,
            valid_days: int = 3650, passphrase=None):
    """A CA key and certificate in ``directory`` (ca.key, ca.crt); returns (cert, key, key_path, cert_path)."""
    directory.mkdir(parents=True, exist_ok=True)
    key = pki.generate_private_key(key_type)
    cert = pki.build_ca(key, name, valid_days=valid_days, now=now)
    key_path, cert_path = directory / 'ca.key', directory / 'ca.crt'
    key_path.write_bytes(pki.serialize_private_key(key, passphrase))
    os.chmod(key_path, 0o600)
    cert_path.write_bytes(pki.certificate_pem(cert))
    return cert, key, str(key_path), str(cert_path)


def assert_no_key_material(result) -> None:
    text = json.dumps(result, default=str) if not isinstance(result, str) else result
    assert 'PRIVATE KEY' not in text
