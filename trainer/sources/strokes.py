"""``strokes:PATH`` — synthetic handwriting from the hanzi-writer-data stroke medians.

PATH is the npm tarball (``hanzi-writer-data-*.tgz``, streamed with tarfile) or its
extracted folder.  Medians are read by :mod:`trainer.strokedata`, each sample is
synthesized by :func:`trainer.synth.synthesize_ink` (one writer style per sample, or
drawn from a fixed pool of ``writers`` styles) and rendered with
:func:`hanzipad.raster.rasterize` at the writer's pen width.

Options: ``per_char`` (samples per character per pass, default 1), ``seed``, ``writers``
(0 = a fresh writer per sample), ``chunk`` (samples per shard, default 1024), ``spread``
(1 = components also drift apart and vary more in size; see ``synthesize_ink``),
``cursive_max`` (percent, default 100: writers' cursiveness is scaled into 0..cursive_max/100,
e.g. ``cursive_max=30`` for neat, upright writers such as learners).  The
``len(chars) * per_char`` samples of a pass are numbered character-fastest (sample *i* is
character ``i % len(chars)``); shard ``part-K-of-N`` holds every N-th of them, shuffled, so
every shard mixes (nearly) all classes — what a shuffle window over a few shards needs.
Output is deterministic given (source seed, call seed, shard).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator

import numpy as np

from hanzipad.raster import rasterize
from trainer.sources.base import InkSample, InkSource, SourceError, parse_partition, partition_ids
from trainer.strokedata import LoadReport, StrokeDataError, load_records, package_info
from trainer.synth import STYLE_VERSION, Writer, synthesize_ink

DEFAULT_CHUNK = 1024


class StrokesSource(InkSource):
    kind = "strokes"

    def __init__(self, spec, **kw):
        super().__init__(spec, **kw)
        if not self.path.exists():
            raise SourceError(f"{spec}: {self.path}: no such file or folder")
        name = self.path.name.lower()
        if not self.path.is_file() and not self.path.is_dir():  # a FIFO, a device
            raise SourceError(f"{spec}: {self.path}: not a regular file or folder; expected the "
                              "hanzi-writer-data .tgz or its folder")
        if self.path.is_file() and not name.endswith((".tgz", ".tar.gz", ".tar")):
            raise SourceError(f"{spec}: {self.path}: expected the hanzi-writer-data .tgz or its folder")
        self.per_char = int(self.options.get("per_char", 1))
        self.writers = int(self.options.get("writers", 0))
        self.chunk = int(self.options.get("chunk", DEFAULT_CHUNK))
        self.spread = bool(int(self.options.get("spread", 0)))
        self.cursive_max = int(self.options.get("cursive_max", 100))
        if self.cursive_max > 100:
            raise SourceError(f"{spec}: cursive_max is a percentage (0..100)")
        self._records = None
        self._pool = None
        self._lock = threading.Lock()

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_records"] = None  # reloaded lazily in the process that needs them
        state["_lock"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def records(self) -> dict:
        """``{char: (screen medians, radStrokes)}`` for the wanted characters (loaded once)."""
        with self._lock:
            if self._records is None:
                self._load_records()
            if self.writers and self._pool is None:
                rng = np.random.default_rng([self.seed & 0xFFFFFFFF, 0x57A1])
                self._pool = [Writer.sample(rng) for _ in range(self.writers)]
        return self._records

    def _load_records(self) -> None:
        report = LoadReport()
        try:
            self._records = load_records(self.path, chars=self.wanted_chars(), report=report)
        except StrokeDataError as exc:
            raise SourceError(f"{self.spec}: {exc}") from None
        for msg in report.errors:
            self.stats.note("corrupt", msg)

    def writer_pool(self) -> list | None:
        """The fixed pool of ``writers`` writer styles (None when each sample gets its own)."""
        self.records()
        return self._pool

    def shards(self) -> list[str]:
        total = len(self.wanted_chars()) * self.per_char
        return partition_ids(max(1, math.ceil(total / self.chunk)))

    def inks(self, shard: str, seed: int = 0) -> Iterator[InkSample]:
        """The synthetic ink of one shard; ``where`` names the synthesis ("PATH: synthesis of
        'X'") for the messages of a synthesis or drawing that fails."""
        k, n = parse_partition(shard, self.spec)
        chars = self.wanted_chars()
        records = self.records()
        pool = self.writer_pool()
        rng = self.rng(shard, seed)
        order = [chars[i % len(chars)] for i in range(k, len(chars) * self.per_char, n)]
        for i in rng.permutation(len(order)):
            char = order[i]
            rec = records.get(char)
            if rec is None:
                self.stats.note("missing", f"{self.path}: no stroke data for {char!r} (U+{ord(char):04X})")
                continue
            medians, rad = rec
            where = f"{self.path}: synthesis of {char!r}"
            writer = pool[int(rng.integers(len(pool)))] if pool else None
            if writer is None and self.cursive_max < 100:
                # the draw Writer.sample makes itself, scaled: cursive_max=100 gives the same samples
                writer = Writer.sample(rng, cursive=float(rng.beta(1.4, 1.4)) * self.cursive_max / 100)
            try:
                ink = synthesize_ink(medians, rng, writer, rad_strokes=rad, spread=self.spread)
            except Exception as exc:  # noqa: BLE001 - one bad synthesis must not stop training
                self.stats.note("corrupt", f"{where} failed ({type(exc).__name__}: {exc})")
                continue
            yield InkSample(ink, self.label_map[char], float(ink.meta.get("width_scale", 1.0)), where)

    def render(self, sample: InkSample, rng) -> np.ndarray | None:
        try:
            img = rasterize(sample.ink, width_scale=sample.width_scale)
        except Exception as exc:  # noqa: BLE001 - counted as a synthesis that failed
            self.stats.note("corrupt", f"{sample.where} failed ({type(exc).__name__}: {exc})")
            return None
        if not img.any():
            self.stats.note("corrupt", f"{sample.where} gave an empty image")
            return None
        return img

    def origin(self, shard: str) -> str:
        return shard

    def _describe_extra(self) -> dict:
        out = {"per_char": self.per_char, "writers": self.writers, "seed": self.seed,
               "synthesizer": "trainer.synth", "style_version": STYLE_VERSION}
        if self.spread:
            out["spread"] = True
        if self.cursive_max < 100:
            out["cursive_max"] = self.cursive_max
        try:
            info = package_info(self.path)
            out.update(package=info.get("name", ""), version=info.get("version", ""),
                       licence=info.get("license", ""))
        except (ValueError, OSError) as exc:
            out["licence"] = f"unknown ({exc})"
        if out.get("package") == "hanzi-writer-data":
            out["upstream"] = "Make Me a Hanzi (Arphic PL fonts), https://github.com/chanind/hanzi-writer-data"
        return out
