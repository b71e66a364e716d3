"""Write characters into the real app window and see what it proposes (a user-level check).

    Xvfb :99 -screen 0 1280x900x24 & DISPLAY=:99 .venv/bin/python tests/benchmarks/draw_check.py \
        [--model DIR] [--sheet OUT.png] [--real N] [--data DIR]

Drives the canvas of a real (visible) MainWindow with QTest mouse events — press, a move per
point, release — exactly as a mouse or pen would, waits for the worker's candidates, and
prints, per character, the top three. Characters come from two places:

* ``--real N``: the first sample of N characters of the real pen traces in
  ``tests/data/tegaki-real-ink.jsonl`` (or ``DIR/tegaki-real-ink.jsonl`` with ``--data DIR``),
  replayed point by point, in writing order;
* 30 common characters drawn by hand below as mouse polylines (straight segments,
  some with strokes joined the way a hurried writer joins them).

``--sheet`` saves a contact sheet of the window after each character.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's hanzipad, whatever the venv points at
REAL_NAME = "tegaki-real-ink.jsonl"
REAL = ROOT / "tests" / "data" / REAL_NAME  # in the repository (tests/data/README.md)

# Mouse-drawn characters in a 100x100 box (y down); each stroke a polyline.
HAND = {
    "人": [[(50, 10), (45, 40), (25, 75), (10, 90)], [(48, 38), (65, 65), (90, 90)]],
    "大": [[(15, 35), (85, 32)], [(50, 8), (48, 40), (30, 72), (10, 92)], [(50, 45), (70, 70), (92, 90)]],
    "口": [[(20, 25), (22, 80)], [(20, 25), (80, 22), (78, 78)], [(22, 78), (78, 76)]],
    "口(一笔)": [[(20, 25), (22, 80), (78, 78), (80, 22), (20, 25)]],
    "中": [[(20, 30), (22, 65)], [(20, 30), (80, 28), (78, 63)], [(22, 63), (78, 62)], [(50, 5), (50, 95)]],
    "日": [[(25, 10), (27, 90)], [(25, 10), (75, 8), (73, 90)], [(27, 50), (73, 48)], [(27, 88), (73, 87)]],
    "月": [[(30, 10), (28, 60), (15, 92)], [(30, 10), (75, 8), (74, 88), (65, 92)], [(30, 38), (74, 36)],
          [(29, 62), (74, 60)]],
    "山": [[(50, 10), (50, 85)], [(15, 40), (17, 85), (85, 84)], [(85, 38), (85, 86)]],
    "水": [[(50, 5), (50, 90), (42, 85)], [(15, 35), (40, 35), (15, 75)], [(80, 25), (55, 45)],
          [(55, 45), (90, 90)]],
    "火": [[(25, 30), (32, 48)], [(78, 25), (68, 45)], [(50, 8), (48, 50), (30, 80), (10, 92)],
          [(50, 55), (70, 75), (92, 92)]],
    "木": [[(10, 35), (90, 33)], [(50, 5), (50, 95)], [(48, 38), (30, 65), (10, 82)], [(52, 38), (72, 62), (92, 78)]],
    "我": [[(40, 12), (15, 22)], [(8, 40), (70, 36)], [(30, 15), (32, 80), (22, 75)], [(8, 68), (45, 52)],
          [(60, 10), (65, 50), (90, 88), (94, 70)], [(90, 40), (55, 82)], [(72, 15), (80, 22)]],
    "你": [[(28, 8), (12, 45)], [(20, 30), (20, 92)], [(50, 8), (40, 35)], [(45, 25), (88, 25), (80, 45)],
          [(65, 35), (65, 88), (58, 84)], [(50, 55), (40, 72)], [(78, 55), (90, 70)]],
    "好": [[(25, 8), (15, 55), (45, 85)], [(38, 35), (30, 60), (8, 88)], [(5, 45), (45, 40)],
           [(55, 18), (85, 15), (68, 35)], [(68, 35), (68, 92), (60, 88)], [(50, 50), (95, 48)]],
    "上": [[(50, 10), (50, 85)], [(50, 45), (75, 45)], [(10, 88), (90, 88)]],
    "下": [[(10, 15), (90, 15)], [(50, 15), (50, 92)], [(55, 40), (70, 55)]],
    "不": [[(10, 15), (90, 15)], [(55, 18), (35, 50), (10, 75)], [(48, 42), (48, 95)], [(60, 45), (85, 65)]],
    "是": [[(30, 8), (30, 40)], [(30, 8), (70, 8), (70, 40)], [(30, 24), (70, 24)], [(30, 40), (70, 40)],
          [(10, 52), (90, 52)], [(50, 52), (50, 85)], [(50, 68), (72, 68)], [(30, 60), (22, 80), (10, 92)],
          [(30, 78), (60, 90), (92, 92)]],
    "了": [[(20, 12), (78, 12), (50, 40)], [(50, 40), (52, 88), (40, 82)]],
    "在": [[(10, 28), (90, 28)], [(45, 8), (30, 55), (10, 80)], [(28, 55), (28, 95)], [(45, 55), (80, 55)],
          [(62, 38), (62, 88)], [(40, 90), (92, 90)]],
    "有": [[(10, 25), (90, 25)], [(45, 8), (30, 50), (10, 80)], [(35, 45), (35, 95)],
          [(35, 45), (80, 45), (80, 90), (72, 95)], [(35, 60), (80, 60)], [(35, 75), (80, 75)]],
    "他": [[(28, 8), (12, 45)], [(20, 30), (20, 92)], [(38, 40), (85, 32), (83, 55), (76, 52)], [(60, 12), (60, 75)],
          [(42, 25), (42, 85), (90, 85), (92, 72)]],
    "们": [[(28, 8), (12, 45)], [(20, 30), (20, 92)], [(45, 12), (52, 22)], [(42, 30), (42, 92)],
          [(58, 18), (85, 18), (85, 90), (76, 86)]],
    "来": [[(20, 22), (80, 22)], [(32, 30), (38, 42)], [(70, 28), (62, 42)], [(8, 50), (92, 50)], [(50, 5), (50, 95)],
          [(48, 52), (30, 75), (10, 88)], [(52, 52), (70, 75), (92, 88)]],
    "学": [[(25, 8), (30, 18)], [(45, 5), (50, 16)], [(75, 5), (68, 18)], [(12, 35), (12, 25), (88, 25), (82, 38)],
          [(30, 45), (70, 45), (52, 58)], [(52, 58), (52, 95), (42, 90)], [(10, 70), (90, 70)]],
    "生": [[(30, 8), (12, 40)], [(22, 30), (82, 30)], [(20, 58), (80, 58)], [(50, 8), (50, 90)], [(8, 92), (92, 92)]],
    "年": [[(30, 5), (12, 35)], [(25, 20), (85, 20)], [(28, 42), (75, 42)], [(28, 42), (28, 65)], [(8, 65), (92, 65)],
          [(55, 22), (55, 95)]],
    "子": [[(20, 15), (78, 15), (50, 40)], [(50, 40), (52, 92), (40, 86)], [(8, 55), (92, 55)]],
    "小": [[(50, 8), (50, 88), (40, 82)], [(28, 40), (15, 70)], [(70, 40), (88, 68)]],
    "天": [[(18, 20), (82, 20)], [(8, 45), (92, 45)], [(50, 20), (48, 50), (30, 78), (10, 92)], [(52, 52), (70, 75), (92, 92)]],
    "东": [[(15, 22), (85, 22)], [(45, 5), (25, 55), (80, 55)], [(55, 22), (55, 92), (45, 86)], [(30, 70), (18, 85)],
          [(70, 70), (85, 85)]],
}


def real_samples(n: int, path: Path = REAL):
    from hanzipad.ink import iter_jsonl

    seen, out = set(), []
    for _, ink in iter_jsonl(path):
        if ink.label not in seen:
            seen.add(ink.label)
            out.append((ink.label, ink))
        if len(out) >= n:
            break
    return out


def hand_samples():
    from hanzipad.ink import Ink

    return [(name[0], Ink.from_lists([[list(p) for p in s] for s in strokes], 100, 100, {"label": name}))
            for name, strokes in HAND.items()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model")
    ap.add_argument("--sheet", type=Path)
    ap.add_argument("--real", type=int, default=30)
    ap.add_argument("--data", type=Path, metavar="DIR",
                    help=f"optional data folder: real traces from DIR/{REAL_NAME}")
    args = ap.parse_args()
    real = args.data / REAL_NAME if args.data else REAL
    if args.real and not real.is_file():
        ap.error(f"{real}: no such ink file")
    if not os.environ.get("DISPLAY"):
        print("draw_check: needs a display (run under Xvfb: DISPLAY=:99)", file=sys.stderr)
        return 2
    from PySide6.QtCore import QEventLoop, QPoint, Qt
    from PySide6.QtGui import QPainter, QPixmap
    from PySide6.QtTest import QTest

    from hanzipad.gui.app import create_application
    from hanzipad.gui.window import MainWindow

    app = create_application([sys.argv[0]])
    w = MainWindow(model=args.model)
    w.resize(720, 820)
    w.show()
    QTest.qWaitForWindowExposed(w)
    while not w.recognition.ready:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)
    canvas = w.canvas
    samples = (real_samples(args.real, real) if args.real else []) + hand_samples()
    shots, failures, top3_hits = [], [], 0
    for label, ink in samples:
        w.writing.clear()
        app.processEvents()
        x0, y0, x1, y1 = ink.bounds()
        side = max(x1 - x0, y1 - y0) or 1
        box = min(canvas.width(), canvas.height()) * 0.7
        ox = (canvas.width() - box * (x1 - x0) / side) / 2
        oy = (canvas.height() - box * (y1 - y0) / side) / 2

        def at(p, ox=ox, oy=oy, x0=x0, y0=y0, side=side, box=box):
            return QPoint(round(ox + (p.x - x0) / side * box), round(oy + (p.y - y0) / side * box))

        got = []
        conn = w.candidate_bar.shown.connect(lambda got=got: got.append(1))
        for stroke in ink.strokes:
            pts = [at(p) for p in stroke]
            QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
            for p in pts[1:]:
                QTest.mouseMove(canvas, p)
            QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
            app.processEvents()
        got.clear()
        w.writing.recognize()
        while not got:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 5)
        w.candidate_bar.shown.disconnect(conn)
        app.processEvents()
        cands = w.candidate_bar.candidates()[:3]
        chars = [c.char for c in cands]
        mark = "ok" if chars and chars[0] == label else ("top3" if label in chars else "FAIL")
        top3_hits += label in chars
        if mark != "ok":
            failures.append(label)
        where = "real" if ink.meta.get("writer") else "hand"
        name = ink.meta.get("label", label)
        print(f"{name:<6} {where}  {len(ink.strokes):2d} strokes  -> "
              + "  ".join(f"{c.char} {c.prob:.2f}" for c in cands) + f"   {mark}", flush=True)
        shots.append(w.grab())
    n = len(samples)
    print(f"{n - len(failures)}/{n} top-1, {top3_hits}/{n} in top 3; not top-1: {' '.join(failures) or '-'}")
    if args.sheet and shots:
        cols = 6
        tw, th = shots[0].width() // 3, shots[0].height() // 3
        rows = (len(shots) + cols - 1) // cols
        sheet = QPixmap(cols * tw, rows * th)
        sheet.fill(Qt.GlobalColor.white)
        painter = QPainter(sheet)
        for i, shot in enumerate(shots):
            painter.drawPixmap((i % cols) * tw, (i // cols) * th, tw, th, shot)
        painter.end()
        sheet.save(str(args.sheet))
        print(f"sheet: {args.sheet}")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
