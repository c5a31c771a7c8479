# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Controller side of dbtls.transport.local_facts: skip the host when the gathered facts already
hold these values, else run the module there; either way return the facts as ansible_facts
(ansible_local.<name>, and dbtls_local_facts.<name>, which a later fact gathering of the same run
leaves alone), so that the rest of the run reads them (set_fact could not: it sets variables, not
ansible_facts). The filter dbtls.transport.local_record reads them back."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.dbtls.transport.plugins.module_utils import local_facts

ARGUMENT_SPEC = local_facts.ARGUMENT_SPEC


class ActionModule(ActionBase):

    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(ARGUMENT_SPEC)

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = False
        result = super().run(tmp, task_vars)
        del tmp
        task_vars = task_vars or {}
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            name = local_facts.check_name(args['name'])
            facts = local_facts.check_facts(args['facts'])
        except local_facts.LocalFactsError as exc:
            raise AnsibleActionFail(str(exc)) from None

        host_facts = task_vars.get('ansible_facts') or {}
        gathered = host_facts.get('ansible_local')
        if local_facts.recorded(gathered, name, facts, args['fact_dir']):
            result.update(changed=False, path=local_facts.fact_path(name, args['fact_dir']))
        else:
            module_result = self._execute_module(module_name='dbtls.transport.local_facts',
                                                 module_args=dict(args, name=name, facts=facts),
                                                 task_vars=task_vars)
            if module_result.get('failed'):
                return dict(result, **module_result)
            result.update(module_result)

        result['ansible_facts'] = {'ansible_local': local_facts.refreshed(gathered, name, facts),
                                   local_facts.RUN_KEY: local_facts.refreshed(host_facts.get(local_facts.RUN_KEY), name, facts)}
        return result
