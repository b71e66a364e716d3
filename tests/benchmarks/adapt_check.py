"""Writer adaptation on held-out writers: how much does learning a writer's hand help?

    .venv/bin/python tests/benchmarks/adapt_check.py [--model DIR] [--pot DIR]
        [--writers 1181-1200] [--tune 1181-1190] [--cache FILE] [--seed 0]

For each writer (CASIA-OLHWDB1.1 ``.pot`` files ``{writer}-c.pot`` in ``--pot``): 600 of the
writer's characters are the test set; the characters learned are drawn from the others, of
classes not among the test set's (so every test character is one the profile never saw),
nested: the first 50, 100, 300, 1000. Each is rendered by the app's rasterizer and goes
through the bundle's feature output once (``--cache`` keeps them); the transform is fitted with
:func:`hanzipad.adapt.fit_samples`, exactly as ``hanzipad learn`` fits a profile, and the test
set is classified with :class:`hanzipad.adapt.AdaptedClassifier`, as ``hanzipad classify
--profile`` does. Reported: top-1 error without and with the profile (all writers pooled), the
relative reduction, the change of each writer, the curve over the number learned, and 300
learned with 10 % of their labels wrong (the model's best wrong candidate: a wrong top
candidate the writer did not notice).

``--tune WRITERS`` first grid-searches beta and gamma on those writers only (300 learned) and
uses the best (the lowest error among the settings that make none of them worse by more than
0.5 point); the report then covers all ``--writers`` and, separately, those not tuned on.
Timing: classify one character with and without the profile (median of 300), and learning
300 characters from ink (``Profile.add`` + ``Profile.fit``: rendering, features, fit).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hanzipad import adapt  # noqa: E402
from hanzipad.raster import rasterize  # noqa: E402
from hanzipad.recognizer import Recognizer  # noqa: E402

TEST = 600
CURVE = (50, 100, 300, 1000)
MAIN = 300
NOISE = 0.10
#: No writer may lose more than this (error, as a fraction) to the profile: tuning keeps to it.
LIMIT = 0.005 + 1e-9


def writer_list(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def writer_data(rec: Recognizer, pot: Path, writer: int, seed: int):
    """Features, labels and model probabilities of the writer's test set and learn pool."""
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
    pool = [i for i in order[TEST:] if labels[i] not in test_classes][:max(CURVE)]
    chosen = np.concatenate([test, np.array(pool, dtype=np.int64)])
    images = np.stack([rasterize(inks[i]) for i in chosen])
    probs, feats = [], []
    for i in range(0, len(images), 64):
        p, f = rec.features(images[i:i + 64])
        probs.append(p)
        feats.append(f)
    probs, feats = np.concatenate(probs), np.concatenate(feats)
    # the model's best wrong candidate of each learned sample (for the wrong-label runs)
    p_wrong = probs.copy()
    p_wrong[np.arange(len(chosen)), labels[chosen]] = -1
    return {"feats": feats, "labels": labels[chosen], "probs": probs,
            "wrong": p_wrong.argmax(1), "n_test": TEST}


def evaluate(ada, d, n, beta, gamma, noise=0.0, seed=0, weights=None, power=adapt.POWER):
    """Top-1 errors (without, with the profile) on the writer's test set after learning ``n``."""
    t = d["n_test"]
    learn = slice(t, t + n)
    labels = d["labels"][learn].copy()
    if noise:
        rng = np.random.default_rng(seed)
        flip = rng.permutation(len(labels))[:int(round(noise * len(labels)))]
        labels[flip] = d["wrong"][learn][flip]
    w = np.ones(len(labels)) if weights is None else weights
    a, b, _ = adapt.fit_samples(ada, d["feats"][learn], labels, w, beta, gamma, power)
    clf = adapt.AdaptedClassifier(ada, adapt.Transform(a, b, "", "", power=power))
    y = d["labels"][:t]
    base = float((d["probs"][:t].argmax(1) != y).mean())
    adapted = float((clf.probabilities(d["feats"][:t]).argmax(1) != y).mean())
    return base, adapted


def summary(rows) -> str:
    base = np.array([r[0] for r in rows])
    ad = np.array([r[1] for r in rows])
    red = 1 - ad.mean() / base.mean()
    worst = (ad - base).max()
    return (f"error {100 * base.mean():.2f} % -> {100 * ad.mean():.2f} % "
            f"(relative reduction {100 * red:.1f} %), worst writer {100 * worst:+.2f} points, "
            f"writers better/same/worse {int((ad < base).sum())}/{int((ad == base).sum())}/"
            f"{int((ad > base).sum())}")


def timing(rec: Recognizer, ada, pot: Path, writer: int) -> None:
    from trainer.sources.casia import iter_pot_inks

    index = {ch: i for i, ch in enumerate(rec.labels)}
    inks = [ink for ink, ch, _ in iter_pot_inks(str(pot / f"{writer}-c.pot")) if ch in index]
    inks = inks[:MAIN]
    profile = adapt.Profile()
    t0 = time.perf_counter()
    for ink in inks:
        profile.add(ink, ink.label)
    profile.fit(rec, ada)
    learn_s = time.perf_counter() - t0
    clf = adapt.AdaptedClassifier(ada, profile.transform)
    image = rasterize(inks[0])
    plain, adapted = [], []
    for _ in range(300):
        t = time.perf_counter()
        rec.probabilities(image)
        plain.append(time.perf_counter() - t)
        t = time.perf_counter()
        _, f = rec.features(image)
        clf.probabilities(f)
        adapted.append(time.perf_counter() - t)
    p, a = 1000 * np.median(plain), 1000 * np.median(adapted)
    pm, am = 1000 * np.mean(plain), 1000 * np.mean(adapted)
    print(f"timing: classify one character without profile {p:.3f} ms, with {a:.3f} ms "
          f"(+{a - p:.3f} ms; means {pm:.3f} / {am:.3f} ms); learn {len(inks)} characters "
          f"from ink (render + features + fit) {learn_s:.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(ROOT / "resources" / "model"))
    ap.add_argument("--pot", default=str(ROOT / "data" / "pot"))
    ap.add_argument("--writers", default="1181-1200")
    ap.add_argument("--tune", help="writers to tune beta and gamma on (300 learned)")
    ap.add_argument("--beta", type=float, default=adapt.BETA)
    ap.add_argument("--gamma", type=float, default=adapt.GAMMA)
    ap.add_argument("--power", type=float, default=adapt.POWER,
                    help="fit the map on features ** POWER (1: on the features themselves)")
    ap.add_argument("--cache", help="npz file keeping the writers' features between runs")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rec = Recognizer(args.model, num_threads=2)
    ada = adapt.Adaptation.load(rec.bundle)
    if ada is None or not rec.has_features:
        print(f"{args.model}: the bundle has no adaptation data (hanzipad-train prototypes)")
        return 2
    pot = Path(args.pot)
    writers = writer_list(args.writers)
    cache = {}
    if args.cache and Path(args.cache).exists():
        with np.load(args.cache) as z:
            for w in writers:
                if f"{w}_feats" in z:
                    cache[w] = {k: z[f"{w}_{k}"] for k in ("feats", "labels", "probs", "wrong")}
                    cache[w]["n_test"] = TEST
    t0 = time.time()
    for w in writers:
        if w not in cache:
            cache[w] = writer_data(rec, pot, w, args.seed)
    if args.cache:
        np.savez(args.cache, **{f"{w}_{k}": v for w, d in cache.items()
                                for k, v in d.items() if k != "n_test"})
    print(f"{len(writers)} writers' features in {time.time() - t0:.0f} s")
    beta, gamma = args.beta, args.gamma
    if args.tune:
        tune = [w for w in writer_list(args.tune) if w in cache]
        results = []
        for b in (0.5, 1.0, 2.0, 3.0, 5.0):
            for g in (0.1, 1.0):
                rows = [evaluate(ada, cache[w], MAIN, b, g, power=args.power) for w in tune]
                base = np.mean([r[0] for r in rows])
                ad = np.mean([r[1] for r in rows])
                worst = max(r[1] - r[0] for r in rows)
                results.append((worst > LIMIT, ad, b, g))
                print(f"tune beta {b:<5} gamma {g:<4}: {100 * base:.2f} -> {100 * ad:.2f} % "
                      f"(worst {100 * worst:+.2f})")
        # the lowest mean error among the settings that make no tuning writer worse by more
        # than the limit (0.5 point)
        _, _, beta, gamma = min(results)
        print(f"chosen on writers {args.tune}: beta {beta}, gamma {gamma}")
    print(f"beta {beta}, gamma {gamma}, power {args.power}; {TEST} test characters a writer, "
          "of classes not learned")
    print("writer  base  " + "  ".join(f"{n:>5}" for n in CURVE) + "  300+10%wrong")
    per = {n: [] for n in CURVE}
    noisy = []
    for w in writers:
        d = cache[w]
        cells = []
        for n in CURVE:
            r = evaluate(ada, d, n, beta, gamma, power=args.power)
            per[n].append(r)
            cells.append(f"{100 * r[1]:5.2f}")
        r = evaluate(ada, d, MAIN, beta, gamma, noise=NOISE, seed=w, power=args.power)
        noisy.append(r)
        print(f"{w}  {100 * r[0]:5.2f}  " + "  ".join(cells) + f"  {100 * r[1]:5.2f}")
    for n in CURVE:
        print(f"learned {n:>4}: {summary(per[n])}")
    print(f"learned  300 with 10 % wrong labels: {summary(noisy)}")
    if args.tune:
        held = [i for i, w in enumerate(writers) if w not in set(writer_list(args.tune))]
        if held:
            print(f"not tuned on ({len(held)} writers), learned 300: "
                  f"{summary([per[MAIN][i] for i in held])}")
    timing(rec, ada, pot, writers[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
