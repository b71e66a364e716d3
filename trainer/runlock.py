"""One command at a time in a run dir: an advisory lock (``flock``) on ``RUN_DIR/.lock``.

Two trainings on one run dir would both "succeed" while overwriting each other's checkpoints
and state (steps 720 -> 340 -> 740 -> 360).  :func:`run_dir_lock` takes the lock before a
command writes anything there; a second command refuses at once with one line naming the other
process (pid, host, command, since when).  The lock is the kernel's: it goes with the process
that held it (exit, crash, ``kill -9``), so a stale lock of a dead process is simply taken over.
The file stays (removing it would race with the next taker); its content only describes the
holder.  On systems without ``fcntl`` (Windows) no lock is taken.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import sys
import time
from pathlib import Path

from hanzipad.fileio import loads_bounded, locked

LOCK_FILE = ".lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


#: flock errors of file systems that do not lock (not "held by another process").
_NO_LOCKS = {getattr(errno, n) for n in ("ENOLCK", "EOPNOTSUPP", "ENOSYS", "EINVAL")
             if hasattr(errno, n)}


class RunDirLocked(RuntimeError):
    """Another live process holds the run dir's lock; the message names it."""


def _holder(fd: int) -> str:
    """The other process as its lock file describes it."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = loads_bounded(os.read(fd, 8192).decode("utf-8", "replace"), max_depth=3)
    except (OSError, ValueError):
        info = None
    if not isinstance(info, dict):
        return "another process"
    command = str(info.get("command", ""))[:200]
    return (f"pid {info.get('pid', '?')} on {info.get('host', '?')}"
            + (f", since {info['since']}" if info.get("since") else "")
            + (f": {command}" if command else ""))


@contextlib.contextmanager
def run_dir_lock(run_dir: str | os.PathLike, command: str, *, create: bool = True):
    """Hold ``run_dir``'s lock while the ``with`` body runs (``create``: make the folder if it is
    missing). Raises :class:`RunDirLocked` when another live process holds it."""
    run_dir = Path(run_dir)
    if fcntl is None:  # pragma: no cover
        yield None
        return
    created = create and not run_dir.exists()
    if created:
        run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                 | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunDirLocked(f"{run_dir}: in use by {_holder(fd)}; wait for it to finish (or "
                               "stop it), or use another run dir") from None
        except OSError as exc:
            if exc.errno not in _NO_LOCKS:
                raise
            # a file system without locks (some network mounts): run as before, unguarded
            print(f"note: {run_dir}: this file system cannot lock files ({exc.strerror}); "
                  "nothing stops a second command on this run dir", file=sys.stderr, flush=True)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command[:1000],
                "since": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(info, ensure_ascii=False) + "\n").encode("utf-8"))
        yield path
    finally:
        if created:  # nothing written after all (a typo in the data, say): leave no folder
            with contextlib.suppress(OSError):
                if os.listdir(run_dir) == [LOCK_FILE]:
                    path.unlink()
                    run_dir.rmdir()
        os.close(fd)  # releases the lock


#: A read-modify-write of ``figures.json`` or a bundle's ``model.json`` (two ``evaluate``
#: commands at once each keep the other's figures); the run-dir lock is not taken, so a run
#: being trained can be evaluated. :func:`hanzipad.fileio.locked`.
updating = locked


def command_text(argv: list[str] | None = None) -> str:
    import shlex

    argv = sys.argv if argv is None else argv
    return shlex.join(str(a) for a in argv)
