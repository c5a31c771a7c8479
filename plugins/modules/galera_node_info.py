#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r'''
---
module: galera_node_info
short_description: Read what a Galera/PXC node runs and has, in one module run
description:
  - Reads everything the galera_tls role decides from on a node - the server's systemd state, its wsrep status and
    running C(wsrep_provider_options) (over the unix socket, as root, with PyMySQL), the options the server reads
    from its option files (C(my_print_defaults)), keyring settings and the digests of their key files, certificate
    files MySQL/PXC generated in the datadir, the DH parameters in the datadir and the ones the role would write,
    and whether socat is built with OpenSSL; with O(certificates), also checks the node's certificates as
    M(dbtls.transport.tls_verify) does, in the same run.
  - Changes nothing; the decisions are made on the controller from what it returns.
  - Secret option values (key-file passwords, vault tokens) are returned only as SHA-256 digests.
version_added: 0.2.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - PyMySQL on the node for the server's status (without it, or without the socket, C(sql.queried) is false)
extends_documentation_fragment:
  - dbtls.transport.node_info
  - dbtls.transport.certificate_checks
options:
  service:
    description: systemd unit of the server (C(mariadb), C(mysql)).
    type: str
    required: true
  login_unix_socket:
    description: The server's unix socket; the server is queried when it exists (root, unix_socket authentication).
    type: path
  print_defaults:
    description: Command that prints the server's effective options, one per line (C(my_print_defaults --mysqld)).
    type: list
    elements: str
    default: []
  keyring_option_pattern:
    description: Regular expression (searched in C(name=value)) that selects the keyring options.
    type: str
  keyring_key_file_options:
    description: Keyring options whose value is a file whose content must be equal on every node.
    type: list
    elements: str
    default: []
  keyring_config_files:
    description: Keyring component files whose content must be equal on every node, when they exist.
    type: list
    elements: path
    default: []
  datadir:
    description: The server's datadir, where O(datadir_files) are looked for.
    type: path
  datadir_files:
    description: Names of files in O(datadir) to describe, by role (C(ca), C(cert), C(key), ...). Links are not followed.
    type: dict
    default: {}
  dhparams_path:
    description: DH parameters file to check with C(openssl dhparam -check).
    type: path
  dhparams_wanted:
    description: DH parameters (PEM text) to check the same way, for example the ones a role would write.
    type: str
  check_socat:
    description: Whether to read socat's build options (C(socat -V)).
    type: bool
    default: false
  served_ports:
    description:
      - Ports whose certificate RV(served_ports) reads with C(openssl s_client) from the node itself, where the server
        runs (its socket exists) - the certificate the running server and Galera loaded, to compare with the file.
      - C(starttls) names the protocol that upgrades to TLS (C(mysql)); C(client_cert) shows O(served_client_cert)
        and O(served_client_key) to a port that wants a client certificate (Galera's).
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description: TCP port on 127.0.0.1.
        type: int
        required: true
      starttls:
        description: C(openssl s_client -starttls) protocol.
        type: str
      client_cert:
        description: Whether the port wants the client certificate.
        type: bool
        default: false
  served_client_cert:
    description: Client certificate for the ports of O(served_ports) that want one.
    type: path
  served_client_key:
    description: Its key.
    type: path
  checksums:
    description:
      - Files to describe in RV(files) with a keyed digest of their content (HMAC-SHA256 under O(checksum_key)) - the
        drop-ins a role writes, so that it can tell on the controller whether they differ (filter
        P(dbtls.transport.config_files_differ#filter) with the same key). A file holding a secret may be named, as without
        the key, the digest lets nobody test guesses of it.
    type: list
    elements: path
    default: []
  checksum_key:
    description: The key of O(checksums); required with them. Make a new random one for each run and keep it out of logs.
    type: str
  accounts:
    description:
      - Accounts to compare, when the server is queried, with the password and privileges a SQL user module
        (C(ansible.mariadb.mariadb_user), C(ansible.mysql.mysql_user)) would give them - C(accounts) in RV(sql). A caller skips
        that module where the account is C(current).
      - C(current) only where the comparison is exact - a C(mysql_native_password) hash equal to the password's and the same
        privileges on the same objects; another authentication plugin, column privileges or role grants are C(unknown).
        Neither the password nor its hash is returned.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The account's user name.
        type: str
        required: true
      host:
        description: The account's host part.
        type: str
        default: localhost
      password:
        description: The password it should have.
        type: str
        required: true
      priv:
        description: Its privileges, as the SQL user modules' C(priv) spells them (C(*.*:RELOAD,PROCESS/db.*:SELECT)).
        type: str
        default: ""
      require_ssl:
        description: Whether it must C(REQUIRE SSL); not compared when not given.
        type: bool
'''

EXAMPLES = r'''
- name: Read the node's state once
  dbtls.transport.galera_node_info:
    service: mariadb
    login_unix_socket: /run/mysqld/mysqld.sock
    print_defaults: [/usr/bin/my_print_defaults, --mysqld]
    keyring_option_pattern: '^(plugin-load|plugin-load-add)=.*key_management|^(file|hashicorp|aws)-key-management-'
    keyring_key_file_options: [file-key-management-filename]
    datadir: /var/lib/mysql
    datadir_files: {ca: ca.pem, cert: server-cert.pem, key: server-key.pem}
    dhparams_path: /var/lib/mysql/dhparams.pem
    dhparams_wanted: "{{ lookup('ansible.builtin.file', 'dhparams-ffdhe2048.pem') }}"
    check_socat: true
  register: node

- name: Bootstrap only where no node runs a Primary component
  ansible.builtin.debug:
    msg: "{{ node.sql.status.wsrep_cluster_status | default('not running') }}"
'''

RETURN = r'''
service:
  description:
    - The unit's C(active_state), C(sub_state) and C(unit_file_state) (systemctl show), C(started) (the epoch second its
      main process started, null when none runs), and an C(error) when systemd did not answer.
    - An option file whose RV(files) C(mtime) is later than C(started) was written after the server read its options.
  returned: always
  type: dict
  sample: {active_state: active, sub_state: running, unit_file_state: enabled, started: 1796547600, error: ""}
socket:
  description: Whether O(login_unix_socket) exists and is a socket.
  returned: always
  type: bool
sql:
  description:
    - C(queried) - the server answered; C(driver) - PyMySQL is importable on the node; C(status) - the wsrep status
      variables the role reads (C(wsrep_ready), C(wsrep_cluster_status), C(wsrep_local_state_comment),
      C(wsrep_cluster_size), C(wsrep_provider_version)); C(provider_options) - the running C(wsrep_provider_options);
      C(provider_plugin_active) - the wsrep_provider plugin is loaded (MariaDB 11.x; the provider's options are then
      system variables); C(error) - why the query failed (empty when it was not tried).
    - C(accounts) - for each of O(accounts) (when queried) C(name), C(host), C(state) (C(current), C(missing), C(differs)
      or C(unknown)) and C(reason).
    - C(ssl_cert) - the certificate file the running server names (its C(ssl_cert); empty where it has none or was
      not queried).
  returned: always
  type: dict
  sample: {queried: true, driver: true, error: "", status: {wsrep_cluster_status: Primary, wsrep_cluster_size: "3"},
           provider_options: "socket.ssl=YES", provider_plugin_active: false, accounts: [{name: mariabackup, host: localhost, state: current, reason: ""}],
           ssl_cert: /etc/dbtls/tls/peer.crt}
option_files:
  description:
    - C(provider_options) - the C(wsrep_provider_options) the server reads from its option files (the last occurrence);
      C(keyring) - the keyring settings as C({shown, digest}), then the digest of each key or component file;
      C(error) - why O(print_defaults) failed.
  returned: always
  type: dict
datadir_files:
  description:
    - For each role in O(datadir_files), described without following a link - C(path), C(exists), C(regular), C(link),
      C(link_target), C(checksum) (SHA-256 of a regular file), and the same C(owner), C(group), C(mode) and C(mtime) as
      P(dbtls.transport.host_info#module) returns.
  returned: always
  type: dict
dhparams:
  description:
    - C(current) (O(dhparams_path)) and C(wanted) (O(dhparams_wanted)), each C({ok, bits, error}), when asked for; C(file) - whether
      O(dhparams_path) exists, its C(owner), C(group) and C(mode).
  returned: always
  type: dict
  sample: {current: {ok: true, bits: 2048, error: ""}}
socat_openssl:
  description: Whether socat is built with OpenSSL; null when not asked, false when socat is missing.
  returned: always
  type: bool
served_ports:
  description:
    - For each port of O(served_ports), where the server runs - C(port), C(fingerprint) (the SHA-256 of the first
      certificate it presents, as C(openssl x509 -fingerprint -sha256) prints it; empty when none was read) and
      C(error) (why not). Empty where the server does not run.
  returned: always
  type: list
  elements: dict
  sample: [{port: 3306, fingerprint: "A5:9E:10:...", error: ""}]
files:
  description:
    - For each file of O(checksums), described as P(dbtls.transport.host_info#module) describes paths, with C(checksum)
      the HMAC-SHA256 of its content under O(checksum_key) (empty when it is not a readable regular file).
  returned: always
  type: dict
certificates:
  description:
    - For each entry of O(certificates), by its name - C(valid), C(findings), C(certificate) and C(chain), as
      M(dbtls.transport.tls_verify) returns them.
  returned: always
  type: dict
  sample: {server: {valid: true, findings: [], certificate: {subject: "CN=db1"}, chain: []}}
tls_files:
  description: Whether each certificate, key and CA file named in O(certificates) exists (links followed).
  returned: always
  type: dict
  sample: {/etc/dbtls/tls/peer.crt: true, /etc/dbtls/tls/peer.key: true}
'''

import os  # noqa: E402
import pwd  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible_collections.dbtls.transport.plugins.module_utils import commands, node_state, sql_accounts  # noqa: E402

ARGUMENT_SPEC = {
    'service': {'type': 'str', 'required': True},
    'login_unix_socket': {'type': 'path'},
    'print_defaults': {'type': 'list', 'elements': 'str', 'default': []},
    # Names and paths, not secrets (the option values they select are returned as digests).
    'keyring_option_pattern': {'type': 'str', 'no_log': False},
    'keyring_key_file_options': {'type': 'list', 'elements': 'str', 'default': [], 'no_log': False},
    'keyring_config_files': {'type': 'list', 'elements': 'path', 'default': [], 'no_log': False},
    'datadir': {'type': 'path'},
    'datadir_files': {'type': 'dict', 'default': {}},
    'dhparams_path': {'type': 'path'},
    'dhparams_wanted': {'type': 'str'},
    'check_socat': {'type': 'bool', 'default': False},
    'served_ports': {'type': 'list', 'elements': 'dict', 'default': [], 'options': {
        'port': {'type': 'int', 'required': True},
        'starttls': {'type': 'str'},
        'client_cert': {'type': 'bool', 'default': False},
    }},
    'served_client_cert': {'type': 'path'},
    'served_client_key': {'type': 'path'},
    'checksums': {'type': 'list', 'elements': 'path', 'default': []},
    'checksum_key': {'type': 'str', 'no_log': True},
    'certificates': node_state.CERTIFICATES_OPTION,
    'accounts': {'type': 'list', 'elements': 'dict', 'default': [], 'options': {
        'name': {'type': 'str', 'required': True},
        'host': {'type': 'str', 'default': 'localhost'},
        'password': {'type': 'str', 'required': True, 'no_log': True},
        'priv': {'type': 'str', 'default': ''},
        'require_ssl': {'type': 'bool'},
    }},
}


def server_query(socket_path, accounts):
    """A function that reads the wsrep status, provider options and the state of some accounts as
    root over the socket, or None without PyMySQL."""
    try:
        import pymysql  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None

    def query():
        # root's own client options (a password, where root does not use unix_socket), as the SQL modules read them.
        my_cnf = os.path.join(pwd.getpwuid(os.getuid()).pw_dir, '.my.cnf')
        extra = {'read_default_file': my_cnf} if os.path.isfile(my_cnf) else {}
        connection = pymysql.connect(unix_socket=socket_path, user='root', connect_timeout=10, **extra)
        try:
            with connection.cursor() as cursor:
                names = ', '.join(f"'{name}'" for name in node_state.STATUS_VARIABLES)
                cursor.execute(f'SHOW GLOBAL STATUS WHERE Variable_name IN ({names})')
                status = {str(name): str(value) for name, value in cursor.fetchall()}
                try:
                    cursor.execute('SELECT @@GLOBAL.wsrep_provider_options')
                    row = cursor.fetchone()
                    options = str(row[0]) if row and row[0] is not None else ''
                except pymysql.MySQLError:
                    options = ''  # a server without wsrep has no such variable
                # MariaDB 11.x can load the provider as a plugin (by default in 11.8): its options are
                # then system variables, which changes how TLS files are reloaded.
                cursor.execute("SELECT COUNT(*) FROM information_schema.PLUGINS"
                               " WHERE PLUGIN_NAME = 'wsrep_provider' AND PLUGIN_STATUS = 'ACTIVE'")
                row = cursor.fetchone()
                plugin_active = bool(row and int(row[0]) > 0)
                # The certificate file the server names (the one it loaded at its start or last FLUSH SSL).
                cursor.execute('SELECT @@GLOBAL.ssl_cert')
                row = cursor.fetchone()
                ssl_cert = str(row[0]) if row and row[0] is not None else ''
                account_states = sql_accounts.read_accounts(cursor, accounts)
        finally:
            connection.close()
        return {'status': status, 'provider_options': options, 'provider_plugin_active': plugin_active,
                'accounts': account_states, 'ssl_cert': ssl_cert}

    return query


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params

    run = commands.command_runner(module)

    def which(name):
        return module.get_bin_path(name)

    query = server_query(params['login_unix_socket'], params['accounts']) if params['login_unix_socket'] else None
    try:
        result = node_state.read_galera_node(run, query, params, which)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    try:
        result.update(node_state.check_certificates(params['certificates']))
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, **result)


if __name__ == '__main__':
    main()
