"""Training in subprocesses: SIGTERM then resume, tf.distribute mirrored on two logical CPU
devices, a two-worker MultiWorkerMirroredStrategy run on localhost."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.trainer.tinydata import CHARS, write_gnt

pytest.importorskip("tensorflow")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--classes", CHARS, "--width", "0.25", "--batch-size", "16", "--set", "progress=log",
        "--set", "shuffle_buffer=128", "--set", "warmup_steps=5"]

# the CLI, optionally with the CPU split into two logical devices first (before TF starts)
LAUNCH = """
import sys
if sys.argv[1] == "split":
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from trainer.cli import entry
sys.argv[1:] = sys.argv[2:]
entry()
"""


def env(**extra):
    # PYTHONFAULTHANDLER: on a hang, finish() sends SIGABRT and the stacks land in the output
    e = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1",
             **extra)
    e.pop("TF_CONFIG", None)
    e.update(extra)
    return e


def launch(*argv, split=False, **kw):
    return subprocess.Popen([sys.executable, "-c", LAUNCH, "split" if split else "plain",
                             *map(str, argv)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kw)


def finish(p, timeout=240):
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
        out, _ = p.communicate()
        pytest.fail(f"{' '.join(map(str, p.args[4:]))} still running after {timeout} s:\n"
                    + out[-20000:])
    return p.returncode, out


@pytest.fixture(scope="module")
def gnt(tmp_path_factory):
    return write_gnt(tmp_path_factory.mktemp("gnt") / "train", per_char=12, seed=3)


def test_sigterm_saves_then_resumes(gnt, tmp_path):
    run = tmp_path / "run"
    p = launch("train", "--train", f"gnt:{gnt}", "--run-dir", run, "--max-steps", 100000,
               "--checkpoint-every", 100000, "--set", "log_every=5", *TINY, env=env())
    lines = []
    deadline = time.time() + 180
    for line in p.stdout:
        lines.append(line)
        if line.startswith("step 10/"):
            p.send_signal(signal.SIGTERM)
            break
        assert time.time() < deadline, "".join(lines)
    rc, out = finish(p)
    out = "".join(lines) + out
    assert rc == 128 + signal.SIGTERM, out
    assert "SIGTERM: saving a checkpoint" in out and "run the same command again to resume" in out
    step = json.loads((run / "state.json").read_text())["step"]
    assert step >= 10
    rc, out = finish(launch("train", "--run-dir", run, "--max-steps", step + 3,
                            "--set", "log_every=1", env=env()))
    assert rc == 0, out
    assert f"resuming from step {step}" in out
    assert f"step {step + 3}/{step + 3}" in out and f"step {step}/" not in out
    assert json.loads((run / "state.json").read_text())["step"] == step + 3


def test_mirrored_on_two_logical_cpus(gnt, tmp_path):
    run = tmp_path / "run"
    rc, out = finish(launch("train", "--train", f"gnt:{gnt}", "--val", f"gnt:{gnt}", "--run-dir",
                            run, "--max-steps", 6, "--val-every", 3, "--strategy", "mirrored",
                            "--set", "log_every=3", "--set", "val_max=40", *TINY,
                            split=True, env=env()))
    assert rc == 0, out
    assert "strategy mirrored (2 replicas, 1 workers)" in out
    assert "step 6: validation top-1" in out
    assert json.loads((run / "state.json").read_text())["step"] == 6
    rc, out = finish(launch("train", "--run-dir", run, "--max-steps", 8, split=True, env=env()))
    assert rc == 0, out
    assert "resuming from step 6" in out and "2 replicas" in out


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def test_two_workers_on_localhost(gnt, tmp_path):
    run = tmp_path / "run"  # shared by both workers; only the chief (worker 0) writes
    cluster = {"worker": [f"localhost:{_free_port()}", f"localhost:{_free_port()}"]}

    def workers(max_steps, *extra):
        ps = [launch("train", "--run-dir", run, "--max-steps", max_steps, "--strategy",
                     "multiworker", "--set", "log_every=2", *extra,
                     env=env(TF_CONFIG=json.dumps({"cluster": cluster,
                                                   "task": {"type": "worker", "index": i}})))
              for i in range(2)]
        return [finish(p) for p in ps]

    results = workers(4, "--train", f"gnt:{gnt}", *TINY)
    for rc, out in results:
        assert rc == 0, out
        assert "2 replicas, 2 workers" in out and "step 4/4" in out
    assert json.loads((run / "state.json").read_text())["step"] == 4
    assert len(json.loads((run / "command.json").read_text())) == 1  # chief only
    results = workers(6)
    for rc, out in results:
        assert rc == 0, out
        assert "resuming from step 4" in out and "step 6/6" in out
    assert json.loads((run / "state.json").read_text())["step"] == 6


def test_make_default_model_fine_tunes_at_the_base_s_width_and_grows_on_request(gnt, tmp_path):
    """resources/train/make-default-model's train and export stages (the CPU fine-tune and
    device-train path) on tiny prepared data: the fine-tune takes FINETUNE_FROM's width,
    ARCH=residual grows the compact base a residual block, the bundle says so, and a later fine-tune
    from that run keeps its network without being told; AVERAGE_WITH averages the grown run with
    the runs it lists (its fine-tune, its compact base) and exports the average."""
    import shutil

    base = tmp_path / "base"
    rc, out = finish(launch("train", "--train", f"gnt:{gnt}", "--run-dir", base,
                            "--max-steps", 2, *TINY, env=env()))
    assert rc == 0, out
    data = tmp_path / "data"
    rc, out = finish(launch("prepare", "--data", f"gnt:{gnt}", "--out", data / "synth", env=env()))
    assert rc == 0, out
    for name in ("synth-spread", "synth-neat", "synth-val"):  # what the data stage would render
        shutil.copytree(data / "synth", data / name)
    script = ROOT / "resources" / "train" / "make-default-model"
    common = dict(DATA=str(data), FONT_SHARDS="none", REGIONAL_SHARDS="none",
                  HWD_TGZ=str(tmp_path / "not-needed.tgz"),
                  TRAIN_CMD=f"{sys.executable} -m trainer.cli",
                  EXTRA_TRAIN_ARGS=f"--classes {CHARS} --batch-size 16 --set progress=log "
                                   "--set shuffle_buffer=128 --set val_max=32")

    def make(**settings):
        p = subprocess.run(["bash", str(script)], cwd=ROOT, env=env(**common, **settings),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=600)
        return p.returncode, p.stdout

    grown, bundle = tmp_path / "grown", tmp_path / "bundle"
    rc, out = make(STAGES="train export", FINETUNE_FROM=str(base), ARCH="residual", STEPS="2",
                   RUN=str(grown), OUT=str(bundle))
    assert rc == 0, out
    assert "grows a residual block" in out
    config = json.loads((grown / "config.json").read_text())
    assert (config["arch"], config["width"]) == ("residual", 0.25)
    assert config["batch_size"] == 16 and config["max_steps"] == 2
    meta = json.loads((bundle / "model.json").read_text())
    assert (meta["arch"], meta["width"]) == ("residual", 0.25)
    # writer adaptation: the export stage adds the feature output and prototypes (issue 36)
    assert (bundle / "prototypes.npz").is_file() and meta["adaptation"]["features"] > 0
    again = tmp_path / "again"
    rc, out = make(STAGES="train", FINETUNE_FROM=str(grown), STEPS="1", RUN=str(again))
    assert rc == 0, out
    assert "grows" not in out
    assert json.loads((again / "config.json").read_text())["arch"] == "residual"
    # AVERAGE_WITH: the grown run averaged with its later fine-tune and its compact base (grown
    # into it), recalibrated on the training data, is what export takes
    wise = tmp_path / "wise"
    rc, out = make(STAGES="average export", AVERAGE_WITH=f"{again} {base}", RUN=str(grown),
                   OUT=str(wise))
    assert rc == 0, out
    assert "(a compact network, grown into the residual one" in out
    assert (tmp_path / "grown-average" / "best.keras").is_file()
    meta = json.loads((wise / "model.json").read_text())
    assert meta["arch"] == "residual" and meta["command"][1] == "average"
    assert len(meta["averaged_from"]) == 3 and meta["recalibrated"]["images"] > 0
    rc, out = make(STAGES="average", AVERAGE_WITH=str(base), RUN=str(grown))
    assert rc == 0 and "averaged already" in out, out
