"""Synthetic handwriting vs the real sample: stats, speed and a comparison grid.

    .venv/bin/python tests/benchmarks/bench_synth.py GRID.png [--strokes TGZ] [--real JSONL | --data DIR]
        [--per-char 10] [--rows 37] [--seed 0] [--speed-samples 1000]

Runs from a plain clone: the stroke medians default to ``tests/data/hanzi-writer-data-mini`` (the
hanzi-writer-data 2.0.1 files of the real sample's 37 characters and a few more) and the real ink
to ``tests/data/tegaki-real-ink.jsonl``; ``--data DIR`` reads ``DIR/tegaki-real-ink.jsonl``.

Prints a table (real vs synthetic, same characters): pen paths per character,
pen paths / standard stroke count, width/height, stroke straightness and
angularity; and the time of synthesis + rasterization per sample.  The grid has
one row per character: real samples (left), then synthetic ones (right), all
rendered by ``hanzipad.raster.rasterize``.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hanzipad.ink import Ink, iter_jsonl  # noqa: E402
from hanzipad.raster import rasterize  # noqa: E402
from trainer.strokedata import load_records  # noqa: E402
from trainer.synth import Writer, synthesize_ink  # noqa: E402

REAL_NAME = "tegaki-real-ink.jsonl"
DEFAULT_STROKES = ROOT / "tests" / "data" / "hanzi-writer-data-mini"  # in the repository
DEFAULT_REAL = ROOT / "tests" / "data" / REAL_NAME


def ink_arrays(ink: Ink) -> list[np.ndarray]:
    return [np.array([(p.x, p.y) for p in s], float) for s in ink.strokes if len(s)]


def _resample_uniform(p: np.ndarray, step: float) -> np.ndarray:
    seg = np.hypot(*np.diff(p, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] < 2 * step:
        return p[[0, -1]]
    grid = np.arange(0.0, s[-1], step)
    return np.stack([np.interp(grid, s, p[:, 0]), np.interp(grid, s, p[:, 1])], axis=1)


def shape_stats(arrays: list[np.ndarray]) -> dict:
    """w/h; per pen path: straightness (chord / length) and angularity (share of the turning
    done in sharp turns, > 40 degrees within one resampling step of 3 % of the size); per
    near-horizontal path its rise (dy/dx, up = +) and per near-vertical one its lean (top to
    the right = +), both from the end points."""
    allp = np.concatenate(arrays)
    w, h = allp.max(axis=0) - allp.min(axis=0)
    size = max(w, h, 1e-6)
    straight, sharp_share, turn_per_len, rise, lean = [], [], [], [], []
    for p in arrays:
        d = p[-1] - p[0]
        if d[0] > 2.5 * abs(d[1]):  # a horizontal stroke: how far it rises per unit of width
            rise.append(-d[1] / d[0])
        if d[1] > 2.5 * abs(d[0]):  # a vertical one: how far its top leans right per unit of height
            lean.append(-d[0] / d[1])
        q = _resample_uniform(p, 0.03 * size)
        if len(q) < 3:
            continue
        d = np.diff(q, axis=0)
        length = np.hypot(*d.T).sum()
        straight.append(np.hypot(*(q[-1] - q[0])) / max(length, 1e-6))
        ang = np.arctan2(d[:, 1], d[:, 0])
        turn = np.abs((np.diff(ang) + np.pi) % (2 * np.pi) - np.pi)
        tot = turn.sum()
        turn_per_len.append(tot / (length / size))
        if tot > 0.3:
            sharp_share.append(turn[turn > math.radians(40)].sum() / tot)
    return {
        "paths": len(arrays),
        "wh": w / max(h, 1e-6),
        "straight": float(np.mean(straight)) if straight else float("nan"),
        "sharp": float(np.mean(sharp_share)) if sharp_share else float("nan"),
        "turn": float(np.mean(turn_per_len)) if turn_per_len else float("nan"),
        "rise": rise,
        "lean": lean,
    }


def summarize(rows: list[dict], std_counts: list[int], std_wh: list[float]) -> dict:
    paths = np.array([r["paths"] for r in rows], float)
    std = np.array(std_counts, float)
    wh = np.array([r["wh"] for r in rows])
    ok = (np.array(std_wh) > 0.6) & (np.array(std_wh) < 1.6)
    return {
        "pen paths / char": paths.mean(),
        "standard strokes / char": std.mean(),
        "paths / strokes": (paths / std).mean(),
        "w/h (mean, square-ish chars)": wh[ok].mean(),
        "w/h (median)": float(np.median(wh[ok])),
        "w/h (p10-p90 spread)": float(np.percentile(wh[ok], 90) - np.percentile(wh[ok], 10)),
        "straightness (chord/len)": np.nanmean([r["straight"] for r in rows]),
        "sharp-turn share": np.nanmean([r["sharp"] for r in rows]),
        "turning / size": np.nanmean([r["turn"] for r in rows]),
        "horizontals rise (median)": float(np.median([v for r in rows for v in r["rise"]] or [np.nan])),
        "verticals lean right (median)": float(np.median([v for r in rows for v in r["lean"]] or [np.nan])),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("grid", help="output PNG")
    ap.add_argument("--strokes", type=Path, default=DEFAULT_STROKES,
                    help="hanzi-writer-data tarball or folder (default: tests/data's 51 characters)")
    ap.add_argument("--real", type=Path, help=f"real ink .jsonl (default: tests/data/{REAL_NAME})")
    ap.add_argument("--data", type=Path, metavar="DIR", help=f"optional data folder: real ink from DIR/{REAL_NAME}")
    ap.add_argument("--per-char", type=int, default=10, help="synthetic samples per character")
    ap.add_argument("--rows", type=int, default=37)
    ap.add_argument("--cols", type=int, default=7, help="samples per side in the grid")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--speed-samples", type=int, default=1000)
    args = ap.parse_args(argv)
    args.real = args.real or (args.data / REAL_NAME if args.data else DEFAULT_REAL)
    for what in (args.real, args.strokes):
        if not what.exists():
            ap.error(f"{what}: no such file or folder")

    real: dict[str, list[Ink]] = defaultdict(list)
    for _, ink in iter_jsonl(args.real):
        if isinstance(ink, Ink) and ink.label and not ink.is_empty():
            real[ink.label].append(ink)
    chars = sorted(real)
    recs = load_records(args.strokes, chars)
    chars = [c for c in chars if c in recs]
    rng = np.random.default_rng(args.seed)

    real_rows, syn_rows, std_r, std_s, wh_r, wh_s, cursive = [], [], [], [], [], [], []
    synth: dict[str, list[Ink]] = {}
    for c in chars:
        med, rad = recs[c]
        std_stats = shape_stats([np.array(s) for s in med])
        for ink in real[c]:
            real_rows.append(shape_stats(ink_arrays(ink)))
            std_r.append(len(med))
            wh_r.append(std_stats["wh"])
        writers = [Writer.sample(rng) for _ in range(args.per_char)]
        synth[c] = [synthesize_ink(med, rng, w, rad_strokes=rad) for w in writers]
        for ink, w in zip(synth[c], writers):
            syn_rows.append(shape_stats(ink_arrays(ink)))
            std_s.append(len(med))
            wh_s.append(std_stats["wh"])
            cursive.append(w.cursive)
    med_rows = [shape_stats([np.array(s) for s in recs[c][0]]) for c in chars]
    sr = summarize(real_rows, std_r, wh_r)
    ss = summarize(syn_rows, std_s, wh_s)
    sm = summarize(med_rows, [len(recs[c][0]) for c in chars], [r["wh"] for r in med_rows])
    cur = np.array(cursive)
    neat = [i for i in range(len(cur)) if cur[i] < 0.3]
    fast = [i for i in range(len(cur)) if cur[i] > 0.7]

    def subset(idx):
        return summarize([syn_rows[i] for i in idx], [std_s[i] for i in idx], [wh_s[i] for i in idx])

    sn, sf = subset(neat), subset(fast)
    print(f"{len(chars)} characters; real {len(real_rows)} inks, synthetic {len(syn_rows)} inks "
          f"({len(neat)} by neat writers, cursiveness < 0.3; {len(fast)} by fast ones, > 0.7)")
    print(f"{'measure':30s} {'real':>7s} {'synth':>7s} {'neat':>7s} {'fast':>7s} {'medians':>8s}")
    for k in sr:
        print(f"{k:30s} {sr[k]:7.3f} {ss[k]:7.3f} {sn[k]:7.3f} {sf[k]:7.3f} {sm[k]:8.3f}")

    # speed: synthesis + rasterization over random characters, random writers
    allrec = load_records(args.strokes, None)
    from hanzipad.labels import gb2312_level1

    pool = [allrec[c] for c in gb2312_level1() if c in allrec]
    r2 = np.random.default_rng(args.seed + 1)
    picks = r2.integers(0, len(pool), args.speed_samples)
    t0 = time.perf_counter()
    for i in picks:
        med, rad = pool[i]
        ink = synthesize_ink(med, r2, rad_strokes=rad)
    t1 = time.perf_counter()
    for i in picks[:200]:
        med, rad = pool[i]
        ink = synthesize_ink(med, r2, rad_strokes=rad)
        rasterize(ink, width_scale=ink.meta["width_scale"])
    t2 = time.perf_counter()
    n = len(picks)
    print(f"speed: synthesis {1000 * (t1 - t0) / n:.3f} ms/sample; synthesis + rasterize "
          f"{1000 * (t2 - t1) / min(200, n):.3f} ms/sample (one core, {len(pool)} characters, random writers)")

    # grid: per row, real samples | gap | synthetic samples
    rows = chars[: args.rows]
    cell, gap = 64, 16
    W = 2 * args.cols * cell + gap
    grid = np.full((len(rows) * cell, W), 40, np.uint8)
    for r, c in enumerate(rows):
        for j, ink in enumerate(real[c][: args.cols]):
            grid[r * cell : (r + 1) * cell, j * cell : (j + 1) * cell] = rasterize(ink)
        for j, ink in enumerate(synth[c][: args.cols]):
            x = args.cols * cell + gap + j * cell
            grid[r * cell : (r + 1) * cell, x : x + cell] = rasterize(ink, width_scale=ink.meta["width_scale"])
    Image.fromarray(grid).save(args.grid)
    print(f"grid: {args.grid} (left: real, right: synthetic; {len(rows)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
