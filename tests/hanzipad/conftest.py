"""Fixtures shared by the app's tests."""

from __future__ import annotations

import pytest

from hanzipad.ink import Ink, Point, iter_jsonl
from tests.helpers import REAL_INK


@pytest.fixture(scope="module")
def line_ink():
    """近代化 in one writer's real ink, left to right, a fifth of a character apart."""
    real = {(ink.meta.get("writer"), ink.label): ink for _, ink in iter_jsonl(REAL_INK)}
    strokes, x = [], 0.0
    for c in "近代化":
        ink = real[("japanese-native1", c)]
        x0, y0, x1, y1 = ink.bounds()
        s = 100 / max(x1 - x0, y1 - y0)
        strokes += [tuple(Point(x + (p.x - x0) * s, (p.y - y0) * s) for p in st)
                    for st in ink.strokes]
        x += (x1 - x0) * s + 20
    return Ink(strokes, 400, 120)
