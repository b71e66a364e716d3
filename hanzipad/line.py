"""Line mode: read several characters written left to right in one box.

The classic way (Wang, Yin & Liu, "Handwritten Chinese text recognition by integrating
multiple contexts", IEEE TPAMI 2012), sized for a pad:

1. **Over-segment.** Strokes are taken in the order they were written; a stroke joins the
   block before it when it starts well inside it and their x-ranges overlap clearly
   (:data:`JOIN` of the narrower one), or when it lies within it away from its right edge
   (:data:`INSIDE`, :data:`MARGIN`), or when it goes back under or over the last few blocks
   (心 of 感: those blocks and the stroke become one); otherwise it starts a new block. A
   person finishes one character before starting the next, so every cut between two
   characters is a cut between two blocks, even where the characters touch or overlap a
   little; parts of one character (川 八 好 明) become several blocks, which the lattice joins
   again.
2. **Lattice.** Every run of 1..:data:`MAX_SPAN` consecutive blocks no wider than
   :data:`MAX_WIDTH` line heights is a candidate character. All of them are drawn with the
   pad's rasterizer, at the pad's pen width and a thinner one (:data:`WIDTHS`), and
   classified in one batched call of the recognizer (or the writer's adapted classifier);
   a candidate's probabilities are the geometric mean of its drawings'. Results are kept,
   so while a person writes, only the candidates with the newest strokes are classified.
3. **Search.** A reading is a path through the lattice; its score adds, per character,
   the classifier's log-probability, a geometry score (width against the line's height,
   gaps inside the character against the gap to the next one, its middle against the middle
   of the ink around it) and the lexicon's language
   model (:meth:`hanzipad.lexicon.Lexicon.probability`: continues a word of the last 1-3
   characters, or starts one), plus a constant per character. A beam search keeps the best
   paths at every cut and gives the best reading, the next best ones and, per character, its
   alternatives.

The weights were tuned on CASIA writers 1181-1190 with ``tests/benchmarks/line_check.py``.
Input is bounded: at most :data:`MAX_STROKES` strokes and :data:`MAX_SEGMENTS` blocks
(:class:`LineError` beyond), at most :data:`MAX_CANDIDATES` candidates.

Qt-free; needs numpy and the recognizer only.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from hanzipad.errors import HanziPadError
from hanzipad.ink import Ink, Point, Stroke
from hanzipad.raster import rasterize

#: Most strokes read as one line (a line of 8 characters has about 80).
MAX_STROKES = 600
#: Most blocks after over-segmentation.
MAX_SEGMENTS = 200
#: Most candidate characters classified for one line.
MAX_CANDIDATES = 800
#: Most consecutive blocks one character may be made of.
MAX_SPAN = 6
#: Widest candidate character, in line heights.
MAX_WIDTH = 1.6
#: A stroke joins the block before it when their x-overlap is at least this share of the
#: narrower of the two (a narrow one counted as MIN_WIDTH line heights wide).
JOIN = 0.35
MIN_WIDTH = 0.15
#: ... or when the stroke lies within the block (INSIDE of its width) with its middle at
#: least MARGIN line heights left of the block's right edge (not where the next character
#: would touch it).
INSIDE = 0.8
MARGIN = 0.1
#: How many blocks back a stroke may join (beyond the last one).
BACK = 3
#: Half the pen's width, in line heights: a stroke's box is this much wider on each side.
PEN = 0.005
#: Classes kept per candidate character (its alternatives).
TOP = 20
#: Classes below this probability are not tried on a path (unless the first).
SEARCH_FLOOR = 1e-4
#: Paths kept at every cut.
BEAM = 12
#: Classified candidates remembered between calls (the strokes of a line being written).
CACHE = 4096
#: Each candidate is drawn these ways, (pen width times the pad's, width stretched by), and
#: classified in the same batch; its probabilities are the drawings' geometric mean (on
#: writers 1181-1190's characters one by one: 91.5 % top-1 as the pad draws them, 92.1 %
#: with the thinner pen, 92.3 % both; a third drawing, (0.85, 1.2), gave 92.6 % but no
#: better lines there, for half as much classifying again).
WIDTHS = ((1.0, 1.0), (0.7, 1.0))


@dataclass(frozen=True)
class Weights:
    """The score of one character on a path (see the module docstring)."""

    classifier: float = 0.7  # < 1: the classifier's probabilities softened (calibration)
    lm: float = 0.8
    geometry: float = 0.5  # times log P(a whole character | its geometry)
    char_bonus: float = 5.5  # per character: balances paths of more and fewer characters
    lm_floor: float = 1e-5


#: Logistic model of "these blocks are one whole character" on the features of
#: :func:`features`, fitted on the composed lines of CASIA writers 1181-1190
#: (``tests/benchmarks/line_check.py --pot DIR --fit-geometry tuning``).
GEOMETRY = (-9.983, 28.849, -18.783, -2.430, 1.144, 1.214, 1.033, 35.059, 28.896, -2.270,
            -18.360, 1.375, -18.626, -17.343, 14.314)
#: Gaps (and the centre offset) are clipped to this many line heights in the features.
GAP_CLIP = 1.0
#: The ink around a candidate (its centre offset): blocks whose middle lies within this many
#: line heights of it, among the NEAR_BLOCKS blocks before and after it.
NEAR = 1.0
NEAR_BLOCKS = 8


def features(w: float, h: float, left: float, right: float, inner: float, blocks: int,
             offset: float = 0.0) -> list[float]:
    """The geometry features of a candidate: width and height, the gaps to the blocks before
    and after it and the widest gap inside it, in line heights; how many blocks; how far its
    middle lies above or below the middle of the ink around it (:func:`centre_offset`)."""
    left = min(max(left, -GAP_CLIP), GAP_CLIP)
    right = min(max(right, -GAP_CLIP), GAP_CLIP)
    inner = min(max(inner, -GAP_CLIP), GAP_CLIP)
    off = min(abs(offset), GAP_CLIP)
    return [1.0, w, w * w, h, h * h, left, right, min(left, 0.0), min(right, 0.0), inner,
            max(inner, 0.0), float(blocks > 1), off, off * off, off * h]


def centre_offset(box: Box, segments: list[Segment], start: int, end: int, height: float
                  ) -> float:
    """How far the middle of ``box`` (blocks ``start`` .. ``end - 1``) lies from the middle of
    the ink around it (the blocks within :data:`NEAR` line heights of it on either side, in
    the :data:`NEAR_BLOCKS` blocks before and after), in line heights. A whole character sits
    on the line's middle; a piece of one (the top stroke of 下 read as 一) does not. Local, so
    a line that climbs or falls as it is written is measured against its own part."""
    lo, hi = box.x0 - NEAR * height, box.x1 + NEAR * height
    y0, y1 = box.y0, box.y1
    for seg in segments[max(0, start - NEAR_BLOCKS):end + NEAR_BLOCKS]:
        b = seg.box
        if lo <= (b.x0 + b.x1) / 2 <= hi:
            y0, y1 = min(y0, b.y0), max(y1, b.y1)
    return ((box.y0 + box.y1) / 2 - (y0 + y1) / 2) / height


def geometry_score(f: list[float]) -> float:
    """log P(a whole character | features)."""
    z = sum(a * b for a, b in zip(GEOMETRY, f))
    return -math.log1p(math.exp(-z)) if z > -30 else z


DEFAULT_WEIGHTS = Weights()


class LineError(HanziPadError, ValueError):
    """Ink that cannot be read as a line; the message says why (a code, :mod:`hanzipad.errors`)."""


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def union(self, other: Box) -> Box:
        return Box(min(self.x0, other.x0), min(self.y0, other.y0),
                   max(self.x1, other.x1), max(self.y1, other.y1))


def stroke_box(stroke: Stroke) -> Box:
    xs = [p.x for p in stroke]
    ys = [p.y for p in stroke]
    return Box(min(xs), min(ys), max(xs), max(ys))


def _x_overlap(a: Box, b: Box) -> float:
    return min(a.x1, b.x1) - max(a.x0, b.x0)


def line_height(boxes: list[Box]) -> float:
    """The line's character size: the height of all its ink (never 0)."""
    if not boxes:
        return 1.0
    y0 = min(b.y0 for b in boxes)
    y1 = max(b.y1 for b in boxes)
    x0 = min(b.x0 for b in boxes)
    x1 = max(b.x1 for b in boxes)
    h = y1 - y0
    # a line of flat strokes only (一 二): not thinner than a tenth of its length
    return max(h, 0.1 * (x1 - x0), 1e-6)


@dataclass
class Segment:
    """A block of consecutive strokes (indices into the ink's non-empty strokes)."""

    strokes: list[int]
    box: Box


def segment(boxes: list[Box], height: float | None = None) -> list[Segment]:
    """Over-segment strokes (their boxes, in writing order) into blocks: see step 1 of the
    module docstring."""
    h = line_height(boxes) if height is None else height
    floor = MIN_WIDTH * h
    pen = PEN * h
    out: list[Segment] = []
    for i, b in enumerate(boxes):
        b = Box(b.x0 - pen, b.y0, b.x1 + pen, b.y1)  # ink has a width: strokes that meet overlap
        if out:
            last = out[-1]
            overlap = _x_overlap(b, last.box)
            narrow = max(min(b.width, last.box.width), floor)
            inside = (overlap >= INSIDE * b.width
                      and (b.x0 + b.x1) / 2 <= last.box.x1 - MARGIN * h)
            starts_inside = b.x0 <= last.box.x1 - MARGIN * h
            if (overlap >= JOIN * narrow and starts_inside) or inside:
                last.strokes.append(i)
                last.box = last.box.union(b)
                continue
            k = _back_into(out, b, h)
            if k is not None:  # back under or over the blocks just written (心 of 感)
                merged = out[k]
                for seg in out[k + 1:]:
                    merged.strokes += seg.strokes
                    merged.box = merged.box.union(seg.box)
                merged.strokes.append(i)
                merged.box = merged.box.union(b)
                del out[k + 1:]
                continue
        out.append(Segment([i], b))
    return out


def _back_into(out: list[Segment], b: Box, h: float) -> int | None:
    """The earliest of the last :data:`BACK` blocks (before the last one) whose x-range holds
    the middle of ``b`` well inside, when ``b`` lies within those blocks; else None."""
    mid = (b.x0 + b.x1) / 2
    union = out[-1].box
    found = None
    for k in range(len(out) - 2, max(len(out) - 2 - BACK, -1), -1):
        union = union.union(out[k].box)
        if out[k].box.x0 <= mid <= out[k].box.x1 - MARGIN * h:
            found = k
    if found is None:
        return None
    union = out[found].box
    for seg in out[found + 1:]:
        union = union.union(seg.box)
    inside = _x_overlap(b, union) >= INSIDE * b.width and mid <= union.x1 - MARGIN * h
    return found if inside else None


def _stretched(strokes: list[Stroke], sx: float) -> Ink:
    """The strokes as ink, ``sx`` times as wide."""
    if sx == 1.0:
        return Ink(strokes)
    return Ink([tuple(Point(p.x * sx, p.y, p.t, p.pressure) for p in st) for st in strokes])


@dataclass
class Span:
    """A candidate character: blocks ``start`` .. ``end - 1``."""

    start: int
    end: int
    box: Box
    strokes: tuple[int, ...]
    geometry: float = 0.0
    features: list[float] = field(default_factory=list)
    chars: list[str] = field(default_factory=list)
    probs: list[float] = field(default_factory=list)


def spans(segments: list[Segment], height: float, weights: Weights = DEFAULT_WEIGHTS,
          max_span: int = MAX_SPAN) -> list[Span]:
    """The lattice's candidate characters with their geometry scores, by start block."""
    out: list[Span] = []
    n = len(segments)
    for i in range(n):
        box = segments[i].box
        inner = -GAP_CLIP
        strokes = list(segments[i].strokes)
        left = (box.x0 - segments[i - 1].box.x1) / height if i else GAP_CLIP
        for j in range(i + 1, min(n, i + max_span) + 1):
            if j > i + 1:
                inner = max(inner, (segments[j - 1].box.x0 - box.x1) / height)
                box = box.union(segments[j - 1].box)
                strokes += segments[j - 1].strokes
            w = box.width / height
            if w > MAX_WIDTH and j > i + 1:
                break
            right = (segments[j].box.x0 - box.x1) / height if j < n else GAP_CLIP
            f = features(w, box.height / height, left, right, inner, j - i,
                         centre_offset(box, segments, i, j, height))
            out.append(Span(i, j, box, tuple(strokes), weights.geometry * geometry_score(f), f))
    return out


@dataclass(frozen=True)
class LineChar:
    """One character of a reading: its text, the alternatives ``[(char, prob), …]`` (the
    classifier's probabilities, ordered with the language model; the text first) and the
    strokes it was read from (indices into the ink's strokes)."""

    text: str
    alternatives: tuple[tuple[str, float], ...]
    strokes: tuple[int, ...]
    box: Box

    def to_dict(self) -> dict:
        return {"text": self.text,
                "alternatives": [[c, round(p, 6)] for c, p in self.alternatives],
                "strokes": list(self.strokes)}


@dataclass(frozen=True)
class LineReading:
    """What a line says: the best ``text``, the best readings ``[(text, score), …]`` (log
    scores, best first), per character its alternatives, and the time taken."""

    text: str
    readings: tuple[tuple[str, float], ...]
    chars: tuple[LineChar, ...]
    segments: int = 0
    classified: int = 0
    ms: float = 0.0

    def to_dict(self) -> dict:
        return {"text": self.text,
                "candidates": [{"text": t, "score": round(s, 4)} for t, s in self.readings],
                "chars": [c.to_dict() for c in self.chars]}


@dataclass
class _Path:
    score: float
    text: str
    spans: tuple[Span, ...]


class LineReader:
    """Reads lines of ink with a :class:`hanzipad.recognizer.Recognizer` (or anything with
    ``probabilities(images)`` and ``labels``) and an optional
    :class:`hanzipad.lexicon.Lexicon`. Keeps the classified candidates of the last calls,
    so reading a line again after one more stroke classifies only what changed. Not
    thread-safe: use one per thread.

    ``scorer``, when given, scores the candidates instead of ``recognizer.probabilities``:
    ``scorer(images [n, 64, 64]) -> [n, classes]`` probabilities over ``recognizer.labels``
    (a writer's adapted classifier: :func:`hanzipad.linecli.profile_scorer`). Change it with
    :meth:`set_scorer` (the classified candidates are forgotten then)."""

    def __init__(self, recognizer, lexicon=None, weights: Weights = DEFAULT_WEIGHTS,
                 max_span: int = MAX_SPAN, top: int = TOP, beam: int = BEAM,
                 cache: int = CACHE, scorer=None,
                 widths: tuple[tuple[float, float], ...] = WIDTHS):
        self.recognizer = recognizer
        self.scorer = scorer
        self.widths = tuple(widths) or ((1.0, 1.0),)
        self.lexicon = lexicon
        self.weights = weights
        self.max_span = max_span
        self.top = top
        self.beam = beam
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = cache
        self._lm: dict[tuple[str, str], float] = {}

    # -- classification -------------------------------------------------------------------

    def set_scorer(self, scorer) -> None:
        """Score candidates with ``scorer`` from now on (None: the recognizer's own)."""
        if scorer is not self.scorer:
            self.scorer = scorer
            self._cache.clear()

    def _classify(self, ink_strokes: list[Stroke], cands: list[Span]) -> int:
        """Fill each span's chars/probs, classifying the new ones in one batch; returns how
        many were classified."""
        todo: dict[tuple, list[Span]] = {}
        for s in cands:
            key = tuple(ink_strokes[i] for i in s.strokes)
            got = self._cache.get(key)
            if got is None:
                todo.setdefault(key, []).append(s)
            else:
                self._cache.move_to_end(key)
                s.chars, s.probs = got
        if todo:
            keys = list(todo)
            widths = self.widths
            images = np.stack([rasterize(_stretched(list(k), sx), width_scale=ws)
                               for k in keys for ws, sx in widths])
            score = self.scorer or self.recognizer.probabilities
            probs = np.asarray(score(images))
            if probs.shape != (len(images), len(self.recognizer.labels)):
                raise LineError.coded("line.scorer_shape", shape=probs.shape,
                                      images=len(images), classes=len(self.recognizer.labels))
            if len(widths) > 1:  # the geometric mean of the drawings' probabilities
                logp = np.log(np.maximum(probs, 1e-12)).reshape(len(keys), len(widths), -1)
                logp = logp.mean(axis=1)
                logp -= logp.max(axis=1, keepdims=True)
                probs = np.exp(logp)
                probs /= probs.sum(axis=1, keepdims=True)
            labels = self.recognizer.labels
            k = max(1, min(self.top, probs.shape[1]))
            for key, p in zip(keys, probs):
                idx = np.argpartition(-p, k - 1)[:k]
                idx = idx[np.argsort(-p[idx], kind="stable")]
                got = ([labels[i] for i in idx], [float(p[i]) for i in idx])
                if not all(math.isfinite(x) for x in got[1]):
                    raise LineError.coded("model.scores_not_finite")
                self._cache[key] = got
                for s in todo[key]:
                    s.chars, s.probs = got
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return len(todo)

    # -- language model -------------------------------------------------------------------

    def _lm_score(self, before: str, char: str) -> float:
        if self.lexicon is None:
            return 0.0
        key = (before[-3:], char)
        got = self._lm.get(key)
        if got is None:
            p = self.lexicon.probability(key[0], char)
            got = self.weights.lm * math.log(p + self.weights.lm_floor)
            if len(self._lm) > 200_000:
                self._lm.clear()
            self._lm[key] = got
        return got

    # -- reading --------------------------------------------------------------------------

    def read(self, ink: Ink, n_best: int = 5, alternatives: int = 10) -> LineReading:
        """Read ``ink`` as one horizontal line. Raises :class:`LineError` for ink without
        strokes or with more than the limits allow."""
        start = time.perf_counter()
        strokes = [s for s in ink.strokes if s]
        if not strokes:
            raise LineError.coded("ink.no_strokes")
        if len(strokes) > MAX_STROKES:
            raise LineError.coded("line.too_many_strokes", count=len(strokes), limit=MAX_STROKES)
        boxes = [stroke_box(s) for s in strokes]
        height = line_height(boxes)
        segs = segment(boxes, height)
        if len(segs) > MAX_SEGMENTS:
            raise LineError.coded("line.too_many_parts", count=len(segs), limit=MAX_SEGMENTS)
        cands = spans(segs, height, self.weights, self.max_span)
        if len(cands) > MAX_CANDIDATES:  # keep the narrowest: every block stays reachable
            cands = sorted(cands, key=lambda s: (s.end - s.start, s.start))[:MAX_CANDIDATES]
        classified = 0
        for i in range(0, len(cands), 64):  # bounded memory for the largest lines
            classified += self._classify(strokes, cands[i:i + 64])
        paths = self._search(cands, len(segs))
        chars = self._chars(paths[0], alternatives) if paths else ()
        readings = tuple((p.text, p.score) for p in paths[:n_best])
        ms = (time.perf_counter() - start) * 1000.0
        # stroke indices refer to the ink's strokes (empty ones were skipped)
        where = [i for i, s in enumerate(ink.strokes) if s]
        chars = tuple(LineChar(c.text, c.alternatives, tuple(where[i] for i in c.strokes),
                               c.box) for c in chars)
        return LineReading(paths[0].text if paths else "", readings, chars, len(segs),
                           classified, ms)

    def _search(self, cands: list[Span], n: int) -> list[_Path]:
        by_start: list[list[Span]] = [[] for _ in range(n)]
        for s in cands:
            by_start[s.start].append(s)
        w = self.weights
        beams: list[dict[str, _Path]] = [{} for _ in range(n + 1)]
        beams[0][""] = _Path(0.0, "", ())
        for i in range(n):
            if not beams[i]:
                continue
            kept = sorted(beams[i].values(), key=lambda p: -p.score)[:self.beam]
            for path in kept:
                for s in by_start[i]:
                    base = path.score + s.geometry + w.char_bonus
                    target = beams[s.end]
                    for c, p in zip(s.chars, s.probs):
                        if p < SEARCH_FLOOR and c is not s.chars[0]:
                            break
                        score = (base + w.classifier * math.log(max(p, 1e-12))
                                 + self._lm_score(path.text, c))
                        text = path.text + c
                        old = target.get(text)
                        if old is None or old.score < score:
                            target[text] = _Path(score, text, (*path.spans, s))
        return sorted(beams[n].values(), key=lambda p: -p.score)

    def _chars(self, path: _Path, n: int) -> tuple[LineChar, ...]:
        out = []
        for k, s in enumerate(path.spans):
            before = path.text[:k]
            chosen = path.text[k]
            w = self.weights
            scored = sorted(
                zip(s.chars, s.probs),
                key=lambda cp: -(w.classifier * math.log(max(cp[1], 1e-12))
                                 + self._lm_score(before, cp[0])))
            alts = [(c, p) for c, p in scored if c == chosen]
            alts += [(c, p) for c, p in scored if c != chosen]
            out.append(LineChar(chosen, tuple(alts[:n]), s.strokes, s.box))
        return tuple(out)


__all__ = ["DEFAULT_WEIGHTS", "LineChar", "LineError", "LineReader", "LineReading",
           "Weights", "segment", "spans"]
