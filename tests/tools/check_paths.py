# Copyright: dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail when a tracked file refers to a path outside the repository.

    python3 tests/tools/check_paths.py [ROOT]   exit 1 and list file:line for each reference

The repository is the whole product: a user who clones it has nothing beside it. A reference
counts as outside when
- a relative path climbs with more `..` steps than its base is deep in the tree; the base is the
  file's own folder, or the repository root after MOLECULE_PROJECT_DIRECTORY (Molecule sets it to
  the project root). Shell (`../..`), Jinja (`playbook_dir ~ '/../..'`), Go
  (`filepath.Join(dir, "..", "..")`) and prose (`../notes/x.md`) spellings are read alike;
- Python takes the parent of the repository root (`.parent` of a variable named repo);
- a `..` step leads to a folder named `shared`: the repository has none, and the development
  tree's reference folder of that name sits beside the clone, where a user has nothing;
- an absolute path names the folder of the development machine that holds this checkout;
- a Markdown link (`[text](target)`) names a local file or folder that the checkout lacks.
Binary files, files that are not tracked by git and this file (its patterns would match
themselves) are skipped.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

# A run of `..` steps written with slashes: `../..`, `/../`, `'..'` at a word edge.
SLASH_STEPS = re.compile(r'(?<![\w.])\.\.(?:/\.\.)*(?=/|\b|[\'"\s`)]|$)')
# Go's and Python's path joins: "..", "..", ...
JOIN_STEPS = re.compile(r'(?:["\']\.\.["\']\s*,\s*)+')
PROJECT_ANCHOR = re.compile(r'MOLECULE_PROJECT_DIRECTORY[\'")\s}]*/?$')
SIBLING_SHARED = re.compile(r'\.\.[\'"]?\s*(?:/|,|\s/\s)\s*[\'"]?shared\b')
REPO_PARENT = re.compile(r'\b(?:repo|REPO|repo_root|REPO_ROOT|root_dir)\.parent\b')
SELF = 'tests/tools/check_paths.py'
MARKDOWN_LINK = re.compile(r'\]\(([^)\s]+)\)')
WORKPLACE = re.compile(r'(?<![\w.])/work/')


def tracked_files(root):
    out = subprocess.run(['git', '-C', root, 'ls-files', '-z'], check=True, capture_output=True).stdout
    return [f for f in out.decode().split('\0') if f]


def _depth(relative_dir):
    return 0 if relative_dir in ('', '.') else len(relative_dir.split('/'))


def findings_in_text(relpath, text):
    """Return (line number, reason) for each reference in text that leaves the repository."""
    found = []
    file_depth = _depth(os.path.dirname(relpath))
    for number, line in enumerate(text.splitlines(), 1):
        for match in SLASH_STEPS.finditer(line):
            steps = match.group(0).count('..')
            base = 0 if PROJECT_ANCHOR.search(line[:match.start()]) else file_depth
            if steps > base:
                found.append((number, "'%s' climbs %d folder(s) from a base %d deep" % (match.group(0), steps, base)))
        for match in JOIN_STEPS.finditer(line):
            steps = match.group(0).count('..')
            if steps > file_depth:
                found.append((number, 'a path join climbs %d folder(s) from a file %d deep' % (steps, file_depth)))
        if SIBLING_SHARED.search(line):
            found.append((number, "leads to a folder named 'shared' beside the repository"))
        if REPO_PARENT.search(line):
            found.append((number, 'takes the parent folder of the repository'))
        if WORKPLACE.search(line):
            found.append((number, 'names an absolute path of the development machine'))
    return found


def broken_links(root, relpath, text):
    """Return (line number, reason) for each relative Markdown link whose target is missing."""
    found = []
    base = os.path.dirname(os.path.join(root, relpath))
    for number, line in enumerate(text.splitlines(), 1):
        for match in MARKDOWN_LINK.finditer(line):
            target = match.group(1).split('#', 1)[0]
            # URLs, mailto: and the like carry a colon; local paths in this tree do not.
            if not target or ':' in target:
                continue
            resolved = os.path.normpath(os.path.join(base, target))
            if not resolved.startswith(os.path.normpath(root) + os.sep):
                found.append((number, 'links to %s outside the repository' % target))
            elif not os.path.exists(resolved):
                found.append((number, 'links to %s, which the checkout lacks' % target))
    return found


def check(root):
    problems = []
    for relpath in tracked_files(root):
        if relpath == SELF:
            continue
        path = os.path.join(root, relpath)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, 'rb') as handle:
            data = handle.read()
        if b'\0' in data:
            continue
        text = data.decode('utf-8', errors='replace')
        found = findings_in_text(relpath, text)
        if relpath.endswith('.md'):
            found += broken_links(root, relpath, text)
        problems.extend('%s:%d: %s' % (relpath, number, reason) for number, reason in found)
    return problems


def main(argv):
    root = os.path.abspath(argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..'))
    problems = check(root)
    for problem in problems:
        print(problem)
    if problems:
        print('%d reference(s) to paths outside the repository: copy what is needed into the tree' % len(problems))
        return 1
    print('check_paths: every tracked file stays inside the repository')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
