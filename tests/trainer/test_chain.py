"""resources/train/run-chain: the shipped weights' chain of fine-tunes and averages as data
(resources/train/shipped-chain.toml), run stage by stage through make-default-model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.trainer.tinydata import CHARS, write_gnt

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "resources" / "train" / "run-chain"
SHIPPED = ROOT / "resources" / "train" / "shipped-chain.toml"


def run_chain(*args, env=None, timeout=900):
    p = subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=env or dict(os.environ), timeout=timeout)
    return p.returncode, p.stdout


def test_the_shipped_chain_resolves_to_the_documented_runs():
    rc, out = run_chain(SHIPPED, "--bundle", "synthetic=/b/synthetic", "--dry-run")
    assert rc == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("run-chain: data: STAGES=data PER_CHAR=30 SPREAD_PER_CHAR=8")
    train = [ln for ln in lines if "STAGES=train" in ln]
    assert len(train) == 16  # stages 1-9, 14, 15, 17, 20-23
    assert "FINETUNE_FROM=/b/synthetic" in train[0] and "STEPS=1150" in train[0]
    assert "PRUNE_WIDTH=1.0" in next(ln for ln in train if "RUN=runs/chain/stage3 " in ln)
    stage14 = next(ln for ln in train if "RUN=runs/chain/stage14 " in ln)
    assert "ARCH=residual" in stage14 and "FINETUNE_FROM=runs/chain/stage9-average" in stage14
    last = lines[-1]
    assert last.startswith("run-chain: shipped: STAGES='average export evaluate' "
                           "RUN=runs/chain/stage23 ")
    assert ("AVERAGE_WITH='runs/chain/stage22 runs/chain/stage21 runs/chain/stage9-average'"
            in last)


@pytest.mark.parametrize("chain, problem", [
    ('[[stage]]\nname = "a"\nfrom = "b"\nsteps = 2\n', "'b' is neither an earlier stage"),
    ('[[stage]]\nname = "a"\nfrom = "base"\nsteps = 0\n', "steps must be a positive integer"),
    ('[[stage]]\nname = "a"\nfrom = "base"\nsteps = 2\nlr = 1\n', "unknown keys ['lr']"),
    ('[[stage]]\nname = "a"\nfrom = "base"\nsteps = 2\n[[stage]]\nname = "a"\nof = "a"\n'
     'average = ["base"]\n', "the name is used twice"),
    ('[[stage]\n', "cannot read the chain"),
    ("", "no [[stage]]"),
])
def test_a_bad_chain_is_refused_naming_the_file_and_stage(tmp_path, chain, problem):
    path = tmp_path / "chain.toml"
    path.write_text(chain)
    rc, out = run_chain(path, "--bundle", "base=/b", "--dry-run")
    assert rc == 2
    assert f"run-chain: {path}" in out and problem in out, out


@pytest.mark.slow
def test_a_tiny_chain_trains_averages_exports_and_resumes(tmp_path):
    """Two fine-tunes and their average on tiny prepared data: each stage is a run of
    make-default-model; run again, every finished stage is skipped."""
    pytest.importorskip("tensorflow")
    gnt = write_gnt(tmp_path / "gnt", per_char=12, seed=3)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    env.pop("TF_CONFIG", None)
    tiny = ["--classes", CHARS, "--width", "0.25", "--batch-size", "16", "--set", "progress=log",
            "--set", "shuffle_buffer=128", "--set", "warmup_steps=1"]
    base = tmp_path / "base"
    p = subprocess.run([sys.executable, "-m", "trainer.cli", "train", "--train", f"gnt:{gnt}",
                        "--run-dir", str(base), "--max-steps", "2", *tiny], cwd=ROOT, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert p.returncode == 0, p.stdout
    data = tmp_path / "data"
    p = subprocess.run([sys.executable, "-m", "trainer.cli", "prepare", "--data", f"gnt:{gnt}",
                        "--out", str(data / "synth")], cwd=ROOT, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert p.returncode == 0, p.stdout
    import shutil

    for name in ("synth-spread", "synth-neat", "synth-val"):
        shutil.copytree(data / "synth", data / name)
    chain = tmp_path / "chain.toml"
    chain.write_text('[[stage]]\nname = "one"\nfrom = "base"\nsteps = 4\n'
                     '[[stage]]\nname = "two"\nfrom = "one"\nsteps = 2\n'
                     'args = "--set seed=3 --lr 1e-4"\n'
                     '[[stage]]\nname = "mean"\nof = "two"\naverage = ["one"]\n')
    env.update(DATA=str(data), FONT_SHARDS="none", REGIONAL_SHARDS="none",
               HWD_TGZ=str(tmp_path / "not-needed.tgz"),
               TRAIN_CMD=f"{sys.executable} -m trainer.cli",
               EXTRA_TRAIN_ARGS=f"--classes {CHARS} --batch-size 16 --set progress=log "
                                "--set shuffle_buffer=128 --set val_max=32")
    runs = tmp_path / "runs"
    rc, out = run_chain(chain, "--bundle", f"base={base}", "--runs", runs, "--no-data",
                        "--steps-scale", "0.5", env=env)
    assert rc == 0, out
    assert json.loads((runs / "one" / "state.json").read_text())["step"] == 2  # 4 x 0.5
    assert json.loads((runs / "two" / "state.json").read_text())["step"] == 1
    config = json.loads((runs / "two" / "config.json").read_text())
    assert config["seed"] == 3 and config["lr"] == pytest.approx(1e-4)
    meta = json.loads((runs / "bundles" / "mean" / "model.json").read_text())
    assert meta["command"][1] == "average" and len(meta["averaged_from"]) == 2
    rc, out = run_chain(chain, "--bundle", f"base={base}", "--runs", runs, "--no-data",
                        "--steps-scale", "0.5", env=env)
    assert rc == 0, out
    assert "one: trained already" in out and "two: trained already" in out
    assert "mean: exported already" in out
