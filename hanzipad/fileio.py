"""Writing files safely: atomically, keeping what the user set up around the old file.

:func:`write_bytes` / :func:`write_text` write to a temporary file in the same folder
as the destination and rename it over the destination only once everything is on
disk, so a failure (a full disk, an error, Ctrl+C) leaves the old file as it was and
no temporary file behind.  Beyond that they

* write through a symbolic link to its (final) target: the link stays a link;
* keep the existing file's permission bits (a 0600 file stays 0600) and, where
  allowed, its owner; a new file gets the usual ``0666 & ~umask``;
* refuse to replace a read-only file (:class:`ReadOnlyFileError`), a folder
  (:class:`IsADirectoryError`) or anything that is not a regular file
  (:class:`NotAFileError`), even when running as root.

Extended attributes, ACLs and hard links to the old file are not carried over.
No Qt here: the GUI and the command line can both use it.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


class ReadOnlyFileError(PermissionError):
    """The destination exists and is read-only: it was left as it is."""


class NotAFileError(OSError):
    """The destination exists but is not a regular file (a pipe, a device, a socket)."""


def target_path(path: str | os.PathLike) -> Path:
    """Where writing ``path`` really goes: symbolic links followed to their final target."""
    path = Path(path)
    if not path.is_symlink():
        return path
    return Path(os.path.realpath(path))


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)  # no /proc: read it the classic way (and put it back)
    os.umask(old)
    return old


def _check_destination(target: Path, shown: str) -> os.stat_result | None:
    """The existing file's stat, None when there is none; raises when it must not be replaced."""
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", shown)
    if not stat.S_ISREG(st.st_mode):
        raise NotAFileError(errno.EINVAL, "not a regular file", shown)
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
            target, os.W_OK):
        raise ReadOnlyFileError(errno.EACCES, "the file is read-only", shown)
    return st


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see the module doc); returns the file written
    (the symlink's target when ``path`` is a symlink)."""
    target = target_path(path)
    old = _check_destination(target, str(path))
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if old is not None:
                mode = stat.S_IMODE(old.st_mode)
                if hasattr(os, "fchown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                    try:
                        os.fchown(fd, old.st_uid, old.st_gid)
                    except OSError:
                        pass  # not allowed: the file becomes ours, with its old mode
            else:
                mode = 0o666 & ~_umask()
            if hasattr(os, "fchmod"):
                os.fchmod(fd, mode)
            else:  # pragma: no cover - Windows before Python 3.13
                os.chmod(tmp, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        _check_destination(target, str(path))  # again, right before it is replaced
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    _sync_folder(target.parent)
    return target


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """:func:`write_bytes` for text; the text is encoded before anything is written."""
    return write_bytes(path, text.encode(encoding))


def _sync_folder(folder: Path) -> None:
    """Make the rename durable where the system allows it (best effort)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
