"""Several readings of a doubtful character with a writer's profile (hanzipad.handstyle)."""

from __future__ import annotations

import numpy as np
import pytest

from hanzipad import handstyle
from hanzipad.normalize import BOX, fit


def _bar(x0=30, x1=34, y0=4, y1=60):
    image = np.zeros((64, 64), np.uint8)
    image[y0:y1, x0:x1] = 255
    return image


def _columns(image, rows):
    return np.flatnonzero(image[rows].max(0) > 128)


def test_a_reading_slants_or_stretches_and_normalises_again():
    bar = _bar()
    assert handstyle.reading(bar) is not None and np.array_equal(handstyle.reading(bar), bar)
    right = handstyle.reading(bar, shear=0.1)
    left = handstyle.reading(bar, shear=-0.1)
    # shear 0.1: the output's top takes the input from further left, so the bar's top leans
    # right of its bottom; -0.1 the other way
    assert _columns(right, slice(5, 10)).mean() > _columns(right, slice(54, 59)).mean()
    assert _columns(left, slice(5, 10)).mean() < _columns(left, slice(54, 59)).mean()
    for image in (right, left, handstyle.reading(bar, aspect=0.92),
                  handstyle.reading(_bar(10, 54, 20, 44), aspect=1.08)):
        assert image.shape == (64, 64) and image.dtype == np.uint8
        ys, xs = np.nonzero(image > 38)
        # normalize.fit: the longer side fills the box again, centred
        assert max(np.ptp(ys), np.ptp(xs)) + 1 in (BOX - 1, BOX, BOX + 1)
        assert abs((ys.min() + ys.max()) / 2 - 31.5) <= 1.5
        assert abs((xs.min() + xs.max()) / 2 - 31.5) <= 1.5
    # a wide block, stretched in height or squeezed, then fitted into the box again
    wide = _bar(10, 54, 20, 44)
    tall = handstyle.reading(wide, aspect=1.08)
    flat = handstyle.reading(wide, aspect=0.92)
    same = fit(wide)

    def height(image):
        return np.ptp(np.nonzero(image > 128)[0])

    assert height(tall) > height(same) > height(flat)


class _Recognizer:
    """Features of an image: its mean value, as a one-element vector; counts the calls."""

    def __init__(self):
        self.calls = []

    def features(self, images):
        images = np.asarray(images)
        self.calls.append(images.shape)
        return None, images.reshape(len(images), -1).mean(1, keepdims=True)


class _Head:
    """Three classes; the first reading of the test image is doubtful (0.4 / 0.35 / 0.25),
    the others favour class 1."""

    def __init__(self, first_mean):
        self.first = first_mean

    def probabilities(self, features, among=None):
        out = []
        for (m,) in features:
            out.append([0.4, 0.35, 0.25] if np.isclose(m, self.first) else [0.3, 0.6, 0.1])
        return np.asarray(out, np.float64)


def test_a_doubtful_character_is_read_again_and_the_readings_are_multiplied():
    image = _bar()
    rec, head = _Recognizer(), _Head(image.mean())
    p = handstyle.read(rec, head, image)  # 0.4 is only 0.05 above 0.35: doubtful
    assert len(rec.calls) == 1 + len(handstyle.READINGS) == 3
    assert all(shape == (1, 64, 64) for shape in rec.calls)  # one at a time, batch 1
    want = np.array([0.4, 0.35, 0.25]) * np.array([0.3, 0.6, 0.1]) ** 2
    assert np.allclose(p, want / want.sum()) and p.argmax() == 1
    # a sure reading is the only one; [1, 64, 64] is accepted as well
    rec = _Recognizer()
    sure = handstyle.read(rec, head, image[None], gate=0.04)
    assert len(rec.calls) == 1 and np.allclose(sure, [0.4, 0.35, 0.25])


def test_the_gate_is_the_margin_over_the_second_candidate_not_the_best_probability():
    class Clear(_Head):  # best 0.45, far above the rest: not doubtful, though below one half
        def probabilities(self, features, among=None):
            return np.asarray([[0.45, 0.2, 0.2, 0.15]] * len(features))

    rec = _Recognizer()
    p = handstyle.read(rec, Clear(0.0), _bar())
    assert len(rec.calls) == 1 and np.allclose(p, [0.45, 0.2, 0.2, 0.15])
    assert handstyle.margin(np.array([0.1, 0.5, 0.3])) == pytest.approx(0.2)
    assert handstyle.margin(np.array([0.5, 0.5])) == 0.0
    assert np.isnan(handstyle.margin(np.array([0.2, np.nan, 0.1])))


def test_non_finite_scores_are_left_to_the_caller():
    class Nan(_Head):
        def probabilities(self, features, among=None):
            return np.full((len(features), 3), np.nan)

    rec = _Recognizer()
    p = handstyle.read(rec, Nan(0.0), _bar())
    assert len(rec.calls) == 1 and np.isnan(p).all()


def _random_head(classes=600, dim=8, seed=0):
    from hanzipad import adapt

    rng = np.random.default_rng(seed)
    ada = adapt.Adaptation(prototypes=np.zeros((classes, dim), np.float32),
                           counts=np.ones(classes, np.float32),
                           weights=rng.normal(size=(classes, dim)).astype(np.float32),
                           bias=rng.normal(size=classes).astype(np.float32),
                           model_sha256="m", sha256="p")
    transform = adapt.Transform(np.eye(dim, dtype=np.float32) * 1.1,
                                np.full(dim, 0.05, np.float32), "m", "p", power=adapt.POWER)
    return adapt.AdaptedClassifier(ada, transform)


class _Model:
    """A model's own probabilities (the shortlist comes from them) and features of an image
    (from its pixels: a reading changes them)."""

    def __init__(self, classes=600, dim=8, seed=1):
        rng = np.random.default_rng(seed)
        self.probs = rng.dirichlet(np.full(classes, 0.1))[None].astype(np.float32)
        self.project = rng.random((64 * 64, dim)).astype(np.float32) / 100_000
        self.calls = 0

    def features(self, images):
        self.calls += 1
        x = np.asarray(images, np.float32).reshape(len(images), -1)
        return np.repeat(self.probs, len(x), 0), x @ self.project


def test_few_candidates_are_scored_among_the_models_own_shortlist():
    head, model, image = _random_head(), _Model(), _bar()
    full = handstyle.read(model, head, image, gate=1.01, k=handstyle.SHORT + 1)
    assert model.calls == 3 and np.count_nonzero(full) == 600  # every class scored
    short = handstyle.read(model, head, image, gate=1.01, k=10)
    listed = np.argsort(-model.probs[0])[:handstyle.SHORTLIST]
    outside = np.setdiff1d(np.arange(600), listed)
    assert np.all(short[outside] == 0) and np.all(short[listed] > 0)
    # the listed classes: the full reading's probabilities, normalised over them
    assert np.allclose(short[listed], full[listed] / full[listed].sum(), rtol=1e-4, atol=1e-7)
    assert np.isclose(short.sum(), 1.0)
    # the adapted classifier's own shortlist: scored among those classes only
    _, f = model.features(image[None])
    p, q = head.probabilities(f)[0], head.probabilities(f, listed[:5])[0]
    assert np.allclose(q[listed[:5]], p[listed[:5]] / p[listed[:5]].sum(), rtol=1e-5)
    assert np.count_nonzero(q) == 5


@pytest.fixture(scope="module")
def adapt_bundle(tmp_path_factory):
    pytest.importorskip("tensorflow")
    from tests.hanzipad.test_adapt import build_adapt_bundle

    return build_adapt_bundle(tmp_path_factory.mktemp("handstyle"))


def test_classify_with_a_profile_reads_doubtful_characters_again(adapt_bundle, tmp_path,
                                                                 monkeypatch):
    """hanzipad classify --profile's classifier (learn.profile_classifier) ranks by
    handstyle.read: with every character doubtful, by the three readings."""
    from hanzipad import adapt
    from hanzipad.ink import iter_jsonl
    from hanzipad.learn import profile_classifier
    from hanzipad.raster import rasterize
    from hanzipad.recognizer import Recognizer
    from tests.helpers import REAL_INK

    inks = [ink for _, ink in iter_jsonl(REAL_INK)]
    rec = Recognizer(adapt_bundle)
    ada = adapt.Adaptation.load(rec.bundle)
    profile = adapt.Profile()
    for ink in inks[::2]:
        profile.add(ink, ink.label)
    profile.fit(rec, ada)
    profile.save(tmp_path / "me.json")
    head = adapt.AdaptedClassifier(ada, profile.transform)
    monkeypatch.setattr(handstyle, "GATE", 1.01)  # every character read three times
    classify = profile_classifier(rec, str(tmp_path / "me.json"), lambda m: None)
    for ink in inks[1::10]:
        image = rasterize(ink)
        _, f = rec.features(image[None])
        total = np.log(head.probabilities(f)[0])
        for shear, aspect in handstyle.READINGS:
            _, f = rec.features(handstyle.reading(image, shear, aspect)[None])
            total += np.log(head.probabilities(f)[0])
        got = classify(image, 3)
        want = np.argsort(-total, kind="stable")[:3]
        assert [c.char for c in got] == [rec.labels[i] for i in want]
        assert np.isclose(sum(c.prob for c in classify(image, len(rec.labels))), 1.0,
                          atol=1e-4)


def test_the_pads_adapted_classifier_reads_with_handstyle(monkeypatch):
    """The GUI worker's adapted classifier (gui/learning._classifier) ranks by
    handstyle.read; the line box's scorer reads each character once."""
    pytest.importorskip("PySide6")
    from hanzipad import adapt
    from hanzipad.gui import learning
    from hanzipad.recognizer import Candidate

    ada = adapt.Adaptation(prototypes=np.zeros((3, 1), np.float32),
                           counts=np.ones(3, np.float32),
                           weights=np.array([[1.0], [0.0], [-1.0]], np.float32),
                           bias=np.zeros(3, np.float32), model_sha256="m", sha256="p")
    seen = []

    def read(recognizer, head, image, gate=None, k=10):
        seen.append((np.asarray(image).shape, k))
        return handstyle.__dict__["_original_read"](recognizer, head, image, gate, k)

    class Rec(_Recognizer):
        labels = ["a", "b", "c"]

        def _top(self, p, k):
            order = np.argsort(-p, kind="stable")[:k]
            return [Candidate(self.labels[i], float(p[i])) for i in order]

    monkeypatch.setitem(handstyle.__dict__, "_original_read", handstyle.read)
    monkeypatch.setattr(handstyle, "read", read)
    rec = Rec()
    classify = learning._classifier(rec, ada, None)
    got = classify(_bar(), 2)
    assert seen == [((64, 64), 2)] and [c.char for c in got] == ["a", "b"]
    assert classify.scorer(np.stack([_bar(), _bar()])).shape == (2, 3)
