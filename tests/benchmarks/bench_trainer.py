"""Trainer benchmark (not collected by pytest): training images/s and peak RSS while streaming
generated CASIA-style .gnt sets of 20 k and 200 k samples (peak RSS must not grow with the
dataset), and the model's images/s from in-memory arrays vs through the real pipeline.

    .venv/bin/python tests/benchmarks/bench_trainer.py [--steps 150] [--batch 128] [--width 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.trainer.tinydata import glyph_bitmap  # noqa: E402

CLASSES = 100


def write_gnt_set(folder: Path, n: int, files: int = 20, seed: int = 0) -> int:
    """``n`` records over ``files`` .gnt files: font glyphs of the first CLASSES characters,
    randomly cropped/inked so the records differ. Returns bytes written."""
    from hanzipad.labels import gb2312_level1

    chars = gb2312_level1()[:CLASSES]
    rng = np.random.default_rng(seed)
    glyphs = [[glyph_bitmap(c, rng) for _ in range(3)] for c in chars]
    folder.mkdir(parents=True, exist_ok=True)
    per_file = n // files
    total = 0
    for f in range(files):
        chunks = []
        for _ in range(per_file):
            ci = int(rng.integers(CLASSES))
            bmp = glyphs[ci][int(rng.integers(3))]
            y0, x0 = int(rng.integers(0, 6)), int(rng.integers(0, 6))
            b = np.ascontiguousarray(bmp[y0:, x0:])
            h, w = b.shape
            chunks.append(struct.pack("<I", 10 + w * h) + chars[ci].encode("gb2312")
                          + struct.pack("<HH", w, h) + b.tobytes())
        data = b"".join(chunks)
        (folder / f"b{f:03d}.gnt").write_bytes(data)
        total += len(data)
    return total


TRAIN_CHILD = r"""
import json, re, resource, sys, time, io, contextlib
from trainer.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    rc = main(sys.argv[1:])
text = out.getvalue()
ips = [float(x) for x in re.findall(r" ([\d.]+) img/s ETA", text)]
print(json.dumps({"rc": rc, "ips": ips, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

MEMORY_CHILD = r"""
import json, resource, sys, time
import numpy as np, keras
from trainer.config import Config
from trainer.model import build_model, compile_model
steps, batch, width = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
cfg = Config(batch_size=batch, max_steps=steps, width=width)
m = build_model("compact", 100, width)
compile_model(m, cfg)
x = np.random.default_rng(0).integers(0, 255, (batch * 20, 64, 64, 1)).astype("float32")
y = keras.utils.to_categorical(np.random.default_rng(1).integers(0, 100, batch * 20), 100)
m.fit(x, y, batch_size=batch, epochs=1, steps_per_epoch=10, verbose=0)  # warm-up / trace
t = time.time()
m.fit(x, y, batch_size=batch, epochs=max(1, steps // 20), steps_per_epoch=20, verbose=0)
dt = time.time() - t
print(json.dumps({"ips": max(1, steps // 20) * 20 * batch / dt, "params": m.count_params(),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, *args) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env,
                       capture_output=True, text=True)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    if r.returncode != 0 or not lines:
        raise SystemExit(f"child failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return json.loads(lines[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--sizes", default="20000,200000")
    ap.add_argument("--keep", help="folder for the generated data (default: a temp dir)")
    args = ap.parse_args()
    from hanzipad.labels import gb2312_level1

    classes = "".join(gb2312_level1()[:CLASSES])
    tmp = Path(args.keep or tempfile.mkdtemp(prefix="bench-trainer-"))
    results = {}
    mem = child(MEMORY_CHILD, args.steps, args.batch, args.width)
    print(f"model from in-memory arrays: {mem['ips']:.0f} img/s "
          f"({mem['params']:,} params, batch {args.batch}), peak RSS {mem['rss_mb']:.0f} MB",
          flush=True)
    results["in_memory"] = mem
    for n in [int(s) for s in args.sizes.split(",")]:
        folder = tmp / f"gnt{n}"
        t = time.time()
        if not folder.exists():
            size = write_gnt_set(folder, n)
            print(f"wrote {n} samples ({size / 1e6:.0f} MB of .gnt) in {time.time() - t:.0f} s",
                  flush=True)
        r = child(TRAIN_CHILD, "train", "--train", f"gnt:{folder}", "--run-dir", tmp / f"run{n}",
                  "--classes", classes, "--max-steps", args.steps, "--batch-size", args.batch,
                  "--width", args.width, "--set", "log_every=25", "--set", "progress=log",
                  "--set", "tensorboard=false", "--set", "checkpoint_every=100000")
        steady = r["ips"][1:] or r["ips"]
        r["steady_ips"] = float(np.median(steady))
        print(f"pipeline, {n} samples streamed from .gnt: {r['steady_ips']:.0f} img/s "
              f"(median after the first log interval), peak RSS {r['rss_mb']:.0f} MB", flush=True)
        results[f"gnt_{n}"] = r
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
