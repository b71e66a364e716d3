"""The window's look: its style sheet and icon."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from hanzipad.bundle import resources_dir

#: Shapes and the accent only: every other colour is a palette role, so a dark system
#: palette gives light text on dark fields (re-applied when the palette changes).
STYLE_SHEET = (
    "QPlainTextEdit#text { border: 1px solid palette(mid); border-radius: 8px; padding: 2px 6px;"
    " background: palette(base); color: palette(text); }"
    "QPushButton, QToolButton#more, QToolButton#key { border: 1px solid palette(mid);"
    " border-radius: 10px; padding: 4px 14px; background: palette(button);"
    " color: palette(button-text); }"
    "QToolButton#key { padding: 2px; font-size: 18px; }"
    "QPushButton:hover, QToolButton#more:hover, QToolButton#key:hover { border-color: #c84030; }"
    "QToolButton#more:checked { background: palette(alternate-base); border-color: #c84030; }"
    "QScrollArea#more-panel { border: 1px solid #c84030; border-radius: 8px;"
    " background: palette(window); }"
)


def app_icon() -> QIcon:
    """HanziPad's icon (resources/icons), or an empty one."""
    icons = resources_dir() / "icons"
    for name in ("hanzipad.svg", "hanzipad.png"):
        if (icons / name).is_file():
            return QIcon(str(icons / name))
    return QIcon()
