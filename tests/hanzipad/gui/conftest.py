"""GUI fixtures: a main window with the tiny bundle loaded, helpers to draw with QTest."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from hanzipad.gui import i18n  # noqa: E402


@pytest.fixture(autouse=True)
def _english():
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def draw(canvas, points, step_ms: int = 0) -> None:
    """One stroke through ``points`` (widget coordinates) with QTest mouse events."""
    pts = [QPoint(int(x), int(y)) for x, y in points]
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    for p in pts[1:]:
        QTest.mouseMove(canvas, p, step_ms)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])


def line(canvas, x0, y0, x1, y1, n: int = 8):
    """Fractions of the canvas size -> a stroke of n+1 points drawn on it."""
    w, h = canvas.width(), canvas.height()
    draw(canvas, [(w * (x0 + (x1 - x0) * i / n), h * (y0 + (y1 - y0) * i / n))
                  for i in range(n + 1)])


@pytest.fixture
def make_window(qtbot):
    from hanzipad.gui.window import MainWindow

    def make(model, wait_model: bool = True, load_context: bool = False):
        # the lexicon and readings are left out unless a test asks for them (it may give
        # its own with window.writing.set_context)
        window = MainWindow(model=model, load_context=load_context)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        if wait_model:
            qtbot.waitUntil(lambda: window.recognition.ready, timeout=10000)
        return window

    return make


@pytest.fixture
def window(make_window, tiny_bundle):
    return make_window(tiny_bundle)
