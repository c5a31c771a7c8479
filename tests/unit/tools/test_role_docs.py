# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""tests/tools/role_docs.py on a small role tree it has never seen: --check must fail for each kind
of drift with a message that names the file, the variable and the command to run, --write must
fix what it can and keep the hand-written prose, and the real checkout must pass (it runs in the
units stages on both cores, so a stale README fails there too)."""

from __future__ import annotations

import importlib.util
import pathlib
import textwrap

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location('role_docs', REPO / 'tests' / 'tools' / 'role_docs.py')
role_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(role_docs)

SPECS = """\
---
argument_specs:
  main:
    short_description: A demo role.
    options:
      demo_port:
        type: int
        default: 3306
        description: Port, see O(demo_users[].name) and C(a|b).
      demo_secret:
        type: str
        default: ""
        no_log: true
        description: A secret.
      demo_users:
        type: list
        elements: dict
        default: []
        description: Users.
        options:
          name:
            type: str
            required: true
            description: Login.
      demo_mode:
        type: str
        choices: [a, b]
        default: a
        description: Mode.
  health:
    short_description: Health only.
    options:
      demo_health_node:
        type: str
        default: "{{ inventory_hostname }}"
        description: Node to check (passed by the caller).
"""
DEFAULTS = """\
---
demo_port: 3306
demo_secret: ""
demo_users: []
demo_mode: a
__demo_internal: 1
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding='utf-8')


@pytest.fixture
def tree(tmp_path):
    role = tmp_path / 'roles' / 'demo'
    write(role / 'meta' / 'argument_specs.yml', SPECS)
    write(role / 'meta' / 'main.yml', '---\ngalaxy_info:\n  license: GPL-3.0-or-later\ndependencies: []\n')
    write(role / 'defaults' / 'main.yml', DEFAULTS)
    write(tmp_path / 'galaxy.yml', '---\nbuild_ignore:\n  - molecule\n  - "*.tar.gz"\n')
    return tmp_path


def run(root, mode, capsys):
    rc = role_docs.main([mode, '--root', str(root)])
    out = capsys.readouterr()
    return rc, out.out + out.err


def readme(root):
    return (root / 'roles' / 'demo' / 'README.md').read_text(encoding='utf-8')


def test_missing_readme_fails_then_write_creates_it(tree, capsys):
    rc, out = run(tree, '--check', capsys)
    assert rc == 1
    assert 'roles/demo/README.md: missing' in out and role_docs.FIX in out
    rc, out = run(tree, '--write', capsys)
    assert rc == 0 and 'wrote roles/demo/README.md' in out
    text = readme(tree)
    assert role_docs.SKELETON in text
    assert '| `demo_port` | `3306` | int | Port, see `demo_users[].name` and `a\\|b`. |' in text
    assert '| `demo_users[].name` | **required** | str | Login. |' in text
    assert 'Choices: `a`, `b`.' in text and '`no_log`' in text
    assert '### Entry point `health` (`tasks_from: health`)' in text
    assert run(tree, '--check', capsys)[0] == 0


def test_stale_table_fails_and_write_keeps_prose(tree, capsys):
    run(tree, '--write', capsys)
    path = tree / 'roles' / 'demo' / 'README.md'
    text = readme(tree).replace(role_docs.SKELETON, 'Hand-written purpose.')
    path.write_text(text + '\nHand-written footer.\n', encoding='utf-8')
    assert run(tree, '--check', capsys)[0] == 0
    specs = tree / 'roles' / 'demo' / 'meta' / 'argument_specs.yml'
    specs.write_text(specs.read_text().replace('default: 3306', 'default: 3307'), encoding='utf-8')
    defaults = tree / 'roles' / 'demo' / 'defaults' / 'main.yml'
    defaults.write_text(defaults.read_text().replace('3306', '3307'), encoding='utf-8')
    rc, out = run(tree, '--check', capsys)
    assert rc == 1
    assert 'roles/demo/README.md: the variable table differs' in out and role_docs.FIX in out
    assert run(tree, '--write', capsys)[0] == 0
    text = readme(tree)
    assert '`3307`' in text and '`3306`' not in text
    assert 'Hand-written purpose.' in text and text.endswith('Hand-written footer.\n')
    assert run(tree, '--check', capsys)[0] == 0


@pytest.mark.parametrize('edit, expected', [
    (lambda d, s: (d + 'demo_new: 1\n', s), 'demo_new is in defaults/main.yml but not in meta/argument_specs.yml'),
    (lambda d, s: (d.replace('demo_mode: a\n', ''), s),
     'demo_mode is in meta/argument_specs.yml (entry point main) but not in defaults/main.yml'),
    (lambda d, s: (d.replace('demo_port: 3306', 'demo_port: 3307'), s),
     'demo_port defaults to 3307 in defaults/main.yml but to 3306 in meta/argument_specs.yml'),
    (lambda d, s: (d, s.replace('        default: a\n', '')),
     'demo_mode has the default "a" in defaults/main.yml but no default in meta/argument_specs.yml'),
])
def test_defaults_and_specs_must_agree(tree, capsys, edit, expected):
    run(tree, '--write', capsys)
    dpath = tree / 'roles' / 'demo' / 'defaults' / 'main.yml'
    spath = tree / 'roles' / 'demo' / 'meta' / 'argument_specs.yml'
    d, s = edit(dpath.read_text(), spath.read_text())
    dpath.write_text(d, encoding='utf-8')
    spath.write_text(s, encoding='utf-8')
    rc, out = run(tree, '--check', capsys)
    assert rc == 1
    assert 'roles/demo: ' + expected in out
    # --write regenerates the table but cannot decide which of the two files is right.
    assert run(tree, '--write', capsys)[0] == 1


def test_missing_markers_and_build_ignore(tree, capsys):
    run(tree, '--write', capsys)
    path = tree / 'roles' / 'demo' / 'README.md'
    path.write_text(readme(tree).replace(role_docs.END, ''), encoding='utf-8')
    rc, out = run(tree, '--check', capsys)
    assert rc == 1 and 'no generated variable table' in out
    run(tree, '--write', capsys)  # nothing to anchor the table on: the file is left alone
    assert role_docs.END not in readme(tree)
    path.unlink()
    run(tree, '--write', capsys)
    (tree / 'galaxy.yml').write_text('---\nbuild_ignore:\n  - "roles/*/README.md"\n', encoding='utf-8')
    rc, out = run(tree, '--check', capsys)
    assert rc == 1 and "build_ignore entry 'roles/*/README.md' leaves it out" in out


def test_this_checkout(capsys):
    """The real roles: a stale table or a variable missing on one side fails here, on both cores,
    with the command to run (python3 tests/tools/role_docs.py --write)."""
    rc, out = run(REPO, '--check', capsys)
    assert rc == 0, out
