"""Writer adaptation in the ink, on held-out writers: does correcting a writer's hand before it
is drawn, or reading it several ways, add to style transfer mapping (STM)?

    .venv/bin/python tests/benchmarks/adapt_input_check.py [--model DIR] [--pot DIR]
        [--writers 1181-1200] [--tune 1181-1190] [--cache-dir runs/adapt_input]

The same split as ``adapt_check.py`` (per writer: 600 test characters; the learned ones drawn
from classes not among them, seed 0; the first 300 learned here). Each of the 900 characters
is drawn through the app's one path (:func:`hanzipad.raster.rasterize`, its ``width_scale``
for the pen) after a writer-wide geometric change of its ink (shear, rotation, aspect: about
the ink's centre; :func:`restyle`), for each of the 17 settings of :data:`GRID` (the identity,
and each parameter moved alone), and goes through the bundle's feature output (cached per
writer in ``--cache-dir``: about 40 s a writer on one core). Then, with the map fitted exactly
as ``hanzipad learn`` fits it (:func:`hanzipad.adapt.fit_samples`, beta 1, gamma 0.1):

* **style**: per writer, the setting under which the model gives the learned characters' labels
  the highest mean log-probability, if it beats the identity by more than a margin (the margin
  chosen on ``--tune`` writers), then STM fitted and applied under that setting;
* **several readings** (test-time augmentation): every test character read under a set of
  settings (the set chosen on ``--tune`` writers among a few), STM fitted on the learned
  characters under all of them, the log-probabilities of the readings added;
* the oracle: the best setting per writer chosen on its test characters themselves (a
  ceiling, not a method).

What the pad does (:mod:`hanzipad.handstyle`): **readings of the image**: a character whose
best adapted candidate is less than a margin (the gate) above the second is read again, its
64x64 image slanted or stretched (:func:`hanzipad.handstyle.reading`), through the map fitted
on the learned characters as they are (so learning costs nothing more), the log-probabilities
added. For it the learned characters' features come from ``adapt_check.py``'s cache
(``--cache``, made by that script: 1,000 learned, so the curve goes to 1,000) and the test
characters' readings (each of :data:`CANDIDATES`) are cached here; the table the pad's
readings and gate were chosen from (:func:`choose_readings`: on the ``--tune`` writers, shown
for the others too), the gate's settings for the ``--tune`` writers, the pad's
(:data:`hanzipad.handstyle.GATE`) for all; and the time :func:`hanzipad.handstyle.read`
adds to classifying (mean and median over every writer's 600 characters), and a
check that it ranks as this script's arithmetic does.

Reported like ``adapt_check.py``: pooled error, relative reduction, worst writer, better /
same / worse; for the ``--tune`` writers, those not tuned on, and all; the curve (50, 100, 300
learned) and 300 with 10 % of the labels wrong (the model's best wrong candidate) for the
chosen settings; and the time of one more reading of a character.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hanzipad import adapt, handstyle  # noqa: E402
from hanzipad.ink import Ink, Point  # noqa: E402
from hanzipad.raster import rasterize  # noqa: E402
from hanzipad.recognizer import Recognizer  # noqa: E402

TEST = 600
LEARN = 300
CURVE = (50, 100, 300)
NOISE = 0.10
LIMIT = 0.005 + 1e-9
#: (shear, rotation in radians, aspect, pen width factor): the identity, then one at a time.
GRID = ([(0.0, 0.0, 1.0, 1.0)] + [(s, 0.0, 1.0, 1.0) for s in (-0.2, -0.1, 0.1, 0.2)]
        + [(0.0, r, 1.0, 1.0) for r in (-0.14, -0.07, 0.07, 0.14)]
        + [(0.0, 0.0, a, 1.0) for a in (0.85, 0.92, 1.08, 1.18)]
        + [(0.0, 0.0, 1.0, p) for p in (0.75, 0.88, 1.15, 1.3)])
#: Sets of readings tried (indexes into GRID).
VIEW_SETS = {"shear +-0.1": (0, 2, 3), "aspect 0.92/1.08": (0, 10, 11),
             "pen 0.88/1.15": (0, 14, 15), "shear +-0.1, pen 0.88/1.15": (0, 2, 3, 14, 15),
             "all 17": tuple(range(len(GRID)))}
MARGINS = (0.0, 0.01, 0.02, 0.04, math.inf)


def restyle(ink: Ink, shear: float, rotation: float, aspect: float) -> Ink:
    """The ink sheared (x moves by ``-shear`` times the height from the centre), turned by
    ``rotation`` and its heights multiplied by ``aspect``, about the centre of its bounds."""
    bounds = ink.bounds()
    if bounds is None or (shear, rotation, aspect) == (0.0, 0.0, 1.0):
        return ink
    cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    co, si = math.cos(rotation), math.sin(rotation)
    strokes = []
    for stroke in ink.strokes:
        out = []
        for p in stroke:
            x, y = p.x - cx, p.y - cy
            x -= shear * y
            x, y = co * x + si * y, -si * x + co * y
            out.append(Point(cx + x, cy + aspect * y, p.t, p.pressure))
        strokes.append(tuple(out))
    return Ink(strokes, ink.width, ink.height, dict(ink.meta))


def draw(ink: Ink, setting) -> np.ndarray:
    shear, rotation, aspect, pen = setting
    return rasterize(restyle(ink, shear, rotation, aspect), width_scale=pen)


def writer_list(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def writer_inks(rec: Recognizer, pot: Path, writer: int, seed: int = 0):
    """The test set and the first learned characters, chosen exactly as adapt_check.py does."""
    from trainer.sources.casia import iter_pot_inks

    index = {ch: i for i, ch in enumerate(rec.labels)}
    inks, labels = [], []
    for ink, char, _ in iter_pot_inks(str(pot / f"{writer}-c.pot")):
        if char in index:
            inks.append(ink)
            labels.append(index[char])
    labels = np.array(labels)
    rng = np.random.default_rng(seed * 100003 + writer)
    order = rng.permutation(len(inks))
    test = order[:TEST]
    test_classes = set(labels[test].tolist())
    pool = [i for i in order[TEST:] if labels[i] not in test_classes][:LEARN]
    chosen = np.concatenate([test, np.array(pool, dtype=np.int64)])
    return [inks[i] for i in chosen], labels[chosen]


def writer_grid(rec: Recognizer, pot: Path, writer: int, cache: Path) -> dict:
    path = cache / f"grid_{writer}.npz"
    if path.exists():
        with np.load(path) as z:
            if np.allclose(z["grid"], np.array(GRID)):
                return {"feats": z["feats"].astype(np.float32), "labels": z["labels"]}
    inks, labels = writer_inks(rec, pot, writer)
    feats = []
    for setting in GRID:
        images = np.stack([draw(ink, setting) for ink in inks])
        feats.append(np.concatenate([rec.features(images[i:i + 100])[1]
                                     for i in range(0, len(images), 100)]).astype(np.float16))
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, feats=np.stack(feats), labels=labels, grid=np.array(GRID))
    return {"feats": np.stack(feats).astype(np.float32), "labels": labels}


class Scorer:
    def __init__(self, ada: adapt.Adaptation):
        self.ada = ada
        self.w, self.c = ada.weights, ada.bias

    def logp(self, feats: np.ndarray, tr=None) -> np.ndarray:
        x = feats if tr is None else adapt._map(feats, tr[0].T.copy(), tr[1], adapt.POWER)
        z = x @ self.w.T + self.c
        z -= z.max(1, keepdims=True)
        return z - np.log(np.exp(z).sum(1, keepdims=True))

    def fit(self, feats: np.ndarray, labels: np.ndarray):
        a, b, _ = adapt.fit_samples(self.ada, feats, labels, np.ones(len(labels)))
        return a, b


def wrong_labels(sc: Scorer, d: dict, n: int, seed: int) -> np.ndarray:
    """The learned labels with 10 % replaced by the model's best wrong candidate."""
    y = d["labels"][TEST:TEST + n].copy()
    lp = sc.logp(d["feats"][0][TEST:TEST + n])
    lp[np.arange(n), y] = -np.inf
    rng = np.random.default_rng(seed)
    flip = rng.permutation(n)[:int(round(NOISE * n))]
    y[flip] = lp.argmax(1)[flip]
    return y


def errors(sc: Scorer, d: dict, method: str, arg, n: int = LEARN, noisy: bool = False,
           writer: int = 0) -> tuple[float, float]:
    """(error without a profile, error with the method) on the writer's test set."""
    F, y = d["feats"], d["labels"]
    yt = y[:TEST]
    yl = wrong_labels(sc, d, n, writer) if noisy else y[TEST:TEST + n]
    learn = slice(TEST, TEST + n)
    base = float((sc.logp(F[0][:TEST]).argmax(1) != yt).mean())
    if method == "stm":
        views = (0,)
    elif method == "style":
        ll = [float(sc.logp(F[k][learn])[np.arange(n), yl].mean()) for k in range(len(F))]
        k = int(np.argmax(ll))
        views = (k,) if ll[k] - ll[0] > arg else (0,)
    elif method == "oracle":
        views = (int(np.argmin([errors(sc, d, "fixed", (k,), n)[1] for k in range(len(F))])),)
    else:  # "views" / "fixed": these readings
        views = arg
    tr = sc.fit(np.concatenate([F[k][learn] for k in views]), np.tile(yl, len(views)))
    total = sum(sc.logp(F[k][:TEST], tr) for k in views)
    return base, float((total.argmax(1) != yt).mean())


def summary(rows) -> str:
    base = np.array([r[0] for r in rows])
    ad = np.array([r[1] for r in rows])
    return (f"{100 * base.mean():.2f} % -> {100 * ad.mean():.2f} % "
            f"({100 * (ad.mean() / base.mean() - 1):+.1f} %), worst writer "
            f"{100 * (ad - base).max():+.2f} points, better/same/worse "
            f"{int((ad < base).sum())}/{int((ad == base).sum())}/{int((ad > base).sum())}")


def choose(rows_by_option: dict) -> object:
    """The option of the lowest mean error among those that make no writer worse by more
    than the limit."""
    best = None
    for opt, rows in rows_by_option.items():
        key = (max(r[1] - r[0] for r in rows) > LIMIT, float(np.mean([r[1] for r in rows])))
        if best is None or key < best[0]:
            best = (key, opt)
    return best[1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(ROOT / "resources" / "model"))
    ap.add_argument("--pot", default=str(ROOT / "data" / "pot"))
    ap.add_argument("--writers", default="1181-1200")
    ap.add_argument("--tune", default="1181-1190")
    ap.add_argument("--cache-dir", default=str(ROOT / "runs" / "adapt_input"))
    ap.add_argument("--cache", default=str(ROOT / "runs" / "adapt_cache.npz"),
                    help="adapt_check.py's feature cache (the learned characters)")
    ap.add_argument("--readings-only", action="store_true",
                    help="only the image readings (the pad's method), not the ink settings")
    args = ap.parse_args()
    rec = Recognizer(args.model, num_threads=1)
    ada = adapt.Adaptation.load(rec.bundle)
    if ada is None or not rec.has_features:
        print(f"{args.model}: the bundle has no adaptation data (hanzipad-train prototypes)")
        return 2
    writers = writer_list(args.writers)
    tune = [w for w in writer_list(args.tune) if w in writers]
    held = [w for w in writers if w not in tune]
    sc = Scorer(ada)
    if args.readings_only:
        image_readings(rec, ada, sc, writers, tune, held, Path(args.pot), Path(args.cache_dir),
                       Path(args.cache))
        return 0
    t0 = time.time()
    data = {w: writer_grid(rec, Path(args.pot), w, Path(args.cache_dir)) for w in writers}
    print(f"{len(writers)} writers x {len(GRID)} settings in {time.time() - t0:.0f} s")
    sc = Scorer(ada)

    def report(name, method, arg):
        rows = {w: errors(sc, data[w], method, arg, writer=w) for w in writers}
        print(f"{name}\n  tuned on ({len(tune)}): {summary([rows[w] for w in tune])}\n"
              f"  not tuned on ({len(held)}): {summary([rows[w] for w in held])}\n"
              f"  all ({len(writers)}): {summary(list(rows.values()))}\n  per writer: "
              + ", ".join(f"{w} {100 * r[0]:.2f}->{100 * r[1]:.2f}" for w, r in rows.items()),
              flush=True)
        return rows

    report("STM alone (300 learned)", "stm", None)
    report("oracle setting per writer, chosen on its test characters (a ceiling)", "oracle",
           None)
    margin = choose({m: [errors(sc, data[w], "style", m) for w in tune] for m in MARGINS})
    report(f"style chosen by the learned characters' likelihood (margin {margin}, chosen on "
           "the tuned writers), then STM", "style", margin)
    print("readings tried on the tuned writers:")
    options = {}
    for name, views in VIEW_SETS.items():
        options[name] = [errors(sc, data[w], "views", views) for w in tune]
        print(f"  {name}: {summary(options[name])}")
    name = choose(options)
    views = VIEW_SETS[name]
    report(f"several readings ({name}, chosen on the tuned writers), STM on all of them",
           "views", views)
    for n in CURVE:
        rows = [errors(sc, data[w], "views", views, n) for w in writers]
        print(f"  readings {name}, learned {n}: {summary(rows)}")
    rows = [errors(sc, data[w], "views", views, noisy=True, writer=w) for w in writers]
    print(f"  readings {name}, learned 300 with 10 % wrong labels: {summary(rows)}")
    # the cost of a reading more: drawing it and one more character through the model
    from trainer.sources.casia import iter_pot_inks
    ink = next(iter_pot_inks(str(Path(args.pot) / f"{writers[0]}-c.pot")))[0]
    times = {}
    for k in (1, len(views)):
        ts = []
        for _ in range(100):
            t = time.perf_counter()
            rec.features(np.stack([draw(ink, GRID[v]) for v in views[:k]]))
            ts.append(time.perf_counter() - t)
        times[k] = 1000 * float(np.median(ts))
    print(f"timing: drawing + features of one reading {times[1]:.2f} ms, of {len(views)} "
          f"readings {times[len(views)]:.2f} ms (+{times[len(views)] - times[1]:.2f} ms)")
    image_readings(rec, ada, sc, writers, tune, held, Path(args.pot), Path(args.cache_dir),
                   Path(args.cache))
    return 0


#: The readings the pad's were chosen among (:func:`choose_readings`): slanted by +-0.1, the
#: height squeezed or stretched by 8 %. Their features are cached for every test character.
CANDIDATES = ((0.1, 1.0), (-0.1, 1.0), (0.0, 0.92), (0.0, 1.08))
#: Readings a character (on the tuned writers) that :func:`choose_readings` may spend.
BUDGET = 0.1


def test_readings(rec: Recognizer, pot: Path, writer: int, cache: Path,
                  settings=None) -> np.ndarray:
    """Features ``[len(settings), 600, D]`` of the test characters read under ``settings``
    (None: :data:`hanzipad.handstyle.READINGS`), each of :data:`CANDIDATES` cached."""
    settings = [tuple(s) for s in (handstyle.READINGS if settings is None else settings)]
    path = cache / f"read_{writer}.npz"
    known = {}
    if path.exists():
        with np.load(path) as z:
            known = {tuple(s): f for s, f in zip(z["readings"].tolist(), z["feats"])}
    if not all(s in known for s in settings):
        inks, _ = writer_inks(rec, pot, writer)
        images = np.stack([rasterize(ink) for ink in inks[:TEST]])
        for s, a in dict.fromkeys(list(CANDIDATES) + settings):
            if (s, a) not in known:
                known[(s, a)] = rec.features(np.stack([handstyle.reading(im, s, a)
                                                       for im in images]))[1].astype(np.float16)
        cache.mkdir(parents=True, exist_ok=True)
        np.savez(path, feats=np.stack(list(known.values())), readings=np.array(list(known)))
    return np.stack([known[s] for s in settings]).astype(np.float32)


def gated_errors(sc: Scorer, d: dict, more: np.ndarray, n: int, gate: float,
                 noisy_seed: int | None = None, on: str = "margin") -> tuple[float, float, float]:
    """(error without a profile, error with map + readings, share of characters read again):
    a character is read again when its best adapted probability is less than ``gate`` above
    the second's (``on="margin"``, the pad's :func:`hanzipad.handstyle.margin`), or below
    ``gate`` (``on="best"``)."""
    y = d["labels"]
    yt = y[:TEST]
    yl = y[TEST:TEST + n].copy()
    if noisy_seed is not None:
        rng = np.random.default_rng(noisy_seed)
        flip = rng.permutation(n)[:int(round(NOISE * n))]
        yl[flip] = d["wrong"][TEST:TEST + n][flip]
    base = float((d["probs"][:TEST].argmax(1) != yt).mean())
    tr = sc.fit(d["feats"][TEST:TEST + n], yl)
    first = sc.logp(d["feats"][:TEST], tr)
    again = gate_mask(first, gate, on)
    total = first + sum(sc.logp(m, tr) for m in more)
    pred = np.where(again, total.argmax(1), first.argmax(1))
    return base, float((pred != yt).mean()), float(again.mean())


def gate_mask(logp: np.ndarray, gate: float, on: str = "margin") -> np.ndarray:
    """Which rows of log-probabilities are read again (see :func:`gated_errors`)."""
    if on == "best":
        return np.exp(logp.max(1)) < gate
    return handstyle.margin(np.exp(logp)) < gate


def choose_readings(sc, data, writers, tune, held, pot, cache, rec) -> None:
    """The table the pad's readings and gate were chosen from (on ``tune`` only): subsets of
    :data:`CANDIDATES` (all four, each pair) and gates on the margin or the best probability;
    each with its error and readings a character (tuned on, not tuned on, all)."""
    feats = {w: test_readings(rec, pot, w, cache, CANDIDATES) for w in writers}
    subsets = [tuple(range(len(CANDIDATES)))] + [
        (i, j) for i in range(len(CANDIDATES)) for j in range(i + 1, len(CANDIDATES))]
    gates = [("best", 0.5)] + [("margin", g) for g in (0.1, 0.2, 0.3)]
    print("\nreadings and gates (300 learned; error, relative, readings a character): tuned on "
          f"{tune[0]}-{tune[-1]} | not tuned on | all")
    results = []
    for sub in subsets:
        for on, gate in gates:
            cells = []
            for ws in (tune, held, writers):
                rows = [gated_errors(sc, data[w], feats[w][list(sub)], LEARN, gate, on=on)
                        for w in ws]
                base = np.mean([r[0] for r in rows])
                err = np.mean([r[1] for r in rows])
                reads = len(sub) * np.mean([r[2] for r in rows])
                cells.append((err, base, reads))
            results.append((cells[0][0], sub, on, gate, cells[0][2]))
            print(f"  {[CANDIDATES[k] for k in sub]!s:<48} {on} < {gate}: " + " | ".join(
                f"{100 * e:.2f} % ({100 * (e / b - 1):+.1f} %, {r:.3f})" for e, b, r in cells))
    # the lowest error on the tuned writers among the settings that read at most 0.1 more
    # times a character there (the 0.3 ms: a reading costs about 1.35 ms)
    best = min((r for r in results if r[4] <= BUDGET), key=lambda r: r[0])
    print(f"  the best on the tuned writers with at most {BUDGET} readings a character: "
          f"{[CANDIDATES[k] for k in best[1]]}, {best[2]} < {best[3]} (the pad: "
          f"{list(handstyle.READINGS)}, margin < {handstyle.GATE})")


def image_readings(rec, ada, sc, writers, tune, held, pot: Path, cache: Path,
                   feature_cache: Path) -> None:
    if not feature_cache.exists():
        print(f"image readings: no {feature_cache} (run adapt_check.py --cache first)")
        return
    data = {}
    with np.load(feature_cache) as z:
        for w in writers:
            data[w] = {k: z[f"{w}_{k}"].astype(np.float32) if k in ("feats", "probs")
                       else z[f"{w}_{k}"] for k in ("feats", "labels", "probs", "wrong")}
    t0 = time.time()
    more = {w: test_readings(rec, pot, w, cache) for w in writers}
    print(f"\nimage readings (hanzipad.handstyle: {len(handstyle.READINGS)} more readings, "
          f"{handstyle.READINGS}); test readings in {time.time() - t0:.0f} s")
    choose_readings(sc, data, writers, tune, held, pot, cache, rec)
    for gate in (0.0, 0.1, 0.2, 0.3, 0.5, 1.01):
        rows = [gated_errors(sc, data[w], more[w], LEARN, gate) for w in tune]
        print(f"  tuned writers, margin gate {gate}: {summary(rows)}, read again "
              f"{100 * np.mean([r[2] for r in rows]):.1f} %")
    gate = handstyle.GATE
    rows = {w: gated_errors(sc, data[w], more[w], LEARN, gate) for w in writers}
    print(f"the pad's gate (margin < {gate}), learned 300:\n"
          f"  tuned on ({len(tune)}): {summary([rows[w] for w in tune])}\n"
          f"  not tuned on ({len(held)}): {summary([rows[w] for w in held])}\n"
          f"  all ({len(writers)}): {summary(list(rows.values()))}, read again "
          f"{100 * np.mean([r[2] for r in rows.values()]):.1f} %\n  per writer: "
          + ", ".join(f"{w} {100 * r[0]:.2f}->{100 * r[1]:.2f}" for w, r in rows.items()))
    for n in (50, 100, 300, 1000):
        r = [gated_errors(sc, data[w], more[w], n, gate) for w in writers]
        print(f"  learned {n:>4}: {summary(r)}")
    r = [gated_errors(sc, data[w], more[w], LEARN, gate, noisy_seed=w) for w in writers]
    print(f"  learned  300 with 10 % wrong labels: {summary(r)}")
    r = [gated_errors(sc, data[w], more[w], LEARN, 1.01) for w in held]
    print(f"  (every character read {1 + len(handstyle.READINGS)} times, not tuned on: "
          f"{summary(r)})")
    r = [(x[0], x[1]) for x in (gated_errors(sc, data[w], more[w], LEARN, 0.0) for w in writers)]
    rows0 = []
    for w in writers:  # the readings without a profile: how much is not adaptation
        d = data[w]
        y = d["labels"][:TEST]
        total = sc.logp(d["feats"][:TEST]) + sum(sc.logp(m) for m in more[w])
        rows0.append((float((d["probs"][:TEST].argmax(1) != y).mean()),
                      float((total.argmax(1) != y).mean())))
    print(f"  for comparison, all 20: the map alone {summary(r)}; "
          f"{1 + len(handstyle.READINGS)} readings of every character without a profile "
          f"{summary(rows0)}")
    # the pad's code on every writer's test characters: time and agreement
    plain, adapted, agree = [], [], 0
    for w in writers:
        inks, _ = writer_inks(rec, pot, w)
        d = data[w]
        a, b = sc.fit(d["feats"][TEST:TEST + LEARN], d["labels"][TEST:TEST + LEARN])
        head = adapt.AdaptedClassifier(ada, adapt.Transform(a, b, "", "", power=adapt.POWER))
        first = sc.logp(d["feats"][:TEST], (a, b))
        total = first + sum(sc.logp(m, (a, b)) for m in more[w])
        want = np.where(gate_mask(first, gate), total.argmax(1), first.argmax(1))
        for i, ink in enumerate(inks[:TEST]):
            image = rasterize(ink)
            t = time.perf_counter()
            rec.classify(image)
            plain.append(time.perf_counter() - t)
            t = time.perf_counter()
            rec._top(handstyle.read(rec, head, image), 10)
            adapted.append(time.perf_counter() - t)
            agree += int(handstyle.read(rec, head, image).argmax() == want[i])
    p, q = 1000 * np.array(plain), 1000 * np.array(adapted)
    print(f"timing, {len(p)} characters of {len(writers)} writers (drawn already; one thread): "
          f"classify without profile median {np.median(p):.2f} / mean {p.mean():.2f} ms; with "
          f"the profile and the readings median {np.median(q):.2f} / mean {q.mean():.2f} ms "
          f"(+{np.median(q) - np.median(p):.2f} / +{q.mean() - p.mean():.2f} ms; 99th "
          f"percentile {np.percentile(q, 99):.1f} ms, slowest {q.max():.1f} ms); the pad's "
          f"ranking agrees with this script's on {agree} of {len(q)}")


if __name__ == "__main__":
    sys.exit(main())
