"""Training that goes wrong: a diverging run (NaN) stops with the last good checkpoint and is
never exported; a full disk during a checkpoint says which folder and leaves no partial file."""

from __future__ import annotations

import contextlib
import errno
import io
import json
from pathlib import Path

import numpy as np
import pytest

from tests.trainer.tinydata import CHARS, write_gnt

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.slow

TINY = ["--classes", CHARS, "--width", "0.25", "--batch-size", "8", "--set", "progress=log",
        "--set", "warmup_steps=2", "--set", "shuffle_buffer=64", "--set", "log_every=1"]


def run_cli(*argv) -> tuple[int, str, str]:
    from trainer.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def gnt(tmp_path_factory):
    return write_gnt(tmp_path_factory.mktemp("gnt") / "train", per_char=6, seed=1)


def all_finite(path: Path) -> bool:
    import keras

    model = keras.models.load_model(path, compile=False)
    return all(np.isfinite(np.asarray(w)).all() for w in model.weights
               if np.issubdtype(np.asarray(w).dtype, np.floating))


@pytest.mark.parametrize("every, good, why", [
    (2, 2, "is not finite at step 4"),  # found when checkpointing step 4's NaN weights
    (3, 3, "the loss became nan at step 5"),  # found in the loss before any checkpoint
])
def test_diverging_run_stops_keeping_the_last_good_checkpoint(gnt, tmp_path, monkeypatch,
                                                              every, good, why):
    """From step 4 on the learning rate is NaN (as a diverging run's numbers become): training
    stops with exit 1 and a message saying so; the checkpoint holds the last finite weights."""
    import keras

    from trainer import model as M

    class NanFromStep3(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return keras.ops.where(step >= 3, float("nan"), 1e-3)

        def get_config(self):
            return {}

    monkeypatch.setattr(M, "make_optimizer", lambda cfg: keras.optimizers.Adam(NanFromStep3()))
    run = tmp_path / "run"
    rc, out, err = run_cli("train", "--train", f"gnt:{gnt}", "--run-dir", run, "--max-steps", 12,
                           "--checkpoint-every", every, *TINY)
    assert rc == 1, out + err
    assert "hanzipad-train: error: training diverged: " in err and why in err, err
    assert f"the last good checkpoint, {run / 'latest.keras'} (step {good}), is kept" in err
    assert "done:" not in out
    assert json.loads((run / "state.json").read_text())["step"] == good
    assert all_finite(run / "latest.keras")
    assert not [p.name for p in run.iterdir() if p.name.startswith("tmp-")]


def test_export_refuses_a_model_with_non_finite_outputs(gnt, tmp_path):
    """A NaN model's rows all "agree" on argmax 0 (it reported 100 % agreement): export
    refuses it with exit 1 and writes nothing."""
    import keras

    from trainer.model import core_of

    run = tmp_path / "run"
    rc, out, err = run_cli("train", "--train", f"gnt:{gnt}", "--run-dir", run, "--max-steps", 2,
                           *TINY)
    assert rc == 0, out + err
    model = keras.models.load_model(run / "latest.keras")
    dense = core_of(model).get_layer("probs")
    w, b = dense.get_weights()
    dense.set_weights([w * np.nan, b])
    model.save(run / "latest.keras")
    rc, out, err = run_cli("export", "--run-dir", run, "--out", tmp_path / "bundle",
                           "--check-samples", 16)
    assert rc == 1, out + err
    assert str(run / "latest.keras") in err and "not finite" in err, err
    assert "agreement" not in out
    assert not (tmp_path / "bundle").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no scratch folder left


def test_full_disk_names_the_run_dir_cleans_up_and_a_retry_works(gnt, tmp_path, monkeypatch):
    """A checkpoint that fills the disk: exit 1 naming the run dir, the partial temp file
    removed; stale temp files of killed runs are removed at the start; a retry resumes."""
    import keras

    run = tmp_path / "run"
    run.mkdir()
    (run / "tmp-999999999-latest.keras").write_bytes(b"PK partial checkpoint of a killed run")
    (run / ".state.json.tmp").write_text('{"step": ')
    real = keras.Model.save
    calls = []

    def full_disk(self, path, *a, **k):
        calls.append(Path(path))
        if len(calls) >= 2:  # the second checkpoint (step 4) finds the disk full
            Path(path).write_bytes(b"PK\x03\x04 half a checkpoint")
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, *a, **k)

    monkeypatch.setattr(keras.Model, "save", full_disk)
    argv = ["train", "--train", f"gnt:{gnt}", "--run-dir", run, "--max-steps", 6,
            "--checkpoint-every", 2, *TINY]
    rc, out, err = run_cli(*argv)
    assert rc == 1, out + err
    assert f"hanzipad-train: error: {run}: no space left on device" in err, err
    assert "step 4" in err and "resume" in err
    assert "removed 2 stale temporary files" in out
    leftovers = sorted(p.name for p in run.iterdir() if "tmp" in p.name)
    assert leftovers == [], leftovers
    assert json.loads((run / "state.json").read_text())["step"] == 2
    monkeypatch.setattr(keras.Model, "save", real)
    rc, out, err = run_cli(*argv)
    assert rc == 0, out + err
    assert "resuming from step 2" in out
    assert json.loads((run / "state.json").read_text())["step"] == 6
