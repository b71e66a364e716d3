"""App benchmark: classify time per input, stroke → candidates painted, cold start.

    .venv/bin/python tests/benchmarks/bench_app.py [--model DIR] [--ink FILE.jsonl | --data DIR]
        [--strokes 200]

Runs from a plain clone: the inks are the real pen traces in ``tests/data/tegaki-real-ink.jsonl``
(370 samples); ``--data DIR`` takes ``DIR/tegaki-real-ink.jsonl`` instead, ``--ink`` any file.

* classify: ``hanzipad classify --json`` on every ink of a .jsonl file (and PNGs made from
  the first 50); the ``ms`` field (preprocess + classify one input) — median and p95.
* cold start: a fresh process (``python -m hanzipad``-equivalent start-up, offscreen) from
  launch to window shown and to model ready.
* stroke → candidates painted: QTest strokes on the real canvas; from mouse release until the
  candidate bar has painted the new candidates — p50/p95 over ``--strokes`` strokes.
* writing text: ``--commits`` strokes, each in the other writing box, so that each commits
  the character of the box before: the time the press takes (the commit, the box cleared, the
  text shown, next-word suggestions) and release → the new box's candidates painted.

Targets on a 2-core CPU: classify median ≤ 3 ms; stroke → candidates p95 ≤ 30 ms; window ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's hanzipad, whatever the venv points at
REAL_NAME = "tegaki-real-ink.jsonl"
REAL = ROOT / "tests" / "data" / REAL_NAME  # in the repository (tests/data/README.md)

CHILD = r"""
import os, sys, time, json
T_LAUNCH = float(sys.argv[2])
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QEventLoop, QPoint, QSettings, Qt
from PySide6.QtTest import QTest
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[3])
from hanzipad.gui.app import create_application
from hanzipad.gui.window import MainWindow
app = create_application([sys.argv[0]])
w = MainWindow(model=sys.argv[1], load_model=False)
w.show()
app.processEvents()
shown = time.time() - T_LAUNCH
w.load_model(sys.argv[1])
while not w.recognition.ready:
    app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
ready = time.time() - T_LAUNCH
c = w.canvas
lat = []
for i in range(int(sys.argv[4])):
    if i % 6 == 0:
        w.writing.clear()
        app.processEvents()
    y = 40 + (i % 6) * 50
    pts = [QPoint(40 + k * 25, y + (k % 2) * 6) for k in range(12)]
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    for p in pts[1:-1]:
        QTest.mouseMove(c, p)
    got = []
    conn = w.candidate_bar.shown.connect(lambda: got.append(1))
    start = time.perf_counter()
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
    while not got:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 2)
    w.candidate_bar.repaint()
    lat.append((time.perf_counter() - start) * 1000)
    w.candidate_bar.shown.disconnect(conn)
press, after = [], []
for i in range(int(sys.argv[5])):
    c = w.boxes[1 - w.active_box()]
    y = 40 + (i % 6) * 50
    pts = [QPoint(40 + k * 25, y + (k % 2) * 6) for k in range(12)]
    start = time.perf_counter()
    QTest.mousePress(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    press.append((time.perf_counter() - start) * 1000)
    for p in pts[1:-1]:
        QTest.mouseMove(c, p)
    got = []
    conn = w.candidate_bar.shown.connect(lambda: got.append(1) if w.writing._bar_mode == "ink" else None)
    start = time.perf_counter()
    QTest.mouseRelease(c, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
    while not got:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 2)
    w.candidate_bar.repaint()
    after.append((time.perf_counter() - start) * 1000)
    w.candidate_bar.shown.disconnect(conn)
print(json.dumps({"window_s": shown, "ready_s": ready, "stroke_ms": lat, "press_ms": press,
                  "after_ms": after, "text": len(w.composition.text()),
                  "context": w.writing.lexicon is not None}))
w.close()
"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


def bench_classify(model: str | None, ink_file: Path) -> dict:
    from PIL import Image

    from hanzipad.ink import iter_jsonl
    from hanzipad.raster import draw_ink

    tmp = Path(tempfile.mkdtemp())
    pngs = []
    for i, (_, ink) in enumerate(iter_jsonl(ink_file)):
        if i >= 50:
            break
        canvas = draw_ink(ink, long_side=300)
        path = tmp / f"{i}.png"
        Image.fromarray(255 - canvas).save(path)
        pngs.append(str(path))
    cmd = [sys.executable, "-m", "hanzipad", "classify", "--json", str(ink_file), *pngs]
    if model:
        cmd[4:4] = ["--model", model]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"bench_app: hanzipad classify failed ({done.returncode}):\n{done.stderr.strip()}")
    out = done.stdout
    records = [json.loads(line) for line in out.splitlines()]
    ink_ms = [r["ms"] for r in records if r["file"] == str(ink_file)]
    png_ms = [r["ms"] for r in records if r["file"] != str(ink_file)]
    return {"ink_n": len(ink_ms), "ink_median": statistics.median(ink_ms), "ink_p95": pct(ink_ms, 95),
            "png_n": len(png_ms), "png_median": statistics.median(png_ms), "png_p95": pct(png_ms, 95)}


def bench_gui(model: str, strokes: int, commits: int = 0) -> dict:
    settings = tempfile.mkdtemp()
    launch = time.time()
    done = subprocess.run([sys.executable, "-c", CHILD, model, repr(launch), settings, str(strokes),
                           str(commits)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"bench_app: the GUI child failed ({done.returncode}):\n{done.stderr.strip()}")
    out = done.stdout
    res = json.loads(out.strip().splitlines()[-1])
    lat = res.pop("stroke_ms")
    res.update(stroke_p50=pct(lat, 50), stroke_p95=pct(lat, 95), stroke_max=max(lat), strokes=len(lat))
    press, after = res.pop("press_ms"), res.pop("after_ms")
    if press:
        res.update(press_p50=pct(press, 50), press_p95=pct(press, 95), after_p50=pct(after, 50),
                   after_p95=pct(after, 95), commits=len(press))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", help="bundle folder (default: the bundled model)")
    ap.add_argument("--ink", type=Path, help=f"a .jsonl ink file to classify (default: {REAL.relative_to(ROOT)})")
    ap.add_argument("--data", type=Path, metavar="DIR",
                    help=f"optional data folder: classify DIR/{REAL_NAME} (e.g. a development copy)")
    ap.add_argument("--strokes", type=int, default=200)
    ap.add_argument("--commits", type=int, default=60,
                    help="strokes written in alternating boxes (each commits a character)")
    args = ap.parse_args()
    ink = args.ink or (args.data / REAL_NAME if args.data else REAL)
    if not ink.is_file():
        ap.error(f"{ink}: no such ink file")
    from hanzipad.bundle import default_bundle_path

    model = args.model or str(default_bundle_path())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    print(f"inks: {ink}")
    c = bench_classify(args.model, ink)
    print(f"classify ink  (n={c['ink_n']}): median {c['ink_median']:.2f} ms, p95 {c['ink_p95']:.2f} ms")
    print(f"classify PNG  (n={c['png_n']}): median {c['png_median']:.2f} ms, p95 {c['png_p95']:.2f} ms")
    colds = [bench_gui(model, args.strokes if i == 0 else 1, args.commits if i == 0 else 0)
             for i in range(3)]
    g = colds[0]
    print(f"stroke -> candidates painted (n={g['strokes']}): p50 {g['stroke_p50']:.1f} ms, "
          f"p95 {g['stroke_p95']:.1f} ms, max {g['stroke_max']:.1f} ms")
    if "commits" in g:
        print(f"writing text (n={g['commits']} strokes in alternating boxes, context "
              f"{'on' if g['context'] else 'off'}): press (commit) p50 {g['press_p50']:.1f} ms, "
              f"p95 {g['press_p95']:.1f} ms; release -> candidates painted p50 "
              f"{g['after_p50']:.1f} ms, p95 {g['after_p95']:.1f} ms; {g['text']} characters")
    print("cold start (3 runs): window shown " + ", ".join(f"{r['window_s']:.2f}" for r in colds)
          + " s; model ready " + ", ".join(f"{r['ready_s']:.2f}" for r in colds) + " s")


if __name__ == "__main__":
    main()
