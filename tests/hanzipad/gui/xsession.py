"""A private X session for end-to-end tests: Xvfb on a free display, the openbox window manager,
programs started in it, and what the tests ask of it (focus, windows, screenshots, xdotool).

Everything started here is ended by :meth:`XSession.close` (also on failure: use it as a
context manager). Needs Xvfb, openbox and xdotool (``sh resources/system-deps.sh --test``) and
python-xlib."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TOOLS = ("Xvfb", "openbox", "xdotool")


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, what: str = "condition"):
    """Poll ``predicate`` until it returns something true; that value, or AssertionError."""
    end = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


class XSession:
    def __init__(self, width: int = 1280, height: int = 800):
        self.tmp = Path(tempfile.mkdtemp(prefix="hanzipad-x11-"))
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.display_name = ""
        self._xd = None
        try:
            self._start_x(width, height)
            self._start_wm()
        except BaseException:
            self.close()
            raise

    # -- life cycle --------------------------------------------------------------------------
    def _start_x(self, width: int, height: int) -> None:
        read_fd, write_fd = os.pipe()
        try:
            # -displayfd: Xvfb picks a free display itself; -noreset: no reset (and refused
            # connections) whenever the last client disconnects.
            with open(self.tmp / "xvfb.log", "wb") as log:
                proc = subprocess.Popen(
                    ["Xvfb", "-displayfd", str(write_fd), "-noreset", "-nolisten", "tcp",
                     "-screen", "0", f"{width}x{height}x24"],
                    pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=log,
                    start_new_session=True)
        finally:
            os.close(write_fd)
        self.procs.append(("Xvfb", proc))
        with os.fdopen(read_fd, "rb") as pipe:
            number = pipe.readline().strip()  # written once Xvfb listens; EOF if it died
        if not number:
            raise RuntimeError(f"Xvfb did not start: {self.log('xvfb')}")
        self.display_name = f":{number.decode()}"
        from Xlib import display

        self._xd = wait_for(self._connect, what=f"X display {self.display_name}")
        assert isinstance(self._xd, display.Display)

    def _connect(self):
        from Xlib import display, error

        try:
            return display.Display(self.display_name)
        except (error.DisplayError, OSError):
            return None

    def _start_wm(self) -> None:
        self.spawn("openbox", ["openbox", "--sm-disable"])
        d = self._xd
        check = d.intern_atom("_NET_SUPPORTING_WM_CHECK")
        wait_for(lambda: d.screen().root.get_full_property(check, 0) is not None,
                 what="openbox to manage the screen")

    def close(self) -> None:
        if self._xd is not None:
            try:
                self._xd.close()
            except Exception:
                pass
            self._xd = None
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(5)
        self.procs.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- programs ----------------------------------------------------------------------------
    def env(self, **extra) -> dict:
        env = dict(os.environ)
        for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XAUTHORITY", "HANZIPAD_TYPIST"):
            env.pop(name, None)
        env.update(DISPLAY=self.display_name, QT_QPA_PLATFORM="xcb")
        env.update(extra)
        return env

    def spawn(self, name: str, argv: list[str], **env) -> subprocess.Popen:
        """Start ``argv`` in the session (own process group; output in ``log(name)``)."""
        with open(self.tmp / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(argv, env=self.env(**env), stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def log(self, name: str) -> str:
        try:
            return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]
        except OSError:
            return ""

    def python(self, name: str, script: str | Path, *args: str, **env) -> subprocess.Popen:
        return self.spawn(name, [sys.executable, str(script), *args], **env)

    def xdotool(self, *args: str) -> str:
        result = subprocess.run(["xdotool", *args], env=self.env(), capture_output=True,
                                text=True, timeout=20)
        if result.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout.strip()

    # -- windows and focus -------------------------------------------------------------------
    def windows_named(self, title: str) -> list[int]:
        """Visible top-level windows whose title is exactly ``title``."""
        try:
            out = self.xdotool("search", "--onlyvisible", "--name", f"^{title}$")
        except RuntimeError:  # xdotool search exits 1 when nothing matches
            return []
        return [int(w) for w in out.split()]

    def wait_window(self, title: str, timeout: float = 20.0) -> int:
        return wait_for(lambda: (self.windows_named(title) or [0])[0], timeout,
                        what=f"a window titled {title!r}")

    def _toplevel(self, wid: int) -> int:
        """The client window (the one with WM_STATE) that holds ``wid``, or ``wid``."""
        d = self._xd
        wm_state = d.intern_atom("WM_STATE")
        win = d.create_resource_object("window", wid)
        while True:
            if win.get_full_property(wm_state, 0) is not None:
                return win.id
            tree = win.query_tree()
            if not tree.parent or tree.parent == tree.root:
                return wid
            win = tree.parent

    def focus_window(self) -> int:
        """The client window that has the X input focus (0: none)."""
        focus = self._xd.get_input_focus().focus
        wid = getattr(focus, "id", 0)
        return self._toplevel(wid) if wid > 1 else 0

    def active_window(self) -> int:
        """_NET_ACTIVE_WINDOW: the window the window manager considers active (0: none)."""
        d = self._xd
        prop = d.screen().root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), 0)
        return int(prop.value[0]) if prop is not None and len(prop.value) else 0

    def activate(self, wid: int) -> None:
        self.xdotool("windowactivate", "--sync", str(wid))
        wait_for(lambda: self.focus_window() == wid, what=f"window {wid} to get the focus")

    def window_properties(self, wid: int) -> dict:
        """What a window manager reads to decide on focus: the ICCCM input hint (None: unset),
        WM_PROTOCOLS and _NET_WM_STATE, as atom names."""
        from Xlib import Xutil

        d = self._xd
        win = d.create_resource_object("window", wid)
        hints = win.get_wm_hints()
        state = win.get_full_property(d.intern_atom("_NET_WM_STATE"), 0)
        return {
            "input": bool(hints.input) if hints and hints.flags & Xutil.InputHint else None,
            "protocols": [d.get_atom_name(a) for a in (win.get_wm_protocols() or [])],
            "state": [d.get_atom_name(a) for a in (state.value if state else [])],
        }

    def stacking(self) -> list[int]:
        """Managed windows from bottom to top (_NET_CLIENT_LIST_STACKING)."""
        d = self._xd
        prop = d.screen().root.get_full_property(d.intern_atom("_NET_CLIENT_LIST_STACKING"), 0)
        return [int(w) for w in prop.value] if prop is not None else []

    def geometry(self, wid: int) -> tuple[int, int, int, int]:
        """x, y (on the screen), width, height of a window's inside."""
        win = self._xd.create_resource_object("window", wid)
        g = win.get_geometry()
        pos = win.translate_coords(self._xd.screen().root, 0, 0)
        return -pos.x, -pos.y, g.width, g.height

    def pointer(self) -> tuple[int, int]:
        p = self._xd.screen().root.query_pointer()
        return p.root_x, p.root_y

    def move_pointer(self, x: int, y: int) -> None:
        """Move the pointer to (x, y) and wait until it is there (xdotool's --sync waits
        seconds when the pointer is there already)."""
        self.xdotool("mousemove", str(x), str(y))
        wait_for(lambda: self.pointer() == (x, y), what=f"the pointer at {x}, {y}")

    def click(self, x: int, y: int) -> None:
        self.move_pointer(x, y)
        self.xdotool("click", "1")

    def drag(self, points: list[tuple[int, int]], step_s: float = 0.01) -> None:
        """Press the left button at the first point, move through the others, release."""
        self.move_pointer(*points[0])
        args = ["mousedown", "1"]
        for x, y in points[1:]:
            args += ["sleep", str(step_s), "mousemove", str(x), str(y)]
        args += ["sleep", str(step_s), "mouseup", "1"]
        self.xdotool(*args)

    def screenshot(self, path: str | Path) -> Path:
        """The whole screen as a PNG (X GetImage on the root window; no extra tool)."""
        from PIL import Image
        from Xlib import X

        root = self._xd.screen().root
        g = root.get_geometry()
        raw = root.get_image(0, 0, g.width, g.height, X.ZPixmap, 0xFFFFFFFF)
        image = Image.frombytes("RGB", (g.width, g.height), raw.data, "raw", "BGRX")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path)
        return path
