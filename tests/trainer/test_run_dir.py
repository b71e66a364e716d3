"""A run dir with damaged files: every error names the file and what is wrong with it, and
comes before TensorFlow is even loaded (no training needed to find it)."""

from __future__ import annotations

import json
import zipfile

import pytest

from tests.trainer.tinydata import CHARS, write_gnt
from trainer.config import Config


@pytest.fixture
def run_dir(tmp_path):
    """A run dir as a run leaves it after its first checkpoint, with tiny data beside it."""
    data = write_gnt(tmp_path / "gnt", per_char=2, seed=0, files=1)
    run = tmp_path / "run"
    run.mkdir()
    cfg = Config(train=[f"gnt:{data}"], classes=CHARS, width=0.25, batch_size=4, max_steps=4,
                 run_dir=str(run))
    (run / "config.json").write_text(cfg.dump())
    (run / "state.json").write_text(json.dumps({"step": 2, "config_hash": cfg.hash()}))
    (run / "command.json").write_text(json.dumps([{"argv": ["hanzipad-train", "train"],
                                                    "start_step": 0}]))
    with zipfile.ZipFile(run / "latest.keras", "w") as zf:  # the layout of a .keras file
        zf.writestr("metadata.json", json.dumps({"keras_version": "3"}))
        zf.writestr("config.json", json.dumps({"class_name": "Functional"}) + " " * 4000)
        zf.writestr("model.weights.h5", bytes(range(256)) * 64)
    return run


def train(run, capsys, *extra):
    from trainer.cli import main

    rc = main(["train", "--run-dir", str(run), "--max-steps", "4", *extra])
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("name", ["config.json", "state.json", "command.json"])
@pytest.mark.parametrize("text, needle", [
    ('{"step": 2', "not valid JSON"),
    ("\xff\xfe garbage", "not valid JSON"),
    ("[1, 2]", "expected a JSON"),
])
def test_corrupt_json_in_run_dir_names_the_file(run_dir, capsys, name, text, needle):
    if name == "command.json" and text == "[1, 2]":
        text = '{"argv": []}'  # command.json is a list: an object is the wrong kind
    (run_dir / name).write_bytes(text.encode("latin-1"))
    rc, err = train(run_dir, capsys)
    assert rc == 2, err
    assert f"{run_dir / name}: " in err and needle in err, err
    assert "Traceback" not in err


def test_truncated_checkpoint_is_named_not_file_not_found(run_dir, capsys):
    ckpt = run_dir / "latest.keras"
    ckpt.write_bytes(ckpt.read_bytes()[: ckpt.stat().st_size // 2])  # a killed copy or full disk
    rc, err = train(run_dir, capsys)
    assert rc == 2, err
    assert f"{ckpt}: " in err and "truncated or corrupt checkpoint" in err, err
    assert "File not found" not in err
    assert "best.keras" in err  # what to do about it


def test_evaluate_and_export_name_a_truncated_checkpoint(run_dir, capsys, tmp_path):
    from trainer.cli import main

    best = run_dir / "best.keras"
    best.write_bytes((run_dir / "latest.keras").read_bytes()[:100])
    rc = main(["evaluate", "--model", str(run_dir), "--data", f"gnt:{tmp_path / 'gnt'}"])
    err = capsys.readouterr().err
    assert rc == 2 and f"{best}: " in err and "truncated or corrupt checkpoint" in err, err
    rc = main(["export", "--run-dir", str(run_dir), "--out", str(tmp_path / "b")])
    err = capsys.readouterr().err
    assert rc == 2 and f"{best}: " in err and "truncated or corrupt checkpoint" in err, err
    assert not (tmp_path / "b").exists()
