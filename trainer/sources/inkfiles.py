"""``ink:PATH`` — labelled ink files in the app's format (``.json`` or ``.jsonl``).

Each ink object needs a ``"label"`` (the character); it is rendered with
:func:`hanzipad.raster.rasterize`, exactly as the pad renders what a person draws.
Use it to evaluate on real pen traces (e.g. the Tegaki sample) or to train on ink the
app saved. Lines without a label, malformed lines and empty ink are skipped and counted
with the file and line.
"""

from __future__ import annotations

from hanzipad.ink import InkError, iter_jsonl, load
from hanzipad.raster import rasterize
from trainer.sources.base import Source, find_files


class InkSource(Source):
    kind = "ink"

    def shards(self) -> list[str]:
        return find_files(self.path, (".json", ".jsonl"), "ink", self.spec)

    def _inks(self, file: str):
        if file.lower().endswith(".jsonl"):
            try:
                for index, item in iter_jsonl(file):
                    yield f"{file}[{index}]", item
            except InkError as exc:
                yield file, exc
            return
        try:
            yield file, load(file)
        except InkError as exc:
            yield file, exc

    def iter_shard(self, shard: str, seed: int = 0):
        for where, ink in self._inks(shard):
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
            if label is None:
                continue
            self.stats.add_yielded()
            yield rasterize(ink), label

    def _describe_extra(self) -> dict:
        return {"format": "HanziPad ink (.json/.jsonl) with labels"}
