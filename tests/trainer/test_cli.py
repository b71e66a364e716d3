"""hanzipad-train's command line without training: help for every flag, a typo in the data
fails before TensorFlow is loaded, a run dir's stored config is never inherited silently."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from trainer.cli import build_parser, main
from trainer.config import Config

ROOT = Path(__file__).resolve().parents[2]


def test_every_flag_and_command_has_help():
    parser = build_parser()
    missing = []

    def walk(p: argparse.ArgumentParser, where: str):
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if isinstance(action, argparse._SubParsersAction):
                helped = {a.dest for a in action._choices_actions if a.help}
                missing.extend(f"{where} {name} (command)" for name in action.choices
                               if name not in helped)
                for name, sub in action.choices.items():
                    walk(sub, f"{where} {name}")
                continue
            if not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{where} {'/'.join(action.option_strings) or action.dest}")

    walk(parser, "hanzipad-train")
    assert not missing, f"flags without help text: {missing}"


SCRIPT = """
import sys, time
t0 = time.time()
from trainer.cli import main
rc = main(sys.argv[1:])
heavy = sorted(m for m in ("tensorflow", "keras", "jax", "torch") if m in sys.modules)
print("RESULT", rc, ",".join(heavy) or "-", round(time.time() - t0, 1))
"""


def test_typo_in_the_data_fails_before_tensorflow_loads(tmp_path):
    """`train --train gnt:/nope` is refused in about a second: the data are opened before
    TensorFlow is imported (it took ~44 s to say the path does not exist)."""
    run = tmp_path / "run"
    t0 = time.time()
    r = subprocess.run([sys.executable, "-c", SCRIPT, "train", "--train", "gnt:/nope/casia",
                        "--run-dir", str(run), "--max-steps", "5"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    elapsed = time.time() - t0
    result = [line for line in r.stdout.splitlines() if line.startswith("RESULT")]
    assert result, r.stdout + r.stderr
    _, rc, heavy, _ = result[0].split()
    assert rc == "2" and heavy == "-", (result, r.stderr)
    assert "/nope/casia" in r.stderr and "error" in r.stderr
    assert not run.exists()  # nothing written for a command that cannot run
    assert elapsed < 30, elapsed  # (TensorFlow alone takes longer than this to import here)


def test_stored_config_kept_and_changed_settings_are_printed(tmp_path, capsys):
    """A retry on a run dir whose earlier run failed must not inherit its settings silently:
    what is kept from the stored config and what the new flags change are printed."""
    run = tmp_path / "run"
    run.mkdir()
    old = Config(train=["gnt:/old/data"], lr=0.5, width=0.5, max_steps=60, run_dir=str(run))
    (run / "config.json").write_text(old.dump())
    rc = main(["train", "--run-dir", str(run), "--max-steps", "70", "--train", "gnt:/nope/new"])
    out, err = capsys.readouterr()
    assert rc == 2 and "/nope/new" in err  # the data check still runs afterwards
    assert f"stored config of this run dir ({run / 'config.json'}; " in out, out
    assert "no checkpoint" in out  # the earlier run saved none: nothing is resumed
    kept = next(line for line in out.splitlines() if "kept from it:" in line)
    assert "lr=0.5" in kept and "width=0.5" in kept and "max_steps" not in kept
    changed = next(line for line in out.splitlines() if "changed by this command:" in line)
    assert "max_steps 60 -> 70" in changed and "gnt:/nope/new" in changed
    assert "lr" not in changed
    json.loads((run / "config.json").read_text())  # left as it was


def test_unexpected_error_leaves_without_interpreter_teardown(tmp_path):
    """An unexpected exception (e.g. one TensorFlow raises out of a failing input pipeline)
    prints its traceback and exits 1 without the interpreter's teardown, where TensorFlow's
    generator threads can deadlock (a failed run that never exits)."""
    script = ("import atexit, sys\n"
              "import trainer.cli as cli\n"
              "atexit.register(lambda: print('TEARDOWN', flush=True))\n"
              "def boom(argv=None):\n"
              "    raise RuntimeError('input pipeline failed')\n"
              "cli.main = boom\n"
              "cli.entry()\n")
    r = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "RuntimeError: input pipeline failed" in r.stderr and "Traceback" in r.stderr
    assert "TEARDOWN" not in r.stdout
