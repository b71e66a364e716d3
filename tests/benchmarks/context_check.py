"""Does context help? Top-1 of the second character of real two-character words, with and
without the lexicon's re-ranking (``hanzipad.lexicon.Lexicon.rerank``).

    python tests/benchmarks/context_check.py [--model DIR] [--lexicon DIR] [--pot DIR]
        [--words N] [--grid] [--save FILE | --load FILE]

Words: the N most frequent two-character words of ``resources/lexicon/words.tsv`` (default
all of them) made of characters in the data (``--words`` counts those), used where both
characters were written by the same writer. Each word is made of
that writer's real traces: pairs of samples of its first and second character (Tegaki: the
i-th sample of each, 5 a writer; CASIA: the writer's one sample of each). Traces: by default
the repository's ``tests/data/tegaki-real-ink.jsonl`` (two neat writers, 37 characters; runs on
a fresh checkout); with ``--pot DIR`` the held-out CASIA-OLHWDB writers 1181-1200 (files
``1181-c.pot`` ... in DIR; writers 1201-1240 are never read). Ink is rendered by the app's
own path (``hanzipad.raster.rasterize``, which frames it with ``hanzipad.normalize.fit``) and
recognized with ``hanzipad.recognizer`` (top 10).

The second character is ranked three ways, on the same words: without context; after the true
first character; after the recognizer's top-1 for the first character (what the pad would
have). Printed: top-1 and top-3 of each, how many right top-1s the context turned wrong (and
of those, how many had ``prob >= KEEP``: must be 0) and how many wrong ones it turned right.

``--grid`` also prints the effect of other ``WEIGHT`` / ``IN_WORD`` values (how the defaults
in ``hanzipad/lexicon.py`` were chosen: on writers 1181-1200 only). ``--save`` keeps the
recognized candidates (an ``.npz``) so ``--load`` can re-rank again without the model.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from itertools import accumulate
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TEGAKI = ROOT / "tests" / "data" / "tegaki-real-ink.jsonl"
HELD_OUT = range(1181, 1201)  # validation writers; 1201-1240 are reserved, never read
TOP_K = 10


def tegaki_samples(path: Path, wanted: set[str]):
    """{writer: {char: [ink, ...]}} of an ink .jsonl with "writer" and "label"."""
    import json

    from hanzipad.ink import ink_from_dict

    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    with open(path, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if obj.get("label") in wanted:
                out[str(obj.get("writer", "?"))][obj["label"]].append(ink_from_dict(obj))
    return out


def jsonl_labels(path: Path) -> set[str]:
    import json

    with open(path, encoding="utf-8") as f:
        return {json.loads(line).get("label") for line in f if line.strip()} - {None}


def pot_samples(folder: Path, wanted: set[str]):
    """{writer: {char: [ink]}} of CASIA writers 1181-1200 (``NNNN-c.pot`` files)."""
    from trainer.sources.casia import iter_pot_inks

    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    files = []
    for path in sorted(Path(folder).glob("*.pot")):
        m = re.match(r"(\d+)", path.name)
        if not m:
            continue
        writer = int(m.group(1))
        if 1201 <= writer <= 1240:
            continue  # reserved test writers: never read
        if writer in HELD_OUT:
            files.append((writer, path))
    if not files:
        raise SystemExit(f"context_check: no .pot files of writers 1181-1200 in {folder}")
    for writer, path in files:
        for ink, char, _ in iter_pot_inks(str(path)):
            if char in wanted and not out[str(writer)][char]:
                out[str(writer)][char].append(ink)
    return out


def two_char_words(lexicon, n: int) -> list[str]:
    words = [(c, w) for w, c in zip(lexicon.words, lexicon.counts) if len(w) == 2]
    words.sort(key=lambda cw: (-cw[0], cw[1]))
    return [w for _, w in (words[:n] if n else words)]


def make_pairs(words, samples):
    """[(writer, word, index of sample 1, index of sample 2)]: keys into ``samples``."""
    pairs = []
    for writer in sorted(samples):
        chars = samples[writer]
        for word in words:
            a, b = chars.get(word[0], []), chars.get(word[1], [])
            for i in range(min(len(a), len(b))):
                pairs.append((writer, word, i, i))
    return pairs


def boundary_pairs(lexicon, available, per_writer: int, seed: int = 0):
    """Pairs that cross a word boundary: the last character of a word A and the first of a
    word B, A and B drawn from the lexicon by frequency, both characters written by the writer
    (``available``: writer -> {char: number of samples}). [(writer, c1 + c2, i, j)]."""
    import random

    rng = random.Random(seed)
    cum = list(accumulate(lexicon.counts))
    pairs = []
    for writer in sorted(available):
        have = available[writer]
        got = 0
        for _ in range(per_writer * 50):
            if got == per_writer:
                break
            a, b = rng.choices(lexicon.words, cum_weights=cum, k=2)
            c1, c2 = a[-1], b[0]
            if have.get(c1) and have.get(c2):
                pairs.append((writer, c1 + c2, rng.randrange(have[c1]), rng.randrange(have[c2])))
                got += 1
    return pairs


def recognize(rec, samples, keys):
    """{(writer, char, i): [(char, prob)] top 10} for the samples named in ``keys``."""
    from hanzipad.raster import rasterize

    keys = sorted(keys)
    out = {}
    for start in range(0, len(keys), 256):
        chunk = keys[start:start + 256]
        images = np.stack([rasterize(samples[w][c][i]) for w, c, i in chunk])
        for key, cands in zip(chunk, rec.classify_batch(images, TOP_K)):
            out[key] = [(x.char, x.prob) for x in cands]
    return out


def evaluate(lexicon, pairs, top):
    """Counts for no context / true first char / recognized first char."""
    import hanzipad.lexicon as lx
    from hanzipad.recognizer import Candidate

    res = {name: {"top1": 0, "top3": 0, "right_to_wrong": 0, "keep_to_wrong": 0,
                  "wrong_to_right": 0, "reordered": 0} for name in ("none", "true", "recognized")}
    first_right = 0
    for writer, word, i, j in pairs:
        first = top[(writer, word[0], i)]
        second = [Candidate(c, p) for c, p in top[(writer, word[1], j)]]
        first_right += first[0][0] == word[0]
        base = [c.char for c in second]
        base_right = base[0] == word[1]
        for name, before in (("none", ""), ("true", word[0]), ("recognized", first[0][0])):
            ranked = lexicon.rerank(before, second) if before else second
            chars = [c.char for c in ranked]
            r = res[name]
            right = chars[0] == word[1]
            r["top1"] += right
            r["top3"] += word[1] in chars[:3]
            r["reordered"] += chars != base
            if base_right and not right:
                r["right_to_wrong"] += 1
                r["keep_to_wrong"] += second[0].prob >= lx.KEEP
            if right and not base_right:
                r["wrong_to_right"] += 1
    return res, first_right


def print_table(res, n, first_right):
    print(f"  {'second character ranked':36s} {'top-1':>8s} {'top-3':>8s} {'right->wrong':>13s} "
          f"{'(prob>=KEEP)':>12s} {'wrong->right':>13s}")
    names = {"none": "without context", "true": "after the true first character",
             "recognized": "after the recognized first char"}
    for key, label in names.items():
        r = res[key]
        print(f"  {label:36s} {100 * r['top1'] / n:7.1f}% {100 * r['top3'] / n:7.1f}% "
              f"{r['right_to_wrong']:13d} {r['keep_to_wrong']:12d} {r['wrong_to_right']:13d}")
    print(f"  (first character right at top-1: {100 * first_right / n:.1f}%)")


def run(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="bundle (default: the app's bundled model)")
    ap.add_argument("--lexicon", help="lexicon folder (default: the app's resources/lexicon)")
    ap.add_argument("--pot", type=Path, help="folder of CASIA-OLHWDB .pot files: writers "
                    "1181-1200 are used (default: the Tegaki sample in tests/data)")
    ap.add_argument("--data", type=Path, default=TEGAKI, help="ink .jsonl with writer and label "
                    "(without --pot)")
    ap.add_argument("--words", type=int, default=0, help="most frequent two-character words "
                    "(0: all)")
    ap.add_argument("--grid", action="store_true", help="also try other WEIGHT / IN_WORD")
    ap.add_argument("--save", type=Path, help="save the recognized candidates (.npz)")
    ap.add_argument("--load", type=Path, help="re-rank saved candidates (no model run)")
    args = ap.parse_args(argv)

    import hanzipad.lexicon as lx
    from hanzipad.lexicon import Lexicon

    lexicon = Lexicon.load(args.lexicon)
    if args.pot or args.load:  # every held-out CASIA writer wrote (nearly) all 3755 labels
        words = two_char_words(lexicon, args.words)
    else:  # the words of the sample's characters
        written = jsonl_labels(args.data)
        words = [w for w in two_char_words(lexicon, 0) if set(w) <= written]
        words = words[:args.words] if args.words else words
    t0 = time.time()
    if args.load:
        saved = np.load(args.load, allow_pickle=False)
        pairs = [(w, word, int(i), int(j)) for w, word, i, j in saved["pairs"]]
        top = {}
        for (w, c, i), chars, probs in zip(saved["keys"], saved["chars"], saved["probs"]):
            top[(str(w), str(c), int(i))] = list(zip(chars.tolist(), probs.tolist()))
        source = f"{args.load} ({saved['source']})"
    else:
        from hanzipad.recognizer import Recognizer

        wanted = {c for w in words for c in w}
        if args.pot:
            samples, source = pot_samples(args.pot, wanted), f"CASIA writers 1181-1200 in {args.pot}"
        else:
            samples, source = tegaki_samples(args.data, wanted), str(args.data)
        pairs = make_pairs(words, samples)
        keys = {(w, word[0], i) for w, word, i, _ in pairs} | {(w, word[1], j)
                                                                for w, word, _, j in pairs}
        rec = Recognizer(args.model)
        top = recognize(rec, samples, keys)
        source += f"; model {rec.bundle.path}"
        if args.save:
            ks = sorted(top)
            np.savez_compressed(
                args.save, pairs=np.array(pairs, dtype=object).astype(str),
                keys=np.array(ks, dtype=object).astype(str),
                chars=np.array([[c for c, _ in top[k]] for k in ks]),
                probs=np.array([[p for _, p in top[k]] for k in ks], np.float32),
                source=np.array(source))
    if not pairs:
        raise SystemExit("context_check: no word has both characters written by one writer")
    available: dict[str, dict[str, int]] = defaultdict(dict)
    for w, c, i in top:
        available[w][c] = max(available[w].get(c, 0), i + 1)
    per_writer = max(1, len(pairs) // max(1, len(available)))
    across = boundary_pairs(lexicon, available, per_writer)
    n, m = len(pairs), len(across)
    res, first_right = evaluate(lexicon, pairs, top)
    res_b, first_b = evaluate(lexicon, across, top)
    nwords = len({w for _, w, _, _ in pairs})
    print(f"{source}; {n} word samples ({nwords} words, {len({p[0] for p in pairs})} writers) "
          f"in {time.time() - t0:.0f} s; KEEP={lx.KEEP} WEIGHT={lx.WEIGHT} IN_WORD={lx.IN_WORD}")
    print("two-character words:")
    print_table(res, n, first_right)
    print(f"across a word boundary (last character of a word, first of the next; {m} pairs "
          "drawn by word frequency from the same writers' samples):")
    print_table(res_b, m, first_b)

    def rates(r, k):
        return {name: v / k if name.startswith("top") else v for name, v in r.items()}

    out = {"n": n, "words": nwords, "first_top1": first_right / n,
           **{k: rates(r, n) for k, r in res.items()},
           "boundary": {"n": m, **{k: rates(r, m) for k, r in res_b.items()}}}
    if args.grid:
        saved = (lx.WEIGHT, lx.IN_WORD)
        print(f"\n  {'WEIGHT':>6s} {'IN_WORD':>7s}   top-1 after the recognized first character: "
              "words / across a boundary / mean   (right->wrong: words, boundary)")
        try:
            for weight in (0.3, 0.5, 0.7, 1.0):
                for in_word in (0.2, 0.5, 0.8):
                    lx.WEIGHT, lx.IN_WORD = weight, in_word
                    r = evaluate(lexicon, pairs, top)[0]["recognized"]
                    b = evaluate(lexicon, across, top)[0]["recognized"]
                    t1, t2 = 100 * r["top1"] / n, 100 * b["top1"] / m
                    print(f"  {weight:6.2f} {in_word:7.2f}   {t1:6.1f}% / {t2:6.1f}% / "
                          f"{(t1 + t2) / 2:6.1f}%   ({r['right_to_wrong']}, "
                          f"{b['right_to_wrong']})")
        finally:
            lx.WEIGHT, lx.IN_WORD = saved
    return out


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
