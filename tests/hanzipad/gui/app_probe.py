"""Run the real app (``hanzipad.cli.main`` with the arguments given, e.g. ``--always-on-top``)
and write what an X11 test needs to see of it to a JSON file every 100 ms: where its writing
boxes, candidates and keys are on the screen, the candidates, the text, whether the model is
ready, the typist, and every change of Qt's focus window.

usage: python app_probe.py OUT_JSON [hanzipad arguments…]   (QT_QPA_PLATFORM=xcb, DISPLAY set)"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication


def _rect(widget) -> list[int]:
    top_left = widget.mapToGlobal(widget.rect().topLeft())
    return [top_left.x(), top_left.y(), widget.width(), widget.height()]


def _global_centre(view, rect) -> list[int]:
    """Screen position of the centre of ``rect`` (viewport coordinates of a text view)."""
    point = view.viewport().mapToGlobal(rect.center().toPoint())
    return [point.x(), point.y()]


def main() -> int:
    out = Path(sys.argv[1])
    app = QApplication(["hanzipad"])  # hanzipad.gui.app.create_application reuses it
    focus_changes: list[list] = []
    app.focusWindowChanged.connect(
        lambda w: focus_changes.append([time.time(), w.title() if w is not None else None]))

    def probe() -> None:
        from hanzipad.gui.window import MainWindow

        windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
        if not windows:
            return
        w = windows[0]
        bar = w.candidate_bar
        state = {
            "ready": w.recognition.ready,
            "on_top": w.always_on_top,
            "typist": [w.writing.typist.kind, w.writing.typist.reason] if w.writing.typist is not None else None,
            "active": w.isActiveWindow(),
            "focus_window": QGuiApplication.focusWindow() is not None,
            "focus_changes": focus_changes,
            "winid": int(w.windowHandle().winId()) if w.windowHandle() else 0,
            "boxes": [_rect(b) for b in w.boxes],
            "active_box": w.boxes.index(w.canvas),
            "candidates": [{"char": b.char, "enabled": b.isEnabled(), "rect": _rect(b)}
                           for b in bar.buttons if b.isVisible()],
            "backspace": _rect(w.backspace_button),
            "delete": _rect(w.delete_button),
            "text": w.composition.text(),
            "chars": [_global_centre(w.text, w.text.char_rect(i))
                      for i in range(len(w.composition.text()))],
        }
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, out)

    timer = QTimer(app)
    timer.timeout.connect(probe)
    timer.start(100)
    from hanzipad.cli import main as hanzipad_main

    return hanzipad_main(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
