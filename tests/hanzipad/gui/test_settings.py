"""Settings that cannot be read never stop the app (issue 35 point 2): each is moved aside (the
INI file copied beside itself, the bad key removed) with a message naming the file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hanzipad.gui import settings
from hanzipad.gui.window import MainWindow

GOOD_TEXT = {"entries": [{"text": "中", "kind": "char", "candidates": [["中", 0.5]]}],
             "cursor": 1}


def _ini_value(text: str) -> str:
    """``text`` as QSettings writes a string in an INI file (quoted, escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _composed(candidate_prob: str) -> str:
    return json.dumps(GOOD_TEXT).replace("0.5", candidate_prob)


#: Values the issue's probe (and a hostile user) put in the INI file, by key.
HOSTILE = {
    "deep-nesting": ("text", "composed", _ini_value("[" * 100_000 + "]" * 100_000)),
    "400-digit-probability": ("text", "composed", _ini_value(_composed("1" + "0" * 400))),
    "400-digit-float": ("text", "composed", _ini_value(_composed("1" + "0" * 400 + ".5"))),
    "infinite-probability": ("text", "composed", _ini_value(_composed("1e999"))),
    "nan-probability": ("text", "composed", _ini_value(_composed("NaN"))),
    "probability-above-1": ("text", "composed", _ini_value(_composed("7"))),
    "too-many-candidates": ("text", "composed", _ini_value(json.dumps(
        {"entries": [{"text": "中", "candidates": [["中", 0.1]] * 1000}]}))),
    "deep-box-ink": ("text", "boxes", _ini_value("{\"boxes\": " + "[" * 50_000)),
    "pen-width-400-digits": ("pen", "width", "9" * 400),
    "pen-width-text": ("pen", "width", "wide"),
    "geometry-text": ("window", "geometry", "garbage"),
    "geometry-bytes": ("window", "geometry", "@ByteArray(\\x1\\xd9\\xd0\\xcb\\xff\\xff)"),
    "state-bytes": ("window", "state", "@ByteArray(\\0\\0\\0\\xff\\0\\0\\0\\0\\xfd\\0\\0\\0\\x9)"),
    "compact-enum": ("view", "compact", "maybe"),
    # a value Qt decodes with QDataStream (a string with a forged length: Qt survives this one;
    # a list with a forged count aborts the process, tried in a subprocess below)
    "variant": ("pen", "width", "@Variant(\\0\\0\\0\\n\\x7f\\xff\\xff\\xff)"),
}

#: A QVariantList of 2**31-1 items: Qt aborts (std::bad_alloc) the moment it parses the file.
VARIANT_BOMB = "@Variant(\\0\\0\\0\\t\\x7f\\xff\\xff\\xff)"


def _write_ini(folder: Path, section: str, key: str, raw: str) -> Path:
    ini = folder / "HanziPad" / "HanziPad.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    ini.write_text(f"[files]\nlast_dir=/kept/folder\n\n[{section}]\n{key}={raw}\n",
                   encoding="utf-8")
    return ini


def _said_in_status_bar(window):
    return lambda: window.statusBar().currentMessage().startswith("Settings reset: ")


def _kept_aside(ini: Path) -> list[Path]:
    return sorted(ini.parent.glob(ini.name + ".bad-*"))


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_setting_is_moved_aside_and_the_window_starts(name, qtbot, tmp_path):
    section, key, raw = HOSTILE[name]
    ini = _write_ini(tmp_path / "settings", section, key, raw)
    assert settings.settings_file() == str(ini)
    original = ini.read_bytes()

    window = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(_said_in_status_bar(window), timeout=3000)

    assert len(window.composition) == 0  # the bad text is not shown, nothing else is made up
    assert window.canvas.pen_width == settings.DEFAULT_PEN_WIDTH
    # the file as it was is kept beside it, once; the bad key is gone, the good one kept
    copies = _kept_aside(ini)
    assert len(copies) == 1 and copies[0].read_bytes() == original
    assert f"{key}=" not in ini.read_text(encoding="utf-8", errors="replace")
    assert settings.last_dir() == "/kept/folder"
    # one message naming the settings file and the copy, in the status bar too
    message = window.settings_problems[0]
    assert str(ini) in message and str(copies[0]) in message and "\n" not in message
    assert window.statusBar().currentMessage() == f"Settings reset: {message}"
    window.close()

    # the next start is clean: no new copy, no message
    again = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(again)
    qtbot.wait(10)
    assert again.settings_problems == [] and len(_kept_aside(ini)) == 1
    again.close()


def test_good_settings_are_read_without_messages(qtbot, tmp_path):
    settings.set_composed_text(GOOD_TEXT)
    settings.set_pen_width(12)
    settings.set_compact_position(10, 20)
    window = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(window)
    qtbot.wait(10)
    assert window.composition.text() == "中" and window.canvas.pen_width == 12
    assert settings.compact_position() == (10, 20)
    assert window.settings_problems == [] and settings.take_problems() == []
    assert _kept_aside(Path(settings.settings_file())) == []


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_settings_file_that_is_not_a_file_is_renamed_aside(kind, qtbot, tmp_path):
    ini = tmp_path / "settings" / "HanziPad" / "HanziPad.ini"
    ini.parent.mkdir(parents=True)
    if kind == "fifo":
        os.mkfifo(ini)  # Qt would block reading it at the first setting
    else:
        ini.mkdir()
    window = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(window)
    qtbot.waitUntil(_said_in_status_bar(window), timeout=3000)
    (aside,) = _kept_aside(ini)
    assert (aside.is_fifo() if kind == "fifo" else aside.is_dir())
    assert str(ini) in window.settings_problems[0] and str(aside) in window.settings_problems[0]
    window.set_pen_width(11)
    window.close()
    assert ini.is_file()  # settings work again


#: Start the real app (``hanzipad.cli.main``: the ``hanzipad`` command) offscreen; a timer
#: reports what the window says, then quits.
PROBE = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(["hanzipad"])

def report():
    from hanzipad.gui.window import MainWindow
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
    if not windows or not windows[0].settings_problems:
        QTimer.singleShot(50, report)
        return
    w = windows[0]
    print(json.dumps({"problems": w.settings_problems, "text": w.composition.text(),
                      "pen": w.canvas.pen_width}), flush=True)
    w.close()
    app.quit()

QTimer.singleShot(0, report)
QTimer.singleShot(60000, app.quit)
from hanzipad.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_hanzipad_starts_with_a_hostile_settings_file(tmp_path):
    config = tmp_path / "xdg"
    ini = config / "HanziPad" / "HanziPad.ini"
    ini.parent.mkdir(parents=True)
    deep = _ini_value("[" * 100_000 + "]" * 100_000)
    ini.write_text(f"[pen]\nwidth={'9' * 400}\n\n[text]\ncomposed={deep}\n"
                   f"boxes={VARIANT_BOMB}\n", encoding="utf-8")
    original = ini.read_bytes()
    # the file a plain QSettings() reads (the hand-learning switch): checked as well
    native = ini.with_suffix(".conf")
    native.write_text(f"[learning]\nenabled={VARIANT_BOMB}\n", encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(config),
               HOME=str(tmp_path), HANZIPAD_LANG="en")
    run = subprocess.run([sys.executable, "-c", PROBE, "--model", str(tmp_path / "no-model")],
                         env=env, capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[3])
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen["text"] == "" and seen["pen"] == settings.DEFAULT_PEN_WIDTH
    (copy,) = _kept_aside(ini)
    assert copy.read_bytes() == original
    assert len(_kept_aside(native)) == 1 and "@Variant" not in native.read_text()
    assert all(str(ini) in p or str(native) in p for p in seen["problems"])
    # the log (stderr) says it too, naming the copy
    assert str(copy) in run.stderr
    text = ini.read_text(encoding="utf-8")
    assert "@Variant" not in text and "9" * 400 not in text and "[[[" not in text


def _ini_bytes(data: bytes) -> str:
    return "@ByteArray(" + "".join(f"\\x{b:02x}" for b in data) + ")"


def test_a_forged_window_state_never_freezes_the_start(qtbot, tmp_path):
    """A saved window state whose toolbar-line count was changed to 0x40000001: Qt's
    restoreState looped over it for 20-24 s at every start."""
    fresh = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.waitExposed(fresh)
    state = bytes(fresh.saveState().data())
    fresh.close()
    line_count = state.index(bytes.fromhex("fc00000001")) + 1
    forged = state[:line_count] + bytes.fromhex("40000001") + state[line_count + 4:]
    ini = _write_ini(tmp_path / "settings2", "window", "state", _ini_bytes(forged))
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings2"))
    start = time.monotonic()
    window = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(window)
    assert time.monotonic() - start < 5
    qtbot.waitUntil(_said_in_status_bar(window), timeout=3000)
    assert "window/state" in window.settings_problems[0] and len(_kept_aside(ini)) == 1
    assert window.toolbar.isVisibleTo(window)


def test_a_hidden_toolbar_and_the_size_are_restored(qtbot):
    first = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.toolbar.hide()
    first.resize(640, 600)
    first.close()
    second = MainWindow(load_model=False, load_context=False)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert not second.toolbar.isVisible() and (second.width(), second.height()) == (640, 600)
    assert second.settings_problems == [] and settings.take_problems() == []
