"""hanzipad.typist without an X server: which typist is chosen and why, the clipboard fallback.
Typing into a real X server is tested in tests/hanzipad/gui/test_typing_x11.py."""

from __future__ import annotations

import sys

import pytest

from hanzipad import typist
from hanzipad.typist import ClipboardTypist, char_keysym, make_typist

ENV = ("DISPLAY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "HANZIPAD_TYPIST")


@pytest.fixture
def env(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _fallback(clip=None):
    t = make_typist(clip)
    assert isinstance(t, ClipboardTypist)
    assert t.kind == "clipboard"
    assert t.reason and "\n" not in t.reason
    return t


def test_no_display_falls_back_to_the_clipboard(env):
    t = _fallback(lambda text: None)
    assert "DISPLAY is not set" in t.reason


def test_wayland_only_falls_back(env):
    env.setenv("WAYLAND_DISPLAY", "wayland-0")
    t = _fallback(lambda text: None)
    assert "Wayland" in t.reason


def test_wayland_session_with_xwayland_falls_back(env):
    # XTest through Xwayland reaches only X11 programs, not the native one that has the focus
    env.setenv("DISPLAY", ":0")
    env.setenv("XDG_SESSION_TYPE", "wayland")
    t = _fallback(lambda text: None)
    assert t.reason.startswith("Wayland session")


def test_python_xlib_missing_falls_back(env):
    env.setenv("DISPLAY", ":0")
    for name in ("Xlib", "Xlib.display", "Xlib.ext", "Xlib.ext.xtest"):
        env.setitem(sys.modules, name, None)  # import raises ImportError
    t = _fallback(lambda text: None)
    assert "python-xlib is not installed" in t.reason


def test_display_that_cannot_be_opened_falls_back(env, tmp_path):
    pytest.importorskip("Xlib")
    # an absolute socket path that nothing listens on
    env.setenv("DISPLAY", f"{tmp_path}/no-server:0")
    t = _fallback(lambda text: None)
    assert t.reason.startswith("cannot open X display")


def test_forced_clipboard(env):
    env.setenv("DISPLAY", ":0")
    env.setenv("HANZIPAD_TYPIST", "clipboard")
    assert "HANZIPAD_TYPIST=clipboard" in _fallback(lambda text: None).reason


def test_clipboard_fallback_puts_the_text_on_the_clipboard(env):
    copied = []
    t = _fallback(copied.append)
    t.type_text("中")
    t.type_text("")  # nothing to copy
    t.type_text("中文")
    t.key("BackSpace")  # cannot press keys in other programs: nothing happens
    assert copied == ["中", "中文"]
    with pytest.raises(ValueError, match="unknown key"):
        t.key("F13")
    assert t.flush() is True
    t.close()


def test_clipboard_fallback_uses_qt_clipboard_by_default(env, qapp):
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setText("before")
    t = _fallback()
    t.type_text("写字")
    assert QGuiApplication.clipboard().text() == "写字"


def test_clipboard_object_with_set_text(env, qapp):
    from PySide6.QtGui import QGuiApplication

    t = _fallback(QGuiApplication.clipboard())
    t.type_text("汉")
    assert QGuiApplication.clipboard().text() == "汉"


def test_keysyms():
    assert char_keysym("a") == 0x61
    assert char_keysym("é") == 0xE9  # Latin-1: the code point
    assert char_keysym("中") == 0x01004E2D  # Unicode keysym
    assert char_keysym("𠀀") == 0x01020000  # outside the BMP
    assert char_keysym("\n") == typist._KEYSYMS["Return"]
    assert set(typist.KEYS) >= {"BackSpace", "Delete", "Return", "space"}


def test_python_xlib_is_a_linux_dependency_and_frozen_with_the_app():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert '  "python-xlib>=0.33; sys_platform == \'linux\'",\n' in pyproject
    # Xlib imports its extensions and connection modules by name at run time: PyInstaller
    # must be told to take them all
    spec = (root / "resources" / "packaging" / "hanzipad.spec").read_text(encoding="utf-8")
    assert 'collect_submodules("Xlib")' in spec
