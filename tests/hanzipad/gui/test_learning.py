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
    # writing on commits the next top candidate: learned, weakly
    _write(window, qtbot)
    line(window.boxes[1 - window.writing.active], 0.2, 0.5, 0.8, 0.5)
    qtbot.waitUntil(lambda: learner.count == 2, timeout=5000)
    second = window.composition.entry(1)
    assert saved(window, qtbot, lambda p: len(p) == 2).samples[1].weight == adapt.WEAK
    # that character picked again: the same ink, now sure, as the re-picked character
    window.writing.click_text(window.composition.offset_of(1), 0)
    other = next(c.char for c in window.candidate_bar.candidates() if c.char != second.text)
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
