"""``hanzipad-train pack``: the ink of ink sources into one ink pack file.

Every source must be an :class:`~trainer.sources.base.InkSource` (``pot``, ``ink``,
``strokes``, ``inkpack``): each of its shards becomes one block of the pack, the ink its
:meth:`~trainer.sources.base.InkSource.inks` gives (checked and counted as when it is
rendered), with the block's :meth:`~trainer.sources.base.InkSource.writer` and
:meth:`~trainer.sources.base.InkSource.origin` in the index. The file format is
:mod:`trainer.sources.inkpack_format`; ``inkpack:FILE`` reads it back
(:mod:`trainer.sources.inkpack`). Shards are encoded by ``workers`` processes and written in
order: the same data give the same file.
"""

from __future__ import annotations

import multiprocessing
import shlex
import sys
import time
from pathlib import Path

from trainer.records import public, public_text
from trainer.sources import InkSource, SourceError, open_source, parse_spec, source_class
from trainer.sources.base import SkipStats, default_label_map
from trainer.sources.inkpack_format import (
    CODECS,
    DEFAULT_LEVELS,
    TOLERANCE,
    PackWriter,
    compress_block,
    encode_ink,
    frame,
)

#: The kinds a pack holds (those whose source is an InkSource), as messages name them.
INK_KINDS = ("pot", "ink", "strokes", "inkpack")

_SOURCES: dict = {}


def _not_ink(spec) -> SourceError:
    return SourceError(f"{spec}: {spec.kind} data are images, not ink; a pack holds "
                       f"{', '.join(INK_KINDS)}")


def _pack_task(task):
    """Encode one source shard into one block; runs in a worker process (spawn-safe)."""
    si, spec, shard, seed, tolerance, levels, labels, classes, codec = task
    key = (spec, seed, classes)
    src = _SOURCES.get(key)
    if src is None:
        _SOURCES.clear()
        src = _SOURCES[key] = open_source(spec, seed=seed, classes=classes and list(classes),
                                          label_map={c: i for i, c in enumerate(labels)})
    if not isinstance(src, InkSource):
        raise _not_ink(src.spec)
    src.stats = SkipStats()
    out, count = bytearray(), 0
    for sample in src.inks(shard, seed):
        try:
            payload = encode_ink(sample.ink, sample.label, tolerance=tolerance, levels=levels,
                                 width_scale=sample.width_scale)
        except ValueError as exc:
            src.stats.note("corrupt", f"{shard}: cannot pack a sample ({exc})")
            continue
        out += frame(payload)
        count += 1
    src.stats.yielded = count
    data = bytes(out)
    stored = compress_block(data, codec) if count else data  # in the worker: in parallel
    return si, data, stored, count, src.writer(shard), src.origin(shard), src.stats


def pack(data_specs: list[str], out, *, workers: int = 1, tolerance: float = TOLERANCE,
         levels: int = DEFAULT_LEVELS, seed: int = 0, classes=None, command: str | None = None,
         log=None, compress: str = "none") -> dict:
    """Pack the ink of every source into the file ``out``; returns a summary (samples, bytes,
    bytes a sample, seconds). Raises :class:`SourceError` for a bad spec, a source that holds
    images, or an ``out`` that exists. ``classes``: only these characters (the pack's label
    list stays the full one)."""
    log = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = Path(out)
    if out.exists():
        raise SourceError(f"{out}: exists; choose a new file name for the ink pack")
    if not (levels == 0 or 2 <= levels <= 255):
        raise SourceError(f"levels must be 0 (integer pen units kept) or 2..255, not {levels}")
    if tolerance < 0:
        raise SourceError(f"tolerance must be at least 0, not {tolerance}")
    if compress not in CODECS:
        raise SourceError(f"compress must be one of {', '.join(CODECS)}, not {compress!r}")
    specs = [parse_spec(s) for s in data_specs]
    if not specs:
        raise SourceError("pack: no --data sources given")
    for s in specs:
        if not issubclass(source_class(s.kind), InkSource):
            raise _not_ink(s)
        if s.options.get("scan"):
            raise SourceError(f"{s}: scan= is a way of rendering; pack the ink and give "
                              "inkpack:FILE?scan=P where it is rendered")
    label_map = default_label_map()
    labels = "".join(sorted(label_map, key=label_map.__getitem__))
    classes = tuple(classes) if classes is not None else None
    sources = [open_source(s, seed=seed, classes=classes and list(classes), label_map=label_map)
               for s in specs]
    tasks = [(si, str(s), shard, seed, tolerance, levels, labels, classes, compress)
             for si, (s, src) in enumerate(zip(specs, sources)) for shard in src.shards()]
    described = [src.describe() for src in sources]
    extra = {"command": public_text(command)} if command else None
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = PackWriter(out, labels, described, levels=levels, tolerance=tolerance, extra=extra,
                        compress=compress)
    stats = [SkipStats() for _ in specs]
    workers = max(1, min(int(workers or 1), len(tasks)))
    log(f"pack: {len(specs)} source(s), {len(tasks)} source shards, {workers} worker(s) -> {out}")
    start, done, total = time.monotonic(), 0, 0
    pool = None
    try:
        if workers == 1:
            results = map(_pack_task, tasks)
        else:
            pool = multiprocessing.get_context("spawn").Pool(workers)
            results = pool.imap(_pack_task, tasks)  # in order: the same file for the same data
        for si, data, stored, count, wr, origin, st in results:
            writer.add_block(data, count, writer=wr, origin=origin, source=si, stored=stored)
            stats[si].merge(st)
            done += 1
            total += count
            if done % 10 == 0 or done == len(tasks):
                log(f"pack: {done}/{len(tasks)} shards, {total} samples, "
                    f"{writer.pos / max(total, 1):.1f} bytes a sample")
        if pool is not None:
            pool.close()
            pool.join()
        index = writer.close([public(st.as_dict()) for st in stats])
    except BaseException:
        writer.abort()
        raise
    finally:
        if pool is not None:
            pool.terminate()
    for s, st in zip(specs, stats):
        log(f"pack: {s}: {st.summary()}")
    size, elapsed = out.stat().st_size, time.monotonic() - start
    summary = {"samples": index["count"], "bytes": size,
               "bytes_per_sample": round(size / max(index["count"], 1), 2),
               "seconds": round(elapsed, 1)}
    log(f"pack: wrote {index['count']} samples, {size} bytes "
        f"({summary['bytes_per_sample']} a sample) to {out} in {elapsed:.1f} s")
    return summary


def pack_main(args, argv: list[str]) -> int:
    """The ``hanzipad-train pack`` command."""
    pack(args.data, args.out, workers=args.workers, tolerance=args.tolerance, levels=args.levels,
         seed=args.seed, command=shlex.join(["hanzipad-train", *argv]), compress=args.compress)
    return 0


__all__ = ["INK_KINDS", "pack", "pack_main"]
