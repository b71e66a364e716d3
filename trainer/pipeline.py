"""Input pipelines: data sources -> batches of (image float32 [B,64,64,1] 0..255, one-hot label).

* :func:`train_dataset` / :func:`val_dataset`: tf.data. Shard list -> shuffle -> interleave
  (``from_generator(iter_shard)``, parallel, non-deterministic) -> shuffle buffer -> batch ->
  augmentation map (parallel) -> prefetch. Streams; never loads a dataset into memory.
* :class:`ShardStream`: a ``keras.utils.PyDataset`` (no TensorFlow needed) for machines with
  JAX but no TensorFlow: reads a few shards at a time, shuffles inside that window, batches;
  the augmentation then runs inside the training model on the accelerator.

Nothing here imports TensorFlow at import time.
"""

from __future__ import annotations

import itertools
import threading
import zlib
from collections.abc import Iterator

import numpy as np

from trainer.sources import SourceError, open_source
from trainer.sources.base import default_label_map


class DataSet:
    """The opened sources of one ``--train``/``--val`` list, their labels mapped to the
    trained class subset (class i = ``classes[i]``)."""

    def __init__(self, specs: list[str], classes: list[str], seed: int = 0):
        if not specs:
            raise SourceError("no data given")
        full = default_label_map()
        self.classes = list(classes)
        subset = None if len(self.classes) == len(full) else self.classes
        # full-map index -> trained index (-1: not trained)
        self.remap = np.full(len(full), -1, dtype=np.int64)
        for i, ch in enumerate(self.classes):
            self.remap[full[ch]] = i
        self.sources = [open_source(s, seed=seed, classes=subset, label_map=full) for s in specs]
        self.shards: list[tuple[int, str]] = []
        for k, src in enumerate(self.sources):
            shards = src.shards()
            self.shards.extend((k, sh) for sh in shards)
        if not self.shards:
            raise SourceError(f"{', '.join(specs)}: no data shards")

    def iter_shard(self, index: int, seed: int) -> Iterator[tuple[np.ndarray, int]]:
        k, shard = self.shards[index]
        for image, label in self.sources[k].iter_shard(shard, seed):
            y = int(self.remap[label]) if 0 <= label < len(self.remap) else -1
            if y >= 0:
                yield image, y

    def __iter__(self):
        for i in range(len(self.shards)):
            yield from self.iter_shard(i, 0)

    def describe(self) -> list[dict]:
        return [src.describe() for src in self.sources]

    def stats(self) -> dict:
        out = {}
        for src in self.sources:
            out[str(src.spec)] = src.stats.as_dict()
        return out

    def skipped(self) -> int:
        return sum(src.stats.skipped for src in self.sources)

    def summary(self) -> str:
        return "\n".join(f"{src.spec}: {src.stats.summary()}" for src in self.sources)

    def shard_arrays(self, index: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """All samples of one shard as arrays (prepared shards load directly)."""
        k, shard = self.shards[index]
        src = self.sources[k]
        if hasattr(src, "load_arrays"):  # prepared shards: memory-mapped arrays, no per-sample work
            images, labels = src.load_arrays(shard)
            labels = np.asarray(labels, dtype=np.int64)
            y = np.where(labels >= 0, self.remap[np.clip(labels, 0, len(self.remap) - 1)], -1)
            keep = y >= 0
            src.stats.add_yielded(int(keep.sum()))
            return np.asarray(images[keep]), y[keep]
        pairs = list(self.iter_shard(index, seed))
        if not pairs:
            return np.zeros((0, 64, 64), np.uint8), np.zeros((0,), np.int64)
        return np.stack([p[0] for p in pairs]), np.array([p[1] for p in pairs], np.int64)


def _epoch_seed(seed: int, epoch: int) -> int:
    return zlib.crc32(f"{seed}:{epoch}".encode()) & 0x7FFFFFFF


# --------------------------------------------------------------------------- tf.data

def train_dataset(data: DataSet, cfg, *, batch_size: int, seed: int, augmenter=None,
                  num_workers: int = 1, worker_index: int = 0, start_epoch: int = 0):
    """Endless, shuffled, augmented training batches (per-worker ``batch_size``)."""
    import tensorflow as tf

    n_shards = len(data.shards)
    classes = len(data.classes)
    ids = tf.data.Dataset.range(n_shards)
    shard_level = num_workers > 1 and n_shards >= num_workers
    if shard_level:
        ids = ids.shard(num_workers, worker_index)

    def epoch(e):
        # a new shard order and a new per-shard seed each pass (synthetic sources vary by seed)
        return ids.shuffle(n_shards, seed=seed + 17, reshuffle_each_iteration=True).map(
            lambda i: (i, e))

    def gen(i, e):
        yield from data.iter_shard(int(i), _epoch_seed(seed, int(e)))

    sig = (tf.TensorSpec((64, 64), tf.uint8), tf.TensorSpec((), tf.int64))
    ds = tf.data.Dataset.range(start_epoch, 1 << 40).flat_map(epoch)
    ds = ds.interleave(
        lambda i, e: tf.data.Dataset.from_generator(gen, args=(i, e), output_signature=sig),
        cycle_length=max(1, min(cfg.interleave, n_shards)),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=False,
    )
    if num_workers > 1 and not shard_level:
        ds = ds.shard(num_workers, worker_index)
    if cfg.shuffle_buffer > 1:
        ds = ds.shuffle(cfg.shuffle_buffer, seed=seed + 29)
    ds = ds.batch(batch_size, drop_remainder=True)

    def prep(x, y):
        return tf.cast(x[..., None], tf.float32), y

    ds = ds.map(prep, num_parallel_calls=tf.data.AUTOTUNE)
    if augmenter is not None:
        ds = ds.map(lambda x, y: (augmenter(x, training=True), y),
                    num_parallel_calls=tf.data.AUTOTUNE, deterministic=False)
    ds = ds.map(lambda x, y: (x, tf.one_hot(y, classes)), num_parallel_calls=tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    options.deterministic = False
    return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def val_dataset(data: DataSet, *, batch_size: int, limit: int):
    """``(dataset, steps)``: the first ``limit`` validation samples, unaugmented, cached, in
    ``steps`` batches, repeated (Keras keeps one validation iterator across evaluations when
    validation_steps is given, so each evaluation reads exactly one pass)."""
    import tensorflow as tf

    classes = len(data.classes)

    def gen():
        n = 0
        for image, label in data:
            yield image, label
            n += 1
            if n >= limit:
                return

    sig = (tf.TensorSpec((64, 64), tf.uint8), tf.TensorSpec((), tf.int64))
    ds = tf.data.Dataset.from_generator(gen, output_signature=sig).cache()
    ds = ds.batch(batch_size).map(
        lambda x, y: (tf.cast(x[..., None], tf.float32), tf.one_hot(y, classes)),
        num_parallel_calls=tf.data.AUTOTUNE)
    steps = sum(1 for _ in ds)  # one pass fills the cache
    if steps == 0:
        raise SourceError("the validation data yielded no samples")
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return ds.repeat().with_options(options).prefetch(2), steps


# --------------------------------------------------------------------------- no-TF path

def _pydataset_base():
    import keras

    return keras.utils.PyDataset


class _Window:
    """Thread-safe endless stream of shuffled samples: loads ``window`` shards at a time
    (in a shuffled shard order per pass), shuffles their samples together, yields them."""

    def __init__(self, data: DataSet, seed: int, window: int, start_epoch: int = 0,
                 num_workers: int = 1, worker_index: int = 0):
        self.data = data
        self.seed = seed
        self.window = max(1, window)
        self.epoch = start_epoch
        self.lock = threading.Lock()
        ids = np.arange(len(data.shards))
        if num_workers > 1 and len(ids) >= num_workers:
            ids = ids[worker_index::num_workers]
        self.ids = ids
        self._order: list[int] = []
        self._x = np.zeros((0, 64, 64), np.uint8)
        self._y = np.zeros((0,), np.int64)
        self._pos = 0

    def _refill(self):
        xs, ys = [self._x[self._pos:]], [self._y[self._pos:]]
        loaded = 0
        guard = 0
        while loaded < self.window:
            if not self._order:
                rng = np.random.default_rng(_epoch_seed(self.seed, self.epoch))
                self._order = list(rng.permutation(self.ids))
                self.epoch += 1
            i = int(self._order.pop())
            x, y = self.data.shard_arrays(i, _epoch_seed(self.seed, self.epoch))
            xs.append(x)
            ys.append(y)
            loaded += 1
            guard += 1
            if guard > 4 * len(self.ids) + self.window and sum(len(a) for a in ys) == 0:
                raise SourceError("the training data yielded no samples")
        x, y = np.concatenate(xs), np.concatenate(ys)
        perm = np.random.default_rng(_epoch_seed(self.seed + 1, self.epoch * 7919 + len(x))).permutation(len(x))
        self._x, self._y, self._pos = x[perm], y[perm], 0

    def take(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        with self.lock:
            while len(self._x) - self._pos < n:
                self._refill()
            x = self._x[self._pos:self._pos + n]
            y = self._y[self._pos:self._pos + n]
            self._pos += n
            return x, y


def shard_stream(data: DataSet, *, batch_size: int, steps: int, seed: int, workers: int = 2,
                 window: int = 4, start_epoch: int = 0, num_workers: int = 1,
                 worker_index: int = 0):
    """A ``keras.utils.PyDataset`` of ``steps`` batches per Keras epoch, endless in total
    (each index returns the next shuffled batch; thread workers fill the queue)."""
    base = _pydataset_base()
    classes = len(data.classes)

    class ShardStream(base):
        def __init__(self):
            super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=8)
            self.stream = _Window(data, seed, window, start_epoch, num_workers, worker_index)

        def __len__(self):
            return steps

        def __getitem__(self, index):
            x, y = self.stream.take(batch_size)
            return x[..., None].astype(np.float32), one_hot(y, classes)

    return ShardStream()


def one_hot(labels, classes: int) -> np.ndarray:
    """float32 one-hot rows for integer ``labels``."""
    out = np.zeros((len(labels), classes), np.float32)
    out[np.arange(len(labels)), labels] = 1.0
    return out


def val_arrays(data: DataSet, limit: int, what: str = "validation") -> tuple[np.ndarray, np.ndarray]:
    """The first ``limit`` samples of ``data`` (the ``what`` data, for the error) as float32
    arrays with one-hot labels."""
    return _arrays(itertools.islice(data, limit), data, what)


def spread_arrays(data: DataSet, limit: int, what: str = "training") -> tuple[np.ndarray, np.ndarray]:
    """About ``limit`` samples of ``data`` taken evenly from all its shards (a shard is often
    one writer or one source), as :func:`val_arrays` gives them."""
    per = max(1, -(-limit // len(data.shards)))
    step = max(1, len(data.shards) // limit)
    samples = itertools.chain.from_iterable(
        itertools.islice(data.iter_shard(i, 0), per) for i in range(0, len(data.shards), step))
    return _arrays(itertools.islice(samples, limit), data, what)


def _arrays(samples, data: DataSet, what: str) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for image, label in samples:
        xs.append(image)
        ys.append(int(label))
    if not xs:
        raise SourceError(f"the {what} data yielded no samples")
    return np.stack(xs)[..., None].astype(np.float32), one_hot(ys, len(data.classes))
