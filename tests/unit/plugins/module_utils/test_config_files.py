# Copyright: dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""config_files: several files in one pass, validated first, all or none."""

from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import config_files
from ansible_collections.dbtls.transport.plugins.module_utils import node_state


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


# A validator that accepts a file holding "[ok]" (grep exits 1 otherwise).
VALIDATE = 'grep -q -F [ok] %s'


def spec(tmp_path, name, content, **extra):
    item = {'dest': str(tmp_path / name), 'content': content, 'mode': '0644'}
    item.update(extra)
    return item


def test_writes_changed_files_with_their_mode_and_reports_them(tmp_path):
    (tmp_path / 'same.cnf').write_text('[ok]\n')
    os.chmod(tmp_path / 'same.cnf', 0o644)
    params = {'files': [spec(tmp_path, 'new.cnf', '[ok]\nx=1\n', validate=VALIDATE),
                        spec(tmp_path, 'same.cnf', '[ok]\n'),
                        spec(tmp_path, 'secret.cnf', None, secret_content='[client]\npassword=s3cret\n', mode='0640')]}
    result = config_files.ensure(params, False, run)
    assert result['changed'] and result['changed_files'] == [str(tmp_path / 'new.cnf'), str(tmp_path / 'secret.cnf')]
    assert result['files'][str(tmp_path / 'same.cnf')] == {'changed': False, 'content_changed': False}
    assert (tmp_path / 'new.cnf').read_text() == '[ok]\nx=1\n'
    assert stat.S_IMODE(os.stat(tmp_path / 'secret.cnf').st_mode) == 0o640
    assert 's3cret' not in repr(result['diff'])
    assert [d['after_header'] for d in result['diff']] == [str(tmp_path / 'new.cnf'), str(tmp_path / 'secret.cnf')]
    # The second run changes nothing.
    assert config_files.ensure(params, False, run)['changed'] is False


def test_failed_validation_writes_nothing(tmp_path):
    (tmp_path / 'a.cnf').write_text('old a\n')
    params = {'files': [spec(tmp_path, 'a.cnf', '[ok]\nnew a\n', validate=VALIDATE),
                        spec(tmp_path, 'b.cnf', 'not ok\n', validate=VALIDATE)]}
    with pytest.raises(config_files.ConfigFilesError, match=r'b\.cnf: failed validation by grep \(rc 1\).*nothing was written'):
        config_files.ensure(params, False, run)
    assert (tmp_path / 'a.cnf').read_text() == 'old a\n'
    assert not (tmp_path / 'b.cnf').exists()
    assert sorted(os.listdir(tmp_path)) == ['a.cnf']


def test_check_mode_reports_and_writes_nothing(tmp_path):
    (tmp_path / 'a.cnf').write_text('[ok]\n')
    os.chmod(tmp_path / 'a.cnf', 0o600)
    params = {'files': [spec(tmp_path, 'a.cnf', '[ok]\n'), spec(tmp_path, 'b.cnf', '[ok]\n', validate=VALIDATE)]}
    result = config_files.ensure(params, True, run)
    assert result['changed_files'] == [str(tmp_path / 'a.cnf'), str(tmp_path / 'b.cnf')]
    assert result['files'][str(tmp_path / 'a.cnf')] == {'changed': True, 'content_changed': False}
    assert stat.S_IMODE(os.stat(tmp_path / 'a.cnf').st_mode) == 0o600
    assert not (tmp_path / 'b.cnf').exists()


def test_check_mode_skips_a_validator_that_is_not_installed_yet(tmp_path):
    params = {'files': [spec(tmp_path, 'a.cnf', 'x\n', validate='/nonexistent/mariadbd --defaults-file=%s')]}
    result = config_files.ensure(params, True, run)
    assert result['warnings'] == [f'{tmp_path}/a.cnf: not validated in check mode (/nonexistent/mariadbd is not installed yet)']
    with pytest.raises(config_files.ConfigFilesError, match='is not installed; nothing was written'):
        config_files.ensure(params, False, run)


@pytest.mark.parametrize('item,message', [
    ({'dest': 'relative.cnf', 'content': 'x', 'mode': '0644'}, 'an absolute path is required'),
    ({'dest': '/tmp/x.cnf', 'mode': '0644'}, 'exactly one of content and secret_content'),
    ({'dest': '/tmp/x.cnf', 'content': 'x', 'secret_content': 'y', 'mode': '0644'}, 'exactly one of'),
    ({'dest': '/tmp/x.cnf', 'content': 'x', 'mode': None}, 'mode is required'),
    ({'dest': '/tmp/x.cnf', 'content': 'x', 'mode': 'u+rw'}, 'not an octal file mode'),
    ({'dest': '/tmp/x.cnf', 'content': 'x', 'mode': '0644', 'group': 'no-such-group-dbtls'}, 'does not exist'),
    ({'dest': '/tmp/x.cnf', 'content': 'x', 'mode': '0644', 'validate': 'true'}, 'must contain %s'),
])
def test_bad_input_is_refused_naming_the_file(item, message):
    with pytest.raises(Exception, match=message):
        config_files.ensure({'files': [item]}, False, run)
    assert not os.path.exists('/tmp/x.cnf')


def test_a_file_listed_twice_is_refused(tmp_path):
    item = spec(tmp_path, 'a.cnf', 'x')
    with pytest.raises(config_files.ConfigFilesError, match='listed twice'):
        config_files.ensure({'files': [item, dict(item)]}, False, run)
    assert not (tmp_path / 'a.cnf').exists()


def test_differing_agrees_with_what_a_run_writes(tmp_path):
    # The read is the real one (node_state.path_entry with its checksum), of real files.
    me, my_group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    wanted = [spec(tmp_path, 'a.cnf', '[ok] a\n', owner=me, group=my_group),
              spec(tmp_path, 'b.cnf', '[ok] b\n', mode='0640'),
              {'dest': str(tmp_path / 'c.cnf'), 'secret_content': '[ok] secret\n', 'mode': '0600'}]

    def read():
        return {item['dest']: node_state.path_entry(item['dest'], checksum=True) for item in wanted}

    # Nothing there yet: every file differs, and a run writes every one.
    assert config_files.differing(wanted, read()) == [item['dest'] for item in wanted]
    config_files.ensure({'files': wanted}, False, run)
    assert config_files.differing(wanted, read()) == []
    # Content, mode and group differences are each seen; the run then writes exactly those.
    (tmp_path / 'a.cnf').write_text('[ok] edited\n')
    os.chmod(tmp_path / 'b.cnf', 0o644)
    assert config_files.differing(wanted, read()) == [wanted[0]['dest'], wanted[1]['dest']]
    assert config_files.ensure({'files': wanted}, False, run)['changed_files'] == [wanted[0]['dest'], wanted[1]['dest']]
    assert config_files.differing(wanted, read()) == []
    other_group = [g.gr_name for g in grp.getgrall() if g.gr_name != my_group][0]
    assert config_files.differing([dict(wanted[0], group=other_group)], read()) == [wanted[0]['dest']]
    # A path replaced by a folder is not a regular file: it differs.
    os.remove(tmp_path / 'b.cnf')
    os.mkdir(tmp_path / 'b.cnf')
    assert config_files.differing(wanted, read()) == [wanted[1]['dest']]


def test_differing_counts_a_file_the_read_does_not_hold_as_differing(tmp_path):
    item = spec(tmp_path, 'a.cnf', 'x\n')
    (tmp_path / 'a.cnf').write_text('x\n')
    assert config_files.differing([item], {}) == [item['dest']]
    assert config_files.differing([item], {item['dest']: node_state.path_entry(item['dest'])}) == [item['dest']]
    assert config_files.differing([item], {item['dest']: node_state.path_entry(item['dest'], checksum=True)}) == []
    with pytest.raises(config_files.ConfigFilesError, match='an absolute path is required'):
        config_files.differing([dict(item, dest='a.cnf')], {})


def test_differing_with_keyed_digests(tmp_path):
    # galera_node_info's read: HMAC-SHA256 under a key of the run; the same key compares, another does not.
    item = {'dest': str(tmp_path / 'secret.cnf'), 'secret_content': '[sst]\npassword=s3cret\n', 'mode': '0640'}
    config_files.ensure({'files': [item]}, False, run)
    read = {item['dest']: node_state.path_entry(item['dest'], checksum=True, key='run-key')}
    assert read[item['dest']]['checksum'] != node_state.sha256_file(item['dest'])
    assert config_files.differing([item], read, 'run-key') == []
    assert config_files.differing([item], read, 'other-key') == [item['dest']]
    assert config_files.differing([dict(item, secret_content='[sst]\npassword=other\n')], read, 'run-key') == [item['dest']]
