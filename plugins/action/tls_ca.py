# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of dbtls.transport.tls_ca.

A CA lives on the controller (``delegate_to: localhost``), where this action already runs. When the
task's connection is the local one, without become and not async, the action runs the module's own
function (module_utils/ca.py, ensure_ca) in its process: the same checks, files and result, without
starting a second Python and sending it the module. Anywhere else (a CA on another host, become to
another user, async) it runs the module there, as for any module.

In its process it writes files as the user running ansible-playbook, as the local connection
without become would. Where SELinux is enabled they get the policy's default label for their path
when the controller's Python has the selinux bindings (as the module sets it), else the label their
folder gives new files."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dbtls.transport.plugins.module_utils import ca
from ansible_collections.dbtls.transport.plugins.module_utils import files
from ansible_collections.dbtls.transport.plugins.module_utils import pki

MODULE = 'dbtls.transport.tls_ca'


class ActionModule(ActionBase):

    TRANSFERS_FILES = False

    def _runs_here(self) -> bool:
        """Whether the module would run in this controller's process tree as this user."""
        return (self._connection.transport == 'local'
                and not self._play_context.become
                and getattr(self._connection, 'become', None) is None
                and not self._task.async_val)

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        if not self._runs_here():
            # As ansible.builtin.normal runs a module (async included).
            wrap_async = bool(self._task.async_val)
            result.update(self._execute_module(module_name=MODULE, module_args=self._task.args,
                                               task_vars=task_vars, wrap_async=wrap_async))
            if not wrap_async:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result

        _validation, args = self.validate_argument_spec(argument_spec=ca.ARGUMENT_SPEC,
                                                        required_together=ca.REQUIRED_TOGETHER)
        if not pki.HAS_CRYPTOGRAPHY:
            raise AnsibleActionFail(pki.CRYPTOGRAPHY_IMPORT_ERROR if pki.CRYPTOGRAPHY_TOO_OLD
                                    else f'tls_ca needs the Python library "{pki.CRYPTOGRAPHY_REQUIREMENT}" on the controller')
        try:
            answer = ca.ensure_ca(args, bool(self._task.check_mode))
        except (pki.PKIError, files.FilesError) as exc:
            result.update(failed=True, changed=False, msg=str(exc))
            return result
        warnings = answer.pop('warnings', None)
        if warnings:
            result['warnings'] = list(result.get('warnings') or []) + list(warnings)
        if not self._task.diff:
            answer.pop('diff', None)
        result.update(answer)
        return result
