"""The recognizer refuses to rank scores that are no numbers (issue 35 point 7)."""

from __future__ import annotations

import numpy as np
import pytest

from hanzipad.recognizer import NonFiniteScores, Recognizer


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_model_output_is_refused_with_a_clear_error(tiny_bundle, bad):
    rec = Recognizer(tiny_bundle)
    image = np.zeros((64, 64), np.uint8)
    image[30:34, 10:54] = 255
    assert len(rec.classify(image, 5)) == 5
    real = rec.probabilities

    def damaged(images):
        probs = real(images)
        probs[:, 3] = bad
        return probs

    rec.probabilities = damaged
    with pytest.raises(NonFiniteScores, match=r"not finite \(NaN or infinity\)"):
        rec.classify(image, 5)
    with pytest.raises(ValueError, match="model bundle is broken"):
        rec.classify_batch(np.stack([image, image]), 3)
