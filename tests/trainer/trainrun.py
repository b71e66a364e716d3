"""Helpers of the tests that train the tiny model through the CLI (test_train, test_export,
test_average; the fixtures are in conftest.py)."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np

from tests.trainer.tinydata import CHARS

TINY = ["--classes", CHARS, "--width", "0.25", "--batch-size", "16",
        "--set", "log_every=10", "--set", "progress=log", "--set", "warmup_steps=10",
        "--set", "shuffle_buffer=256"]


def run_cli(*argv) -> tuple[int, str]:
    from trainer.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main([str(a) for a in argv])
    return rc, out.getvalue()


def grow_train_export(run, data, tmp_path, arch, message):
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
    before = src.predict(imgs, verbose=0)
    after = net.predict(imgs, verbose=0).argmax(1)
    # one step at lr 1e-12: the answers stay, but the batch norms' running means move a little,
    # which may swap a near-tie of this barely trained net (two classes within 0.02)
    kept = before[np.arange(len(before)), after] >= before.max(1) - 0.02
    assert kept.mean() >= 0.95, (kept.mean(), (after == before.argmax(1)).mean())
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
