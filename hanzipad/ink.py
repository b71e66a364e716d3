"""Ink: what the pen drew.

An :class:`Ink` is a list of strokes; a stroke is a list of points
``(x, y[, t_ms[, pressure]])`` in screen coordinates (y grows downwards).

The ink file format (``.json``) is one JSON object::

    {"width": W, "height": H, "strokes": [[[x, y], [x, y, t, p], ...], ...]}

Other keys (such as ``"label"``) are kept in :attr:`Ink.meta` and otherwise
ignored.  A ``.jsonl`` file holds one such object per line; it is read line by line
(flat memory, first ink at once), and a bad line spoils only itself.

What a file may hold is bounded, so a hostile or broken file fails fast with a
one-line :class:`InkError` naming it (``file`` or ``file:LINE``, lines counted from 1)
and the reason: only regular files are opened (never a device, FIFO or folder), an
ink (a ``.json`` file, one ``.jsonl`` line) is at most :data:`MAX_INK_BYTES`,
coordinates lie within :data:`MAX_COORDINATE`, integers have at most
:data:`MAX_INT_DIGITS` digits, and nesting is bounded by Python's recursion limit.
A file that cannot be read at all raises :class:`InkFileError`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from hanzipad.errors import HanziPadError, Message

#: Pressure assumed for points that carry none (a mouse).
DEFAULT_PRESSURE = 0.5
#: Largest ink in bytes: a whole ``.json`` file, or one line of a ``.jsonl`` file
#: (a written character is a few kilobytes). Larger ones are refused unread.
MAX_INK_BYTES = 8 * 1024 * 1024
#: Largest magnitude of a coordinate, width or height (screen units).
MAX_COORDINATE = 1e9
#: Smallest extent (longer side of the bounding box) of ink that spans more than one point;
#: below it the drawing would have to be magnified beyond what floating point can represent.
MIN_EXTENT = 1e-6
#: Most digits an integer in an ink file may have.
MAX_INT_DIGITS = 30


class InkError(HanziPadError, ValueError):
    """Ink that cannot be used, with a message naming where and why (and a code:
    :mod:`hanzipad.errors`)."""


class InkFileError(InkError):
    """The file itself cannot be read (missing, permission denied, not a regular file,
    I/O error): a fault of the file system, not a problem with the ink in it."""


def display_path(path: str | os.PathLike) -> str:
    """``path`` as printable text: bytes that are not UTF-8 (held as lone surrogates in a
    ``str`` from ``sys.argv`` or ``os.listdir``) are shown as ``\\xNN`` escapes."""
    text = os.fsdecode(path)
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # surrogates that do not stand for bytes (Windows names)
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    t: float | None = None
    pressure: float | None = None

    def as_list(self) -> list[float]:
        out = [self.x, self.y]
        if self.t is not None or self.pressure is not None:
            out.append(self.t if self.t is not None else 0.0)
        if self.pressure is not None:
            out.append(self.pressure)
        return out


Stroke = tuple[Point, ...]


@dataclass
class Ink:
    strokes: list[Stroke] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    meta: dict = field(default_factory=dict)

    @classmethod
    def from_lists(
        cls,
        strokes: Sequence[Sequence[Sequence[float]]],
        width: float = 0.0,
        height: float = 0.0,
        meta: dict | None = None,
    ) -> Ink:
        """Build ink from nested lists ``[[[x, y, ...], ...], ...]``, validating every number.

        Raises :class:`InkError` for a value that is not a number, not finite, outside
        :data:`MAX_COORDINATE`, or ink whose extent is positive but below :data:`MIN_EXTENT`.
        """
        ink = cls(
            strokes=[_parse_stroke(s, i) for i, s in enumerate(strokes)],
            width=_coordinate(width or 0.0, "width"),
            height=_coordinate(height or 0.0, "height"),
            meta=dict(meta or {}),
        )
        bounds = ink.bounds()
        if bounds is not None:
            extent = max(bounds[2] - bounds[0], bounds[3] - bounds[1])
            if 0 < extent < MIN_EXTENT:
                raise InkError.coded("ink.too_small", extent=extent, minimum=MIN_EXTENT)
        return ink

    def to_dict(self) -> dict:
        out = {k: v for k, v in self.meta.items() if k not in ("width", "height", "strokes")}
        out.update(
            width=self.width,
            height=self.height,
            strokes=[[p.as_list() for p in s] for s in self.strokes],
        )
        return out

    @property
    def label(self) -> str | None:
        label = self.meta.get("label")
        return label if isinstance(label, str) else None

    def is_empty(self) -> bool:
        return not any(self.strokes)

    def point_count(self) -> int:
        return sum(len(s) for s in self.strokes)

    def bounds(self) -> tuple[float, float, float, float] | None:
        """``(min_x, min_y, max_x, max_y)`` of all points, or None for empty ink."""
        xs = [p.x for s in self.strokes for p in s]
        ys = [p.y for s in self.strokes for p in s]
        if not xs:
            return None
        return min(xs), min(ys), max(xs), max(ys)

    def with_stroke(self, stroke: Stroke) -> Ink:
        return Ink([*self.strokes, stroke], self.width, self.height, dict(self.meta))

    def reversed(self) -> Ink:
        """The same ink written in reverse stroke order and direction."""
        return Ink(
            [tuple(reversed(s)) for s in reversed(self.strokes)],
            self.width,
            self.height,
            dict(self.meta),
        )


def _number(value, where: str | Message) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InkError.coded("ink.not_a_number", where, value=_short(value))
    if isinstance(value, int) and abs(value) >= 10**MAX_INT_DIGITS:
        raise InkError.coded("ink.too_many_digits", where, digits=len(str(abs(value))))
    f = float(value)
    if not math.isfinite(f):
        raise InkError.coded("ink.not_finite", where, value=repr(value))
    return f


def _coordinate(value, where: str | Message) -> float:
    f = _number(value, where)
    if abs(f) > MAX_COORDINATE:
        raise InkError.coded("ink.out_of_range", where, value=f, limit=MAX_COORDINATE)
    return f


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _parse_stroke(stroke, index: int) -> Stroke:
    if not isinstance(stroke, (list, tuple)):
        raise InkError.coded("ink.stroke_not_list", Message("place.stroke", stroke=index))
    points = []
    for j, p in enumerate(stroke):
        where = Message("place.stroke_point", stroke=index, point=j)
        if not isinstance(p, (list, tuple)) or not 2 <= len(p) <= 4:
            raise InkError.coded("ink.bad_point", where)
        x, y = _coordinate(p[0], where), _coordinate(p[1], where)
        t = _number(p[2], where) if len(p) > 2 and p[2] is not None else None
        pr = _number(p[3], where) if len(p) > 3 and p[3] is not None else None
        if pr is not None:
            pr = min(max(pr, 0.0), 1.0)
        points.append(Point(x, y, t, pr))
    return tuple(points)


def ink_from_dict(obj, where: str = "ink") -> Ink:
    if not isinstance(obj, dict):
        raise InkError.coded("ink.not_object", where)
    if "strokes" not in obj:
        raise InkError.coded("ink.no_strokes_key", where)
    strokes = obj["strokes"]
    if not isinstance(strokes, list):
        raise InkError.coded("ink.strokes_not_list", where)
    try:
        meta = {k: v for k, v in obj.items() if k not in ("strokes", "width", "height")}
        return Ink.from_lists(strokes, obj.get("width", 0), obj.get("height", 0), meta)
    except InkError as exc:
        raise exc.within(where) from None


def _parse_json(text: str, where: str):
    try:
        # NaN/Infinity are not JSON; refuse them instead of accepting Python's extension.
        return json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise InkError.coded("ink.invalid_json", where, detail=exc.msg, line=exc.lineno,
                             column=exc.colno) from None
    except InkError as exc:
        raise exc.within(where) from None
    except ValueError as exc:
        raise InkError.of(exc, where) from None
    except RecursionError:
        raise InkError.coded("ink.too_deep", where) from None


def _reject_constant(name: str):
    raise InkError.coded("ink.non_finite_constant", name=name)


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise InkError.coded("ink.int_too_long", digits=digits, limit=MAX_INT_DIGITS)
    return int(text)


def loads(text: str, where: str = "ink") -> Ink:
    """Parse one ink JSON object."""
    return ink_from_dict(_parse_json(text, where), where)


def dumps(ink: Ink) -> str:
    return json.dumps(ink.to_dict(), ensure_ascii=False)


def _rounder(decimals: int):
    if decimals <= 0:
        return lambda v: int(round(v))
    return lambda v: round(v, decimals)


#: Points a json.dumps call is given at a time when saving: the C encoder holds the GIL, so
#: one call for a 500 k-point ink froze the window for seconds while a thread saved it.
_SAVE_CHUNK = 4096


def _compact_json(record: dict) -> str:
    """``json.dumps(record, ensure_ascii=False, separators=(",", ":"))``, the same text, with
    the strokes (the last key, as :meth:`Ink.to_dict` writes them) encoded a chunk of points at
    a time (other threads run in between)."""
    def dumps(value) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    if list(record)[-1:] != ["strokes"]:
        return dumps(record)
    head = dumps({k: v for k, v in record.items() if k != "strokes"})[:-1]
    parts = []
    for stroke in record["strokes"]:
        chunks = [dumps(stroke[i:i + _SAVE_CHUNK])[1:-1]
                  for i in range(0, len(stroke), _SAVE_CHUNK)]
        parts.append("[" + ",".join(chunks) + "]")
    return head + ("," if len(record) > 1 else "") + '"strokes":[' + ",".join(parts) + "]}"


def saved_text(ink: Ink) -> str:
    """The JSON text an ink is saved as, one that :func:`load` always reads back: coordinates
    rounded to about 1/10,000 of the ink's size (whole units for a tablet-sized space; an ink
    opened and moved otherwise picks up float noise such as ``1.3500000000000005`` that makes
    the file twice as large), times and pressures to 3 decimals, no spaces; with fewer
    decimals, down to whole units, while the text is larger than :data:`MAX_INK_BYTES`.
    :class:`InkError` when even that is too large: such a file could not be opened again."""
    bounds = ink.bounds() or (0.0, 0.0, 0.0, 0.0)
    side = max(ink.width, ink.height, bounds[2] - bounds[0], bounds[3] - bounds[1], 1e-9)
    start = min(6, max(0, 4 - math.floor(math.log10(side))))
    t3 = _rounder(3)
    for decimals in range(start, -1, -1):
        r = _rounder(decimals)
        rounded = Ink([tuple(Point(r(p.x), r(p.y), None if p.t is None else t3(p.t),
                                   None if p.pressure is None else t3(p.pressure))
                             for p in s) for s in ink.strokes],
                      r(ink.width), r(ink.height), dict(ink.meta))
        text = _compact_json(rounded.to_dict())
        if len(text.encode("utf-8")) < MAX_INK_BYTES:
            return text
    raise InkError.coded("ink.too_large_to_save", points=ink.point_count(),
                         size=_size(MAX_INK_BYTES))


def load(path: str | Path) -> Ink:
    """Read a ``.json`` ink file; raises :class:`InkError` naming the file and the problem
    (:class:`InkFileError` when the file cannot be read at all)."""
    shown = display_path(path)
    with _open(path, shown) as f:
        too_large = os.fstat(f.fileno()).st_size > MAX_INK_BYTES
        data = b"" if too_large else _read(f, MAX_INK_BYTES + 1, shown)
    if too_large or len(data) > MAX_INK_BYTES:
        raise InkError.coded("ink.file_too_large", shown, size=_size(MAX_INK_BYTES))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _not_utf8(data, exc, shown) from None
    return loads(text, shown)


def save(ink: Ink, path: str | Path) -> None:
    """Write an ink file safely (:func:`hanzipad.fileio.write_text`: atomic, no temp file left
    on failure, the file's mode kept, symlinks written through, read-only files refused)."""
    from hanzipad.fileio import write_text

    write_text(path, dumps(ink) + "\n")


class JsonlRecord(NamedTuple):
    """One non-blank line of a ``.jsonl`` file."""

    index: int  #: counts the non-blank lines from 0
    line: int  #: line number in the file, from 1
    item: Ink | InkError  #: the ink, or why this line is unusable (message starts ``file:LINE: ``)


def iter_jsonl_lines(path: str | Path) -> Iterator[JsonlRecord]:
    """Read a ``.jsonl`` file line by line: one :class:`JsonlRecord` per non-blank line.

    A bad line (not JSON, not UTF-8, not ink, longer than :data:`MAX_INK_BYTES`) yields its
    :class:`InkError` and the next lines are still read. Memory stays flat whatever the file
    size. Raises :class:`InkFileError` (on the first ``next()``, or later for an I/O error)
    when the file cannot be read.
    """
    shown = display_path(path)
    with _open(path, shown) as f:
        index = lineno = 0
        while True:
            raw = _read(f, MAX_INK_BYTES + 1, f"{shown}:{lineno + 1}", line=True)
            if not raw:
                return
            lineno += 1
            where = f"{shown}:{lineno}"
            if len(raw) > MAX_INK_BYTES and not raw.endswith(b"\n"):
                while (rest := _read(f, 1 << 20, where, line=True)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the over-long line
                item: Ink | InkError = InkError.coded("ink.line_too_long", where,
                                                      size=_size(MAX_INK_BYTES))
            elif not raw.strip():
                continue
            else:
                try:
                    item = loads(raw.decode("utf-8"), where)
                except UnicodeDecodeError as exc:
                    item = _not_utf8(raw, exc, where)
                except InkError as exc:
                    item = exc
            yield JsonlRecord(index, lineno, item)
            index += 1


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Ink | InkError]]:
    """Yield ``(index, ink)`` per non-blank line of a ``.jsonl`` file (see
    :func:`iter_jsonl_lines`, which also gives the line number).

    A bad line yields ``(index, InkError)`` instead of stopping the whole file.
    ``index`` counts the non-blank lines from 0.
    """
    for record in iter_jsonl_lines(path):
        yield record.index, record.item


def _open(path: str | Path, shown: str) -> BinaryIO:
    """Open a regular file for reading (:func:`hanzipad.fileio.open_regular`: never blocks on
    a FIFO); :class:`InkFileError` naming the file otherwise."""
    from hanzipad.fileio import NotAFileError, open_regular

    try:
        return open_regular(path, shown)
    except IsADirectoryError:
        raise InkFileError.coded("file.folder_refused", shown) from None
    except NotAFileError as exc:
        kind = getattr(exc, "reason", None) and exc.reason.params.get("kind") or exc.kind
        raise InkFileError.coded("file.special_refused", shown, kind=kind) from None
    except OSError as exc:
        raise _os_error(exc, shown) from None


def _read(f: BinaryIO, limit: int, where: str, line: bool = False) -> bytes:
    try:
        return f.readline(limit) if line else f.read(limit)
    except OSError as exc:
        raise _os_error(exc, where) from None


def _os_error(exc: OSError, where: str) -> InkFileError:
    if isinstance(exc, FileNotFoundError):
        return InkFileError.coded("file.missing", where)
    if isinstance(exc, PermissionError):
        return InkFileError.coded("file.permission_denied", where)
    if isinstance(exc, IsADirectoryError):
        return InkFileError.coded("file.folder_refused", where)
    reason = Message("os.error", errno=exc.errno, text=(exc.strerror or str(exc)).lower())
    return InkFileError.coded("file.cannot_read", where, reason=reason)


def _not_utf8(data: bytes, exc: UnicodeDecodeError, where: str) -> InkError:
    return InkError.coded("ink.not_utf8", where, byte=data[exc.start], offset=exc.start)


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n} bytes"


def is_ink_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in (".json", ".jsonl")
