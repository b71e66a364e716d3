"""Ink: what the pen drew.

An :class:`Ink` is a list of strokes; a stroke is a list of points
``(x, y[, t_ms[, pressure]])`` in screen coordinates (y grows downwards).

The ink file format (``.json``) is one JSON object::

    {"width": W, "height": H, "strokes": [[[x, y], [x, y, t, p], ...], ...]}

Other keys (such as ``"label"``) are kept in :attr:`Ink.meta` and otherwise
ignored.  A ``.jsonl`` file holds one such object per line.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Pressure assumed for points that carry none (a mouse).
DEFAULT_PRESSURE = 0.5


class InkError(ValueError):
    """Ink that cannot be used, with a message naming where and why."""


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
        """Build ink from nested lists ``[[[x, y, ...], ...], ...]``, validating every number."""
        return cls(
            strokes=[_parse_stroke(s, i) for i, s in enumerate(strokes)],
            width=float(width or 0.0),
            height=float(height or 0.0),
            meta=dict(meta or {}),
        )

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


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InkError(f"{where}: expected a number, got {value!r}")
    f = float(value)
    if not math.isfinite(f):
        raise InkError(f"{where}: coordinate is not finite ({value!r})")
    return f


def _parse_stroke(stroke, index: int) -> Stroke:
    if not isinstance(stroke, (list, tuple)):
        raise InkError(f"stroke {index}: expected a list of points")
    points = []
    for j, p in enumerate(stroke):
        where = f"stroke {index} point {j}"
        if not isinstance(p, (list, tuple)) or not 2 <= len(p) <= 4:
            raise InkError(f"{where}: expected [x, y], [x, y, t] or [x, y, t, pressure]")
        x, y = _number(p[0], where), _number(p[1], where)
        t = _number(p[2], where) if len(p) > 2 and p[2] is not None else None
        pr = _number(p[3], where) if len(p) > 3 and p[3] is not None else None
        if pr is not None:
            pr = min(max(pr, 0.0), 1.0)
        points.append(Point(x, y, t, pr))
    return tuple(points)


def ink_from_dict(obj, where: str = "ink") -> Ink:
    if not isinstance(obj, dict):
        raise InkError(f"{where}: expected a JSON object with 'strokes'")
    if "strokes" not in obj:
        raise InkError(f"{where}: no 'strokes' key")
    strokes = obj["strokes"]
    if not isinstance(strokes, list):
        raise InkError(f"{where}: 'strokes' must be a list")
    try:
        width = _number(obj.get("width", 0) or 0, f"{where} width")
        height = _number(obj.get("height", 0) or 0, f"{where} height")
        meta = {k: v for k, v in obj.items() if k not in ("strokes", "width", "height")}
        return Ink.from_lists(strokes, width, height, meta)
    except InkError as exc:
        raise InkError(f"{where}: {exc}") from None


def _parse_json(text: str, where: str):
    try:
        # NaN/Infinity are not JSON; refuse them instead of accepting Python's extension.
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InkError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:
        raise InkError(f"{where}: {exc}") from None


def _reject_constant(name: str):
    raise ValueError(f"non-finite number {name} in coordinates")


def loads(text: str, where: str = "ink") -> Ink:
    """Parse one ink JSON object."""
    return ink_from_dict(_parse_json(text, where), where)


def dumps(ink: Ink) -> str:
    return json.dumps(ink.to_dict(), ensure_ascii=False)


def load(path: str | Path) -> Ink:
    """Read a ``.json`` ink file; raises :class:`InkError` naming the file and the problem."""
    path = Path(path)
    return loads(_read_text(path), str(path))


def save(ink: Ink, path: str | Path) -> None:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps(ink) + "\n", encoding="utf-8")
    tmp.replace(path)


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, Ink | InkError]]:
    """Yield ``(index, ink)`` per non-blank line of a ``.jsonl`` file.

    A bad line yields ``(index, InkError)`` instead of stopping the whole file.
    ``index`` counts the non-blank lines from 0.
    """
    path = Path(path)
    index = 0
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            yield index, loads(line, where)
        except InkError as exc:
            yield index, exc
        index += 1


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InkError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InkError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise InkError(f"{path}: {exc.strerror or exc}") from None


def is_ink_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in (".json", ".jsonl")
