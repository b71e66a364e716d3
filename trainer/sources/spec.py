"""Data specs: ``KIND:PATH[?name=value&...]`` parsed and checked (:func:`parse_spec`), and CASIA
writer selections (``writers=1001-1180,1190``: :func:`parse_writers`, :func:`writer_set`).

The options each kind allows are :data:`OPTIONS`; what they mean is in each source's module
and in :mod:`trainer.sources`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote

from trainer.sources.base import SourceError

KINDS = ("gnt", "pot", "pngdir", "strokes", "font", "shards", "ink", "inkpack")

#: The most comma-separated parts a writer selection may have, and the most digits a writer
#: number may have (ranges are kept as ranges, never expanded: ``1-99999999999999`` is fine).
MAX_WRITER_PARTS = 10_000
MAX_WRITER_DIGITS = 18


def parse_writers(text: str) -> str:
    """A writer selection ``1001-1180`` or ``1001-1180,1190,1195-1200`` (CASIA writer numbers,
    as in the file names ``1001-c.pot``), normalized; ValueError when malformed."""
    parts = []
    pieces = str(text).split(",")
    if len(pieces) > MAX_WRITER_PARTS:
        raise ValueError(f"more than {MAX_WRITER_PARTS:,} parts")
    for part in pieces:
        if any(len(n.strip()) > MAX_WRITER_DIGITS for n in part.split("-")):
            raise ValueError(f"a writer number longer than {MAX_WRITER_DIGITS} digits")
        lo, sep, hi = part.strip().partition("-")
        a, b = int(lo), int(hi) if sep else int(lo)
        if a < 0 or b < a:
            raise ValueError(text)
        parts.append(f"{a}-{b}" if b != a else f"{a}")
    return ",".join(parts)


class WriterSet:
    """The writers of a selection, as its ranges (``n in WriterSet``): never expanded, so
    ``1-99999999999999`` costs no more than ``1001``."""

    def __init__(self, ranges: list[tuple[int, int]]):
        self.ranges = ranges

    def __contains__(self, writer) -> bool:
        if not isinstance(writer, int) or isinstance(writer, bool):
            return False
        return any(lo <= writer <= hi for lo, hi in self.ranges)


def writer_set(text: str) -> WriterSet:
    ranges = []
    for part in parse_writers(text).split(","):
        lo, _, hi = part.partition("-")
        ranges.append((int(lo), int(hi or lo)))
    return WriterSet(ranges)


#: Allowed options per kind: name -> (type, minimum).
_INT = int
_WRITERS = (parse_writers, None)
OPTIONS: dict[str, dict[str, tuple[type, int]]] = {
    "gnt": {"writers": _WRITERS},
    "pot": {"writers": _WRITERS, "scan": (_INT, 0)},
    "pngdir": {},
    "strokes": {"per_char": (_INT, 1), "writers": (_INT, 0), "chunk": (_INT, 1), "spread": (_INT, 0),
                "cursive_max": (_INT, 0)},
    "font": {"index": (_INT, 0), "size": (_INT, 16)},
    "shards": {"every": (_INT, 1)},
    "ink": {},
    "inkpack": {"writers": _WRITERS, "every": (_INT, 1), "scan": (_INT, 0)},
}
for _opts in OPTIONS.values():
    _opts["seed"] = (_INT, 0)
#: Upper bounds of integer options (a number past them would ask for billions of samples,
#: writer styles or pixels instead of failing).
MAXIMA = {"per_char": 1_000_000, "chunk": 10_000_000, "spread": 1, "cursive_max": 100,
          "index": 10_000, "size": 4096, "every": 1_000_000_000, "scan": 100,
          "seed": 2**63 - 1}
MAX_POOL_WRITERS = 1_000_000  # strokes: writers=N, a pool of N writer styles


@dataclass(frozen=True)
class SourceSpec:
    """A parsed ``KIND:PATH[?name=value&...]``."""

    kind: str
    path: str
    options: dict = field(default_factory=dict)

    def __str__(self) -> str:
        out = f"{self.kind}:{self.path}"
        if self.options:
            out += "?" + "&".join(f"{k}={quote(str(v))}" for k, v in sorted(self.options.items()))
        return out

    def __hash__(self) -> int:
        return hash(str(self))


def parse_spec(spec: str | SourceSpec) -> SourceSpec:
    """Parse ``KIND:PATH`` with optional ``?name=value&...`` options.

    Raises :class:`ValueError` (:class:`SourceError`) with a clear message for an unknown
    kind, an empty path, or a bad or unknown option.
    """
    if isinstance(spec, SourceSpec):
        return spec
    shown = spec if not isinstance(spec, str) or len(spec) <= 300 else spec[:300] + "…"
    if not isinstance(spec, str) or ":" not in spec:
        raise SourceError(
            f"bad data spec {shown!r}: expected KIND:PATH with KIND one of {', '.join(KINDS)}"
        )
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise SourceError(f"bad data spec {shown!r}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    path, query = rest, ""
    if "?" in rest:
        path, _, query = rest.rpartition("?")
    if not path.strip():
        raise SourceError(f"bad data spec {shown!r}: no path after '{kind}:'")
    options = {}
    if query:
        try:
            pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            raise SourceError(f"bad data spec {shown!r}: options after '?' must be name=value&...") from None
        allowed = OPTIONS[kind]
        for name, value in pairs:
            if name not in allowed:
                raise SourceError(
                    f"bad data spec {shown!r}: unknown option {name!r} for {kind} "
                    f"(allowed: {', '.join(sorted(allowed))})"
                )
            typ, minimum = allowed[name]
            try:
                val = typ(value)
            except ValueError:
                what = "an integer" if typ is _INT else "a writer list such as 1001-1180,1190"
                raise SourceError(f"bad data spec {shown!r}: option {name}={value[:60]!r} is not {what}") from None
            if minimum is not None and val < minimum:
                raise SourceError(f"bad data spec {shown!r}: option {name} must be at least {minimum}")
            top = MAX_POOL_WRITERS if (name, kind) == ("writers", "strokes") else MAXIMA.get(name)
            if top is not None and typ is _INT and val > top:
                raise SourceError(f"bad data spec {shown!r}: option {name} must be at most {top:,}")
            options[name] = val
    return SourceSpec(kind, path, options)


__all__ = ["KINDS", "OPTIONS", "SourceSpec", "WriterSet", "parse_spec", "parse_writers",
           "writer_set"]
