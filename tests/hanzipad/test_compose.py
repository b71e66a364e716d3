"""The composed-text model: entries with candidates and ink, cursor, selection, persisting."""

from __future__ import annotations

import json

import pytest

from hanzipad.compose import KEY, WORD, Composition, Entry


def _three():
    comp = Composition()
    a = Entry("我", (("我", 0.8), ("找", 0.1)), ink="ink-a")
    b = Entry("们", (("们", 0.6), ("门", 0.3)), ink="ink-b")
    c = Entry("好", (("好", 0.9),), ink="ink-c")
    for e in (a, b, c):
        comp.insert(comp.cursor, e)
    return comp, a, b, c


def test_insert_appends_at_cursor_and_moves_it():
    comp, a, b, c = _three()
    assert comp.text() == "我们好" and comp.cursor == 3
    comp.set_cursor(2)
    d = Entry("很", kind=WORD)
    assert comp.insert(comp.cursor, d) == 2
    assert comp.text() == "我们很好" and comp.cursor == 3
    assert comp.text_before_cursor() == "我们很"


def test_remove_by_identity_and_cursor_follows():
    comp, a, b, c = _three()
    assert comp.remove(b) == 1
    assert comp.text() == "我好" and comp.cursor == 2
    assert comp.remove(b) is None  # already gone
    comp.set_cursor(1)
    assert comp.remove(c) == 1 and comp.cursor == 1  # after the cursor: it stays
    twin = Entry("我")  # equal text, another entry: not removed
    assert comp.remove(twin) is None and comp.text() == "我"


def test_offsets_and_entries_at_offsets_with_words():
    comp = Composition()
    for e in (Entry("我"), Entry("我们", kind=WORD), Entry(" ", kind=KEY), Entry("好")):
        comp.insert(len(comp), e)
    assert comp.text() == "我我们 好"
    assert [comp.entry_at(i) for i in range(6)] == [0, 1, 1, 2, 3, None]
    assert comp.entry_at(-1) is None
    assert [comp.offset_of(i) for i in range(5)] == [0, 1, 3, 4, 5]
    comp.set_cursor(2)
    assert comp.cursor_offset() == 3


def test_select_replace_and_undo_text():
    comp, a, b, c = _three()
    comp.select(1)
    assert comp.selected == 1 and comp.cursor == 2
    assert comp.replace_text(1, "门") == "们"
    assert comp.text() == "我门好" and b.text == "门"
    comp.select(7)
    assert comp.selected is None
    comp.select(0)
    comp.insert(comp.cursor, Entry("x"))
    assert comp.selected is None  # inserting ends a selection


def test_pending_entry_is_resolved_in_place():
    comp, a, b, c = _three()
    pending = Entry("", ink="ink", pending=True)
    comp.insert(1, pending)
    assert comp.text() == "我们好"  # nothing shows yet
    comp.resolve(pending, "人", [("人", 0.7), ("入", 0.2)])
    assert comp.text() == "我人们好" and not pending.pending
    assert pending.candidates == (("人", 0.7), ("入", 0.2))
    assert comp.index_of(pending) == 1


def test_clear_returns_entries():
    comp, a, b, c = _three()
    assert comp.clear() == [a, b, c]
    assert comp.text() == "" and comp.cursor == 0


def test_round_trip_keeps_text_candidates_and_cursor_not_ink():
    comp, a, b, c = _three()
    comp.insert(3, Entry("\n", kind=KEY))
    comp.insert(4, Entry("", pending=True))  # not known yet: not saved
    comp.set_cursor(2)
    data = json.loads(json.dumps(comp.to_dict()))
    back = Composition.from_dict(data)
    assert back.text() == "我们好\n" and back.cursor == 2
    assert back.entries[1].candidates == (("们", 0.6), ("门", 0.3))
    assert back.entries[3].kind == KEY and all(e.ink is None for e in back.entries)


@pytest.mark.parametrize("data", [
    None, [], {"entries": "x"}, {"entries": [{"text": 3}]},
    {"entries": [{"text": "a", "kind": "other"}]},
    {"entries": [{"text": "a", "candidates": [["a"]]}]},
    # issue 35: a forged saved text crashed every start (OverflowError); now a ValueError
    {"entries": [{"text": "a", "candidates": [["a", 10**400]]}]},
    {"entries": [{"text": "a", "candidates": [["a", float("inf")]]}]},
    {"entries": [{"text": "a", "candidates": [["a", float("nan")]]}]},
    {"entries": [{"text": "a", "candidates": [["a", -0.5]]}]},
    {"entries": [{"text": "a", "candidates": [["a", True]]}]},
    {"entries": [{"text": "a", "candidates": [["a", 0.1]] * 101}]},
    {"entries": [{"text": "a", "candidates": "ab"}]},
    {"entries": [{"text": "a", "kind": ["char"]}]},
    {"entries": [{"text": "a" * 1001}]},
    {"entries": [{"text": "a"}] * 200_001},
])
def test_bad_saved_data_is_refused(data):
    with pytest.raises(ValueError):
        Composition.from_dict(data)


def test_bad_cursor_falls_back_to_the_end():
    back = Composition.from_dict({"entries": [{"text": "a"}], "cursor": "x"})
    assert back.cursor == 1
    assert Composition.from_dict({"entries": [{"text": "a"}], "cursor": 99}).cursor == 1
