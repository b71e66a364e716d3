"""CASIA handwriting databases: HWDB offline ``.gnt`` bitmaps and OLHWDB online ``.pot`` ink.

``gnt`` record: uint32 LE record size (= 10 + w*h), 2-byte tag (the GB2312 code bytes in
file order: ``b'\\xb0\\xa1'`` is 啊), uint16 LE width, uint16 LE height, w*h uint8 grey
pixels (255 = background).  Bitmaps are normalized through
:func:`hanzipad.normalize.normalize_image`.

``pot`` record: uint16 LE record size (whole record, size field included), a 4-byte tag
holding the GB code as a little-endian integer (bytes [1], [0] form the GB2312 pair; bytes
2-3 zero), uint16 LE stroke count, then int16 LE (x, y) points; (-1, 0) ends a stroke,
(-1, -1) ends the sample.  Samples become :class:`hanzipad.ink.Ink` and are rendered with
:func:`hanzipad.raster.rasterize`, exactly like the pad.

Corrupt or truncated records are reported as ``"file @ byte N: reason"``, skipped and
counted.  After a gnt size mismatch, or any record whose end cannot be found, the rest
of that file cannot be trusted: reading stops there (counted once).  A file may also be
a ``.zip`` archive holding such files; its members are shards ``archive.zip::member``. A
damaged member (bad CRC, encrypted, unknown compression) is skipped and counted as corrupt
(``"archive.zip::member: corrupt zip member (reason); skipped"``); the others are read.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from hanzipad.fileio import NotAFileError, open_regular
from hanzipad.ink import Ink, Point
from hanzipad.labels import gb_code_to_char
from hanzipad.normalize import normalize_image
from trainer.sources.base import InkSample, InkSource, SkipStats, Source, SourceError, find_files
from trainer.sources.spec import writer_set

GNT_HEADER = struct.Struct("<I2sHH")
POT_HEADER = struct.Struct("<H4sH")
#: Largest gnt bitmap decoded (pixels); larger records are skipped (their size is consistent).
MAX_BITMAP_PIXELS = 4096 * 4096
ZIP_SEP = "::"


#: Zip members up to this size are read (and their CRC checked) whole before any record of
#: them is used; larger ones are streamed, and a bad CRC is found at their end.
MAX_BUFFERED_MEMBER = 256 << 20
#: What zipfile raises for a damaged member: bad CRC or data (BadZipFile, zlib.error,
#: EOFError), encrypted (RuntimeError), an unknown compression method (NotImplementedError).
ZIP_MEMBER_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError,
                     KeyError)


class CorruptMember(Exception):
    """A zip member that cannot be read: skipped and counted as corrupt by the readers."""


class _GuardedMember:
    """A streamed zip member whose read errors become :class:`CorruptMember`."""

    def __init__(self, f):
        self.f = f

    def read(self, n: int = -1) -> bytes:
        try:
            return self.f.read(n)
        except ZIP_MEMBER_ERRORS as exc:
            raise CorruptMember(_zip_reason(exc)) from None


def _zip_reason(exc: BaseException) -> str:
    text = str(exc.args[0]) if exc.args else type(exc).__name__
    if isinstance(exc, RuntimeError) and "password" in text:
        text = "encrypted, password required"
    elif isinstance(exc, NotImplementedError) and "compression" in text.lower():
        text = "unsupported compression method"
    return f"corrupt zip member ({text}); skipped"


@contextmanager
def open_shard(shard: str):
    """Open a plain file or ``archive.zip::member`` for streaming binary reads. A damaged zip
    member raises :class:`CorruptMember` (on opening, or on a read of a streamed member)."""
    if ZIP_SEP in shard and shard.split(ZIP_SEP, 1)[0].lower().endswith(".zip"):
        archive, member = shard.split(ZIP_SEP, 1)
        with zipfile.ZipFile(archive) as zf:
            try:
                info = zf.getinfo(member)
                if info.file_size <= MAX_BUFFERED_MEMBER:
                    opened = io.BytesIO(zf.read(info))  # CRC checked before any record is used
                else:
                    opened = zf.open(info)
            except ZIP_MEMBER_ERRORS as exc:
                raise CorruptMember(_zip_reason(exc)) from None
            with opened as f:
                yield f if isinstance(f, io.BytesIO) else _GuardedMember(f)
    else:
        try:  # a regular file only: a FIFO named 1001-c.pot would block forever
            f = open_regular(shard, buffering=1 << 20)
        except NotAFileError as exc:
            raise CorruptMember(exc.strerror) from None
        with f:
            yield f


@contextmanager
def _read_shard(path: str, stats: SkipStats):
    """:func:`open_shard`, with a damaged zip member counted as corrupt (``"archive.zip::member:
    corrupt zip member (reason)"``) and the rest of it skipped instead of raised."""
    opened = False
    try:
        with open_shard(path) as f:
            opened = True
            yield f
    except CorruptMember as exc:
        stats.note("corrupt", f"{path}: {exc}")
        if not opened:  # damaged before its first byte: the reader sees an empty file
            yield io.BytesIO(b"")


def expand_archives(files: list[str], suffix: str) -> list[str]:
    """Replace each ``.zip`` in ``files`` by its members ending in ``suffix``."""
    out = []
    for f in files:
        if f.lower().endswith(".zip"):
            try:
                with open_regular(f) as raw, zipfile.ZipFile(raw) as zf:
                    out += [
                        f"{f}{ZIP_SEP}{n}" for n in sorted(zf.namelist()) if n.lower().endswith(suffix)
                    ]
            except (zipfile.BadZipFile, OSError) as exc:
                why = getattr(exc, "strerror", None) or exc
                raise SourceError(f"{f}: not a readable zip archive ({why})") from None
        else:
            out.append(f)
    return out


_WRITER_NAME = re.compile(r"(?:^|[/\\:])(\d{1,5})(?:-[a-z])?\.(?:gnt|pot)$", re.IGNORECASE)


def writer_of(shard: str) -> int | None:
    """CASIA writer number of a file (``1001-c.pot``, ``1001.gnt``, ``x.zip::dir/1181-c.pot``)."""
    m = _WRITER_NAME.search(shard)
    return int(m.group(1)) if m else None


def select_writers(source: Source, shards: list[str]) -> list[str]:
    """Only the files of the writers named by the ``writers`` option (all without it). The
    others are never opened: a held-out or reserved writer stays unread."""
    text = source.options.get("writers")
    if not text:
        return shards
    wanted = writer_set(text)
    kept = [s for s in shards if writer_of(s) in wanted]
    if not kept:
        raise SourceError(f"{source.spec}: no file of writers {text} (CASIA names its files "
                          "by writer, e.g. 1001-c.pot)")
    return kept


def _char(hi: int, lo: int) -> str | None:
    c = gb_code_to_char(hi, lo)
    return c if c is not None and len(c) == 1 else None


# -- gnt ---------------------------------------------------------------------

def iter_gnt_bitmaps(path: str, stats: SkipStats | None = None) -> Iterator[tuple[np.ndarray, str | None, int]]:
    """Yield ``(bitmap uint8[h, w], char or None, byte offset)`` per sound record of a gnt file.

    ``char`` is None when the tag is not a GB2312 character.  Corrupt records are
    counted in ``stats`` (when given) and skipped.
    """
    stats = stats if stats is not None else SkipStats()
    with _read_shard(path, stats) as f:
        offset = 0
        while True:
            head = f.read(GNT_HEADER.size)
            if not head:
                return
            if len(head) < GNT_HEADER.size:
                stats.note("corrupt", f"{path} @ byte {offset}: file ends inside a record header "
                           f"({len(head)} of {GNT_HEADER.size} bytes)")
                return
            size, tag, w, h = GNT_HEADER.unpack(head)
            n = w * h
            if size != GNT_HEADER.size + n:
                stats.note("corrupt", f"{path} @ byte {offset}: record size {size} does not match its "
                           f"{w}x{h} bitmap (expected {GNT_HEADER.size + n}); "
                           "the rest of the file cannot be trusted, stopping here")
                return
            if n == 0:
                stats.note("corrupt", f"{path} @ byte {offset}: empty bitmap ({w}x{h})")
                offset += size
                continue
            if n > MAX_BITMAP_PIXELS:
                stats.note("corrupt", f"{path} @ byte {offset}: bitmap too large ({w}x{h})")
                skipped = _skip(f, n)
                if skipped < n:
                    return
                offset += size
                continue
            data = f.read(n)
            if len(data) < n:
                stats.note("corrupt", f"{path} @ byte {offset}: file ends inside the bitmap "
                           f"({len(data)} of {n} bytes)")
                return
            yield np.frombuffer(data, np.uint8).reshape(h, w), _char(tag[0], tag[1]), offset
            offset += size


def _skip(f, n: int) -> int:
    done = 0
    while done < n:
        chunk = f.read(min(1 << 20, n - done))
        if not chunk:
            break
        done += len(chunk)
    return done


class GntSource(Source):
    """``gnt:PATH`` — CASIA HWDB offline samples (a .gnt file, a folder of them, or .zip)."""

    kind = "gnt"

    def shards(self) -> list[str]:
        files = find_files(self.path, (".gnt", ".zip"), "CASIA .gnt", self.spec)
        return select_writers(self, expand_archives(files, ".gnt"))

    def iter_shard(self, shard: str, seed: int = 0):
        for bitmap, char, offset in iter_gnt_bitmaps(shard, self.stats):
            label = self.label_of(char, f"{shard} @ byte {offset}")
            if label is None:
                continue
            img = normalize_image(bitmap)
            if not img.any():
                self.stats.note("corrupt", f"{shard} @ byte {offset}: blank bitmap (no ink)")
                continue
            self.stats.add_yielded()
            yield img, label

    def _describe_extra(self) -> dict:
        return _casia_describe("CASIA HWDB offline (.gnt)", self)


# -- pot ---------------------------------------------------------------------

def iter_pot_inks(path: str, stats: SkipStats | None = None) -> Iterator[tuple[Ink, str | None, int]]:
    """Yield ``(ink, char or None, byte offset)`` per sound record of a pot file.

    The ink's strokes are the file's points (screen coordinates, y down);
    ``ink.meta["label"]`` holds the character when it decodes.
    """
    stats = stats if stats is not None else SkipStats()
    with _read_shard(path, stats) as f:
        offset = 0
        while True:
            head = f.read(POT_HEADER.size)
            if not head:
                return
            if len(head) < POT_HEADER.size:
                stats.note("corrupt", f"{path} @ byte {offset}: file ends inside a record header "
                           f"({len(head)} of {POT_HEADER.size} bytes)")
                return
            size, tag, nstrokes = POT_HEADER.unpack(head)
            if size < POT_HEADER.size + 4:
                stats.note("corrupt", f"{path} @ byte {offset}: record size {size} is too small; "
                           "the rest of the file cannot be trusted, stopping here")
                return
            body = f.read(size - POT_HEADER.size)
            if len(body) < size - POT_HEADER.size:
                stats.note("corrupt", f"{path} @ byte {offset}: file ends inside the record "
                           f"({POT_HEADER.size + len(body)} of {size} bytes)")
                return
            where = f"{path} @ byte {offset}"
            offset += size
            strokes = _pot_strokes(body, nstrokes, where, stats)
            if strokes is None:
                continue
            code = int.from_bytes(tag, "little")
            char = None if code >> 16 else _char((code >> 8) & 0xFF, code & 0xFF)
            meta = {"label": char} if char else {}
            ink = Ink([tuple(Point(float(x), float(y)) for x, y in s) for s in strokes], meta=meta)
            yield ink, char, offset - size


def _pot_strokes(body: bytes, nstrokes: int, where: str, stats: SkipStats):
    if len(body) % 4:
        stats.note("corrupt", f"{where}: point data is not a whole number of (x, y) pairs")
        return None
    pts = np.frombuffer(body, "<i2").reshape(-1, 2)
    if len(pts) == 0 or tuple(pts[-1]) != (-1, -1):
        stats.note("corrupt", f"{where}: sample does not end with (-1, -1)")
        return None
    pts = pts[:-1]
    marks = np.flatnonzero(pts[:, 0] == -1)
    if marks.size and not (pts[marks, 1] == 0).all():
        stats.note("corrupt", f"{where}: unexpected pen marker inside the sample")
        return None
    strokes = np.split(pts, marks)
    strokes = [s[1:] if i and len(s) else s for i, s in enumerate(strokes)]  # drop the (-1, 0)
    if strokes and len(strokes[-1]) == 0:
        strokes.pop()  # the last stroke's (-1, 0) right before (-1, -1)
    if any(len(s) == 0 for s in strokes):
        stats.note("corrupt", f"{where}: empty stroke")
        return None
    if len(strokes) != nstrokes:
        stats.note("corrupt", f"{where}: header says {nstrokes} strokes, the data has {len(strokes)}")
        return None
    return [s.tolist() for s in strokes]


class PotSource(InkSource):
    """``pot:PATH`` — CASIA OLHWDB online samples, rendered by the app's rasterizer (or with
    ``?scan=P``, P % of them as paper scans: :func:`trainer.scanlook.scan_sample`)."""

    kind = "pot"

    def shards(self) -> list[str]:
        files = find_files(self.path, (".pot", ".zip"), "CASIA .pot", self.spec)
        return select_writers(self, expand_archives(files, ".pot"))

    def inks(self, shard: str, seed: int = 0) -> Iterator[InkSample]:
        for ink, char, offset in iter_pot_inks(shard, self.stats):
            where = f"{shard} @ byte {offset}"
            label = self.label_of(char, where)
            if label is not None:
                yield InkSample(ink, label, None, where)

    def writer(self, shard: str) -> int:
        return writer_of(shard) or 0

    def _describe_extra(self) -> dict:
        return _casia_describe("CASIA OLHWDB online (.pot)", self)


def _casia_describe(fmt: str, source: Source) -> dict:
    db = "CASIA-OLHWDB" if source.kind == "pot" else "CASIA-HWDB"
    out = {"format": fmt, "database": db,
           "upstream": "NLPR, Institute of Automation, Chinese Academy of Sciences: "
                       "http://www.nlpr.ia.ac.cn/databases/handwriting/Home.html",
           "terms": "CASIA databases: free for academic research; commercial "
           "use needs CASIA's permission (NLPR, Institute of Automation, Chinese Academy of "
           "Sciences)"}
    if source.options.get("writers"):
        out["writers"] = source.options["writers"]
    if source.options.get("scan"):
        out["scan_percent"] = int(source.options["scan"])  # drawn as scans (trainer.scanlook)
    return out


__all__ = ["GntSource", "PotSource", "iter_gnt_bitmaps", "iter_pot_inks", "open_shard"]
