# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This file only documents the tls_cert action plugin (plugins/action/tls_cert.py).

from __future__ import annotations

DOCUMENTATION = r'''
---
module: tls_cert
short_description: Issue a host certificate whose key is born on the host, signed by a CA on the controller
description:
  - An action plugin. The private key is generated B(on the target) by M(dbtls.transport.tls_keypair)
    and never leaves it; the target returns a certificate signing request, or, for a key that has a
    certificate already, its public key (decided on the controller; a certificate that is due then
    gets its CSR from a second M(dbtls.transport.tls_keypair) run).
  - The CA certificate and key are read B(on the controller), in memory only (never written to a temp
    file, never sent to a host). The CSR's self-signature, subject and SANs are checked before it is
    signed; only the certificate travels back to the host.
  - 'The certificate is installed with one shell command on the host (become applies): it is sent to
    the remote temp dir, written with C(install) beside its destination with its final mode, owner
    and group, renamed into place with C(mv -f) (atomic: same directory), and its SHA-256 compared on
    the controller with the bytes that were verified. Hosts without C(install), and a key replaced
    because O(key_type) changed, use a second M(dbtls.transport.tls_keypair) run instead.'
  - Idempotent. A certificate is issued only when one of these holds, and RV(reasons) says which -
    it is missing; the host's key changed (or was replaced because O(key_type) changed); its CN,
    SANs (compared as a set) or usage differ from the task; it was issued by another CA (issuer
    name, authority key identifier or signature); it has expired; fewer than
    O(renew_before_days) days are left; or O(force) is set. O(valid_days) and the serial are not
    compared.
  - 'Leaf certificates carry: basicConstraints CA:FALSE (critical); keyUsage digitalSignature, plus
    keyEncipherment for RSA keys only (critical); extendedKeyUsage serverAuth, clientAuth or both
    per O(usage); the SANs; subject and authority key identifiers; a random 159-bit serial;
    notBefore five minutes in the past for clock skew; notAfter at most the CA''s notAfter.'
  - Everything on the controller (CA files, passphrase, names) is checked before the target is
    touched, so bad input fails without changing anything. On the target, the folders of
    O(key_path) and O(cert_path) are checked (or, with O(folder_mode), created) before a key is
    generated; a task that fails after it generated a key removes that key again, and the folders
    it created, so a failed task leaves no file or folder it created.
  - 'Folders: with O(folder_mode), the first M(dbtls.transport.tls_keypair) run creates the missing
    folders of the task''s files and corrects the owner, group and mode of existing ones - no
    M(ansible.builtin.file) task and no extra module run per host.'
  - 'Intermediate CAs: when O(ca_cert_path) is an intermediate, O(chain_path) is required and must
    start with that CA, then the intermediates above it, without the root. The host''s certificate
    file then holds leaf + intermediates and its CA file only needs the root: Galera refuses a
    leaf-only file under an intermediate ("unable to get local issuer certificate").'
  - 'Vaulted files: O(ca_key_path) (and the other controller files) may be ansible-vault encrypted,
    and the PEM inside may also be passphrase-protected (O(ca_key_passphrase)). The file is
    decrypted in memory with the play''s vault secrets; no plaintext is written to a temporary
    file (the loader''s C(get_real_file) would do that, so it is not used).'
  - 'Bring your own: with O(certificate_src) and O(private_key_src) instead of O(ca_key_path), a
    certificate and key issued elsewhere are read on the controller, verified against the CA(s) in
    O(ca_cert_path) - chain (intermediates after the leaf in the file), key match, O(subject_alt_names)
    present, O(usage), at least O(renew_before_days) days left, CN different from the issuer''s CN,
    and the CN if O(common_name) is given - and installed B(byte for byte) by
    M(dbtls.transport.tls_keypair). Nothing is generated, signed or re-encoded; a certificate that
    fails a check is refused with a message naming the file, and nothing is sent to the host.'
  - 'CA bundle: with O(bundle), the host''s bundle of trusted CA certificates is built on the
    controller (the same bytes M(dbtls.transport.tls_bundle) writes) and written by the first
    M(dbtls.transport.tls_keypair) run of the task, so a host costs one module run for its keys,
    certificates and bundle when nothing is due.'
version_added: 0.1.0
author:
  - dbtls.transport maintainers (@dbtls)
requirements:
  - cryptography >= 3.3 on the controller and on the target
attributes:
  action:
    support: full
    description: Runs on the controller, calls M(dbtls.transport.tls_keypair) on the target and installs certificates with a shell command.
  check_mode:
    support: full
    description: Reports whether a certificate would be issued and why; nothing is generated, signed or written.
  diff_mode:
    support: full
    description: Shows the certificate metadata (subject, issuer, SANs, usage, validity, fingerprint) before and after; never key material.
  platform:
    support: full
    platforms: posix
    description: Runs on POSIX hosts.
options:
  key_path:
    description:
      - Path of the private key on the target.
      - Required unless O(certificates) is given.
    type: path
  cert_path:
    description:
      - Path of the certificate on the target (the leaf, then the O(chain_path) intermediates).
      - Required unless O(certificates) is given.
    type: path
  ca_cert_path:
    description:
      - Path of the issuing CA certificate B(on the controller) (see M(dbtls.transport.tls_ca)).
      - With O(certificate_src), the CA certificate(s) the brought certificate must chain to, normally
        the root (the file the hosts trust).
      - Relative paths are relative to the current directory of the controller; prefer absolute paths.
    type: path
    required: true
  ca_key_path:
    description:
      - Path of the CA private key B(on the controller). It is read in memory only; it may be
        ansible-vault encrypted.
      - Required unless O(certificate_src) is given.
    type: path
  ca_key_passphrase:
    description: Passphrase of an encrypted CA key.
    type: str
  common_name:
    description:
      - Common name of the certificate, for example the host name, or the user or Vitess caller ID
        for a client certificate.
      - It must differ from the CA's CN (MySQL and Percona XtraDB Cluster refuse such certificates).
      - Not with O(certificates), where each item has its own.
      - Required to issue a certificate. With O(certificate_src) it is optional and, when given, the
        brought certificate's CN must equal it.
    type: str
  subject_alt_names:
    description:
      - SANs, each C(DNS:<name>), C(IP:<IPv4 or IPv6 address>) or C(email:<address>); anything else is
        an error.
      - Required for O(usage=server) and O(usage=peer) - Go, and so Vitess, ignores the CN when
        matching host names.
    type: list
    elements: str
    default: []
  usage:
    description:
      - C(server) (serverAuth), C(client) (clientAuth) or C(peer) (both, for Galera replication, SST
        and services that dial each other).
    type: str
    choices: [server, client, peer]
    default: peer
  key_type:
    description:
      - Type of the host key. When the existing key is of another type, a new key is generated and
        replaces the old one together with the new certificate.
      - C(ecdsa) works on every channel tested (Galera, mariabackup SST, MySQL clients, Go). Use
        C(rsa) for Percona XtraDB Cluster 5.7, whose SST scripts check keys with C(openssl rsa).
    type: str
    choices: [rsa, ecdsa, ed25519]
    default: ecdsa
  key_size:
    description: RSA key size in bits (ignored for other key types).
    type: int
    default: 2048
  curve:
    description: ECDSA curve (ignored for other key types).
    type: str
    choices: [secp256r1, secp384r1]
    default: secp256r1
  valid_days:
    description:
      - Validity of a new certificate in days, capped at the CA certificate's own end of validity.
      - The default, 397 days, is the longest validity common TLS clients accept for server
        certificates; with O(renew_before_days) every certificate is renewed once a year by a normal run.
    type: int
    default: 397
  renew_before_days:
    description: Reissue when fewer days than this are left (an expired certificate is always reissued).
    type: int
    default: 30
  certificates:
    description:
      - Several certificates of the host in one task, instead of O(key_path), O(cert_path) and
        O(common_name). They share the CA, O(key_type), O(valid_days) and O(renew_before_days); the
        other options below default to the top-level ones.
      - 'Faster: one M(dbtls.transport.tls_keypair) run on the host returns every CSR (or public
        key) and one shell command installs every certificate that is due, instead of two module
        runs per certificate (a module run costs far more than signing). A later run with nothing
        due is one module run per host; a renewal adds one more for the CSRs of the certificates
        that are due.'
    type: list
    elements: dict
    suboptions:
      key_path:
        description: Path of the private key on the target.
        type: path
        required: true
      cert_path:
        description: Path of the certificate on the target.
        type: path
        required: true
      common_name:
        description: Common name of this certificate.
        type: str
        required: true
      subject_alt_names:
        description: SANs of this certificate (default O(subject_alt_names)).
        type: list
        elements: str
      usage:
        description: C(server), C(client) or C(peer) (default O(usage)).
        type: str
        choices: [server, client, peer]
      owner:
        description: Owner of this key and certificate (default O(owner)).
        type: str
      group:
        description: Group of this key and certificate (default O(group)).
        type: str
      key_mode:
        description: Mode of this key file (default O(key_mode)).
        type: raw
      cert_mode:
        description: Mode of this certificate file (default O(cert_mode)).
        type: raw
  chain_path:
    description:
      - File of intermediate CA certificates B(on the controller), written after the leaf in
        O(cert_path) (issuing CA first; not the root). Needed when O(ca_cert_path) is an intermediate CA.
      - Its order is checked - the issuing CA first, each next one the issuer of the one before, no
        self-signed root.
    type: path
  crl_path:
    description:
      - The CA's certificate revocation list B(on the controller) (PEM, as M(dbtls.transport.tls_crl)
        writes it). When it revokes the certificate currently at O(cert_path), the task fails naming
        the certificate and issues nothing in its place - not at renewal, not on any other change - so
        a revoked client or host does not quietly get a valid certificate back.
      - Only a CRL signed by the CA at O(ca_cert_path) counts, and only for certificates that CA
        issued (after a CA rotation the previous CA's CRL speaks for none of the new certificates).
      - To give a revoked host a new key and certificate, delete both files on the host first.
      - Not with O(certificate_src).
    type: path
  allow_ca_change:
    description:
      - Whether a certificate at O(cert_path) that the CA at O(ca_cert_path) did not issue may be
        replaced by one it issues.
      - V(false) fails the task instead, naming the certificate, and issues nothing - for hosts in a
        running cluster, whose peers trust the current issuer and would refuse the new certificate.
        The M(dbtls.transport.pki) role passes V(false) unless C(pki_allow_ca_change) is true;
        C(dbtls.transport.rotate_ca) changes the CA of a running cluster without that break.
      - Ignored with O(certificate_src), which deploys the given files as they are.
    type: bool
    default: true
  certificate_src:
    description:
      - Bring your own - a certificate file issued elsewhere B(on the controller) (leaf first, then its
        intermediates; ansible-vault encrypted or not), installed unchanged at O(cert_path) after it
        passed the checks. Give it with O(private_key_src) instead of O(ca_key_path).
    type: path
  private_key_src:
    description:
      - Bring your own - the unencrypted PEM key of O(certificate_src) B(on the controller), usually
        ansible-vault encrypted; installed unchanged at O(key_path). It is sent to the target as a
        module argument (never logged or returned) - the one case where a key travels, because it
        was born elsewhere.
    type: path
  force:
    description:
      - Issue a new certificate now for every certificate of the task, even when the one in place
        is current (as M(community.crypto.x509_certificate)'s O(force)); RV(reasons) says
        C(forced (force=true)). For a rerun that must replace certificates without deleting
        files on the host.
      - The host's key is kept (it is only generated when missing or of another O(key_type)).
      - It does not override the refusals - a certificate revoked by O(crl_path), or from another CA
        with O(allow_ca_change=false), still fails the task.
      - In check mode the task reports a change and nothing is signed or written.
      - Not with O(certificate_src).
    type: bool
    default: false
  backup:
    description:
      - Keep a copy of a certificate file (and of a key file) before this task replaces it, named
        C(<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~) beside it with its owner, group and mode, as
        M(ansible.builtin.copy) and M(community.crypto.x509_certificate) name theirs. RV(backup_file)
        and RV(key_backup_file) return the paths.
      - A key is replaced only when O(key_type) changes, or by O(private_key_src); a new key for a
        missing one replaces nothing.
      - Made on the host in the same command (or module run) that replaces the file; no extra
        round trip.
    type: bool
    default: false
  folder_mode:
    description:
      - Mode of the folders that hold the task's keys and certificates (O(key_path), O(cert_path),
        or those of every item of O(certificates)), for example C(0750).
      - When given, the first M(dbtls.transport.tls_keypair) run of the task creates a missing
        folder - with O(folder_owner), O(folder_group) and this mode - before it writes anything;
        missing folders above it are created C(0755) and owned by the user the module runs as (root
        with become), so that a folder closed to all but the database does not close its parents
        too (M(ansible.builtin.file) would give every missing parent the same mode). A new folder
        gets the SELinux policy's default label for its path.
      - An existing folder whose owner, group or mode differ is corrected and reported in
        RV(attributes_changed); in check mode only reported. The diff shows the folders created or
        corrected.
      - A task that fails removes the folders it created (those that are still empty).
      - Not given (the default), the folders must exist; they are neither created nor changed.
    type: raw
  folder_owner:
    description:
      - Owner of the folders of O(folder_mode) (a name or uid). Not given, a new folder is owned by
        the user the module runs as and an existing one keeps its owner.
      - Needs O(folder_mode).
    type: str
  folder_group:
    description:
      - Group of the folders of O(folder_mode) (a name or gid), for example the database's group
        that reads the keys. Not given, as O(folder_owner).
      - Needs O(folder_mode).
    type: str
  create_group:
    description:
      - Create the groups the host's files and folders are given (O(group), O(folder_group), the items'
        C(group), the bundle's C(group)) as system groups where they do not exist, in the first module run on
        the host, before anything is written (M(dbtls.transport.tls_keypair)'s O(dbtls.transport.tls_keypair#module:create_group)).
        A task that fails before a certificate or the bundle was installed removes them again.
      - For a service whose keys are installed with its own group before its role creates the service's
        user (the pki role's C(pki_service_group_create)). Without it, a missing group fails the task.
    type: bool
    default: false
  bundle:
    description:
      - Also install the host's CA bundle, a PEM file of trusted CA certificates (for C(ssl-ca),
        C(socket.ssl_ca) or Go's trust pool), in the same module run as the keys - instead of a
        M(dbtls.transport.tls_bundle) task and its module run.
      - The bundle is built on the controller with the rules of M(dbtls.transport.tls_bundle) (CA
        certificates only, duplicates dropped by SHA-256 fingerprint, the order given kept) and only
        its content travels. A warning names an intermediate CA given without its root.
      - It is written after the folders are ensured (O(folder_mode)) and the run's other inputs are
        checked, atomically with its final owner, group and mode, when its content differs;
        otherwise only its owner, group and mode are corrected. In check mode nothing is written.
      - Where a certificate on the host may be refused (O(allow_ca_change=false), or O(crl_path)),
        the first run only compares the bundle; one that differs is written once the host's
        certificates passed those checks, in the M(dbtls.transport.tls_keypair) run that asks for
        CSRs when there is one, else in a run of its own. A host whose certificate is refused keeps
        the bundle it trusts now, as it keeps its certificate. A rerun with nothing due is one
        module run either way.
      - Bad input (no certificate, a text that is not a PEM CA certificate, a bad mode, an unknown
        owner or group) fails the task before anything is written on the host.
      - A task that fails after it B(created) the bundle removes it again. A bundle that existed and
        was B(replaced) by the task keeps its new content when a later step of the task fails.
    type: dict
    suboptions:
      dest:
        description: Path of the bundle file on the target (absolute).
        type: path
        required: true
      certificates:
        description:
          - CA certificates as PEM text (one or more certificates per item); to add a file from the
            controller, pass its content, for example with C(lookup('ansible.builtin.file', path)).
          - Paths of files on the target are not accepted here (M(dbtls.transport.tls_bundle) takes them).
        type: list
        elements: str
        required: true
      owner:
        description: Owner of the bundle file (a name or uid); not given, a new file is owned by the user the module runs as.
        type: str
      group:
        description: Group of the bundle file (a name or gid); not given, as O(bundle.owner).
        type: str
      mode:
        description: Mode of the bundle file, for example C(0644).
        type: raw
        default: '0644'
  return_content:
    description:
      - Return the certificate file now at O(cert_path) (the leaf, then the O(chain_path)
        intermediates; in check mode the one in place) as RV(certificate).
      - The private key is B(never) returned, not with this option either - it does not leave the
        host.
    type: bool
    default: false
extends_documentation_fragment:
  - dbtls.transport.tls_files
  - dbtls.transport.tls_files.key_cert
notes:
  - The CA may also be kept on another host later (a C(ca_host) option); for now it is read on the controller.
  - O(key_type) of an existing key is enforced; O(valid_days) of an existing certificate is not.
seealso:
  - module: dbtls.transport.tls_ca
  - module: dbtls.transport.tls_keypair
  - module: dbtls.transport.tls_verify
'''

EXAMPLES = r'''
- name: Issue the host's peer certificate (serverAuth + clientAuth)
  dbtls.transport.tls_cert:
    key_path: /etc/dbtls/tls/peer.key
    cert_path: /etc/dbtls/tls/peer.crt
    ca_cert_path: "{{ inventory_dir }}/pki/ca.crt"
    ca_key_path: "{{ inventory_dir }}/pki/ca.key"
    common_name: "{{ inventory_hostname }}"
    subject_alt_names:
      - "DNS:{{ inventory_hostname }}"
      - "IP:{{ ansible_facts.default_ipv4.address }}"
    usage: peer
    owner: root
    group: mysql
    key_mode: "0640"
  register: peer_cert

- name: A client certificate whose CN is the MySQL user / Vitess caller ID
  dbtls.transport.tls_cert:
    key_path: /etc/dbtls/tls/client-app.key
    cert_path: /etc/dbtls/tls/client-app.crt
    ca_cert_path: /srv/pki/ca.crt
    ca_key_path: /srv/pki/ca.key
    ca_key_passphrase: "{{ vault_ca_passphrase }}"
    common_name: app_user
    usage: client
  no_log: true

- name: Sign with an intermediate CA whose key is ansible-vault encrypted (run with --vault-id)
  dbtls.transport.tls_cert:
    key_path: /etc/dbtls/tls/peer.key
    cert_path: /etc/dbtls/tls/peer.crt
    ca_cert_path: "{{ inventory_dir }}/pki/intermediate.crt"
    ca_key_path: "{{ inventory_dir }}/pki/intermediate.key"       # ansible-vault encrypted
    chain_path: "{{ inventory_dir }}/pki/intermediate.crt"        # the issuing CA, then any above it
    common_name: "{{ inventory_hostname }}"
    subject_alt_names: ["DNS:{{ inventory_hostname }}"]
    group: mysql
    key_mode: "0640"

- name: Deploy a certificate and key issued by the enterprise PKI, unchanged, after checking them
  dbtls.transport.tls_cert:
    key_path: /etc/dbtls/tls/peer.key
    cert_path: /etc/dbtls/tls/peer.crt
    ca_cert_path: "{{ inventory_dir }}/pki/root.crt"
    certificate_src: "{{ inventory_dir }}/pki/hosts/{{ inventory_hostname }}.crt"
    private_key_src: "{{ inventory_dir }}/pki/hosts/{{ inventory_hostname }}.key"   # vaulted
    subject_alt_names: ["DNS:{{ inventory_hostname }}"]
    usage: peer
    renew_before_days: 30      # fewer days left is refused: renew it at the enterprise CA
    group: mysql
    key_mode: "0640"

- name: All of a host's certificates in one task (one module run on the host, plus one shell command when issuing)
  dbtls.transport.tls_cert:
    ca_cert_path: /srv/pki/ca.crt
    ca_key_path: /srv/pki/ca.key
    group: mysql
    key_mode: "0640"
    # /etc/dbtls/tls is created root:mysql 0750 in the same module run (/etc/dbtls 0755 if missing)
    folder_mode: "0750"
    folder_owner: root
    folder_group: mysql
    certificates:
      - key_path: /etc/dbtls/tls/peer.key
        cert_path: /etc/dbtls/tls/peer.crt
        common_name: "{{ inventory_hostname }}"
        subject_alt_names: ["DNS:{{ inventory_hostname }}"]
        usage: peer
      - key_path: /etc/dbtls/tls/client-app.key
        cert_path: /etc/dbtls/tls/client-app.crt
        common_name: app_user
        usage: client
    # The CA bundle the database reads (ssl-ca), written in the same module run
    bundle:
      dest: /etc/dbtls/tls/ca-bundle.pem
      certificates:
        - "{{ lookup('ansible.builtin.file', '/srv/pki/ca.crt') }}"
      owner: root
      group: mysql
      mode: "0644"
  register: host_certs

- name: Reissue the host's certificate now (same key), keep a copy of the old one, return the new one
  dbtls.transport.tls_cert:
    key_path: /etc/dbtls/tls/peer.key
    cert_path: /etc/dbtls/tls/peer.crt
    ca_cert_path: /srv/pki/ca.crt
    ca_key_path: /srv/pki/ca.key
    common_name: "{{ inventory_hostname }}"
    subject_alt_names: ["DNS:{{ inventory_hostname }}"]
    force: true
    backup: true
    return_content: true      # the certificate only; the key is never returned
  register: reissued

- name: Show why a certificate was reissued
  ansible.builtin.debug:
    msg: "{{ peer_cert.reasons }}"
  when: peer_cert is changed
'''

RETURN = r'''
reasons:
  description: Why a certificate was (or in check mode would be) issued or rewritten; empty when none.
  returned: always
  type: list
  elements: str
  sample: ["SANs differ (have DNS:db1, want DNS:db1, IP:10.0.0.5)"]
key_generated:
  description: Whether a new key was (or would be) generated on the target.
  returned: always
  type: bool
verified:
  description:
    - Whether the certificate on the target after this task passed the checks that decide a reissue
      (the host's key, CN, SANs, usage, signed by this CA, not expired). A certificate installed by
      this task is checked on the bytes sent, and the file on the host must hold exactly those bytes
      (SHA-256); a certificate found in place is checked as read from its file.
    - A certificate that fails them after it was installed fails the task, so without check mode a
      task that succeeds has C(verified=true). False in check mode when a certificate would be issued.
  returned: always
  type: bool
results:
  description: With O(certificates), one result per item, in order, each with the other keys listed here.
  returned: with O(certificates)
  type: list
  elements: dict
certificate_src:
  description: The controller file whose bytes are (or would be) installed at O(cert_path).
  returned: with O(certificate_src)
  type: str
private_key_src:
  description: The controller file whose bytes are (or would be) installed at O(key_path).
  returned: with O(certificate_src)
  type: str
subject:
  description: Subject of the certificate now at O(cert_path) (RFC 4514).
  returned: when a certificate exists or was issued
  type: str
  sample: CN=db1.example
issuer:
  description: Issuer of that certificate.
  returned: when a certificate exists or was issued
  type: str
serial:
  description: Its serial number.
  returned: when a certificate exists or was issued
  type: int
serial_hex:
  description: Its serial number in colon hex.
  returned: when a certificate exists or was issued
  type: str
sans:
  description: Its subject alternative names.
  returned: when a certificate exists or was issued
  type: list
  elements: str
not_before:
  description: Start of validity (UTC, ISO 8601).
  returned: when a certificate exists or was issued
  type: str
not_after:
  description: End of validity (UTC, ISO 8601).
  returned: when a certificate exists or was issued
  type: str
days_left:
  description: Whole days left.
  returned: when a certificate exists or was issued
  type: int
fingerprint_sha256:
  description: SHA-256 fingerprint.
  returned: when a certificate exists or was issued
  type: str
key_type:
  description: Type of the certificate's key, for example C(ecdsa secp256r1).
  returned: when a certificate exists or was issued
  type: str
usage:
  description: C(server), C(client), C(peer) or C(none), from the extended key usage.
  returned: when a certificate exists or was issued
  type: str
attributes_changed:
  description:
    - Files and folders (O(folder_mode)) on the target whose owner, group or mode were (or would
      be) corrected, each with the names of what changed.
    - With O(certificates), the folders are reported at the top level and the files in each item's
      result.
  returned: when any
  type: dict
  sample: {"/etc/dbtls/tls": ["group", "mode"]}
groups_created:
  description: The groups O(create_group) created on the host (in check mode, would create).
  returned: with O(create_group), when any
  type: list
  elements: str
  sample: [vitess]
folders_created:
  description: The folders the task created on the target (in check mode, would create), outermost first.
  returned: with O(folder_mode), when any
  type: list
  elements: str
  sample: ["/etc/dbtls", "/etc/dbtls/tls"]
certificate:
  description:
    - The certificate file now at O(cert_path) in PEM (the leaf, then the intermediates); in check
      mode the one in place, null when there is none. Never the key.
  returned: with O(return_content)
  type: str
backup_file:
  description: The copy of the certificate file that was replaced.
  returned: with O(backup), when a certificate file was replaced
  type: str
  sample: /etc/dbtls/tls/peer.crt.2417.2026-12-06@05:31:07~
key_backup_file:
  description: The copy of the key file that was replaced (same owner, group and mode as the key).
  returned: with O(backup), when a key file was replaced
  type: str
bundle:
  description:
    - The CA bundle of O(bundle) on the target. Its diff (with C(--diff), when its content changes)
      lists the subject and fingerprint of each certificate before and after.
  returned: with O(bundle)
  type: dict
  contains:
    dest:
      description: Path of the bundle file.
      type: str
      returned: always
    changed:
      description: Whether the bundle's content, owner, group or mode were (or would be) changed.
      type: bool
      returned: always
    certificates:
      description: The certificates in the bundle, in order (subject, C(fingerprint_sha256), C(not_after)).
      type: list
      elements: dict
      returned: always
    count:
      description: Number of certificates in the bundle.
      type: int
      returned: always
    attributes_changed:
      description: Which of owner, group and mode were (or would be) corrected.
      type: list
      elements: str
      returned: when any
'''
