"""The main window driven like a user: draw, get candidates, pick, undo, open, save."""

from __future__ import annotations

import json
import threading
import time

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QGuiApplication
from PySide6.QtTest import QTest

from hanzipad import ink as inkfile
from tests.hanzipad.gui.conftest import line
from tests.helpers import TINY_LABELS


def draw_shi(window, qtbot):
    """Draw 十 and wait until its candidates are on screen."""
    canvas = window.canvas
    line(canvas, 0.2, 0.5, 0.8, 0.5)
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        line(canvas, 0.5, 0.2, 0.5, 0.8)
    return window.candidate_bar.candidates()


def test_drawing_gives_candidates_from_worker(window, qtbot):
    candidates = draw_shi(window, qtbot)
    assert len(window.canvas.strokes()) == 2
    assert len(candidates) == 10
    assert all(c.char in TINY_LABELS for c in candidates)
    probs = [c.prob for c in candidates]
    assert probs == sorted(probs, reverse=True) and sum(probs) == pytest.approx(1.0, abs=1e-3)
    # the three large buttons show the top three, with their probabilities
    for button, cand in zip(window.candidate_bar.buttons[:3], candidates):
        assert button.char == cand.char and button.isEnabled()
    # points carry time stamps and lie in ink space = canvas size
    stroke = window.canvas.strokes()[1]
    assert len(stroke) >= 5
    assert all(p.t is not None for p in stroke)
    assert [p.t for p in stroke] == sorted(p.t for p in stroke)
    ink = window.canvas.ink()
    assert (ink.width, ink.height) == (window.canvas.width(), window.canvas.height())
    assert window.writing.last_ms is not None and window.writing.last_ms < 1000


def test_candidates_match_recognizer_on_same_ink(window, qtbot, tiny_bundle):
    from hanzipad.raster import rasterize
    from hanzipad.recognizer import Recognizer

    candidates = draw_shi(window, qtbot)
    expected = Recognizer(tiny_bundle).classify(rasterize(window.canvas.ink()), 10)
    assert [c.char for c in candidates] == [c.char for c in expected]


def test_undo_redo_clear_and_escape(window, qtbot):
    canvas = window.canvas
    draw_shi(window, qtbot)
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 1
    QTest.keyClick(canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert len(canvas.strokes()) == 2
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(canvas.strokes()) == 2
    # undo re-runs recognition
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.candidate_bar.candidates()
    QTest.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.is_empty()
    assert window.candidate_bar.candidates() == []
    assert not window.candidate_bar.buttons[0].isEnabled()
    QTest.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # undo the clear
    assert len(canvas.strokes()) == 1


def test_pick_by_click_and_by_key(window, qtbot):
    QGuiApplication.clipboard().setText("the person's own clipboard")
    candidates = draw_shi(window, qtbot)
    QTest.mouseClick(window.candidate_bar.buttons[0], Qt.MouseButton.LeftButton)
    assert window.text.text() == candidates[0].char
    # a pick goes into the text only: the clipboard is replaced by Copy all, not by each pick
    assert QGuiApplication.clipboard().text() == "the person's own clipboard"
    assert window.canvas.is_empty()
    candidates = draw_shi(window, qtbot)
    QTest.keyClick(window.canvas, Qt.Key.Key_2)
    assert window.text.text().endswith(candidates[1].char) and len(window.text.text()) == 2
    assert QGuiApplication.clipboard().text() == "the person's own clipboard"
    assert window.canvas.is_empty()
    window.copy_button.click()
    assert QGuiApplication.clipboard().text() == window.text.text()


def test_more_candidates_only_when_expanded(window, qtbot):
    candidates = draw_shi(window, qtbot)
    assert not window.candidate_bar.more_panel.isVisible()
    QTest.keyClick(window.canvas, Qt.Key.Key_5)  # not shown yet: ignored
    assert window.text.text() == "" and not window.canvas.is_empty()
    QTest.mouseClick(window.candidate_bar.more_button, Qt.MouseButton.LeftButton)
    assert window.candidate_bar.more_panel.isVisible()
    assert [b.char for b in window.candidate_bar.buttons] == [c.char for c in candidates]
    QTest.keyClick(window.canvas, Qt.Key.Key_0)  # the tenth
    assert window.text.text() == candidates[9].char


def _png(path, size=(200, 160)):
    img = Image.new("L", size, 255)
    d = ImageDraw.Draw(img)
    d.line([(40, 80), (160, 80)], fill=0, width=10)
    d.line([(100, 20), (100, 140)], fill=0, width=10)
    img.save(path)
    return path


def test_open_image_shows_and_classifies_it(window, qtbot, tmp_path):
    from hanzipad.normalize import load_image
    from hanzipad.recognizer import Recognizer

    path = _png(tmp_path / "shi.png")
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        assert window.open_file(path)
    shown = window.canvas.image()
    assert shown is not None and not shown.image.isNull()
    expected = Recognizer(window.recognition._worker._recognizer.bundle).classify(
        load_image(path), 10)
    assert [c.char for c in window.candidate_bar.candidates()] == [c.char for c in expected]
    # drawing on top replaces the image; undo brings it back
    line(window.canvas, 0.2, 0.3, 0.8, 0.3)
    assert window.canvas.image() is None and len(window.canvas.strokes()) == 1
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.image() is not None


@pytest.mark.parametrize("content, reason", [
    (b"this is not a picture", "not an image"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "corrupt or truncated"),
])
def test_bad_image_gives_message_and_keeps_ink(window, qtbot, tmp_path, content, reason):
    draw_shi(window, qtbot)
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    with qtbot.waitSignal(window.problem, timeout=2000) as blocker:
        assert not window.open_file(bad)
    message = blocker.args[0]
    assert str(bad) in message and reason in message
    box = window.message_box()
    assert box is not None and box.isVisible() and str(bad) in box.text()
    assert not box.isModal()
    assert len(window.canvas.strokes()) == 2  # nothing lost
    assert str(bad) in window.statusBar().currentMessage()


def test_bad_ink_file_gives_message(window, qtbot, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"strokes": [[[1, NaN]]]}')
    assert not window.open_file(bad)
    assert str(bad) in window.last_error and "non-finite" in window.last_error
    empty = tmp_path / "empty.json"
    empty.write_text('{"width": 10, "height": 10, "strokes": []}')
    assert not window.open_file(empty)
    assert str(empty) in window.last_error and "no strokes" in window.last_error
    missing = tmp_path / "missing.png"
    assert not window.open_file(missing)
    assert str(missing) in window.last_error and "no such file" in window.last_error


def test_drop_image_file(window, qtbot, tmp_path):
    path = _png(tmp_path / "drop.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        window.dropEvent(event)
    assert window.canvas.image() is not None and window.canvas.image().path == str(path)


def test_save_and_reopen_ink(window, qtbot, tmp_path):
    candidates = draw_shi(window, qtbot)
    strokes = window.canvas.strokes()
    path = tmp_path / "shi.json"
    assert window.save_ink(path)
    saved = json.loads(path.read_text())
    assert saved["width"] == window.canvas.width() and len(saved["strokes"]) == 2
    assert len(saved["strokes"][0][0]) == 3  # x, y, t (a mouse has no pressure)
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        assert window.open_file(path)
    assert window.canvas.strokes() == strokes
    assert [c.char for c in window.candidate_bar.candidates()] == [c.char for c in candidates]
    assert inkfile.load(path).point_count() == sum(len(s) for s in strokes)


def test_missing_bundle_window_opens_and_says_why(make_window, qtbot, tmp_path):
    missing = tmp_path / "no-model"
    window = make_window(missing, wait_model=False)
    qtbot.waitUntil(lambda: window.recognition.load_error is not None, timeout=5000)
    assert "model bundle not found" in window.last_error and str(missing) in window.last_error
    assert str(missing) in window.statusBar().currentMessage()
    box = window.message_box()
    assert box is not None and box.isVisible() and str(missing) in box.text()
    line(window.canvas, 0.2, 0.5, 0.8, 0.5)  # drawing still works
    assert len(window.canvas.strokes()) == 1


def test_corrupt_bundle_window_opens_and_says_why(make_window, qtbot, tmp_path, tiny_bundle):
    import shutil

    bundle = tmp_path / "corrupt"
    shutil.copytree(tiny_bundle, bundle)
    (bundle / "model.tflite").write_bytes(b"not a flatbuffer at all")
    window = make_window(bundle, wait_model=False)
    qtbot.waitUntil(lambda: window.recognition.load_error is not None, timeout=5000)
    assert "model.tflite" in window.last_error
    assert not window.recognition.ready


def test_close_while_inference_runs(window, qtbot, monkeypatch):
    import hanzipad.gui.worker as worker

    started, real = threading.Event(), worker.rasterize

    def slow_rasterize(ink):
        started.set()
        time.sleep(0.4)
        return real(ink)

    monkeypatch.setattr(worker, "rasterize", slow_rasterize)
    line(window.canvas, 0.2, 0.5, 0.8, 0.5)
    assert started.wait(5)
    line(window.canvas, 0.5, 0.2, 0.5, 0.8)  # queued behind the running one
    window.close()
    assert not window.recognition.is_running()
    qtbot.wait(50)  # late signals from the worker must not crash anything


def test_requests_are_coalesced(window, qtbot, monkeypatch):
    import hanzipad.gui.worker as worker

    seen, real = [], worker.rasterize
    gate, started = threading.Event(), threading.Event()

    def gated(ink):
        seen.append(len(ink.strokes))
        started.set()
        gate.wait(5)
        return real(ink)

    monkeypatch.setattr(worker, "rasterize", gated)
    line(window.canvas, 0.1, 0.2, 0.1, 0.8)
    assert started.wait(5)
    for i in range(1, 6):
        line(window.canvas, 0.1 + i * 0.1, 0.2, 0.1 + i * 0.1, 0.8)
    gate.set()
    qtbot.waitUntil(lambda: len(window.candidate_bar.candidates()) > 0, timeout=5000)
    qtbot.wait(100)
    # the first request was running; of the five queued behind it only the newest ran
    assert seen == [1, 6]


def test_settings_persist_across_windows(make_window, tiny_bundle):
    first = make_window(tiny_bundle, wait_model=False)
    first.set_pen_width(14)
    first.resize(610, 560)
    first.close()
    second = make_window(tiny_bundle, wait_model=False)
    assert second.canvas.pen_width == 14 and second.pen_spin.value() == 14
    assert (second.width(), second.height()) == (610, 560)


def test_ink_scales_with_window(window, qtbot):
    canvas = window.canvas
    line(canvas, 0.2, 0.5, 0.8, 0.5)
    before = canvas.ink()
    window.resize(window.width() + 200, window.height() + 200)
    qtbot.waitUntil(lambda: canvas.width() > before.width)
    line(canvas, 0.5, 0.2, 0.5, 0.8)
    after = canvas.ink()
    assert (after.width, after.height) == (before.width, before.height)  # same ink space
    xs = [p.x for p in after.strokes[1]]
    assert min(xs) == pytest.approx(max(xs), abs=2) and 0 < xs[0] < before.width
    ys = [p.y for p in after.strokes[1]]
    assert min(ys) >= -1 and max(ys) <= before.height + 1
    image = canvas.grab().toImage()
    assert image.width() == canvas.width()
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     QPoint(10, 10))
    assert len(canvas.strokes()) == 3  # a click is a dot


def test_open_jsonl_and_offscreen_ink(window, qtbot, tmp_path):
    path = tmp_path / "two.jsonl"
    far = {"strokes": [[[-5000, -5000], [-1000, -5000]], [[-3000, -7000], [-3000, -2000]]]}
    path.write_text("not json\n" + json.dumps(far) + "\n")
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        assert window.open_file(path)
    strokes = window.canvas.strokes()
    assert len(strokes) == 2
    w, h = window.canvas.content().ink_size
    assert all(0 <= p.x <= w and 0 <= p.y <= h for s in strokes for p in s)  # moved into view


def test_stale_results_are_dropped(window, qtbot, monkeypatch):
    import hanzipad.gui.worker as worker

    real = worker.rasterize
    gate, started, finished = threading.Event(), threading.Event(), threading.Event()

    def gated(ink):
        started.set()
        gate.wait(5)
        try:
            return real(ink)
        finally:
            finished.set()

    monkeypatch.setattr(worker, "rasterize", gated)
    line(window.canvas, 0.2, 0.5, 0.8, 0.5)
    assert started.wait(5)
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)  # the running request is now stale
    gate.set()
    assert finished.wait(5)
    qtbot.wait(200)  # let its result reach the UI thread
    assert window.candidate_bar.candidates() == []


HTML = "<b>x</b><img src=\"nowhere.png\">"


def _shown_plain(label) -> bool:
    """True when a QLabel shows its text as typed (no markup interpretation)."""
    return label.textFormat() == Qt.TextFormat.PlainText


def test_model_name_is_shown_as_plain_text(make_window, qtbot, tmp_path, tiny_bundle):
    """Issue 11: a bundle's name (model.json) was rendered as HTML in the status bar."""
    import shutil

    bundle = tmp_path / "html"
    shutil.copytree(tiny_bundle, bundle)
    meta = json.loads((bundle / "model.json").read_text())
    meta["name"] = HTML
    (bundle / "model.json").write_text(json.dumps(meta))
    window = make_window(bundle)
    assert HTML in window.model_label.text()
    assert _shown_plain(window.model_label)


def test_error_text_and_file_names_are_plain_text(make_window, window, qtbot, tmp_path):
    """File names and error texts reach the message box and status bar unrendered."""
    bad = tmp_path / (HTML.replace("/", "") + ".json")
    bad.write_text("{not json")
    assert not window.open_file(bad)
    box = window.message_box()
    assert box is not None and str(bad) in box.text()
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert str(bad) in window.statusBar().currentMessage()
    # a model bundle whose path is markup: the failure dialog and label are plain too
    missing = tmp_path / "<i>m</i>"
    other = make_window(missing, wait_model=False)
    qtbot.waitUntil(lambda: other.recognition.load_error is not None, timeout=5000)
    box = other.message_box()
    assert str(missing) in box.text() and box.textFormat() == Qt.TextFormat.PlainText
    assert _shown_plain(other.model_label)


def test_candidate_tooltip_is_plain_text(qtbot):
    from hanzipad.gui.candidates import CandidateButton

    button = CandidateButton(0, large=True)
    qtbot.addWidget(button)
    button.set_candidate("<b>x</b>", 0.5)  # a label from a bundle's labels.txt
    assert "&lt;b&gt;x&lt;/b&gt;" in button.toolTip() and "<b>x" not in button.toolTip()


def test_save_keeps_mode_and_symlink_and_refuses_read_only(window, qtbot, tmp_path):
    """Issue 11: Ctrl+S turned 0600 into 0644, replaced symlinks by files and overwrote
    read-only files."""
    import stat

    tmp_path = tmp_path / "out"  # (settings are written under the test's own tmp_path)
    tmp_path.mkdir()
    line(window.canvas, 0.2, 0.5, 0.8, 0.5)
    private = tmp_path / "private.json"
    private.write_text("{}")
    private.chmod(0o600)
    assert window.save_ink(private)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert inkfile.load(private).point_count() == 9

    real = tmp_path / "real"
    real.mkdir()
    (real / "t.json").write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(real / "t.json")
    assert window.save_ink(link)
    assert link.is_symlink() and inkfile.load(real / "t.json").point_count() == 9

    ro = tmp_path / "ro.json"
    ro.write_text("keep")
    ro.chmod(0o444)
    with qtbot.waitSignal(window.problem, timeout=2000) as blocker:
        assert not window.save_ink(ro)
    assert str(ro) in blocker.args[0] and "read-only" in blocker.args[0]
    assert ro.read_text() == "keep"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "private.json", "real",
                                                          "ro.json"]


def test_failed_save_leaves_no_temp_file(window, qtbot, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    line(window.canvas, 0.2, 0.5, 0.8, 0.5)
    folder = tmp_path / "ink.json"  # a folder where the file should go
    folder.mkdir()
    assert not window.save_ink(folder)
    assert str(folder) in window.last_error
    assert [p.name for p in tmp_path.iterdir()] == ["ink.json"] and folder.is_dir()


def _dark_palette():
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette()
    R = QPalette.ColorRole
    for role, rgb in ((R.Window, "#2b2b2f"), (R.WindowText, "#e6e6e6"), (R.Base, "#1c1c20"),
                      (R.AlternateBase, "#26262b"), (R.Text, "#ececec"), (R.Button, "#35353b"),
                      (R.ButtonText, "#e6e6e6"), (R.Mid, "#55555c"), (R.Dark, "#151518"),
                      (R.Light, "#4a4a50"), (R.Midlight, "#3f3f45"), (R.Shadow, "#000000"),
                      (R.PlaceholderText, "#8c8c94"), (R.Highlight, "#c84030"),
                      (R.HighlightedText, "#ffffff"), (R.ToolTipBase, "#2b2b2f"),
                      (R.ToolTipText, "#e6e6e6")):
        pal.setColor(role, QColor(rgb))
    return pal


@pytest.fixture
def dark_palette(qapp):
    old = qapp.palette()
    yield lambda: qapp.setPalette(_dark_palette())
    qapp.setPalette(old)


def _contrast_pixels(widget, rect=None):
    """(background lightness, pixels differing from it by more than 100) in a grab."""
    image = widget.grab().toImage()
    r = rect or image.rect()
    bg = image.pixelColor(r.left() + 4, r.top() + r.height() // 2).lightness()
    far = sum(1 for x in range(r.left(), r.right()) for y in range(r.top(), r.bottom())
              if abs(image.pixelColor(x, y).lightness() - bg) > 100)
    return bg, far


@pytest.mark.parametrize("when", ["before", "after"])
def test_dark_palette_text_is_readable(make_window, tiny_bundle, qtbot, dark_palette, when):
    """Issue 11: the composed text had a hard-coded white background, so with a dark palette
    (light text colour) it was invisible. Colours come from the palette, also when the
    palette changes while the window is open."""
    if when == "before":
        dark_palette()
    window = make_window(tiny_bundle)
    if when == "after":
        dark_palette()
    window.text.setText("十十十")
    qtbot.wait(10)
    bg, far = _contrast_pixels(window.text, window.text.rect().adjusted(2, 2, -40, -2))
    assert bg < 100  # the field follows the dark palette...
    assert far > 30  # ...and its text stands out from it
    # the pad and the candidates too: light ink on dark paper, light characters on dark tiles
    line(window.canvas, 0.2, 0.5, 0.8, 0.5)
    image = window.canvas.grab().toImage()
    paper = image.pixelColor(window.canvas.width() // 2, window.canvas.height() // 4)
    ink = image.pixelColor(window.canvas.width() // 2, window.canvas.height() // 2)
    assert paper.lightness() < 100 and ink.lightness() - paper.lightness() > 100
    button = window.candidate_bar.buttons[0]
    button.set_candidate("十", 0.9)
    bg, far = _contrast_pixels(button, button.rect().adjusted(6, 20, -6, -6))
    assert bg < 100 and far > 30


def test_window_shrinks_and_candidates_stay_reachable(window, qtbot):
    """Issue 11: the window could not be made shorter than 490 px, so at 2x scale on a short
    screen the candidates fell off the bottom. It shrinks now; what does not fit scrolls."""
    draw_shi(window, qtbot)
    hint = window.minimumSizeHint()
    assert hint.width() <= 320 and hint.height() <= 300
    window.resize(320, 300)
    qtbot.waitUntil(lambda: window.height() <= 300 and window.width() <= 320, timeout=2000)
    assert window.canvas.height() >= 100  # the pad keeps a usable size
    qtbot.waitUntil(lambda: window.scroll_area.verticalScrollBar().isVisible(), timeout=2000)
    assert not window.scroll_area.horizontalScrollBar().isVisible()  # only up and down
    bar = window.candidate_bar
    button = bar.buttons[0]
    # issue 34: the candidates never scroll out of view; the text and boxes scroll
    assert button.visibleRegion().boundingRect().height() == button.height()
    char = button.char
    assert char
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.text.text() == char
    # a roomy window does not scroll: everything fits
    window.resize(660, 800)
    qtbot.waitUntil(lambda: window.height() == 800, timeout=2000)
    qtbot.waitUntil(lambda: not window.scroll_area.verticalScrollBar().isVisible(), timeout=2000)
    assert not window.scroll_area.horizontalScrollBar().isVisible()
    assert window.canvas.height() > 400


def test_pen_eraser_end_erases_in_the_window(window, qtbot):
    """The eraser end of a tablet pen removes the stroke it crosses; Ctrl+Z brings it back."""
    from tests.hanzipad.gui.test_canvas import _erase

    draw_shi(window, qtbot)
    horizontal, vertical = window.canvas.strokes()
    w, h = window.canvas.width(), window.canvas.height()
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):  # recognized again
        _erase(window.canvas, [(w * 0.45, h * 0.3), (w * 0.55, h * 0.3)])
    assert window.canvas.strokes() == [horizontal]
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.strokes() == [horizontal, vertical]
    QTest.keyClick(window.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.canvas.strokes() == [horizontal]


def _english_words(text: str, *allowed: str) -> list[str]:
    """Latin words of three letters or more in ``text``, once the ``allowed`` parts (file
    names) are taken out."""
    import re

    for part in allowed:
        text = text.replace(part, "")
    return re.findall(r"[A-Za-z]{3,}", text)


def test_chinese_ui_explains_problems_in_chinese(make_window, qtbot, tmp_path, tiny_bundle):
    """Issue 11: with the Chinese UI, error texts and dialogs were English."""
    from hanzipad.gui import i18n

    i18n.set_language("zh")  # (the autouse fixture sets English back afterwards)
    window = make_window(tiny_bundle)
    out = tmp_path / "out"
    out.mkdir()
    empty = out / "empty.json"
    empty.write_text('{"width": 10, "height": 10, "strokes": []}')
    assert not window.open_file(empty)
    assert "没有可显示的笔画" in window.last_error
    assert _english_words(window.last_error, str(empty)) == []
    assert window.message_box().windowTitle() == "无法打开文件"

    missing = out / "missing.json"
    assert not window.open_file(missing)
    assert "文件不存在" in window.last_error and str(missing) in window.last_error
    assert _english_words(window.last_error, str(missing)) == []
    missing_png = out / "missing.png"
    assert not window.open_file(missing_png)
    assert _english_words(window.last_error, str(missing_png)) == []

    bad = out / "bad.json"
    bad.write_text('{"strokes": [[[1, NaN]]]}')
    assert not window.open_file(bad)
    assert str(bad) in window.last_error and "有限" in window.last_error

    line(window.canvas, 0.2, 0.5, 0.8, 0.5)
    ro = out / "ro.json"
    ro.write_text("keep")
    ro.chmod(0o444)
    assert not window.save_ink(ro)
    assert "只读" in window.last_error and _english_words(window.last_error, str(ro)) == []
    assert window.message_box().windowTitle() == "无法保存文件"
    folder = out / "folder.json"
    folder.mkdir()
    assert not window.save_ink(folder)
    assert _english_words(window.last_error, str(folder)) == []
    assert not window.save_ink(out / "no" / "x.json")  # missing folder: an OS error
    assert _english_words(window.last_error, str(out / "no" / "x.json")) == []

    no_model = tmp_path / "no-model"
    other = make_window(no_model, wait_model=False)
    qtbot.waitUntil(lambda: other.recognition.load_error is not None, timeout=5000)
    assert "找不到模型包" in other.last_error
    assert _english_words(other.last_error, str(no_model)) == []
    assert _english_words(other.statusBar().currentMessage(), str(no_model)) == []


def test_explain_translates_core_reasons_only_in_chinese():
    from hanzipad.gui import i18n

    message = "/a: b.json: stroke 2 point 5: coordinate is not finite (nan)"
    assert i18n.explain(message) == message  # English UI: unchanged
    i18n.set_language("zh")
    assert i18n.explain(message) == "/a: b.json: 第 2 笔第 5 点：坐标不是有限数（nan）"
    assert i18n.explain("x.json: not valid JSON (Expecting value at line 3 column 7)") == \
        "x.json：不是有效的 JSON（第 3 行第 7 列：Expecting value）"
    assert i18n.explain("model bundle not found: /m") == "找不到模型包：/m"
    assert i18n.explain("x.png: something new") == "x.png: something new"  # not listed: kept


def test_save_dialog_asks_before_replacing_name_without_suffix(window, qtbot, tmp_path):
    """Typing "shi" in the save dialog saves shi.json: the dialog must ask before replacing
    an existing shi.json (the suffix used to be added after the dialog had checked "shi")."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

    from hanzipad.gui import settings

    out = tmp_path / "out"
    out.mkdir()
    existing = out / "shi.json"
    existing.write_text("keep")
    settings.set_last_dir(str(out))
    line(window.canvas, 0.2, 0.5, 0.8, 0.5)
    seen = {}

    def answer_no():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen["asked"] = box.text()
            box.button(QMessageBox.StandardButton.No).click()
        QTimer.singleShot(50, cancel)

    def cancel():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog):
            dialog.reject()

    def type_name():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        edit = dialog.findChild(QLineEdit, "fileNameEdit")
        edit.setText("shi")
        QTimer.singleShot(50, answer_no)
        dialog.accept()

    QTimer.singleShot(100, type_name)
    window.save_dialog()
    assert "shi.json" in seen.get("asked", "")
    assert existing.read_text() == "keep"


def test_about_box_lists_every_training_source_with_its_terms(make_window, tiny_bundle,
                                                               tmp_path, qtbot):
    """Help > About (F1) names the model and each data source with version and licence or
    terms; CASIA's academic-only terms are spelled out; names are shown as plain text."""
    import shutil

    from PySide6.QtWidgets import QMessageBox

    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    meta = json.loads((bundle / "model.json").read_text())
    meta["name"] = "<b>casia-mix</b>"
    meta["sources"] = [
        {"kind": "shards", "sources": [{"kind": "pot", "database": "CASIA-OLHWDB",
                                        "writers": "1001-1180",
                                        "terms": "free for academic research; commercial use "
                                                 "needs CASIA's permission"}]},
        {"kind": "strokes", "package": "hanzi-writer-data", "version": "2.0.1",
         "licence": "Arphic Public License"},
    ]
    (bundle / "model.json").write_text(json.dumps(meta))
    window = make_window(bundle)
    QTest.keyClick(window, Qt.Key.Key_F1)
    box = window.about_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.textFormat() == Qt.TextFormat.PlainText
    text = box.text()
    assert "<b>casia-mix</b>" in text
    assert "CASIA-OLHWDB (writers 1001-1180) — free for academic research" in text
    assert "hanzi-writer-data 2.0.1 — Arphic Public License" in text
    assert "academic research only" in text
    box.close()


def test_about_box_of_the_shipped_model_names_its_sources(make_window):
    from hanzipad.bundle import default_bundle_path

    meta = json.loads((default_bundle_path() / "model.json").read_text())
    window = make_window(None, wait_model=False)
    text = window.show_about().text()
    window.about_box.close()
    assert meta["name"] in text
    for font in ("Noto Sans CJK SC", "WenQuanYi Zen Hei", "AR PL UMing CN"):
        assert font in text
    assert "hanzi-writer-data 2.0.1 — Arphic Public License" in text


def test_ink_without_a_writing_box_is_framed_not_a_dot(window, qtbot, tmp_path):
    """Pen data in tablet units with no width/height (CASIA's .pot, exported as ink) used to
    show as a dot on a page-sized box: the character fills the pad, centred."""
    path = tmp_path / "pot.json"
    far = [[[5000 + x, 3000 + y] for x, y in s] for s in ([[0, 100], [200, 100]],
                                                          [[100, 0], [100, 200]])]
    path.write_text(json.dumps({"strokes": far}))
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        assert window.open_file(path)
    content = window.canvas.content()
    side = content.ink_size[0]
    xs = [p.x for s in content.strokes for p in s]
    ys = [p.y for s in content.strokes for p in s]
    assert (max(xs) - min(xs)) / side > 0.7  # fills most of the pad
    assert abs((min(xs) + max(xs)) / 2 - side / 2) < 1e-6
    assert abs((min(ys) + max(ys)) / 2 - side / 2) < 1e-6


def test_more_opens_over_the_boxes_without_shrinking_them(window, qtbot):
    """Issue 34: More shrank the writing boxes mid-use and showed 6 of 10 meanings."""

    class Readings:
        def pinyin(self, char):
            return ["yī"]

        def gloss(self, char):
            return f"meaning of {char}"

    window.resize(760, 620)
    window.candidate_bar.set_readings(Readings())
    draw_shi(window, qtbot)
    qtbot.wait(50)
    before = window.canvas.size()
    window.more_action.trigger()
    qtbot.wait(50)
    bar = window.candidate_bar
    assert bar.more_panel.isVisible() and window.canvas.size() == before
    shown = [c.char for c in bar.candidates()]
    assert len(shown) == 10
    assert bar.gloss_label.text().count("meaning of") == 10
    panel = bar.more_panel.geometry()
    assert panel.bottom() < bar.mapTo(window.centralWidget(), bar.rect().topLeft()).y()
    window.more_action.trigger()
    assert not bar.more_panel.isVisible() and window.canvas.size() == before


def test_open_dialog_lists_every_type_the_app_reads():
    """Issue 34: the filter listed png/jpg/jpeg/bmp/json; GIF, TIFF, WebP are read too."""
    from hanzipad.gui.window import open_filters
    from hanzipad.normalize import IMAGE_SUFFIXES

    first = open_filters().split(";;")[0]
    assert all(f"*{s}" in first.split("(")[1] for s in (*IMAGE_SUFFIXES, ".json"))
    assert {".gif", ".tif", ".tiff", ".webp"} <= set(IMAGE_SUFFIXES)
