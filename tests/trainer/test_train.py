"""Train a tiny model on tiny .gnt data written here; resume; evaluate; export; predict."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re

import numpy as np
import pytest

from tests.trainer.tinydata import CHARS, write_gnt

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.slow

TINY = ["--classes", CHARS, "--width", "0.25", "--batch-size", "16",
        "--set", "log_every=10", "--set", "progress=log", "--set", "warmup_steps=10",
        "--set", "shuffle_buffer=256"]


def run_cli(*argv) -> tuple[int, str]:
    from trainer.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("gnt")
    return {"train": write_gnt(root / "train", per_char=30, seed=1),
            "val": write_gnt(root / "val", per_char=6, seed=2, files=1), "root": root}


@pytest.fixture(scope="module")
def trained(data):
    run = data["root"] / "run"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--val", f"gnt:{data['val']}",
                      "--run-dir", run, "--max-steps", 60, "--val-every", 30,
                      "--checkpoint-every", 20, *TINY)
    assert rc == 0, out
    return run, out


def tb_steps(events) -> dict[str, list[int]]:
    """The steps of each scalar in a TensorBoard event file."""
    import tensorflow as tf
    from tensorflow.core.util import event_pb2

    out: dict[str, list[int]] = {}
    for record in tf.data.TFRecordDataset(str(events)):
        event = event_pb2.Event.FromString(record.numpy())
        for value in event.summary.value:
            out.setdefault(value.tag, []).append(int(event.step))
    return out


def losses(out: str) -> list[float]:
    return [float(m) for m in re.findall(r"^step \d+/\d+ loss ([\d.]+)", out, re.M)]


def test_loss_falls_and_run_dir_complete(trained):
    run, out = trained
    ls = losses(out)
    assert len(ls) == 10  # log_every=10 but at least every 10 % of the 60 steps: every 6
    assert [int(s) for s in re.findall(r"^step (\d+)/60 loss", out, re.M)] == list(range(6, 61, 6))
    # what it is doing before the first step, in order (it used to be silent for ~44 s)
    said = [out.index(m) for m in ("opening data…", "loading TensorFlow and Keras…",
                                    "building the model…", "preparing the input pipeline",
                                    "starting: the first step", "step 6/60 loss")]
    assert said == sorted(said), out
    assert ls[-1] < 0.8 * ls[0], ls
    assert "img/s" in out and "ETA" in out
    assert "validation top-1" in out
    for name in ("latest.keras", "best.keras", "state.json", "config.json", "command.json"):
        assert (run / name).is_file(), name
    state = json.loads((run / "state.json").read_text())
    assert state["step"] == 60 and state["best_val_top1"] is not None
    assert state["train_stats"][next(iter(state["train_stats"]))]["skipped"] == 0
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["classes"] == CHARS and cfg["max_steps"] == 60 and cfg["width"] == 0.25
    assert (run / "tb").is_dir()


def test_resume_continues_with_optimizer_state(trained, data, tmp_path):
    import shutil

    import keras

    run, _ = trained
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    saved = keras.models.load_model(copy / "latest.keras")
    assert int(saved.optimizer.iterations) == 60
    moments = [v for v in saved.optimizer.variables if "momentum" in v.path or "velocity" in v.path]
    assert moments and any(np.abs(np.asarray(v)).sum() > 0 for v in moments)
    before = set((copy / "tb" / "train").iterdir())
    rc, out = run_cli("train", "--run-dir", copy, "--max-steps", 70)  # the stored config is reused
    assert rc == 0, out
    assert "kept from it: " in out and "changed by this command: max_steps 60 -> 70" in out
    # TensorBoard continues at step 61.., not at 1.. over the first session's curves
    (events,) = set((copy / "tb" / "train").iterdir()) - before
    steps = tb_steps(events)
    assert steps["batch_loss"] and min(steps["batch_loss"]) > 60, steps
    assert steps["epoch_loss"] == [70], steps
    assert "resuming from step 60" in out
    assert "step 70/70" in out and "step 10/" not in out
    assert json.loads((copy / "state.json").read_text())["step"] == 70
    cmds = json.loads((copy / "command.json").read_text())
    assert [c["start_step"] for c in cmds] == [0, 60]


def test_init_from_fine_tunes_from_the_weights(trained, data, tmp_path):
    import keras

    from trainer.model import core_of

    run, _ = trained
    ft = tmp_path / "ft"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", ft, "--init-from",
                      run, "--max-steps", 2, "--lr", 1e-12, *TINY)
    assert rc == 0, out
    assert f"fine-tuning: weights from {run / 'best.keras'}" in out
    assert "training steps 0..2" in out and "resuming" not in out  # fresh optimizer and schedule
    saved = keras.models.load_model(ft / "latest.keras")
    assert int(saved.optimizer.iterations) == 2
    a, b = core_of(keras.models.load_model(run / "best.keras")), core_of(saved)
    kernels = [(x, y) for x, y in zip(a.weights, b.weights) if "kernel" in x.path]
    assert kernels
    for x, y in kernels:  # learning rate ~0: the weights are the source's
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-6)
    state = json.loads((ft / "state.json").read_text())
    assert state["init_from"]["step"] == 60 and state["init_from"]["sources"][0]["kind"] == "gnt"
    bundle = tmp_path / "bundle"
    rc, out = run_cli("export", "--run-dir", ft, "--out", bundle, "--data", f"gnt:{data['val']}")
    assert rc == 0, out
    meta = json.loads((bundle / "model.json").read_text())
    assert meta["init_from"]["checkpoint"] == "best.keras"  # its name, not where it lay (trainer.records)
    assert [s.get("stage") for s in meta["sources"]] == [None, "init"]  # its own, then the base's
    fresh = tmp_path / "fresh"
    assert run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", fresh, "--max-steps",
                   1, "--lr", 1e-12, *TINY)[0] == 0
    c = core_of(keras.models.load_model(fresh / "latest.keras"))
    assert not np.allclose(np.asarray(kernels[0][0]), np.asarray(c.weights[0]))


def test_init_from_refuses_another_architecture(trained, data, tmp_path, capsys):
    run, _ = trained
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "ft",
                    "--init-from", run, "--max-steps", 1, *TINY, "--width", "0.5")
    err = capsys.readouterr().err
    assert rc == 2
    assert "best.keras" in err and "another architecture" in err
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "ft2",
                    "--init-from", tmp_path / "nowhere", "--max-steps", 1, *TINY)
    assert rc == 2 and "no such checkpoint" in capsys.readouterr().err
    bad = tmp_path / "corrupt.keras"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "ft3",
                    "--init-from", bad, "--max-steps", 1, *TINY)
    err = capsys.readouterr().err
    assert rc == 2 and str(bad) in err and "not a readable Keras checkpoint" in err


def test_init_from_prune_starts_a_narrower_network_from_a_run_or_a_bundle(trained, data, tmp_path,
                                                                         capsys):
    """--prune: a wider run (or its exported bundle) starts this run's narrower network; the
    log names the multiply-adds before and after; the run records where it came from."""
    import keras

    from trainer.model import core_of, multiply_adds

    run, _ = trained  # width 0.25
    narrow = ["--width", "0.125"]
    ft = tmp_path / "pruned"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", ft, "--init-from",
                      run, "--prune", "--max-steps", 2, "--lr", 1e-12, *TINY, *narrow)
    assert rc == 0, out
    assert "pruned" in out and "multiply-adds" in out and "agreement" in out
    wide = core_of(keras.models.load_model(run / "best.keras"))
    small = core_of(keras.models.load_model(ft / "latest.keras"))
    assert multiply_adds(small) < multiply_adds(wide)
    assert small.get_layer("b4a_conv").kernel.shape[-1] < wide.get_layer("b4a_conv").kernel.shape[-1]
    state = json.loads((ft / "state.json").read_text())
    assert state["init_from"]["step"] == 60
    bundle = tmp_path / "bundle"
    assert run_cli("export", "--run-dir", run, "--out", bundle, "--data", f"gnt:{data['val']}")[0] == 0
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "pb",
                      "--init-from", bundle, "--prune", "--max-steps", 1, *TINY, *narrow)
    assert rc == 0, out
    assert "pruned" in out and json.loads((tmp_path / "pb" / "state.json").read_text())[
        "init_from"]["kind"] == "model bundle"
    capsys.readouterr()
    # a narrower source cannot start a wider network; without --prune another width is refused
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "w",
                    "--init-from", ft, "--prune", "--max-steps", 1, *TINY)
    err = capsys.readouterr().err
    assert rc == 2 and "cannot add" in err and str(ft) in err
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "w2",
                    "--init-from", run, "--max-steps", 1, *TINY, *narrow)
    assert rc == 2 and "--prune" in capsys.readouterr().err


def test_evaluate_json_on_run_dir(trained, data):
    run, _ = trained
    rc, out = run_cli("evaluate", "--model", run, "--data", f"gnt:{data['val']}", "--json")
    assert rc == 0, out
    r = json.loads(out.strip().splitlines()[-1])
    assert r["n"] == 30 and r["skipped"] == 0
    for k in ("top1", "top3", "top10"):
        assert 0 <= r[k] <= 100
    assert r["top1"] <= r["top3"] <= r["top10"] == 100.0  # 5 classes: top-10 holds all
    assert set(r["per_class"]) <= set(CHARS)
    assert "top-1" in out and "most confused" in out or r["top1"] == 100.0
    assert json.loads((run / "figures.json").read_text())  # export puts these in model.json


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


def test_export_refuses_disagreeing_model(trained, tmp_path, monkeypatch):
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
    assert "agreement with the Keras model: 0.00%" in text
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


def test_init_from_a_bundle_fine_tunes_the_exported_weights(trained, data, tmp_path, capsys):
    """--init-from BUNDLE_DIR rebuilds the network from the bundle's .tflite (int8 too): the
    fine-tune starts where the bundle is (same answers), and records the bundle it came from."""
    import keras

    from hanzipad.recognizer import Recognizer
    from trainer.bundle_export import tflite_bytes, write_bundle
    from trainer.evaluate import load_keras_core
    from trainer.from_bundle import check_agreement, keras_from_bundle
    from trainer.pipeline import DataSet

    run, _ = trained
    bundle = tmp_path / "bundle"
    # an int8 bundle written directly (export's own agreement check is tested elsewhere; a
    # tiny net's int8 answers may differ on a sample or two, which is not this test's point)
    model, labels, cfg, state, _ = load_keras_core(run)
    write_bundle(bundle, tflite_bytes(model, "int8"), labels, arch=cfg.arch, width=cfg.width,
                 params=int(model.count_params()), steps=int(state["step"]), quantize="int8")
    imgs = np.stack([im for im, _ in DataSet([f"gnt:{data['val']}"], list(CHARS))])[..., None]
    core, meta = keras_from_bundle(bundle, calibration=imgs)
    assert meta["arch"] == "compact" and core.count_params() == meta["params"]
    assert check_agreement(core, bundle, imgs) >= 0.95
    p = core.predict(imgs.astype(np.float32), verbose=0)
    np.testing.assert_allclose(p, Recognizer(bundle).probabilities(imgs[..., 0]), atol=0.05)
    ft = tmp_path / "ft"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", ft,
                      "--init-from", bundle, "--max-steps", 2, *TINY)
    assert rc == 0, out
    assert "rebuilt" in out and "agreement with the bundle" in out
    state = json.loads((ft / "state.json").read_text())
    assert state["init_from"]["kind"] == "model bundle"
    assert state["init_from"]["steps"] == 60
    # a bundle of another width is refused, naming it
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "w",
                      "--init-from", bundle, "--max-steps", 1, *TINY, "--width", "0.5")
    err = capsys.readouterr().err
    assert rc == 2 and f"{bundle}: another architecture or width" in err
    assert f"the bundle is {meta['params']:,} parameters" in err and "--arch/--width" in err
    m = keras.models.load_model(ft / "latest.keras")
    assert int(m.optimizer.iterations) == 2


def test_numpy_input_path_trains(data, tmp_path):
    """The PyDataset path (for JAX boxes without TensorFlow): augmentation inside the model."""
    import keras

    run = tmp_path / "np"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", run,
                      "--max-steps", 20, "--input", "numpy", *TINY)
    assert rc == 0, out
    m = keras.models.load_model(run / "latest.keras")
    assert m.get_layer("augment") and m.get_layer("hanzipad")
    assert int(m.optimizer.iterations) == 20
    rc, out = run_cli("export", "--run-dir", run, "--out", tmp_path / "b", "--check-samples", 64)
    assert rc == 0, out


@pytest.mark.parametrize("spec, needle", [
    ("gnt:/no/such/folder", "/no/such/folder"),
    ("nosuchkind:/tmp", "unknown kind"),
    ("justapath", "KIND:PATH"),
])
def test_bad_data_spec_exits_2(spec, needle, tmp_path, capsys):
    from trainer.cli import main

    rc = main(["train", "--train", spec, "--run-dir", str(tmp_path / "r"), "--max-steps", "1"])
    assert rc == 2
    err = capsys.readouterr().err
    assert needle in err and "error" in err


def test_bad_config_exits_2(tmp_path, capsys):
    from trainer.cli import main

    cfg = tmp_path / "c.toml"
    cfg.write_text("lr = 'fast'\n")
    rc = main(["train", "--train", "gnt:/x", "--run-dir", str(tmp_path / "r"), "--config", str(cfg)])
    assert rc == 2 and "lr must be a float" in capsys.readouterr().err
    rc = main(["evaluate", "--model", str(tmp_path / "nothing"), "--data", "gnt:/x"])
    assert rc == 2 and "no such bundle or run dir" in capsys.readouterr().err


def test_average_writes_the_mean_of_checkpoints_as_a_run_dir_to_export(trained, data, tmp_path,
                                                                       capsys):
    import keras

    from hanzipad.bundle import load_bundle
    from hanzipad.credits import model_credits
    from trainer.records import machine_paths

    run, _ = trained
    ft = tmp_path / "ft"  # a second member: the run fine-tuned a little further
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", ft, "--init-from",
                      run, "--max-steps", 5, "--lr", 1e-2, *TINY)
    assert rc == 0, out
    avg = tmp_path / "avg"
    rc, out = run_cli("average", "--from", run, ft / "latest.keras", "--out", avg)
    assert rc == 0, out
    assert "the mean of 2 checkpoints" in out
    members = [keras.models.load_model(p, compile=False)
               for p in (run / "best.keras", ft / "latest.keras")]
    mean = keras.models.load_model(avg / "best.keras", compile=False)
    kernels = [i for i, w in enumerate(mean.weights) if "kernel" in w.path]
    assert kernels
    moved = 0
    for i in kernels:
        a, b = (np.asarray(m.weights[i]) for m in members)
        np.testing.assert_allclose(np.asarray(mean.weights[i]), (a + b) / 2, rtol=1e-5, atol=1e-7)
        moved += not np.allclose(a, b)
    assert moved  # the members differ, so the mean is neither of them
    state = json.loads((avg / "state.json").read_text())
    assert [m["checkpoint"].rsplit("/", 1)[-1] for m in state["averaged_from"]] == [
        "best.keras", "latest.keras"]
    assert state["averaged_from"][1]["init_from"]["step"] == 60  # the lineage of each member
    rc, out = run_cli("evaluate", "--model", avg, "--data", f"gnt:{data['val']}", "--json")
    assert rc == 0 and json.loads(out.strip().splitlines()[-1])["n"] == 30
    bundle = tmp_path / "bundle"
    rc, out = run_cli("export", "--run-dir", avg, "--out", bundle, "--data", f"gnt:{data['val']}")
    assert rc == 0, out
    meta = load_bundle(bundle).meta
    assert meta["steps"] == 60 and len(meta["averaged_from"]) == 2
    assert meta["command"][:2] == ["hanzipad-train", "average"]
    # the training data of both members, each listed once (the fine-tune's base is the run)
    assert [(s["kind"], s.get("stage")) for s in meta["sources"]] == [("gnt", "init")]
    assert not machine_paths(meta)
    assert [c.line() for c in model_credits(meta)]  # the About box still names the data
    # an average is not a run to resume: train refuses it instead of starting over in it
    before = (avg / "best.keras").read_bytes()
    capsys.readouterr()
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", avg, "--max-steps", 1,
                    *TINY)
    assert rc == 2 and "holds an average of checkpoints" in capsys.readouterr().err
    assert (avg / "best.keras").read_bytes() == before and not (avg / "latest.keras").exists()


def test_average_recalibrates_batch_norms_on_clean_images(trained, data, tmp_path, capsys):
    """--recalibrate: the mean's batch norms hold the statistics of their inputs on the given
    data's (unaugmented) images, measured in network order; the other weights stay the mean;
    the data is recorded as a source of the weights."""
    import keras

    from hanzipad.bundle import load_bundle
    from trainer import model as M
    from trainer.pipeline import DataSet
    from trainer.records import machine_paths

    run, _ = trained
    ft = tmp_path / "ft"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", ft, "--init-from",
                      run, "--max-steps", 5, "--lr", 1e-2, *TINY)
    assert rc == 0, out
    plain, recal = tmp_path / "plain", tmp_path / "recal"
    rc, out = run_cli("average", "--from", run, ft, "--out", plain)
    assert rc == 0, out
    spec = f"gnt:{data['val']}"
    rc, out = run_cli("average", "--from", run, ft, "--out", recal, "--recalibrate", spec,
                      "--recalibrate-images", 1000)
    assert rc == 0, out
    images = np.stack([im for im, _ in DataSet([spec], list(CHARS))])[..., None]
    assert f"batch norms (6) measured again on {len(images)} images of {spec}" in out
    cores = [M.core_of(keras.models.load_model(d / "best.keras", compile=False))
             for d in (plain, recal)]
    norms = [layer.name for layer in cores[1].layers
             if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(norms) == 6
    for name in norms:
        bn = cores[1].get_layer(name)
        probe = keras.Model(cores[1].input, bn.input)
        a = probe.predict(images.astype(np.float32), verbose=0)
        a = a.reshape(-1, a.shape[-1])
        _, _, mean, var = bn.get_weights()
        np.testing.assert_allclose(mean, a.mean(0), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(var, a.var(0), rtol=1e-3, atol=1e-4)
        # gamma and beta are the plain mean's; its running statistics were not these
        theirs = cores[0].get_layer(name).get_weights()
        for w, v in zip(bn.get_weights()[:2], theirs[:2]):
            np.testing.assert_array_equal(w, v)
        assert not np.allclose(mean, theirs[2], rtol=1e-3, atol=1e-4)
    for layer in ("b1_conv", "probs"):
        for w, v in zip(*(c.get_layer(layer).get_weights() for c in cores)):
            np.testing.assert_array_equal(w, v)
    state = json.loads((recal / "state.json").read_text())
    assert state["recalibrated"] == {"data": [spec], "images": len(images), "batch_norms": 6}
    bundle = tmp_path / "bundle"
    rc, out = run_cli("export", "--run-dir", recal, "--out", bundle, "--data", spec)
    assert rc == 0, out
    meta = load_bundle(bundle).meta
    assert [(s["kind"], s.get("stage")) for s in meta["sources"]] == [("gnt", None),
                                                                       ("gnt", "init")]
    assert meta["recalibrated"]["images"] == len(images)
    assert meta["recalibrated"]["data"][0].startswith("gnt:")
    assert not machine_paths(meta)  # the data is named, not the machine's path to it
    # bad recalibration data is refused, naming it, before anything is written
    capsys.readouterr()
    rc, _ = run_cli("average", "--from", run, ft, "--out", tmp_path / "bad", "--recalibrate",
                    f"gnt:{tmp_path / 'nowhere'}")
    err = capsys.readouterr().err
    assert rc == 2 and "nowhere" in err and "--recalibrate" in err
    rc, _ = run_cli("average", "--from", run, ft, "--out", tmp_path / "none", "--recalibrate",
                    spec, "--recalibrate-images", 0)
    assert rc == 2 and "--recalibrate-images must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists() and not (tmp_path / "none").exists()
    # one run dir alone: only with --recalibrate (its batch norms measured again, kernels kept)
    rc, _ = run_cli("average", "--from", ft, "--out", tmp_path / "alone")
    assert rc == 2 and "at least two checkpoints" in capsys.readouterr().err
    one = tmp_path / "one"
    rc, out = run_cli("average", "--from", ft, "--out", one, "--recalibrate", spec)
    assert rc == 0 and "parameters" in out and "the mean of" not in out, out
    before, after = (M.core_of(keras.models.load_model(p, compile=False))
                     for p in (ft / "latest.keras", one / "best.keras"))
    np.testing.assert_array_equal(after.get_layer("b2a_conv").get_weights()[0],
                                  before.get_layer("b2a_conv").get_weights()[0])
    a = keras.Model(after.input, after.get_layer("b1_bn").input).predict(
        images.astype(np.float32), verbose=0)
    np.testing.assert_allclose(after.get_layer("b1_bn").get_weights()[2],
                               a.reshape(-1, a.shape[-1]).mean(0), rtol=1e-3, atol=1e-4)


def test_average_takes_a_bundle_member(trained, data, tmp_path, capsys):
    """The shipped model is a bundle, not a run dir: a stage fine-tuned from it averages with
    the bundle itself, rebuilt as --init-from rebuilds it, and the bundle of the average writes
    the bundle's record, repeated in both members, once."""
    from hanzipad.bundle import load_bundle
    from hanzipad.provenance import expand
    from trainer import model as M
    from trainer.evaluate import load_keras_core
    from trainer.from_bundle import keras_from_bundle

    run, _ = trained
    base = tmp_path / "base"
    rc, out = run_cli("export", "--run-dir", run, "--out", base, "--data", f"gnt:{data['val']}")
    assert rc == 0, out
    ft = tmp_path / "ft"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", ft, "--init-from",
                      base, "--max-steps", 5, "--lr", 1e-2, *TINY)
    assert rc == 0, out
    avg = tmp_path / "avg"
    rc, out = run_cli("average", "--from", ft, base, "--out", avg)  # calibrated on ft's data
    assert rc == 0, out
    assert f"{base} (a bundle, rebuilt from its .tflite: top-1 agreement" in out
    # convolution and dense weights: the mean of the fine-tune's and the bundle's (rebuilt from
    # its .tflite; its batch-norm statistics depend on the calibration images, these do not)
    cores = [M.core_of(load_keras_core(ft)[0]), keras_from_bundle(base)[0]]
    mean = M.core_of(load_keras_core(avg)[0])
    layers = [f"{n}_conv" for n in ("b1", "b2a", "b2b", "b3a", "b3b", "b4a")] + ["probs"]
    moved = 0
    for name in layers:
        a, b = (np.asarray(c.get_layer(name).get_weights()[0]) for c in cores)
        np.testing.assert_allclose(mean.get_layer(name).get_weights()[0], (a + b) / 2,
                                   rtol=1e-3, atol=1e-5)
        moved += not np.allclose(a, b, rtol=1e-3, atol=1e-5)
    assert moved  # the fine-tune moved, so the average is neither member
    state = json.loads((avg / "state.json").read_text())
    assert [m.get("kind") for m in state["averaged_from"]] == [None, "model bundle"]
    assert state["averaged_from"][0]["init_from"] == state["averaged_from"][1]
    rc, out = run_cli("evaluate", "--model", avg, "--data", f"gnt:{data['val']}", "--json")
    assert rc == 0 and json.loads(out.strip().splitlines()[-1])["top1"] > 0.5
    bundle = tmp_path / "bundle"
    rc, out = run_cli("export", "--run-dir", avg, "--out", bundle, "--data", f"gnt:{data['val']}")
    assert rc == 0, out
    text = (bundle / "model.json").read_text(encoding="utf-8")
    meta = load_bundle(bundle).meta
    assert '"$ref": "#/averaged_from/0/init_from"' in text  # the base's record, written once
    full = expand(meta)
    assert full["averaged_from"][1] == full["averaged_from"][0]["init_from"]
    assert full["averaged_from"][1]["steps"] == 60
    assert len(text) < len(json.dumps(full, ensure_ascii=False, indent=1))
    # a stage from this bundle reads the whole record back (init_from expands the references)
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "ft2",
                      "--init-from", bundle, "--max-steps", 1, *TINY)
    assert rc == 0, out
    state = json.loads((tmp_path / "ft2" / "state.json").read_text())
    assert "$ref" not in json.dumps(state) and state["init_from"]["averaged_from"][1]["steps"] == 60
    # two bundles have no config to give the average; a bad --calibrate is named
    capsys.readouterr()
    rc, _ = run_cli("average", "--from", base, bundle, "--out", tmp_path / "none")
    assert rc == 2 and "every member given is a model bundle" in capsys.readouterr().err
    rc, _ = run_cli("average", "--from", ft, base, "--out", tmp_path / "nocal",
                    "--calibrate", f"gnt:{tmp_path / 'nowhere'}")
    err = capsys.readouterr().err
    assert rc == 2 and "nowhere" in err and "--calibrate" in err
    # a bundle of another width is refused as a member, naming both
    narrow = tmp_path / "narrow"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", narrow,
                      "--max-steps", 1, *TINY, "--width", "0.5")
    assert rc == 0, out
    rc, _ = run_cli("average", "--from", narrow, base, "--out", tmp_path / "mixed")
    err = capsys.readouterr().err
    assert rc == 2 and f"{base}: another network than" in err and "narrow" in err
    assert not any(p.exists() for p in (tmp_path / "none", tmp_path / "nocal", tmp_path / "mixed"))


def _relabelled_run(run, out, **config):
    """A copy of the run dir ``run``'s best checkpoint at ``out`` whose config.json says
    ``config`` instead (what average reads first, before any weights)."""
    out.mkdir()
    stored = json.loads((run / "config.json").read_text())
    (out / "config.json").write_text(json.dumps({**stored, **config}))
    (out / "best.keras").write_bytes((run / "best.keras").read_bytes())
    return out


def test_average_refuses_what_it_cannot_average(trained, tmp_path, capsys):
    run, _ = trained
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    rc, _ = run_cli("average", "--from", run, run, "--out", taken)
    assert rc == 2 and "replaces nothing" in capsys.readouterr().err
    assert (taken / "notes.txt").read_text() == "mine" and len(list(taken.iterdir())) == 1
    rc, _ = run_cli("average", "--from", run, "--out", tmp_path / "one")
    assert rc == 2 and "at least two" in capsys.readouterr().err
    rc, _ = run_cli("average", "--from", run, tmp_path / "nowhere", "--out", tmp_path / "a")
    assert rc == 2 and f"{tmp_path / 'nowhere'}: no such run dir" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text((run / "config.json").read_text())
    (bad / "best.keras").write_bytes((run / "best.keras").read_bytes()[:5000])  # truncated
    rc, _ = run_cli("average", "--from", run, bad, "--out", tmp_path / "b")
    err = capsys.readouterr().err
    assert rc == 2 and str(bad / "best.keras") in err and "truncated or corrupt" in err
    wide = _relabelled_run(run, tmp_path / "wide", width=0.5)
    rc, _ = run_cli("average", "--from", run, wide, "--out", tmp_path / "c")
    err = capsys.readouterr().err
    assert rc == 2 and "another network" in err and "width 0.25 vs 0.5" in err
    # a stage trained without dropout (no weights): it averages
    calm = _relabelled_run(run, tmp_path / "calm", dropout=0.0)
    rc, out = run_cli("average", "--from", run, calm, "--out", tmp_path / "d")
    assert rc == 0, out
    assert (tmp_path / "d" / "best.keras").is_file()
    for name in ("a", "b", "c", "one"):
        assert not (tmp_path / name).exists()  # a refusal writes nothing


def test_init_run_keeps_the_network_and_its_lineage_small(trained, data, tmp_path, capsys):
    """The device kit's init/: a run dir with the network's weights alone (no optimizer
    state) and the record of its data; train --init-from it starts from the same weights and
    its model.json still names the base run's sources."""
    import keras

    from trainer.devicekit import init_run
    from trainer.devicekit import main as kit_main
    from trainer.model import core_of

    run, _ = trained
    small = tmp_path / "init"
    r = init_run(run, small)
    assert sorted(p.name for p in small.iterdir()) == ["best.keras", "command.json",
                                                       "config.json", "state.json"]
    assert (small / "best.keras").stat().st_size < (run / "latest.keras").stat().st_size / 2
    assert r["parameters"] == core_of(keras.models.load_model(run / "best.keras")).count_params()
    state = json.loads((small / "state.json").read_text())
    assert state["sources"][0]["kind"] == "gnt" and "config_hash" not in state  # lineage only
    ft = tmp_path / "ft"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", ft, "--init-from",
                      small, "--max-steps", 1, "--lr", 1e-12, *TINY)
    assert rc == 0, out
    a = core_of(keras.models.load_model(run / "best.keras"))
    b = core_of(keras.models.load_model(ft / "latest.keras"))
    for x, y in zip(a.weights, b.weights):
        if "kernel" in x.path:
            np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-6)
    lineage = json.loads((ft / "state.json").read_text())["init_from"]
    assert lineage["sources"] == state["sources"] and lineage["step"] == state["step"]
    assert kit_main(["init-run", str(run), str(small)]) == 2  # never over an existing folder
    assert f"{small}: exists" in capsys.readouterr().err
    assert kit_main(["init-run", str(run / "best.keras"), str(tmp_path / "x")]) == 2
    assert "not a run dir" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "init.tmp").exists()


def _grow_train_export(run, data, tmp_path, arch, message):
    """Grow the compact run ``run`` into ``arch`` (one step at lr 1e-12: the answers stay, and
    the log says ``message``), train the grown run 10 real steps and export it. Returns the
    validation images, the grown network, the trained run dir and the bundle."""
    import keras

    from trainer.model import core_of
    from trainer.pipeline import DataSet

    imgs = np.stack([im for im, _ in DataSet([f"gnt:{data['val']}"], list(CHARS))])[..., None]
    grown = tmp_path / "grown"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", grown, "--init-from",
                      run, "--arch", arch, "--max-steps", 1, "--lr", 1e-12, *TINY)
    assert rc == 0, out
    assert message in out
    src = core_of(keras.models.load_model(run / "best.keras"))
    net = core_of(keras.models.load_model(grown / "latest.keras"))
    agree = (net.predict(imgs, verbose=0).argmax(1) == src.predict(imgs, verbose=0).argmax(1)).mean()
    assert agree >= 0.95  # one step at lr 1e-12 (batch norms' running means move a little)
    learnt = tmp_path / "learnt"  # a few real steps so the new layers carry weight
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--val", f"gnt:{data['val']}",
                      "--run-dir", learnt, "--init-from", grown, "--arch", arch,
                      "--max-steps", 10, "--lr", 1e-2, *TINY)
    assert rc == 0, out
    bundle = tmp_path / "bundle"
    rc, out = run_cli("export", "--run-dir", learnt, "--out", bundle, "--data", f"gnt:{data['val']}")
    assert rc == 0, out
    assert json.loads((bundle / "model.json").read_text())["arch"] == arch
    return imgs, src, net, learnt, bundle


def test_a_compact_run_grows_into_a_layout_network_that_exports_and_fine_tunes_again(
        trained, data, tmp_path, capsys):
    """--arch layout --init-from a compact run of its width: the grid head is added without
    changing the answers; the layout run exports, its bundle is rebuilt layer for layer
    (grid head included) for another fine-tune; --prune refuses a layout network."""
    import keras

    from trainer.from_bundle import check_agreement, keras_from_bundle
    from trainer.model import core_of, multiply_adds

    run, _ = trained  # compact, width 0.25
    imgs, src, lay, learnt, bundle = _grow_train_export(run, data, tmp_path, "layout",
                                                        "grows a layout head")
    assert multiply_adds(lay) > multiply_adds(src)
    trained_layout = core_of(keras.models.load_model(learnt / "best.keras"))
    assert np.abs(np.asarray(trained_layout.get_layer("probs").kernel)[64:]).max() > 1e-3
    core, _ = keras_from_bundle(bundle, calibration=imgs)
    for name in ("grid_fc", "probs"):
        for mine, theirs in zip(core.get_layer(name).get_weights(),
                                trained_layout.get_layer(name).get_weights()):
            np.testing.assert_allclose(mine, theirs, atol=2e-3, rtol=2e-3)
    assert check_agreement(core, bundle, imgs) >= 0.95
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "again",
                      "--init-from", bundle, "--arch", "layout", "--max-steps", 1, *TINY)
    assert rc == 0, out
    assert "rebuilt" in out
    capsys.readouterr()
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "p",
                    "--init-from", learnt, "--arch", "layout", "--prune", "--max-steps", 1, *TINY)
    err = capsys.readouterr().err
    assert rc == 2 and "layout network" in err and str(learnt) in err
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "c",
                    "--init-from", learnt, "--max-steps", 1, *TINY)
    assert rc == 2 and "another architecture" in capsys.readouterr().err


def test_average_grows_a_compact_member_into_its_residual_fine_tune(trained, data, tmp_path,
                                                                    capsys):
    """WiSE-FT: a compact run averages with the residual run grown from it. The compact member
    grows into the residual network first (the fine-tune's block, its last batch norm at zero),
    whichever order they come in: every shared weight is the mean of the two, the block's
    convolutions are the fine-tune's and its last batch norm's scale and shift half of them.
    The compact run's bundle does the same; a compact member of another width is refused."""
    import keras

    from trainer.from_bundle import keras_from_bundle
    from trainer.model import core_of

    run, _ = trained  # compact, width 0.25
    _, compact, _, learnt, _ = _grow_train_export(run, data, tmp_path, "residual",
                                                  "grows a residual block")
    tuned = core_of(keras.models.load_model(learnt / "best.keras"))
    last = tuned.get_layer("r1c_bn").get_weights()
    assert np.abs(last[0]).max() > 1e-3  # the block learnt something to halve

    def check_mean(avg, base, shared=("b1_conv", "b3b_conv", "b4a_conv", "probs"), tol=1e-5):
        mean = core_of(keras.models.load_model(avg / "best.keras"))
        for name in shared:
            for m, a, b in zip(*(x.get_layer(name).get_weights() for x in (mean, base, tuned))):
                np.testing.assert_allclose(m, (a + b) / 2, rtol=tol, atol=tol / 100)
        for name in ("r1a_conv", "r1b_conv", "r1c_conv"):
            for m, b in zip(mean.get_layer(name).get_weights(), tuned.get_layer(name).get_weights()):
                np.testing.assert_allclose(m, b, rtol=1e-6)
        for m, b in zip(mean.get_layer("r1c_bn").get_weights()[:2], last[:2]):
            np.testing.assert_allclose(m, b / 2, rtol=1e-5, atol=1e-7)

    for order in ((run, learnt), (learnt, run)):
        avg = tmp_path / f"avg-{order[0].name}"
        rc, out = run_cli("average", "--from", *order, "--out", avg)
        assert rc == 0, out
        assert f"{run / 'best.keras'} (a compact network, grown into the residual one" in out
        assert json.loads((avg / "config.json").read_text())["arch"] == "residual"
        check_mean(avg, compact)
    bundle = tmp_path / "compact-bundle"  # the shipped model is a compact bundle
    rc, out = run_cli("export", "--run-dir", run, "--out", bundle, "--data", f"gnt:{data['val']}")
    assert rc == 0, out
    rc, out = run_cli("average", "--from", learnt, bundle, "--out", tmp_path / "avg-bundle")
    assert rc == 0, out
    assert f"{bundle} (a bundle, rebuilt from its .tflite: top-1 agreement" in out
    # the kernels are the mean of the fine-tune's and the bundle's as rebuilt from its .tflite
    # (batch norms folded back out; their statistics depend on the calibration images)
    check_mean(tmp_path / "avg-bundle", keras_from_bundle(bundle)[0],
               shared=("b1_conv", "b4a_conv", "probs"), tol=1e-3)
    # a compact network of another width does not grow into it
    wide = _relabelled_run(run, tmp_path / "wide", width=0.5)
    capsys.readouterr()
    rc, _ = run_cli("average", "--from", learnt, wide, "--out", tmp_path / "w")
    err = capsys.readouterr().err
    assert rc == 2 and "another network" in err and "width 0.25 vs 0.5" in err
    assert not (tmp_path / "w").exists()


def test_a_compact_run_grows_a_residual_block_that_exports_and_fine_tunes_again(
        trained, data, tmp_path, capsys):
    """--arch residual --init-from a compact run of its width adds the 8x8 bottleneck block
    without changing the answers; the trained residual run exports, its bundle is rebuilt with
    the block (the batch norm without a ReLU included) for another fine-tune; --prune refuses it."""
    import keras

    from trainer.from_bundle import check_agreement, keras_from_bundle
    from trainer.model import core_of, is_residual

    run, _ = trained  # compact, width 0.25
    imgs, _, res, learnt, bundle = _grow_train_export(run, data, tmp_path, "residual",
                                                      "grows a residual block")
    assert is_residual(res)
    trained_res = core_of(keras.models.load_model(learnt / "best.keras"))
    assert np.abs(np.asarray(trained_res.get_layer("r1c_bn").gamma)).max() > 1e-3
    core, _ = keras_from_bundle(bundle, calibration=imgs)
    assert is_residual(core)
    np.testing.assert_allclose(core.predict(imgs, verbose=0), trained_res.predict(imgs, verbose=0),
                               atol=2e-3)
    for mine, theirs in zip(core.get_layer("probs").get_weights(),
                            trained_res.get_layer("probs").get_weights()):
        np.testing.assert_allclose(mine, theirs, atol=2e-3, rtol=2e-3)
    assert check_agreement(core, bundle, imgs) >= 0.95
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "again",
                      "--init-from", bundle, "--arch", "residual", "--max-steps", 1, *TINY)
    assert rc == 0, out
    assert "rebuilt" in out
    capsys.readouterr()
    rc, _ = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", tmp_path / "p",
                    "--init-from", learnt, "--arch", "residual", "--prune", "--max-steps", 1, *TINY)
    err = capsys.readouterr().err
    assert rc == 2 and "residual network" in err and str(learnt) in err
