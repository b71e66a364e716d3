"""Line mode on real handwriting: lines of 3-8 characters of real modern text, each written
with one held-out CASIA writer's own characters, read by ``hanzipad.line.LineReader``.

    python tests/benchmarks/line_check.py --pot DIR [--writers 1181-1200] [--lines N]
        [--model DIR] [--grid] [--cross-validate] [--timing N] [--threads T]
    python tests/benchmarks/line_check.py --pot DIR --fit-geometry [training|tuning]
    python tests/benchmarks/line_check.py --make-texts HANDBOOK_HTML_DIR   # regenerate texts

**Text.** ``tests/benchmarks/data/line-texts.txt``: pieces of 3-8 characters of the
Simplified Chinese translation of *The Debian Administrator's Handbook* (Raphaël Hertzog,
Roland Mas and its translators; Debian package ``debian-handbook`` 11.20220922,
``/usr/share/doc/debian-handbook/html/zh-CN``; licence CC BY-SA 3.0 or GPL-2+, used under
CC BY-SA 3.0). The prose of every page, code blocks left out, is cut at every character that
is not one of the model's 3755 classes (punctuation, Latin, digits); each run of at least 3
such characters is cut into consecutive pieces of 3-8 characters (seeded); an equal number of
pieces of each length is kept. Not the jieba word list the language model uses.

**Ink.** Held-out writers 1181-1200 of CASIA-OLHWDB1.1 (``DIR/1181-c.pot`` …; writers
1201-1240 are never read). Line ``i`` is written by writer ``1181 + i % 20`` with that
writer's one sample of each character, kept at its written size (no scaling), centred on
the line with a little vertical jitter (5 % of the writer's median character height H), one
after another with a gap drawn per pair: 15 % touching or overlapping (-8 % .. 0 of H), 70 %
ordinary (2-30 %), 15 % wide (30-70 %). Strokes keep their written order.

**Measured.** Character accuracy (1 - edit distance / length, summed over lines), whole lines
right, per line length; the same characters classified one by one in their own box (top-1,
no context) beside it; what goes wrong (substitutions, characters split or merged, true
cuts that the over-segmentation missed); the time to read an 8-character line, cold and
after its last stroke (the line without its last stroke read first, as the pad does while
the person writes).

``--grid`` tries other weights on the lines of writers 1181-1190 (the tuning half) and
prints the best; the defaults in ``hanzipad/line.py`` were chosen that way.
``--cross-validate`` makes the whole choice (geometry model and weights) on each half and
measures it on the other: the lines' accuracy on writers nothing was chosen on, all 20.
"""

from __future__ import annotations

import argparse
import html
import random
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TEXTS = ROOT / "tests" / "benchmarks" / "data" / "line-texts.txt"
HELD_OUT = range(1181, 1201)  # validation writers; 1201-1240 are reserved, never read
TUNE = range(1181, 1191)
LENGTHS = range(3, 9)
TEXT_HEADER = """\
# Lines of real modern text for tests/benchmarks/line_check.py, one a line.
# Source: The Debian Administrator's Handbook, Simplified Chinese translation, by Raphael
# Hertzog, Roland Mas and the translators; Debian package debian-handbook 11.20220922
# (/usr/share/doc/debian-handbook/html/zh-CN). Licence: CC BY-SA 3.0 (or GPL-2+); these
# pieces are shared under CC BY-SA 3.0 (https://creativecommons.org/licenses/by-sa/3.0/).
# Made by: python tests/benchmarks/line_check.py --make-texts DIR (pieces of 3-8 characters
# of the book's prose, cut at every character outside GB2312 level 1).
"""


# -- text -------------------------------------------------------------------------------

def make_texts(folder: Path, labels: set[str], per_length: int = 120, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    pieces: dict[int, list[str]] = {n: [] for n in LENGTHS}
    for page in sorted(folder.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        text = re.sub(r"(?s)<(pre|script|style|code)\b.*?</\1>", " ", text)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        run = []
        for ch in text + " ":
            if ch in labels:
                run.append(ch)
                continue
            while len(run) >= 3:
                n = min(rng.choice(LENGTHS), len(run))
                if len(run) - n in (1, 2):
                    n = len(run) if len(run) <= 8 else n - 2
                pieces[n].append("".join(run[:n]))
                run = run[n:]
            run = []
    out = []
    for n in LENGTHS:
        unique = sorted(set(pieces[n]))
        rng.shuffle(unique)
        out += unique[:per_length]
    rng.shuffle(out)
    return out


def load_texts(path: Path = TEXTS) -> list[str]:
    return [t.strip() for t in path.read_text(encoding="utf-8").splitlines()
            if t.strip() and not t.startswith("#")]


# -- ink --------------------------------------------------------------------------------

def writer_samples(pot_dir: Path, writers) -> dict[int, dict]:
    from trainer.sources.casia import iter_pot_inks

    out = {}
    for w in writers:
        if not 1001 <= w <= 1200:
            raise SystemExit(f"writer {w}: only writers 1001-1200 may be read")
        f = pot_dir / f"{w}-c.pot"
        if not f.is_file():
            raise SystemExit(f"{f}: missing")
        out[w] = {c: ink for ink, c, _ in iter_pot_inks(str(f)) if c}
    return out


def compose(inks: list, rng: random.Random):
    """One line from single characters' inks: see the module docstring. Returns the line's
    ink and the strokes of each character (index ranges)."""
    from hanzipad.ink import Ink, Point

    heights = [i.bounds()[3] - i.bounds()[1] for i in inks]
    widths = [i.bounds()[2] - i.bounds()[0] for i in inks]
    h = statistics.median([*heights, *widths])
    strokes, ranges, cursor = [], [], 0.0
    for k, ink in enumerate(inks):
        x0, y0, x1, y1 = ink.bounds()
        if k:
            r = rng.random()
            gap = (rng.uniform(-0.08, 0.0) if r < 0.15 else rng.uniform(0.3, 0.7) if r > 0.85
                   else rng.uniform(0.02, 0.3))
            cursor += gap * h
        dx = cursor - x0
        dy = -(y0 + y1) / 2 + rng.gauss(0, 0.05 * h)
        first = len(strokes)
        for s in ink.strokes:
            strokes.append(tuple(Point(p.x + dx, p.y + dy) for p in s))
        ranges.append((first, len(strokes)))
        cursor += x1 - x0
    return Ink(strokes), ranges


def build_lines(texts, samples, rng):
    writers = sorted(samples)
    lines = []
    for i, text in enumerate(texts):
        w = writers[i % len(writers)]
        if not all(c in samples[w] for c in text):
            continue
        ink, ranges = compose([samples[w][c] for c in text], rng)
        lines.append((w, text, ink, ranges))
    return lines


# -- scoring ----------------------------------------------------------------------------

def edit_ops(a: str, b: str) -> tuple[int, list[tuple[str, str]]]:
    """Levenshtein distance from truth ``a`` to reading ``b`` and its substitutions."""
    n, m = len(a), len(b)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
    subs, i, j = [], n, m
    while i and j:
        if d[i][j] == d[i - 1][j - 1] + (a[i - 1] != b[j - 1]):
            if a[i - 1] != b[j - 1]:
                subs.append((a[i - 1], b[j - 1]))
            i, j = i - 1, j - 1
        elif d[i][j] == d[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return d[n][m], subs


def cuts_found(ink, ranges) -> bool:
    """Whether every true cut between characters is a cut between blocks."""
    from hanzipad.line import line_height, segment, stroke_box

    boxes = [stroke_box(s) for s in ink.strokes]
    starts = {seg.strokes[0] for seg in segment(boxes, line_height(boxes))}
    return all(a in starts for a, _ in ranges)


def evaluate(reader, lines, label="") -> dict:
    errors = total = right = 0
    by_len: dict[int, list[int]] = {n: [0, 0, 0, 0] for n in LENGTHS}
    subs: Counter = Counter()
    kinds: Counter = Counter()
    for _w, text, ink, _r in lines:
        got = reader.read(ink).text
        dist, s = edit_ops(text, got)
        errors += dist
        total += len(text)
        right += dist == 0
        b = by_len.setdefault(len(text), [0, 0, 0, 0])
        b[0] += dist
        b[1] += len(text)
        b[2] += dist == 0
        b[3] += 1
        subs.update(s)
        if len(got) > len(text):
            kinds["more characters than written (a character split)"] += 1
        elif len(got) < len(text):
            kinds["fewer characters than written (characters merged)"] += 1
        elif dist:
            kinds["same length, substitutions only"] += 1
    return {"label": label, "acc": 1 - errors / max(total, 1), "lines_right": right,
            "lines": len(lines), "chars": total, "by_len": by_len, "subs": subs, "kinds": kinds}


def isolated_accuracy(recognizer, lines, widths=((1.0, 1.0),)) -> tuple[float, int]:
    """Top-1 of the lines' characters classified one by one, drawn as the pad draws them (or
    the geometric mean over the drawings ``widths``, as line mode draws its candidates)."""
    from hanzipad.ink import Ink
    from hanzipad.line import _stretched
    from hanzipad.raster import rasterize

    inks, truth = [], []
    for _w, text, ink, ranges in lines:
        for c, (a, b) in zip(text, ranges):
            inks.append(Ink(ink.strokes[a:b]))
            truth.append(c)
    right = 0
    for i in range(0, len(inks), 128):
        part = inks[i:i + 128]
        images = np.stack([rasterize(_stretched(list(k.strokes), sx), width_scale=w)
                           for k in part for w, sx in widths])
        logp = np.log(np.maximum(recognizer.probabilities(images), 1e-12))
        logp = logp.reshape(len(part), len(widths), -1).sum(axis=1)
        right += sum(recognizer.labels[int(k)] == t
                     for k, t in zip(logp.argmax(axis=1), truth[i:i + 128]))
    return right / max(len(truth), 1), len(truth)


def timing(recognizer, lexicon, lines, n: int) -> tuple[list[float], list[float], list[int]]:
    from hanzipad.ink import Ink
    from hanzipad.line import LineReader

    cold, after, classified = [], [], []
    for _w, _t, ink, _r in [ln for ln in lines if len(ln[1]) == 8][:n]:
        reader = LineReader(recognizer, lexicon)
        t = time.perf_counter()
        reader.read(ink)
        cold.append((time.perf_counter() - t) * 1000)
        reader = LineReader(recognizer, lexicon)
        reader.read(Ink(ink.strokes[:-1]))
        t = time.perf_counter()
        got = reader.read(ink)
        after.append((time.perf_counter() - t) * 1000)
        classified.append(got.classified)
    return cold, after, classified


def report(result: dict) -> None:
    r = result
    print(f"\n{r['label']}: character accuracy {100 * r['acc']:.1f} % ({r['chars']} characters), "
          f"whole lines right {r['lines_right']}/{r['lines']} "
          f"({100 * r['lines_right'] / max(r['lines'], 1):.1f} %)")
    print("  length  lines  char acc  lines right")
    for n, (e, t, ok, c) in sorted(r["by_len"].items()):
        if c:
            print(f"  {n:6d}  {c:5d}  {100 * (1 - e / t):7.1f} %  {100 * ok / c:7.1f} %")
    print("  wrong lines:", dict(r["kinds"]))
    print("  most frequent substitutions (written -> read):",
          ", ".join(f"{a}->{b} {k}" for (a, b), k in r["subs"].most_common(15)))


GRID = {  # fields of hanzipad.line.Weights
    "classifier": (0.6, 0.7, 0.8),
    "lm": (0.6, 0.8, 1.0),
    "char_bonus": (4.0, 5.0, 5.5, 6.0),
    "geometry": (0.5, 0.8),
}


def grid(reader, lines, quiet: bool = False) -> dict:
    """Try the weights of :data:`GRID` on ``lines``; print the best 10 and return the best."""
    import itertools

    base = reader.weights
    best = []
    keys = list(GRID)
    for values in itertools.product(*GRID.values()):
        reader.weights = replace(base, **dict(zip(keys, values)))
        acc = evaluate(reader, lines)["acc"]
        best.append((acc, values))
    best.sort(reverse=True)
    reader.weights = base
    if not quiet:
        print("\ngrid on the tuning writers (best 10):", keys)
        for acc, values in best[:10]:
            print(f"  {100 * acc:.2f} %  {values}")
    return dict(zip(keys, best[0][1]))


def cross_validate(reader, lines) -> None:
    """Two folds of the whole choice (the geometry model fitted and the weights chosen by
    :func:`grid` on one half of the held-out writers, measured on the other), so that the
    lines' accuracy is measured on writers nothing was chosen on, for all 20 writers."""
    import hanzipad.line as line_module

    shipped, base = line_module.GEOMETRY, reader.weights
    halves = (("1181-1190", [ln for ln in lines if ln[0] in TUNE]),
              ("1191-1200", [ln for ln in lines if ln[0] not in TUNE]))
    errors = chars = 0.0
    print("\ncross-validation (choose on one half, measure on the other):")
    try:
        for k, (name, tune) in enumerate(halves):
            other_name, other = halves[1 - k]
            line_module.GEOMETRY = tuple(float(v) for v in fit_logistic(*geometry_data(tune)))
            chosen = grid(reader, tune, quiet=True)
            reader.weights = replace(base, **chosen)
            here, there = evaluate(reader, tune), evaluate(reader, other)
            errors += (1 - there["acc"]) * there["chars"]
            chars += there["chars"]
            print(f"  chosen on {name} ({chosen}): {100 * here['acc']:.2f} % there, "
                  f"{100 * there['acc']:.2f} % on {other_name} ({there['chars']} characters)")
            reader.weights = base
    finally:
        line_module.GEOMETRY, reader.weights = shipped, base
    print(f"  cross-validated character accuracy, all writers: {100 * (1 - errors / chars):.2f} %")


# -- geometry model ---------------------------------------------------------------------

TRAIN = range(1101, 1181)  # training writers whose composed lines fit the geometry model
FIT_TEXTS = slice(600, None)  # texts the benchmark's lines (the first 600) leave out


def geometry_data(lines) -> tuple[np.ndarray, np.ndarray]:
    """Features (:func:`hanzipad.line.features`) of every candidate of ``lines`` and whether
    it is one whole written character."""
    from hanzipad.line import line_height, segment, spans, stroke_box

    xs, ys = [], []
    for _w, _t, ink, ranges in lines:
        boxes = [stroke_box(st) for st in ink.strokes]
        h = line_height(boxes)
        truth = {tuple(range(a, b)) for a, b in ranges}
        for sp in spans(segment(boxes, h), h):
            xs.append(sp.features)
            ys.append(sp.strokes in truth)
    return np.asarray(xs, np.float64), np.asarray(ys, np.float64)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-6, steps: int = 100) -> np.ndarray:
    """Logistic regression by Newton's method (a little L2, not on the constant)."""
    w = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], l2 * len(x))
    reg[0] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        grad = x.T @ (p - y) + reg * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_geometry(pot_dir: Path, writers=TRAIN) -> None:
    """Fit :data:`hanzipad.line.GEOMETRY` on lines composed from the training writers'
    characters (texts the benchmark does not use) and print it."""
    samples = writer_samples(pot_dir, writers)
    texts = load_texts()[FIT_TEXTS]
    rng = random.Random(1)
    lines = []
    for k, w in enumerate(sorted(samples)):
        for text in texts[k % 8::8]:
            if all(c in samples[w] for c in text):
                ink, ranges = compose([samples[w][c] for c in text], rng)
                lines.append((w, text, ink, ranges))
    print_fit(lines, f"{len(samples)} training writers")


def print_fit(lines, label: str) -> None:
    """Fit the geometry model on ``lines`` and print it."""
    x, y = geometry_data(lines)
    w = fit_logistic(x, y)
    p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
    print(f"{len(lines)} lines of {label}, {len(y)} candidates "
          f"({int(y.sum())} whole characters); log-loss "
          f"{-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)):.4f}")
    print("GEOMETRY = (" + ", ".join(f"{v:.3f}" for v in w) + ")")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pot", type=Path, help="folder of CASIA-OLHWDB1.1 .pot files")
    ap.add_argument("--writers", default="1181-1200")
    ap.add_argument("--lines", type=int, default=600, help="at most this many lines")
    ap.add_argument("--model", help="model bundle (default: the shipped one)")
    ap.add_argument("--no-lexicon", action="store_true", help="without the language model")
    ap.add_argument("--grid", action="store_true")
    ap.add_argument("--cross-validate", action="store_true",
                    help="choose the geometry model and weights on one half of the writers, "
                    "measure on the other, both ways (needs both halves: --writers 1181-1200)")
    ap.add_argument("--timing", type=int, default=30, metavar="N", help="8-character lines timed")
    ap.add_argument("--threads", type=int, default=1, help="recognizer threads (the app uses 1)")
    ap.add_argument("--fit-geometry", nargs="?", const="training", choices=("training", "tuning"),
                    help="fit the geometry model on lines of the training writers (1101-1180, "
                    "texts the benchmark leaves out) or on the benchmark's lines of the tuning "
                    "writers (1181-1190: hanzipad.line.GEOMETRY), print it and stop")
    ap.add_argument("--make-texts", type=Path, metavar="DIR",
                    help="write the texts file from the handbook's zh-CN HTML folder and stop")
    args = ap.parse_args(argv)

    from hanzipad.labels import gb2312_level1

    if args.make_texts:
        texts = make_texts(args.make_texts, set(gb2312_level1()))
        TEXTS.parent.mkdir(parents=True, exist_ok=True)
        TEXTS.write_text(TEXT_HEADER + "\n".join(texts) + "\n", encoding="utf-8")
        print(f"{TEXTS}: {len(texts)} lines")
        return 0
    if not args.pot:
        ap.error("--pot DIR is needed (CASIA-OLHWDB1.1 .pot files of writers 1181-1200)")
    if args.fit_geometry == "training":
        fit_geometry(args.pot)
        return 0
    if args.fit_geometry == "tuning":
        samples = writer_samples(args.pot, HELD_OUT)  # the benchmark's lines, as below
        lines = build_lines(load_texts()[:args.lines], samples, random.Random(0))
        print_fit([ln for ln in lines if ln[0] in TUNE], f"tuning writers {TUNE.start}-"
                  f"{TUNE.stop - 1}")
        return 0
    from hanzipad.lexicon import Lexicon
    from hanzipad.line import LineReader
    from hanzipad.recognizer import Recognizer

    lo, _, hi = args.writers.partition("-")
    writers = range(int(lo), int(hi or lo) + 1)
    t = time.perf_counter()
    samples = writer_samples(args.pot, writers)
    lines = build_lines(load_texts()[:args.lines], samples, random.Random(0))
    print(f"{len(lines)} lines of {len(samples)} writers ({writers.start}-{writers.stop - 1}) "
          f"made in {time.perf_counter() - t:.1f} s")
    recognizer = Recognizer(args.model, num_threads=args.threads)
    lexicon = None if args.no_lexicon else Lexicon.load()
    reader = LineReader(recognizer, lexicon, cache=200_000)
    missed = sum(not cuts_found(ink, r) for _w, _t, ink, r in lines)
    t = time.perf_counter()
    results = [evaluate(reader, lines, "all lines")]
    took = time.perf_counter() - t
    tune = [ln for ln in lines if ln[0] in TUNE]
    test = [ln for ln in lines if ln[0] not in TUNE]
    if tune and test:
        results += [evaluate(reader, tune, f"tuning writers {TUNE.start}-{TUNE.stop - 1}"),
                    evaluate(reader, test, f"other writers {TUNE.stop}-{writers.stop - 1}")]
    for r in results:
        report(r)
    from hanzipad.line import WIDTHS

    for label, part in (("all", lines), ("tuning writers", tune), ("other writers", test)):
        if not part:
            continue
        iso, n = isolated_accuracy(recognizer, part)
        iso2, _ = isolated_accuracy(recognizer, part, WIDTHS)
        print(f"\nisolated characters, {label} (the same {n}, one by one, top-1, no context): "
              f"{100 * iso:.1f} % (as the pad draws them), {100 * iso2:.1f} % (drawn as line mode "
              f"draws candidates: {WIDTHS})")
    print(f"lines with a true cut that the over-segmentation missed: {missed}/{len(lines)}")
    print(f"read all lines in {took:.1f} s ({1000 * took / max(len(lines), 1):.0f} ms a line, "
          "cold)")
    if args.timing:
        cold, after, classified = timing(recognizer, lexicon, lines, args.timing)
        if cold:
            q = statistics.quantiles
            print(f"8-character lines ({len(cold)}), {args.threads} recognizer thread(s): cold "
                  f"median {statistics.median(cold):.0f} ms (p90 {q(cold, n=10)[-1]:.0f}); "
                  f"after the last stroke median {statistics.median(after):.0f} ms "
                  f"(p90 {q(after, n=10)[-1]:.0f}, max {max(after):.0f}), "
                  f"{statistics.mean(classified):.1f} candidates classified then")
    if args.grid:
        grid(reader, tune or lines)
    if args.cross_validate:
        if not (tune and test):
            ap.error("--cross-validate needs writers of both halves (--writers 1181-1200)")
        cross_validate(reader, lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
