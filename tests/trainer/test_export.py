"""hanzipad-train export: the bundle of the tiny trained run agrees with it (and predict and
evaluate read it); a disagreeing model and a folder that is not a bundle are refused.

The tiny trained run (``trained``) and its data (``data``) are session fixtures of
tests/trainer/conftest.py, trained once for test_train, test_export and test_average."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pytest

from tests.trainer.tinydata import CHARS
from tests.trainer.trainrun import run_cli

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.slow


def test_export_bundle_agrees_and_predict(trained, data, tmp_path):
    from PIL import Image

    from hanzipad.bundle import load_bundle
    from hanzipad.recognizer import Recognizer
    from trainer.evaluate import load_keras_core
    from trainer.pipeline import DataSet

    run, _ = trained
    out = tmp_path / "bundle"
    rc, text = run_cli("export", "--run-dir", run, "--out", out)
    assert rc == 0, text
    assert re.search(r"agreement with the Keras model: 100.00% of \d+ images", text), text
    bundle = load_bundle(out)
    assert bundle.labels == list(CHARS)
    meta = bundle.meta
    for key in ("name", "sources", "steps", "wall_time_s", "figures", "command", "created",
                "multiply_adds",
                "keras_version", "tensorflow_version", "arch", "params", "config"):
        assert key in meta, key
    assert meta["steps"] == 60 and meta["sources"][0]["kind"] == "gnt"
    assert meta["command"][:2] == ["hanzipad-train", "train"]
    assert "val" in meta["figures"]
    assert meta["sha256"] == hashlib.sha256((out / "model.tflite").read_bytes()).hexdigest()
    # the app's recognizer agrees with the Keras model
    model, labels, *_ = load_keras_core(run)
    imgs = np.stack([im for im, _ in DataSet([f"gnt:{data['val']}"], labels)])
    p_keras = np.asarray(model.predict_on_batch(imgs[..., None].astype(np.float32)))
    p_lite = Recognizer(out).probabilities(imgs)
    assert (p_keras.argmax(1) == p_lite.argmax(1)).mean() >= 0.995
    np.testing.assert_allclose(p_keras, p_lite, atol=1e-3)
    # evaluate the bundle: same figures as the keras model on the same data
    rc, text = run_cli("evaluate", "--model", out, "--data", f"gnt:{data['val']}", "--json")
    r = json.loads(text.strip().splitlines()[-1])
    assert r["n"] == 30 and r["top1"] == pytest.approx(100 * (p_keras.argmax(1) == np.array(
        [y for _, y in DataSet([f"gnt:{data['val']}"], labels)])).mean(), abs=0.01)
    # predict: top-3 per image, like the article's inference step
    png = tmp_path / "x.png"
    Image.fromarray(255 - imgs[0]).save(png)  # dark ink on white, as scanned
    rc, text = run_cli("predict", "--model", out, png)
    assert rc == 0
    line = text.strip().splitlines()[-1]
    assert line.startswith(f"{png}: ")
    cands = re.findall(r"(\S) ([\d.]+)%", line.split(": ", 1)[1])
    assert len(cands) == 3 and all(c in CHARS for c, _ in cands)
    probs = [float(p) for _, p in cands]
    assert probs == sorted(probs, reverse=True)
    rc, text = run_cli("predict", "--model", out, "--json", png, tmp_path / "missing.png")
    assert rc == 2
    assert json.loads(text.strip().splitlines()[0])["candidates"][0]["char"] in CHARS


def test_export_refuses_disagreeing_model(trained, tmp_path, monkeypatch, capsys):
    """A conversion that changes the answers must fail loudly and write no bundle."""
    import keras

    import trainer.bundle_export as B

    run, _ = trained
    real = B.tflite_bytes

    def broken(model, quantize=None):  # a converter that shifts every answer by one class
        inp = keras.Input((64, 64, 1))
        y = model(inp)
        return real(keras.Model(inp, keras.ops.concatenate([y[:, -1:], y[:, :-1]], axis=-1)),
                    quantize)

    monkeypatch.setattr(B, "tflite_bytes", broken)
    rc, text = run_cli("export", "--run-dir", run, "--out", tmp_path / "bad")
    assert rc == 1, text
    # every answer moved; only a near-tie of the barely trained net (two classes within 0.001
    # of each other) may still count as kept, so the agreement is far below the 99.5 % needed
    agreement = float(re.search(r"agreement with the Keras model: ([\d.]+)%", text).group(1))
    assert agreement < 10.0, text
    assert "disagrees with the trained one" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_export_never_replaces_a_folder_that_is_not_a_bundle(trained, tmp_path, capsys):
    """--out naming a folder of the user's (or a file) is refused and left exactly as it was;
    an earlier bundle is replaced."""
    run, _ = trained
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "thesis.txt").write_text("three years of work")
    (work / "sub" / "data.csv").write_text("a,b\n1,2\n")
    rc, text = run_cli("export", "--run-dir", run, "--out", work)
    err = capsys.readouterr().err
    assert rc == 2, text
    assert str(work) in err and "not part of a model bundle" in err and "thesis.txt" in err
    assert (work / "thesis.txt").read_text() == "three years of work"
    assert (work / "sub" / "data.csv").read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in work.iterdir()) == ["sub", "thesis.txt"]
    # a file given as --out stays where it is, untouched
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    rc, _ = run_cli("export", "--run-dir", run, "--out", notes)
    assert rc == 2 and notes.read_text() == "keep me"
    assert "is a file" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "work"]
    # a bundle folder (an earlier export) is replaced; so is an empty folder
    bundle = tmp_path / "bundle"
    rc, text = run_cli("export", "--run-dir", run, "--out", bundle, "--check-samples", 32)
    assert rc == 0, text
    first = (bundle / "model.json").read_text()
    rc, text = run_cli("export", "--run-dir", run, "--out", bundle, "--check-samples", 32,
                       "--name", "second")
    assert rc == 0, text
    assert (bundle / "model.json").read_text() != first
    assert json.loads((bundle / "model.json").read_text())["name"] == "second"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run_cli("export", "--run-dir", run, "--out", empty, "--check-samples", 32)[0] == 0
    # nothing left behind beside them (no scratch or .old folders)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle", "empty", "notes.txt", "work"]
    # a symlink to a bundle folder: the bundle is written where it points, the link stays
    link = tmp_path / "link"
    link.symlink_to(bundle)
    assert run_cli("export", "--run-dir", run, "--out", link, "--check-samples", 32,
                   "--name", "third")[0] == 0
    assert link.is_symlink()
    assert json.loads((bundle / "model.json").read_text())["name"] == "third"


def test_agreement_counts_a_near_tie_as_kept_and_a_real_change_as_not():
    """float16 weights may reorder a near-tie of a barely trained net (a tiny test model's
    average refused export now and then): both orders are right; a real change is not."""
    import numpy as np

    from trainer.export import TIE, agreement

    keras = np.array([[0.5, 0.4995, 0.0005], [0.9, 0.05, 0.05], [0.6, 0.3, 0.1]])
    lite = np.array([[0.4995, 0.5, 0.0005], [0.9, 0.05, 0.05], [0.3, 0.6, 0.1]])
    assert keras[0, 0] - keras[0, 1] < TIE
    assert agreement(keras, lite) == 2 / 3  # the tie kept, the 0.6 -> 0.3 swap not
    assert agreement(keras, keras) == 1.0
