"""Training data sources: ``KIND:PATH`` specs -> streams of normalized samples.

API (used by the tf.data pipeline, ``evaluate`` and ``prepare``)::

    spec = parse_spec("strokes:/data/hanzi-writer-data-2.0.1.tgz?per_char=20&seed=3")
    src = open_source(spec, seed=0, classes=None, label_map=None)
    for shard in src.shards():                 # independent units (files or partition ids)
        for image, label in src.iter_shard(shard, seed=epoch):
            ...                                # image: uint8[64, 64], ink 255 on 0
    src.stats                                  # SkipStats: yielded / skipped counts + messages
    src.describe()                             # dict for model.json "sources"

KINDs: ``gnt`` (CASIA HWDB .gnt), ``pot`` (CASIA OLHWDB .pot), ``pngdir`` (one folder per
class, named by class index or by the character), ``strokes`` (hanzi-writer-data tarball or
folder -> synthetic handwriting), ``font`` (TTF/OTF/TTC glyphs), ``shards`` (a folder made by
``hanzipad-train prepare``), ``ink`` (the app's ink files, ``.json``/``.jsonl`` with a
``"label"``, rendered by the app's rasterizer), ``inkpack`` (a pack of pen traces made by
``hanzipad-train pack``, :mod:`trainer.pack`, format in :mod:`trainer.sources.inkpack_format`).  PATH is a file or a folder searched recursively.

Options may follow ``?`` like a URL query (an addition; the plain ``KIND:PATH`` is the
contract): ``strokes``: ``per_char`` (samples per character per pass, default 1), ``seed``,
``writers`` (size of a fixed pool of writer styles; 0 = a new style per sample), ``chunk``
(samples per shard); ``font``: ``index`` (face in a .ttc), ``size`` (render size in
pixels); every kind: ``seed``.

Modules: :mod:`~trainer.sources.base` (:class:`Source`; :class:`InkSource`, the base of the
sources whose samples are pen traces: ``pot``, ``ink``, ``strokes``, ``inkpack``, which ``pack``
packs), :mod:`~trainer.sources.spec` (spec parsing), one module per kind (``casia``,
``images``, ``font``, ``strokes``, ``shards``, ``inkfiles``, ``inkpack``).

Labels: indices are those of ``label_map`` (default: the 3755 GB2312 level-1 characters in
code order, :func:`hanzipad.labels.gb2312_level1`).  ``classes`` restricts a source to a
subset of characters without renumbering them.  Images pass through
:mod:`hanzipad.normalize` / :mod:`hanzipad.raster` only.  Everything streams: memory stays
flat whatever the dataset's size.
"""

from __future__ import annotations

from trainer.sources.base import (
    InkSample,
    InkSource,
    SkipStats,
    Source,
    SourceError,
    default_label_map,
)
from trainer.sources.casia import GntSource, PotSource
from trainer.sources.font import FontSource
from trainer.sources.images import PngDirSource
from trainer.sources.inkfiles import InkFileSource
from trainer.sources.inkpack import InkPackSource
from trainer.sources.shards import ShardSource
from trainer.sources.spec import KINDS, SourceSpec, parse_spec, parse_writers, writer_set
from trainer.sources.strokes import StrokesSource

#: The source class of each kind (``KIND:PATH``).
SOURCE_CLASSES: dict[str, type[Source]] = {
    cls.kind: cls
    for cls in (GntSource, PotSource, PngDirSource, StrokesSource, FontSource, ShardSource,
                InkFileSource, InkPackSource)
}


def source_class(kind: str) -> type[Source]:
    try:
        return SOURCE_CLASSES[kind]
    except KeyError:
        raise SourceError(f"unknown source kind {kind!r} (expected one of {', '.join(KINDS)})") from None


def open_source(spec: str | SourceSpec, *, seed: int = 0, classes=None, label_map=None) -> Source:
    """Open a source.  ``classes``: optional list of characters to keep (indices unchanged);
    ``label_map``: dict char -> class index (default: the 3755 level-1 characters).

    Raises :class:`SourceError` (a ValueError) naming the spec and the problem when the
    path is missing or holds no usable files.
    """
    spec = parse_spec(spec)
    return source_class(spec.kind)(spec, seed=seed, classes=classes, label_map=label_map)


__all__ = [
    "KINDS",
    "SOURCE_CLASSES",
    "InkSample",
    "InkSource",
    "SkipStats",
    "Source",
    "SourceError",
    "SourceSpec",
    "default_label_map",
    "open_source",
    "parse_spec",
    "parse_writers",
    "source_class",
    "writer_set",
]
