"""The symbol bar and keyboard characters typed into the pad's text (issue 34 point 3)."""

from __future__ import annotations

import sys
import types

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from hanzipad.gui.symbols import keyboard_symbol
from tests.hanzipad.gui.conftest import line


def test_keyboard_characters_map_like_a_chinese_input_method():
    assert [keyboard_symbol(c, "") for c in ",.?!:;\\"] == list("，。？！：；、")
    assert keyboard_symbol("7", "") == "7" and keyboard_symbol("A", "") == "A"
    assert keyboard_symbol('"', "说") == "“" and keyboard_symbol('"', "说“好") == "”"
    assert keyboard_symbol("'", "‘a’") == "‘"
    assert keyboard_symbol(" ", "") is None and keyboard_symbol("\x08", "") is None
    assert keyboard_symbol("", "") is None


def test_one_click_each_pairs_as_pairs(window, qtbot):
    bar = window.symbol_bar
    bar.buttons["，"].click()
    bar.buttons["《》"].click()  # a pair: the cursor goes between the marks
    assert window.text.text() == "，《》" and window.composition.cursor == 2
    bar.show_group(1)
    bar.buttons["3"].click()
    bar.show_group(2)
    bar.buttons["A"].click()
    assert window.text.text() == "，《3A》"
    window.undo_stack.undo()
    window.undo_stack.undo()
    window.undo_stack.undo()  # the pair was one step
    assert window.text.text() == "，"


def test_the_keyboard_types_when_the_box_is_empty(window, qtbot):
    window.writing.set_context(None, None)
    QTest.keyClicks(window.canvas, "hi")
    QTest.keyClicks(window.canvas, ",")
    QTest.keyClick(window.canvas, Qt.Key.Key_1)  # nothing to pick: the digit
    QTest.keyClicks(window.canvas, "A")
    assert window.text.text() == "hi，1A"
    # with ink in the box, digits pick and letters do not type
    a = window.canvas
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        line(a, 0.15, 0.5, 0.85, 0.5)
    top = window.candidate_bar.candidates()[0].char
    QTest.keyClick(window.canvas, Qt.Key.Key_Q)
    assert window.text.text() == "hi，1A"
    QTest.keyClick(window.canvas, Qt.Key.Key_1)
    assert window.text.text() == "hi，1A" + top


def test_a_symbol_after_ink_commits_the_character_first(window, qtbot, monkeypatch):
    ontop = types.ModuleType("hanzipad.gui.ontop")
    ontop.set_always_on_top = lambda w, on: None
    monkeypatch.setitem(sys.modules, "hanzipad.gui.ontop", ontop)
    from tests.hanzipad.gui.test_writing import FakeTypist

    typist = window.writing.typist = FakeTypist()
    window.set_always_on_top(True)
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        line(window.canvas, 0.15, 0.5, 0.85, 0.5)
    top = window.candidate_bar.candidates()[0].char
    window.symbol_bar.buttons["“”"].click()
    window.symbol_bar.buttons["。"].click()  # between the quotes
    assert window.text.text() == top + "“。”"
    assert typist.sent == [("text", top), ("text", "“"), ("text", "”"), ("key", "Left"),
                           ("text", "。")]
