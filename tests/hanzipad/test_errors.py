"""hanzipad.errors: the core's errors have a code, and every code is used."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from hanzipad import errors

ROOT = Path(__file__).resolve().parents[2]
#: Modules whose errors the GUI translates by code.
CODED = ["hanzipad/ink.py", "hanzipad/fileio.py", "hanzipad/bundle.py", "hanzipad/normalize.py",
         "hanzipad/recognizer.py", "hanzipad/adapt.py", "hanzipad/learn.py",
         "hanzipad/lexicon.py", "hanzipad/readings.py", "hanzipad/userwords.py",
         "hanzipad/cli.py", "hanzipad/credits.py", "hanzipad/line.py"]
ERROR_CLASSES = {"InkError", "InkFileError", "BundleError", "ImageError", "ContentError",
                 "NonFiniteScores", "ProfileError", "AdaptationError", "RecordError",
                 "LexiconError", "UserWordsError", "InputError"}


def _without_the_tables(path: Path) -> str:
    """The module's code but its table of templates (errors.TEMPLATES, i18n.CODES)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    for node in ast.parse(text).body:
        targets = [t.id for t in getattr(node, "targets", []) + [getattr(node, "target", None)]
                   if isinstance(t, ast.Name)]
        if {"TEMPLATES", "CODES"} & set(targets):
            lines[node.lineno - 1:node.end_lineno] = [""] * (node.end_lineno - node.lineno + 1)
    return "\n".join(lines)


def test_every_code_is_used():
    code = "\n".join(_without_the_tables(p) for p in (ROOT / "hanzipad").rglob("*.py"))
    unused = [c for c in errors.TEMPLATES if f'"{c}"' not in code]
    assert not unused, f"codes nothing raises: {unused}"


@pytest.mark.parametrize("module", CODED)
def test_core_errors_are_made_from_a_code(module):
    """``raise InkError(f"…")`` would be English only: the core modules use ``.coded()`` (or
    ``.of()``/``.within()`` of a coded error)."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    plain = [f"{module}:{node.lineno}" for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id in ERROR_CLASSES]
    assert not plain, f"errors made from text: {plain}"


def test_message_and_error_text():
    place = errors.Message("place.stroke_point", stroke=1, point=2)
    assert str(place) == "stroke 1 point 2" and f"{place:>18}" == "  stroke 1 point 2"
    error = errors.HanziPadError.coded("ink.not_a_number", "a.json", place, None, "", value="'x'")
    assert str(error) == "a.json: stroke 1 point 2: expected a number, got 'x'"
    assert error.where == ("a.json", place)
    assert errors.find(str(error)) == ("ink.not_a_number", {"value": "'x'"}, ("a.json", place))
    assert errors.find("never made") is None
    with pytest.raises(KeyError):
        errors.HanziPadError.coded("no.such.code")


def test_os_reason_keeps_what_fileio_said():
    import errno
    import os

    from hanzipad import fileio

    with pytest.raises(FileNotFoundError) as info:
        fileio.check_regular_file("/no/such/file/here")
    assert errors.os_reason(info.value) == errors.Message("file.missing")
    plain = OSError(errno.EIO, os.strerror(errno.EIO))
    assert errors.os_reason(plain) == errors.Message("os.error", errno=errno.EIO,
                                                     text=os.strerror(errno.EIO))


def test_a_reason_as_a_parameter_keeps_its_code():
    """``errors.part``: a coded error with no place is a Message (translated inside another
    message); one naming a place, and any other exception, is its text."""
    bare = errors.HanziPadError.coded("json.too_deep", limit=3)
    assert errors.part(bare) == errors.Message("json.too_deep", limit=3)
    placed = bare.within("a.json")
    assert errors.part(placed) == "a.json: nested deeper than 3 levels"
    assert errors.part(KeyError("x")) == "'x'"
    assert placed.reason() == errors.Message("json.too_deep", limit=3)
    assert errors.HanziPadError("plain").reason() == "plain"
