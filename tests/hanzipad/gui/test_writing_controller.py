"""The writing controller on its own (issue 38): two bare canvases and a stand-in for the
recognition worker, no window; what it says comes out as signals."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal

from hanzipad.adapt import STRONG, WEAK
from hanzipad.gui.canvas import Canvas, Content
from hanzipad.gui.writing import WritingController
from hanzipad.ink import Point
from hanzipad.recognizer import Candidate


class FakeRecognition(QObject):
    """Answers nothing by itself: the test sends :attr:`candidates` for a request."""

    candidates = Signal(int, object, float)
    requestFailed = Signal(int, str)

    def __init__(self):
        super().__init__()
        self.ready = True
        self.requests: list[tuple] = []  # (generation, payload, key)

    def request(self, payload, key=None) -> int:
        self.requests.append((len(self.requests) + 1, payload, key))
        return len(self.requests)

    def forget(self, key) -> None:
        pass

    def answer(self, chars: str, request: int = -1) -> None:
        generation = self.requests[request][0]
        self.candidates.emit(generation, [Candidate(c, 0.5 / (i + 1))
                                          for i, c in enumerate(chars)], 1.0)


STROKES = ((Point(10, 50), Point(90, 50)), (Point(50, 10), Point(50, 90)))


class Recorder:
    def __init__(self, writing: WritingController):
        self.shown, self.candidates, self.committed, self.confirmed = [], [], [], []
        self.before, self.corrected = [], []  # the text before each commit; re-picks
        self.picks, self.messages, self.changes = [], [], 0
        writing.textShown.connect(lambda text, cursor, sel: self.shown.append((text, cursor)))
        writing.candidatesChanged.connect(
            lambda cands, probs: self.candidates.append(([c.char for c in cands], probs)))
        writing.committed.connect(lambda before, text: (self.before.append(before),
                                                        self.committed.append(text)))
        writing.corrected.connect(lambda *args: self.corrected.append(args))
        writing.confirmed.connect(lambda entry, label, w: self.confirmed.append((label, w)))
        writing.pickRequested.connect(self.picks.append)
        writing.statusMessage.connect(lambda text, ms: self.messages.append(text))
        writing.textChanged.connect(self._changed)

    def _changed(self):
        self.changes += 1


@pytest.fixture
def setup(qtbot):
    boxes = [Canvas(), Canvas()]
    for box in boxes:
        qtbot.addWidget(box)
    recognition = FakeRecognition()
    writing = WritingController(boxes, recognition, load_context=False)
    seen = Recorder(writing)
    writing.start()
    yield writing, recognition, seen
    writing.close()  # its save timer would fire in a later test, into that test's settings
    writing.deleteLater()


def write(writing, box: int = None) -> None:
    box = writing.canvas if box is None else writing.boxes[box]
    box.set_content(Content(STROKES, (100.0, 100.0)))


def test_keys_type_into_the_text_and_undo_takes_them_back(setup):
    writing, recognition, seen = setup
    assert seen.shown == [("", 0)] and seen.candidates[-1] == ([], False)
    writing.space()
    writing.enter()
    assert seen.shown[-1] == (" \n", 2) and seen.changes == 2
    writing.number_key(2)  # nothing waits to be picked: the digit is typed
    assert writing.composition.text() == " \n3" and seen.picks == []
    writing.undo_stack.undo()
    assert seen.shown[-1] == (" \n", 2)
    assert seen.committed == [] and seen.confirmed == []  # keys: no words, nothing learned


def test_candidates_commits_and_what_the_person_confirmed(setup):
    writing, recognition, seen = setup
    write(writing)
    assert recognition.requests[-1][1] is not None  # the ink, sent off
    recognition.answer("十干千")
    assert seen.candidates[-1] == (["十", "干", "千"], True)
    writing.number_key(1)  # ink waits: the window's bar picks candidate 2
    assert seen.picks == [1]
    writing.pick("干")
    assert writing.composition.text() == "干" and writing.canvas.is_empty()
    assert seen.committed == ["干"] and seen.confirmed == [("干", STRONG)]
    write(writing)
    recognition.answer("十干千")
    writing.space()  # the top candidate, accepted by writing on: learned weakly
    assert writing.composition.text() == "干十"
    assert seen.committed == ["干", "十"] and seen.confirmed[-1] == ("十", WEAK)
    assert seen.before == ["", "干"]
    writing.undo_stack.undo()  # the character leaves, its ink comes back
    assert writing.composition.text() == "干" and not writing.canvas.is_empty()


def test_a_commit_before_its_candidates_is_reported_when_they_come(setup):
    writing, recognition, seen = setup
    write(writing, 0)  # no candidates come for it
    writing.boxes[1].strokeStarting.emit()  # a stroke in the other box commits box 1's ink
    assert writing.composition.text() == "" and len(writing.composition) == 1
    assert writing.canvas is writing.boxes[1] and writing.boxes[0].is_empty()
    assert seen.committed == [] and seen.confirmed == []
    generation, ink, key = next(r for r in recognition.requests if r[2] is not None)
    assert key.startswith("commit-") and len(ink.strokes) == 2
    recognition.answer("人入", generation - 1)
    assert writing.composition.text() == "人" and seen.committed == ["人"]
    assert seen.confirmed == [("人", WEAK)]  # the top candidate, accepted unseen: weakly
    writing.click_text(writing.composition.offset_of(0), 0)  # picked again: reported
    writing.pick("入")
    assert writing.composition.text() == "入" and seen.corrected == [("", "人", "入")]
    assert seen.confirmed[-1] == ("入", STRONG)  # the re-pick: that ink was 入
    assert seen.committed == ["人"]  # a re-pick is no new commit


def test_typing_out_goes_through_the_typist_in_order(setup):
    from tests.hanzipad.gui.test_writing import FakeTypist

    writing, recognition, seen = setup
    writing.typist = FakeTypist()
    writing.set_typing_out(True)
    assert "clipboard" in seen.messages[-1]
    writing.space()
    writing.backspace()
    assert writing.typist.sent == [("key", "space"), ("key", "BackSpace")]
    writing.set_typing_out(False)
    writing.space()
    assert len(writing.typist.sent) == 2
    writing.close()
    assert writing.typist.sent[-1] == ("closed",)


def test_context_gives_next_words_and_readings(setup):
    writing, recognition, seen = setup
    readings = []
    writing.readingsChanged.connect(readings.append)

    class Lexicon:
        def next_words(self, before, n):
            return ["们"]

        def rerank(self, before, candidates):
            return list(reversed(candidates))

    writing.set_context(Lexicon(), "readings")
    assert readings == ["readings"]
    write(writing)
    recognition.answer("十干")
    assert seen.candidates[-1] == (["干", "十"], True)  # re-ranked
    writing.space()
    assert seen.candidates[-1] == (["们"], False)  # next words, no probabilities
    writing.pick("们")
    assert writing.composition.text() == "干们" and seen.committed == ["干", "们"]
    assert seen.before == ["", "干"]  # the suggested word, after what it continues


def test_a_line_goes_in_as_one_step_and_one_commit(setup):
    from hanzipad.compose import Entry

    writing, recognition, seen = setup
    writing.space()
    writing.click_text(0, 0)  # the space selected: the line replaces it
    ink = Content(STROKES, (100.0, 100.0))
    entries = [Entry("十", (("十", 0.9),), ink), Entry("一", (("一", 0.8),), ink)]
    steps = writing.undo_stack.count()
    writing.commit_entries(entries, [False, True])
    assert writing.composition.text() == "十一" and writing.undo_stack.count() == steps + 1
    assert seen.committed == ["十一"] and seen.confirmed == [("十", WEAK), ("一", STRONG)]
    assert seen.before == [""]
    writing.undo_stack.undo()
    assert writing.composition.text() == " "


def test_each_context_problem_is_explained_in_the_ui_language(setup):
    """Two broken context files: each problem is explained on its own (the joined text
    matched no code and stayed English in a Chinese window)."""
    import re

    from hanzipad.gui import i18n
    from hanzipad.lexicon import LexiconError

    writing, recognition, seen = setup
    problems = [LexiconError.coded("lexicon.not_found", "/x/words.tsv"),
                LexiconError.coded("lexicon.not_utf8", "/x/chars.tsv", offset=7)]
    writing._on_context_loaded(None, None, problems)
    assert "/x/words.tsv: lexicon file not found; /x/chars.tsv: not UTF-8" in seen.messages[-1]
    i18n.set_language("zh")
    try:
        writing._on_context_loaded(None, None, problems)
    finally:
        i18n.set_language("en")
    text = seen.messages[-1]
    assert "/x/words.tsv" in text and "/x/chars.tsv" in text
    assert not re.search(r"not found|UTF-8 text|Writing works", text), text
