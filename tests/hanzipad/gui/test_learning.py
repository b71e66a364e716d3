"""The pad learns its writer's hand (issue 36): a pick and a re-pick go into the profile,
fitted in the worker thread; the status bar says so; Forget and Restore; a damaged profile is
kept aside."""

from __future__ import annotations

import pytest

from hanzipad import adapt
from tests.hanzipad.gui.conftest import line


@pytest.fixture(scope="module")
def adapt_bundle(tmp_path_factory):
    pytest.importorskip("tensorflow")
    from tests.hanzipad.test_adapt import build_adapt_bundle

    return build_adapt_bundle(tmp_path_factory.mktemp("adapt"))


def saved(window, qtbot, check=lambda profile: True):
    """The profile on disk once the learner has written it (it waits a while to write)."""
    window.learning.learner.flush()
    qtbot.waitUntil(lambda: window.learning.learner.path.exists()
                    and check(adapt.Profile.load(window.learning.learner.path)), timeout=5000)
    return adapt.Profile.load(window.learning.learner.path)


def _write(window, qtbot):
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        line(window.canvas, 0.2, 0.5, 0.8, 0.5)
        line(window.canvas, 0.5, 0.2, 0.5, 0.8)
    return [c.char for c in window.candidate_bar.candidates()]


def test_a_pick_and_a_re_pick_are_learned(make_window, adapt_bundle, qtbot):
    window = make_window(adapt_bundle)
    learner = window.learning.learner
    qtbot.waitUntil(lambda: learner._profile is not None, timeout=5000)
    assert window.learning_label.text() == ""  # nothing learned yet
    chars = _write(window, qtbot)
    window.writing.pick(chars[1])  # a candidate clicked: learned strongly
    qtbot.waitUntil(lambda: learner.count == 1 and learner.fitted == 1, timeout=5000)
    assert window.learning_label.text() == "adapted to your hand: 1 characters"
    profile = saved(window, qtbot)
    assert [(s.label, s.weight) for s in profile.samples] == [(chars[1], adapt.STRONG)]
    assert window.recognition._worker.adapted is not None  # the worker classifies with it
    import numpy as np  # ...and so does the line box (issue 37): a scorer of images

    scorer = window.recognition._worker.adapted.scorer
    probs = scorer(np.zeros((3, 64, 64), np.uint8))
    assert probs.shape == (3, len(window.recognition._worker._recognizer.labels))
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-3)
    # writing on commits the next top candidate: learned, weakly
    _write(window, qtbot)
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):  # the new box's, so
        line(window.boxes[1 - window.writing.active], 0.2, 0.5, 0.8, 0.5)  # none come later
    qtbot.waitUntil(lambda: learner.count == 2, timeout=5000)
    second = window.composition.entry(1)
    weak = saved(window, qtbot, lambda p: len(p) == 2).samples[1]
    assert weak.weight == adapt.WEAK
    # that character picked again: the same ink, now sure, as the re-picked character (one
    # the text and the profile do not have already: a later answer for the same ink may have
    # changed the entry's text since it was learned)
    window.writing.click_text(window.composition.offset_of(1), 0)
    other = next(c.char for c in window.candidate_bar.candidates()
                 if c.char not in (second.text, weak.label))
    window.writing.pick(other)
    assert window.composition.entry(1).text == other
    profile = saved(window, qtbot, lambda p: p.samples[1].label == other)
    assert len(profile) == 2 and profile.samples[1].weight == adapt.STRONG
    # Forget, then Restore (until exit)
    window.forget_action.trigger()
    qtbot.waitUntil(lambda: learner.count == 0, timeout=5000)
    assert window.learning_label.text() == "" and len(saved(window, qtbot)) == 0
    assert window.recognition._worker.adapted is None
    window.restore_action.trigger()
    qtbot.waitUntil(lambda: learner.count == 2 and learner.fitted == 2, timeout=5000)
    assert [s.label for s in saved(window, qtbot, lambda p: len(p) == 2).samples] == [
        chars[1], other]


def test_learning_off_learns_nothing(make_window, adapt_bundle, qtbot):
    window = make_window(adapt_bundle)
    qtbot.waitUntil(lambda: window.learning.learner._profile is not None, timeout=5000)
    window.learn_action.setChecked(False)
    chars = _write(window, qtbot)
    window.writing.pick(chars[0])
    qtbot.wait(200)
    assert window.learning.learner.count == 0 and not window.learning.learner.path.exists()
    from hanzipad.gui.learning import learning_enabled

    assert not learning_enabled()  # kept as a setting


def test_a_damaged_profile_is_kept_aside(make_window, adapt_bundle, qtbot):
    from hanzipad.gui.learning import profile_path

    path = profile_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"format": "hanzipad-profile", "vers')
    window = make_window(adapt_bundle)
    qtbot.waitUntil(lambda: window.learning.learner._profile is not None, timeout=5000)
    aside = list(path.parent.glob(path.name + ".damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes().endswith(b'"vers')
    assert "kept aside" in window.statusBar().currentMessage()
    chars = _write(window, qtbot)
    window.writing.pick(chars[0])  # a new profile starts
    qtbot.waitUntil(lambda: window.learning.learner.count == 1, timeout=5000)


def test_the_writers_words_are_counted_corrected_ranked_and_forgotten(make_window, tiny_bundle,
                                                                      qtbot):
    """Words too: committed text goes into the word list beside the profile, which the
    lexicon ranks with; a re-pick moves the count; Forget / Restore and learning off."""
    from hanzipad import userwords

    window = make_window(tiny_bundle, load_context=True)
    learning = window.learning
    qtbot.waitUntil(lambda: learning.words is not None and window.writing.lexicon is not None,
                    timeout=20000)
    words = learning.words
    assert window.writing.lexicon.user is words
    assert words.path == userwords.beside(learning.learner.path)
    for char in "人口":  # written and picked, one box after the other
        with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
            line(window.boxes[window.writing.active], 0.2, 0.5, 0.8, 0.5)
        window.writing.pick(char)
    assert window.composition.text() == "人口"
    assert words.count("人口") == 1
    # the second character picked again: the count moves to what was meant
    window.writing.click_text(window.composition.offset_of(1), 0)
    window.writing.pick("日")
    assert window.composition.text() == "人日"
    assert (words.count("人口"), words.count("人日")) == (0, 1)
    learning.save_words()
    assert userwords.UserWords.load(words.path).count("人日") == 1
    # Forget: an empty list ranks and is written; Restore brings the words back
    window.forget_action.trigger()
    assert learning.words is not words and len(learning.words) == 0
    assert window.writing.lexicon.user is learning.words
    assert len(userwords.UserWords.load(words.path)) == 0
    window.restore_action.trigger()
    assert learning.words is words and window.writing.lexicon.user is words
    assert userwords.UserWords.load(words.path).count("人日") == 1
    # learning off: the lexicon ranks without them, and nothing is counted
    window.learn_action.setChecked(False)
    assert window.writing.lexicon.user is None
    with qtbot.waitSignal(window.candidate_bar.shown, timeout=5000):
        line(window.boxes[window.writing.active], 0.2, 0.5, 0.8, 0.5)
    window.writing.pick("山")
    assert words.count("日山") == 0


def test_a_damaged_word_list_is_kept_aside(make_window, tiny_bundle, qtbot):
    from hanzipad import userwords
    from hanzipad.gui.learning import profile_path

    path = userwords.beside(profile_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"format": "hanzipad-user-words", "version": 1, "words": [["人口", ')
    window = make_window(tiny_bundle, load_context=True)
    messages = []
    window.learning.statusMessage.connect(lambda m, _ms: messages.append(m))
    qtbot.waitUntil(lambda: window.learning.words is not None, timeout=20000)
    assert len(window.learning.words) == 0
    assert any(str(path.name) in m and "kept as" in m for m in messages), messages
    assert [p.name for p in path.parent.glob(path.name + ".damaged-*")]


def test_a_damaged_word_list_is_said_in_the_ui_language(make_window, tiny_bundle, qtbot):
    from hanzipad import userwords
    from hanzipad.gui import i18n
    from hanzipad.gui.learning import profile_path

    path = userwords.beside(profile_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"format": "hanzipad-user-words", "version": 1, "words": 3}')
    i18n.set_language("zh")
    try:
        window = make_window(tiny_bundle, load_context=True)
        messages = []
        window.learning.statusMessage.connect(lambda m, _ms: messages.append(m))
        qtbot.waitUntil(lambda: window.learning.words is not None, timeout=20000)
    finally:
        i18n.set_language("en")
    [aside] = path.parent.glob(path.name + ".damaged-*")
    assert f"{path}：词表已损坏（没有词语列表）；已另存为 {aside.name}，将新建词表" in messages
