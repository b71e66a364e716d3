"""Train a tiny model on tiny .gnt data written here; resume; fine-tune; evaluate.

The tiny trained run (``trained``) and its data (``data``) are session fixtures of
tests/trainer/conftest.py, trained once for test_train, test_export and test_average."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.trainer.tinydata import CHARS
from tests.trainer.trainrun import TINY, grow_train_export, run_cli

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.slow


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


def test_a_run_started_with_warmup_cosine_resumes_with_it(data, tmp_path, monkeypatch):
    """A run dir of an older version holds WarmupCosine (hanzipad>WarmupCosine) in latest.keras:
    it resumes with that schedule, stretched to the new max_steps, not with CosineDecay; a new
    run's checkpoint holds CosineDecay."""
    import keras

    from trainer import model as M
    from trainer.config import Config

    def lr_at(out, step):
        return float(re.search(rf"^step {step}/\d+ .* lr ([\d.e+-]+) ", out, re.M).group(1))

    old = tmp_path / "old"
    with monkeypatch.context() as m:  # the schedule of the versions before CosineDecay
        m.setattr(M, "make_schedule", lambda cfg: M.WarmupCosine(
            cfg.lr, cfg.min_lr, cfg.warmup_steps, cfg.max_steps, cosine=cfg.schedule == "cosine"))
        rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", old,
                          "--max-steps", 4, *TINY, "--set", "log_every=1")
    assert rc == 0, out
    assert type(keras.models.load_model(old / "latest.keras").optimizer._learning_rate) \
        is M.WarmupCosine
    rc, out = run_cli("train", "--run-dir", old, "--max-steps", 12)
    assert rc == 0 and "resuming from step 4" in out, out
    sched = keras.models.load_model(old / "latest.keras").optimizer._learning_rate
    assert type(sched) is M.WarmupCosine and sched.total == 12
    # the lr logged in the warm-up (10 steps), where the two schedules differ: WarmupCosine's
    new_lr = float(M.make_schedule(Config(**json.loads((old / "config.json").read_text())))(6))
    assert lr_at(out, 6) == pytest.approx(float(sched(6)), rel=1e-2)
    assert abs(lr_at(out, 6) - new_lr) > 0.05 * new_lr
    assert lr_at(out, 11) == pytest.approx(float(sched(11)), rel=1e-2)
    new = tmp_path / "new"
    assert run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", new, "--max-steps",
                   1, *TINY)[0] == 0
    assert type(keras.models.load_model(new / "latest.keras").optimizer._learning_rate) \
        is keras.optimizers.schedules.CosineDecay


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


def test_a_compact_run_grows_a_residual_block_that_exports_and_fine_tunes_again(
        trained, data, tmp_path, capsys):
    """--arch residual --init-from a compact run of its width adds the 8x8 bottleneck block
    without changing the answers; the trained residual run exports, its bundle is rebuilt with
    the block (the batch norm without a ReLU included) for another fine-tune; --prune refuses it."""
    import keras

    from trainer.from_bundle import check_agreement, keras_from_bundle
    from trainer.model import core_of, is_residual

    run, _ = trained  # compact, width 0.25
    imgs, _, res, learnt, bundle = grow_train_export(run, data, tmp_path, "residual",
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
