"""Writer adaptation: the STM fit, the profile file, ``hanzipad learn`` / ``classify --profile``.

The bundle here is a tiny real one with a feature output and prototypes, built by the test
(an untrained Keras CNN exported to TFLite, then ``hanzipad-train prototypes`` on the real pen
traces of tests/data)."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import numpy as np
import pytest

from hanzipad import adapt
from hanzipad.adapt import Profile, ProfileError, fit_stm
from hanzipad.ink import Ink, iter_jsonl
from tests.helpers import REAL_INK, ROOT

# -- the fit (numpy only) -----------------------------------------------------------------------


def _objective(a, b, s, t, f, beta, gamma):
    d = s.shape[1]
    beta_ = beta * float((f[:, None] * s * s).sum()) / d
    r = s @ a.T + b - t
    return (f * (r * r).sum(1)).sum() + beta_ * ((a - np.eye(d)) ** 2).sum() + gamma * f.sum() * (
        b * b).sum()


def test_fit_stm_is_the_minimum_of_its_objective():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(40, 6))
    t = rng.normal(size=(40, 6))
    f = rng.uniform(0.2, 1.0, 40)
    a, b = fit_stm(s, t, f, beta=0.3, gamma=0.2, min_weight=0)
    best = _objective(a.astype(np.float64), b.astype(np.float64), s, t, f, 0.3, 0.2)
    for _ in range(20):  # any nearby (A, b) is worse
        da, db = rng.normal(scale=1e-2, size=a.shape), rng.normal(scale=1e-2, size=b.shape)
        assert _objective(a + da, b + db, s, t, f, 0.3, 0.2) > best - 1e-6


def test_fit_stm_recovers_an_affine_style_and_stays_near_identity_when_regularised():
    rng = np.random.default_rng(1)
    s = rng.normal(size=(200, 5))
    true_a = np.eye(5) + rng.normal(scale=0.3, size=(5, 5))
    true_b = rng.normal(size=5)
    t = s @ true_a.T + true_b
    a, b = fit_stm(s, t, beta=1e-9, gamma=0.0, min_weight=0)
    assert np.allclose(a, true_a, atol=1e-4) and np.allclose(b, true_b, atol=1e-4)
    a, b = fit_stm(s, t, beta=1e6, gamma=1e6)  # regularised hard: the identity
    assert np.allclose(a, np.eye(5), atol=1e-3) and np.allclose(b, 0, atol=1e-3)
    a, b = fit_stm(np.zeros((0, 5)), np.zeros((0, 5)))  # nothing learned: the identity
    assert np.array_equal(a, np.eye(5)) and not b.any()


# -- the profile file ---------------------------------------------------------------------------

def _ink(k: int = 0) -> Ink:
    return Ink.from_lists([[[0, 0], [10 + k, 10]], [[0, 10], [10, 0]]], meta={"label": "十"})


def _profile(tmp_path, n=3) -> Profile:
    p = Profile(tmp_path / "me.json")
    for k in range(n):
        p.add(_ink(k), "十" if k % 2 else "人", adapt.WEAK if k == 1 else 1.0)
    p.transform = adapt.Transform(np.eye(4, dtype=np.float32) * 2, np.ones(4, np.float32),
                                  "a" * 64, "b" * 64, n)
    return p


def test_profile_round_trip_keeps_ink_weights_and_transform(tmp_path):
    p = _profile(tmp_path)
    p.save()
    q = Profile.load(tmp_path / "me.json")
    assert [s.label for s in q.samples] == ["人", "十", "人"]
    assert [s.weight for s in q.samples] == [1.0, adapt.WEAK, 1.0]
    assert q.samples[2].ink().strokes == _ink(2).strokes  # the points as written
    assert np.array_equal(q.transform.a, p.transform.a) and q.transform.model_sha256 == "a" * 64
    assert [p.name for p in tmp_path.glob(".me.json.*")] == [".me.json.lock"]  # no temp file


def test_profile_drops_the_oldest_samples_beyond_its_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(adapt, "MAX_SAMPLES", 5)
    p = Profile(tmp_path / "me.json")
    for k in range(8):
        p.add(_ink(k), str(k))
    p.save()
    assert [s.label for s in Profile.load(p.path).samples] == ["3", "4", "5", "6", "7"]


@pytest.mark.parametrize("content, needle", [
    (b"\x00\x01garbage", "damaged or truncated"),
    (b'{"format": "something else", "version": 1}', "not a HanziPad profile"),
    (None, "damaged or truncated"),  # the real file cut in half
    (b'{"format": "hanzipad-profile", "version": 99, "samples": []}', "newer HanziPad"),
    (b'{"format": "hanzipad-profile", "version": 1, "samples": [{"label": "x", "strokes": [2], '
     b'"points": "AAAA"}]}', "damaged profile"),
    (b'{"format": "hanzipad-profile", "version": 1, "samples": [], '
     b'"transform": {"a": {"dtype": "float32", "shape": [2, 2], "data": "AAAA"}}}',
     "damaged profile"),
])
def test_unusable_profile_is_one_line_naming_the_file(tmp_path, content, needle):
    path = tmp_path / "me.json"
    if content is None:
        _profile(tmp_path).save()
        content = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(content)
    with pytest.raises(ProfileError) as info:
        Profile.load(path)
    message = str(info.value)
    assert needle in message and str(path) in message and "\n" not in message
    aside = adapt.set_aside(path)  # what the pad does with it: kept, out of the way
    assert not path.exists() and aside.read_bytes() == content


# -- a real tiny bundle with adaptation data ----------------------------------------------------

def _real_inks():
    return [ink for _, ink in iter_jsonl(REAL_INK)]


@pytest.fixture(scope="module")
def adapt_bundle(tmp_path_factory):
    """A tiny bundle (37 classes of the real ink) with a feature output and prototypes."""
    pytest.importorskip("tensorflow")
    return build_adapt_bundle(tmp_path_factory.mktemp("adapt"))


def build_adapt_bundle(root):
    """``root/adapted``: an untrained tiny CNN over the real ink's 37 characters, exported,
    then given its feature output and prototypes by ``hanzipad-train prototypes``."""
    import keras

    from trainer.bundle_export import tflite_bytes, write_bundle
    from trainer.prototypes import compute

    labels = sorted({ink.label for ink in _real_inks()})
    keras.utils.set_random_seed(3)
    inp = keras.Input((64, 64, 1))
    x = keras.layers.Rescaling(1 / 255.0)(inp)
    x = keras.layers.Conv2D(16, 5, strides=4, activation="relu")(x)
    x = keras.layers.Conv2D(24, 3, strides=2, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(len(labels), activation="softmax")(x)
    plain = write_bundle(root / "plain", tflite_bytes(keras.Model(inp, out)), labels,
                         name="tiny-adapt", sources=[])
    result = compute(plain, [f"ink:{REAL_INK}"], out=root / "adapted")
    assert result["differ"] == 0
    return root / "adapted"


def run(*argv):
    proc = subprocess.run([sys.executable, "-m", "hanzipad", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def _records(path, inks, wrong_label=None):
    with open(path, "w", encoding="utf-8") as f:
        for ink in inks:
            d = ink.to_dict()
            if wrong_label:
                d["label"] = wrong_label
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def test_learn_then_classify_with_the_profile(adapt_bundle, tmp_path):
    inks = _real_inks()
    learned = _records(tmp_path / "learn.jsonl", inks[::2])
    test = _records(tmp_path / "test.jsonl", inks[1::20])
    profile = tmp_path / "sub" / "me.json"
    rc, out, err = run("learn", "--profile", str(profile), "--model", str(adapt_bundle),
                       str(learned))
    assert rc == 0, err
    assert f"{len(inks[::2])} characters" in out
    saved = Profile.load(profile)
    assert len(saved) == len(inks[::2]) and saved.transform.samples == len(inks[::2])
    assert saved.features.shape == (len(inks[::2]), 24)
    plain = run("classify", "--json", "--model", str(adapt_bundle), str(test))
    with_profile = run("classify", "--json", "--model", str(adapt_bundle), "--profile",
                       str(profile), str(test))
    assert plain[0] == 0 and with_profile[0] == 0, with_profile[2]
    a = [json.loads(line) for line in plain[1].splitlines()]
    b = [json.loads(line) for line in with_profile[1].splitlines()]
    assert len(a) == len(b) == len(inks[1::20])
    assert [r["candidates"] for r in a] != [r["candidates"] for r in b]  # the profile acts
    # learning more: the profile grows and is fitted again
    rc, out, _ = run("learn", "--profile", str(profile), "--model", str(adapt_bundle), str(test))
    assert rc == 0 and len(Profile.load(profile)) == len(inks[::2]) + len(inks[1::20])


def test_the_adapted_classifier_learns_a_writer_style(adapt_bundle):
    """On features, a consistent style (a fixed distortion of every feature) is undone."""
    from hanzipad.recognizer import Recognizer

    rec = Recognizer(adapt_bundle)
    ada = adapt.Adaptation.load(rec.bundle)
    rng = np.random.default_rng(0)
    n = 3000
    y = rng.integers(0, rec.bundle.classes, n)
    spread = float(ada.prototypes.std())
    clean = ada.prototypes[y] + rng.normal(scale=0.1 * spread, size=(n, ada.dim))
    style = np.eye(ada.dim) + rng.normal(scale=0.4, size=(ada.dim, ada.dim))
    styled = clean @ style.T + 0.05
    unadapted = adapt.AdaptedClassifier(ada, None)
    # what the (untrained) model answers for this writer's characters written the usual way
    expected = unadapted.probabilities(clean[n // 2:]).argmax(1)
    plain = unadapted.probabilities(styled[n // 2:]).argmax(1)
    a, b, _ = adapt.fit_samples(ada, styled[:n // 2], y[:n // 2], np.ones(n // 2), beta=0.01,
                                power=1.0)  # a map of the features themselves
    fitted = adapt.AdaptedClassifier(ada, adapt.Transform(a, b, "", ""))
    adapted = fitted.probabilities(styled[n // 2:]).argmax(1)
    assert (adapted == expected).mean() > 0.8 > (plain == expected).mean() + 0.2
    mapped = styled[n // 2:] @ a.T + b
    assert (np.abs(mapped - clean[n // 2:]).mean()
            < 0.3 * np.abs(styled[n // 2:] - clean[n // 2:]).mean())


def test_the_map_of_square_roots_undoes_a_style_of_square_roots(adapt_bundle):
    """The map the profile fits (POWER 0.5): a style that is affine on the features' square
    roots is undone, and the mapped features are squared back."""
    from hanzipad.recognizer import Recognizer

    rec = Recognizer(adapt_bundle)
    ada = adapt.Adaptation.load(rec.bundle)
    assert adapt.POWER == 0.5
    rng = np.random.default_rng(1)
    n = 3000
    y = rng.integers(0, rec.bundle.classes, n)
    roots = np.sqrt(np.maximum(ada.prototypes, 0))
    clean = roots[y] + rng.normal(scale=0.05 * float(roots.std()), size=(n, ada.dim))
    style = np.eye(ada.dim) + rng.normal(scale=0.3 / np.sqrt(ada.dim), size=(ada.dim, ada.dim))
    styled = np.maximum(clean @ style.T + 0.05, 0) ** 2
    clean = np.maximum(clean, 0) ** 2
    expected = adapt.AdaptedClassifier(ada, None).probabilities(clean[n // 2:]).argmax(1)
    a, b, used = adapt.fit_samples(ada, styled[:n // 2], y[:n // 2], np.ones(n // 2),
                                   beta=0.01)
    t = adapt.Transform(a, b, "", "", used, adapt.POWER)
    got = adapt.AdaptedClassifier(ada, t).probabilities(styled[n // 2:]).argmax(1)
    plain = adapt.AdaptedClassifier(ada, None).probabilities(styled[n // 2:]).argmax(1)
    assert (got == expected).mean() > 0.9 and (got == expected).mean() > (plain == expected).mean()
    mapped = np.maximum(np.sqrt(styled[n // 2:]) @ a.T + b, 0) ** 2
    assert np.abs(mapped - clean[n // 2:]).mean() < 0.3 * np.abs(styled[n // 2:]
                                                                 - clean[n // 2:]).mean()


def test_a_map_of_the_features_themselves_is_fitted_again(tmp_path):
    """A profile written before maps of square roots ("transform", power 1) reads, is applied
    as what it is, and is not usable as it is (fitted again from its ink); the new map is kept
    under "transform_power", so an older HanziPad fits its own instead of misreading it."""
    p = _profile(tmp_path)
    p.transform.power = 1.0
    p.save()
    obj = json.loads((tmp_path / "me.json").read_text(encoding="utf-8"))
    assert "transform" in obj and "transform_power" not in obj
    q = Profile.load(tmp_path / "me.json")
    assert q.transform.power == 1.0
    ada = types.SimpleNamespace(model_sha256=q.transform.model_sha256,
                                sha256=q.transform.prototypes_sha256, dim=4)
    assert not q.usable(ada)
    q.transform.power = adapt.POWER
    assert q.usable(ada)
    q.save()
    obj = json.loads((tmp_path / "me.json").read_text(encoding="utf-8"))
    assert "transform" not in obj and obj["transform_power"]["power"] == 0.5
    assert Profile.load(tmp_path / "me.json").transform.power == 0.5


def test_profile_of_another_bundle_is_refitted_never_applied(adapt_bundle, tmp_path):
    inks = _real_inks()[:40]
    learned = _records(tmp_path / "learn.jsonl", inks)
    profile = tmp_path / "me.json"
    assert run("learn", "--profile", str(profile), "--model", str(adapt_bundle),
               str(learned))[0] == 0
    p = Profile.load(profile)
    true_a = p.transform.a.copy()
    p.transform = adapt.Transform(np.zeros_like(true_a), p.transform.b, "f" * 64,
                                  p.transform.prototypes_sha256)  # "another bundle's"
    p.features_for = ("f" * 64, "0" * 64)
    p.save()
    test = _records(tmp_path / "test.jsonl", _real_inks()[40:50])
    rc, out, err = run("classify", "--json", "--model", str(adapt_bundle), "--profile",
                       str(profile), str(test))
    assert rc == 0 and "fitted for another model" in err
    refit = Profile.load(profile)
    from hanzipad.recognizer import Recognizer

    rec = Recognizer(adapt_bundle)
    refit.fit(rec, adapt.Adaptation.load(rec.bundle))
    assert np.allclose(refit.transform.a, true_a, atol=1e-3)  # from the ink, as first fitted
    clf = adapt.AdaptedClassifier(adapt.Adaptation.load(rec.bundle), refit.transform)
    images = [json.loads(line)["candidates"][0]["char"] for line in out.splitlines()]
    from hanzipad.raster import rasterize

    expect = [rec.labels[int(clf.probabilities(rec.features(rasterize(ink))[1])[0].argmax())]
              for ink in _real_inks()[40:50]]
    assert images == expect


@pytest.mark.parametrize("kind", ["garbage", "future"])
def test_cli_refuses_an_unusable_profile_and_leaves_it(adapt_bundle, tmp_path, kind):
    profile = tmp_path / "me.json"
    content = (b"{\"format\": \"hanzipad-profile\", \"vers" if kind == "garbage" else
               b'{"format": "hanzipad-profile", "version": 7, "samples": []}')
    profile.write_bytes(content)
    test = _records(tmp_path / "t.jsonl", _real_inks()[:2])
    for argv in (("classify", "--profile", str(profile), "--model", str(adapt_bundle), str(test)),
                 ("learn", "--profile", str(profile), "--model", str(adapt_bundle), str(test))):
        rc, out, err = run(*argv)
        assert rc == 2 and out == ""
        assert len(err.strip().splitlines()) == 1 and str(profile) in err
    assert profile.read_bytes() == content


def test_learn_reports_bad_records_and_learns_the_others(adapt_bundle, tmp_path):
    good = _real_inks()[:3]
    path = tmp_path / "mixed.jsonl"
    lines = [json.dumps(ink.to_dict(), ensure_ascii=False) for ink in good]
    lines.insert(1, json.dumps({"strokes": [[[0, 0], [5, 5]]]}))  # no label
    lines.insert(2, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    profile = tmp_path / "me.json"
    rc, out, err = run("learn", "--profile", str(profile), "--model", str(adapt_bundle),
                       str(path))
    assert rc == 1
    assert f"{path}:2: no \"label\"" in err and f"{path}:3:" in err
    assert len(Profile.load(profile)) == 3


def test_old_bundle_without_adaptation_keeps_working(tiny_bundle, tmp_path):
    inks = _records(tmp_path / "t.jsonl", [
        Ink.from_lists([[[0, 0], [10, 0]]], meta={"label": "一"})])
    profile = tmp_path / "me.json"
    rc, out, err = run("learn", "--profile", str(profile), "--model", str(tiny_bundle), str(inks))
    assert rc == 0 and "no adaptation data" in err
    assert len(Profile.load(profile)) == 1 and Profile.load(profile).transform is None
    plain = run("classify", "--json", "--model", str(tiny_bundle), str(inks))
    with_profile = run("classify", "--json", "--model", str(tiny_bundle), "--profile",
                       str(profile), str(inks))
    assert with_profile[0] == 0 and "without the profile" in with_profile[2]
    strip = [{k: v for k, v in json.loads(x).items() if k != "ms"} for x in plain[1].split("\n")
             if x]
    assert strip == [{k: v for k, v in json.loads(x).items() if k != "ms"}
                     for x in with_profile[1].split("\n") if x]


def test_a_fifo_or_folder_named_as_the_profile_is_refused_unread(tmp_path):
    import os

    from tests.helpers import finishes

    fifo = tmp_path / "me.json"
    os.mkfifo(fifo)
    done, result = finishes(lambda: Profile.load(fifo), 5)
    assert done and isinstance(result, ProfileError) and str(fifo) in str(result)
    with pytest.raises(ProfileError, match=str(tmp_path)):
        Profile.load(tmp_path)


def test_adaptation_data_that_do_not_fit_the_bundle_are_refused(adapt_bundle, tmp_path):
    import shutil

    from hanzipad.bundle import load_bundle

    copy = tmp_path / "b"
    shutil.copytree(adapt_bundle, copy)
    meta = json.loads((copy / "model.json").read_text(encoding="utf-8"))
    meta["adaptation"]["weights"]["offset"] = 10**9  # past the end of model.tflite
    (copy / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(adapt.AdaptationError, match="shorter"):
        adapt.Adaptation.load(load_bundle(copy))
    (copy / "prototypes.npz").write_bytes(b"PK\x03\x04 damaged")
    with pytest.raises(adapt.AdaptationError, match="SHA-256"):
        adapt.Adaptation.load(load_bundle(copy))


def test_two_programs_saving_one_profile_keep_each_others_characters(tmp_path):
    """`hanzipad learn` and the pad update the same profile: each save takes in the
    characters the other added to the file since it read it (under the file's lock), so the
    last writer no longer drops the other's; characters one of them forgot stay forgotten."""
    path = tmp_path / "me.json"
    ink = Ink.from_lists([[[0, 0], [10, 10]], [[10, 0], [0, 10]]])
    pad = adapt.Profile(path)
    pad.add(ink, "十", adapt.STRONG, when=1.0)
    pad.save()
    cli = adapt.Profile.load(path)  # `hanzipad learn` reads it...
    pad.add(ink, "一", adapt.WEAK, when=2.0)  # ...the pad learns one more and saves
    pad.save()
    cli.add(ink, "人", adapt.STRONG, when=3.0)  # ...and the command saves what it read + its own
    cli.save()
    assert cli.merged == 1
    assert [s.label for s in adapt.Profile.load(path).samples] == ["十", "人", "一"]
    pad.add(ink, "口", adapt.STRONG, when=4.0)
    pad.save()
    assert pad.merged == 1
    assert sorted(s.label for s in adapt.Profile.load(path).samples) == ["一", "人", "十", "口"]
    pad.forget()  # Forget in the pad: what the file held stays out
    pad.save()
    assert pad.merged == 0 and len(adapt.Profile.load(path)) == 0
