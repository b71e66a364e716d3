"""When standard output cannot be written (issue 35 point 8): a closed pipe ends the command
quietly with status 141, as Unix tools do; a full disk or a closed stdout gives one line naming
standard output, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INK = ROOT / "tests" / "data" / "tegaki-real-ink.jsonl"  # 370 inks: more than a pipe holds
FULL = "hanzipad: cannot write to standard output: No space left on device"
CLOSED = "hanzipad: cannot write to standard output: it is closed"


def _run(args, stdout, shell_redirect=""):
    """``python -m hanzipad ARGS`` with stdout as given (``shell_redirect`` ``>&-`` closes it)."""
    command = [sys.executable, "-m", "hanzipad", *args]
    if shell_redirect:
        command = ["sh", "-c", f'exec "$@" {shell_redirect}', "sh", *command]
    env = dict(os.environ, HANZIPAD_LANG="en")
    return subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True,
                          env=env, cwd=ROOT, timeout=300)


@pytest.mark.parametrize("json_lines", [False, True])
def test_classify_into_a_closed_pipe_stops_quietly(json_lines):
    """``hanzipad classify … | head -1``."""
    args = ["classify", *(["--json"] if json_lines else []), str(INK)]
    env = dict(os.environ, HANZIPAD_LANG="en")
    proc = subprocess.Popen([sys.executable, "-m", "hanzipad", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=ROOT)
    first = proc.stdout.readline()
    proc.stdout.close()  # what head does after its line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 141
    assert first and err == ""


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")


@needs_dev_full
@pytest.mark.parametrize("args", [["classify", str(INK)], ["classify", "--json", str(INK)],
                                  ["--self-test"], ["--version"], ["--help"]])
def test_a_full_disk_is_one_line_naming_standard_output(args):
    with open("/dev/full", "w") as full:
        run = _run(args, full)
    assert run.returncode == 1
    assert run.stderr == FULL + "\n"


@pytest.mark.parametrize("args", [["classify", str(INK)], ["--self-test"], ["--version"]])
def test_a_closed_standard_output_is_one_line(args):
    run = _run(args, None, ">&-")
    assert run.returncode == 1
    assert run.stderr == CLOSED + "\n"


def test_output_that_works_is_unchanged(capsys):
    from hanzipad.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith("hanzipad ")
    assert sys.stdout is not None and type(sys.stdout).__name__ != "_GuardedOutput"
