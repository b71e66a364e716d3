"""``inkpack:FILE`` — an ink pack made by ``hanzipad-train pack`` (:mod:`trainer.pack`; the file
format: :mod:`trainer.sources.inkpack_format`).

Each block of the pack (one source file: one CASIA writer) is a shard. Samples are rendered
with :func:`hanzipad.raster.rasterize` like ``pot:`` and ``ink:`` (with a synthetic writer's
pen width, as ``strokes:``), or with ``?scan=P`` P % of them as paper scans
(:func:`trainer.scanlook.scan_sample`). Options: ``writers`` (only those writers' blocks are
read), ``every`` (every N-th sample of each block), ``scan``, ``seed``. Labels are mapped by
character to the caller's label map. The pack's own provenance (the packed sources: kind,
spec, terms, writers) is part of :meth:`describe`, so a model trained from a pack records
where its data came from. To render on all cores: ``hanzipad-train prepare --data
inkpack:FILE --workers N``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator

import numpy as np

from trainer.sources.base import InkSample, InkSource, SourceError
from trainer.sources.inkpack_format import PackReader
from trainer.sources.spec import writer_set

SEP = "::block-"


class InkPackSource(InkSource):
    kind = "inkpack"

    def __init__(self, spec, **kw):
        super().__init__(spec, **kw)
        if not self.path.is_file():
            raise SourceError(f"{spec}: {self.path}: no such file" if not self.path.exists()
                              else f"{spec}: {self.path}: not a file (an ink pack is one file)")
        self.reader = PackReader(self.path)
        self.remap = np.array(
            [self.label_map.get(c, -1) if (self.classes is None or c in self.classes) else -2
             for c in self.reader.labels], np.int64)

    def __getstate__(self):
        return dict(self.__dict__)

    def _block(self, shard: str) -> int:
        path, sep, k = shard.rpartition(SEP)
        if not sep or not k.isdigit() or int(k) >= len(self.reader.blocks):
            raise SourceError(f"{self.spec}: not a block of this pack: {shard!r}")
        return int(k)

    def shards(self) -> list[str]:
        ks = range(len(self.reader.blocks))
        text = self.options.get("writers")
        if text:
            wanted = writer_set(text)
            ks = [k for k in ks if int(self.reader.blocks[k].get("writer", 0)) in wanted]
            if not ks:
                raise SourceError(f"{self.spec}: the pack holds no sample of writers {text}")
        return [f"{self.path}{SEP}{k:05d}" for k in ks]

    def writer(self, shard: str) -> int:
        return int(self.reader.blocks[self._block(shard)].get("writer", 0))

    def origin(self, shard: str) -> str:
        return str(self.reader.blocks[self._block(shard)].get("origin", ""))

    def scan_rng(self, shard: str, seed: int) -> np.random.Generator:
        return self.rng(shard.rpartition("::")[2], seed)  # by block: wherever the pack lies

    def inks(self, shard: str, seed: int = 0) -> Iterator[InkSample]:
        """The ink of one block, labels mapped to this source's label map and counted (for
        rendering, and for packing again)."""
        k = self._block(shard)
        every = int(self.options.get("every", 1))
        labels = self.reader.labels
        for offset, sample in self.reader.records(k, self.stats, every):
            where = f"{self.path} @ byte {offset}"
            lab = int(self.remap[sample.label])
            if lab == -2:
                self.stats.note("not_selected")
                continue
            if lab < 0:
                c = labels[sample.label]
                self.stats.note("out_of_labels", f"{where}: {c!r} is not in the label set")
                continue
            yield InkSample(sample.ink(labels[sample.label]), lab, sample.width_scale, where)

    def _describe_extra(self) -> dict:
        h = self.reader.header
        packed = copy.deepcopy(h.get("sources", []))
        for d, st in zip(packed, self.reader.index.get("stats", [])):
            d["packed_stats"] = st  # what was skipped while packing (all of the pack)
        out = {"format": "HanziPad ink pack", "version": h.get("version"),
               "count": self.reader.count, "bytes": self.reader.size, "levels": h.get("levels"),
               "tolerance": h.get("tolerance"), "sources": packed}
        sel = self.options.get("writers")
        if sel:
            out["writers"] = sel
        if int(self.options.get("every", 1)) > 1:
            out["every"] = int(self.options["every"])
        if self.options.get("scan"):
            out["scan_percent"] = int(self.options["scan"])
        for d in packed:  # the writers and scans used, as the About box lists them (credits)
            if d.get("kind") in ("pot", "gnt"):
                if sel:
                    d["packed_writers"], d["writers"] = d.get("writers", ""), sel
                if self.options.get("scan"):
                    d["scan_percent"] = int(self.options["scan"])
        return out
