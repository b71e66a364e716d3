"""Type picked characters into the program that has the keyboard focus.

In always-on-top mode the pad never takes the focus, so a pick can go straight into the window
the user is writing in, as on-screen keyboards do it. On X11 this uses the XTEST extension
(through python-xlib): each character that no key produces is bound to a spare (empty)
keycode as its Unicode keysym (``0x01000000 + code point``) and the key is pressed and
released — the technique of xdotool and on-screen keyboards. A bound keycode is reused for the
same character, rebound only after it has been unused for a second (the least recently used
first), and put back empty once nothing has been typed for a second, on an error, and on
:meth:`Typist.close` (also at exit).

Where that cannot work (no X display, a Wayland session, python-xlib missing, no XTEST),
:func:`make_typist` returns a typist that puts the text on the clipboard instead, and its
:attr:`Typist.reason` says why, in one line.

XTest typing runs in a thread of its own with its own X connection: the GUI never waits for
the X server, and picks arrive in the order they were made. Qt is used only by the default
clipboard (:func:`_qt_clipboard`), imported when the clipboard is first written.

``HANZIPAD_TYPIST=clipboard`` forces the clipboard; ``HANZIPAD_TYPIST=xtest`` tries XTest even
in a Wayland session (it reaches only X11 programs there).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

#: Keys :meth:`Typist.key` knows, by X keysym name.
KEYS = ("BackSpace", "Delete", "Return", "space", "Tab", "Escape", "Left", "Right")

#: X keysyms of :data:`KEYS` (X11/keysymdef.h), so the names need no Xlib to be checked.
_KEYSYMS = {"BackSpace": 0xFF08, "Delete": 0xFFFF, "Return": 0xFF0D, "space": 0x0020,
            "Tab": 0xFF09, "Escape": 0xFF1B, "Left": 0xFF51, "Right": 0xFF53}

_ENV = "HANZIPAD_TYPIST"


def char_keysym(char: str) -> int:
    """The X keysym of one character: Latin-1 keysyms are the code point, every other character
    has the Unicode keysym ``0x01000000 + code point``; newline and tab are Return and Tab."""
    if char == "\n":
        return _KEYSYMS["Return"]
    if char == "\t":
        return _KEYSYMS["Tab"]
    cp = ord(char)
    if 0x20 <= cp <= 0x7E or 0xA0 <= cp <= 0xFF:
        return cp
    return 0x01000000 + cp


class Typist:
    """Sends text and a few keys to the focused program. :attr:`kind` is ``"xtest"`` or
    ``"clipboard"``; :attr:`reason` says in one line why the clipboard is used (``""`` for
    XTest)."""

    kind = ""
    reason = ""

    def type_text(self, text: str) -> None:
        raise NotImplementedError

    def key(self, name: str) -> None:
        raise NotImplementedError

    def flush(self, timeout: float | None = 5.0) -> bool:
        """Wait until everything sent so far has been typed; False on time-out."""
        return True

    def close(self) -> None:
        """Finish what is queued and let go of the X connection."""


def _qt_clipboard(text: str) -> None:
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setText(text)


class ClipboardTypist(Typist):
    """The fallback: :meth:`type_text` puts the text on the clipboard (to paste with Ctrl+V);
    :meth:`key` cannot press keys in other programs and does nothing."""

    kind = "clipboard"

    def __init__(self, reason: str, clipboard: Callable[[str], None] | None = None):
        self.reason = reason
        if clipboard is not None and not callable(clipboard) and hasattr(clipboard, "setText"):
            clipboard = clipboard.setText  # a QClipboard
        self._clipboard = clipboard or _qt_clipboard

    def type_text(self, text: str) -> None:
        if text:
            self._clipboard(text)

    def key(self, name: str) -> None:
        if name not in _KEYSYMS:
            raise ValueError(f"unknown key {name!r} (known: {', '.join(KEYS)})")


class XTestTypist(Typist):
    """Fakes key presses with XTEST on the X display ``display_name`` (None: ``$DISPLAY``).

    Raises ``ImportError`` without python-xlib, ``OSError``/Xlib errors when the display cannot
    be opened, and ``RuntimeError`` when the server has no XTEST."""

    kind = "xtest"
    #: Seconds a bound keycode keeps its keysym after its last key press before it is put back
    #: or bound to another character. A client translates a key with the keymap it holds when
    #: it handles the event (Qt fetches the server's keymap when it handles the MappingNotify
    #: before the key; Xlib programs when they look the key up): a client busy for a moment
    #: must still find the binding there.
    hold = 1.0
    #: Seconds between binding a keycode and pressing it.
    settle = 0.02

    def __init__(self, display_name: str | None = None):
        from Xlib import X, display
        from Xlib.ext import xtest

        self._X = X
        self._xtest = xtest
        self._display = display.Display(display_name)
        try:
            if not self._display.has_extension("XTEST"):
                raise RuntimeError("the X server has no XTEST extension")
            self._display.xtest_get_version(2, 2)
        except BaseException:
            self._display.close()
            raise
        self._queue: queue.Queue = queue.Queue()
        self._bound: dict[int, int] = {}  # spare keycode -> keysym bound there now
        self._used: dict[int, float] = {}  # bound keycode -> time of its last press
        self._borrowed: tuple[int, tuple] | None = None  # (keycode, its own keysyms)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="hanzipad-typist", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # -- API (any thread) -----------------------------------------------------------------
    def type_text(self, text: str) -> None:
        if text:
            self._put(("text", text))

    def key(self, name: str) -> None:
        if name not in _KEYSYMS:
            raise ValueError(f"unknown key {name!r} (known: {', '.join(KEYS)})")
        self._put(("key", name))

    def flush(self, timeout: float | None = 5.0) -> bool:
        if self._closed or not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.put(("flush", done))
        return done.wait(timeout)

    def close(self) -> None:
        """Type what is queued, put the keyboard mapping back (after :attr:`hold`) and close
        the X connection."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._queue.put(("stop", None))
            self._thread.join(self.hold + 5.0)

    def _put(self, item) -> None:
        if self._closed:
            raise RuntimeError("typist is closed")
        self._queue.put(item)

    # -- the typing thread ----------------------------------------------------------------
    def _run(self) -> None:
        try:
            while True:
                try:
                    # Put the bound keycodes back once nothing has been typed for `hold`.
                    wait = self._hold_left() if self._bound else None
                    item = self._queue.get(timeout=wait)
                except queue.Empty:
                    if self._hold_left() <= 0:
                        self._restore()
                    continue
                what, arg = item
                if what == "stop":
                    break
                if what == "flush":
                    arg.set()
                    continue
                try:
                    if what == "text":
                        for char in arg:
                            self._tap_keysym(char_keysym(char))
                    else:
                        self._tap_keysym(_KEYSYMS[arg])
                except Exception:
                    log.exception("typing %r into the focused program failed", arg)
                    self._restore()
        finally:
            if self._bound:
                time.sleep(max(0.0, self._hold_left()))
            self._restore()
            try:
                self._display.close()
            except Exception:  # the connection may already be gone
                pass

    def _hold_left(self) -> float:
        """Seconds until every bound keycode has been unused for :attr:`hold`."""
        return max(self._used.values(), default=0.0) + self.hold - time.monotonic()

    def _mapping(self) -> tuple[int, list]:
        """The server's keyboard mapping now: (first keycode, keysyms of each keycode). Read
        anew each time (the user may switch layouts; python-xlib's cache follows only the
        MappingNotify events that this connection never reads)."""
        d = self._display
        first = d.display.info.min_keycode
        return first, d.get_keyboard_mapping(first, d.display.info.max_keycode - first + 1)

    def _tap_keysym(self, keysym: int) -> None:
        d = self._display
        X, xtest = self._X, self._xtest
        keycode, shift_code = self._keycode_for(keysym)
        if shift_code:
            xtest.fake_input(d, X.KeyPress, shift_code)
        xtest.fake_input(d, X.KeyPress, keycode)
        xtest.fake_input(d, X.KeyRelease, keycode)
        if shift_code:
            xtest.fake_input(d, X.KeyRelease, shift_code)
        d.sync()
        if keycode in self._bound:
            self._used[keycode] = time.monotonic()

    def _keycode_for(self, keysym: int) -> tuple[int, int]:
        """A keycode that produces ``keysym`` and the Shift keycode it needs (0: none): the
        keyboard's own key (or one bound to the keysym before), else a spare keycode bound to
        it now."""
        first, mapping = self._mapping()
        for level in (0, 1):
            for i, syms in enumerate(mapping):
                if len(syms) > level and syms[level] == keysym:
                    if level == 0:
                        return first + i, 0
                    shift = [first + j for j, s in enumerate(mapping) if s and s[0] == 0xFFE1]
                    if shift:  # Shift_L
                        return first + i, shift[0]
        code = self._spare_keycode(first, mapping)
        self._display.change_keyboard_mapping(code, [(keysym, keysym)])
        self._display.sync()
        self._bound[code] = keysym
        time.sleep(self.settle)
        return code, 0

    def _spare_keycode(self, first: int, mapping: list) -> int:
        """A keycode to bind: an empty one, else the bound one used longest ago (once it has
        been unused for :attr:`hold`), else, on a keyboard without any empty keycode, the last
        keycode, borrowed (as xdotool does; :meth:`_restore` gives its keysyms back)."""
        free = [first + i for i, syms in enumerate(mapping)
                if not any(syms) and first + i not in self._bound]
        if free:
            return free[-1]
        if self._bound:
            code = min(self._bound, key=lambda c: self._used.get(c, 0.0))
            time.sleep(max(0.0, self._used.get(code, 0.0) + self.hold - time.monotonic()))
            return code
        code = first + len(mapping) - 1
        self._borrowed = (code, tuple(mapping[-1]))
        return code

    def _restore(self) -> None:
        """Put every bound keycode back as it was (empty, or the borrowed key's keysyms)."""
        if not self._bound:
            return
        d = self._display
        borrowed, self._borrowed = self._borrowed, None
        try:
            for code in sorted(self._bound):
                syms = borrowed[1] if borrowed and borrowed[0] == code else (0, 0)
                d.change_keyboard_mapping(code, [syms])
            d.sync()
        except Exception:
            log.exception("could not put the keyboard mapping back")
        finally:
            self._bound.clear()
            self._used.clear()


def _wayland_session(env) -> bool:
    return bool(env.get("WAYLAND_DISPLAY")) or env.get("XDG_SESSION_TYPE", "").lower() == "wayland"


def make_typist(clipboard: Callable[[str], None] | None = None) -> Typist:
    """XTest on X11 (DISPLAY set, not a Wayland session, python-xlib importable, the server has
    XTEST), else the clipboard fallback with its reason. ``clipboard``: a callable taking the
    text, or a QClipboard (default: Qt's clipboard)."""
    env = os.environ
    forced = env.get(_ENV, "").strip().lower()
    reason = ""
    if forced == "clipboard":
        reason = f"{_ENV}=clipboard"
    elif not env.get("DISPLAY"):
        if env.get("WAYLAND_DISPLAY"):
            reason = ("Wayland session without X (DISPLAY is not set): other programs cannot be"
                      " typed into")
        else:
            reason = "no X display (DISPLAY is not set)"
    elif _wayland_session(env) and forced != "xtest":
        reason = "Wayland session: XTest would reach only X11 programs, not the one in focus"
    else:
        try:
            import Xlib.display  # noqa: F401
            from Xlib.ext import xtest  # noqa: F401
        except ImportError:
            reason = "python-xlib is not installed (pip install python-xlib)"
        else:
            try:
                return XTestTypist()
            except RuntimeError as exc:
                reason = str(exc)
            except Exception as exc:  # Xlib.error.DisplayError and friends
                reason = f"cannot open X display {env.get('DISPLAY')}: {exc}".strip()
    reason = " ".join(reason.split())
    log.info("typing into other programs is off: %s; picks go to the clipboard", reason)
    return ClipboardTypist(reason, clipboard)
