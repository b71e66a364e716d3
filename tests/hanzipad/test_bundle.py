import json
import shutil

import numpy as np
import pytest

from hanzipad.bundle import BundleError, load_bundle
from hanzipad.recognizer import Recognizer
from tests.helpers import TINY_LABELS


@pytest.fixture
def bundle_copy(tiny_bundle, tmp_path):
    dst = tmp_path / "b"
    shutil.copytree(tiny_bundle, dst)
    return dst


def _edit_meta(path, **changes):
    meta = json.loads((path / "model.json").read_text())
    meta.update(changes)
    (path / "model.json").write_text(json.dumps(meta))


def test_valid_bundle_loads(tiny_bundle):
    b = load_bundle(tiny_bundle)
    assert b.labels == TINY_LABELS and b.classes == 10 and b.input_size == 64


def test_missing_bundle(tmp_path):
    with pytest.raises(BundleError, match="not found"):
        load_bundle(tmp_path / "none")


@pytest.mark.parametrize("name", ["model.tflite", "labels.txt", "model.json"])
def test_incomplete_bundle_names_the_missing_file(bundle_copy, name):
    (bundle_copy / name).unlink()
    with pytest.raises(BundleError, match=f"missing {name}"):
        load_bundle(bundle_copy)


def test_class_count_mismatch(bundle_copy):
    _edit_meta(bundle_copy, classes=11)
    with pytest.raises(BundleError, match="11 classes but labels.txt has 10"):
        load_bundle(bundle_copy)


def test_labels_vs_model_outputs(bundle_copy):
    (bundle_copy / "labels.txt").write_text("".join(f"{c}\n" for c in "一二三"))
    _edit_meta(bundle_copy, classes=3)
    with pytest.raises(BundleError, match="10 outputs but labels.txt lists 3"):
        Recognizer(bundle_copy)


def test_convention_version(bundle_copy):
    _edit_meta(bundle_copy, convention_version=99)
    with pytest.raises(BundleError, match="convention 99"):
        load_bundle(bundle_copy)


def test_corrupt_json(bundle_copy):
    (bundle_copy / "model.json").write_text("{oops")
    with pytest.raises(BundleError, match="model.json: not valid JSON"):
        load_bundle(bundle_copy)


def test_corrupt_model(bundle_copy):
    (bundle_copy / "model.tflite").write_bytes(b"\x00garbage" * 10)
    with pytest.raises(BundleError, match="not a valid TFLite model"):
        Recognizer(bundle_copy)


def test_recognizer_ranks_and_batches(tiny_bundle):
    rec = Recognizer(tiny_bundle)
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 255, (3, 64, 64), dtype=np.uint8)
    single = [rec.classify(i, 4) for i in imgs]
    batch = rec.classify_batch(imgs, 4)
    for s, b in zip(single, batch):
        assert [c.char for c in s] == [c.char for c in b]
        probs = [c.prob for c in s]
        assert probs == sorted(probs, reverse=True)
        assert all(c.char in TINY_LABELS for c in s)
    p = rec.probabilities(imgs)
    assert p.shape == (3, 10) and np.allclose(p.sum(axis=1), 1, atol=1e-4)
    assert len(rec.classify(imgs[0], 100)) == 10
