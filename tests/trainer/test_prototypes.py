"""``hanzipad-train prototypes``: the feature output and class prototypes a bundle needs for
writer adaptation, without changing what it predicts."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.helpers import REAL_INK

pytest.importorskip("tensorflow")


@pytest.fixture(scope="module")
def adapted(tmp_path_factory):
    from tests.hanzipad.test_adapt import build_adapt_bundle

    root = tmp_path_factory.mktemp("prototypes")
    return build_adapt_bundle(root), root / "plain"


def test_the_feature_output_changes_no_answer_and_the_prototypes_are_class_means(adapted):
    from hanzipad.ink import iter_jsonl
    from hanzipad.raster import rasterize
    from hanzipad.recognizer import Recognizer

    bundle, plain = adapted
    new, old = Recognizer(bundle), Recognizer(plain)
    assert new.has_features and not old.has_features
    inks = [ink for _, ink in iter_jsonl(REAL_INK)]
    images = np.stack([rasterize(ink) for ink in inks])
    probs, feats = new.features(images)
    assert np.array_equal(probs, old.probabilities(images))  # bit for bit
    from hanzipad.adapt import Adaptation

    ada = Adaptation.load(new.bundle)
    protos, counts, weights, bias = ada.prototypes, ada.counts, ada.weights, ada.bias
    labels = np.array([new.labels.index(ink.label) for ink in inks])
    for c in range(len(new.labels)):
        assert counts[c] == (labels == c).sum()
        mean = feats[labels == c].mean(0)  # (stored as int8 with a scale per class)
        assert np.abs(protos[c] - mean).max() <= 0.005 * np.abs(mean).max() + 1e-6
    # the dense layer, read from model.tflite itself, reproduces the model's scores
    logits = feats @ weights.T + bias
    z = np.exp(logits - logits.max(1, keepdims=True))
    assert np.allclose(z / z.sum(1, keepdims=True), probs, atol=1e-5)
    meta = json.loads((bundle / "model.json").read_text(encoding="utf-8"))
    assert meta["adaptation"]["weights"]["in"] == "model.tflite"
    assert meta["adaptation"]["features"] == feats.shape[1] == protos.shape[1]
    assert meta["sources"][-1]["stage"] == "prototypes"
    assert meta["sources"][-1]["sources"][0]["kind"] == "ink"


def test_again_in_place_and_refusals(adapted, tmp_path, capsys):
    import shutil

    from trainer.cli import main

    bundle, plain = adapted
    copy = tmp_path / "copy"
    shutil.copytree(bundle, copy)
    model = (copy / "model.tflite").read_bytes()
    assert main(["prototypes", "--model", str(copy), "--data", f"ink:{REAL_INK}",
                 "--every", "2"]) == 0
    assert (copy / "model.tflite").read_bytes() == model  # the output is there already
    meta = json.loads((copy / "model.json").read_text(encoding="utf-8"))
    assert meta["adaptation"]["every"] == 2
    assert [s.get("stage") for s in meta["sources"]].count("prototypes") == 1
    not_a_bundle = tmp_path / "mine"
    not_a_bundle.mkdir()
    (not_a_bundle / "notes.txt").write_text("mine")
    capsys.readouterr()
    assert main(["prototypes", "--model", str(plain), "--data", f"ink:{REAL_INK}",
                 "--out", str(not_a_bundle)]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert (not_a_bundle / "notes.txt").read_text() == "mine"
