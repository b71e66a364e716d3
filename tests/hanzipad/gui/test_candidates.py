"""Scores that are no numbers (issue 35 point 7): never shown as "<1%" or "nan%"; a model
giving them fails recognition with a message instead of ranking them."""

from __future__ import annotations

import numpy as np
import pytest

from hanzipad.gui.candidates import CandidateBar
from hanzipad.recognizer import Candidate
from tests.hanzipad.gui.conftest import line


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -0.5])
def test_a_score_that_is_no_probability_shows_as_a_question_mark(bad, qtbot):
    bar = CandidateBar()
    qtbot.addWidget(bar)
    bar.set_candidates([Candidate("十", 0.6), Candidate("一", bad), Candidate("人", 0.004)])
    good, odd, small = bar.buttons[:3]
    assert "60.0%" in good.toolTip() and "0.4%" in small.toolTip()
    assert "?" in odd.toolTip()
    assert "nan" not in odd.toolTip().lower() and "inf" not in odd.toolTip().lower()
    assert "%" not in odd.toolTip()
    from hanzipad.gui.candidates import _percent

    assert _percent(bad) == "?" and _percent(0.004) == "<1%" and _percent(0.6) == "60%"


def test_partly_nan_model_output_fails_recognition_with_a_message(window, qtbot):
    """A model whose scores are partly NaN: the recognizer refuses them, the status bar says
    why, and the bar shows no candidates (before: NaN sorted in, shown "<1%", "nan%")."""
    recognizer = window.recognition._worker._recognizer
    real = recognizer.probabilities

    def partly_nan(images):
        probs = real(images)
        probs[:, ::2] = np.nan
        return probs

    recognizer.probabilities = partly_nan
    with qtbot.waitSignal(window.recognition.error, timeout=5000):
        line(window.canvas, 0.2, 0.5, 0.8, 0.5)
    qtbot.waitUntil(lambda: "recognition failed" in window.statusBar().currentMessage(),
                    timeout=3000)
    assert "not finite" in window.statusBar().currentMessage()
    assert window.candidate_bar.candidates() == []
    assert all(not b.isEnabled() for b in window.candidate_bar.buttons)
