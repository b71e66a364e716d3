"""hanzipad-train average: the mean of checkpoints (run dirs, .keras files, bundles) as a run
dir to export; batch-norm recalibration; refusals; a compact member grown into its residual
fine-tune.

The tiny trained run (``trained``) and its data (``data``) are session fixtures of
tests/trainer/conftest.py, trained once for test_train, test_export and test_average."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.trainer.tinydata import CHARS
from tests.trainer.trainrun import TINY, grow_train_export, run_cli

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.slow


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
    _, compact, _, learnt, _ = grow_train_export(run, data, tmp_path, "residual",
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
