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

import contextlib
import errno
import json
import math
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hanzipad.errors import HanziPadError, kind_of, with_reason


class ReadOnlyFileError(PermissionError):
    """The destination exists and is read-only: it was left as it is."""


class NotAFileError(OSError):
    """The destination exists but is not a regular file (a pipe, a device, a socket)."""

    #: What it is instead ("a FIFO (named pipe)", "a character device", …).
    kind = "a special file"


class ContentError(HanziPadError, ValueError):
    """A file's content refused by a bounded reader (too large, too deep, not JSON), with a
    code (:mod:`hanzipad.errors`) and a one-line message naming the file."""


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
        raise with_reason(IsADirectoryError(errno.EISDIR, "is a folder, not a file", shown),
                          "file.is_folder")
    if not stat.S_ISREG(st.st_mode):
        raise with_reason(NotAFileError(errno.EINVAL, "not a regular file", shown),
                          "file.special")
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
            target, os.W_OK):
        raise with_reason(ReadOnlyFileError(errno.EACCES, "the file is read-only", shown),
                          "file.read_only")
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


@contextlib.contextmanager
def locked(path: str | os.PathLike) -> Iterator[None]:
    """Hold a lock for a read-modify-write of the small file ``path`` (a profile, a run's
    ``figures.json``): two programs updating it at once each keep the other's change instead
    of the last write dropping it. It waits for the other (a write takes milliseconds). The
    lock file is ``.NAME.lock`` beside it (kept: removing it would race with the next taker);
    where the system cannot lock (Windows, some network mounts) nothing is held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path = Path(path)
    fd = os.open(path.with_name(f".{path.name}.lock"),
                 os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                 | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                raise
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def replacing(path: str | os.PathLike, temp: str | None = None) -> Iterator[Path]:
    """For a writer that needs a file name (Keras' ``model.save``, ``np.save``): a temporary
    path beside ``path`` (``temp``, a name in the same folder, or a fresh ``.NAME.*.tmpSUFFIX``
    one) to write; when the block ends without an exception it replaces ``path`` atomically,
    else it is removed. The same checks as :func:`write_bytes` (a read-only file, a folder,
    a FIFO is never replaced); an OSError names ``path`` (:func:`write_error`)."""
    target = target_path(path)
    _check_destination(target, str(path))
    if temp is None:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=f".tmp{target.suffix}",
                                        dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
    else:
        tmp = target.parent / temp
    try:
        yield tmp
        _check_destination(target, str(path))
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, WriteError):
            raise write_error(exc, path) from None
        raise
    _sync_folder(target.parent)


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


# --- Reading: bounded JSON and one file-type check -------------------------------------------

#: Largest JSON file :func:`read_json` reads unless told otherwise.
DEFAULT_MAX_JSON_BYTES = 8 * 1024 * 1024

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _too_deep(text: str, max_depth: int) -> bool:
    """Whether the brackets outside strings nest deeper than ``max_depth`` (or do not pair up:
    then json.loads says where). Linear time: a running sum of +1/-1 over the brackets."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if len(brackets) <= max_depth:
        return False  # n brackets cannot nest deeper than n
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency; a slower way without it
        depth = top = 0
        for c in brackets:
            depth += 1 if c in "[{" else -1
            top = max(top, depth)
            if depth < 0:
                return True
        return top > max_depth or depth != 0
    codes = np.frombuffer(brackets.encode("ascii"), np.uint8)
    depth = np.cumsum(np.where((codes == 91) | (codes == 123), 1, -1), dtype=np.int64)
    return bool(depth.max() > max_depth or depth.min() < 0 or depth[-1] != 0)


def loads_bounded(text: str, *, max_depth: int = 64, max_number_digits: int = 40,
                  what: str = "") -> object:
    """``json.loads`` that refuses what would hang or crash a reader: nesting deeper than
    ``max_depth``, numbers longer than ``max_number_digits`` digits, floats that overflow
    to infinity, and NaN/Infinity.  Every refusal is a :class:`ValueError` with a one-line
    message that starts with ``what`` (a file name, say) when given: a
    :class:`ContentError`."""

    def parse_int(s: str) -> int:
        if len(s.lstrip("-")) > max_number_digits:
            raise ContentError.coded("json.too_many_digits", what, limit=max_number_digits)
        return int(s)

    def parse_float(s: str) -> float:
        if sum(c.isdigit() for c in s) > max_number_digits:
            raise ContentError.coded("json.too_many_digits", what, limit=max_number_digits)
        value = float(s)
        if math.isinf(value):
            raise ContentError.coded("json.number_too_large", what, start=s[:20])
        return value

    def parse_constant(s: str) -> float:
        raise ContentError.coded("json.not_a_number", what, text=s)

    if not isinstance(text, str):
        raise TypeError("loads_bounded takes text (str)")
    if _too_deep(text, max_depth):
        try:
            json.loads(text)
        except json.JSONDecodeError as e:
            raise ContentError.coded("json.invalid", what, detail=str(e)) from None
        except RecursionError:
            pass
        except ValueError:
            pass
        raise ContentError.coded("json.too_deep", what, limit=max_depth)
    try:
        return json.loads(text, parse_int=parse_int, parse_float=parse_float,
                          parse_constant=parse_constant)
    except json.JSONDecodeError as e:
        raise ContentError.coded("json.invalid", what, detail=str(e)) from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise ContentError.coded("json.too_deep", what, limit=max_depth) from None


def check_regular_file(path: str | os.PathLike, what: str = "") -> os.stat_result:
    """The file's stat when ``path`` is a regular file (symbolic links followed); otherwise a
    :class:`NotAFileError` (or :class:`IsADirectoryError`, :class:`FileNotFoundError`) whose
    message is one line naming the path.  Call it before opening anything a user named: a FIFO
    would block the open forever, a device could be read forever."""
    shown = what or str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise with_reason(FileNotFoundError(errno.ENOENT, "no such file", shown),
                          "file.missing") from None
    _refuse_kind(st, shown)
    return st


def _refuse_kind(st: os.stat_result, shown: str) -> None:
    if stat.S_ISREG(st.st_mode):
        return
    kind = kind_of(st.st_mode)
    if stat.S_ISDIR(st.st_mode):
        raise with_reason(IsADirectoryError(errno.EISDIR, f"is {kind}, not a file", shown),
                          "file.is_folder")
    refusal = with_reason(NotAFileError(errno.EINVAL, f"is {kind}, not a regular file", shown),
                          "file.not_regular", kind=kind)
    refusal.kind = str(kind)
    raise refusal


def open_regular(path: str | os.PathLike, what: str = "", buffering: int = -1):
    """``open(path, "rb")`` for a regular file only: a FIFO, device, socket or folder is refused
    (:class:`NotAFileError`, :class:`IsADirectoryError`) with a one-line message naming the path,
    before anything could block.  Opened without blocking and checked on the open file (a FIFO
    swapped in after a check cannot hang it), then switched back to ordinary reads."""
    shown = what or str(path)
    check_regular_file(path, shown)
    f = open(path, "rb", buffering=buffering, opener=_open_nonblocking)
    try:
        _refuse_kind(os.fstat(f.fileno()), shown)
        if hasattr(os, "set_blocking"):
            os.set_blocking(f.fileno(), True)
    except BaseException:
        f.close()
        raise
    return f


def _open_nonblocking(path, flags: int) -> int:
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def read_bytes_bounded(path: str | os.PathLike, max_bytes: int, what: str = "") -> bytes:
    """The bytes of a regular file (:func:`open_regular`) of at most ``max_bytes`` bytes; a
    larger file is a :class:`ContentError` (a ValueError) naming the path."""
    shown = what or str(path)
    with open_regular(path, shown) as f:
        st = os.fstat(f.fileno())
        if st.st_size > max_bytes:
            raise ContentError.coded("file.too_many_bytes", shown, size=st.st_size,
                                     limit=max_bytes)
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ContentError.coded("file.more_than_allowed", shown, limit=max_bytes)
    return data


def read_json(path: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES,
              max_depth: int = 64, max_number_digits: int = 40, what: str = "") -> object:
    """A JSON file read with every bound: a regular file (never a FIFO or device), at most
    ``max_bytes`` bytes of UTF-8, parsed by :func:`loads_bounded`.  Errors are one line naming
    the file: :class:`OSError` for the file itself, :class:`ValueError` for its content."""
    shown = what or str(path)
    data = read_bytes_bounded(path, max_bytes, shown)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ContentError.coded("json.not_utf8", shown, offset=e.start) from None
    return loads_bounded(text, max_depth=max_depth, max_number_digits=max_number_digits,
                         what=shown)


# --- Errors that name the file being written ---------------------------------------------------

class WriteError(OSError):
    """Writing a file failed (a full disk, say): one line naming the file,
    ``writing /x/y: No space left on device``."""

    def __str__(self) -> str:
        return f"writing {self.filename}: {self.strerror}"


def write_error(exc: OSError, path: str | os.PathLike) -> WriteError:
    """``exc`` (raised while writing ``path``) as a :class:`WriteError` naming ``path``; numpy's
    short writes ("204800 requested and 98176 written") carry no errno and become ENOSPC-like
    "short write" messages with the path."""
    if isinstance(exc, WriteError):
        return exc
    code = exc.errno if isinstance(exc.errno, int) else errno.EIO
    reason = exc.strerror or (os.strerror(exc.errno) if isinstance(exc.errno, int) else None)
    if not reason:  # numpy's "204800 requested and 98176 written": was it a full disk?
        if _disk_full(Path(path).parent):
            code, reason = errno.ENOSPC, os.strerror(errno.ENOSPC)
        else:
            reason = f"short write ({exc})"
    return WriteError(code, reason, str(path))


def _disk_full(folder: Path) -> bool:
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def silence_closed_pipe() -> None:
    """After EPIPE on standard output (``… | head -1``): point stdout and stderr at /dev/null,
    so nothing more is written and the exit-time flush stays quiet (no "Broken pipe")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, AttributeError, ValueError):
            pass
    os.close(devnull)
