"""The README's quick start is a contract: CI must run exactly its test command."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(?:sh|bash)\n(.+?)\n```", block, re.S)


def test_quick_start_has_two_commands():
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    assert commands[0].rstrip().endswith(".venv/bin/hanzipad")
    assert "pytest" in commands[1]
    # the X11 end-to-end tests need Xvfb, a window manager and xdotool: never skipped in CI
    assert "resources/system-deps.sh --test " in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _quick_start_commands()[1].strip() in ci.splitlines()
