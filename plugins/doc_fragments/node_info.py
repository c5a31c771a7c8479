# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Attributes shared by the dbtls.transport modules that only read a host (galera_node_info,
host_info, served_info, service_log): the roles call them to read a node's state in one module
run and decide on the controller. The wording lives here once so that the modules cannot drift
apart.
"""

from __future__ import annotations


class ModuleDocFragment:

    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    description: The module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to show.
  platform:
    support: full
    platforms: posix
    description: Runs on systemd hosts.
'''
