# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Vitess flag table against the real --help lists of each release, and its refusals."""

from __future__ import annotations

import pathlib

import pytest

from ansible_collections.dbtls.transport.plugins.module_utils import vitess_flags as vf


# The upstream flag lists kept in the repository (their source is in that folder's README).
FLAGS_DIR = pathlib.Path(__file__).resolve().parents[3] / 'data' / 'vitess-flags'


def _load(version, binary):
    path = FLAGS_DIR / version / ('%s.txt' % binary)
    return set(line.strip() for line in path.read_text().splitlines() if line.startswith('--'))


@pytest.mark.parametrize('version', vf.supported_versions())
@pytest.mark.parametrize('binary', vf.BINARIES)
def test_every_spelling_exists_in_the_release_list(version, binary):
    listed = _load(version, binary)
    missing = [(name, vf.spell(name, version, binary)) for name in vf.known_flags(binary)
               if vf.spell(name, version, binary) not in listed]
    assert not missing, 'spellings not in %s/%s.txt: %s' % (version, binary, missing)


@pytest.mark.parametrize('version', vf.supported_versions())
@pytest.mark.parametrize('binary', vf.BINARIES)
def test_table_says_which_binary_lacks_a_flag(version, binary):
    """A flag the table denies a binary must really be absent from that binary's list (in any spelling)."""
    listed = set(vf.flag_key(n) for n in _load(version, binary))
    wrongly_denied = [name for name in vf.FLAGS if name not in vf.known_flags(binary) and name in listed]
    assert not wrongly_denied, '%s %s has %s although the table denies them' % (binary, version, wrongly_denied)


def test_all_supported_releases_have_lists():
    for version in vf.supported_versions():
        for binary in vf.BINARIES:
            assert (FLAGS_DIR / version / ('%s.txt' % binary)).is_file()


def test_logical_names_are_dash_forms_of_v22_names():
    for name, (binaries, v22) in vf.FLAGS.items():
        assert binaries and binaries <= set(vf.BINARIES), name
        assert '_' not in name, name
        assert vf.flag_key(v22) == name, (name, v22)


@pytest.mark.parametrize('version, binary, logical, expected', [
    ('v22', 'vttablet', 'grpc-cert', '--grpc_cert'),
    ('v23', 'vttablet', 'grpc-cert', '--grpc-cert'),
    ('v24', 'vttablet', 'grpc-cert', '--grpc-cert'),
    ('v22', 'vttablet', 'db-ssl-mode', '--db_ssl_mode'),
    ('v23', 'vttablet', 'db-ssl-mode', '--db-ssl-mode'),
    ('v22', 'vttablet', 'table-acl-config', '--table-acl-config'),
    ('v22', 'vttablet', 'tablet-path', '--tablet-path'),
    ('v22', 'vtgate', 'mysql-server-ssl-ca', '--mysql_server_ssl_ca'),
    ('v22', 'vtgate', 'grpc-use-effective-callerid', '--grpc_use_effective_callerid'),
    ('v24', 'vtctld', 'tablet-manager-grpc-server-name', '--tablet-manager-grpc-server-name'),
    ('23', 'vtgate', 'tablet-grpc-ca', '--tablet-grpc-ca'),
    ('v22.0.4', 'vtgate', 'tablet-grpc-ca', '--tablet_grpc_ca'),
])
def test_spell(version, binary, logical, expected):
    assert vf.spell(logical, version, binary) == expected


@pytest.mark.parametrize('version', ['v21', 'v25', '25.0.1', 'latest', '', None, 'v2x'])
def test_unknown_release_is_refused(version):
    with pytest.raises(vf.VitessFlagError, match='known: v22, v23, v24'):
        vf.spell('grpc-cert', version, 'vtgate')


def test_flag_the_binary_lacks_is_refused():
    with pytest.raises(vf.VitessFlagError, match='vttablet has no flag .mysql-server-ssl-cert.'):
        vf.spell('mysql-server-ssl-cert', 'v23', 'vttablet')
    with pytest.raises(vf.VitessFlagError, match='vtgate has no flag'):
        vf.spell('tablet-manager-grpc-cert', 'v23', 'vtgate')


def test_unknown_flag_and_binary_are_refused():
    with pytest.raises(vf.VitessFlagError, match='not a Vitess flag known'):
        vf.spell('grpc-cret', 'v23', 'vtgate')
    with pytest.raises(vf.VitessFlagError, match='unknown Vitess binary'):
        vf.spell('grpc-cert', 'v23', 'vtcombo')


def test_render_args_spells_sorts_and_drops_empty_values():
    flags = {'grpc-cert': '/c', 'grpc-crl': '', 'grpc-port': 16100, 'tablet-types-to-wait': ['PRIMARY', 'REPLICA'],
             'mysql-server-require-secure-transport': True, 'grpc-server-ca': None}
    assert vf.render_args(flags, 'v22', 'vtgate') == [
        '--grpc_cert=/c', '--grpc_port=16100', '--mysql_server_require_secure_transport=true',
        '--tablet_types_to_wait=PRIMARY,REPLICA']
    assert vf.render_args(flags, 'v24', 'vtgate') == [
        '--grpc-cert=/c', '--grpc-port=16100', '--mysql-server-require-secure-transport=true',
        '--tablet-types-to-wait=PRIMARY,REPLICA']


def test_extra_flags_known_are_spelled_unknown_pass_through():
    args = vf.render_args({'grpc-port': 1}, 'v22', 'vttablet',
                          extra_flags={'table-acl-config-reload-interval': '30s', '--queryserver-config-pool-size': 4})
    assert args == ['--grpc_port=1', '--queryserver-config-pool-size=4', '--table-acl-config-reload-interval=30s']


@pytest.mark.parametrize('name', ['grpc-cert', 'grpc_cert', '--grpc_cert', '--grpc-cert'])
def test_extra_flag_overriding_a_managed_flag_is_refused(name):
    with pytest.raises(vf.VitessFlagError, match='which the role manages'):
        vf.render_args({'grpc-cert': '/c'}, 'v23', 'vtgate', extra_flags={name: '/other'})


def test_managed_flag_with_empty_value_still_counts_as_managed():
    with pytest.raises(vf.VitessFlagError, match='which the role manages'):
        vf.render_args({'grpc-crl': ''}, 'v23', 'vtgate', extra_flags={'grpc_crl': '/crl'})


def test_same_extra_flag_twice_is_refused():
    with pytest.raises(vf.VitessFlagError, match='are the same flag'):
        vf.render_args({}, 'v23', 'vtgate', extra_flags={'foo_bar': 1, 'foo-bar': 2})


@pytest.mark.parametrize('name', ['grpc-use-effective-callerid', 'grpc_use_effective_callerid', '--grpc-use-effective-callerid'])
@pytest.mark.parametrize('value', [True, 'true', '1', 'yes'])
def test_effective_callerid_without_opt_in_is_refused(name, value):
    with pytest.raises(vf.VitessFlagError, match='claim any identity.*vitess_tls_insecure_allow_effective_callerid'):
        vf.render_args({}, 'v23', 'vtgate', extra_flags={name: value})


def test_effective_callerid_in_managed_flags_needs_the_opt_in_too():
    with pytest.raises(vf.VitessFlagError, match='claim any identity'):
        vf.render_args({'grpc-use-effective-callerid': True}, 'v22', 'vtgate')
    assert vf.render_args({'grpc-use-effective-callerid': True}, 'v22', 'vtgate', allow_effective_callerid=True) == [
        '--grpc_use_effective_callerid=true']


def test_effective_callerid_explicitly_off_is_harmless():
    assert vf.render_args({}, 'v23', 'vtgate', extra_flags={'grpc-use-effective-callerid': False}) == [
        '--grpc-use-effective-callerid=false']


def test_effective_callerid_is_not_a_managed_override_when_opted_in_through_extra():
    args = vf.render_args({}, 'v23', 'vtgate', extra_flags={'grpc_use_effective_callerid': 'true'},
                          allow_effective_callerid=True)
    assert args == ['--grpc-use-effective-callerid=true']


def test_render_args_refuses_unknown_release_and_bad_input():
    with pytest.raises(vf.VitessFlagError, match='not known'):
        vf.render_args({'grpc-port': 1}, 'v25', 'vtgate')
    with pytest.raises(vf.VitessFlagError, match='mappings'):
        vf.render_args(['--grpc-port=1'], 'v23', 'vtgate')


@pytest.mark.parametrize('arg, expected', [
    ('--grpc-port=15991', '--grpc-port=15991'),
    ('--cells-to-watch=zone1,zone2', '--cells-to-watch=zone1,zone2'),
    ('--x=a b', '"--x=a b"'),
    ('--x=100%', '"--x=100%%"'),
    ('--x=$HOME', '"--x=$$HOME"'),
    ('--x="q"\\', '"--x=\\"q\\"\\\\"'),
])
def test_systemd_quote(arg, expected):
    assert vf.systemd_quote(arg) == expected


def test_normalize_version():
    assert vf.normalize_version('v23') == 'v23'
    assert vf.normalize_version(24) == 'v24'
    assert vf.normalize_version(' 22.0.2 ') == 'v22'
    assert vf.supported_versions() == ('v22', 'v23', 'v24')
