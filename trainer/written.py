"""What a command wrote into a folder the user gave it: a manifest, so that a command only ever
deletes files it can prove it wrote.

``prepare`` renders into a folder the user may already use for other things.  Leftovers of an
interrupted run must go, the user's own files (``s01-my-experiment.npy``) must not.  A
:class:`Manifest` (``.hanzipad-train-written.json`` in the folder) lists every name the command
is about to create, written *before* the file is made; the next run removes exactly those names
and nothing else.  Whatever is not in the manifest is never deleted nor overwritten.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from hanzipad import fileio

MANIFEST = ".hanzipad-train-written.json"
FORMAT = "hanzipad-train-written"


class Manifest:
    """The names ``command`` wrote into ``folder`` (files, or folders it created)."""

    def __init__(self, folder: str | os.PathLike, command: str):
        self.folder = Path(folder)
        self.command = command
        self.path = self.folder / MANIFEST
        self.names: list[str] = self._load()

    def _load(self) -> list[str]:
        if not os.path.lexists(self.path):
            return []
        try:
            obj = fileio.read_json(self.path, max_bytes=16 * 1024 * 1024, max_depth=4)
        except (OSError, ValueError):
            return []  # unreadable: nothing can be proved ours, so nothing is deleted
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            return []
        names = obj.get("files")
        if not isinstance(names, list):
            return []
        return [n for n in names if isinstance(n, str) and _plain_name(n)]

    def record(self, names) -> None:
        """Add ``names`` (plain names inside the folder) to the manifest, on disk, before the
        caller creates them."""
        new = [n for n in names if n not in self.names]
        for n in new:
            if not _plain_name(n):
                raise ValueError(f"{n!r}: not a plain file name")
        if not new:
            return
        self.names += new
        self._save()

    def _save(self) -> None:
        import json

        text = json.dumps({"format": FORMAT, "command": self.command, "files": self.names},
                          ensure_ascii=False, indent=0)
        try:
            fileio.write_text(self.path, text + "\n")
        except OSError as exc:
            raise fileio.write_error(exc, self.path) from None

    def remove_written(self) -> list[str]:
        """Delete every recorded name that is there (a recorded folder with what is inside),
        then the manifest itself; returns the names deleted."""
        gone = []
        for name in self.names:
            p = self.folder / name
            try:
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p)
                else:
                    p.unlink()
            except FileNotFoundError:
                continue
            gone.append(name)
        self.names = []
        self.discard()
        return gone

    def discard(self) -> None:
        """Forget the manifest (the command finished: what it wrote is now the user's)."""
        self.names = []
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..", MANIFEST) and "/" not in name and \
        "\\" not in name and "\0" not in name
