# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A host's local facts file (``<fact_dir>/<name>.fact``, read by Ansible's fact gathering as
``ansible_local.<name>``): the checks, the file's content and the comparison with what is
recorded, shared by the local_facts module (on the host) and its action plugin (on the
controller, which refreshes the facts of the running play). Imports nothing from Ansible."""

from __future__ import annotations

import json
import os
import re
import typing as t

from ansible_collections.dbtls.transport.plugins.module_utils import files

DEFAULT_FACT_DIR = '/etc/ansible/facts.d'
# The facts recorded in this run, by name, kept in a fact of their own: a play that gathers facts
# again replaces ansible_local with what is on disk, which in check mode is not what this run
# recorded (check mode writes nothing). record() reads this first.
RUN_KEY = 'dbtls_local_facts'
_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')
# The options of the module and of its action plugin.
ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    facts=dict(type='dict', required=True),
    fact_dir=dict(type='path', default=DEFAULT_FACT_DIR),
)


class LocalFactsError(Exception):
    """Bad input: the message names the option."""


def check_name(name: t.Any) -> str:
    """``name`` as a valid fact name (it becomes ansible_local.<name> and the file <name>.fact)."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise LocalFactsError(f'name must be letters, digits and underscores, not starting with a digit; got {name!r:.60}')
    return name


def check_facts(facts: t.Any) -> dict:
    """``facts`` as a dict that JSON can hold (what the file will contain)."""
    if not isinstance(facts, t.Mapping):
        raise LocalFactsError(f'facts must be a dict, got {type(facts).__name__}')
    try:
        return json.loads(json.dumps(dict(facts)))
    except (TypeError, ValueError) as exc:
        raise LocalFactsError(f'facts cannot be written as JSON: {exc}') from None


def fact_path(name: str, fact_dir: str = DEFAULT_FACT_DIR) -> str:
    return os.path.join(fact_dir, f'{check_name(name)}.fact')


def render(facts: t.Mapping[str, t.Any]) -> bytes:
    """The file's content: JSON with sorted keys, so that it only changes when a value does."""
    return (json.dumps(facts, indent=2, sort_keys=True) + '\n').encode('utf-8')


def recorded(gathered_local: t.Any, name: str, facts: t.Mapping[str, t.Any], fact_dir: str) -> bool:
    """Whether the gathered ``ansible_local`` already holds ``facts`` under ``name``, so that the
    host need not be visited. Only facts gathered from the default folder say what the file holds."""
    if fact_dir != DEFAULT_FACT_DIR or not isinstance(gathered_local, t.Mapping):
        return False
    current = gathered_local.get(name)
    return isinstance(current, t.Mapping) and check_facts(current) == dict(facts)


def record(ansible_facts: t.Any, name: str) -> dict:
    """The facts recorded under ``name``: those this run recorded (local_facts), else those read
    from the host's facts file by fact gathering, else {}."""
    if not isinstance(ansible_facts, t.Mapping):
        return {}
    for holder in (ansible_facts.get(RUN_KEY), ansible_facts.get('ansible_local')):
        found = holder.get(name) if isinstance(holder, t.Mapping) else None
        if isinstance(found, t.Mapping):
            return dict(found)
    return {}


def refreshed(gathered_local: t.Any, name: str, facts: t.Mapping[str, t.Any]) -> dict:
    """``ansible_local`` for the rest of the run: the gathered one (when any) with ``name`` set."""
    local = json.loads(json.dumps(dict(gathered_local))) if isinstance(gathered_local, t.Mapping) else {}
    local[name] = dict(facts)
    return local


def ensure(params: dict, check_mode: bool = False) -> dict:
    """Write the facts file when its content differs (atomically, 0644; the fact folder is created
    0755 when missing). Returns changed, path and a diff."""
    name = check_name(params.get('name'))
    facts = check_facts(params.get('facts'))
    fact_dir = params.get('fact_dir') or DEFAULT_FACT_DIR
    path = fact_path(name, fact_dir)
    content = render(facts)
    old = files.read_file(path)
    changed = old != content
    attributes = {}
    if changed and not check_mode:
        files.atomic_write(path, content, 0o644, default_mode=0o644, parent_mode=0o755)
    elif not changed:
        attributes = files.ensure_attributes(path, 0o644, check_mode=check_mode)
    result = {
        'changed': changed or bool(attributes),
        'path': path,
        'diff': {'before_header': path, 'after_header': path,
                 'before': (old or b'').decode('utf-8', 'replace'), 'after': content.decode('utf-8')},
    }
    if attributes:
        result['attributes_changed'] = sorted(attributes)
    return result
