"""Shared pieces of the data sources: :class:`Source`, :class:`InkSource`, :class:`SkipStats`,
:class:`SourceError`.

Every source yields ``(image, class_index)`` pairs, ``image`` a normalized
``uint8[64, 64]`` (bright ink on black, through :mod:`hanzipad.normalize` /
:mod:`hanzipad.raster` only) and ``class_index`` the character's index in the
label map.  Work is split into *shards* (strings: file paths, or partition ids
such as ``part-00003-of-00016``) that can be read independently, interleaved
by tf.data and divided between workers.

A source whose samples are pen traces is an :class:`InkSource`: it gives its ink
(:meth:`InkSource.inks`) and where a shard's ink came from (:meth:`InkSource.writer`,
:meth:`InkSource.origin`), and renders it through the pad's own rasterizer. ``hanzipad-train
pack`` (:mod:`trainer.pack`) keeps that ink instead of rendering it.
"""

from __future__ import annotations

import os
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np

from hanzipad import labels as _labels
from hanzipad.ink import Ink
from hanzipad.raster import rasterize
from trainer.records import public, public_path, public_text
from trainer.scanlook import scan_sample

#: How many skip messages a :class:`SkipStats` keeps (the counts are always complete).
MAX_MESSAGES = 20


class SourceError(ValueError):
    """A data source that cannot be used at all (missing path, no files, bad option)."""


@dataclass
class SkipStats:
    """Counts of what a source yielded and skipped, with the first few reasons.

    ``out_of_labels``: samples whose character is not in the label map;
    ``corrupt``: corrupt/truncated records or unreadable/blank images;
    ``missing``: characters the source cannot produce (a font without the glyph,
    stroke data without the character); ``not_selected``: samples of characters
    outside the requested ``classes`` subset (not a problem, just filtered).
    Messages look like ``"file @ byte offset: reason"``.
    """

    yielded: int = 0
    out_of_labels: int = 0
    corrupt: int = 0
    missing: int = 0
    not_selected: int = 0
    messages: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.Lock()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_lock", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def note(self, kind: str, message: str | None = None, n: int = 1) -> None:
        """Count ``n`` skipped samples of ``kind`` (a field name) and keep the message."""
        with self._lock:
            setattr(self, kind, getattr(self, kind) + n)
            if message and len(self.messages) < MAX_MESSAGES:
                self.messages.append(message)

    def add_yielded(self, n: int = 1) -> None:
        with self._lock:
            self.yielded += n

    @property
    def skipped(self) -> int:
        """Samples skipped because of a problem (``not_selected`` is not a problem)."""
        return self.out_of_labels + self.corrupt + self.missing

    def merge(self, other: SkipStats) -> SkipStats:
        with self._lock:
            self.yielded += other.yielded
            self.out_of_labels += other.out_of_labels
            self.corrupt += other.corrupt
            self.missing += other.missing
            self.not_selected += other.not_selected
            room = MAX_MESSAGES - len(self.messages)
            if room > 0:
                self.messages.extend(other.messages[:room])
        return self

    def as_dict(self) -> dict:
        return {
            "yielded": self.yielded,
            "skipped": self.skipped,
            "out_of_labels": self.out_of_labels,
            "corrupt": self.corrupt,
            "missing": self.missing,
            "not_selected": self.not_selected,
            "messages": list(self.messages),
        }

    def summary(self) -> str:
        """One line, plus the kept messages indented below it."""
        line = (
            f"{self.yielded} samples, {self.skipped} skipped "
            f"({self.corrupt} corrupt, {self.out_of_labels} outside the label set, "
            f"{self.missing} missing)"
        )
        if self.not_selected:
            line += f", {self.not_selected} not in the selected classes"
        lines = [line] + [f"  {m}" for m in self.messages]
        if self.skipped > len(self.messages) and self.messages:
            lines.append(f"  ... ({self.skipped - len(self.messages)} more)")
        return "\n".join(lines)


def default_label_map() -> dict[str, int]:
    return {c: i for i, c in enumerate(_labels.gb2312_level1())}


class Source:
    """Base of all sources.  Subclasses set :attr:`kind` and implement :meth:`shards`,
    :meth:`iter_shard` and (optionally) :meth:`_describe_extra`."""

    kind = "?"

    def __init__(self, spec, *, seed: int = 0, classes=None, label_map=None):
        self.spec = spec
        self.path = Path(spec.path)
        self.options = dict(spec.options)
        self.seed = int(self.options.get("seed", seed))
        self.label_map: dict[str, int] = dict(label_map) if label_map is not None else default_label_map()
        self.index_to_char = {i: c for c, i in self.label_map.items()}
        if classes is not None:
            classes = list(classes)
            unknown = [c for c in classes if c not in self.label_map]
            if unknown:
                raise SourceError(
                    f"{spec}: classes not in the label map: {''.join(unknown[:20])}"
                    + (" ..." if len(unknown) > 20 else "")
                )
            self.classes: set[str] | None = set(classes)
        else:
            self.classes = None
        self.stats = SkipStats()

    # -- label handling -------------------------------------------------
    def wanted_chars(self) -> list[str]:
        """The characters this source should produce, in label-index order."""
        chars = sorted(self.label_map, key=self.label_map.__getitem__)
        if self.classes is not None:
            chars = [c for c in chars if c in self.classes]
        return chars

    def label_of(self, char: str | None, where: str) -> int | None:
        """Class index of ``char``, or None after counting why it is skipped."""
        if char is None or char not in self.label_map:
            shown = "undecodable code" if char is None else f"{char!r} (U+{ord(char[0]):04X})"
            self.stats.note("out_of_labels", f"{where}: {shown} is not in the label set")
            return None
        if self.classes is not None and char not in self.classes:
            self.stats.note("not_selected")
            return None
        return self.label_map[char]

    def rng(self, shard: str, seed: int) -> np.random.Generator:
        """Generator fixed by (source seed, call seed, shard id): deterministic per shard."""
        return np.random.default_rng([self.seed & 0xFFFFFFFF, int(seed) & 0xFFFFFFFF, zlib.crc32(shard.encode())])

    # -- interface --------------------------------------------------------
    def shards(self) -> list[str]:
        raise NotImplementedError

    def iter_shard(self, shard: str, seed: int = 0) -> Iterator[tuple[np.ndarray, int]]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[tuple[np.ndarray, int]]:
        for shard in self.shards():
            yield from self.iter_shard(shard, self.seed)

    def describe(self) -> dict:
        # a record names the data, not where it lay on this machine (trainer.records)
        out = {"kind": self.kind, "path": public_path(self.path), "spec": public_text(str(self.spec))}
        out.update(public(self._describe_extra()))
        return out

    def _describe_extra(self) -> dict:
        return {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec}>"



class InkSample(NamedTuple):
    """One sample of an :class:`InkSource`, before it is drawn."""

    ink: Ink
    #: class index in the source's label map (already checked and counted)
    label: int
    #: a synthetic writer's pen width (1: the pen's own); None when the ink has none
    width_scale: float | None
    #: where skip messages about it point ("FILE @ byte N", "FILE:LINE")
    where: str


class InkSource(Source):
    """Base of the sources whose samples are ink (pen traces): ``pot``, ``ink``, ``strokes``,
    ``inkpack``. Subclasses implement :meth:`inks`; :meth:`iter_shard` draws what it gives.

    ``hanzipad-train pack`` asks such a source for :meth:`inks` (with the same checks and
    counts as :meth:`iter_shard`, only the drawing left out), :meth:`writer` and
    :meth:`origin`, and stores the ink instead of images.
    """

    def __init__(self, spec, **kw):
        super().__init__(spec, **kw)
        #: ``?scan=P`` (the kinds that allow it): P % of the samples drawn as paper scans
        self.scan = min(100, int(self.options.get("scan", 0)))

    def inks(self, shard: str, seed: int = 0) -> Iterator[InkSample]:
        """The labelled ink of one shard; skipped samples are counted in :attr:`stats`."""
        raise NotImplementedError

    def writer(self, shard: str) -> int:
        """The CASIA writer of every sample of ``shard``; 0 when unknown or mixed."""
        return 0

    def origin(self, shard: str) -> str:
        """The name a pack records for ``shard``'s block (no machine path in it)."""
        return public_path(shard.split("::")[-1])

    def scan_rng(self, shard: str, seed: int) -> np.random.Generator:
        """The generator of ``shard``'s scan draws (``?scan=P``)."""
        return self.rng(shard, seed)

    def render(self, sample: InkSample, rng: np.random.Generator | None) -> np.ndarray | None:
        """``sample`` drawn by :func:`hanzipad.raster.rasterize` (or, for the share that
        ``?scan=P`` draws with ``rng``, by :func:`trainer.scanlook.scan_sample`); None after
        counting it when nothing was drawn."""
        if rng is not None and rng.random() * 100 < self.scan:
            img = scan_sample(sample.ink, rng)
        elif sample.width_scale is None:
            img = rasterize(sample.ink)
        else:
            img = rasterize(sample.ink, width_scale=sample.width_scale)
        if not img.any():
            self.stats.note("corrupt", f"{sample.where}: blank sample (no ink)")
            return None
        return img

    def iter_shard(self, shard: str, seed: int = 0) -> Iterator[tuple[np.ndarray, int]]:
        rng = self.scan_rng(shard, seed) if self.scan else None
        for sample in self.inks(shard, seed):
            img = self.render(sample, rng)
            if img is None:
                continue
            self.stats.add_yielded()
            yield img, sample.label


# -- helpers for file-based sources ---------------------------------------

def find_files(path: Path, suffixes: Iterable[str], what: str, spec) -> list[str]:
    """PATH itself when it is a file, else every file under it (recursively, sorted) whose
    name ends with one of ``suffixes``; a clear :class:`SourceError` when there are none."""
    suffixes = tuple(s.lower() for s in suffixes)
    if not path.exists():
        raise SourceError(f"{spec}: {path}: no such file or folder")
    if path.is_file():
        return [str(path)]
    found = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            if name.lower().endswith(suffixes):
                found.append(str(Path(root) / name))
    if not found:
        raise SourceError(f"{spec}: no {what} files ({', '.join(suffixes)}) under {path}")
    return found


#: The most partitions (shards) a generated source is split into: a source asking for more
#: (``strokes:…?per_char=10**12``) is refused instead of listing them all.
MAX_PARTITIONS = 1_000_000


def partition_ids(n: int) -> list[str]:
    if n > MAX_PARTITIONS:
        raise SourceError(f"{n:,} shards asked for; at most {MAX_PARTITIONS:,} (fewer samples "
                          "per character, or a larger chunk)")
    return [f"part-{k:05d}-of-{n:05d}" for k in range(n)]


def parse_partition(shard: str, spec) -> tuple[int, int]:
    """``part-00003-of-00016`` -> (3, 16)."""
    try:
        _, k, _, n = shard.split("-")
        k, n = int(k), int(n)
        if not 0 <= k < n:
            raise ValueError
        return k, n
    except ValueError:
        raise SourceError(f"{spec}: not a shard of this source: {shard!r}") from None
