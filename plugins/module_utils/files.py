# -*- coding: utf-8 -*-
# Copyright (c) 2026, dbtls.transport maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Atomic file writes with the final owner, group and mode from the start (standard library only).

A new file is created as a temporary file in the target's own directory with ``os.open(...,
0o600)`` (never wider, whatever the umask), written and fsynced; then ``fchown`` and ``fchmod``
give it its final owner, group and mode while nobody else can open it yet; ``os.replace`` puts it in
place and the directory is fsynced. A key is therefore never readable by anyone else at any
moment, and readers see either the old or the new content, never a partial file.

:func:`write_files` stages several files first and renames them only when all of them could be
written, so that a failure (an unwritable directory, an unknown group) changes nothing on disk.

Where SELinux is enabled, the temporary file gets its label before the rename, as
AnsibleModule.atomic_move gives it after: the label of the file it replaces (a key relabelled by the
admin stays readable by the service), else the policy's default label for the destination path
(``matchpathcon``, what ``restorecon`` would set). Folders created for a file get their default
label too. The labels are read and set through a :class:`Labels` object: the module runner hands
in one built on AnsibleModule's own SELinux methods (see module_runner.py); elsewhere the Python
``selinux`` bindings (python3-libselinux) are used when they can be imported, and without them, or
with SELinux disabled, labels are left to the kernel (a new file takes its folder's type).
"""

from __future__ import annotations

import contextlib
import errno
import grp
import os
import pwd
import secrets
import stat
import time
import typing as t
from dataclasses import dataclass


class FilesError(Exception):
    """A file could not be read or written; the message names the path."""


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


class Labels:
    """SELinux file labels through a libselinux binding: the Python ``selinux`` module
    (python3-libselinux) or any object with its functions ``lgetfilecon_raw``, ``matchpathcon``
    and ``lsetfilecon`` (ansible-core's ``ansible.module_utils.compat.selinux`` has them too).

    A label is the whole context string, e.g. ``system_u:object_r:mysqld_etc_t:s0``; None means
    "none known", and nothing is set then.
    """

    def __init__(self, binding: t.Any) -> None:
        self._binding = binding

    def of(self, path: str) -> str | None:
        """The label of ``path`` (not following a symlink), or None."""
        try:
            rc, context = self._binding.lgetfilecon_raw(path)
        except OSError:
            return None
        return context if rc >= 0 and context else None

    def default(self, path: str, mode: int) -> str | None:
        """The label the loaded policy gives ``path`` (``mode``: its file type bits, e.g.
        ``stat.S_IFREG``), as restorecon would set it; None where no rule matches."""
        try:
            rc, context = self._binding.matchpathcon(path, mode)
        except OSError:
            return None
        return context if rc >= 0 and context else None

    def apply(self, path: str, context: str) -> None:
        """Give ``path`` the label ``context``; FilesError (without the path: the caller names the
        file it was writing) when that fails."""
        try:
            rc = self._binding.lsetfilecon(path, context)
        except OSError as exc:
            raise FilesError(f'cannot set the SELinux label {context}: {_describe(exc)}') from None
        if rc not in (0, None):
            raise FilesError(f'cannot set the SELinux label {context}')


# The labeller in use: set for the duration of a module run by labelling(), else found once by
# host_labels(). _UNSET: not looked for yet.
_UNSET = object()
_labels: t.Any = _UNSET
_host_labels: t.Any = _UNSET


def host_labels() -> Labels | None:
    """Labels over the Python ``selinux`` bindings when they can be imported and SELinux is
    enabled on this host, else None (no SELinux, or no bindings: nothing is labelled)."""
    global _host_labels  # pylint: disable=global-statement
    if _host_labels is _UNSET:
        _host_labels = None
        try:
            import selinux  # pylint: disable=import-outside-toplevel,import-error
        except ImportError:
            selinux = None
        if selinux is not None:
            try:
                if selinux.is_selinux_enabled() == 1:
                    _host_labels = Labels(selinux)
            except (AttributeError, OSError):
                pass
    return _host_labels


def current_labels() -> t.Any:
    """The labeller the writes use now (see labelling()), or None."""
    return host_labels() if _labels is _UNSET else _labels


@contextlib.contextmanager
def labelling(labels: t.Any) -> t.Iterator[None]:
    """Use ``labels`` (an object with of(), default() and apply() like :class:`Labels`, or None for
    no labelling) for the writes made inside the ``with`` block."""
    global _labels  # pylint: disable=global-statement
    previous, _labels = _labels, labels
    try:
        yield
    finally:
        _labels = previous


def parse_mode(mode: t.Any, option: str = 'mode') -> int | None:
    """``'0640'``, ``'640'``, ``'0o640'`` or an int (YAML ``0640`` arrives as 416) to an int."""
    if mode is None or mode == '':
        return None
    if isinstance(mode, bool):
        raise FilesError(f'{option}: {mode!r} is not a file mode')
    if isinstance(mode, int):
        value = mode
    else:
        text = str(mode).strip()
        if text.lower().startswith('0o'):
            text = text[2:]
        try:
            value = int(text, 8)
        except ValueError:
            raise FilesError(f'{option}: {mode!r} is not an octal file mode like "0640" '
                             '(symbolic modes are not supported)') from None
    if not 0 <= value <= 0o7777:
        raise FilesError(f'{option}: {mode!r} is out of range')
    return value


def resolve_owner(owner: t.Any, option: str = 'owner') -> int:
    """A user name or uid to a uid; -1 (leave as is) when not given."""
    if owner is None or owner == '':
        return -1
    text = str(owner)
    try:
        return pwd.getpwnam(text).pw_uid
    except KeyError:
        if text.isdigit():
            return int(text)
    raise FilesError(f'{option}: user {owner!r} does not exist on this host')


def resolve_group(group: t.Any, option: str = 'group') -> int:
    """A group name or gid to a gid; -1 (leave as is) when not given."""
    if group is None or group == '':
        return -1
    text = str(group)
    try:
        return grp.getgrnam(text).gr_gid
    except KeyError:
        if text.isdigit():
            return int(text)
    raise FilesError(f'{option}: group {group!r} does not exist on this host')


def unused_gid() -> int:
    """A gid that no group of the host has (one above the highest): what check mode compares files
    with when their group is yet to be created."""
    return max((entry.gr_gid for entry in grp.getgrall()), default=0) + 1


def read_file(path: str, max_size: int = 10 * 1024 * 1024) -> bytes | None:
    """The content of ``path``, or None when it does not exist."""
    try:
        with open(path, 'rb') as handle:
            data = handle.read(max_size + 1)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise FilesError(f'{path}: is a directory, not a file') from None
    except NotADirectoryError:
        raise FilesError(f'{path}: cannot be read: a parent of it is not a directory') from None
    except OSError as exc:
        raise FilesError(f'{path}: cannot be read: {_describe(exc)}') from None
    if len(data) > max_size:
        raise FilesError(f'{path}: larger than {max_size} bytes; not a PEM file')
    return data


def read_required(path: str, option: str) -> bytes:
    """The content of ``path``; a missing file is an error naming it and the option it came from."""
    data = read_file(path)
    if data is None:
        raise FilesError(f'{path}: no such file ({option})')
    return data


def attribute_changes(path: str, mode: int | None, owner: t.Any = None, group: t.Any = None) -> dict:
    """{'mode': (have, want), 'owner': ..., 'group': ...} for the attributes that differ."""
    st = os.stat(path)
    uid, gid = resolve_owner(owner), resolve_group(group)
    changes = {}
    if mode is not None and stat.S_IMODE(st.st_mode) != mode:
        changes['mode'] = (f'{stat.S_IMODE(st.st_mode):04o}', f'{mode:04o}')
    if uid != -1 and st.st_uid != uid:
        changes['owner'] = (st.st_uid, uid)
    if gid != -1 and st.st_gid != gid:
        changes['group'] = (st.st_gid, gid)
    return changes


def ensure_attributes(path: str, mode: int | None, owner: t.Any = None, group: t.Any = None,
                      check_mode: bool = False) -> dict:
    """Give an existing file its owner, group and mode; return what changed (or would).

    The mode is first narrowed to what both the old and the new mode allow, then the owner and
    group change, then the final mode is set: a key never becomes readable by the old or the new
    group while the other attribute is still wrong.
    """
    try:
        changes = attribute_changes(path, mode, owner, group)
        if not changes or check_mode:
            return changes
        st = os.stat(path)
        current = stat.S_IMODE(st.st_mode)
        if mode is not None and current & ~mode:
            os.chmod(path, current & mode)
        uid, gid = resolve_owner(owner), resolve_group(group)
        if 'owner' in changes or 'group' in changes:
            os.chown(path, uid, gid)
        if mode is not None:
            os.chmod(path, mode)
    except OSError as exc:
        raise FilesError(f'{path}: cannot set owner/group/mode: {_describe(exc)}') from None
    return changes


@dataclass
class FileSpec:
    """One file for write_files(): its content and final attributes (None keeps the current
    file's value, else the creating process's / ``default_mode``). ``label_from``: the file whose
    SELinux label it takes (None: the file it replaces, else the policy default for its path)."""

    path: str
    content: bytes
    mode: int | None = None
    owner: t.Any = None
    group: t.Any = None
    default_mode: int = 0o600
    label_from: str | None = None


def _missing_directories(path: str, target: str = '') -> list[str]:
    """The folders from the outermost missing one down to ``path`` that do not exist yet.

    A path on the way that exists as something other than a folder is refused (``target``, the
    folder the caller is creating, named in the message when given)."""
    missing = []
    current = path
    while current and not os.path.isdir(current):
        if os.path.lexists(current):
            suffix = f'; the folder {target} cannot be created' if target else ''
            raise FilesError(f'{current}: exists and is not a directory{suffix}')
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    missing.reverse()
    return missing


def _make_parents(directory: str, parent_mode: int, created: list[str]) -> None:
    for path in _missing_directories(directory):
        try:
            os.mkdir(path, parent_mode)
        except FileExistsError:
            continue
        except OSError as exc:
            raise FilesError(f'{path}: cannot create the directory: {_describe(exc)}') from None
        created.append(path)
        _label_new_directory(path)


def _label_new_directory(path: str) -> None:
    """Give a folder this run created the SELinux policy's default label for its path."""
    labels = current_labels()
    context = labels.default(path, stat.S_IFDIR) if labels is not None else None
    if context:
        try:
            labels.apply(path, context)
        except FilesError as exc:
            raise FilesError(f'{path}: {exc}') from None


def _label_for(spec: FileSpec, path: str, existing: os.stat_result | None, mode: int) -> tuple[t.Any, str | None]:
    """The labeller and the SELinux label the new file of ``spec`` gets (see the module docstring)."""
    labels = current_labels()
    if labels is None:
        return None, None
    source = spec.label_from or (path if existing is not None else None)
    context = labels.of(source) if source else None
    return labels, context or labels.default(path, stat.S_IFREG | mode)


def _stage(spec: FileSpec, parent_mode: int | None, created_dirs: list[str]) -> str:
    """Write ``spec`` to a 0600 temp file beside its destination with its final attributes."""
    path = os.path.abspath(spec.path)
    directory = os.path.dirname(path)
    if parent_mode is not None:
        _make_parents(directory, parent_mode, created_dirs)
    elif not os.path.isdir(directory):
        raise FilesError(f'{spec.path}: the directory {directory} does not exist')
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise FilesError(f'{spec.path}: cannot be written: {_describe(exc)}') from None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        raise FilesError(f'{spec.path}: exists and is not a regular file')
    mode = spec.mode
    if mode is None:
        mode = stat.S_IMODE(existing.st_mode) if existing is not None else spec.default_mode
    uid, gid = resolve_owner(spec.owner), resolve_group(spec.group)
    if uid == -1 and existing is not None and spec.owner is None:
        uid = existing.st_uid
    if gid == -1 and existing is not None and spec.group is None:
        gid = existing.st_gid

    labels, context = _label_for(spec, path, existing, mode)

    tmp = os.path.join(directory, f'.{os.path.basename(path)}.{secrets.token_hex(6)}.tmp')
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0) | getattr(os, 'O_CLOEXEC', 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except OSError as exc:
        raise FilesError(f'{spec.path}: cannot write in {directory}: {_describe(exc)}') from None
    try:
        try:
            view = memoryview(spec.content)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        # Labelled before the rename: the file never appears under its name with another label.
        if context:
            try:
                labels.apply(tmp, context)
            except FilesError as exc:
                raise FilesError(f'{spec.path}: {exc}') from None
    except OSError as exc:
        _unlink_quietly(tmp)
        raise FilesError(f'{spec.path}: cannot write in {directory}: {_describe(exc)}') from None
    except BaseException:
        _unlink_quietly(tmp)
        raise
    return tmp


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_dir(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


def backup_name(path: str) -> str:
    """Where a backup of ``path`` goes: ``<path>.<pid>.<YYYY-MM-DD@HH:MM:SS>~`` in local time, the
    name ansible.builtin.copy and community.crypto give their backups."""
    return f'{path}.{os.getpid()}.{time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime())}'


def _backup_spec(path: str) -> FileSpec | None:
    """A copy of the existing regular file ``path`` with its owner, group, mode and label, or None when
    there is no such file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FilesError(f'{path}: cannot be read for its backup: {_describe(exc)}') from None
    if not stat.S_ISREG(st.st_mode):
        return None
    data = read_file(path)
    if data is None:
        return None
    return FileSpec(backup_name(path), data, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, label_from=path)


def write_files(specs: t.Sequence[FileSpec], parent_mode: int | None = None,
                backup: bool = False) -> dict[str, str]:
    """Write all files, or none: every temp file is staged before the first rename.

    ``parent_mode``: create missing parent directories with this mode (None: they must exist).
    ``backup``: keep a copy of each file that is replaced (see backup_name()), with the file's
    owner, group, mode and SELinux label; the copies are staged with the new files, so a failure leaves none.
    Returns {path: backup path} for the files that had one.
    """
    staged: list[tuple[str, str]] = []
    created_dirs: list[str] = []
    backups: dict[str, str] = {}
    try:
        for spec in specs:
            path = os.path.abspath(spec.path)
            copy = _backup_spec(path) if backup else None
            if copy is not None:
                staged.append((_stage(copy, None, created_dirs), copy.path))
                backups[spec.path] = copy.path
            staged.append((_stage(spec, parent_mode, created_dirs), path))
    except BaseException:
        for tmp, _path in staged:
            _unlink_quietly(tmp)
        for directory in reversed(created_dirs):
            try:
                os.rmdir(directory)
            except OSError:
                pass
        raise
    for tmp, path in staged:
        try:
            os.replace(tmp, path)
        except OSError as exc:
            _unlink_quietly(tmp)
            raise FilesError(f'{path}: cannot be replaced: {_describe(exc)}') from None
        _fsync_dir(os.path.dirname(path))
    return backups


def check_directories(paths: t.Iterable[tuple[str, str]], writable: bool = True) -> None:
    """Fail, naming the option and the path, unless the folder of every (option, path) exists (and,
    with ``writable``, can take a new file): checked before anything is generated, so that a folder
    that cannot take one file does not leave the other ones written."""
    for option, path in paths:
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            what = 'is not a directory' if os.path.lexists(directory) else 'does not exist'
            raise FilesError(f'{path}: the folder {directory} {what} ({option}); nothing was written')
        if writable and not os.access(directory, os.W_OK | os.X_OK):
            raise FilesError(f'{path}: the folder {directory} is not writable ({option}); nothing was written')


def folder_state(path: str) -> dict | None:
    """{'mode': '0750', 'owner': uid, 'group': gid} of the folder ``path``, or None when it does
    not exist (for a diff)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FilesError(f'{path}: cannot be read: {_describe(exc)}') from None
    return {'mode': f'{stat.S_IMODE(st.st_mode):04o}', 'owner': st.st_uid, 'group': st.st_gid}


def ensure_folder(path: str, mode: int, owner: t.Any = None, group: t.Any = None,
                  check_mode: bool = False, created: list[str] | None = None,
                  parent_mode: int = 0o755) -> tuple[list[str], dict]:
    """Make sure the folder ``path`` exists with ``owner``, ``group`` and ``mode``.

    A missing folder is created with them; missing folders above it are created first with
    ``parent_mode`` and the owner of this process (root under become), so that a restrictive
    folder for keys does not lock other services out of its parents (as ``ansible.builtin.file``
    would, giving every missing parent the folder's own mode). The folder itself is made 0700 first,
    then gets its owner and group, then its mode: it is never open to a group or owner it is not
    meant for. Each new folder gets the SELinux policy's default label for its path, as files do.

    An existing folder gets its owner, group and mode corrected (see ensure_attributes()).
    Returns (the folders created, or in check mode that would be, outermost first; the
    attributes corrected, as ensure_attributes() returns them). Folders created are added to
    ``created`` as they are made, so that a failure later in the run can remove them again
    (remove_folders())."""
    path = os.path.abspath(path)
    if os.path.isdir(path):
        return [], ensure_attributes(path, mode, owner, group, check_mode)
    missing = _missing_directories(path, target=path)
    uid, gid = resolve_owner(owner, 'folder_owner'), resolve_group(group, 'folder_group')
    if check_mode:
        return missing, {}
    for directory in missing:
        leaf = directory == path
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue
        except OSError as exc:
            raise FilesError(f'{directory}: cannot create the directory: {_describe(exc)}') from None
        if created is not None:
            created.append(directory)
        try:
            # mkdir's mode is narrowed by the umask: the final mode is set explicitly.
            if leaf and (uid != -1 or gid != -1):
                os.chown(directory, uid, gid)
            os.chmod(directory, mode if leaf else parent_mode)
        except OSError as exc:
            raise FilesError(f'{directory}: cannot set owner/group/mode: {_describe(exc)}') from None
        _label_new_directory(directory)
    return missing, {}


def remove_folders(paths: t.Iterable[str]) -> None:
    """Remove folders this run created (innermost first), after a later step failed; a folder
    that is not empty, or is gone, is left alone."""
    for path in reversed(list(paths)):
        try:
            os.rmdir(path)
        except OSError:
            pass


def remove_files(paths: t.Iterable[str]) -> None:
    """Remove files this run created, after a later step failed (missing ones are skipped)."""
    for path in paths:
        _unlink_quietly(path)


def atomic_write(path: str, content: bytes, mode: int | None = None, owner: t.Any = None,
                 group: t.Any = None, default_mode: int = 0o600, parent_mode: int | None = None,
                 backup: bool = False) -> str | None:
    """Atomically replace ``path`` with ``content``; see the module docstring. Returns the path of
    the backup of the replaced file (``backup``), else None."""
    backups = write_files([FileSpec(path, content, mode, owner, group, default_mode)],
                          parent_mode=parent_mode, backup=backup)
    return backups.get(path)
