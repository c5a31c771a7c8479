# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The host side of the tls_cert action for its unit tests (test_tls_cert.py and
test_tls_cert_enterprise.py): tls_keypair runs in-process on real files, and the shell command
that installs certificates runs under /bin/sh on a local temp dir standing in for the remote one."""

from __future__ import annotations

import json
import os
import posixpath
import subprocess
import tempfile
from pathlib import Path

from ansible_collections.dbtls.transport.plugins.module_utils import pki
from ansible_collections.dbtls.transport.plugins.modules import tls_keypair


class Target:
    """Stands in for the connection: runs tls_keypair in-process and records what was sent."""

    def __init__(self):
        self.calls = []
        self.commands = []      # shell commands run on the host
        self.sent = []          # (remote path, bytes) transferred
        self.outputs = []       # their stdout
        self.tmpdirs = []
        self.shell_tamper = None
        self.path = None
        self.tamper = None

    def execute(self, check_mode):
        def _execute_module(module_name=None, module_args=None, task_vars=None, **_kw):
            assert module_name == 'dbtls.transport.tls_keypair'
            self.calls.append(dict(module_args))
            try:
                result = tls_keypair.run(dict(module_args), check_mode)
            except (pki.PKIError, tls_keypair.files.FilesError) as exc:
                return {'failed': True, 'msg': str(exc)}
            if self.tamper:
                result = self.tamper(result)
            return json.loads(json.dumps(result))      # what travels is JSON
        return _execute_module

    def attach(self, action, check_mode):
        """The connection: tls_keypair in-process, and the shell command that installs certificates
        run by /bin/sh on real files (the remote temp dir is a local one)."""
        action._execute_module = self.execute(check_mode)
        shell = action._connection._shell
        shell.tmpdir = None
        shell.join_path = posixpath.join

        def make_tmp_path(remote_user=None):
            shell.tmpdir = tempfile.mkdtemp(prefix='ansible-tmp-dbtls-')
            self.tmpdirs.append(shell.tmpdir)
            return shell.tmpdir

        def transfer_data(remote_path, data):
            self.sent.append((remote_path, data if isinstance(data, bytes) else data.encode()))
            Path(remote_path).write_bytes(self.sent[-1][1])
            return remote_path

        def low_level(cmd, sudoable=True, **_kw):
            self.commands.append(cmd)
            if self.shell_tamper:
                cmd = self.shell_tamper(cmd)
            proc = subprocess.run(['/bin/sh', '-c', cmd], capture_output=True, text=True, check=False,
                                  env=dict(os.environ, PATH=self.path or os.environ.get('PATH', '')))
            self.outputs.append(proc.stdout)
            return {'rc': proc.returncode, 'stdout': proc.stdout, 'stderr': proc.stderr}

        action._make_tmp_path = make_tmp_path
        action._transfer_data = transfer_data
        action._fixup_perms2 = lambda paths, remote_user=None, execute=True: paths
        action._is_become_unprivileged = lambda: False
        action._should_remove_tmp_path = lambda path: True
        action._low_level_execute_command = low_level
