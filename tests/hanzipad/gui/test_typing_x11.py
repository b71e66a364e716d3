"""End to end under a real X server and window manager (Xvfb + openbox): characters picked in
always-on-top mode arrive in another program that keeps the keyboard focus.

The second program is a Qt line edit in its own process (focus_holder.py) that writes its text
to a file at every change. Needs Xvfb, openbox and xdotool (``sh resources/system-deps.sh
--test``, which the README's test command runs); skipped only where they are not installed.
``HANZIPAD_X11_SCREENSHOTS=DIR`` also keeps the screenshots in DIR."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.hanzipad.gui.xsession import XSession, missing_tools, wait_for

if sys.platform != "linux":
    pytest.skip("X11 typing is tested on Linux", allow_module_level=True)
if missing_tools():
    pytest.skip(f"{', '.join(missing_tools())} not installed (sh resources/system-deps.sh --test)",
                allow_module_level=True)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]


@pytest.fixture(scope="module")
def xsession():
    with XSession() as session:
        yield session


class Holder:
    """The focus holder: a line edit in another process; :attr:`text` is what it holds now."""

    def __init__(self, session: XSession, out: Path, title: str):
        self.out = out
        self.proc = session.python(title, HERE / "focus_holder.py", str(out), title,
                                   PYTHONPATH=str(ROOT))
        self.wid = session.wait_window(title)
        wait_for(out.exists, what="the focus holder's first write")
        session.activate(self.wid)

    @property
    def text(self) -> str:
        try:
            return self.out.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""

    def wait_text(self, expected: str, timeout: float = 10.0) -> None:
        try:
            wait_for(lambda: self.text == expected, timeout, what=f"the text {expected!r}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the focused program holds {self.text!r}") from None

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def holder(xsession, tmp_path, request):
    h = Holder(xsession, tmp_path / "holder.txt", f"holder-{request.node.name[:40]}")
    yield h
    h.close()


def keep_screenshot(session: XSession, tmp_path: Path, name: str) -> Path:
    shot = session.screenshot(tmp_path / name)
    folder = os.environ.get("HANZIPAD_X11_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(folder) / name)
    return shot


def _keyboard_mapping(xsession) -> list:
    """The X server's keysyms, a list per keycode."""
    from Xlib import display

    d = display.Display(xsession.display_name)
    try:
        first = d.display.info.min_keycode
        return d.get_keyboard_mapping(first, d.display.info.max_keycode - first + 1)
    finally:
        d.close()


def test_xtest_types_chinese_and_keys_into_the_focused_program(xsession, holder, monkeypatch):
    from hanzipad.typist import XTestTypist, make_typist

    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "HANZIPAD_TYPIST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", xsession.display_name)
    typist = make_typist(lambda text: pytest.fail(f"clipboard used for {text!r}"))
    try:
        assert isinstance(typist, XTestTypist), typist.reason
        assert (typist.kind, typist.reason) == ("xtest", "")
        typist.type_text("中文")
        holder.wait_text("中文")
        typist.key("BackSpace")
        holder.wait_text("中")
        # keys of the keyboard (with and without Shift), Latin-1, a character outside the BMP
        typist.type_text("a B!é𠀀")
        holder.wait_text("中a B!é𠀀")
        typist.key("Left")
        typist.key("Left")
        typist.key("Delete")
        typist.key("space")
        holder.wait_text("中a B! 𠀀")
        assert xsession.focus_window() == holder.wid
    finally:
        typist.close()
    # the spare keycodes are empty again: no Unicode keysym left bound
    mapping = _keyboard_mapping(xsession)
    assert not [syms for syms in mapping if any(0x01000100 <= s <= 0x0110FFFF for s in syms)]


def test_xtest_types_more_distinct_characters_than_spare_keycodes(xsession, holder,
                                                                  monkeypatch):
    """40 different characters at once: more than the server's empty keycodes, so bound
    keycodes are reused (each after it has been unused for a while); none is lost."""
    from hanzipad.typist import make_typist

    text = "天地玄黄宇宙洪荒日月盈昃辰宿列张寒来暑往秋收冬藏闰余成岁律吕调阳云腾致雨露结为霜"
    mapping = _keyboard_mapping(xsession)
    assert len({*text}) > sum(1 for syms in mapping if not any(syms))
    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "HANZIPAD_TYPIST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", xsession.display_name)
    typist = make_typist(lambda text: pytest.fail("clipboard used"))
    try:
        typist.type_text(text)
        holder.wait_text(text, timeout=30)
    finally:
        typist.close()


def test_always_on_top_pad_types_picks_and_never_takes_the_focus(xsession, holder, tmp_path):
    pad = xsession.python("ontop-pad", HERE / "ontop_pad.py", "ontop-pad", "中文字",
                          PYTHONPATH=str(ROOT))
    try:
        wait_for(lambda: "ready" in xsession.log("ontop-pad") or pad.poll() is not None,
                 what="the stand-in pad")
        assert "ready xtest" in xsession.log("ontop-pad"), xsession.log("ontop-pad")
        wid = xsession.wait_window("ontop-pad")
        # the window manager never hands the pad the focus: input hint false, no WM_TAKE_FOCUS
        props = wait_for(lambda: (p := xsession.window_properties(wid))
                         and "WM_TAKE_FOCUS" not in p["protocols"] and p,
                         what="WM_TAKE_FOCUS to leave the pad's WM_PROTOCOLS")
        assert props["input"] is False
        assert "_NET_WM_STATE_ABOVE" in props["state"]
        xsession.activate(holder.wid)  # the pad was shown last; give the holder the focus again

        x, y, w, h = xsession.geometry(wid)
        buttons = [(x + w * (2 * i + 1) // 8, y + h // 2) for i in range(4)]  # 中 文 字 ⇅
        for i, expected in enumerate(("中", "中文", "中文字")):
            xsession.click(*buttons[i])
            holder.wait_text(expected)
            assert xsession.focus_window() == holder.wid
            assert xsession.active_window() == holder.wid
        assert xsession.log("ontop-pad").count("pick ") == 3
        keep_screenshot(xsession, tmp_path, "always-on-top-standin-typed.png")
        # on top: the focused program raised over it does not cover it
        xsession.xdotool("windowmove", str(holder.wid), str(x - 20), str(y - 20))
        xsession.xdotool("windowraise", str(holder.wid))
        time.sleep(0.3)
        assert xsession.stacking()[-1] == wid
        keep_screenshot(xsession, tmp_path, "always-on-top-standin-over.png")

        # off: an ordinary window again, which a click gives the focus; same place and size
        xsession.click(*buttons[3])
        wait_for(lambda: "on-top False" in xsession.log("ontop-pad"), what="the mode off")
        wid = wait_for(lambda: xsession.windows_named("ontop-pad") and
                       xsession.focus_window() in xsession.windows_named("ontop-pad") and
                       xsession.focus_window(), what="the pad to take the focus when off")
        assert xsession.geometry(wid) == (x, y, w, h)
        props = xsession.window_properties(wid)
        assert props["input"] is True and "_NET_WM_STATE_ABOVE" not in props["state"]
        # on again: the pad lets go of the focus and types into the holder once more
        xsession.click(*buttons[3])
        wait_for(lambda: "on-top True" in xsession.log("ontop-pad"), what="the mode on again")
        xsession.activate(holder.wid)
        xsession.click(*buttons[0])
        holder.wait_text("中文字中")
        assert xsession.focus_window() == holder.wid
    finally:
        pad.terminate()
        pad.wait(10)


class AppProbe:
    """The real app (hanzipad.cli.main) in another process, seen through app_probe.py."""

    def __init__(self, session: XSession, out: Path, *args: str, **env: str):
        self.out = out
        self.proc = session.python("hanzipad", HERE / "app_probe.py", str(out), *args,
                                   PYTHONPATH=str(ROOT), **env)
        self.session = session

    def state(self) -> dict | None:
        import json

        try:
            return json.loads(self.out.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return None

    def wait(self, predicate, timeout: float = 30.0, what: str = "the app"):
        def check():
            if self.proc.poll() is not None:
                raise AssertionError(f"hanzipad exited: {self.session.log('hanzipad')}")
            state = self.state()
            return state if state and predicate(state) else None

        try:
            return wait_for(check, timeout, what=what)
        except AssertionError as exc:
            state = self.state() or {}
            seen = {k: state.get(k) for k in ("text", "active_box", "on_top")}
            seen["candidates"] = [c["char"] for c in state.get("candidates", [])]
            raise AssertionError(f"{exc}; the app shows {seen}") from None

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def _centre(rect) -> tuple[int, int]:
    x, y, w, h = rect
    return x + w // 2, y + h // 2


def _stroke(rect, x0, y0, x1, y1, n: int = 12) -> list[tuple[int, int]]:
    """Fractions of a writing box -> screen points of a straight stroke."""
    x, y, w, h = rect
    return [(x + int(w * (x0 + (x1 - x0) * i / n)), y + int(h * (y0 + (y1 - y0) * i / n)))
            for i in range(n + 1)]


def test_hanzipad_always_on_top_types_a_drawn_character_into_the_focused_program(
        xsession, holder, tmp_path):
    """``hanzipad --always-on-top`` with the bundled model: a character drawn with the mouse
    and picked by a click arrives in the other program, which keeps the focus; the pad's ⌫
    takes it back out there too."""
    xsession.xdotool("windowmove", str(holder.wid), "820", "120")  # beside the pad, visible
    xsession.activate(holder.wid)
    app = AppProbe(xsession, tmp_path / "probe.json", "--always-on-top")
    try:
        state = app.wait(lambda s: s["ready"] and s["on_top"] and s["winid"],
                         what="hanzipad --always-on-top with its model loaded")
        assert state["typist"] == ["xtest", ""], state["typist"]
        wid = state["winid"]
        props = wait_for(lambda: (p := xsession.window_properties(wid))
                         and "WM_TAKE_FOCUS" not in p["protocols"] and p,
                         what="WM_TAKE_FOCUS to leave the pad's WM_PROTOCOLS")
        assert props["input"] is False and "_NET_WM_STATE_ABOVE" in props["state"]
        if xsession.focus_window() != holder.wid:  # the first show, before the flags
            xsession.activate(holder.wid)
        since = time.time()

        box = state["boxes"][state["active_box"]]
        xsession.drag(_stroke(box, 0.22, 0.5, 0.78, 0.5))  # 十: the horizontal stroke,
        xsession.drag(_stroke(box, 0.5, 0.18, 0.5, 0.85))  # then the vertical one
        try:
            state = app.wait(lambda s: "十" in [c["char"] for c in s["candidates"][:3]], 8,
                             what="十 among the candidates")
        except AssertionError:  # another model may rank it lower: pick its top candidate
            state = app.state()
        picked = next((c for c in state["candidates"] if c["char"] == "十"),
                      state["candidates"][0])
        assert picked["enabled"] and picked["char"], state["candidates"]
        keep_screenshot(xsession, tmp_path, "hanzipad-always-on-top-drawn.png")
        xsession.click(*_centre(picked["rect"]))
        holder.wait_text(picked["char"])
        app.wait(lambda s: s["text"] == picked["char"], 5, what="the pad's own copy")
        keep_screenshot(xsession, tmp_path, "hanzipad-always-on-top-typed.png")
        assert xsession.focus_window() == holder.wid
        assert xsession.active_window() == holder.wid

        # a second character in the other box, committed by a click on its candidate
        state = app.state()
        suggested = [c["char"] for c in state["candidates"]]  # what follows 十, not a drawing
        other = state["boxes"][1 - state["active_box"]]
        xsession.drag(_stroke(other, 0.15, 0.5, 0.85, 0.5))  # 一
        state = app.wait(lambda s: s["candidates"] and s["candidates"][0]["char"]
                         and [c["char"] for c in s["candidates"]] != suggested
                         and s["active_box"] != state["active_box"], 8,
                         what="the second box's candidates")
        xsession.click(*_centre(state["candidates"][0]["rect"]))
        two = picked["char"] + state["candidates"][0]["char"]
        holder.wait_text(two)
        # the first character re-picked in the pad: the program gets the same text
        state = app.wait(lambda s: s["text"] == two and len(s["chars"]) == 2, 5,
                         what="two characters in the pad")
        fixed = _pick_second(app, xsession, 0) + two[1:]
        holder.wait_text(fixed)
        app.wait(lambda s: s["text"] == fixed, 5, what="the pad's text re-picked")
        assert xsession.focus_window() == holder.wid

        # the re-pick ended the selection (the cursor is back at the end): select it again
        state = app.wait(lambda s: len(s["chars"]) == 2, 5, what="the pad's text")
        shown = [c["char"] for c in state["candidates"]]
        xsession.click(*state["chars"][0])
        app.wait(lambda s: [c["char"] for c in s["candidates"]] != shown
                 and len([c for c in s["candidates"] if c["enabled"]]) >= 2, 5,
                 what="the first character selected")
        xsession.click(*_centre(state["backspace"]))  # ⌫: the selected (first) character
        holder.wait_text(fixed[1:])
        xsession.click(*_centre(state["delete"]))  # ⌦: the one after the cursor
        holder.wait_text("")
        app.wait(lambda s: s["text"] == "", 5, what="the pad's text to be empty")
        assert xsession.focus_window() == holder.wid
        state = app.state()
        assert not state["active"] and not state["focus_window"]
        # Qt never saw the pad take the focus after the other program had it
        assert [c for c in state["focus_changes"] if c[0] >= since and c[1]] == []
    finally:
        app.close()


def _bundled_fonts_conf(folder: Path) -> Path:
    """A fontconfig file that knows the repository's own font only: Tk's text widget cannot
    start without a font, and a fresh machine (CI) may have none."""
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    f"<fontconfig><dir>{ROOT / 'resources' / 'fonts'}</dir>"
                    f"<cachedir>{folder / 'fc-cache'}</cachedir></fontconfig>\n",
                    encoding="utf-8")
    return conf


def _restored_text(path: Path, chars: str) -> None:
    """The settings of an earlier run that left ``chars`` in the pad (each with a second
    candidate to re-pick)."""
    import json

    from PySide6.QtCore import QSettings

    entries = [{"text": c, "kind": "char", "candidates": [[c, 0.9], ["天", 0.05], ["下", 0.01]]}
               for c in chars]
    s = QSettings(str(path), QSettings.Format.IniFormat)
    s.setValue("text/composed", json.dumps({"entries": entries, "cursor": len(entries)},
                                           ensure_ascii=False))
    s.sync()


def _pick_second(app: AppProbe, xsession: XSession, char_index: int) -> str:
    """Click character ``char_index`` of the pad's text, then its second candidate."""
    state = app.state()
    shown = [c["char"] for c in state["candidates"]]  # next-word suggestions, or the box's
    char = state["text"][char_index]
    xsession.click(*state["chars"][char_index])
    state = app.wait(lambda s: len([c for c in s["candidates"] if c["enabled"]]) >= 2
                     and [c["char"] for c in s["candidates"]] != shown
                     and char in [c["char"] for c in s["candidates"]], 5,
                     what=f"the candidates of {char}")
    choice = state["candidates"][1]
    xsession.click(*_centre(choice["rect"]))
    return choice["char"]


def test_always_on_top_never_deletes_text_it_did_not_type_here(xsession, tmp_path):
    """Issue 34's data loss, end to end in a Tk text widget: the pad restores an earlier
    run's text; the person types "Dear Li, " in the Tk window, then writes with the pad.
    Only the new character arrives; re-picking a restored character, or (after a click in
    the Tk window, or a focus change) the new one, changes the pad's copy only. Re-picked
    before any of that, the new character is fixed there with cursor keys."""
    _restored_text(tmp_path / "config" / "HanziPad" / "HanziPad.ini", "洪中国")
    out = tmp_path / "tk.txt"
    tk = xsession.python("tk-holder", HERE / "tk_holder.py", str(out), "tk-holder",
                         FONTCONFIG_FILE=str(_bundled_fonts_conf(tmp_path)))
    app = None
    try:
        wid = xsession.wait_window("tk-holder")
        wait_for(out.exists, what="the Tk window's first write")
        xsession.activate(wid)
        xsession.xdotool("type", "--delay", "20", "Dear Li, ")
        text = lambda: out.read_text(encoding="utf-8")  # noqa: E731
        wait_for(lambda: text() == "Dear Li, ", what="the typed greeting")
        xsession.xdotool("windowmove", str(wid), "820", "120")
        app = AppProbe(xsession, tmp_path / "probe.json", "--always-on-top",
                       XDG_CONFIG_HOME=str(tmp_path / "config"))
        state = app.wait(lambda s: s["ready"] and s["on_top"] and s["winid"],
                         what="hanzipad --always-on-top")
        assert state["text"] == "洪中国", state["text"]  # restored
        if xsession.focus_window() != wid:
            xsession.activate(wid)

        box = state["boxes"][state["active_box"]]
        suggested = [c["char"] for c in state["candidates"]]  # next words after the text
        xsession.drag(_stroke(box, 0.22, 0.5, 0.78, 0.5))
        xsession.drag(_stroke(box, 0.5, 0.18, 0.5, 0.85))
        time.sleep(0.5)  # the second stroke's candidates, not the first's
        state = app.wait(lambda s: s["candidates"] and s["candidates"][0]["enabled"]
                         and [c["char"] for c in s["candidates"]] != suggested, 8,
                         what="the drawing's candidates")
        xsession.click(*_centre(state["candidates"][0]["rect"]))
        first = app.wait(lambda s: len(s["text"]) == 4, 5, what="the commit")["text"][3]
        try:
            wait_for(lambda: text() == "Dear Li, " + first, what="the one new character")
        except AssertionError as exc:
            raise AssertionError(f"{exc}: the Tk window holds {text()!r}") from None
        app.wait(lambda s: s["text"] == "洪中国" + first, 5, what="the pad's copy")

        # a restored character re-picked: the pad's copy only
        repicked = _pick_second(app, xsession, 1)
        app.wait(lambda s: s["text"] == "洪" + repicked + "国" + first, 5, what="the re-pick")
        time.sleep(0.5)
        assert text() == "Dear Li, " + first
        keep_screenshot(xsession, tmp_path, "hanzipad-restored-text-left-alone.png")

        # its own character re-picked: fixed there (the cursor was where the pad left it)
        own = _pick_second(app, xsession, 3)
        try:
            wait_for(lambda: text() == "Dear Li, " + own, what="the pad's character re-picked")
        except AssertionError as exc:
            raise AssertionError(f"{exc}: Tk holds {text()!r}, the pad {app.state()['text']!r}"
                                 f"; log: {xsession.log('hanzipad')[-1500:]}") from None

        # a click in the Tk window (its cursor may move): the pad leaves it alone from now on
        x, y, w, h = xsession.geometry(wid)
        xsession.click(x + 8, y + 8)  # the start of the text
        again = _pick_second(app, xsession, 3)
        app.wait(lambda s: s["text"].endswith(again), 5, what="the pad's copy re-picked")
        time.sleep(0.5)
        assert text() == "Dear Li, " + own
        assert xsession.focus_window() == wid

        # a new character after that goes where the click put the Tk cursor (a new run) ...
        state = app.state()
        other_box = state["boxes"][1 - state["active_box"]]
        before = text()
        xsession.drag(_stroke(other_box, 0.15, 0.5, 0.85, 0.5))  # 一, committing nothing new
        state = app.wait(lambda s: s["candidates"] and s["candidates"][0]["enabled"]
                         and s["active_box"] != state["active_box"], 8, what="一's candidates")
        xsession.click(*_centre(state["candidates"][0]["rect"]))
        new = app.wait(lambda s: len(s["text"]) == 5, 5, what="the commit")["text"][4]
        try:
            wait_for(lambda: len(text()) == len(before) + 1
                     and text().replace(new, "", 1) == before,
                     what="the new character at the Tk cursor")
        except AssertionError as exc:
            raise AssertionError(f"{exc}: Tk holds {text()!r}") from None
        after = text()
        # ... and another window taking the focus ends that run too
        other = xsession.python("tk-other", HERE / "tk_holder.py", str(tmp_path / "o.txt"),
                                "tk-other", FONTCONFIG_FILE=str(tmp_path / "fonts.conf"))
        try:
            other_wid = xsession.wait_window("tk-other")
            xsession.activate(other_wid)
            xsession.activate(wid)
            _pick_second(app, xsession, 4)
            app.wait(lambda s: s["text"][4] != new, 5, what="the pad's copy re-picked")
            time.sleep(0.5)
            assert text() == after and (tmp_path / "o.txt").read_text() == ""
        finally:
            other.terminate()
            other.wait(10)
    finally:
        if app is not None:
            app.close()
        tk.terminate()
        tk.wait(10)


def test_xtest_edits_only_an_unbroken_run(xsession, holder, tmp_path, monkeypatch):
    """The typist's own check, just before it sends an edit: the same window in focus and no
    key or click by anyone else since the run began; else the edit is dropped whole and the
    run is reported broken. New text is always typed."""
    from hanzipad.output import Batch
    from hanzipad.typist import make_typist

    for name in ("WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "HANZIPAD_TYPIST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", xsession.display_name)
    typist = make_typist(lambda text: pytest.fail("clipboard used"))
    broken = []
    typist.on_run_broken = lambda run, dropped: broken.append((run, dropped))
    second = Holder(xsession, tmp_path / "second.txt", "second-holder")
    try:
        assert typist.can_edit
        xsession.activate(holder.wid)
        typist.send(Batch(1, False, [("text", "中文字")]))
        holder.wait_text("中文字")
        typist.send(Batch(1, True, [("key", "Left"), ("key", "BackSpace"), ("text", "天")]))
        holder.wait_text("中天字")
        assert broken == []
        # the focus goes elsewhere and comes back: run 1 is over
        xsession.activate(second.wid)
        xsession.activate(holder.wid)
        typist.send(Batch(1, True, [("key", "BackSpace")]))
        typist.send(Batch(1, False, [("text", "人")]))  # new text still arrives
        holder.wait_text("中天人字")
        assert broken[0] == (1, True)
        # a key typed by the person in the program: run 2 is over
        typist.send(Batch(2, False, [("text", "口")]))
        holder.wait_text("中天人口字")
        xsession.xdotool("type", "a")
        holder.wait_text("中天人口a字")
        typist.send(Batch(2, True, [("key", "BackSpace"), ("key", "BackSpace")]))
        typist.flush()
        time.sleep(0.3)
        assert holder.text == "中天人口a字" and (2, True) in broken
    finally:
        typist.close()
        second.close()
