# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""tests/tools/check_paths.py: each spelling of a path that leaves the repository is found, paths
that stay inside are not, and the real checkout passes (the lint stage runs the tool itself; this
test keeps its rules honest)."""

from __future__ import annotations

import importlib.util
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location('check_paths', REPO / 'tests' / 'tools' / 'check_paths.py')
check_paths = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_paths)

# The sibling folder's name is assembled so that this file does not trip the check itself.
SIBLING = '..' + '/shared'

LEAVING = [
    ('playbooks/demo/standin.yml', 'flags_src: "{{ playbook_dir }}/../../../vitess-flags"'),
    ('molecule/vitess/prepare.yml', "src: \"{{ lookup('env', 'MOLECULE_PROJECT_DIRECTORY') }}/" + "../flags\""),
    ('README.md', 'see `%s/testbed.md` in the development tree' % SIBLING),
    ('.config/molecule/config.yml', '# Facts are in %s/testbed.md' % SIBLING),
    ('tests/go/flags.go', 'd := filepath.Join(dir, "..", "..", "..", "data")'),
    ('tests/go/internal/vflags/vflags.go', 'd := filepath.Join(dir, "..", "sha' + 'red", "vitess-flags")'),
    ('tests/unit/test_x.py', "FLAGS = REPO" + ".parent / 'vitess-flags'"),
    ('tests/testbed/prepare', 'cp -r ' + '/wo' + 'rk/shared/vitess-flags .'),
]

STAYING = [
    ('playbooks/demo/standin.yml', 'flags_src: "{{ playbook_dir }}/../../tests/data/vitess-flags"'),
    ('molecule/vitess/prepare.yml', "src: \"{{ lookup('env', 'MOLECULE_PROJECT_DIRECTORY') }}/tests/data\""),
    ('molecule/enable_tls/converge.yml', 'ansible.builtin.import_playbook: ../../playbooks/enable_tls.yml'),
    ('tests/testbed/prepare', 'repo=$(cd "$here/../.." && pwd)'),
    ('changelogs/config.yaml', 'changelog_filename_template: ../CHANGELOG.md'),
    ('tests/writer/start.yml',
     "x: \"{{ lookup('env', 'MOLECULE_PROJECT_DIRECTORY') | default(playbook_dir ~ '/../..', true) }}/w.py\""),
    ('README.md', 'Galera 26.4.x ... and so on'),
    ('tests/go/internal/vflags/vflags.go', 'd := filepath.Join(dir, "..", "data", "vitess-flags")'),
]


@pytest.mark.parametrize('relpath, line', LEAVING)
def test_a_path_leaving_the_repository_is_found(relpath, line):
    found = check_paths.findings_in_text(relpath, 'first line\n' + line + '\n')
    assert found and all(number == 2 for number, _reason in found), found


@pytest.mark.parametrize('relpath, line', STAYING)
def test_a_path_inside_the_repository_passes(relpath, line):
    assert check_paths.findings_in_text(relpath, line + '\n') == []


def test_the_checkout_refers_to_nothing_outside_it():
    if not (REPO / '.git').exists():
        pytest.skip('not a git checkout (an installed collection): the lint stage checks the checkout')
    assert check_paths.check(str(REPO)) == []


def test_the_command_names_each_file_and_line_and_fails(tmp_path):
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'guide.md').write_text('ok\nread ../../%s/facts.md\n' % SIBLING)
    subprocess.run(['git', 'init', '-q', str(tmp_path)], check=True)
    subprocess.run(['git', '-C', str(tmp_path), 'add', '-A'], check=True)
    run = subprocess.run([sys.executable, str(REPO / 'tests' / 'tools' / 'check_paths.py'), str(tmp_path)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert 'docs/guide.md:2:' in run.stdout


def test_a_markdown_link_to_a_missing_file_is_found(tmp_path):
    (tmp_path / 'roles' / 'x').mkdir(parents=True)
    (tmp_path / 'roles' / 'x' / 'README.md').write_text(
        '[defaults](defaults/main.yml) [home](https://example.org/a) [top](../../README.md#usage)\n')
    (tmp_path / 'README.md').write_text('[role](roles/x/README.md) [gone](roles/y/README.md)\n')
    subprocess.run(['git', 'init', '-q', str(tmp_path)], check=True)
    subprocess.run(['git', '-C', str(tmp_path), 'add', '-A'], check=True)
    problems = check_paths.check(str(tmp_path))
    assert problems == [
        'README.md:1: links to roles/y/README.md, which the checkout lacks',
        'roles/x/README.md:1: links to defaults/main.yml, which the checkout lacks',
    ]
