# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Test-only callback of molecule/interrupt: SIGKILL the ansible-playbook process that loads it
at one exact point, as an operator's kill -9 of the controller would, but at a chosen step boundary.

Enabled only by molecule/interrupt's verify.yml, for the rotate_ca runs it interrupts
(ANSIBLE_CALLBACK_PLUGINS pointing here, ANSIBLE_CALLBACKS_ENABLED=kill_at). It kills when the
controller is about to start a task on a host (v2_runner_on_start is sent from the controller's
main process just before the worker for that host is started): the previous task (the file
swap) has finished on the node, and the task that matches (the restart or reload) has not begun.
Settings (environment):
    DBTLS_KILL_PLAY   regex the play's name must match
    DBTLS_KILL_TASK   regex the task's name must match
    DBTLS_KILL_HOST   the inventory name of the host
    DBTLS_KILL_MARK   file that receives "play | task | host" just before the kill
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: kill_at
type: aggregate
short_description: SIGKILL ansible-playbook before a chosen task starts on a chosen host (tests only)
description:
  - molecule/interrupt's way to interrupt the controller at an exact step boundary.
requirements:
  - enabled with ANSIBLE_CALLBACKS_ENABLED=kill_at
"""

import os
import re
import signal

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'kill_at'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._play = ''

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def v2_runner_on_start(self, host, task):
        want_play, want_task = os.environ.get('DBTLS_KILL_PLAY'), os.environ.get('DBTLS_KILL_TASK')
        if not want_play or not want_task or host.get_name() != os.environ.get('DBTLS_KILL_HOST'):
            return
        # The task's own name, without the "namespace.collection.role : " prefix get_name() adds.
        name = task.name or ''
        if re.search(want_play, self._play) and re.search(want_task, name):
            mark = os.environ.get('DBTLS_KILL_MARK')
            if mark:
                with open(mark, 'w', encoding='utf-8') as handle:
                    handle.write(f'{self._play} | {name} | {host.get_name()}\n')
            os.kill(os.getpid(), signal.SIGKILL)
