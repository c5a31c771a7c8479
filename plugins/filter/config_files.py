# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

# Documentation of each filter is in the sidecar files plugins/filter/<filter name>.yml.

from ansible.errors import AnsibleFilterError

from ansible_collections.dbtls.transport.plugins.module_utils import config_files
from ansible_collections.dbtls.transport.plugins.module_utils import files


def config_files_differ(wanted, read, key=None):
    """``files | dbtls.transport.config_files_differ(host.paths[, key])`` -> the dests a config_files run would write."""
    if not isinstance(wanted, list) or not isinstance(read, dict):
        raise AnsibleFilterError('config_files_differ: give the list of files and the read paths (a dict)')
    try:
        return config_files.differing(wanted, read, key or None)
    except (config_files.ConfigFilesError, files.FilesError) as exc:
        raise AnsibleFilterError(f'config_files_differ: {exc}') from exc


class FilterModule:
    """Comparing the files config_files would write with a node read, on the controller."""

    def filters(self):
        return {'config_files_differ': config_files_differ}
