"""One command at a time in a run dir (trainer.runlock): a second training or average refuses
at once naming the other process; the lock of a killed process is taken over (issue 35)."""

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
from trainer.runlock import LOCK_FILE, RunDirLocked, run_dir_lock

ROOT = Path(__file__).resolve().parents[2]
HOLD = """
import sys, time
from trainer.runlock import run_dir_lock
with run_dir_lock(sys.argv[1], "hanzipad-train train --run-dir " + sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path):
    """Another process holding ``tmp_path / 'run'``'s lock."""
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(run)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        yield run, proc
    finally:
        proc.kill()
        proc.wait()


def test_second_holder_refused_naming_the_first_then_takes_over_a_killed_one(holder):
    run, proc = holder
    t0 = time.monotonic()
    with pytest.raises(RunDirLocked) as e:
        with run_dir_lock(run, "second"):
            pass
    msg = str(e.value)
    assert time.monotonic() - t0 < 1
    assert f"pid {proc.pid} on {socket.gethostname()}" in msg and str(run) in msg
    assert "hanzipad-train train --run-dir" in msg and "\n" not in msg
    os.kill(proc.pid, signal.SIGKILL)  # dies holding it: the kernel lets go
    proc.wait()
    with run_dir_lock(run, "third") as path:
        assert '"command": "third"' in path.read_text()


def test_lock_in_one_process_is_exclusive_too(tmp_path):
    run = tmp_path / "r"
    with run_dir_lock(run, "one"):
        with pytest.raises(RunDirLocked, match=f"pid {os.getpid()}"):
            with run_dir_lock(run, "two"):
                pass
    with run_dir_lock(run, "again"):  # released on leaving
        pass


def test_a_lock_only_folder_it_created_is_removed(tmp_path):
    with run_dir_lock(tmp_path / "new", "x"):
        assert (tmp_path / "new" / LOCK_FILE).exists()
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "kept"
    with run_dir_lock(kept, "x"):
        (kept / "config.json").write_text("{}")
    assert sorted(p.name for p in kept.iterdir()) == [LOCK_FILE, "config.json"]


def test_train_and_average_on_a_locked_run_dir_refuse_at_once(holder, tmp_path, capsys):
    from trainer.cli import main

    run, proc = holder
    gnt = write_gnt(tmp_path / "gnt", per_char=2, seed=0, files=1)
    t0 = time.monotonic()
    rc = main(["train", "--run-dir", str(run), "--train", f"gnt:{gnt}", "--classes", CHARS,
               "--max-steps", "2"])
    err = capsys.readouterr().err
    assert rc == 1 and f"pid {proc.pid}" in err and "in use by" in err, err
    assert err.count("\n") == 1 and time.monotonic() - t0 < 5
    rc = main(["average", "--from", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(run)])
    err = capsys.readouterr().err
    assert rc == 1 and f"pid {proc.pid}" in err, err
    assert sorted(p.name for p in run.iterdir()) == [LOCK_FILE]


def test_a_file_system_without_locks_runs_unguarded_with_a_note(tmp_path, monkeypatch, capsys):
    import errno

    import trainer.runlock as runlock

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(runlock.fcntl, "flock", no_locks)
    with run_dir_lock(tmp_path / "nfs", "x"):
        pass
    assert "cannot lock files (No locks available)" in capsys.readouterr().err


def _add_many(run_dir, who, n):
    from trainer.evaluate import add_figures

    for i in range(n):
        add_figures(Path(run_dir), f"{who}-{i}", {"n": i})


def test_two_evaluates_at_once_keep_each_others_figures(tmp_path):
    """figures.json is read, changed and written by every evaluate: two at once lost each
    other's figures (the last write won); the update holds a lock, not the run dir's."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with run_dir_lock(tmp_path, "train (a run being trained can still be evaluated)"):
        procs = [ctx.Process(target=_add_many, args=(str(tmp_path), who, 40)) for who in "ab"]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    figures = json.loads((tmp_path / "figures.json").read_text())
    assert sorted(figures) == sorted(f"{w}-{i}" for w in "ab" for i in range(40))
