"""Fixtures of the tests under tests/trainer: ``data`` (tiny .gnt training and validation
data) and ``trained`` (a tiny model trained 60 steps on it through the CLI, validated every 30:
``(run_dir, output)``), made once a session for test_train, test_export, test_average and
test_devicekit."""

from __future__ import annotations

import pytest

from tests.trainer.tinydata import write_gnt
from tests.trainer.trainrun import TINY, run_cli


@pytest.fixture(scope="session")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("gnt")
    return {"train": write_gnt(root / "train", per_char=30, seed=1),
            "val": write_gnt(root / "val", per_char=6, seed=2, files=1), "root": root}


@pytest.fixture(scope="session")
def trained(data):
    run = data["root"] / "run"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--val", f"gnt:{data['val']}",
                      "--run-dir", run, "--max-steps", 60, "--val-every", 30,
                      "--checkpoint-every", 20, *TINY)
    assert rc == 0, out
    return run, out
