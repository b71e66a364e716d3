"""Ink the ink pack tests write themselves: tiny CASIA-layout .pot files of a few writers."""

from __future__ import annotations

import numpy as np

from tests.trainer.sources.test_casia import pot_record
from trainer.pack import pack

CHARS = "啊人大口日"


def pen_strokes(rng: np.random.Generator):
    """A few wavy pen strokes in CASIA's tablet units (dense points, like a real pen)."""
    out = []
    for _ in range(int(rng.integers(2, 6))):
        x0, y0 = rng.integers(1000, 1200, 2)
        dx, dy = rng.integers(-120, 120, 2)
        n = int(rng.integers(8, 30))
        t = np.linspace(0, 1, n)
        xs = x0 + dx * t + 6 * np.sin(7 * t)
        ys = y0 + dy * t + 6 * np.cos(5 * t)
        out.append([(int(x), int(y)) for x, y in zip(xs, ys)])
    return out


def write_pots(folder, writers=(1001, 1002, 1003), per_writer=12, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for w in writers:
        recs = b"".join(pot_record(CHARS[i % len(CHARS)], pen_strokes(rng)) for i in range(per_writer))
        (folder / f"{w}-c.pot").write_bytes(recs)
    return folder


def log_none(_msg):
    pass


def make_packed(tmp_path_factory):
    """``(pot folder, pack of it, pack's summary)``: writers 1001-1003, 12 samples each."""
    root = tmp_path_factory.mktemp("pack")
    pots = write_pots(root / "pot")
    out = root / "casia.inkpack"
    summary = pack([f"pot:{pots}?writers=1001-1003"], out, log=log_none)
    return pots, out, summary
