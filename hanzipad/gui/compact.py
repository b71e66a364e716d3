"""View > Compact: the pad as a small floating window (issue 34).

Two small writing boxes, the keys, the candidates and the symbol bar, about 400x340 pixels,
above other windows and never taking the keyboard (always-on-top mode), in a corner of the
screen where it does not cover the text being written (the bottom right; the person can drag
it by its title bar, and the place is remembered). The text, the menus, the tool bar and the
model's name are hidden (the status bar stays, for its notices); the "⤢" button brings the
full window back, where and as it was.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication

from hanzipad.gui import settings

#: The compact window's size (logical pixels).
SIZE = QSize(400, 340)
#: Distance from the screen's edges when placed in its corner.
MARGIN = 16


class CompactMode:
    """Switches ``window`` (a :class:`hanzipad.gui.window.MainWindow`) between its full and
    compact forms; :attr:`on` says which it is in."""

    def __init__(self, window):
        self.window = window
        self.on = False
        self._full_geometry = None
        self._on_top_before = False

    def full_geometry(self):
        """The full window's geometry (saveGeometry) while compact, else None."""
        return self._full_geometry if self.on else None

    def hidden_parts(self) -> list:
        w = self.window
        # the status bar stays: it says when a fix stayed in the pad only
        return [w.text, w.copy_button, w.menuBar(), w.toolbar, w.model_label]

    def set(self, on: bool) -> None:
        w = self.window
        on = bool(on)
        if on == self.on:
            return
        if on:
            self._full_geometry = w.saveGeometry()
            self._on_top_before = w.always_on_top
        else:
            settings.set_compact_position(w.x(), w.y())
        self.on = on
        settings.set_compact(on)
        for part in self.hidden_parts():
            part.setVisible(not on)
        w.full_button.setVisible(on)
        if on:
            w.set_always_on_top(True)  # a floating pad: picks are typed where the person writes
            w.resize(SIZE)
            w.move(self._position())
        else:
            w.set_always_on_top(self._on_top_before)
            if self._full_geometry is not None:
                w.restoreGeometry(self._full_geometry)
            self._full_geometry = None

    def _position(self) -> QPoint:
        """Where the person last dragged it, when that is still on a screen; else the bottom
        right corner of the window's screen."""
        w = self.window
        screen = w.screen() or QGuiApplication.primaryScreen()
        avail = screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 768)
        saved = settings.compact_position()
        if saved is not None:
            point = QPoint(*saved)
            if any(s.availableGeometry().contains(QRect(point, SIZE))
                   for s in QGuiApplication.screens()):
                return point
        return QPoint(max(avail.left(), avail.right() - SIZE.width() - MARGIN),
                      max(avail.top(), avail.bottom() - SIZE.height() - 3 * MARGIN))
