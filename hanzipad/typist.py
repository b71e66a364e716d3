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

Edits (cursor keys, Backspace: :class:`hanzipad.output.Batch` with ``edits``) are sent only
while the run of text they edit is unbroken, checked in the typing thread just before they go
out: the same window has the focus as when the run began, and no key or click that the pad did
not make reached another program since (XInput 2 raw events, :class:`InputWatcher`; a click on
the pad itself does not count). Where that cannot be known, edits are never sent.

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
    #: Whether edits can be sent at all (the typist can tell when a run is broken).
    can_edit = False
    #: Called (from any thread) with ``(run, dropped)`` when run ``run`` ends: the focus moved
    #: or something else reached the program; ``dropped``: an edit batch was not sent.
    on_run_broken: Callable[[int, bool], None] | None = None

    def type_text(self, text: str) -> None:
        raise NotImplementedError

    def send(self, batch) -> None:
        """Send a :class:`hanzipad.output.Batch`: all its keys, or (an edit that cannot be
        checked) none, reported through :attr:`on_run_broken`."""
        if batch.edits and not self.can_edit:
            self._broken(batch.run, True)
            return
        for kind, value in batch.ops:
            if kind == "text":
                self.type_text(value)
            else:
                self.key(value)

    def set_own_window(self, wid: int) -> None:
        """The pad's own X window: clicks on it do not break a run."""

    def _broken(self, run: int, dropped: bool) -> None:
        callback = self.on_run_broken
        if callback is not None:
            try:
                callback(run, dropped)
            except Exception:  # noqa: BLE001 - a window gone meanwhile
                log.exception("run-broken callback failed")

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
        self._anchors: dict[int, tuple | None] = {}  # run -> (focus, foreign inputs); None: over
        try:
            self._watcher: InputWatcher | None = InputWatcher(display_name)
        except Exception as exc:  # noqa: BLE001 - no XInput 2: type, never edit
            log.info("cannot watch for other input (%s): the pad will not edit what it typed",
                     exc)
            self._watcher = None
        self.can_edit = self._watcher is not None
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

    def send(self, batch) -> None:
        self._put(("batch", batch))

    def set_own_window(self, wid: int) -> None:
        if self._watcher is not None:
            self._watcher.own_windows = {int(wid)} if wid else set()

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
        if self._watcher is not None:
            self._watcher.close()

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
                    if what == "batch":
                        self._send_batch(arg)
                    elif what == "text":
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

    def _where(self) -> tuple:
        """(the focused window, foreign inputs seen so far): a run is unbroken while this
        stays what it was when the run began."""
        focus = self._display.get_input_focus().focus
        watcher = self._watcher
        return getattr(focus, "id", focus), (watcher.foreign if watcher else None)

    def _send_batch(self, batch) -> None:
        """Type a batch in the typing thread: an edit only while its run is unbroken."""
        if self._watcher is not None:
            self._watcher.sync(self._display)  # keys, clicks and focus changes so far counted
        where = self._where()
        anchor = self._anchors.get(batch.run, ())
        unbroken = anchor == where and where[1] is not None
        if batch.edits and not unbroken:
            self._anchors[batch.run] = None
            self._broken(batch.run, True)
            return
        if anchor == ():  # the run's first text: it begins here
            self._anchors = {r: a for r, a in self._anchors.items() if r > batch.run - 8}
            self._anchors[batch.run] = where
        elif not unbroken and anchor is not None:  # typed at the cursor, the run is over
            self._anchors[batch.run] = None
            self._broken(batch.run, False)
        for kind, value in batch.ops:
            if kind == "text":
                for char in value:
                    self._tap_keysym(char_keysym(char))
            else:
                self._tap_keysym(_KEYSYMS[value])

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
        if self._watcher is not None:
            self._watcher.expect(keycode, shift_code)
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


class InputWatcher:
    """Counts, in a thread of its own X connection, the keys and clicks that the pad did not
    make (:attr:`foreign`): any key press not announced by :meth:`expect`, any button press
    (not the wheel) with the pointer outside the pad's own windows (:attr:`own_windows`), and
    every change of the active window (``_NET_ACTIVE_WINDOW``).
    Uses XInput 2 raw events, which the server sends for every device whoever has the focus.
    Raises when the display has no XInput 2."""

    #: Seconds an announced key waits for its raw event before it is forgotten.
    expect_s = 2.0
    _XTEST = ("Virtual core XTEST keyboard", "Virtual core XTEST pointer")

    def __init__(self, display_name: str | None = None):
        from Xlib import display
        from Xlib.ext import xinput

        self._xinput = xinput
        self._display = display.Display(display_name)
        try:
            if not self._display.has_extension("XInputExtension"):
                raise RuntimeError("the X server has no XInput extension")
            version = self._display.xinput_query_version()
            if (version.major_version, version.minor_version) < (2, 0):
                raise RuntimeError("the X server has no XInput 2")
            self._opcode = self._display.query_extension(xinput.extname).major_opcode
            devices = self._display.xinput_query_device(xinput.AllDevices).devices
            self._xtest_ids = {d.deviceid for d in devices if d.name in self._XTEST}
            root = self._display.screen().root
            root.xinput_select_events(
                [(xinput.AllDevices, xinput.RawKeyPressMask | xinput.RawButtonPressMask)])
            # a window manager's _NET_ACTIVE_WINDOW changes with every focus change, even one
            # that comes back to the same window before the next check
            from Xlib import X

            self._active_atom = self._display.intern_atom("_NET_ACTIVE_WINDOW")
            self._sync_atom = self._display.intern_atom("_HANZIPAD_TYPIST_SYNC")
            self._property_notify = X.PropertyNotify
            root.change_attributes(event_mask=X.PropertyChangeMask)
            self._display.sync()
        except BaseException:
            self._display.close()
            raise
        self.foreign = 0
        self._marks = self._marks_seen = 0
        self.own_windows: set[int] = set()
        self._expected: list[tuple[int, float]] = []
        self._lock = threading.Lock()
        self._seen = threading.Condition(self._lock)
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="hanzipad-input-watch",
                                        daemon=True)
        self._thread.start()

    def expect(self, *keycodes: int) -> None:
        """The pad is about to press these keys (0s are ignored): not foreign."""
        now = time.monotonic()
        with self._lock:
            self._expected += [(k, now) for k in keycodes if k]

    def sync(self, display, timeout: float = 0.5) -> None:
        """Wait until every event before now has been counted: ``display`` (another
        connection) changes a property of the root window, whose notice comes after them."""
        from Xlib import Xatom

        with self._lock:
            self._marks += 1
            want = self._marks
        root = display.screen().root
        root.change_property(self._sync_atom, Xatom.INTEGER, 32, [want])
        display.sync()
        end = time.monotonic() + timeout
        with self._seen:
            while (self._marks_seen < want or self._expected) and not self._closed:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self._seen.wait(left)

    def close(self) -> None:
        self._closed = True
        self._thread.join(2.0)

    def _run(self) -> None:
        import select
        import struct

        d = self._display
        try:
            while not self._closed:
                if not d.pending_events():
                    select.select([d.fileno()], [], [], 0.2)
                    if not d.pending_events():
                        continue
                event = d.next_event()
                if event.type == self._property_notify:
                    if event.atom == self._active_atom:
                        self._count()
                    elif event.atom == self._sync_atom:
                        with self._seen:
                            self._marks_seen += 1
                            self._seen.notify_all()
                    continue
                if getattr(event, "extension", None) != self._opcode:
                    continue
                data = bytes(event.data)[:12]
                if len(data) < 12:
                    continue
                device, _time, detail, source = struct.unpack("=HIIH", data)
                if device != source:  # the same event through a master device
                    continue
                if event.evtype == self._xinput.RawKeyPress:
                    self._key(detail, source in self._xtest_ids)
                elif event.evtype == self._xinput.RawButtonPress and detail not in (4, 5, 6, 7):
                    if not self._on_own_window():
                        self._count()
        except Exception:  # noqa: BLE001 - the connection went away
            log.info("input watcher stopped", exc_info=True)
        finally:
            with self._seen:
                self._closed = True
                self._seen.notify_all()
            try:
                d.close()
            except Exception:  # noqa: BLE001
                pass

    def _key(self, keycode: int, xtest: bool) -> None:
        now = time.monotonic()
        with self._seen:
            self._expected = [(k, t) for k, t in self._expected if now - t < self.expect_s]
            match = next((i for i, (k, _t) in enumerate(self._expected) if k == keycode), None)
            if xtest and match is not None:
                del self._expected[match]
                self._seen.notify_all()
                return
        self._count()

    def _count(self) -> None:
        with self._lock:
            self.foreign += 1

    def _on_own_window(self) -> bool:
        """Whether the pointer is over one of the pad's windows (the top-level window under
        it is, or holds, one of them)."""
        own = set(self.own_windows)
        if not own:
            return False
        d = self._display
        under = d.screen().root.query_pointer().child
        under = getattr(under, "id", under)
        if not under:
            return False
        for wid in own:
            win = d.create_resource_object("window", wid)
            try:
                while True:
                    if win.id == under:
                        return True
                    tree = win.query_tree()
                    parent = getattr(tree.parent, "id", tree.parent)
                    if not parent or parent == getattr(tree.root, "id", tree.root):
                        break
                    win = d.create_resource_object("window", parent)
            except Exception:  # noqa: BLE001 - the window is gone
                continue
        return False


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
