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


def _sha256(path):
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_sha256_recorded_in_model_json_is_checked(bundle_copy):
    """model.json's "sha256" of model.tflite is checked on load: a damaged or replaced model
    file is refused naming it, before any interpreter reads it."""
    model = bundle_copy / "model.tflite"
    _edit_meta(bundle_copy, sha256=_sha256(model))
    assert load_bundle(bundle_copy).meta["sha256"] == _sha256(model)
    Recognizer(bundle_copy)
    raw = bytearray(model.read_bytes())
    raw[len(raw) // 2] ^= 0x40  # one flipped bit in the weights
    model.write_bytes(bytes(raw))
    with pytest.raises(BundleError) as e:
        load_bundle(bundle_copy)
    assert str(e.value).startswith(f"{model}: ") and "SHA-256" in str(e.value)
    with pytest.raises(BundleError, match="SHA-256"):
        Recognizer(bundle_copy)


def test_malformed_sha256_field_refused(bundle_copy):
    _edit_meta(bundle_copy, sha256="abc")
    with pytest.raises(BundleError, match="model.json: sha256 must be 64 hexadecimal digits"):
        load_bundle(bundle_copy)


def test_bundle_without_sha256_still_loads(tiny_bundle):
    """Bundles exported before the field existed load as before."""
    assert "sha256" not in load_bundle(tiny_bundle).meta
    Recognizer(tiny_bundle)


def test_fuzzed_model_gives_bundle_error_never_a_traceback(bundle_copy, tmp_path):
    """A damaged model.tflite in a bundle without a checksum (an old bundle): whatever the
    interpreter raises while loading it becomes a BundleError naming the file."""
    orig = (bundle_copy / "model.tflite").read_bytes()
    rng = np.random.default_rng(0)
    other = []
    for i in range(120):
        raw = bytearray(orig)
        if i % 3 == 0:
            for _ in range(8):
                raw[rng.integers(len(raw))] = rng.integers(256)
        elif i % 3 == 1:
            raw = raw[: rng.integers(len(raw))]
        else:
            pos = int(rng.integers(len(raw) - 64))
            raw[pos:pos + 32] = rng.integers(0, 256, 32, dtype=np.uint8).tobytes()
        (bundle_copy / "model.tflite").write_bytes(bytes(raw))
        try:
            rec = Recognizer(bundle_copy)
        except BundleError as exc:
            assert str(bundle_copy / "model.tflite") in str(exc)
            continue
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            other.append(f"{type(exc).__name__}: {exc}")
            continue
        assert np.isfinite(rec.probabilities(np.zeros((2, 64, 64), np.uint8))).all()
    assert not other, other


def test_non_finite_outputs_refused_on_load(tmp_path):
    """A model whose outputs are NaN (a diverged training run) is refused when loaded: the
    warm-up inference checks them."""
    import keras

    from trainer.bundle_export import tflite_bytes, write_bundle

    inp = keras.Input((64, 64, 1))
    x = keras.layers.Flatten()(keras.layers.Rescaling(1 / 255.0)(inp))
    dense = keras.layers.Dense(len(TINY_LABELS), activation="softmax")
    model = keras.Model(inp, dense(x))
    w, b = dense.get_weights()
    w[0, 0] = np.nan
    dense.set_weights([w, b])
    out = write_bundle(tmp_path / "nan", tflite_bytes(model), TINY_LABELS, name="nan")
    load_bundle(out)  # the files are consistent...
    with pytest.raises(BundleError) as e:  # ...but the model computes NaN
        Recognizer(out)
    assert str(e.value).startswith(f"{out / 'model.tflite'}: ") and "not finite" in str(e.value)
