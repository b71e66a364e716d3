"""Prepared data: compact uint8 shards of normalized samples, written (``hanzipad-train prepare``).

The folder's layout and ``index.json`` are described in :mod:`trainer.sources.shards` (which
reads them, ``shards:DIR``). Each file is written to a temporary name and renamed into place
(:func:`hanzipad.fileio.replacing`); ``index.json`` last, so the folder is valid once it exists.

API: :func:`write_shards` (any iterable of ``(image, label)``), :func:`prepare`
(multiprocessing, returns the index) and :func:`prepare_main` (the ``prepare`` command: the
same, returning an exit status). Reading them back: :class:`trainer.sources.shards.ShardSource`,
:func:`~trainer.sources.shards.load_shard_arrays`, :func:`~trainer.sources.shards.read_index`.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from hanzipad import CONVENTION_VERSION, IMAGE_SIZE, fileio
from trainer.sources import open_source, parse_spec
from trainer.sources.base import SkipStats, Source, SourceError, default_label_map
from trainer.sources.shards import FORMAT, FORMAT_VERSION, IMAGES_SUFFIX, INDEX, LABELS_SUFFIX
from trainer.written import Manifest

#: Samples per shard file (8192 samples = 32 MiB of images).
DEFAULT_SHARD_SIZE = 8192  # images a shard file (the CLI's default too)
#: Most samples per shard file: a shard is buffered whole (4 KiB a sample: 256 MiB).
MAX_SHARD_SIZE = 65536
#: The names ``prepare`` gives its shard files (``s00-00003-0000.images.npy``).
PREPARED_NAME = re.compile(r"s\d\d-\d{5}-\d{4}\.(images|labels)\.npy")


def _save_npy(path: Path, arr: np.ndarray) -> None:
    """``arr`` as ``path``, through a temporary file that never outlives a failure (a full
    disk: :class:`~hanzipad.fileio.WriteError` naming ``path``)."""
    with fileio.replacing(path) as tmp, open(tmp, "wb") as f:
        np.save(f, arr, allow_pickle=False)


def _write_json(path: Path, obj) -> None:
    try:
        fileio.write_text(path, json.dumps(obj, ensure_ascii=False, indent=1) + "\n")
    except OSError as exc:
        raise fileio.write_error(exc, path) from None


class ShardWriter:
    """Buffers up to ``shard_size`` samples and writes them as one shard (a pair of .npy)."""

    def __init__(self, out_dir, prefix: str = "shard", shard_size: int = DEFAULT_SHARD_SIZE, classes: int = 3755):
        if shard_size < 1:
            raise ValueError("shard_size must be at least 1")
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.shard_size = shard_size
        self.label_dtype = np.int16 if classes < 32768 else np.int32
        self.images = np.empty((shard_size, IMAGE_SIZE, IMAGE_SIZE), np.uint8)
        self.labels = np.empty((shard_size,), self.label_dtype)
        self.n = 0
        self.entries: list[dict] = []
        self.class_counts = np.zeros(classes, np.int64)

    def add(self, image: np.ndarray, label: int) -> None:
        self.images[self.n] = image
        self.labels[self.n] = label
        self.class_counts[label] += 1
        self.n += 1
        if self.n == self.shard_size:
            self.flush()

    def flush(self) -> None:
        if not self.n:
            return
        name = f"{self.prefix}-{len(self.entries):04d}"
        _save_npy(self.out_dir / (name + LABELS_SUFFIX), self.labels[: self.n].copy())
        _save_npy(self.out_dir / (name + IMAGES_SUFFIX), self.images[: self.n])
        self.entries.append({"images": name + IMAGES_SUFFIX, "labels": name + LABELS_SUFFIX, "count": self.n})
        self.n = 0

    @property
    def count(self) -> int:
        return sum(e["count"] for e in self.entries) + self.n


def make_index(entries, labels, class_counts, sources=()) -> dict:
    entries = sorted(entries, key=lambda e: e["images"])
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "convention_version": CONVENTION_VERSION,
        "image_size": IMAGE_SIZE,
        "count": int(sum(e["count"] for e in entries)),
        "labels": list(labels),
        "class_counts": [int(c) for c in class_counts],
        "shards": entries,
        "sources": list(sources),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def write_shards(
    samples_iter: Iterable[tuple[np.ndarray, int]],
    out_dir,
    shard_size: int = DEFAULT_SHARD_SIZE,
    *,
    labels: list[str] | None = None,
    sources: list[dict] = (),
    prefix: str = "shard",
) -> dict:
    """Write ``(image uint8[64, 64], label)`` samples as shards plus ``index.json``; return the index.

    ``labels`` is the label map as a list (default: the 3755 level-1 characters);
    ``sources`` are stored as given (normally ``[source.describe(), ...]``).
    """
    out_dir = Path(out_dir)
    labels = list(labels) if labels is not None else list(default_label_map())
    writer = ShardWriter(out_dir, prefix, shard_size, classes=len(labels))
    for image, label in samples_iter:
        writer.add(image, label)
    writer.flush()
    index = make_index(writer.entries, labels, writer.class_counts, sources)
    _write_json(out_dir / INDEX, index)
    return index


# -- prepare ---------------------------------------------------------------------------

_WORKER_SOURCES: dict = {}


def _worker_source(spec: str, seed: int, classes, labels) -> Source:
    key = (spec, seed, classes)
    src = _WORKER_SOURCES.get(key)
    if src is None:
        label_map = {c: i for i, c in enumerate(labels)}
        src = open_source(spec, seed=seed, classes=list(classes) if classes else None, label_map=label_map)
        _WORKER_SOURCES.clear()  # one source per process at a time keeps memory flat
        _WORKER_SOURCES[key] = src
    return src


def _prepare_task(task) -> tuple[int, list[dict], np.ndarray, SkipStats]:
    """Render one source shard into shard files; runs in a worker process (spawn-safe)."""
    si, spec, shard, seed, classes, labels, out_dir, prefix, shard_size = task
    src = _worker_source(spec, seed, classes, labels)
    src.stats = SkipStats()
    writer = ShardWriter(out_dir, prefix, shard_size, classes=len(labels))
    for image, label in src.iter_shard(shard, seed):
        writer.add(image, label)
    writer.flush()
    return si, writer.entries, writer.class_counts, src.stats


def prepare_main(data_specs: list[str], out, workers: int = 1, shard_size: int = DEFAULT_SHARD_SIZE,
                 seed: int = 0, **kw) -> int:
    """The ``hanzipad-train prepare`` command: :func:`prepare`, returning exit status 0.

    Problems raise :class:`SourceError` (a ValueError) with a message naming the spec/file.
    """
    index = prepare(data_specs, out, workers, shard_size, seed, **kw)
    if not index.get("count"):  # every record skipped: nothing to train on, say so
        raise SourceError(f"{out}: no usable samples in {', '.join(data_specs)} (every record "
                          "was skipped: see the summary above)")
    return 0


def prepare(
    data_specs: list[str],
    out,
    workers: int = 1,
    shard_size: int = DEFAULT_SHARD_SIZE,
    seed: int = 0,
    *,
    classes=None,
    label_map: dict[str, int] | None = None,
    log=None,
) -> dict:
    """Render every source into ``out`` as shards (one task per source shard, ``workers``
    processes) and write ``index.json``; prints progress and the skip summary; returns the index.

    Raises :class:`SourceError` (a ValueError) for a bad spec, a missing path, or an ``out``
    folder that already holds prepared data.
    """
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = Path(out)
    if (out / INDEX).exists():
        raise SourceError(f"{out}: already holds prepared shards ({INDEX}); choose a new folder")
    if out.exists() and not out.is_dir():
        raise SourceError(f"{out}: exists and is not a folder")
    if not 1 <= int(shard_size) <= MAX_SHARD_SIZE:
        raise SourceError(f"shard size must be 1 to {MAX_SHARD_SIZE:,} images, not "
                          f"{shard_size:.3g}")
    label_map = dict(label_map) if label_map is not None else default_label_map()
    labels = sorted(label_map, key=label_map.__getitem__)
    if [label_map[c] for c in labels] != list(range(len(labels))):
        raise ValueError("label_map must map characters to 0..N-1")
    classes_key = tuple(classes) if classes is not None else None
    specs = [str(parse_spec(s)) for s in data_specs]
    if not specs:
        raise SourceError("prepare: no --data sources given")
    sources = [open_source(s, seed=seed, classes=classes, label_map=label_map) for s in specs]
    tasks = []
    for si, (spec, src) in enumerate(zip(specs, sources)):
        for ti, shard in enumerate(src.shards()):
            prefix = f"s{si:02d}-{ti:05d}"
            tasks.append((si, spec, shard, seed, classes_key, labels, str(out), prefix, shard_size))
    out.mkdir(parents=True, exist_ok=True)
    # leftovers of an interrupted prepare: exactly the names it recorded, nothing else
    written = Manifest(out, "prepare")
    written.remove_written()
    clash = sorted(p.name for p in out.iterdir() if PREPARED_NAME.fullmatch(p.name))
    if clash:
        more = f" and {len(clash) - 1} more" if len(clash) > 1 else ""
        raise SourceError(f"{out}: holds {clash[0]}{more}, which this prepare did not write; "
                          "refusing to overwrite (choose a new folder, or move them away)")
    scratch = Path(tempfile.mkdtemp(prefix=".prepare-", dir=out))
    written.record([scratch.name])
    try:
        index = _prepare_into(out, scratch, written, specs, sources, tasks, labels, workers,
                              log)
    except BaseException as exc:
        written.remove_written()  # at once: nothing half-written stays (a full disk, Ctrl+C)
        if isinstance(exc, fileio.WriteError) and exc.filename and \
                Path(exc.filename).parent == scratch:  # name the file as it would have been
            raise fileio.WriteError(exc.errno, exc.strerror,
                                    str(out / Path(exc.filename).name)) from None
        raise
    shutil.rmtree(scratch, ignore_errors=True)
    written.discard()
    return index


def _prepare_into(out: Path, scratch: Path, written: Manifest, specs, sources, tasks, labels,
                  workers, log) -> dict:
    """:func:`prepare`'s work: render ``tasks`` into ``scratch`` (a folder of its own), then move
    the shard files into ``out`` (each recorded in ``written`` first) and write the index."""
    tasks = [t[:6] + (str(scratch),) + t[7:] for t in tasks]
    workers = max(1, min(int(workers or 1), len(tasks)))
    log(f"prepare: {len(specs)} source(s), {len(tasks)} source shards, {workers} worker(s) -> {out}")

    entries, stats = [], [SkipStats() for _ in specs]
    class_counts = np.zeros(len(labels), np.int64)
    start, done, total = time.monotonic(), 0, 0

    def collect(result):
        nonlocal done, total
        si, ents, counts, st = result
        entries.extend(ents)
        class_counts[:] += counts
        stats[si].merge(st)
        done += 1
        total += st.yielded
        rate = total / max(1e-9, time.monotonic() - start)
        log(f"prepare: {done}/{len(tasks)} shards, {total} samples, {rate:.0f} samples/s")

    if workers == 1:
        for task in tasks:
            collect(_prepare_task(task))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(workers) as pool:
            for result in pool.imap_unordered(_prepare_task, tasks):
                collect(result)
    described = []
    for src, st in zip(sources, stats):
        d = src.describe()
        d["stats"] = st.as_dict()
        described.append(d)
        log(f"prepare: {src.spec}: {st.summary()}")
    index = make_index(entries, labels, class_counts, described)
    names = [e[k] for e in index["shards"] for k in ("images", "labels")]
    written.record(names + [INDEX])
    for name in names:
        if os.path.lexists(out / name):
            raise SourceError(f"{out / name}: appeared while prepare ran; refusing to overwrite it")
        os.replace(scratch / name, out / name)
    _write_json(out / INDEX, index)
    elapsed = time.monotonic() - start
    log(f"prepare: wrote {index['count']} samples in {len(entries)} shard files to {out} "
        f"in {elapsed:.1f} s ({index['count'] / max(elapsed, 1e-9):.0f} samples/s)")
    return index
