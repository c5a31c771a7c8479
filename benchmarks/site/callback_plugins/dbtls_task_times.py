# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark-only callback: the wall time of every task (from its start to the next task's start
or the end of the play) and the module runs per host, written as JSON to $DBTLS_TASK_TIMES."""

from __future__ import annotations

DOCUMENTATION = r'''
name: dbtls_task_times
type: aggregate
short_description: Write each task's wall time and the module runs per host to a JSON file (benchmarks only)
description:
  - Used by benchmarks/site/bench_site.py; not part of the collection.
requirements:
  - the environment variable DBTLS_TASK_TIMES names the output file
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'dbtls_task_times'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._tasks = []
        self._current = None
        self._runs = {}

    def _close(self):
        if self._current is not None:
            self._current['seconds'] = round(time.monotonic() - self._current.pop('_start'), 3)
            self._tasks.append(self._current)
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self._current = {'name': task.get_name(), 'action': task.action, 'path': task.get_path(),
                         'ok': 0, 'skipped': 0, '_start': time.monotonic()}

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _count(self, result):
        host = result._host.get_name()
        self._runs[host] = self._runs.get(host, 0) + 1

    def v2_runner_on_ok(self, result):
        self._count(result)
        if self._current is not None:
            self._current['ok'] += 1

    def v2_runner_on_skipped(self, result):
        if self._current is not None:
            self._current['skipped'] += 1

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result)

    def v2_playbook_on_play_start(self, play):
        self._close()

    def v2_playbook_on_stats(self, stats):
        self._close()
        path = os.environ.get('DBTLS_TASK_TIMES')
        if path:
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump({'tasks': self._tasks, 'results_per_host': self._runs}, handle)
