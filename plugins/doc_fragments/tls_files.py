# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Options shared by the dbtls.transport modules that write key, certificate and CRL files.

Every such file is written by plugins/module_utils/files.py: a 0600 temporary file beside the
target, final owner, group and mode set, fsync, rename. The wording lives here once so that the
modules cannot drift apart.

- ``dbtls.transport.tls_files``: owner and group.
- ``dbtls.transport.tls_files.key_cert``: key_mode and cert_mode, for modules writing a key and
  its certificate.
- ``dbtls.transport.tls_files.public_mode``: mode, for modules writing one public file.
"""

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r'''
options:
  owner:
    description:
      - Owner of the files written (user name or uid).
      - When unset, a new file belongs to the user the module runs as and an existing file keeps
        its owner.
    type: str
  group:
    description:
      - Group of the files written (group name or gid), for example the database's group so that
        it can read a key with mode C(0640).
      - When unset, a new file gets the group the module runs as and an existing file keeps its group.
    type: str
notes:
  - Files are written atomically with their final owner, group and mode from the first byte on (a
    C(0600) temporary file beside the target is renamed over it), so a key is never readable by
    anyone else, not even for a moment.
  - Where SELinux is enabled, the file gets its label before the rename - the label of the file it
    replaces, else the policy's default for its path (what C(restorecon) sets) - as
    M(ansible.builtin.copy) does; without SELinux nothing is labelled.
'''

    KEY_CERT = r'''
options:
  key_mode:
    description:
      - Mode of the private key file, as an octal string, for example C('0600'), or C('0640') to
        let O(group) read it.
      - Modes that let other users read or write the key are refused.
    type: raw
    default: '0600'
  cert_mode:
    description: Mode of the certificate file, as an octal string.
    type: raw
    default: '0644'
'''

    PUBLIC_MODE = r'''
options:
  mode:
    description: Mode of the file, as an octal string. It holds only public data.
    type: raw
    default: '0644'
'''
