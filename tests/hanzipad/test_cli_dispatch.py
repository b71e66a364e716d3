"""The ``hanzipad`` command's dispatch: argparse parsers whose ``func`` runs the command."""

from __future__ import annotations

import pytest

from hanzipad import cli


@pytest.mark.parametrize("argv, func", [
    ([], cli.run_pad),
    (["a.png", "--model", "m", "--always-on-top"], cli.run_pad),
    (["--self-test", "--model", "m"], cli.run_self_test),
])
def test_the_pad_parser_picks_the_pad_or_the_self_test(argv, func):
    args = cli.pad_parser().parse_args(argv)
    assert args.func is func
    assert args.model == ("m" if "--model" in argv else None)


def test_every_command_has_a_func_and_takes_the_model_option():
    parser = cli.command_parser()
    for name in cli.COMMANDS:
        args = parser.parse_args([name, "--model", "m", "x.json"])
        assert callable(args.func)
    args = parser.parse_args(["classify", "--model", "m", "--top", "3", "x.json"])
    assert (args.func, args.model, args.top, args.files) == (cli.run_classify, "m", 3, ["x.json"])


@pytest.mark.parametrize("argv", [["learn"], ["learn", "--help"], ["learn", "--", "--x"],
                                  ["learn", "--profile", "p", "--model", "m", "a.json"]])
def test_learn_gets_its_arguments_as_they_are(monkeypatch, argv):
    """hanzipad.learn.learn_main parses its own options: everything after "learn" is its."""
    import hanzipad.learn

    seen = []
    monkeypatch.setattr(hanzipad.learn, "learn_main", lambda rest: seen.append(rest) or 7)
    assert cli.main(argv) == 7
    assert seen == [argv[1:]]


def test_a_file_named_like_no_command_opens_in_the_pad(monkeypatch):
    ran = []
    monkeypatch.setattr(cli, "run_pad", lambda args: ran.append(args.files) or 0)
    assert cli.main(["classify.png"]) == 0
    assert ran == [["classify.png"]]

