# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit and property tests of the wsrep_provider_options core (Galera's parsing rules)."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings, strategies as st

from ansible_collections.dbtls.transport.plugins.module_utils import wsrep
from ansible_collections.dbtls.transport.plugins.module_utils.wsrep import WsrepError


def refused(match, key=None):
    """Context manager: a WsrepError whose message matches and that names ``key``."""
    class _Check:
        def __enter__(self):
            self._raises = pytest.raises(WsrepError, match=match)
            self._info = self._raises.__enter__()
            return self._info

        def __exit__(self, *exc):
            result = self._raises.__exit__(*exc)
            if key is not None:
                assert self._info.value.key == key
                assert repr(key) in str(self._info.value)
            return result
    return _Check()


# --- parse ----------------------------------------------------------------------------------------

class TestParse:
    def test_pairs_trimmed_and_in_order(self):
        assert wsrep.parse(' gcache.size = 1G ;pc.recovery=TRUE;  evs.keepalive_period= PT1S') == [
            ('gcache.size', '1G'), ('pc.recovery', 'TRUE'), ('evs.keepalive_period', 'PT1S')]

    def test_empty_and_blank_segments_are_dropped(self):
        assert wsrep.parse(';;a=1; ;\t;b=2;;') == [('a', '1'), ('b', '2')]

    @pytest.mark.parametrize('text', ['', ' ', ';', ' ; ;\t', None])
    def test_nothing(self, text):
        assert wsrep.parse(text) == []

    def test_empty_value_is_accepted_as_galera_does(self):
        # SHOW VARIABLES prints unset string options this way.
        assert wsrep.parse('socket.ssl_cipher = ; a=1') == [('socket.ssl_cipher', ''), ('a', '1')]

    def test_show_variables_style(self):
        text = ('base_dir = /var/lib/mysql/; base_host = 10.0.0.1; gcache.size = 128M; '
                'gmcast.listen_addr = tcp://0.0.0.0:4567; gcs.fc_factor = 1.0; pc.wait_prim_timeout = PT30S')
        parsed = wsrep.parse_dict(text)
        assert parsed['gmcast.listen_addr'] == 'tcp://0.0.0.0:4567'
        assert list(parsed)[0] == 'base_dir' and len(parsed) == 6

    def test_value_keeps_inner_spaces(self):
        assert wsrep.parse('socket.ssl_cipher= AES128-SHA AES256-SHA ') == [
            ('socket.ssl_cipher', 'AES128-SHA AES256-SHA')]

    def test_key_without_value(self):
        with refused(r"key without value 'gcache\.size' at position 1", key='gcache.size'):
            wsrep.parse('a=1; gcache.size ; b=2')

    def test_two_equal_signs(self):
        with refused(r"more than one value for key 'a'", key='a'):
            wsrep.parse('a=1=2')

    def test_empty_key(self):
        with refused(r'empty key'):
            wsrep.parse('a=1; =2')

    @pytest.mark.parametrize('value, why', [
        ('a\\;b', 'escape character'),
        ('c:\\x', 'escape character'),
        ('x"y', 'double quote'),
        ("x'y", 'single quote'),
        ('x#y', 'comment sign'),
    ])
    def test_unsafe_values_in_current(self, value, why):
        with refused(why, key='k'):
            wsrep.parse(f'a=1; k={value}')

    def test_invalid_key_name(self):
        with refused(r"'gcache size': invalid name", key='gcache size'):
            wsrep.parse('gcache size=1G')

    def test_not_a_string(self):
        with refused('expected an option string'):
            wsrep.parse_pairs(42)


class TestDuplicates:
    def test_raw_pairs_keep_every_occurrence(self):
        assert wsrep.parse_pairs('a=1; b=2; a=3') == [('a', '1'), ('b', '2'), ('a', '3')]

    def test_first_position_last_value(self):
        assert wsrep.parse('a=1; b=2; a=3; c=4; a=5') == [('a', '5'), ('b', '2'), ('c', '4')]

    def test_merge_reports_collapsed_keys_and_a_change(self):
        pairs, diff = wsrep.merge('a=1; b=2; b=3; a=1')
        assert pairs == [('a', '1'), ('b', '3')]
        assert diff['duplicates'] == ['b', 'a']  # in the order their repetition is met
        assert wsrep.compute('a=1; b=2; b=3')['changed'] is True

    def test_set_on_a_duplicate_key_keeps_first_position(self):
        pairs, diff = wsrep.merge('a=1; b=2; a=3', {'a': '9'})
        assert pairs == [('a', '9'), ('b', '2')]
        assert diff['changed'] == ['a'] and diff['added'] == []

    def test_remove_drops_every_occurrence(self):
        pairs, diff = wsrep.merge('a=1; b=2; a=3', remove=['a'])
        assert pairs == [('b', '2')]
        assert diff['removed'] == ['a']


# --- values and keys --------------------------------------------------------------------------------

class TestRender:
    @pytest.mark.parametrize('value, text', [
        (True, 'yes'), (False, 'no'), (0, '0'), (65536, '65536'), (0.8, '0.8'),
        ('  /etc/x.pem ', '/etc/x.pem'), ('', ''), ('PT1S', 'PT1S'),
    ])
    def test_values(self, value, text):
        assert wsrep.render_value('k', value) == text

    @pytest.mark.parametrize('char, why', [
        (';', 'pair separator'), ('=', 'key/value separator'), ('\\', 'escape character'),
        ('"', 'double quote'), ("'", 'single quote'), ('#', 'comment sign'),
        ('\n', 'control character'), ('\x00', 'control character'), ('\x7f', 'control character'),
    ])
    def test_refused_characters_name_the_key(self, char, why):
        with refused(why, key='socket.ssl_key'):
            wsrep.render_value('socket.ssl_key', f'/etc/my{char}key.pem')

    @pytest.mark.parametrize('value, why', [
        (None, 'null; list the key in remove'),
        ([1], 'not list'),
        ({'a': 1}, 'not dict'),
        (float('nan'), 'not a usable number'),
        (float('inf'), 'not a usable number'),
    ])
    def test_refused_types(self, value, why):
        with refused(why, key='k'):
            wsrep.render_value('k', value)

    @pytest.mark.parametrize('value', ['1', 'Y', 'on', 'YES', 'yep', 'true', 'Sure', 'yeah',
                                       '0', 'n', 'Off', 'no', 'none', 'nope', 'FALSE'])
    def test_galera_bool_spellings_accepted_for_bool_socket_keys(self, value):
        assert wsrep.render_value('socket.dynamic', value) == value

    def test_bool_socket_key_rejects_non_boolean(self):
        with refused('not a Galera boolean', key='socket.ssl'):
            wsrep.render_value('socket.ssl', 'maybe')

    def test_non_bool_socket_key_takes_any_text(self):
        assert wsrep.render_value('socket.checksum', '1') == '1'
        assert wsrep.render_value('socket.recv_buf_size', 'auto') == 'auto'

    def test_galera_bool(self):
        assert wsrep.galera_bool(' ON ') is True
        assert wsrep.galera_bool('nope') is False
        assert wsrep.galera_bool('2') is None
        assert wsrep.galera_bool(1) is None
        assert wsrep.galera_bool(False) is False

    @pytest.mark.parametrize('key', ['', 'a b', 'a;b', 'a=b', '.a', '-a', 'ä', 'a\\b'])
    def test_bad_key_names(self, key):
        with pytest.raises(WsrepError):
            wsrep.validate_key(key)

    def test_key_must_be_a_string(self):
        with refused('must be a string'):
            wsrep.validate_key(5)

    @pytest.mark.parametrize('key', ['gcache.size', 'debug', 'base_host', 'gcs.fc_limit', 'socket.ssl_ca'])
    def test_good_key_names(self, key):
        assert wsrep.validate_key(key) == key


class TestSocketKeys:
    EXPECTED = {
        'socket.ssl', 'socket.ssl_key', 'socket.ssl_cert', 'socket.ssl_ca', 'socket.ssl_cipher',
        'socket.ssl_compression', 'socket.ssl_password_file', 'socket.ssl_reload', 'socket.dynamic',
        'socket.non_blocking', 'socket.checksum', 'socket.recv_buf_size', 'socket.send_buf_size',
    }

    def test_table_matches_galera_26_4_18(self):
        assert set(wsrep.SOCKET_OPTIONS) == self.EXPECTED
        assert wsrep.SOCKET_OPTIONS['socket.ssl_reload']['since'] == '26.4.8'
        assert {k for k, v in wsrep.SOCKET_OPTIONS.items() if v['bool']} == {
            'socket.ssl', 'socket.ssl_compression', 'socket.ssl_reload', 'socket.dynamic'}

    @pytest.mark.parametrize('key', sorted(EXPECTED))
    def test_known_keys_pass(self, key):
        wsrep.check_socket_key(key)

    @pytest.mark.parametrize('key, hint', [
        ('socket.if_addr', 'udp:// address'),
        ('socket.mcast_ttl', 'udp:// address'),
        ('socket.ssl_crl', 'not a Galera 4 socket option'),
        ('socket.ssl_certificate', 'not a Galera 4 socket option'),
        ('Socket.SSL_Key', "case-sensitive: 'socket.ssl_key'"),
    ])
    def test_unknown_socket_keys_refused(self, key, hint):
        with refused(re.escape(hint), key=key):
            wsrep.check_socket_key(key)

    def test_other_groups_are_left_to_galera(self):
        wsrep.check_socket_key('gcache.whatever')
        wsrep.check_socket_key('sockets.x')

    def test_unknown_socket_key_in_set(self):
        with refused('set: option', key='socket.ssl_crl'):
            wsrep.merge('', {'socket.ssl_crl': '/x'})

    def test_unknown_socket_key_in_current_is_refused_unless_removed(self):
        with refused('current: option', key='socket.if_addr'):
            wsrep.merge('socket.if_addr=10.0.0.1; a=1')
        pairs, diff = wsrep.merge('socket.if_addr=10.0.0.1; a=1', remove=['socket.if_addr'])
        assert pairs == [('a', '1')] and diff['removed'] == ['socket.if_addr']

    def test_format_refuses_unknown_socket_key(self):
        with refused('not a Galera 4 socket option', key='socket.foo'):
            wsrep.format_options({'socket.foo': '1'})


# --- format -----------------------------------------------------------------------------------------

class TestFormat:
    def test_pairs_and_mapping(self):
        assert wsrep.format_options([('a', '1'), ('b', True)]) == 'a=1; b=yes'
        assert wsrep.format_options({'a': 1, 'b': False}, separator=';') == 'a=1;b=no'

    def test_empty(self):
        assert wsrep.format_options({}) == ''

    def test_duplicate_pairs_refused(self):
        with refused('given twice', key='a'):
            wsrep.format_options([('a', '1'), ('a', '2')])

    def test_bad_separator(self):
        with refused('separator'):
            wsrep.format_options({'a': '1'}, separator=',')


# --- merge ------------------------------------------------------------------------------------------

class TestMerge:
    CURRENT = 'gcache.size=1G; socket.ssl_key=/old.key; pc.recovery=1; evs.suspect_timeout=PT5S'

    def test_set_existing_keeps_place_new_appended_in_given_order(self):
        pairs, diff = wsrep.merge(self.CURRENT, {
            'z.new': 'z', 'socket.ssl_key': '/new.key', 'a.new': 'a'})
        assert [k for k, dummy in pairs] == [
            'gcache.size', 'socket.ssl_key', 'pc.recovery', 'evs.suspect_timeout', 'z.new', 'a.new']
        assert dict(pairs)['socket.ssl_key'] == '/new.key'
        assert diff == {'added': ['z.new', 'a.new'], 'changed': ['socket.ssl_key'],
                        'removed': [], 'duplicates': []}

    def test_same_value_is_no_change(self):
        pairs, diff = wsrep.merge(self.CURRENT, {'gcache.size': '1G'})
        assert diff['changed'] == [] and diff['added'] == []
        assert wsrep.compute(self.CURRENT, {'gcache.size': ' 1G '})['changed'] is False

    def test_bool_equivalent_keeps_current_spelling(self):
        pairs, diff = wsrep.merge(self.CURRENT, {'pc.recovery': True})
        assert dict(pairs)['pc.recovery'] == '1'
        assert diff['changed'] == []

    def test_bool_differs(self):
        pairs, diff = wsrep.merge(self.CURRENT, {'pc.recovery': False})
        assert dict(pairs)['pc.recovery'] == 'no'
        assert diff['changed'] == ['pc.recovery']

    def test_string_bool_is_compared_literally(self):
        diff = wsrep.merge(self.CURRENT, {'pc.recovery': 'yes'})[1]
        assert diff['changed'] == ['pc.recovery']

    def test_remove(self):
        pairs, diff = wsrep.merge(self.CURRENT, remove=['pc.recovery', 'not.there'])
        assert [k for k, dummy in pairs] == ['gcache.size', 'socket.ssl_key', 'evs.suspect_timeout']
        assert diff['removed'] == ['pc.recovery']

    def test_remove_is_exact(self):
        pairs = wsrep.merge('socket.ssl_key=/k; socket.ssl_ca=/c', remove=['socket.ssl'])[0]
        assert len(pairs) == 2

    def test_set_and_remove_same_key(self):
        with refused('both in set and in remove', key='a'):
            wsrep.merge('a=1', {'a': '2'}, ['a'])

    @pytest.mark.parametrize('remove, match', [
        ('a', 'remove must be a list'),
        ([''], 'not an option name'),
        ([None], 'not an option name'),
        ([' a'], 'surrounding spaces'),
    ])
    def test_bad_remove(self, remove, match):
        with refused(match):
            wsrep.merge('a=1', remove=remove)

    def test_bad_set(self):
        with refused('set must be a mapping'):
            wsrep.merge('a=1', [('a', '1')])
        with refused('invalid name'):
            wsrep.merge('a=1', {'a b': '1'})
        with refused('contains', key='b'):
            wsrep.merge('a=1', {'b': 'x;y'})

    def test_current_as_mapping(self):
        pairs, diff = wsrep.merge({'a': 1, 'b': True}, {'c': 'x'})
        assert pairs == [('a', '1'), ('b', 'yes'), ('c', 'x')]
        assert diff['added'] == ['c']

    def test_current_of_wrong_type(self):
        with refused('current must be'):
            wsrep.merge(['a=1'])

    def test_nothing_to_do(self):
        assert wsrep.merge(None) == ([], {'added': [], 'changed': [], 'removed': [], 'duplicates': []})


class TestCompute:
    def test_result(self):
        res = wsrep.compute('a = 1 ;b=2', {'socket.ssl_ca': '/ca.pem'}, ['b'])
        assert res['value'] == 'a=1; socket.ssl_ca=/ca.pem'
        assert res['options'] == {'a': '1', 'socket.ssl_ca': '/ca.pem'}
        assert res['changed'] is True
        assert res['before'] == 'a=1\nb=2\n'
        assert res['after'] == 'a=1\nsocket.ssl_ca=/ca.pem\n'
        assert res['keys_added'] == ['socket.ssl_ca'] and res['keys_removed'] == ['b']

    def test_spacing_alone_is_not_a_change(self):
        res = wsrep.compute(' a = 1 ;;  b=2 ; ')
        assert res['changed'] is False
        assert res['value'] == 'a=1; b=2'

    def test_idempotent_on_its_own_output(self):
        first = wsrep.compute('a=1; a=2; b=3', {'c': True}, ['b'])
        second = wsrep.compute(first['value'], {'c': True}, ['b'])
        assert first['changed'] is True and second['changed'] is False
        assert second['value'] == first['value']


class TestTlsOptions:
    def test_minimal(self):
        opts = wsrep.tls_options('/c.pem', '/k.pem', '/ca.pem')
        assert list(opts.items()) == [('socket.ssl_cert', '/c.pem'), ('socket.ssl_key', '/k.pem'),
                                      ('socket.ssl_ca', '/ca.pem')]

    def test_cipher_and_dynamic(self):
        opts = wsrep.tls_options('/c', '/k', '/ca', cipher='ECDHE-ECDSA-AES256-GCM-SHA384', dynamic=True)
        assert opts['socket.ssl_cipher'] == 'ECDHE-ECDSA-AES256-GCM-SHA384'
        assert opts['socket.dynamic'] is True
        assert wsrep.compute('', opts)['value'].endswith('socket.dynamic=yes')

    @pytest.mark.parametrize('args, key', [
        (('', '/k', '/ca'), 'socket.ssl_cert'),
        (('/c', None, '/ca'), 'socket.ssl_key'),
        (('/c', '/k', '  '), 'socket.ssl_ca'),
        (('/c', '/k;x', '/ca'), 'socket.ssl_key'),
    ])
    def test_refusals(self, args, key):
        with pytest.raises(WsrepError) as info:
            wsrep.tls_options(*args)
        assert info.value.key == key

    def test_bad_dynamic_and_cipher(self):
        with refused('true or false', key='socket.dynamic'):
            wsrep.tls_options('/c', '/k', '/ca', dynamic='yes')
        with refused('cipher list', key='socket.ssl_cipher'):
            wsrep.tls_options('/c', '/k', '/ca', cipher='')


# --- my.cnf -----------------------------------------------------------------------------------------

CNF = '''\
# a comment
; another comment
[client]
wsrep_provider_options = "client=1"

[mysqld]
datadir = /var/lib/mysql
wsrep_provider_options = "gcache.size=1G; pc.recovery=1"   # trailing comment
wsrep_on = ON

[galera]
wsrep-provider-options='socket.ssl_key=/k#1'  # the # inside quotes stays
'''


class TestCnf:
    def test_section_default_mysqld(self):
        assert wsrep.read_cnf_option(CNF) == 'gcache.size=1G; pc.recovery=1'

    def test_other_section_and_dashes(self):
        hit = wsrep.locate_cnf_option(CNF, ['galera'])
        assert hit == wsrep.CnfOption('socket.ssl_key=/k#1', 'galera', 12)

    def test_last_occurrence_over_all_groups_wins(self):
        assert wsrep.read_cnf_option(CNF, ['mysqld', 'galera']) == 'socket.ssl_key=/k#1'
        assert wsrep.read_cnf_option(CNF, ['galera', 'mysqld']) == 'socket.ssl_key=/k#1'

    def test_repeated_group_and_option(self):
        text = '[mysqld]\nwsrep_provider_options=a=1\n[galera]\nx=1\n[MYSQLD]\nwsrep_provider_options=a=2\n'
        assert wsrep.locate_cnf_option(text, 'mysqld') == wsrep.CnfOption('a=2', 'MYSQLD', 6)

    def test_not_found(self):
        assert wsrep.read_cnf_option(CNF, ['mariadb']) is None
        assert wsrep.read_cnf_option('') is None

    @pytest.mark.parametrize('line, value', [
        ('wsrep_provider_options=a=1', 'a=1'),
        ('  wsrep_provider_options  =   a=1 ; b=2   ', 'a=1 ; b=2'),
        ('wsrep_provider_options=a=1 # comment', 'a=1'),
        ('wsrep_provider_options=a=1#comment', 'a=1'),
        ('wsrep_provider_options="a=1 # kept"', 'a=1 # kept'),
        ("wsrep_provider_options='a=1'", 'a=1'),
        ('wsrep_provider_options="a=1\'', '"a=1\''),   # mismatched quotes are kept
        ('wsrep_provider_options="', '"'),              # a lone quote is kept
        ('wsrep_provider_options=', ''),
        ('loose-wsrep-provider-options=a=1', 'a=1'),
        ('loose_wsrep_provider_options=a=1', 'a=1'),
        ('wsrep_provider_options="a\\sb\\\\c\\qd"', 'a b\\c\\qd'),
        ('wsrep_provider_options=a=1\r', 'a=1'),
    ])
    def test_value_rules(self, line, value):
        assert wsrep.read_cnf_option(f'[mysqld]\n{line}\n') == value

    @pytest.mark.parametrize('line', [
        'wsrep_provider_options_x=a=1', 'xwsrep_provider_options=a=1', '#wsrep_provider_options=a=1',
        ';wsrep_provider_options=a=1', 'wsrep_provider=libgalera_smm.so',
        'wsrep_cluster_name="x" # wsrep_provider_options=a=1',
    ])
    def test_other_lines_do_not_match(self, line):
        assert wsrep.read_cnf_option(f'[mysqld]\n{line}\n') is None

    def test_include_directives_are_skipped_and_listed(self):
        text = '!includedir /etc/mysql/conf.d/\n[mysqld]\n!include /etc/x.cnf\nwsrep_provider_options=a=1\n'
        assert wsrep.read_cnf_option(text) == 'a=1'
        assert wsrep.cnf_includes(text) == ['!includedir /etc/mysql/conf.d/', '!include /etc/x.cnf']

    def test_group_header_trailing_text_and_spaces(self):
        assert wsrep.read_cnf_option('[mysqld  ] # c\nwsrep_provider_options=a=1\n') == 'a=1'
        # MariaDB does not strip a leading space inside the brackets.
        assert wsrep.read_cnf_option('[ mysqld]\nwsrep_provider_options=a=1\n') is None

    def test_errors_name_file_and_line(self):
        with refused(r'/etc/my\.cnf line 2: group header'):
            wsrep.read_cnf_option('[mysqld]\n[galera\n', source='/etc/my.cnf')
        with refused(r'x\.cnf line 1: option outside any \[group\]'):
            wsrep.read_cnf_option('wsrep_on=1\n', source='x.cnf')
        with refused(r'line 2: wsrep_provider_options without a value'):
            wsrep.read_cnf_option('[mysqld]\nwsrep_provider_options\n')

    def test_option_outside_wanted_groups_without_value_is_ignored(self):
        assert wsrep.read_cnf_option('[client]\nwsrep_provider_options\n') is None

    def test_groups(self):
        groups = wsrep.mariadb_server_groups()
        assert {'mysqld', 'server', 'mariadb', 'mariadbd', 'galera', 'client-server'} == set(groups)
        assert wsrep.mariadb_server_groups('10.11.9')[-3:] == ['mysqld-10.11', 'mariadb-10.11', 'mariadbd-10.11']
        with refused('expected a MariaDB version'):
            wsrep.mariadb_server_groups('x')

    def test_read_then_merge_round_trip(self):
        current = wsrep.read_cnf_option(CNF)
        res = wsrep.compute(current, wsrep.tls_options('/c', '/k', '/ca'))
        line = f'[mysqld]\nwsrep_provider_options = "{res["value"]}"\n'
        assert wsrep.parse(wsrep.read_cnf_option(line)) == list(res['options'].items())


# --- properties -------------------------------------------------------------------------------------

# Galera-like names: group.name (socket.* is covered by its own tests).
KEY = st.builds(
    lambda head, parts: '.'.join([head, *parts]),
    st.text(alphabet='abcdeghkpr', min_size=1, max_size=6),
    st.lists(st.text(alphabet='abcz09_', min_size=1, max_size=5), max_size=2))
VALUE = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x17f,
                           blacklist_characters=';=\\"\'#\x7f'),
    max_size=12).map(lambda v: v.strip(' '))
OPTIONS = st.dictionaries(KEY, VALUE, max_size=8)


def pairs_of(options):
    return list(options.items())


@settings(max_examples=150, deadline=None)
@given(OPTIONS)
def test_parse_inverts_format(options):
    pairs = pairs_of(options)
    assert wsrep.parse(wsrep.format_options(pairs)) == pairs
    assert wsrep.parse(wsrep.format_options(pairs, separator=';')) == pairs


@settings(max_examples=150, deadline=None)
@given(OPTIONS)
def test_format_survives_a_my_cnf_round_trip(options):
    value = wsrep.format_options(pairs_of(options))
    assert wsrep.parse(wsrep.read_cnf_option(f'[mysqld]\nwsrep_provider_options="{value}"\n')) == pairs_of(options)


@settings(max_examples=150, deadline=None)
@given(OPTIONS, st.dictionaries(KEY, VALUE, max_size=5))
def test_setting_keys_never_drops_or_reorders_others(current, new):
    pairs, diff = wsrep.merge(wsrep.format_options(current), new)
    keys = [k for k, dummy in pairs]
    # The current keys come first, in their order, followed by the new ones in the given order.
    assert keys == list(current) + [k for k in new if k not in current]
    for key, value in current.items():
        assert dict(pairs)[key] == (new[key] if key in new else value)
    assert diff['added'] == [k for k in new if k not in current]
    assert diff['changed'] == [k for k in current if k in new and new[k] != current[k]]


@settings(max_examples=150, deadline=None)
@given(OPTIONS, st.data())
def test_remove_then_set_equals_one_merge(current, data):
    keys = list(current)
    remove = data.draw(st.lists(st.sampled_from(keys), unique=True) if keys else st.just([]))
    new = data.draw(st.dictionaries(KEY.filter(lambda k: k not in remove), VALUE, max_size=4))
    text = wsrep.format_options(current)
    step1 = wsrep.merge(text, remove=remove)[0]
    step2 = wsrep.merge(wsrep.format_options(step1), new)[0]
    together, diff = wsrep.merge(text, new, remove)
    assert step2 == together
    assert not set(remove) & set(dict(together))
    assert diff['removed'] == [k for k in keys if k in remove]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(['a', 'b', 'c', 'd']), VALUE), max_size=10))
def test_duplicates_first_position_last_value(raw):
    text = '; '.join(f'{k}={v}' for k, v in raw)
    parsed = wsrep.parse(text)
    first_seen = []
    for key, dummy in raw:
        if key not in first_seen:
            first_seen.append(key)
    assert [k for k, dummy in parsed] == first_seen
    for key, value in parsed:
        assert value == [v for k, v in raw if k == key][-1]
    assert wsrep.parse_pairs(text) == raw


@settings(max_examples=100, deadline=None)
@given(OPTIONS, st.dictionaries(KEY, st.booleans(), max_size=4))
def test_merge_is_idempotent(current, new):
    first = wsrep.compute(wsrep.format_options(current), new)
    second = wsrep.compute(first['value'], new)
    assert second['changed'] is False
    assert second['value'] == first['value']


@settings(max_examples=100, deadline=None)
@given(OPTIONS, st.sampled_from(sorted(';=\\"\'#\n')))
def test_a_refused_character_anywhere_is_refused(options, char):
    assume(options)
    key = next(iter(options))
    with pytest.raises(WsrepError) as info:
        wsrep.merge(wsrep.format_options(options), {key: f'x{char}y'})
    assert info.value.key == key
