"""The ink pack's file format: pen traces in a compact, checked file (:func:`encode_ink`,
:class:`PackWriter`, :class:`PackReader`). ``hanzipad-train pack`` (:mod:`trainer.pack`)
writes it; ``inkpack:FILE`` (:mod:`trainer.sources.inkpack`) reads it as a source.

A GPU machine's working tree may be small (64 MiB), too small for CASIA's ``.pot`` files
(240 MB) or for rendered shards (4 KiB an image). An ink pack keeps the *ink* instead (CASIA
writers 1001-1180: 125 bytes a character, 84 MB; 80 bytes with ``levels=100, tolerance=2``),
and the machine renders it on its own cores
(``hanzipad-train prepare --data inkpack:FILE --workers 16``) through the same rasterizer as
every other source.

Each sample's strokes are simplified (Ramer-Douglas-Peucker, distance to the segment, at
``tolerance`` 255ths of the character's longer side), moved to start at (0, 0) and delta coded
(zigzag varints). Integer pen coordinates (CASIA's tablet units, 200-400 across a character)
are kept as they are (``levels=0``, the default): on 14,983 characters of held-out writers
1181-1200 the shipped model then gives the same answer as from the ``.pot`` for 98.4 % of them
(top-1 80.44 % vs 80.42 %); rescaled to 255 steps (every point moved by up to half a step) for
95.5 % (-0.15 points), to 100 steps at tolerance 2 (80 bytes a character) 89.2 % (-0.20), to 63
steps 84.8 % (-1.49). Other ink (ink files, synthetic handwriting), or ``levels=L``, is scaled
so that its longer side is L steps (255 when levels is 0), aspect kept. Stroke order and direction are kept; the rasterizer
ignores them anyway. Pressure (ink files, synthetic handwriting) is kept as a byte per point,
a synthetic writer's pen width (``width_scale``) as two bytes per sample.

``compress="xz"`` (``pack --compress xz``) stores each block xz-compressed (LZMA2, CRC-64
check): 23 % smaller on CASIA writers at ``--levels 100 --tolerance 2`` (84.7 -> 65 bytes a
character), so that writers 1001-1180 fit a 64 MiB device tree beside the repository and more.
Such a file is version 2 (older trainers refuse it by its version); its blocks name their
``codec`` and ``raw_bytes`` in the index, and ``crc32`` stays the CRC of the uncompressed
block. A block that does not decompress (damage, cut short) is skipped whole and counted as
corrupt with the reason, like a block that fails its CRC.

File layout (little-endian)::

    header   "HZINKPAK" | u16 version | u16 0 | u32 n | n bytes JSON | u32 CRC-32 of all before
    blocks   records back to back; one block per source file (one CASIA writer)
    record   varint L | L bytes payload | u16 low half of the payload's CRC-32
    footer   m bytes JSON (the index) | u32 m | u32 CRC-32 of the JSON | u64 file size | "HZINKEND"

Header JSON: ``format`` ("hanzipad-inkpack"), ``version``, ``labels`` (a string: class i of the
pack is its i-th character), ``levels``, ``tolerance``, ``sources`` (each packed source's
``describe()``: kind, spec, terms, writers ...), ``created``. Index JSON: ``count``, ``blocks``
(``offset``, ``bytes``, ``count``, ``crc32`` of the block, ``writer``: the CASIA writer of
every sample in it, 0 when unknown, ``origin``: the source file's name, ``source``: index into
``sources``), ``stats`` (each source's skip counts while packing).

Payload: varint ``label << 2 | flags`` (bit 0: a pressure byte follows each point, value/255;
bit 1: a u16 ``width_scale`` follows, value/1024), varint stroke count, then per stroke a varint point
count and per point zigzag-varint dx, dy from the previous point (the first from (0, 0)).

A file that is cut short (no end marker), has bytes after its end, or whose header or index
fails its CRC is refused as a whole (:class:`PackError`, naming the file and the problem). A
record whose check fails is skipped and counted as corrupt (``"FILE @ byte N: ..."``), like a
bad record of any other source; a block whose CRC fails although every record passed is
skipped whole, and after two bad records in a row the rest of that block is (its length
fields cannot be trusted).
"""

from __future__ import annotations

import contextlib
import errno
import json
import lzma
import os
import struct
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from hanzipad import fileio
from hanzipad.ink import DEFAULT_PRESSURE, Ink, Point
from hanzipad.raster import PEN_FRACTION
from trainer.sources.base import SkipStats, SourceError

FORMAT = "hanzipad-inkpack"
#: Version 1: plain blocks. Version 2: blocks may be compressed (the index names their codec).
VERSION = 2
#: Block codecs a pack may use (``pack --compress``); None stores blocks as they are.
CODECS = ("none", "xz")
MAGIC = b"HZINKPAK"
END = b"HZINKEND"
HEAD = struct.Struct("<8sHHI")
FOOT = struct.Struct("<IIQ8s")
#: Coordinates of ink that is not in integer pen units: the longer side is 0..LEVELS (8 bits).
LEVELS = 255
#: The default ``levels``: 0 keeps integer pen coordinates (CASIA's tablet units) as they are.
DEFAULT_LEVELS = 0
#: ``levels=0``: integer coordinates spanning at most this many units are kept as they are.
NATIVE_MAX = 4095
#: Simplification tolerance in those units (1.0: a quarter of a pixel of the 56-pixel box).
TOLERANCE = 1.0
#: Largest header or index JSON read (bytes); a damaged size field cannot make us read more.
MAX_JSON = 64 << 20
#: The most bytes one compressed block may decompress to: at most MAX_BLOCK_RAW, and at most
#: MAX_BLOCK_RATIO times its stored size (xz saves about 23 % on ink records, never 90 %+).
MAX_BLOCK_RAW = 256 << 20
MAX_BLOCK_RATIO = 20

_PRESSURE, _WIDTH = 1, 2


class PackError(SourceError):
    """An ink pack that cannot be used at all (truncated, damaged header or index)."""


# -- coding ------------------------------------------------------------------------------------

def _put_varint(out: bytearray, v: int) -> None:
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)


def _put_signed(out: bytearray, v: int) -> None:
    _put_varint(out, v << 1 if v >= 0 else (-v << 1) - 1)


def _varint(data: bytes, i: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        b = data[i]  # IndexError past the end: the caller reports a bad record
        i += 1
        v |= (b & 0x7F) << shift
        if b < 0x80:
            return v, i
        shift += 7
        if shift > 35:
            raise ValueError("varint too long")


def simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the points Ramer-Douglas-Peucker keeps: every dropped point lies within
    ``tolerance`` of the segment between two kept ones (distance to the segment, not the line,
    so a hook that turns back is kept). The first and last points are always kept. ``points``
    is ``[n, d]``: (x, y), or (x, y, pen radius) so that a change of width is kept too."""
    n = len(points)
    if n <= 2:
        return np.arange(n)
    keep = np.zeros(n, bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        p, q = points[a], points[b]
        seg = points[a + 1 : b]
        d = q - p
        dd = float(d @ d)
        if dd > 0:
            t = np.clip((seg - p) @ d / dd, 0.0, 1.0)
            off = seg - p - t[:, None] * d
        else:
            off = seg - p
        dist = np.sqrt((off * off).sum(axis=1))
        k = int(np.argmax(dist))
        if dist[k] > tolerance:
            m = a + 1 + k
            keep[m] = True
            stack.append((a, m))
            stack.append((m, b))
    return np.flatnonzero(keep)


def encode_ink(ink: Ink, label: int, *, tolerance: float = TOLERANCE, levels: int = DEFAULT_LEVELS,
               width_scale: float | None = None) -> bytes:
    """One sample's record payload (see the module doc). ``width_scale``: a synthetic writer's
    pen width (None or 1: not stored)."""
    strokes = [s for s in ink.strokes if s]
    if not strokes:
        raise ValueError("ink has no strokes")
    bounds = ink.bounds()
    extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
    tol = tolerance * extent / (levels or LEVELS)
    has_p = any(p.pressure is not None for s in strokes for p in s)
    kept = []
    for s in strokes:
        xy = np.array([(p.x, p.y) for p in s], np.float64)
        pr = (np.array([DEFAULT_PRESSURE if p.pressure is None else p.pressure for p in s])
              if has_p else None)
        if tol <= 0:
            idx = np.arange(len(s))
        elif pr is None:
            idx = simplify(xy, tol)
        else:  # the pen's radius moves with pressure (hanzipad.raster): keep where it changes
            radius = pr * (0.4 * PEN_FRACTION * extent)
            idx = simplify(np.column_stack([xy, radius]), tol)
        kept.append((xy[idx], pr[idx] if pr is not None else None))
    allxy = np.concatenate([k[0] for k in kept])
    lo = allxy.min(axis=0)
    span = float((allxy.max(axis=0) - lo).max())
    scale = levels / span if span > 0 else 0.0
    if not levels:
        # integer pen coordinates (a tablet's, CASIA's) are kept as they are, moved to 0:
        # rescaling them to steps would move every point by up to half a step
        native = span <= NATIVE_MAX and bool((allxy == np.rint(allxy)).all())
        scale = 1.0 if native else (LEVELS / span if span > 0 else 0.0)
    flags = (_PRESSURE if has_p else 0)
    ws = None
    if width_scale is not None and abs(width_scale - 1.0) > 1e-9:
        ws = int(min(0xFFFF, max(1, round(width_scale * 1024))))
        flags |= _WIDTH
    out = bytearray()
    _put_varint(out, label << 2 | flags)
    if ws is not None:
        out += struct.pack("<H", ws)
    out_strokes = []
    for xy, pr in kept:
        q = np.rint((xy - lo) * scale).astype(np.int64)
        if len(q) > 1:  # points that fall on the same place
            same = np.r_[False, (q[1:] == q[:-1]).all(axis=1)]
            q = q[~same]
            pr = pr[~same] if pr is not None else None
        out_strokes.append((q, pr))
    _put_varint(out, len(out_strokes))
    px = py = 0
    for q, pr in out_strokes:
        _put_varint(out, len(q))
        for j, (x, y) in enumerate(q.tolist()):
            _put_signed(out, x - px)
            _put_signed(out, y - py)
            px, py = x, y
            if pr is not None:
                out.append(int(min(255, max(0, round(float(pr[j]) * 255)))))
    return bytes(out)


@dataclass
class Sample:
    """A decoded record: the pack's class index, the strokes as ``[(x, y, pressure|None)...]``
    in 0..levels, and the pen width."""

    label: int
    strokes: list
    width_scale: float = 1.0

    def ink(self, char: str | None = None) -> Ink:
        return Ink([tuple(Point(float(x), float(y), None, p) for x, y, p in s) for s in self.strokes],
                   meta={"label": char} if char else {})


def decode(payload: bytes) -> Sample:
    """The inverse of :func:`encode_ink`; ValueError for a payload that does not parse whole."""
    try:
        head, i = _varint(payload, 0)
        flags, label = head & 3, head >> 2
        ws = 1.0
        if flags & _WIDTH:
            if i + 2 > len(payload):
                raise IndexError
            ws = struct.unpack_from("<H", payload, i)[0] / 1024
            i += 2
        has_p = bool(flags & _PRESSURE)
        n, i = _varint(payload, i)
        if n == 0:
            raise ValueError("no strokes")
        strokes = []
        x = y = 0
        for _ in range(n):
            m, i = _varint(payload, i)
            if m == 0:
                raise ValueError("empty stroke")
            pts = []
            for _ in range(m):
                v, i = _varint(payload, i)
                x += (v >> 1) ^ -(v & 1)
                v, i = _varint(payload, i)
                y += (v >> 1) ^ -(v & 1)
                if has_p:
                    pts.append((x, y, payload[i] / 255))
                    i += 1
                else:
                    pts.append((x, y, None))
            strokes.append(pts)
    except IndexError:
        raise ValueError("record ends inside a sample") from None
    if i != len(payload):
        raise ValueError(f"{len(payload) - i} bytes left over after the sample")
    return Sample(label, strokes, ws)


def _record_ok(data: bytes, i: int, n: int) -> bool:
    """Whether the ``n``-byte payload at ``i`` matches the check that follows it."""
    return zlib.crc32(data[i : i + n]) & 0xFFFF == struct.unpack_from("<H", data, i + n)[0]


def frame(payload: bytes) -> bytes:
    """A record: varint length, payload, low 16 bits of the payload's CRC-32."""
    out = bytearray()
    _put_varint(out, len(payload))
    out += payload
    out += struct.pack("<H", zlib.crc32(payload) & 0xFFFF)
    return bytes(out)


# -- reading -----------------------------------------------------------------------------------

class PackReader:
    """An opened pack: ``header``, ``index``, ``labels`` (pack class -> character) and
    :meth:`records` per block. Opening checks the end marker, the size and both CRCs; any
    failure raises :class:`PackError` naming the file."""

    def __init__(self, path):
        self.path = Path(path)
        shown = str(self.path)
        try:
            with fileio.open_regular(self.path) as f:  # a FIFO would block the open forever
                size = os.fstat(f.fileno()).st_size
                head = f.read(HEAD.size)
                if len(head) < HEAD.size or head[:8] != MAGIC:
                    raise PackError(f"{shown}: not an ink pack (no {MAGIC.decode()} header)")
                _, version, _, n = HEAD.unpack(head)
                if version > VERSION:
                    raise PackError(f"{shown}: ink pack version {version} is newer than this "
                                    f"trainer reads ({VERSION})")
                if n > MAX_JSON or HEAD.size + n + 4 > size:
                    raise PackError(f"{shown}: damaged or truncated ink pack (header of {n} bytes "
                                    f"in a file of {size})")
                body = f.read(n + 4)
                if zlib.crc32(head + body[:n]) != struct.unpack("<I", body[n:])[0]:
                    raise PackError(f"{shown}: damaged ink pack (header CRC mismatch)")
                self.data_start = HEAD.size + n + 4
                if size < self.data_start + FOOT.size:
                    raise PackError(f"{shown}: truncated ink pack ({size} bytes, ends before its "
                                    "index; was the copy complete?)")
                f.seek(size - FOOT.size)
                m, crc, total, end = FOOT.unpack(f.read(FOOT.size))
                if end != END:
                    raise PackError(f"{shown}: truncated ink pack ({size} bytes, no end marker; "
                                    "was the copy complete?)")
                if total != size:
                    raise PackError(f"{shown}: ink pack is {size} bytes, its footer says {total} "
                                    f"({'truncated' if size < total else 'bytes appended'})")
                if m > MAX_JSON or self.data_start + m + FOOT.size > size:
                    raise PackError(f"{shown}: damaged ink pack (index size {m})")
                f.seek(size - FOOT.size - m)
                raw = f.read(m)
                if zlib.crc32(raw) != crc:
                    raise PackError(f"{shown}: damaged ink pack (index CRC mismatch)")
        except OSError as exc:
            raise PackError(f"{shown}: cannot read the ink pack ({exc.strerror or exc})") from None
        try:
            self.header = fileio.loads_bounded(body[:n].decode("utf-8"), max_depth=32,
                                               what="header")
            self.index = fileio.loads_bounded(raw.decode("utf-8"), max_depth=16, what="index")
            self.labels = str(self.header["labels"])
            self.blocks = list(self.index["blocks"])
            self.data_end = size - FOOT.size - m
            for b in self.blocks:
                if not (self.data_start <= int(b["offset"]) and
                        int(b["offset"]) + int(b["bytes"]) <= self.data_end):
                    raise ValueError(f"block at {b['offset']} lies outside the data")
        except (ValueError, KeyError, TypeError) as exc:  # CRC fine: a writer's bug or another format
            raise PackError(f"{shown}: unusable ink pack index ({exc})") from None
        if self.header.get("format") != FORMAT:
            raise PackError(f"{shown}: not a {FORMAT} file")
        self.size = size

    @property
    def count(self) -> int:
        return int(self.index.get("count", 0))

    def read_block(self, k: int) -> bytes:
        """Block ``k``'s records as written (decompressed where the pack compresses blocks);
        :class:`PackError` when it cannot be read back (cut short, does not decompress)."""
        b = self.blocks[k]
        with open(self.path, "rb") as f:
            f.seek(int(b["offset"]))
            data = f.read(int(b["bytes"]))
        if len(data) < int(b["bytes"]):
            raise PackError(f"{self.path}: truncated ink pack (block {k} cut short)")
        codec = b.get("codec", "none")
        if codec == "none":
            return data
        if codec != "xz":
            raise PackError(f"{self.path}: block {k} uses codec {codec!r}, which this trainer "
                            f"cannot read ({', '.join(CODECS)})")
        raw = int(b.get("raw_bytes", -1))
        if not 0 <= raw <= min(MAX_BLOCK_RAW, MAX_BLOCK_RATIO * len(data) + (1 << 20)):
            # a forged index (its CRC recomputed) must not make a 458 KB pack inflate to GBs
            raise PackError(f"{self.path} @ byte {b['offset']}: block {k} (writer "
                            f"{b.get('writer', 0)}) says it decompresses to {raw:,} bytes, more "
                            f"than a block may ({MAX_BLOCK_RAW:,}, or {MAX_BLOCK_RATIO} times "
                            "its stored size)")
        try:
            dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
            out = dec.decompress(data, max_length=raw + 1)
        except lzma.LZMAError as exc:
            raise PackError(f"{self.path} @ byte {b['offset']}: block {k} (writer "
                            f"{b.get('writer', 0)}) does not decompress ({exc})") from None
        if len(out) != raw or not dec.eof:
            raise PackError(f"{self.path} @ byte {b['offset']}: block {k} (writer "
                            f"{b.get('writer', 0)}) decompresses to {len(out)} bytes, its index "
                            f"says {raw}")
        return out

    def records(self, k: int, stats: SkipStats, every: int = 1) -> Iterator[tuple[int, Sample]]:
        """``(file offset, sample)`` of block ``k`` (every ``every``-th record); damaged records
        are counted in ``stats`` as corrupt, with ``"FILE @ byte N: reason"``."""
        b = self.blocks[k]
        base, count = int(b["offset"]), int(b["count"])
        try:
            data = self.read_block(k)
        except PackError as exc:
            if b.get("codec", "none") == "none":
                raise  # the file itself is cut short: refused as a whole
            stats.note("corrupt", f"{exc}; all {count} records skipped", n=count)
            return
        # byte offsets of records are file offsets for plain blocks, offsets into the
        # decompressed block (after "block K+") for compressed ones
        packed = b.get("codec", "none") != "none"
        if packed:
            base = 0
        where = (f"{self.path} block {k} (decompressed) @ byte" if packed
                 else f"{self.path} @ byte")
        whole = zlib.crc32(data) == int(b["crc32"])
        spans, bad, i, streak = [], 0, 0, 0
        while len(spans) + bad < count:
            start = i
            try:
                n, i = _varint(data, i)
            except (IndexError, ValueError):
                n = -1
            if n < 0 or i + n + 2 > len(data):
                i = start  # a length past the block's end: the rest cannot be found
                break
            if _record_ok(data, i, n):
                spans.append((start, i, n))
                streak = 0
            else:
                bad += 1
                streak += 1
                stats.note("corrupt", f"{where} {base + start}: record check failed "
                           f"(block {k}, writer {b.get('writer', 0)}); skipped")
            i += n + 2
            if streak == 2:  # two in a row: a damaged length put the records out of step
                break
        lost = count - len(spans) - bad
        if lost > 0:
            stats.note("corrupt", f"{where} {base + i}: block {k} (writer {b.get('writer', 0)}) "
                       f"cannot be followed past here; its last {lost} records skipped", n=lost)
        elif not whole and not bad:
            stats.note("corrupt", f"{self.path}: block {k} (writer {b.get('writer', 0)}) fails its "
                       f"CRC although every record passed; all {count} records skipped", n=count)
            return
        for j, (start, i, n) in enumerate(spans):
            if j % every:
                continue
            try:
                sample = decode(data[i : i + n])
            except ValueError as exc:
                stats.note("corrupt", f"{where} {base + start}: {exc}")
                continue
            if not 0 <= sample.label < len(self.labels):
                stats.note("corrupt", f"{where} {base + start}: class {sample.label} is not in the "
                           "pack's label list")
                continue
            yield base + start, sample


# -- writing -----------------------------------------------------------------------------------

def compress_block(data: bytes, codec: str) -> bytes:
    """``data`` compressed with ``codec`` as a pack block stores it ("xz": LZMA2 preset 9e,
    CRC-64 check, so damage is found before the records' own checks)."""
    if codec == "none":
        return data
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64,
                         preset=9 | lzma.PRESET_EXTREME)


class PackWriter:
    """Writes a pack to ``path + ".tmp"`` and renames it into place on :meth:`close`."""

    def __init__(self, path, labels: str, sources: list[dict], *, levels: int = LEVELS,
                 tolerance: float = TOLERANCE, extra: dict | None = None,
                 compress: str = "none"):
        if compress not in CODECS:
            raise SourceError(f"compress must be one of {', '.join(CODECS)}, not {compress!r}")
        self.path = Path(path)
        self.compress = compress
        # plain packs stay version 1, readable by trainers that predate compression
        version = 1 if compress == "none" else VERSION
        header = {"format": FORMAT, "version": version, "labels": labels, "levels": levels,
                  "tolerance": tolerance, "sources": sources, "compress": compress,
                  "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        header.update(extra or {})
        body = json.dumps(header, ensure_ascii=False).encode("utf-8")
        head = HEAD.pack(MAGIC, version, 0, len(body)) + body
        # a name of its own (never a user's "X.inkpack.tmp"): the only file abort() deletes
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                   dir=self.path.parent)
        self.tmp = Path(tmp)
        self.f = os.fdopen(fd, "wb")
        self.pos = 0
        self._write(head + struct.pack("<I", zlib.crc32(head)))
        self.blocks: list[dict] = []

    def add_block(self, data: bytes, count: int, *, writer: int = 0, origin: str = "",
                  source: int = 0, stored: bytes | None = None) -> None:
        """Append a block of ``count`` framed records ``data``; ``stored``: those bytes
        already compressed with the pack's codec (see :func:`compress_block`), else they
        are compressed here."""
        if not count:
            return
        entry = {"offset": self.pos, "bytes": len(data), "count": count,
                 "crc32": zlib.crc32(data), "writer": writer, "origin": origin, "source": source}
        if self.compress != "none":
            stored = stored if stored is not None else compress_block(data, self.compress)
            entry.update(bytes=len(stored), codec=self.compress, raw_bytes=len(data))
            data = stored
        self.blocks.append(entry)
        self._write(data)

    def _write(self, data: bytes) -> None:
        try:
            self.f.write(data)
        except OSError as exc:  # a full disk: the pack's name, and the temp file goes at once
            self.abort()
            raise fileio.write_error(exc, self.path) from None
        self.pos += len(data)

    def close(self, stats: list[dict] = ()) -> dict:
        index = {"count": sum(b["count"] for b in self.blocks), "blocks": self.blocks,
                 "stats": list(stats)}
        raw = json.dumps(index, ensure_ascii=False).encode("utf-8")
        total = self.pos + len(raw) + FOOT.size
        self._write(raw + FOOT.pack(len(raw), zlib.crc32(raw), total, END))
        try:
            self.f.flush()
            os.fsync(self.f.fileno())
            self.f.close()
            if os.path.lexists(self.path):
                raise FileExistsError(errno.EEXIST, "appeared while pack ran; not replaced",
                                      str(self.path))
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.abort()
            if isinstance(exc, FileExistsError):
                raise
            raise fileio.write_error(exc, self.path) from None
        return index

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.f.close()
        self.tmp.unlink(missing_ok=True)


__all__ = ["CODECS", "FORMAT", "LEVELS", "TOLERANCE", "VERSION", "PackError", "PackReader",
           "PackWriter", "Sample", "compress_block", "decode", "encode_ink", "frame", "simplify"]
