"""hanzipad.gui.ontop without an X server (offscreen): flags, geometry, on and off, before and
after the first show. Its X11 behaviour (focus, WM_PROTOCOLS) is in test_typing_x11.py."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtWidgets import QWidget

from hanzipad.gui.ontop import _FocusGuard, is_always_on_top, set_always_on_top

ON_TOP = Qt.WindowType.WindowStaysOnTopHint
NO_FOCUS = Qt.WindowType.WindowDoesNotAcceptFocus


def _guards(w):
    return [g for g in w.findChildren(_FocusGuard) if g.objectName() == _FocusGuard.NAME]


def test_on_before_the_first_show(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    set_always_on_top(w, True)
    assert w.windowFlags() & ON_TOP and w.windowFlags() & NO_FOCUS
    assert w.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert not w.isVisible()  # not shown by the call
    assert is_always_on_top(w) and len(_guards(w)) == 1
    w.show()
    qtbot.waitExposed(w)
    assert is_always_on_top(w)


def test_on_and_off_keep_the_window_shown_in_its_place(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.resize(321, 234)
    w.move(50, 60)
    w.show()
    qtbot.waitExposed(w)
    pos, size = w.pos(), w.size()
    for on in (True, True, False, True, False):
        set_always_on_top(w, on)
        assert w.isVisible()
        assert is_always_on_top(w) is on
        assert bool(w.windowFlags() & NO_FOCUS) is on
        assert w.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating) is on
        assert len(_guards(w)) == (1 if on else 0)
        assert (w.pos(), w.size()) == (pos, size)
    assert size == QSize(321, 234) and pos == QPoint(50, 60)


def test_other_flags_are_kept(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.setWindowFlag(Qt.WindowType.WindowContextHelpButtonHint, True)
    set_always_on_top(w, True)
    set_always_on_top(w, False)
    assert w.windowFlags() & Qt.WindowType.WindowContextHelpButtonHint
    assert not w.windowFlags() & (ON_TOP | NO_FOCUS)
