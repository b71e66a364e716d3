"""``shards:DIR`` — prepared data (a folder that ``hanzipad-train prepare``, :mod:`trainer.shards`,
wrote) as a source, and the readers of that folder's format.

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
no more memory than the samples in use.

API: :class:`ShardSource` (``shards:DIR`` as a source everywhere, labels remapped to the
caller's label map; option ``every``: every N-th sample), :func:`load_shard_arrays` (numpy
arrays of one shard, for pure-numpy consumers), :func:`read_index`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hanzipad import CONVENTION_VERSION, IMAGE_SIZE, fileio
from trainer.sources.base import Source, SourceError

FORMAT = "hanzipad-shards"
FORMAT_VERSION = 1
INDEX = "index.json"
IMAGES_SUFFIX = ".images.npy"
LABELS_SUFFIX = ".labels.npy"


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


__all__ = ["FORMAT", "FORMAT_VERSION", "INDEX", "ShardSource", "load_shard_arrays", "read_index"]
