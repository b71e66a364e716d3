"""The canvas on its own: many paints (PySide6 6.12.0 regression), tablet pressure, undo."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent, QUndoStack
from PySide6.QtWidgets import QApplication

from hanzipad.gui.canvas import Canvas, Content
from hanzipad.gui.commands import AddStrokeCommand, ReplaceContentCommand
from hanzipad.ink import Point
from tests.hanzipad.gui.conftest import line


@pytest.fixture
def canvas(qtbot):
    c = Canvas()
    qtbot.addWidget(c)
    c.resize(300, 300)
    c.show()
    qtbot.waitExposed(c)
    return c


def test_thousands_of_strokes_and_paints(canvas):
    """PySide6 6.12.0 on Python 3.11 leaked a reference to None per Qt call returning nothing
    and aborted (``Fatal Python error: none_dealloc``) after a few thousand paints."""
    start = time.perf_counter()
    for i in range(4000):
        x, y = 20 + (i * 7) % 260, 20 + (i * 13) % 260
        canvas.add_stroke((Point(x, y, 0.0), Point(x + 5, y + 3, 8.0), Point(x + 9, y + 1, 16.0)))
        canvas.repaint()
        if i % 200 == 0:
            canvas.grab()
    for _ in range(5):
        canvas.set_pen_width(canvas.pen_width + 1)  # full re-render of all strokes
        canvas.grab()
    assert len(canvas.strokes()) == 4000
    image = canvas.grab().toImage()
    dark = sum(1 for x in range(0, 300, 5) for y in range(0, 300, 5)
               if image.pixelColor(x, y).lightness() < 100)
    assert dark > 100  # the strokes really were painted
    assert time.perf_counter() - start < 30


def test_mouse_strokes_paint_pixels(canvas):
    canvas.strokeFinished.connect(canvas.add_stroke)  # what the window's undo command does
    before = canvas.grab().toImage()
    line(canvas, 0.1, 0.5, 0.9, 0.5)
    after = canvas.grab().toImage()
    y = 150
    assert before.pixelColor(150, y).lightness() > 200
    assert after.pixelColor(150, y).lightness() < 100
    assert len(canvas.strokes()) == 1 and len(canvas.strokes()[0]) == 9


def _tablet(kind, pos, pressure, buttons):
    device = QPointingDevice.primaryPointingDevice()
    for d in QInputDevice.devices():
        if d.type() == QInputDevice.DeviceType.Stylus:
            device = d
    return QTabletEvent(kind, device, QPointF(pos), QPointF(pos), pressure, 0.0, 0.0, 0.0, 0.0,
                        0.0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, buttons)


def test_tablet_pressure_is_recorded(canvas):
    T = QTabletEvent.Type
    left = Qt.MouseButton.LeftButton
    QApplication.sendEvent(canvas, _tablet(T.TabletPress, QPointF(50, 50), 0.2, left))
    for i, pressure in enumerate((0.4, 0.7, 0.9), 1):
        QApplication.sendEvent(canvas, _tablet(T.TabletMove, QPointF(50 + 40 * i, 50), pressure,
                                               left))
    QApplication.sendEvent(canvas, _tablet(T.TabletRelease, QPointF(170, 50), 0.0,
                                           Qt.MouseButton.NoButton))
    # the canvas emits the stroke; without a window nobody adds it: do it as the window would
    assert canvas.strokes() == []
    strokes = []
    canvas.strokeFinished.connect(strokes.append)
    QApplication.sendEvent(canvas, _tablet(T.TabletPress, QPointF(50, 80), 0.3, left))
    QApplication.sendEvent(canvas, _tablet(T.TabletMove, QPointF(150, 80), 0.8, left))
    QApplication.sendEvent(canvas, _tablet(T.TabletRelease, QPointF(150, 80), 0.0,
                                           Qt.MouseButton.NoButton))
    assert len(strokes) == 1
    assert [p.pressure for p in strokes[0]] == [0.3, 0.8]
    canvas.add_stroke(strokes[0])
    thin_thick = canvas.grab().toImage()
    # wider ink where the pen pressed harder
    def thickness(x):
        return sum(1 for y in range(60, 100) if thin_thick.pixelColor(x, y).lightness() < 128)
    assert thickness(140) > thickness(55)


def test_undo_commands_restore_content(canvas):
    stack = QUndoStack()
    s1 = (Point(10, 10), Point(50, 50))
    s2 = (Point(60, 10), Point(10, 60))
    stack.push(AddStrokeCommand(canvas, s1))
    stack.push(AddStrokeCommand(canvas, s2))
    assert canvas.strokes() == [s1, s2]
    stack.push(ReplaceContentCommand(canvas, Content()))
    assert canvas.is_empty()
    stack.undo()
    assert canvas.strokes() == [s1, s2]
    stack.undo()
    assert canvas.strokes() == [s1]
    stack.redo()
    stack.redo()
    assert canvas.is_empty()


def _spiral(n, pressure=False):
    """One stroke of ``n`` points winding three times around the middle of a 300x300 ink
    space, from radius 20 to 120 (ending at (270, 150))."""
    import math

    a = 6 * math.pi / (n - 1)
    return tuple(Point(150 + (20 + 100 * i / (n - 1)) * math.cos(i * a),
                       150 + (20 + 100 * i / (n - 1)) * math.sin(i * a), float(i),
                       (0.2 + 0.6 * (i % 7) / 6) if pressure else None) for i in range(n))


@pytest.mark.parametrize("pressure", [False, True])
def test_huge_stroke_paints_with_bounded_work(canvas, pressure):
    """Issue 11: one 10^6-point stroke froze the window for minutes, and again on every
    resize. Display points are simplified (the recognizer's ink is not) and the painted
    ink is cached, so painting it is bounded work."""
    stroke = _spiral(10**6, pressure)
    start = time.perf_counter()
    canvas.set_content(Content(strokes=(stroke,), ink_size=(300.0, 300.0)))
    image = canvas.grab().toImage()
    assert canvas.drawn_points <= 4000  # points handed to QPainter for the whole ink
    assert canvas.drawn_pieces <= 8000  # line pieces / path elements drawn
    assert image.pixelColor(268, 150).lightness() < 128  # the end of the outer turn
    assert image.pixelColor(150 - 103, 150).lightness() < 128  # half a turn before it
    assert canvas.ink().strokes[0] is stroke  # the recognizer still gets every point
    assert len(canvas.ink().strokes[0]) == 10**6
    builds = canvas.cache_builds
    canvas.grab()
    canvas.repaint()
    assert canvas.cache_builds == builds  # nothing changed: the cached pixmap is reused
    for size in (200, 420, 300):  # each resize re-renders once, still bounded
        canvas.resize(size, size)
        canvas.grab()
        assert canvas.drawn_points <= 4000 and canvas.drawn_pieces <= 8000
    assert canvas.cache_builds == builds + 3
    assert time.perf_counter() - start < 60  # generous; the old code took minutes


def test_dense_short_points_are_merged_for_display_only(canvas):
    """Points closer than a pixel at the current scale are not drawn one by one."""
    stroke = tuple(Point(50 + i * 0.01, 150.0) for i in range(20001))  # 200 px long
    canvas.set_content(Content(strokes=(stroke,), ink_size=(300.0, 300.0)))
    canvas.grab()
    assert canvas.drawn_points <= 2 * 200 + 2
    assert canvas.strokes()[0] == stroke


def _eraser_device():
    C = QInputDevice.Capability
    return QPointingDevice("test eraser", 4242, QInputDevice.DeviceType.Stylus,
                           QPointingDevice.PointerType.Eraser, C.Position | C.Pressure, 1, 2)


def _erase(canvas, points, device=None, release=True):
    """An eraser gesture through ``points`` (widget coordinates) with real QTabletEvents."""
    device = device or _eraser_device()
    T, left, none = QTabletEvent.Type, Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton

    def send(kind, pos, buttons):
        event = QTabletEvent(kind, device, QPointF(*pos), QPointF(*pos), 0.6, 0.0, 0.0, 0.0, 0.0,
                             0.0, Qt.KeyboardModifier.NoModifier, left, buttons)
        assert event.pointerType() == QPointingDevice.PointerType.Eraser
        QApplication.sendEvent(canvas, event)

    send(T.TabletPress, points[0], left)
    for p in points[1:]:
        send(T.TabletMove, p, left)
    if release:
        send(T.TabletRelease, points[-1], none)


def test_eraser_end_erases_touched_strokes_undoably(canvas):
    """Issue 11: the eraser end of a pen drew ink. It removes the strokes it touches (one undo
    step per gesture) and draws nothing."""
    from hanzipad.gui.commands import EraseStrokesCommand

    stack = QUndoStack()
    canvas.strokeFinished.connect(lambda s: stack.push(AddStrokeCommand(canvas, s)))
    canvas.strokesErased.connect(lambda idx: stack.push(EraseStrokesCommand(canvas, idx)))
    top = tuple(Point(x, 60.0) for x in range(20, 281, 20))
    mid = tuple(Point(150.0, y) for y in range(20, 281, 20))
    low = tuple(Point(x, 240.0) for x in range(20, 281, 20))
    for s in (top, mid, low):
        stack.push(AddStrokeCommand(canvas, s))
    assert stack.count() == 3
    # across the top stroke, away from the others; the gesture is not finished yet
    _erase(canvas, [(40, 40), (60, 58), (90, 70), (120, 64)], release=False)
    image = canvas.grab().toImage()
    assert image.pixelColor(70, 60).lightness() > 200  # already gone from the screen...
    assert canvas.strokes() == [top, mid, low]  # ...but only removed when the pen lifts
    _erase(canvas, [(120, 64)])
    assert canvas.strokes() == [mid, low]
    assert stack.count() == 4 and stack.undoText() == "Erase strokes"
    # one gesture crossing both remaining strokes (with no event right on either of them)
    _erase(canvas, [(120, 120), (180, 120), (180, 260), (240, 260)])
    assert canvas.strokes() == [] and canvas.is_empty()
    assert stack.count() == 5  # nothing was drawn by the eraser
    stack.undo()
    assert canvas.strokes() == [mid, low]
    stack.undo()
    assert canvas.strokes() == [top, mid, low]
    assert canvas.grab().toImage().pixelColor(70, 60).lightness() < 100
    stack.redo()
    assert canvas.strokes() == [mid, low]
    # erasing where nothing is: no undo step
    _erase(canvas, [(20, 150), (60, 150)])
    assert canvas.strokes() == [mid, low] and stack.index() == 4 and stack.canRedo()


def test_eraser_on_a_huge_stroke(canvas):
    stroke = _spiral(10**5)
    canvas.set_content(Content(strokes=(stroke,), ink_size=(300.0, 300.0)))
    erased = []
    canvas.strokesErased.connect(erased.append)
    start = time.perf_counter()
    _erase(canvas, [(268, 140), (268, 160)])
    assert erased == [(0,)]
    assert time.perf_counter() - start < 10


def test_stroke_starting_comes_first_and_the_active_box_is_marked(canvas):
    """The window commits the other box when a stroke starts: the canvas says so before the
    stroke's first point, for the mouse and the pen alike."""
    seen = []
    canvas.strokeStarting.connect(lambda: seen.append(("start", canvas.is_drawing())))
    canvas.strokeFinished.connect(lambda s: seen.append(("end", len(s))))
    line(canvas, 0.1, 0.5, 0.9, 0.5)
    assert seen == [("start", False), ("end", 9)]
    T = QTabletEvent.Type
    QApplication.sendEvent(canvas, _tablet(T.TabletPress, QPointF(50, 50), 0.5,
                                           Qt.MouseButton.LeftButton))
    assert seen[-1] == ("start", False)
    QApplication.sendEvent(canvas, _tablet(T.TabletRelease, QPointF(50, 50), 0.0,
                                           Qt.MouseButton.NoButton))
    edge = canvas.grab().toImage().pixelColor(1, 150)
    canvas.set_active(True)
    marked = canvas.grab().toImage().pixelColor(1, 150)
    assert canvas.is_active() and marked != edge and marked.red() > marked.green() + 60


def test_scribbled_ink_paints_a_bounded_length(canvas):
    """A near-limit ink of random scribbles (what an 8 MiB hostile file holds) took over a
    minute to paint: painting costs the length the pen covers, so the ink painted at once is
    capped and thinned evenly. The recognizer's ink is not touched."""
    import numpy as np

    from hanzipad.gui.canvas import LENGTH_BUDGET

    rng = np.random.default_rng(0)
    strokes = tuple(tuple(Point(float(x), float(y)) for x, y in rng.uniform(0, 300, (2000, 2)))
                    for _ in range(40))
    canvas.set_content(Content(strokes=strokes, ink_size=(300.0, 300.0)))
    canvas.grab()
    budget = LENGTH_BUDGET * (canvas.width() + canvas.height())
    assert 0.5 * budget < canvas.drawn_length <= 1.05 * budget
    assert canvas.drawn_points < 40 * 2000 / 10
    assert tuple(canvas.ink().strokes) == strokes


def test_handwriting_is_painted_whole(canvas):
    """Ink of a written character is far under the budget: every display point is drawn."""
    strokes = tuple(_spiral(300) for _ in range(12))
    canvas.set_content(Content(strokes=strokes, ink_size=(300.0, 300.0)))
    canvas.grab()
    whole = sum(len(canvas._display_points(s)[0]) for s in strokes)
    assert canvas.drawn_points == whole
