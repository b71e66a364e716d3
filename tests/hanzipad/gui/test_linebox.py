"""View > Line (issue 37): a synthetic line drawn with the mouse is read in the worker thread
with the shipped model, its characters re-picked and committed into the text as entries."""

from __future__ import annotations

import pytest

from hanzipad.gui.linebox import LineBox, line_mode_setting
from tests.hanzipad.gui.conftest import line as canvas_line

pytest.importorskip("PySide6")


def line(canvas, x0, y0, x1, y1, n: int = 8):
    """A stroke at fractions of the line box's writing band (its width, the guide lines'
    height), as a person writes a phrase at the band's size whatever the box's height."""
    band, h = canvas.band_rect(), canvas.height()
    canvas_line(canvas, x0, (band.top() + y0 * band.height()) / h,
                x1, (band.top() + y1 * band.height()) / h, n)


def write_shi_yi_shi(canvas):
    """十 一 十 written left to right, each about a fifth of the box wide."""
    line(canvas, 0.05, 0.5, 0.27, 0.5)
    line(canvas, 0.16, 0.0, 0.16, 1.0)
    line(canvas, 0.38, 0.5, 0.6, 0.5)
    line(canvas, 0.7, 0.5, 0.92, 0.5)
    line(canvas, 0.81, 0.0, 0.81, 1.0)


@pytest.fixture
def line_window(make_window):
    window = make_window(None)  # the shipped model: real readings
    window.line_action.trigger()
    assert window.line_box.isVisible() and not window.boxes[0].isVisible()
    return window


def test_a_written_line_is_read_picked_and_committed(line_window, qtbot):
    window = line_window
    box: LineBox = window.line_box
    canvas = box.canvas
    line(canvas, 0.05, 0.5, 0.27, 0.5)
    line(canvas, 0.16, 0.0, 0.16, 1.0)
    assert len(canvas.strokes()) == 2
    qtbot.waitUntil(lambda: box.text() == "十", timeout=10000)
    line(canvas, 0.38, 0.5, 0.6, 0.5)
    line(canvas, 0.7, 0.5, 0.92, 0.5)
    line(canvas, 0.81, 0.0, 0.81, 1.0)
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() == "十一十", timeout=10000)
    assert [b.text() for b in box._char_buttons] == ["十", "一", "十"]
    # a character's alternatives, and picking one
    menu = box.show_alternatives(1)
    choices = [a.text().split()[0] for a in menu.actions()]
    assert choices[0] == "一" and len(choices) > 3
    menu.close()
    other = choices[1]
    menu.actions()[1].trigger()
    assert box.text() == f"十{other}十"
    # commit: three entries with their alternatives and strokes, one undo step, the box is
    # cleared; the pad learns from them (the picked one strongly)
    learned = []
    window.writing.confirmed.disconnect()  # (the learner's): what it is told, recorded
    window.writing.confirmed.connect(lambda entry, label, weight: learned.append((label, weight)))
    before = window.undo_stack.count()
    box.commit_button.click()
    assert window.composition.text() == f"十{other}十"
    entries = [window.composition.entry(i) for i in range(3)]
    assert entries[1].candidates[0][0] == other and "一" in [c for c, _ in entries[1].candidates]
    assert [len(e.ink.strokes) for e in entries] == [2, 1, 2]
    from hanzipad.adapt import STRONG, WEAK

    assert learned == [("十", WEAK), (other, STRONG), ("十", WEAK)]
    assert canvas.is_empty() and box.text() == ""
    assert window.undo_stack.count() == before + 1
    window.undo_stack.undo()
    assert window.composition.text() == ""


def test_the_reading_updates_while_writing_and_backspace_takes_a_stroke(line_window, qtbot):
    box = line_window.line_box
    line(box.canvas, 0.05, 0.5, 0.27, 0.5)
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() != "", timeout=10000)
    first = box.text()
    line(box.canvas, 0.16, 0.0, 0.16, 1.0)
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() == "十", timeout=10000)
    assert first != "十"
    box.undo_button.click()
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() == first, timeout=10000)
    box.clear_button.click()
    assert box.text() == "" and box.canvas.is_empty() and not box.commit_button.isEnabled()


def test_line_mode_is_remembered(make_window, qtbot):
    window = make_window(None, wait_model=False)
    assert not window.line_box.isVisible()
    window.line_action.trigger()
    assert line_mode_setting()
    window.close()
    again = make_window(None, wait_model=False)
    assert again.line_action.isChecked() and again.line_box.isVisible()
    again.line_action.trigger()
    assert not line_mode_setting() and again.boxes[0].isVisible()


def test_erased_strokes_leave_the_line(line_window, qtbot):
    box = line_window.line_box
    write_shi_yi_shi(box.canvas)
    qtbot.waitUntil(lambda: not box.is_busy() and len(box.text()) >= 2, timeout=10000)
    box.canvas.strokesErased.emit((0, 1))  # the pen's eraser end went over the first 十
    assert len(box.canvas.strokes()) == 3
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() in ("一十", "十一"),
                    timeout=10000)


def test_line_mode_in_the_compact_pad_types_into_the_focused_program(
        make_window, qtbot, monkeypatch):
    from tests.hanzipad.gui.test_writing import FakeTypist, _stub_on_top

    _stub_on_top(monkeypatch)
    window = make_window(None)
    window.writing.typist = FakeTypist()
    window.line_action.trigger()
    window.compact_action.trigger()
    assert window.compact_mode.on and window.always_on_top
    qtbot.waitUntil(lambda: window.width() <= 420, timeout=2000)
    box = window.line_box
    assert box.isVisible() and box.canvas.width() <= window.width()
    canvas = box.canvas
    line(canvas, 0.05, 0.5, 0.4, 0.5)
    line(canvas, 0.22, 0.0, 0.22, 1.0)
    line(canvas, 0.55, 0.5, 0.9, 0.5)
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() == "十一", timeout=10000)
    box.commit_button.click()
    assert window.composition.text() == "十一"
    assert "".join(t for kind, t in window.writing.typist.sent if kind == "text") == "十一"


@pytest.mark.parametrize("wait", [True, False])
def test_going_back_to_the_start_commits_the_line_and_starts_a_new_one(line_window, qtbot,
                                                                       wait):
    window = line_window
    box = window.line_box
    write_shi_yi_shi(box.canvas)
    if wait:  # the reading is there when the new line starts; else it is still being made
        qtbot.waitUntil(lambda: not box.is_busy() and box.text() == "十一十", timeout=10000)
    line(box.canvas, 0.05, 0.5, 0.27, 0.5)  # back at the left: a new line
    qtbot.waitUntil(lambda: window.composition.text() == "十一十", timeout=10000)
    assert len(box.canvas.strokes()) == 1
    line(box.canvas, 0.16, 0.0, 0.16, 1.0)
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() == "十", timeout=10000)
    assert window.composition.text() == "十一十"
    box.commit_button.click()
    assert window.composition.text() == "十一十十"


def test_enter_backspace_and_esc_in_the_line_box(line_window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    window = line_window
    box = window.line_box
    write_shi_yi_shi(box.canvas)
    box.canvas.setFocus()
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() == "十一十", timeout=10000)
    QTest.keyClick(box.canvas, Qt.Key.Key_Backspace)  # the last stroke, not a text character
    assert len(box.canvas.strokes()) == 4
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() == "十一一", timeout=10000)
    QTest.keyClick(box.canvas, Qt.Key.Key_Return)  # commits the line, no new line in the text
    assert window.composition.text() == "十一一" and box.canvas.is_empty()
    line(box.canvas, 0.05, 0.5, 0.27, 0.5)
    QTest.keyClick(box.canvas, Qt.Key.Key_Escape)
    assert box.canvas.is_empty() and window.composition.text() == "十一一"


def test_the_line_box_takes_the_height_the_boxes_had(make_window, qtbot):
    """No empty band under the line box: it has the boxes' row to itself (the boxes and keys
    hidden), the same top and bottom as the boxes; its writing band keeps a line's shape."""
    window = make_window(None, wait_model=False)
    window.resize(520, 640)
    qtbot.wait(50)
    boxes = window.boxes[0].geometry()
    window.line_action.trigger()
    qtbot.waitUntil(lambda: window.line_box.isVisible())
    qtbot.wait(50)
    got = window.line_box.geometry()
    assert abs(got.top() - boxes.top()) <= 2 and abs(got.bottom() - boxes.bottom()) <= 2
    canvas = window.line_box.canvas
    band = canvas.band_rect()
    assert canvas.height() > 2 * band.height()
    assert 4 <= band.width() / band.height() <= 5.5
    window.line_action.trigger()
    qtbot.waitUntil(lambda: window.boxes[0].isVisible())
    qtbot.wait(50)
    assert window.boxes[0].geometry() == boxes


def test_the_line_is_read_with_the_writers_adapted_classifier(line_window, qtbot):
    """When the pad has learned the writer's hand (the worker's ``adapted`` classifier with a
    ``scorer``), the line's candidates are scored by it; without it, by the model."""
    import numpy as np

    window = line_window
    box = window.line_box
    seen = []

    def install(worker, recognizer):
        def classify(image, k=10):
            return recognizer.classify(image, k)

        def scorer(images):
            seen.append(len(images))
            p = np.full((len(images), len(recognizer.labels)), 1e-9, np.float32)
            p[:, recognizer.labels.index("口")] = 1.0
            return p

        classify.scorer = scorer
        worker.adapted = classify

    window.recognition.run_in_worker(install)
    write_shi_yi_shi(box.canvas)
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() and set(box.text()) == {"口"},
                    timeout=10000)
    assert seen
    window.recognition.run_in_worker(lambda worker, recognizer: setattr(worker, "adapted", None))
    box.undo_stroke()
    line(box.canvas, 0.81, 0.0, 0.81, 1.0)
    qtbot.waitUntil(lambda: not box.is_busy() and box.text() == "十一十", timeout=10000)


def test_a_line_that_cannot_be_read_is_said_in_the_ui_language(line_window, qtbot):
    """The reader's error comes through the worker as the exception, explained by its code
    (in Chinese in a Chinese window)."""
    from hanzipad.gui import i18n

    window = line_window
    box = window.line_box

    def broken(worker, recognizer):  # a scorer of the wrong shape: the reader refuses
        def classify(image, k=10):
            return recognizer.classify(image, k)

        classify.scorer = lambda images: [[1.0]]
        worker.adapted = classify

    window.recognition.run_in_worker(broken)
    i18n.set_language("zh")
    try:
        write_shi_yi_shi(box.canvas)
        qtbot.waitUntil(lambda: not box.is_busy() and "评分器" in box.status.text(),
                        timeout=10000)
    finally:
        i18n.set_language("en")
    assert "(1, 1)" in box.status.text() and "scorer" not in box.status.text()
