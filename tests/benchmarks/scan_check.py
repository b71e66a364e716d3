"""How well a bundle reads characters written on paper and scanned or photographed.

    python tests/benchmarks/scan_check.py [--model DIR] [--data KIND:PATH] [--n N] [--seed S]

Each sample's pen trace is drawn twice: as the pad draws ink (``hanzipad.raster``) and as a
picture of the same trace written on paper with a random pen and scanned
(``trainer.scanlook.scan_image``: pen width varying along the stroke and between pens, grey
ink, blur, uneven paper, noise, JPEG), which then goes through the app's own image path
(``hanzipad.normalize.normalize_image``, as an opened PNG does). Prints top-1 / top-3 for both
and the gap.

``--data`` takes labelled pen traces: ``pot:DIR?writers=1181-1200`` (the held-out CASIA
writers, never the reserved 1201-1240) or an ink ``.jsonl``; the default is the real-ink
sample in ``tests/data``. Samples are spread over the data (every k-th).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def inks(spec: str):
    """(ink, char) pairs of a pot: or ink-file spec."""
    from hanzipad.ink import iter_jsonl

    kind, _, rest = spec.partition(":")
    if kind == "pot":
        from trainer.sources import open_source
        from trainer.sources.casia import iter_pot_inks

        src = open_source(spec)
        for shard in src.shards():
            for ink, char, _ in iter_pot_inks(shard):
                if char:
                    yield ink, char
    else:
        path = rest if kind == "ink" else spec
        for _, ink in iter_jsonl(path):
            if not isinstance(ink, Exception) and ink.label:
                yield ink, ink.label


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="bundle (default: the app's bundled model)")
    ap.add_argument("--data", default=str(ROOT / "tests" / "data" / "tegaki-real-ink.jsonl"),
                    help="labelled pen traces: pot:DIR[?writers=...] or an ink .jsonl")
    ap.add_argument("--n", type=int, default=2000, help="samples (spread over the data)")
    ap.add_argument("--every", type=int, default=0, help="take every k-th sample (default: "
                    "spread --n over the first 40 x n)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from hanzipad.raster import rasterize
    from hanzipad.recognizer import Recognizer
    from trainer.scanlook import scan_sample

    rec = Recognizer(args.model)
    index = {c: i for i, c in enumerate(rec.labels)}
    every = args.every or 37  # a prime stride: many characters and writers
    rng = np.random.default_rng(args.seed)
    clean, scanned, ys = [], [], []
    t0 = time.time()
    for i, (ink, char) in enumerate(inks(args.data)):
        if char not in index or i % every:
            continue
        clean.append(rasterize(ink))
        scanned.append(scan_sample(ink, rng))
        ys.append(index[char])
        if len(ys) >= args.n:
            break
    if not ys:
        print(f"scan_check: no labelled samples in {args.data}", file=sys.stderr)
        return 1
    render_s = time.time() - t0
    y = np.array(ys)
    out = {}
    for name, imgs in (("pad ink", clean), ("paper scan", scanned)):
        p = np.concatenate([rec.probabilities(np.stack(imgs[i:i + 256]))
                            for i in range(0, len(imgs), 256)])
        top = np.argsort(-p, axis=1)[:, :3]
        out[name] = (100 * (top[:, 0] == y).mean(), 100 * (top == y[:, None]).any(1).mean())
    print(f"model {rec.bundle.path} ({rec.bundle.meta.get('name')}); data {args.data}; "
          f"{len(y)} samples (every {every}th), scans rendered in {render_s:.0f} s")
    for name, (t1, t3) in out.items():
        print(f"  {name:10s}  top-1 {t1:5.1f} %   top-3 {t3:5.1f} %")
    print(f"  gap (scan - ink): top-1 {out['paper scan'][0] - out['pad ink'][0]:+.1f} points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
