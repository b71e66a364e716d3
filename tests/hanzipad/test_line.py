"""Line mode (hanzipad.line): over-segmentation of synthetic lines with known cuts, reading
real written lines with the shipped model, bounded answers for bad input."""

from __future__ import annotations

import time

import pytest

from hanzipad.ink import Ink, Point, iter_jsonl
from hanzipad.line import (
    GEOMETRY,
    MAX_SPAN,
    MAX_STROKES,
    LineError,
    LineReader,
    centre_offset,
    features,
    geometry_score,
    line_height,
    segment,
    spans,
    stroke_box,
)
from tests.helpers import REAL_INK

# -- synthetic characters: simple strokes in a size x size cell at x ----------------------


def _line(*xy, n=8):
    """A stroke through the points ``x0, y0, x1, y1, …``, n points a piece."""
    out = []
    for k in range(0, len(xy) - 2, 2):
        x0, y0, x1, y1 = xy[k:k + 4]
        out += [Point(x0 + (x1 - x0) * i / (n - 1), y0 + (y1 - y0) * i / (n - 1))
                for i in range(n)]
    return tuple(out)


SHAPES = {
    "十": [(0.0, 0.5, 1.0, 0.5), (0.5, 0.0, 0.5, 1.0)],
    "口": [(0.0, 0.1, 0.0, 0.9), (0.0, 0.1, 1.0, 0.1, 1.0, 0.9), (0.0, 0.9, 1.0, 0.9)],
    "川": [(0.1, 0.0, 0.0, 1.0), (0.5, 0.1, 0.5, 0.8), (0.9, 0.0, 0.9, 1.0)],
    "木": [(0.0, 0.3, 1.0, 0.3), (0.5, 0.0, 0.5, 1.0), (0.5, 0.3, 0.05, 0.8),
          (0.5, 0.3, 0.95, 0.8)],
}


def synthetic_line(chars: str, gaps: list[float], size: float = 100.0):
    """Ink of ``chars`` written left to right with ``gaps`` (in character sizes, negative:
    overlapping) between them; and the stroke range of each character."""
    strokes, ranges, x = [], [], 0.0
    for k, c in enumerate(chars):
        if k:
            x += gaps[k - 1] * size
        first = len(strokes)
        for xy in SHAPES[c]:
            strokes.append(_line(*(v * size + (x if k % 2 == 0 else 0.0)
                                   for k, v in enumerate(xy))))
        ranges.append((first, len(strokes)))
        x += size
    return Ink(strokes), ranges


def _blocks(ink: Ink):
    boxes = [stroke_box(s) for s in ink.strokes]
    return segment(boxes, line_height(boxes))


@pytest.mark.parametrize("gap", [0.4, 0.15, 0.0, -0.05])
def test_every_cut_between_characters_is_a_cut_between_blocks(gap):
    ink, ranges = synthetic_line("十口川木十", [gap] * 4)
    blocks = _blocks(ink)
    starts = [b.strokes[0] for b in blocks]
    for a, _b in ranges:
        assert a in starts, (gap, a, starts)  # a cut before every character
    for block in blocks:  # and no block holds strokes of two characters
        owners = {k for i in block.strokes for k, (a, b) in enumerate(ranges) if a <= i < b}
        assert len(owners) == 1
    # strokes that cross are one block; 川's three separate strokes are three
    by_first = {b.strokes[0]: b.strokes for b in blocks}
    assert by_first[0] == [0, 1]  # 十
    assert len([i for i in range(*ranges[1]) if i in by_first]) <= 2  # 口: 丨 may stand alone
    assert [len(by_first[i]) for i in range(*ranges[2])] == [1, 1, 1]  # 川
    assert by_first[ranges[3][0]] == list(range(*ranges[3]))  # 木


def test_the_true_characters_are_in_the_lattice():
    ink, ranges = synthetic_line("川十川", [0.2, 0.0])
    boxes = [stroke_box(s) for s in ink.strokes]
    h = line_height(boxes)
    cands = {tuple(s.strokes) for s in spans(segment(boxes, h), h)}
    for a, b in ranges:
        assert tuple(range(a, b)) in cands
    # nothing wider than the widest allowed character joins 川 and 十
    assert tuple(range(0, 5)) not in cands


def _offsets(ink: Ink) -> dict[tuple[int, ...], float]:
    boxes = [stroke_box(s) for s in ink.strokes]
    h = line_height(boxes)
    segs = segment(boxes, h)
    return {tuple(s.strokes): centre_offset(s.box, segs, s.start, s.end, h)
            for s in spans(segs, h)}


def test_a_whole_character_sits_on_the_middle_a_top_stroke_does_not():
    ink, ranges = synthetic_line("十口十", [0.3, 0.3])
    line = Ink([*ink.strokes, _line(400, 0, 500, 0)])  # a flat stroke along the top
    off = _offsets(line)
    for a, b in ranges:
        assert abs(off[tuple(range(a, b))]) < 0.05
    assert off[(len(line.strokes) - 1,)] < -0.4  # half a line above the middle
    middle = Ink([*ink.strokes, _line(400, 50, 500, 50)])  # 一 written on the middle
    assert abs(_offsets(middle)[(len(middle.strokes) - 1,)]) < 0.05


def test_the_middle_is_the_ink_around_a_character_in_a_climbing_line():
    strokes, ranges = [], []
    for k in range(6):  # 十 after 十, each 40 units higher: the line climbs
        first = len(strokes)
        x, y = 130 * k, -40 * k
        strokes += [_line(x, y + 50, x + 100, y + 50), _line(x + 50, y, x + 50, y + 100)]
        ranges.append((first, len(strokes)))
    off = _offsets(Ink(strokes))
    # (against the whole line's middle the first and last would be a third of a line off)
    assert all(abs(off[tuple(range(a, b))]) < 0.15 for a, b in ranges)


def test_geometry_prefers_a_flat_stroke_on_the_middle():
    assert len(features(1.0, 1.0, 0.2, 0.2, -1.0, 1)) == len(GEOMETRY)
    middle = geometry_score(features(0.9, 0.05, 0.2, 0.2, -1.0, 1, 0.0))
    above = geometry_score(features(0.9, 0.05, 0.2, 0.2, -1.0, 1, -0.45))
    assert above < middle - 2.0
    # a tall character is hardly moved off the middle, and barely pays for it
    tall = [geometry_score(features(1.0, 1.0, 0.2, 0.2, -1.0, 1, o)) for o in (0.0, 0.03)]
    assert tall[0] - tall[1] < 0.5


# -- real ink with the shipped model -----------------------------------------------------------


@pytest.fixture(scope="module")
def reader():
    from hanzipad.lexicon import Lexicon
    from hanzipad.recognizer import Recognizer

    return LineReader(Recognizer(), Lexicon.load())


@pytest.fixture(scope="module")
def real():
    return {(ink.meta.get("writer"), ink.label): ink for _, ink in iter_jsonl(REAL_INK)}


def written(real, text: str, writer: str, gap: float) -> Ink:
    """A line of one writer's real characters, each scaled to 100 units, ``gap`` apart."""
    strokes, x = [], 0.0
    for c in text:
        ink = real[(writer, c)]
        x0, y0, x1, y1 = ink.bounds()
        s = 100 / max(x1 - x0, y1 - y0)
        for st in ink.strokes:
            strokes.append(tuple(Point(x + (p.x - x0) * s, 50 + (p.y - (y0 + y1) / 2) * s)
                                 for p in st))
        x += (x1 - x0) * s + gap * 100
    return Ink(strokes)


@pytest.mark.parametrize("text, writer, gap", [
    ("近代化", "japanese-native1", 0.3), ("近代化", "japanese-learner1", 0.0),
    ("金水", "japanese-native1", 0.0), ("想象", "japanese-learner1", 0.3),
    # 心 written last under the parts before it (感 想): one character, not two
    ("安全感", "japanese-native1", 0.15), ("安全感", "japanese-learner1", 0.0),
    ("想象", "japanese-native1", 0.0), ("女神", "japanese-learner1", 0.3),
])
def test_real_lines_are_read(reader, real, text, writer, gap):
    ink = written(real, text, writer, gap)
    got = reader.read(ink)
    assert got.text == text
    assert got.readings[0][0] == text
    scores = [s for _, s in got.readings]
    assert scores == sorted(scores, reverse=True) and len(set(t for t, _ in got.readings)) \
        == len(got.readings)
    assert [c.text for c in got.chars] == list(text)
    # the characters' strokes are all the strokes, each once, in order
    assert [i for c in got.chars for i in c.strokes] == list(range(len(ink.strokes)))
    for c in got.chars:
        assert c.alternatives[0][0] == c.text and len(c.alternatives) > 1
        assert all(0 <= p <= 1 for _, p in c.alternatives)
    d = got.to_dict()
    assert d["text"] == text and d["candidates"][0] == {"text": text,
                                                       "score": round(scores[0], 4)}
    assert d["chars"][0]["alternatives"][0][0] == text[0]


def test_reading_again_after_one_more_stroke_classifies_only_the_new_candidates(reader, real):
    ink = written(real, "近代化", "japanese-native1", 0.2)
    fresh = LineReader(reader.recognizer, reader.lexicon)
    first = fresh.read(Ink(ink.strokes[:-1]))
    assert first.classified > MAX_SPAN
    again = fresh.read(ink)
    assert 1 <= again.classified <= MAX_SPAN
    assert again.text == "近代化"
    assert fresh.read(ink).classified == 0  # the same ink again: nothing new


# -- bad input ---------------------------------------------------------------------------------


def test_empty_ink_is_refused_with_a_message(reader):
    with pytest.raises(LineError, match="no strokes"):
        reader.read(Ink([]))
    with pytest.raises(LineError, match="no strokes"):
        reader.read(Ink([(), ()]))


def test_ten_thousand_strokes_are_refused_at_once(reader):
    strokes = [(Point(i * 3.0, 0.0), Point(i * 3.0 + 1, 5.0)) for i in range(10_000)]
    start = time.perf_counter()
    with pytest.raises(LineError, match=f"10000 strokes \\(at most {MAX_STROKES}\\)"):
        reader.read(Ink(strokes))
    assert time.perf_counter() - start < 1.0


def test_one_huge_stroke_gives_one_character(reader):
    zigzag = tuple(Point(i * 1e5, (i % 2) * 1e5) for i in range(2000))
    start = time.perf_counter()
    got = reader.read(Ink([zigzag]))
    assert len(got.text) == 1 and len(got.chars) == 1
    assert time.perf_counter() - start < 5.0


def test_many_dots_stay_bounded(reader):
    """As many separate dots as allowed: an answer, in bounded time (candidates capped)."""
    dots = [(Point(i * 40.0, (i % 3) * 10.0),) for i in range(MAX_STROKES)]
    start = time.perf_counter()
    try:
        got = reader.read(Ink(dots))
    except LineError as exc:  # too many separate parts is a fine answer too
        assert "too much ink" in str(exc)
    else:
        assert got.text and got.classified <= 800
    assert time.perf_counter() - start < 20.0


# -- a writer's scorer (adapted classifier) -------------------------------------------------


def test_a_scorer_replaces_the_recognizers_scores(reader, real):
    """``scorer`` scores every candidate (in batches of images); set_scorer forgets the
    candidates classified before."""
    import numpy as np

    ink = written(real, "近代化", "japanese-native1", 0.2)
    labels = reader.recognizer.labels
    seen = []

    def scorer(images):
        seen.append(images.shape)
        p = np.full((len(images), len(labels)), 1e-9, np.float32)
        p[:, labels.index("近")] = 1.0  # a scorer that sees 近 everywhere
        reader.recognizer.probabilities(images)  # (as long as the model takes)
        return p

    fresh = LineReader(reader.recognizer, reader.lexicon, scorer=scorer)
    got = fresh.read(ink)
    assert seen and all(s[1:] == (64, 64) for s in seen)
    assert set(got.text) == {"近"}
    assert fresh.read(ink).classified == 0
    fresh.set_scorer(None)
    again = fresh.read(ink)
    assert again.classified > 0 and again.text == "近代化"
    fresh.set_scorer(lambda images: np.ones((len(images), 3)))
    with pytest.raises(LineError, match="shape"):
        fresh.read(ink)
