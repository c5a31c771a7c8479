# Copyright: dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Role README variable tables, generated from and checked against meta/argument_specs.yml.

    python3 tests/tools/role_docs.py --write   rewrite the tables in roles/*/README.md (a role
                                               without a README gets a skeleton to finish by hand)
    python3 tests/tools/role_docs.py --check   exit 1 when a table is stale, a README is missing,
                                               defaults/main.yml and argument_specs disagree, or
                                               galaxy.yml would leave a README out of the build

Only the part between the two marker comments is generated; the prose around it is kept as it is.
argument_specs is the source because ansible-doc and the role's own argument validation read it;
defaults/main.yml must name the same variables (its comments say why each value was chosen).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import sys

import yaml

BEGIN = ('<!-- BEGIN role variables: generated from meta/argument_specs.yml by tests/tools/role_docs.py;'
         ' edit argument_specs, then run python3 tests/tools/role_docs.py --write -->')
END = '<!-- END role variables -->'
SKELETON = '<!-- role_docs skeleton: replace this line and the prose below with the real text -->'
FIX = 'python3 tests/tools/role_docs.py --write'


class _Loader(yaml.SafeLoader):  # pylint: disable=too-many-ancestors
    """SafeLoader that reads Ansible's tags (!unsafe, !vault) as plain strings."""


def _tagged(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


_Loader.add_multi_constructor('!', _tagged)


def load_yaml(path):
    with open(path, encoding='utf-8') as f:
        return yaml.load(f, Loader=_Loader)  # nosec B506 - SafeLoader subclass


# --- Rendering ----------------------------------------------------------------------------------

_MARKUP = [
    (re.compile(r'\bL\(([^)]+?),\s*([^)]+?)\)'), r'[\1](\2)'),
    (re.compile(r'\bU\(([^)]+)\)'), r'<\1>'),
    (re.compile(r'\bI\(([^)]+)\)'), r'*\1*'),
    (re.compile(r'\bB\(([^)]+)\)'), r'**\1**'),
    (re.compile(r'\b(?:C|O|V|E|RV|M|P)\(([^()]*(?:\([^()]*\)[^()]*)*)\)'), r'`\1`'),
    (re.compile(r'\bHORIZONTALLINE\b'), ''),
]


def markup(text):
    """Ansible doc markup (C(), O(), M(), ...) to Markdown for one table cell."""
    text = ' '.join(str(text).split())
    for rx, repl in _MARKUP:
        text = rx.sub(repl, text)
    return text.replace('|', '\\|')


def description(spec):
    desc = spec.get('description', '')
    if isinstance(desc, list):
        desc = ' '.join(str(d) for d in desc)
    out = markup(desc)
    if spec.get('choices'):
        out += ' Choices: ' + ', '.join(code(c) for c in spec['choices']) + '.'
    if spec.get('no_log') and 'logged' not in out.lower():
        out += ' Never logged (`no_log`).'
    return out.strip()


def code(value):
    """A value as a Markdown code span, the way it would be written in YAML."""
    if isinstance(value, str):
        text = value if value else '""'
    else:
        text = yaml.safe_dump(value, default_flow_style=True, width=1 << 20).strip()
        if text.endswith('\n...'):
            text = text[:-4]
        text = text.replace('\n...', '').strip()
    text = ' '.join(text.split()).replace('|', '\\|')
    fence = '``' if '`' in text else '`'
    pad = ' ' if fence == '``' else ''
    return f'{fence}{pad}{text}{pad}{fence}'


def type_name(spec):
    t = spec.get('type', 'str')
    if t == 'list' and spec.get('elements'):
        return f"list of {spec['elements']}"
    return t


def default_cell(name, spec, defaults):
    if spec.get('required'):
        return '**required**'
    if 'default' in spec:
        return code(spec['default'])
    if defaults is not None and name in defaults:
        return code(defaults[name])
    return ''


def rows(options, defaults, prefix=''):
    for name in options:
        spec = options[name] or {}
        full = prefix + name
        yield (f'`{full}`', default_cell(name, spec, defaults if not prefix else None),
               type_name(spec), description(spec))
        if spec.get('options'):
            sub = f"{full}[]." if spec.get('type') == 'list' else f'{full}.'
            yield from rows(spec['options'], None, sub)


def table(options, defaults):
    lines = ['| Variable | Default | Type | Description |', '| --- | --- | --- | --- |']
    lines += ['| ' + ' | '.join(r) + ' |' for r in rows(options, defaults)]
    return lines


def generated_block(role, specs, defaults):
    """The text between the markers: one table per entry point, main first."""
    out = [BEGIN, '']
    names = ['main'] + sorted(n for n in specs if n != 'main')
    for ep in names:
        if ep not in specs:
            continue
        spec = specs[ep] or {}
        if ep == 'main':
            out.append('### Entry point `main`')
        else:
            out.append(f'### Entry point `{ep}` (`tasks_from: {ep}`)')
        out.append('')
        if spec.get('short_description'):
            out += [markup(spec['short_description']).replace('\\|', '|'), '']
        options = spec.get('options') or {}
        # An entry point that reads main's options as main defines them names them; its own get rows.
        main_options = (specs.get('main') or {}).get('options') or {}
        shared = [n for n in options if ep != 'main' and main_options.get(n) == options[n]]
        own = {n: o for n, o in options.items() if n not in shared}
        if own:
            out += table(own, defaults)
        if shared:
            if own:
                out.append('')
            names_list = ', '.join(f'`{n}`' for n in sorted(shared))
            out.append(('All of main\'s variables.' if len(shared) == len(main_options)
                        else f'Also reads, as in `main`: {names_list}.'))
        if not options:
            out.append('No variables.')
        out.append('')
    out.append(f'Reference: `ansible-doc -t role dbtls.transport.{role}`.')
    out += ['', END]
    return '\n'.join(out)


def skeleton(role, specs, meta):
    """A first README for a role that has none: the facts meta/ knows, prose still to write."""
    main = specs.get('main') or {}
    info = (meta or {}).get('galaxy_info') or {}
    deps = (meta or {}).get('dependencies') or []
    desc = main.get('description') or []
    if isinstance(desc, str):
        desc = [desc]
    lines = [f'# dbtls.transport.{role}', '', SKELETON, '', markup(main.get('short_description', '')).replace('\\|', '|'), '']
    lines += [f'- {markup(d)}' for d in desc]
    lines += ['', '## Requirements', '', 'ansible-core ' + str(info.get('min_ansible_version', '2.19')) + ' or newer.', '',
              '## Role variables', '', BEGIN, END, '',
              '## Dependencies', '', ', '.join(str(d) for d in deps) if deps else 'None.', '',
              '## Example playbook', '', '```yaml', '- name: Apply ' + role, '  hosts: all', '  roles:',
              f'    - role: dbtls.transport.{role}', '```', '',
              '## License', '', str(info.get('license', 'GPL-3.0-or-later')), '']
    return '\n'.join(lines)


# --- Checks ----------------------------------------------------------------------------------

def is_template(value):
    return isinstance(value, str) and ('{{' in value or '{%' in value)


def same_value(a, b):
    if a == b:
        return True
    # YAML writes 0640 and "0640", 10 and "10" alike in docs; compare their text.
    return not isinstance(a, (list, dict)) and not isinstance(b, (list, dict)) and str(a) == str(b)


def spec_problems(role, specs, defaults):
    """Disagreements between defaults/main.yml and argument_specs, each with what to do."""
    problems = []
    rel = f'roles/{role}'
    documented = set()
    for spec in specs.values():
        documented.update((spec or {}).get('options') or {})
    public = {k: v for k, v in (defaults or {}).items() if not k.startswith('__')}
    for name in public:
        if name not in documented:
            problems.append(f'{rel}: {name} is in defaults/main.yml but not in meta/argument_specs.yml:'
                            ' add it there (entry point main, or the tasks_from entry point that reads it)'
                            ' with type, description and default')
    for ep, spec in specs.items():
        for name, opt in ((spec or {}).get('options') or {}).items():
            opt = opt or {}
            if name.startswith('__'):
                continue
            if name not in public:
                # A tasks_from entry point may take parameters that only its caller sets (the
                # task file gives the fallback); the role's own variables all have a default.
                if ep == 'main' and not opt.get('required'):
                    problems.append(f'{rel}: {name} is in meta/argument_specs.yml (entry point {ep}) but not in'
                                    ' defaults/main.yml: add it there with its value and why, or mark it required')
                continue
            value = public[name]
            # A required option may keep a placeholder in defaults/main.yml.
            if is_template(value) or value is None or opt.get('required'):
                continue
            if 'default' not in opt:
                problems.append(f'{rel}: {name} has the default {json.dumps(value)} in defaults/main.yml but no'
                                f' default in meta/argument_specs.yml (entry point {ep})')
            elif not is_template(opt['default']) and not same_value(opt['default'], value):
                problems.append(f'{rel}: {name} defaults to {json.dumps(value)} in defaults/main.yml but to'
                                f" {json.dumps(opt['default'])} in meta/argument_specs.yml (entry point {ep})")
    return problems


def build_ignored(root, path):
    """Whether galaxy.yml's build_ignore (matched as ansible-galaxy does) leaves path out."""
    try:
        patterns = (load_yaml(os.path.join(root, 'galaxy.yml')) or {}).get('build_ignore') or []
    except OSError:
        return None
    parts = path.split('/')
    for pattern in patterns:
        pattern = os.path.normpath(pattern)
        for i in range(1, len(parts) + 1):
            if fnmatch.fnmatch('/'.join(parts[:i]), pattern):
                return pattern
    return None


def roles(root):
    base = os.path.join(root, 'roles')
    return sorted(d for d in os.listdir(base) if os.path.isdir(os.path.join(base, d)))


def process(root, write):
    """Check (and with write, update) every role; returns (problems, files written)."""
    problems, written = [], []
    for role in roles(root):
        rdir = os.path.join(root, 'roles', role)
        spec_path = os.path.join(rdir, 'meta', 'argument_specs.yml')
        if not os.path.exists(spec_path):
            problems.append(f'roles/{role}: no meta/argument_specs.yml; document every variable of'
                            ' defaults/main.yml there')
            continue
        specs = (load_yaml(spec_path) or {}).get('argument_specs') or {}
        if 'main' not in specs:
            problems.append(f'roles/{role}: meta/argument_specs.yml has no entry point main')
        dpath = os.path.join(rdir, 'defaults', 'main.yml')
        defaults = (load_yaml(dpath) or {}) if os.path.exists(dpath) else {}
        problems += spec_problems(role, specs, defaults)

        block = generated_block(role, specs, defaults)
        readme = os.path.join(rdir, 'README.md')
        rel = f'roles/{role}/README.md'
        if os.path.exists(readme):
            with open(readme, encoding='utf-8') as f:
                text = f.read()
        else:
            if not write:
                problems.append(f'{rel}: missing; run {FIX} for a first one, then write its prose')
                continue
            mpath = os.path.join(rdir, 'meta', 'main.yml')
            text = skeleton(role, specs, load_yaml(mpath) if os.path.exists(mpath) else {})
        start, end = text.find(BEGIN), text.find(END)
        if start < 0 or end < start:
            problems.append(f'{rel}: no generated variable table (the marker comments {BEGIN!r} and'
                            f' {END!r} are missing or out of order); put both where the table belongs, then run {FIX}')
            continue
        new = text[:start] + block + text[end + len(END):]
        if new != text or not os.path.exists(readme):
            if write:
                with open(readme, 'w', encoding='utf-8') as f:
                    f.write(new)
                written.append(rel)
            else:
                problems.append(f'{rel}: the variable table differs from meta/argument_specs.yml; run {FIX}')
        if SKELETON in new:
            print(f'note: {rel} still has skeleton prose to replace', file=sys.stderr)
        ignored = build_ignored(root, f'roles/{role}/README.md')
        if ignored:
            problems.append(f"{rel}: galaxy.yml build_ignore entry '{ignored}' leaves it out of the collection")
    return problems, written


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument('--write', action='store_true', help='rewrite the generated tables')
    mode.add_argument('--check', action='store_true', help='fail when anything is stale or disagrees')
    parser.add_argument('--root', default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        help='collection root (default: this checkout)')
    args = parser.parse_args(argv)
    problems, written = process(args.root, args.write)
    for rel in written:
        print(f'wrote {rel}')
    if problems:
        for p in problems:
            print(p, file=sys.stderr)
        print(f'role_docs: {len(problems)} problem(s). Fix argument_specs/defaults as said, then run {FIX}'
              ' and commit roles/*/README.md.', file=sys.stderr)
        return 1
    if args.check:
        print(f'role_docs: {len(roles(args.root))} role READMEs agree with meta/argument_specs.yml and defaults/main.yml')
    return 0


if __name__ == '__main__':
    sys.exit(main())
