"""Writing text, not characters (issue 10): two boxes written in turn, commits without
picking, Backspace / Delete / Space / Enter, undo of a commit, re-picking a committed
character, context, pinyin, always-on-top typing, the text kept across restarts."""

from __future__ import annotations

import sys
import threading
import types

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from hanzipad.ink import Ink
from hanzipad.typist import Typist
from tests.hanzipad.gui.conftest import line

CTRL = Qt.KeyboardModifier.ControlModifier


def _gate_recognizer(monkeypatch):
    """Hold the recognition worker on its next ink until ``gate`` is set; ``started`` is set
    once it is held. Returns (gate, started)."""
    import hanzipad.gui.worker as worker

    real, gate, started = worker.rasterize, threading.Event(), threading.Event()

    def gated(ink):
        started.set()
        gate.wait(5)
        return real(ink)

    monkeypatch.setattr(worker, "rasterize", gated)
    return gate, started


def _stub_on_top(monkeypatch, record=lambda on: None):
    """Window flags are not this module's business: hanzipad.gui.ontop records the calls."""
    ontop = types.ModuleType("hanzipad.gui.ontop")
    ontop.set_always_on_top = lambda w, on: record(on)
    monkeypatch.setitem(sys.modules, "hanzipad.gui.ontop", ontop)


def shi(box):
    """十: two strokes."""
    line(box, 0.2, 0.5, 0.8, 0.5)
    line(box, 0.5, 0.2, 0.5, 0.8)


def yi(box):
    """一: one stroke."""
    line(box, 0.15, 0.5, 0.85, 0.5)


def ren(box):
    """人: two strokes."""
    line(box, 0.5, 0.2, 0.25, 0.8)
    line(box, 0.5, 0.35, 0.75, 0.8)


def shown(window, qtbot, draw):
    """Draw with ``draw`` (the last stroke's candidates are waited for)."""
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        draw()
    return window.candidate_bar.candidates()


def top_of(entry, bundle) -> str:
    """The recognizer's top candidate for the ink an entry was written with, on its own."""
    from hanzipad.raster import rasterize
    from hanzipad.recognizer import Recognizer

    content = entry.ink
    ink = Ink(list(content.strokes), *content.ink_size)
    return Recognizer(bundle).classify(rasterize(ink), 1)[0].char


def settle(window, qtbot):
    """Wait until no commit waits for its candidates."""
    qtbot.waitUntil(lambda: not window.writing._pending, timeout=5000)


def test_three_characters_in_a_row_without_picking(window, qtbot, tiny_bundle):
    a, b = window.boxes
    assert window.canvas is a and a.is_active() and not b.is_active()
    shown(window, qtbot, lambda: shi(a))
    yi(b)  # starting in the other box commits 十's top candidate and clears its box
    assert a.is_empty() and window.canvas is b and b.is_active() and not a.is_active()
    ren(a)  # at once, while 一 may still be recognized: committed when its candidates come
    assert b.is_empty() and window.canvas is a
    settle(window, qtbot)
    assert len(window.composition) == 2
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)  # commits the last one (when known)
    settle(window, qtbot)
    entries = window.composition.entries
    assert len(entries) == 3 and a.is_empty() and b.is_empty()
    # each character was recognized from its own strokes: nothing merged
    assert [len(e.ink.strokes) for e in entries] == [2, 1, 2]
    assert [e.text for e in entries] == [top_of(e, tiny_bundle) for e in entries]
    assert window.text.text() == "".join(e.text for e in entries)
    assert all(len(e.candidates) == 10 for e in entries)


def test_undo_takes_back_a_commit_in_one_step(window, qtbot):
    a, b = window.boxes
    shown(window, qtbot, lambda: shi(a))
    shi_strokes = a.strokes()
    shown(window, qtbot, lambda: yi(b))
    committed = window.text.text()
    assert len(committed) == 1 and len(b.strokes()) == 1
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)  # 一's stroke
    assert b.is_empty() and window.text.text() == committed
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)  # the commit: text and box together
    assert window.text.text() == "" and a.strokes() == shi_strokes
    assert window.canvas is a and a.is_active()
    QTest.keyClick(window.canvas, Qt.Key.Key_Y, CTRL)
    assert window.text.text() == committed and a.is_empty() and window.canvas is b
    # a pick, too, is one step: the character leaves, the ink comes back
    shown(window, qtbot, lambda: yi(b))
    pick = window.candidate_bar.candidates()[1].char
    QTest.keyClick(window.canvas, Qt.Key.Key_2)
    assert window.text.text() == committed + pick and b.is_empty()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert window.text.text() == committed and len(b.strokes()) == 1


def test_backspace_removes_a_stroke_then_characters(window, qtbot):
    a, b = window.boxes
    shown(window, qtbot, lambda: shi(a))
    shown(window, qtbot, lambda: yi(b))
    first = window.text.text()
    line(b, 0.5, 0.2, 0.5, 0.8)
    assert len(b.strokes()) == 2
    QTest.keyClick(window.canvas, Qt.Key.Key_Backspace)  # ink in the box: its last stroke
    assert len(b.strokes()) == 1 and window.text.text() == first
    window.backspace_button.click()  # the button does the same
    assert b.is_empty() and window.text.text() == first
    QTest.keyClick(window.canvas, Qt.Key.Key_Backspace)  # box empty: the character
    assert window.text.text() == ""
    QTest.keyClick(window.canvas, Qt.Key.Key_Backspace)  # nothing left: nothing happens
    assert window.text.text() == ""
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)  # each was an undo step
    assert window.text.text() == first and b.is_empty()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert len(b.strokes()) == 1


def test_space_and_enter_commit_or_type(window, qtbot):
    a, b = window.boxes
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)  # nothing written: a space
    assert window.text.text() == " "
    top = shown(window, qtbot, lambda: shi(a))[0].char
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)  # ink: commits its top candidate
    assert window.text.text() == " " + top and a.is_empty()
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)  # nothing pending: a line break
    assert window.text.text() == " " + top + "\n"
    top2 = shown(window, qtbot, lambda: yi(a))[0].char
    window.space_button.click()
    window.enter_button.click()
    assert window.text.text() == " " + top + "\n" + top2 + "\n"
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert window.text.text() == " " + top + "\n" + top2
    window.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == " " + top + "\n" + top2


def test_delete_clears_the_box_or_the_character_after_the_cursor(window, qtbot):
    a, b = window.boxes
    shown(window, qtbot, lambda: shi(a))
    QTest.keyClick(window.canvas, Qt.Key.Key_Delete)  # ink: the whole box
    assert a.is_empty() and window.text.text() == ""
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert len(a.strokes()) == 2
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)  # commits (once recognized)
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)  # a space
    settle(window, qtbot)
    text = window.text.text()
    assert len(text) == 2 and text[1] == " "
    window.composition.set_cursor(0)
    window.delete_button.click()
    assert window.text.text() == text[1:]


def _click_char(window, qtbot, offset):
    rect = window.text.char_rect(offset)
    QTest.mouseClick(window.text.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, rect.center().toPoint())


def test_clicking_a_committed_character_offers_its_candidates_again(window, qtbot):
    a, b = window.boxes
    first = shown(window, qtbot, lambda: shi(a))
    shown(window, qtbot, lambda: yi(b))
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)
    settle(window, qtbot)
    text = window.text.text()
    assert len(text) == 2 and text[0] == first[0].char
    _click_char(window, qtbot, 0)
    assert window.composition.selected == 0
    assert [c.char for c in window.candidate_bar.candidates()] == [c.char for c in first]
    QTest.keyClick(window.canvas, Qt.Key.Key_3)  # picking replaces it
    assert window.text.text() == first[2].char + text[1]
    assert window.composition.entries[0].candidates[0][0] == first[0].char  # list kept
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert window.text.text() == text
    QTest.keyClick(window.canvas, Qt.Key.Key_Y, CTRL)
    assert window.text.text() == first[2].char + text[1]
    # Backspace with a selected character deletes it
    _click_char(window, qtbot, 0)
    QTest.keyClick(window.canvas, Qt.Key.Key_Backspace)
    assert window.text.text() == text[1]
    # a click beside the text moves the cursor to the end and ends the selection
    vp = window.text.viewport()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     vp.rect().bottomRight() - vp.rect().topLeft() / 2 - vp.rect().center() / 4)
    assert window.composition.selected is None


def test_commits_wait_for_candidates_in_their_places(window, qtbot, monkeypatch, tiny_bundle):
    """The recognizer is busy while the next characters are written: each committed
    character is filled in when its candidates arrive, in the order written."""

    gate, started = _gate_recognizer(monkeypatch)
    a, b = window.boxes
    shi(a)
    assert started.wait(5)  # the worker is stuck on 十
    yi(b)  # 十 committed, unknown yet
    ren(a)  # 一 too
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)  # and 人
    assert a.is_empty() and b.is_empty()
    assert window.text.text() == "" and len(window.composition) == 3
    gate.set()
    settle(window, qtbot)
    entries = window.composition.entries
    assert [len(e.ink.strokes) for e in entries] == [2, 1, 2]
    assert [e.text for e in entries] == [top_of(e, tiny_bundle) for e in entries]
    assert window.text.text() == "".join(e.text for e in entries)
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)  # 人 back into its box
    assert len(window.text.text()) == 2 and len(a.strokes()) == 2


class FakeLexicon:
    def __init__(self):
        self.rerank_calls = []

    def next_words(self, before, n=10):
        return ["们", "的人"][:n] if before else []

    def rerank(self, before, candidates):
        self.rerank_calls.append(before)
        return list(reversed(candidates))


class FakeReadings:
    def pinyin(self, char):
        return ["háng", "xíng", "hàng"] if char == "行" else ["pīn"]

    def gloss(self, char):
        return "to walk; row" if char == "行" else f"gloss of {char}"


def test_context_reranks_suggests_and_shows_pinyin(window, qtbot):
    lexicon = FakeLexicon()
    window.writing.set_context(lexicon, FakeReadings())
    a, b = window.boxes
    raw = window.writing.rerank  # re-ranked with the text before the cursor
    cands = shown(window, qtbot, lambda: shi(a))
    assert lexicon.rerank_calls[-1] == "" and raw is not None
    top = cands[0].char
    QTest.keyClick(window.canvas, Qt.Key.Key_1)
    assert window.text.text() == top
    # the box is empty after a commit: next-word suggestions, no probabilities
    bar = window.candidate_bar
    assert [c.char for c in bar.candidates()] == ["们", "的人"]
    assert not bar.buttons[0].show_prob and bar.buttons[1].pinyin == "pīn pīn"
    bar.buttons[1].click()  # picking one appends it
    assert window.text.text() == top + "的人"
    QTest.keyClick(window.canvas, Qt.Key.Key_2)  # a digit is typed, never picks a suggestion
    assert window.text.text() == top + "的人2"
    window.undo_stack.undo()
    cands = shown(window, qtbot, lambda: yi(a))
    assert lexicon.rerank_calls[-1] == top + "的人"
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)  # the word, as one step
    assert window.text.text() == top
    # pinyin under each candidate (a polyphonic one: its common readings), gloss in the
    # tooltip and in the More panel
    from hanzipad.recognizer import Candidate

    bar.set_candidates([Candidate("行", 0.6), Candidate("十", 0.3)])
    assert bar.buttons[0].pinyin == "háng/xíng"
    tip = bar.buttons[0].toolTip().replace("\xa0", " ")
    assert "to walk; row" in tip and "háng/xíng" in tip
    bar.set_expanded(True)
    assert bar.gloss_label.isVisible() and "行  háng/xíng  to walk; row" in bar.gloss_label.text()


def test_without_context_candidates_are_the_recognizers(window, qtbot, tiny_bundle):
    from hanzipad.raster import rasterize
    from hanzipad.recognizer import Recognizer

    cands = shown(window, qtbot, lambda: shi(window.boxes[0]))
    expected = Recognizer(tiny_bundle).classify(rasterize(window.canvas.ink()), 10)
    assert [c.char for c in cands] == [c.char for c in expected]
    assert window.candidate_bar.buttons[0].pinyin == ""
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)
    assert window.candidate_bar.candidates() == []  # no suggestions without a lexicon


def test_broken_context_data_leaves_the_pad_working(make_window, tiny_bundle, qtbot,
                                                    monkeypatch):
    from hanzipad.gui.window import MainWindow
    from hanzipad.lexicon import Lexicon

    def broken(folder=None):
        raise ValueError("lexicon.tsv line 3: not a count")

    monkeypatch.setattr(Lexicon, "load", broken)

    window = MainWindow(tiny_bundle)
    qtbot.addWidget(window)
    threads = []
    window.contextLoaded.connect(lambda: threads.append(threading.current_thread()))
    with qtbot.waitSignal(window.contextLoaded, timeout=10000):
        window.show()
    assert threads == [threading.main_thread()]  # loaded in a thread, used in the UI's
    qtbot.waitUntil(lambda: window.recognition.ready, timeout=10000)
    assert window.writing.lexicon is None
    assert "not a count" in window.statusBar().currentMessage()
    shown(window, qtbot, lambda: shi(window.boxes[0]))
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)
    assert len(window.text.text()) == 1


def test_real_lexicon_and_readings_load_after_the_window(make_window, tiny_bundle, qtbot):
    pytest.importorskip("hanzipad.lexicon")
    pytest.importorskip("hanzipad.readings")
    from hanzipad.gui.window import MainWindow

    window = MainWindow(tiny_bundle)
    qtbot.addWidget(window)
    assert window.writing.lexicon is None  # not on the start-up path
    with qtbot.waitSignal(window.contextLoaded, timeout=20000):
        window.show()
    assert window.writing.lexicon is not None and window.writing.readings is not None
    assert "xíng" in window.writing.readings.pinyin("行")


def test_text_is_kept_across_restarts(make_window, tiny_bundle, qtbot):
    first = make_window(tiny_bundle)
    cands = shown(first, qtbot, lambda: shi(first.boxes[0]))
    QTest.keyClick(first.canvas, Qt.Key.Key_Space)
    QTest.keyClick(first.canvas, Qt.Key.Key_Return)
    text = first.text.text()
    first.close()
    second = make_window(tiny_bundle)
    assert second.text.text() == text == cands[0].char + "\n"
    _click_char(second, qtbot, 0)  # its candidates were kept too
    assert [c.char for c in second.candidate_bar.candidates()] == [c.char for c in cands]


class FakeTypist(Typist):
    """Records what would be typed; it can tell a broken run (as XTest with XInput 2 can)
    unless ``can_edit`` is set False; :meth:`break_run` acts as a click in the program."""

    kind = "clipboard"
    reason = "no X display (DISPLAY is not set)"
    can_edit = True

    def __init__(self):
        self.sent = []
        self.batches = []
        self._anchors = {}
        self._foreign = 0

    def send(self, batch):
        self.batches.append(batch)
        anchor = self._anchors.setdefault(batch.run, self._foreign)
        if anchor != self._foreign or not self.can_edit:
            self._anchors[batch.run] = None
            if batch.edits:
                self._broken(batch.run, True)
                return
        super().send(batch)

    def break_run(self):
        self._foreign += 1

    def type_text(self, text):
        self.sent.append(("text", text))

    def key(self, name):
        self.sent.append(("key", name))

    def close(self):
        self.sent.append(("closed",))


def test_always_on_top_types_into_the_focused_program(window, qtbot, monkeypatch):
    calls = []
    _stub_on_top(monkeypatch, calls.append)
    typist = window.writing.typist = FakeTypist()
    window.on_top_action.trigger()  # View > Always on top
    assert window.always_on_top and calls == [True]
    assert "no X display" in window.statusBar().currentMessage()  # the fallback, said once
    a, b = window.boxes
    top = shown(window, qtbot, lambda: shi(a))[0].char
    yi(b)  # an auto-commit is typed
    settle(window, qtbot)
    assert typist.sent == [("text", top)]
    window.backspace_button.click()  # a stroke: the pad only
    assert typist.sent == [("text", top)]
    window.space_button.click()
    window.enter_button.click()
    window.backspace_button.click()  # the line break, there too
    assert typist.sent[1:] == [("key", "space"), ("key", "Return"), ("key", "BackSpace")]
    window.undo_stack.undo()  # the line break comes back
    assert typist.sent[-1] == ("key", "Return")
    window.statusBar().clearMessage()
    window.on_top_action.trigger()
    window.on_top_action.trigger()
    assert calls == [True, False, True]
    assert window.statusBar().currentMessage() == ""  # not said twice
    # off: nothing goes out
    window.set_always_on_top(False)
    before = list(typist.sent)
    window.space_button.click()
    assert typist.sent == before
    window.close()  # the typist lets go of the display (XTest: keysyms put back)
    assert typist.sent[-1] == ("closed",)


class Program:
    """A text editor as the focused program: ``text`` with a cursor, keys as editors do them.
    ``before`` is text it held before the pad typed (the person's own)."""

    def __init__(self, before: str = ""):
        self.text, self.cursor = before, len(before)

    def play(self, sent) -> str:
        for kind, *value in sent:
            if kind == "text":
                self.type(value[0])
            elif kind == "key":
                name = value[0]
                if name == "BackSpace" and self.cursor:
                    self.text = self.text[:self.cursor - 1] + self.text[self.cursor:]
                    self.cursor -= 1
                elif name == "Delete":
                    self.text = self.text[:self.cursor] + self.text[self.cursor + 1:]
                elif name == "Left":
                    self.cursor = max(0, self.cursor - 1)
                elif name == "Right":
                    self.cursor = min(len(self.text), self.cursor + 1)
                elif name in ("space", "Return"):
                    self.type({"space": " ", "Return": "\n"}[name])
        return self.text

    def type(self, text: str) -> None:
        self.text = self.text[:self.cursor] + text + self.text[self.cursor:]
        self.cursor += len(text)


def _program_text(sent, before: str = "") -> str:
    return Program(before).play(sent)


def _write_four(window, qtbot):
    """十 一 (Space) 十 (Enter) and a space: four entries, all typed."""
    a, b = window.boxes
    shown(window, qtbot, lambda: shi(a))
    yi(b)  # commits a's character
    settle(window, qtbot)
    window.space_button.click()  # commits b's
    shown(window, qtbot, lambda: shi(a))
    window.enter_button.click()  # commits a's again
    window.space_button.click()  # and a space
    settle(window, qtbot)
    return window.text.text()


def test_always_on_top_fixes_an_earlier_character_there_too(window, qtbot, monkeypatch):
    """Re-picking or deleting a character before the last one: the focused program ends up
    with the pad's text, with the fewest keys (cursor keys, not erasing and retyping), and
    the cursor goes back where it was (new writing lands at the end, there and here)."""
    _stub_on_top(monkeypatch)
    typist = window.writing.typist = FakeTypist()
    window.set_always_on_top(True)
    text = _write_four(window, qtbot)
    assert len(text) == 4 and text[-1] == " " and _program_text(typist.sent) == text
    _click_char(window, qtbot, 0)
    cands = [c.char for c in window.candidate_bar.candidates()]
    before = len(typist.sent)
    window.candidate_bar.pick(1)  # the first character re-picked
    assert window.text.text() == cands[1] + text[1:]
    assert typist.sent[before:] == [("key", "Left")] * 3 + [("key", "BackSpace"),
                                                             ("text", cands[1])]
    assert _program_text(typist.sent) == window.text.text()
    comp = window.composition
    assert comp.selected is None and comp.cursor == 4  # back at the end, where it was
    a = window.canvas
    shown(window, qtbot, lambda: yi(a))
    window.space_button.click()  # the next character goes after the last, not after the first
    settle(window, qtbot)
    fixed = window.text.text()
    assert fixed.startswith(cands[1] + text[1:]) and len(fixed) == 5
    assert _program_text(typist.sent) == fixed
    window.undo_stack.undo()  # the commit (its ink back in the box)
    window.undo_stack.undo()  # its stroke
    window.undo_stack.undo()  # the old first character comes back, there too
    assert _program_text(typist.sent) == window.text.text() == text
    _click_char(window, qtbot, 1)
    window.delete_button.click()  # the second character deleted
    assert window.text.text() == text[0] + text[2:]
    assert _program_text(typist.sent) == window.text.text()
    window.undo_stack.undo()
    assert _program_text(typist.sent) == window.text.text() == text
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)  # no selection
    QTest.keyClick(window.canvas, Qt.Key.Key_Home)  # the cursor before the first character
    window.backspace_button.click()  # nothing before it: nothing taken, here or there
    assert _program_text(typist.sent) == window.text.text() == text


def test_always_on_top_never_touches_text_it_did_not_type_in_this_run(
        make_window, tiny_bundle, qtbot, monkeypatch):
    """Issue 34's data loss: the pad restores the last run's text; the person typed
    "Dear Li, " in another program and writes one character there with the pad. Only that
    character arrives; re-picking or deleting a restored character changes the pad's copy
    only, and says so."""
    _stub_on_top(monkeypatch)
    first = make_window(tiny_bundle)
    _write_four(first, qtbot)
    restored = first.text.text()
    first.close()
    window = make_window(tiny_bundle)
    assert window.text.text() == restored
    typist = window.writing.typist = FakeTypist()
    window.set_always_on_top(True)
    program = Program("Dear Li, ")
    a = window.canvas
    new = shown(window, qtbot, lambda: shi(a))[0].char
    window.space_button.click()
    settle(window, qtbot)
    assert typist.sent == [("text", new)]
    assert program.play(typist.sent) == "Dear Li, " + new
    for offset in (0, 2):  # a restored character re-picked, then one deleted
        _click_char(window, qtbot, offset)
        window.candidate_bar.pick(1)
        assert window.text.text() != restored + new
        assert "pad only" in window.statusBar().currentMessage()
    _click_char(window, qtbot, 1)
    window.backspace_button.click()
    assert len(window.text.text()) == len(restored)
    QTest.keyClick(window.canvas, Qt.Key.Key_End)
    window.backspace_button.click()  # its own character: taken back there too
    assert [b.edits for b in typist.batches] == [False, True]
    assert Program("Dear Li, ").play(typist.sent) == "Dear Li, "


def test_always_on_top_leaves_the_text_alone_once_the_program_was_used(window, qtbot,
                                                                      monkeypatch):
    """A click or key in the other program (or another program in focus) ends the run: a
    re-pick then changes the pad's copy only; new characters are still typed, at the
    program's cursor."""
    _stub_on_top(monkeypatch)
    typist = window.writing.typist = FakeTypist()
    window.set_always_on_top(True)
    text = _write_four(window, qtbot)
    sent = len(typist.sent)
    typist.break_run()  # the person clicked into the program
    _click_char(window, qtbot, 0)
    window.candidate_bar.pick(1)
    assert len(typist.sent) == sent  # no key went out
    assert window.text.text() != text and "pad only" in window.statusBar().currentMessage()
    a = window.canvas
    new = shown(window, qtbot, lambda: yi(a))[0].char
    window.space_button.click()
    settle(window, qtbot)
    assert typist.sent[sent:] == [("text", new)]  # typed where the program's cursor is
    window.backspace_button.click()  # a new run: its own character can be taken back
    assert typist.sent[-1] == ("key", "BackSpace")
    # without a way to tell (no XInput 2, the clipboard), it never edits
    typist.can_edit = False
    window.set_always_on_top(False)
    window.set_always_on_top(True)
    shown(window, qtbot, lambda: yi(a))
    window.space_button.click()
    settle(window, qtbot)
    sent = len(typist.sent)
    window.backspace_button.click()
    assert len(typist.sent) == sent


def test_writing_over_a_selected_character_replaces_it(window, qtbot, monkeypatch):
    _stub_on_top(monkeypatch)
    typist = window.writing.typist = FakeTypist()
    window.set_always_on_top(True)
    text = _write_four(window, qtbot)
    _click_char(window, qtbot, 0)
    a = window.canvas
    top = shown(window, qtbot, lambda: yi(a))[0].char
    assert window.text.extraSelections()  # what the ink replaces stays marked
    window.space_button.click()
    settle(window, qtbot)
    assert window.text.text() == top + text[1:]
    assert window.composition.cursor == 1
    assert _program_text(typist.sent) == window.text.text()
    window.undo_stack.undo()  # one step brings the old character back
    assert window.text.text() == text and _program_text(typist.sent) == text


def test_cli_always_on_top_flag(monkeypatch):
    from hanzipad import cli
    from hanzipad.gui import app
    from hanzipad.gui.window import MainWindow

    seen = {}
    monkeypatch.setattr(app, "main", lambda files, model: seen.update(
        on_top=MainWindow.start_on_top, files=files) or 0)
    monkeypatch.setattr(MainWindow, "start_on_top", False)
    assert cli.main(["--always-on-top", "x.png"]) == 0
    assert seen == {"on_top": True, "files": ["x.png"]}


def test_a_commit_that_cannot_be_recognized_leaves_no_empty_entry(window, qtbot, monkeypatch):
    import hanzipad.gui.worker as worker

    def broken(ink):
        raise RuntimeError("rasterizer broke")

    monkeypatch.setattr(worker, "rasterize", broken)
    a, b = window.boxes
    with qtbot.waitSignal(window.recognition.error, timeout=5000):
        shi(a)
    yi(b)  # 十 cannot be recognized: committed pending, then dropped
    settle(window, qtbot)
    assert len(window.composition) == 0 and window.text.text() == ""
    assert "rasterizer broke" in window.statusBar().currentMessage()
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)  # its ink comes back all the same
    assert len(a.strokes()) == 2 and window.canvas is a


def test_cursor_keys_escape_and_clear_text(window, qtbot):
    for _ in range(3):
        QTest.keyClick(window.canvas, Qt.Key.Key_Space)
    QTest.keyClick(window.canvas, Qt.Key.Key_Return)
    comp = window.composition
    assert window.text.text() == "   \n" and comp.cursor == 4
    QTest.keyClick(window.canvas, Qt.Key.Key_Left)
    QTest.keyClick(window.canvas, Qt.Key.Key_Left)
    assert comp.cursor == 2 and window.text.cursor_offset() == 2
    QTest.keyClick(window.canvas, Qt.Key.Key_Home)
    QTest.keyClick(window.canvas, Qt.Key.Key_Left)  # stays at the start
    assert comp.cursor == 0
    QTest.keyClick(window.canvas, Qt.Key.Key_End)
    QTest.keyClick(window.canvas, Qt.Key.Key_Right)
    assert comp.cursor == 4
    _click_char(window, qtbot, 1)
    assert comp.selected == 1
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)  # empty box: the selection ends
    assert comp.selected is None and comp.cursor == 2
    QTest.keyClick(window.canvas, Qt.Key.Key_Backspace, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.text.text() == ""
    QTest.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    assert window.text.text() == "   \n"


def test_delete_with_a_selected_character_deletes_it(window, qtbot):
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Space):
        QTest.keyClick(window.canvas, key)
    _click_char(window, qtbot, 0)
    assert window.composition.selected == 0
    window.delete_button.click()
    assert window.text.text() == "\n " and window.composition.cursor == 0


def test_always_on_top_types_in_the_order_written(window, qtbot, monkeypatch):
    """A character committed before its candidates came is typed when they come, and what
    was committed after it waits for it."""

    _stub_on_top(monkeypatch)
    typist = window.writing.typist = FakeTypist()
    window.set_always_on_top(True)
    gate, started = _gate_recognizer(monkeypatch)
    a, b = window.boxes
    shi(a)
    assert started.wait(5)
    yi(b)  # 十 committed, not known yet
    window.backspace_button.click()  # 一's stroke (the pad only)
    window.space_button.click()  # a space after 十
    assert typist.sent == [] and window.text.text() == " "
    gate.set()
    settle(window, qtbot)
    first = window.composition.entries[0].text
    assert window.text.text() == first + " "
    assert typist.sent == [("text", first), ("key", "space")]


def test_ink_in_a_box_survives_a_restart(make_window, tiny_bundle, qtbot):
    first = make_window(tiny_bundle)
    a, b = first.boxes
    shown(first, qtbot, lambda: shi(a))
    yi(b)  # a's character committed, b holds 一
    settle(first, qtbot)
    ink = b.content().strokes
    text = first.text.text()
    first.close()
    second = make_window(tiny_bundle)
    assert second.text.text() == text
    assert second.boxes[1].content().strokes == ink and second.canvas is second.boxes[1]
    assert second.boxes[0].content().is_empty()
    second.candidate_bar.pick(0)  # its candidates are there: it can be committed
    assert len(second.text.text()) == len(text) + 1


def test_unreadable_box_ink_is_dropped(make_window, tiny_bundle):
    from hanzipad.gui import settings

    for bad in ("[" * 100_000, '{"boxes": [{"strokes": [[[1e999, 2]]]}]}',
                '{"boxes": [{"strokes": [[[' + "9" * 5000 + ', 2]]]}]}', '{"boxes": 3}',
                '{"active": true, "boxes": [null, {"strokes": "x"}]}'):
        settings.set_box_ink(bad)
        window = make_window(tiny_bundle)
        assert all(box.content().is_empty() for box in window.boxes)
        window.close()


def test_always_on_top_never_sends_a_bare_backspace_or_delete(window, qtbot, monkeypatch):
    """With nothing of the pad's there, ⌫ and ⌦ send nothing: the focused program's text is
    not the pad's to delete (issue 34)."""
    _stub_on_top(monkeypatch)
    typist = window.writing.typist = FakeTypist()
    window.set_always_on_top(True)
    window.backspace_button.click()
    window.delete_button.click()
    window.space_button.click()  # the pad's own space: typed, then taken back by ⌫
    window.backspace_button.click()
    window.backspace_button.click()  # nothing left of the pad's: nothing sent
    window.delete_button.click()
    assert typist.sent == [("key", "space"), ("key", "BackSpace")]
