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


def test_sources_of_a_fine_tune_chain_are_listed_once_per_stage():
    """A bundle's model.json already lists its whole chain of sources; a model fine-tuned from
    it lists its own, then the bundle's, not the bundle's base a second time (three fine-tune
    stages used to list the first stage's sources four times)."""
    from trainer.export import all_sources

    first = [{"kind": "shards", "spec": "shards:synth"}]
    stage1 = [{"kind": "shards", "spec": "shards:casia-trn"}] + [{**s, "stage": "init"} for s in first]
    bundle = {"kind": "model bundle", "sources": stage1,
              "init_from": {"kind": "model bundle", "sources": first}}
    own = [{"kind": "shards", "spec": "shards:casia-trn"}]
    out = all_sources({"sources": own, "init_from": bundle})
    assert [(s["spec"], s.get("stage")) for s in out] == [
        ("shards:casia-trn", None), ("shards:casia-trn", "init"), ("shards:synth", "init")]
    run_base = {"checkpoint": "best.keras", "sources": own, "init_from": bundle}  # a run dir
    out = all_sources({"sources": own, "init_from": run_base})
    assert [s.get("stage") for s in out] == [None, "init", "init", "init"]
