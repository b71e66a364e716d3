"""``ink:PATH`` — labelled ink files in the app's format (``.json`` or ``.jsonl``).

Each ink object needs a ``"label"`` (the character); it is rendered with
:func:`hanzipad.raster.rasterize`, exactly as the pad renders what a person draws.
Use it to evaluate on real pen traces (e.g. the Tegaki sample) or to train on ink the
app saved. A ``.jsonl`` file is read line by line (flat memory). Lines without a label,
malformed lines (bad JSON, bad UTF-8, hostile numbers: see :mod:`hanzipad.ink`) and
empty ink are skipped and counted as corrupt, named ``file:LINE`` (lines counted from 1).
A file that cannot be read at all (permission denied, not a regular file, I/O error)
is not corrupt: it is counted as missing, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from hanzipad.ink import InkError, InkFileError, display_path, iter_jsonl_lines, load
from hanzipad.raster import rasterize
from trainer.sources.base import InkSample, InkSource, find_files


class InkFileSource(InkSource):
    """``ink:PATH``; a drawing error is counted as corrupt, and a blank drawing is kept (as
    the pad would draw it)."""

    kind = "ink"

    def shards(self) -> list[str]:
        return find_files(self.path, (".json", ".jsonl"), "ink", self.spec)

    def _inks(self, file: str):
        """``(where, ink or InkError)`` per ink in ``file``; :class:`InkFileError` when the
        file cannot be read (for a .jsonl, possibly after some lines)."""
        if file.lower().endswith(".jsonl"):
            shown = display_path(file)
            for record in iter_jsonl_lines(file):
                yield f"{shown}:{record.line}", record.item
            return
        try:
            yield display_path(file), load(file)
        except InkFileError:
            raise
        except InkError as exc:
            yield display_path(file), exc

    def render(self, sample: InkSample, rng) -> np.ndarray | None:
        try:
            return rasterize(sample.ink)
        except (ValueError, OverflowError) as exc:  # hanzipad.ink's limits prevent this
            self.stats.note("corrupt", f"{sample.where}: cannot draw this ink ({exc})")
            return None

    def inks(self, shard: str, seed: int = 0) -> Iterator[InkSample]:
        read = 0
        try:
            for where, ink in self._inks(shard):
                read += 1
                if isinstance(ink, InkError):
                    self.stats.note("corrupt", str(ink))
                    continue
                if ink.label is None:
                    self.stats.note("corrupt", f"{where}: no \"label\" (the character written)")
                    continue
                if ink.is_empty():
                    self.stats.note("corrupt", f"{where}: ink has no strokes")
                    continue
                label = self.label_of(ink.label, where)
                if label is not None:
                    yield InkSample(ink, label, None, where)
        except InkFileError as exc:
            # Not corrupt data: the file system refused it. Counted, with the reason.
            lost = "the rest of the file was not used" if read else "none of its samples were used"
            self.stats.note("missing", f"{exc}; {lost}")

    def _describe_extra(self) -> dict:
        return {"format": "HanziPad ink (.json/.jsonl) with labels"}
