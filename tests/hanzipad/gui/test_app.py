"""Start-up through hanzipad.gui.app.main: window first, model after, files opened, language."""

from __future__ import annotations

from PIL import Image, ImageDraw
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QFontInfo
from PySide6.QtWidgets import QApplication

from hanzipad.gui import app as gui_app
from hanzipad.gui import i18n
from hanzipad.gui.window import MainWindow


def _run_main(qtbot, files, model, checks):
    """Run main() and inspect the window from timers; returns (exit code, observations)."""
    seen = {}

    def first_tick():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
                   and w.isVisible()]
        seen["window"] = windows[-1]
        seen["status_at_start"] = windows[-1].statusBar().currentMessage()
        poll()

    def poll():
        w = seen["window"]
        done = checks(w)
        if done:
            seen["result"] = done
            w.close()
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, first_tick)
    QTimer.singleShot(15000, QApplication.quit)  # safety net
    code = gui_app.main(files, model)
    return code, seen


def test_main_shows_window_before_model_and_classifies_file(qtbot, tiny_bundle, tmp_path):
    png = tmp_path / "yi.png"
    img = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(img).line([(10, 60), (110, 60)], fill=0, width=8)
    img.save(png)

    def checks(w):
        if w.recognition.ready and w.candidate_bar.candidates():
            return {"cands": w.candidate_bar.candidates(), "image": w.canvas.image(),
                    "label": w.model_label.text()}
        return None

    code, seen = _run_main(qtbot, [str(png)], str(tiny_bundle), checks)
    assert code == 0
    assert seen["status_at_start"] == "loading model…"
    assert seen["result"]["image"].path == str(png)
    assert len(seen["result"]["cands"]) == 10
    assert "tiny-test" in seen["result"]["label"]
    assert QApplication.applicationName() == "HanziPad"
    assert not seen["window"].recognition.is_running()


def test_main_in_chinese_with_missing_model(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("HANZIPAD_LANG", "zh_CN")
    missing = tmp_path / "none"

    def checks(w):
        if w.recognition.load_error:
            seen_box.extend(b.text().replace("&", "") for b in w.message_box().buttons())
            return w.last_error
        return None

    seen_box = []
    app_font = QApplication.font()
    try:
        code, seen = _run_main(qtbot, [], str(missing), checks)
        ui_families = QApplication.font().families()
    finally:
        i18n.set_language("en")
        i18n.install_qt_translations(QApplication.instance())  # removes the Chinese one
        QApplication.setFont(app_font)
    # issue 34: menus and labels in the bundled font, not a system's Kaiti
    assert ui_families[0] == "HanziPad Sans SC"
    seen["box_buttons"] = seen_box
    assert code == 0
    assert seen["status_at_start"] == "正在加载模型…"
    assert seen["result"].startswith("没有可用的模型：") and str(missing) in seen["result"]
    assert seen["window"].windowTitle() == "汉字手写板"
    box = seen["box_buttons"]
    assert box == ["确定"]  # Qt's own strings translated too


def test_bundled_font_covers_level1_and_is_used(qtbot):
    from fontTools.ttLib import TTFont

    from hanzipad.bundle import resources_dir
    from hanzipad.gui.fonts import FONT_FILE, cjk_font, register_fonts
    from hanzipad.labels import gb2312_level1

    path = resources_dir() / "fonts" / FONT_FILE
    assert path.stat().st_size < 4_000_000
    assert (path.parent / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") == 1
    cmap = TTFont(str(path), lazy=True).getBestCmap()
    assert all(ord(c) in cmap for c in gb2312_level1())
    assert all(ord(c) in cmap for c in "ABCxyz019，。、《》：")
    assert all(ord(c) in cmap for c in "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü“”‘’…—")  # pinyin, quotes
    families = register_fonts()
    assert families == ["HanziPad Sans SC"]
    assert "HanziPad Sans SC" in QFontDatabase.families()
    assert QFontInfo(cjk_font(40)).family() == "HanziPad Sans SC"
