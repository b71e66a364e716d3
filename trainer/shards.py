"""Prepared data: compact uint8 shards of normalized samples (``hanzipad-train prepare``).

Layout of a prepared folder::

    index.json                      # written last (atomically): the folder is valid once it exists
    s00-00003-0000.images.npy       # uint8 [n, 64, 64], ink 255 on 0 (already normalized)
    s00-00003-0000.labels.npy       # int16 [n] class indices into index.json "labels"
    ...

``index.json``: ``format`` ("hanzipad-shards"), ``version``, ``convention_version``,
``image_size``, ``count``, ``labels`` (the label map as a list: class i = labels[i]),
``class_counts``, ``shards`` (``[{"images", "labels", "count"}]``), ``sources`` (each
source's ``describe()`` plus its skip ``stats``), ``created``.

Files are plain ``.npy`` (uncompressed) so they can be memory-mapped: reading a shard costs
no more memory than the samples in use.  Each file is written to a temporary name and
renamed into place.

API: :func:`write_shards` (any iterable of ``(image, label)``), :class:`ShardSource`
(``shards:DIR`` as a source everywhere, labels remapped to the caller's label map),
:func:`load_shard_arrays` (numpy arrays of one shard, for pure-numpy consumers),
:func:`read_index`, :func:`prepare` (multiprocessing, returns the index) and
:func:`prepare_main` (the ``prepare`` command: the same, returning an exit status).
"""

from __future__ import annotations

import contextlib
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
from trainer.written import Manifest

FORMAT = "hanzipad-shards"
FORMAT_VERSION = 1
INDEX = "index.json"
#: Samples per shard file (4096 samples = 16 MiB of images).
DEFAULT_SHARD_SIZE = 8192  # images a shard file (the CLI's default too)
IMAGES_SUFFIX = ".images.npy"
LABELS_SUFFIX = ".labels.npy"
#: Most samples per shard file: a shard is buffered whole (4 KiB a sample: 256 MiB).
MAX_SHARD_SIZE = 65536
#: The names ``prepare`` gives its shard files (``s00-00003-0000.images.npy``).
PREPARED_NAME = re.compile(r"s\d\d-\d{5}-\d{4}\.(images|labels)\.npy")


def _save_npy(path: Path, arr: np.ndarray) -> None:
    """``arr`` as ``path``, through a temporary file that never outlives a failure (a full
    disk: :class:`~hanzipad.fileio.WriteError` naming ``path``)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, arr, allow_pickle=False)
        os.replace(tmp, path)
    except BaseException as exc:
        named = fileio.write_error(exc, path) if isinstance(exc, OSError) else None  # disk full?
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if named is not None:
            raise named from None
        raise


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


def read_index(folder) -> dict:
    """The validated ``index.json`` of a prepared folder; :class:`SourceError` when unusable."""
    folder = Path(folder)
    file = folder / INDEX if folder.is_dir() else folder
    if not file.exists():
        raise SourceError(f"{folder}: not a prepared shard folder (no {INDEX}; run hanzipad-train prepare)")
    try:
        index = fileio.read_json(file, max_bytes=256 * 1024 * 1024, max_depth=128)
    except OSError as exc:
        raise SourceError(f"{file}: unreadable index ({exc.strerror or exc})") from None
    except ValueError as exc:  # names the file
        raise SourceError(f"unreadable index: {exc}") from None
    if not isinstance(index, dict) or index.get("format") != FORMAT:
        raise SourceError(f"{file}: not a {FORMAT} index")
    if index.get("version", 0) > FORMAT_VERSION:
        raise SourceError(f"{file}: made by a newer trainer (format version {index.get('version')})")
    if index.get("convention_version") != CONVENTION_VERSION:
        raise SourceError(
            f"{file}: samples were normalized with convention {index.get('convention_version')}, "
            f"this trainer uses {CONVENTION_VERSION}; prepare the data again"
        )
    if not isinstance(index.get("labels"), list) or not isinstance(index.get("shards"), list):
        raise SourceError(f"{file}: index lacks 'labels' or 'shards'")
    return index


def load_shard_arrays(path, mmap: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``(images uint8[n, 64, 64], labels int[n])`` of one shard.

    ``path`` is the shard's ``.images.npy`` (or ``.labels.npy``, or the name without the
    suffix).  With ``mmap`` the images are memory-mapped (read on access).  Labels index
    the folder's ``index.json`` ``labels``.
    """
    path = str(path)
    for suffix in (IMAGES_SUFFIX, LABELS_SUFFIX):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    images_file, labels_file = path + IMAGES_SUFFIX, path + LABELS_SUFFIX
    try:
        for file in (images_file, labels_file):  # a FIFO would block np.load forever
            fileio.check_regular_file(file)
        # memory-mapped first: a header declaring more than the file holds is refused by the
        # mapping, never allocated (a damaged header once asked for 1.8 TiB)
        images = np.load(images_file, mmap_mode="r", allow_pickle=False)
        labels = np.array(np.load(labels_file, mmap_mode="r", allow_pickle=False))
        if not mmap:
            images = np.array(images)
    except FileNotFoundError as exc:
        raise SourceError(f"{exc.filename}: shard file missing") from None
    except (OSError, ValueError, EOFError, MemoryError) as exc:
        raise SourceError(f"{path}: corrupt shard ({exc})") from None
    if (
        images.dtype != np.uint8
        or images.ndim != 3
        or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE)
        or labels.ndim != 1
        or labels.dtype.kind not in "iu"
        or len(labels) != len(images)
    ):
        raise SourceError(
            f"{path}: corrupt shard (images {images.dtype}{list(images.shape)}, labels {labels.dtype}{list(labels.shape)})"
        )
    return images, labels


class ShardSource(Source):
    """``shards:DIR`` — a folder made by :func:`write_shards` / ``prepare``.

    Stored labels are remapped to this source's label map (characters outside it are
    skipped and counted); each shard is read memory-mapped, in a shuffled order.
    """

    kind = "shards"

    def __init__(self, spec, **kw):
        super().__init__(spec, **kw)
        self.index = read_index(self.path)
        self.folder = self.path if self.path.is_dir() else self.path.parent
        stored = self.index["labels"]
        self.remap = np.array(
            [self.label_map.get(c, -1) if (self.classes is None or c in self.classes) else -2 for c in stored],
            np.int64,
        )
        self.stored_labels = stored

    def shards(self) -> list[str]:
        return [str(self.folder / e["images"]) for e in self.index["shards"]]

    def load_arrays(self, shard: str) -> tuple[np.ndarray, np.ndarray]:
        """``(images memmap uint8[n, 64, 64], labels int64[n])`` of one shard with the labels
        mapped to THIS source's label map; -1 marks samples to drop (character outside the
        label map or the selected classes, or a corrupt label).  No per-sample stats."""
        images, labels = load_shard_arrays(shard)
        every = int(self.options.get("every", 1))
        if every > 1:
            images, labels = images[::every], labels[::every]
        stored = np.asarray(labels, np.int64)
        ok = (stored >= 0) & (stored < len(self.remap))
        mapped = np.where(ok, self.remap[np.where(ok, stored, 0)], -1)
        return images, np.maximum(mapped, -1)

    def iter_shard(self, shard: str, seed: int = 0):
        images, labels = load_shard_arrays(shard)
        every = int(self.options.get("every", 1))  # ?every=N: every N-th sample (a subset)
        if every > 1:
            images, labels = images[::every], labels[::every]
        bad = (labels < 0) | (labels >= len(self.remap))
        if bad.any():
            self.stats.note(
                "corrupt", f"{shard}: {int(bad.sum())} labels outside the index's label list", n=int(bad.sum())
            )
        for j in self.rng(Path(shard).name, seed).permutation(len(images)):
            if bad[j]:
                continue  # counted above
            lab = int(self.remap[labels[j]])
            if lab == -2:
                self.stats.note("not_selected")
                continue
            if lab < 0:
                c = self.stored_labels[labels[j]]
                self.stats.note("out_of_labels", f"{shard} [{j}]: {c!r} is not in the label set")
                continue
            self.stats.add_yielded()
            yield np.array(images[j]), lab

    def _describe_extra(self) -> dict:
        out = {"count": self.index.get("count"), "sources": self.index.get("sources", [])}
        if int(self.options.get("every", 1)) > 1:
            out["every"] = int(self.options["every"])
        return out


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
