"""View > Compact: a small floating pad in a corner, remembered (issue 34 point 4)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from tests.hanzipad.gui.test_writing import FakeTypist, _stub_on_top, shi, shown


def test_compact_is_small_floating_in_a_corner_and_remembered(make_window, tiny_bundle, qtbot,
                                                              monkeypatch):
    calls = []
    _stub_on_top(monkeypatch, calls.append)
    window = make_window(tiny_bundle)
    window.writing.typist = FakeTypist()
    window.resize(760, 700)
    full = window.geometry()
    window.compact_action.trigger()  # View > Compact
    assert window.compact_mode.on and window.always_on_top and calls[-1] is True
    qtbot.waitUntil(lambda: window.width() <= 420 and window.height() <= 360, timeout=2000)
    for part in (window.text, window.menuBar(), window.toolbar, window.model_label):
        assert not part.isVisible()
    # its notices (here: picks go to the clipboard) are still seen
    assert window.statusBar().isVisible() and "clipboard" in window.statusBar().currentMessage()
    for part in (window.boxes[0], window.boxes[1], window.candidate_bar, window.symbol_bar,
                 window.full_button, window.backspace_button):
        assert part.isVisible()
    avail = window.screen().availableGeometry() if window.screen() else \
        QGuiApplication.primaryScreen().availableGeometry()
    assert window.x() + window.width() > avail.center().x()  # the bottom right corner
    assert window.y() + window.height() > avail.center().y()
    # writing works there: a pick is typed into the focused program
    a = window.canvas
    top = shown(window, qtbot, lambda: shi(a))[0].char
    window.candidate_bar.pick(0)
    assert window.writing.typist.sent == [("text", top)]
    window.move(window.x() - 30, window.y() - 20)  # dragged a little
    where = window.pos()
    window.close()

    second = make_window(tiny_bundle)  # remembered: starts compact, where it was left
    second.writing.typist = FakeTypist()
    qtbot.waitUntil(lambda: second.compact_mode.on, timeout=2000)
    assert second.always_on_top and second.compact_action.isChecked()
    assert second.pos() == where
    second.full_button.click()  # one click back to the full window, as it was
    assert not second.compact_mode.on and not second.always_on_top
    assert second.text.isVisible() and second.menuBar().isVisible()
    qtbot.waitUntil(lambda: second.size() == full.size(), timeout=2000)
    second.close()
    third = make_window(tiny_bundle)
    qtbot.wait(20)
    assert not third.compact_mode.on and third.size() == full.size()
