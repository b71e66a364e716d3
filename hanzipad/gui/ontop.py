"""Always-on-top mode: the pad floats above other windows and never takes the keyboard focus,
so that picks can be typed into the program the user is writing in (:mod:`hanzipad.typist`).

Qt's ``WindowDoesNotAcceptFocus`` makes the xcb platform set the ICCCM input hint to false and
keeps a click from activating the window; ``WA_ShowWithoutActivating`` keeps re-showing it
from taking the focus. On X11 the window also leaves ``WM_TAKE_FOCUS`` out of its
``WM_PROTOCOLS`` (python-xlib, after each show): with the input hint false, a window that lists
it is "globally active" in ICCCM terms, and window managers offer it the focus on a click —
some first set the X focus to none, away from the program the user is writing
in, and Qt hands an offered focus to a modal dialog of the pad. Without it the window is "no
input" and no window manager focuses it. (openbox keeps the focus where it is either way.)
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

_FLAGS = Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.WindowDoesNotAcceptFocus


def is_always_on_top(window) -> bool:
    return bool(window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint)


def set_always_on_top(window, on: bool) -> None:
    """Turn the mode on or off for the top-level widget ``window``, keeping its position and
    size; a visible window is shown again (changing window flags hides it). May be called before
    the window is first shown."""
    on = bool(on)
    guard = window.findChild(_FocusGuard, _FocusGuard.NAME)
    if on and guard is None:
        guard = _FocusGuard(window)
        window.installEventFilter(guard)
    elif not on and guard is not None:
        window.removeEventFilter(guard)
        guard.deleteLater()
        guard.setObjectName("")
    flags = window.windowFlags()
    wanted = (flags | _FLAGS) if on else (flags & ~_FLAGS)
    if wanted == flags:
        return
    visible = window.isVisible()
    pos, size = window.pos(), window.size()
    window.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, on)
    window.setWindowFlags(wanted)  # hides the window
    window.resize(size)
    window.move(pos)
    if visible:
        window.show()
        if not on:
            window.activateWindow()


class _FocusGuard(QObject):
    """Child of a window in always-on-top mode: each time the window is shown (its X window may
    be new: Qt re-creates it when flags change), WM_TAKE_FOCUS is taken out again."""

    NAME = "hanzipad-always-on-top"

    def __init__(self, window):
        super().__init__(window)
        self.setObjectName(self.NAME)
        self._window = window

    def eventFilter(self, obj, event):
        if obj is self._window and event.type() in (QEvent.Type.Show, QEvent.Type.WinIdChange):
            QTimer.singleShot(0, self, lambda: _no_take_focus(self._window))
        return False


def _no_take_focus(window) -> None:
    """X11: remove WM_TAKE_FOCUS from the window's WM_PROTOCOLS (through python-xlib)."""
    if QGuiApplication.platformName() != "xcb":
        return
    handle = window.windowHandle()
    if handle is None:
        return
    wid = int(handle.winId())  # QWidget.winId() may name an X window Qt has replaced
    # Qt's connection buffers its requests: have the server create the window (and set Qt's
    # WM_PROTOCOLS) before this other connection changes them.
    QGuiApplication.sync()
    try:
        from Xlib import X, display
    except ImportError:
        log.info("python-xlib missing: the window manager may still give the pad the focus")
        return
    try:
        d = display.Display()
    except Exception as exc:
        log.info("cannot open the X display for WM_PROTOCOLS: %s", exc)
        return
    try:
        xwin = d.create_resource_object("window", wid)
        protocols = d.intern_atom("WM_PROTOCOLS")
        take_focus = d.intern_atom("WM_TAKE_FOCUS")
        prop = xwin.get_full_property(protocols, X.AnyPropertyType)
        if prop is None or take_focus not in prop.value:
            return
        keep = [a for a in prop.value if a != take_focus]
        xwin.change_property(protocols, d.intern_atom("ATOM"), 32, keep)
        d.sync()
    except Exception as exc:  # a window gone meanwhile, a server error
        log.info("could not change WM_PROTOCOLS: %s", exc)
    finally:
        d.close()
