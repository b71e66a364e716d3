import json

import pytest

from hanzipad.ink import Ink, InkError, iter_jsonl, load, loads, save


def test_roundtrip_keeps_points_time_pressure_and_extra_keys(tmp_path):
    ink = Ink.from_lists([[[1, 2], [3, 4, 10, 0.7]], [[5, 6]]], 100, 80, {"label": "人"})
    path = tmp_path / "a.json"
    save(ink, path)
    back = load(path)
    assert back.label == "人"
    assert (back.width, back.height) == (100, 80)
    assert back.strokes[0][1].t == 10 and back.strokes[0][1].pressure == pytest.approx(0.7)
    assert back.to_dict()["strokes"] == [[[1, 2], [3, 4, 10, 0.7]], [[5, 6]]]


def test_unknown_keys_are_ignored():
    ink = loads('{"width": 10, "height": 10, "strokes": [[[0, 0], [1, 1]]], "writer": "w1"}')
    assert ink.point_count() == 2


@pytest.mark.parametrize(
    "text, reason",
    [
        ("{not json", "not valid JSON"),
        ('{"width": 1}', "no 'strokes'"),
        ('{"strokes": 5}', "must be a list"),
        ('{"strokes": [[[0, NaN]]]}', "non-finite"),
        ('{"strokes": [[[0, Infinity]]]}', "non-finite"),
        ('{"strokes": [[[0, 1e999]]]}', "not finite"),
        ('{"strokes": [[[0]]]}', "expected [x, y]"),
        ('{"strokes": [[["a", 1]]]}', "expected a number"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_malformed_ink_is_refused_with_reason(tmp_path, text, reason):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InkError) as err:
        load(path)
    assert str(path) in str(err.value)
    assert reason in str(err.value)


def test_empty_stroke_list_is_valid_but_empty():
    ink = loads('{"width": 10, "height": 10, "strokes": []}')
    assert ink.is_empty() and ink.bounds() is None


def test_jsonl_yields_each_line_and_errors_per_line(tmp_path):
    path = tmp_path / "many.jsonl"
    good = json.dumps({"strokes": [[[0, 0], [5, 5]]], "label": "一"})
    path.write_text(good + "\n\n{broken\n" + good + "\n")
    items = list(iter_jsonl(path))
    assert [i for i, _ in items] == [0, 1, 2]
    assert isinstance(items[1][1], InkError) and "many.jsonl:3" in str(items[1][1])
    assert items[2][1].label == "一"


def test_missing_file_names_it(tmp_path):
    with pytest.raises(InkError, match="no such file"):
        load(tmp_path / "nope.json")


def test_reversed_reverses_order_and_direction():
    ink = Ink.from_lists([[[0, 0], [1, 0]], [[2, 2], [3, 3]]])
    rev = ink.reversed()
    assert [(p.x, p.y) for p in rev.strokes[0]] == [(3, 3), (2, 2)]
    assert [(p.x, p.y) for p in rev.strokes[1]] == [(1, 0), (0, 0)]


def test_save_is_atomic_and_keeps_permissions(tmp_path, monkeypatch):
    """ink.save goes through hanzipad.fileio: no half-written file or temp file is left when
    writing fails, and an existing file keeps its mode."""
    import os

    from hanzipad import fileio
    from hanzipad import ink as inkfile

    ink = inkfile.Ink.from_lists([[[0, 0], [10, 10]]])
    path = tmp_path / "a.json"
    inkfile.save(ink, path)
    os.chmod(path, 0o600)
    inkfile.save(ink, path)
    assert (path.stat().st_mode & 0o777) == 0o600
    before = path.read_bytes()

    def fail(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", fail)
    with pytest.raises(OSError):
        inkfile.save(inkfile.Ink.from_lists([[[5, 5], [6, 6]]]), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]
