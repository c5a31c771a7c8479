# Copyright: dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""file_swap: backup, swap all or none, restore; interrupted swaps keep their first backup."""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import file_swap


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def live(tmp_path):
    (tmp_path / 'live').mkdir()
    (tmp_path / 'stage').mkdir()
    bundle, key = tmp_path / 'live' / 'ca-bundle.pem', tmp_path / 'live' / 'peer.key'
    bundle.write_text('old bundle\n')
    key.write_text('old key\n')
    os.chmod(bundle, 0o644)
    os.chmod(key, 0o640)
    (tmp_path / 'stage' / 'ca-bundle.pem').write_text('new bundle\n')
    (tmp_path / 'stage' / 'peer.key').write_text('new key\n')
    os.chmod(tmp_path / 'stage' / 'peer.key', 0o600)
    return tmp_path


def items(tmp):
    return [{'src': str(tmp / 'stage' / 'ca-bundle.pem'), 'dest': str(tmp / 'live' / 'ca-bundle.pem')},
            {'src': str(tmp / 'stage' / 'peer.key'), 'dest': str(tmp / 'live' / 'peer.key'), 'mode': 'preserve'},
            {'content': 'new option\n', 'dest': str(tmp / 'live' / 'new.cnf'), 'mode': '0644'}]


def test_swap_then_restore(live):
    backup = str(live / 'backup' / 'phase_b')
    result = file_swap.run({'files': items(live), 'backup_dir': backup}, False)
    assert result['changed'] and len(result['changed_files']) == 3
    assert (live / 'live' / 'ca-bundle.pem').read_text() == 'new bundle\n'
    assert mode_of(live / 'live' / 'ca-bundle.pem') == 0o644        # the existing file's mode is kept
    assert mode_of(live / 'live' / 'peer.key') == 0o600             # preserve: the staged file's mode
    assert mode_of(backup) == 0o700
    assert (live / 'backup' / 'phase_b' / '1-peer.key').read_text() == 'old key\n'
    assert mode_of(live / 'backup' / 'phase_b' / '1-peer.key') == 0o640
    assert (live / 'backup' / 'phase_b' / '2-new.cnf.absent').exists()
    # Nothing left to do: a second swap changes nothing, force still reports a change.
    assert file_swap.run({'files': items(live), 'backup_dir': backup}, False)['changed'] is False
    assert file_swap.run({'files': items(live), 'backup_dir': backup, 'force': True}, False)['changed'] is True

    restored = file_swap.run({'state': 'restored', 'files': items(live), 'backup_dir': backup}, False)
    assert restored['restored_files'] == [str(live / 'live' / 'ca-bundle.pem'), str(live / 'live' / 'peer.key')]
    assert restored['removed_files'] == [str(live / 'live' / 'new.cnf')]
    assert (live / 'live' / 'peer.key').read_text() == 'old key\n' and mode_of(live / 'live' / 'peer.key') == 0o640
    assert not (live / 'live' / 'new.cnf').exists()


def test_rerun_after_interruption_keeps_the_first_backup(live):
    backup = str(live / 'backup')
    file_swap.run({'files': items(live), 'backup_dir': backup}, False)
    # The controller was killed after the swap: the re-run finds the files in place and must not
    # back up the new files over the old ones.
    file_swap.run({'files': items(live), 'backup_dir': backup, 'force': True}, False)
    file_swap.run({'state': 'restored', 'files': items(live), 'backup_dir': backup}, False)
    assert (live / 'live' / 'ca-bundle.pem').read_text() == 'old bundle\n'


def test_check_mode_writes_nothing(live):
    backup = str(live / 'backup')
    result = file_swap.run({'files': items(live), 'backup_dir': backup}, True)
    assert len(result['changed_files']) == 3
    assert not os.path.exists(backup)
    assert (live / 'live' / 'ca-bundle.pem').read_text() == 'old bundle\n'


def test_a_missing_src_changes_nothing(live):
    bad = items(live) + [{'src': str(live / 'stage' / 'absent.crt'), 'dest': str(live / 'live' / 'x.crt')}]
    with pytest.raises(file_swap.FileSwapError, match=r'x\.crt: its src .*absent\.crt does not exist on the host'):
        file_swap.run({'files': bad, 'backup_dir': str(live / 'backup')}, False)
    assert (live / 'live' / 'ca-bundle.pem').read_text() == 'old bundle\n'
    assert not os.path.exists(live / 'backup')


@pytest.mark.parametrize('item,message', [
    ({'dest': 'relative', 'content': 'x'}, 'an absolute path is required'),
    ({'dest': '/tmp/x', 'content': 'x', 'src': '/etc/hostname'}, 'exactly one of src, content and secret_content'),
    ({'dest': '/tmp/x', 'content': 'x', 'mode': 'preserve'}, 'mode preserve needs src'),
    ({'dest': '/tmp/x', 'content': 'x', 'group': 'no-such-group-dbtls'}, 'does not exist'),
])
def test_bad_input(tmp_path, item, message):
    with pytest.raises(Exception, match=message):
        file_swap.run({'files': [item], 'backup_dir': str(tmp_path / 'b')}, False)
    assert not (tmp_path / 'b').exists()


def test_a_file_removed_since_an_earlier_swap_is_removed_again_on_restore(live):
    backup = str(live / 'backup')
    one = [items(live)[0]]
    file_swap.run({'files': one, 'backup_dir': backup}, False)        # backs up the old bundle
    os.unlink(live / 'live' / 'ca-bundle.pem')                         # the file is gone before the next swap
    file_swap.run({'files': one, 'backup_dir': backup}, False)        # so this swap records it as absent
    assert not (live / 'backup' / '0-ca-bundle.pem').exists()
    file_swap.run({'state': 'restored', 'files': one, 'backup_dir': backup}, False)
    assert not (live / 'live' / 'ca-bundle.pem').exists()


def run_command(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def garbd_items(tmp, settings='GALERA_GROUP=g\n'):
    return [{'content': settings, 'dest': str(tmp / 'live' / 'garb'), 'mode': '0644', 'validate': '/bin/bash -n %s'},
            {'content': '[Service]\nUser=garb\n', 'dest': str(tmp / 'live' / 'dbtls.conf'), 'mode': '0644'}]


def test_validate_refuses_bad_content_and_writes_nothing(live):
    backup = live / 'backup'
    (live / 'live' / 'garb').write_text('GALERA_GROUP=old\n')
    with pytest.raises(file_swap.FileSwapError) as refused:
        file_swap.run({'files': garbd_items(live, 'GALERA_OPTIONS="unclosed\n'), 'backup_dir': str(backup)}, False, run_command)
    message = str(refused.value)
    assert message.startswith(f'{live}/live/garb: failed validation by /bin/bash (rc 2)')
    assert 'unexpected EOF' in message and message.endswith('nothing was written')
    # Neither file was written, and no backup or marker was made.
    assert (live / 'live' / 'garb').read_text() == 'GALERA_GROUP=old\n'
    assert not (live / 'live' / 'dbtls.conf').exists()
    assert not backup.exists()
    # Check mode validates too, and refuses the same way.
    with pytest.raises(file_swap.FileSwapError, match='failed validation by /bin/bash'):
        file_swap.run({'files': garbd_items(live, 'GALERA_OPTIONS="unclosed\n'), 'backup_dir': str(backup)}, True, run_command)


def test_validate_passes_good_content(live):
    calls = []

    def recording(argv):
        calls.append(argv)
        return run_command(argv)

    result = file_swap.run({'files': garbd_items(live), 'backup_dir': str(live / 'backup')}, False, recording)
    assert result['changed_files'] == [str(live / 'live' / 'garb'), str(live / 'live' / 'dbtls.conf')]
    assert (live / 'live' / 'garb').read_text() == 'GALERA_GROUP=g\n'
    # The command checked a private copy named like the file, never the live path.
    assert len(calls) == 1 and calls[0][:2] == ['/bin/bash', '-n'] and calls[0][2].endswith('/garb')
    assert calls[0][2] != str(live / 'live' / 'garb') and not os.path.exists(calls[0][2])
    # An unchanged file is not validated again.
    file_swap.run({'files': garbd_items(live), 'backup_dir': str(live / 'backup')}, False, recording)
    assert len(calls) == 1


def test_validate_with_a_missing_tool(live):
    item = [{'content': 'x\n', 'dest': str(live / 'live' / 'x.cnf'), 'mode': '0644', 'validate': '/nonexistent/tool %s'}]
    result = file_swap.run({'files': item, 'backup_dir': str(live / 'backup')}, True, run_command)
    assert result['warnings'] == [f'{live}/live/x.cnf: not validated in check mode (/nonexistent/tool is not installed yet)']
    with pytest.raises(file_swap.FileSwapError, match=r'x\.cnf: the validation command /nonexistent/tool is not installed'):
        file_swap.run({'files': item, 'backup_dir': str(live / 'backup')}, False, run_command)
    assert not (live / 'live' / 'x.cnf').exists() and not (live / 'backup').exists()


def test_backed_up_files_tell_an_uncommitted_swap_and_commit_confirms_it(live):
    backup = live / 'backup'
    params = {'files': garbd_items(live), 'backup_dir': str(backup)}
    dests = [str(live / 'live' / 'garb'), str(live / 'live' / 'dbtls.conf')]
    assert file_swap.run(params, True, run_command)['backed_up_files'] == dests   # check mode: would have
    first = file_swap.run(params, False, run_command)
    assert first['changed'] and first['backed_up_files'] == dests
    # The run was killed before the restart: the re-run changes nothing but reports the backups.
    rerun = file_swap.run(params, False, run_command)
    assert rerun['changed'] is False and rerun['changed_files'] == [] and rerun['backed_up_files'] == dests

    dest_only = {'state': 'committed', 'files': [{'dest': path} for path in dests], 'backup_dir': str(backup)}
    planned = file_swap.run(dest_only, True, clock=lambda: 1796547600.9)
    assert planned == {'changed': True, 'committed_files': dests, 'backup_dir': str(backup), 'started_at': 1796547600}
    assert sorted(os.listdir(backup)) == ['0-garb.absent', '1-dbtls.conf.absent']       # check mode removed nothing
    committed = file_swap.run(dest_only, False)
    assert committed['changed'] and committed['committed_files'] == dests
    assert os.listdir(backup) == []
    assert (live / 'live' / 'garb').read_text() == 'GALERA_GROUP=g\n'                  # the new files stay
    assert file_swap.run(dest_only, False)['changed'] is False
    after = file_swap.run(params, False, run_command)
    assert after['changed'] is False and after['backed_up_files'] == []
    # Nothing left to restore.
    restored = file_swap.run({'state': 'restored', 'files': dest_only['files'], 'backup_dir': str(backup)}, False)
    assert restored['changed'] is False and (live / 'live' / 'garb').read_text() == 'GALERA_GROUP=g\n'


def test_commit_keeps_the_backups_of_other_files(live):
    backup = str(live / 'backup')
    file_swap.run({'files': items(live), 'backup_dir': backup}, False)
    file_swap.run({'state': 'committed', 'files': [{'dest': items(live)[0]['dest']}], 'backup_dir': backup}, False)
    assert sorted(os.listdir(backup)) == ['1-peer.key', '2-new.cnf.absent']
    assert file_swap.run({'files': items(live), 'backup_dir': backup}, False)['backed_up_files'] == [
        items(live)[1]['dest'], items(live)[2]['dest']]


def test_diff_shows_content_items_and_names_the_others(live):
    (live / 'live' / 'garb').write_text('GALERA_GROUP=old\n')
    params = {'files': garbd_items(live) + [items(live)[1]], 'backup_dir': str(live / 'backup')}
    diff = file_swap.run(params, True, run_command)['diff']
    assert diff[0] == {'before_header': str(live / 'live' / 'garb'), 'after_header': str(live / 'live' / 'garb'),
                       'before': 'GALERA_GROUP=old\n', 'after': 'GALERA_GROUP=g\n'}
    assert diff[1]['before'] == '' and diff[1]['after'] == '[Service]\nUser=garb\n'
    # The key (a src) is named, its content never shown.
    assert diff[2]['after'] == f'replaced: {live}/live/peer.key\n'
    assert 'new key' not in repr(diff)
