"""hanzipad-train ends every error bad input or a hostile environment can cause as one line
``hanzipad-train: error: …`` (issue 35 point 8): a closed pipe exits quietly (141), a full
stdout says so (exit 1), a closed stdout is no AttributeError, a busy run dir or a full disk
names what, and only a bug shows a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from trainer.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    path = tmp_path_factory.mktemp("img") / "a.png"
    im = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(im).line([(10, 32), (54, 32)], fill=0, width=4)
    im.save(path)
    return path


def _cli(args: str, tmp_path, **kw) -> subprocess.CompletedProcess:
    """``hanzipad-train ARGS`` as its console script runs (trainer.cli.entry), through bash."""
    script = tmp_path / "hanzipad-train"
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                      "from trainer.cli import entry\nentry()\n")
    script.chmod(0o755)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run(["bash", "-c", f"{script} {args}"], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120, **kw)


def test_predict_into_a_closed_pipe_exits_quietly(image, tmp_path):
    many = " ".join([str(image)] * 3000)
    r = _cli(f"predict {many} | head -1; exit ${{PIPESTATUS[0]}}", tmp_path)
    assert r.stdout.count("\n") == 1 and r.stdout.startswith(f"{image}: ")
    assert r.returncode == 141 and r.stderr == "", r.stderr


@pytest.mark.parametrize("flags", ["", "--json"])
def test_predict_into_dev_full_says_so_in_one_line(image, tmp_path, flags):
    r = _cli(f"predict {flags} {image} {image} > /dev/full", tmp_path)
    assert r.returncode == 1
    assert r.stderr == ("hanzipad-train: error: writing standard output: No space left on "
                        "device\n")


def test_predict_with_stdout_or_stderr_closed_is_no_traceback(image, tmp_path):
    r = _cli(f"predict {image} >&-", tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr and r.stderr == ""
    r = _cli(f"predict {tmp_path / 'nothing.png'} 2>&- >&-", tmp_path)
    assert r.returncode == 2 and r.stderr == ""


def test_known_errors_are_one_line_and_unknown_ones_keep_their_traceback(tmp_path, capsys,
                                                                         monkeypatch):
    import trainer.cli as cli
    from hanzipad.bundle import BundleError
    from hanzipad.fileio import WriteError

    cases = [(BundleError("x/model.json: damaged"), 2, "x/model.json: damaged"),
             (RecursionError("maximum recursion depth exceeded"), 2,
              "the input is nested too deeply to read"),
             (FileNotFoundError(2, "No such file or directory", "/no/where"), 2,
              "/no/where: No such file or directory"),
             (WriteError(28, "No space left on device", "/x/y"), 1,
              "writing /x/y: No space left on device"),
             (ValueError("line one\nline two"), 2, "line one line two")]
    for exc, rc, text in cases:
        def boom(args, argv, exc=exc):
            raise exc

        monkeypatch.setattr(cli, "_dispatch", boom)
        assert main(["predict", "x.png"]) == rc
        err = capsys.readouterr().err
        assert err == f"hanzipad-train: error: {text}\n", err
    monkeypatch.setattr(cli, "_dispatch", lambda a, v: 1 / 0)
    with pytest.raises(ZeroDivisionError):  # a bug: entry() prints its traceback
        main(["predict", "x.png"])
