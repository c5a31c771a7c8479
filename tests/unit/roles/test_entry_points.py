# Copyright: dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every task file that a playbook or another role includes is an entry point with an argument spec.

Ansible validates a role's variables against meta/argument_specs.yml only when the entry point's
name (tasks_from, without .yml) has an entry there; an entry point without one is an undocumented
interface. Private variables (``__<role>_...``) belong to their role: no playbook and no other role
sets them.
"""

from __future__ import annotations

import os
import re

import pytest
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
ROLES = sorted(d for d in os.listdir(os.path.join(ROOT, 'roles')) if os.path.isdir(os.path.join(ROOT, 'roles', d)))
SOURCES = ('playbooks', 'roles', 'molecule')


class _Loader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """SafeLoader that reads Ansible's tags (!unsafe, !vault) as plain strings."""


_Loader.add_multi_constructor('!', lambda loader, _suffix, node: loader.construct_scalar(node)
                              if isinstance(node, yaml.ScalarNode) else None)


def yaml_files():
    for top in SOURCES:
        for dirpath, _dirs, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                if name.endswith(('.yml', '.yaml')):
                    yield os.path.join(dirpath, name)


def walk(node):
    """Every mapping in a loaded YAML document."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def includes():
    """(file, role, tasks_from) of every include_role/import_role with tasks_from."""
    found = []
    for path in yaml_files():
        with open(path, encoding='utf-8') as handle:
            try:
                data = yaml.load(handle, Loader=_Loader)  # noqa: S506 - SafeLoader subclass
            except yaml.YAMLError:
                continue
        for mapping in walk(data):
            for key in ('ansible.builtin.include_role', 'ansible.builtin.import_role', 'include_role', 'import_role'):
                args = mapping.get(key)
                if isinstance(args, dict) and 'tasks_from' in args:
                    found.append((os.path.relpath(path, ROOT), str(args.get('name', '')), str(args['tasks_from'])))
    return found


def specs(role):
    with open(os.path.join(ROOT, 'roles', role, 'meta', 'argument_specs.yml'), encoding='utf-8') as handle:
        return yaml.load(handle, Loader=_Loader)['argument_specs']  # noqa: S506


INCLUDES = includes()


def test_includes_found():
    # The scan must see the playbooks' includes, or the checks below check nothing.
    assert any(f == 'playbooks/rotate_ca.yml' and t == 'facts' for f, _r, t in INCLUDES)
    assert len(INCLUDES) > 30


@pytest.mark.parametrize('path,role,tasks_from', INCLUDES, ids=[f'{f}:{t}' for f, _r, t in INCLUDES])
def test_entry_point_has_argument_spec(path, role, tasks_from):
    assert role.startswith('dbtls.transport.'), f'{path}: include_role {role} by FQCN'
    name = role.split('.')[-1]
    assert not tasks_from.endswith('.yml'), (
        f'{path}: tasks_from: {tasks_from} - name the entry point without .yml, as meta/argument_specs.yml does'
        ' (Ansible looks the spec up by that exact name)')
    assert os.path.isfile(os.path.join(ROOT, 'roles', name, 'tasks', tasks_from + '.yml')), f'{path}: no task file'
    assert tasks_from in specs(name), (
        f'{path}: roles/{name}/tasks/{tasks_from}.yml is used from outside its role but has no entry point'
        f' {tasks_from} in roles/{name}/meta/argument_specs.yml')


@pytest.mark.parametrize('role', ROLES)
def test_every_entry_point_has_a_task_file(role):
    for entry in specs(role):
        assert os.path.isfile(os.path.join(ROOT, 'roles', role, 'tasks', entry + '.yml')), (
            f'roles/{role}/meta/argument_specs.yml declares {entry}, which has no tasks/{entry}.yml')


PRIVATE_SET = re.compile(r'^\s*(?:- )?(__(' + '|'.join(ROLES) + r')_[a-z0-9_]+)\s*:', re.M)


@pytest.mark.parametrize('path', sorted(os.path.relpath(p, ROOT) for p in yaml_files()))
def test_no_private_variable_of_another_role_is_set(path):
    owner = path.split(os.sep)[1] if path.startswith('roles' + os.sep) else None
    with open(os.path.join(ROOT, path), encoding='utf-8') as handle:
        text = handle.read()
    wrong = sorted({m.group(1) for m in PRIVATE_SET.finditer(text) if m.group(2) != owner})
    assert not wrong, f'{path} sets {", ".join(wrong)}, private to another role: pass an option of its argument spec'


def test_private_variable_check_can_fail():
    assert PRIVATE_SET.search('    __vitess_tls_component: vtgate\n').group(2) == 'vitess_tls'
