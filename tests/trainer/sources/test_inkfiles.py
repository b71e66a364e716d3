import json

import numpy as np
import pytest

from hanzipad.ink import Ink
from hanzipad.labels import class_of
from hanzipad.raster import rasterize
from trainer.sources import SourceError, open_source

TEN = Ink.from_lists([[[0, 50], [100, 50]], [[50, 0], [50, 100]]], 100, 100, {"label": "十"})


def test_ink_jsonl_rendered_by_the_apps_rasterizer_bad_lines_counted(tmp_path):
    path = tmp_path / "real.jsonl"
    lines = [
        json.dumps(TEN.to_dict(), ensure_ascii=False),
        "{broken",
        json.dumps({"strokes": [[[0, 0], [1, 1]]]}),  # no label
        json.dumps({"strokes": [[[0, 0], [1, 1]]], "label": "A"}),  # not in the label set
        json.dumps({"strokes": [], "label": "十"}),  # empty
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    src = open_source(f"ink:{tmp_path}")
    samples = list(src)
    assert len(samples) == 1
    image, label = samples[0]
    assert label == class_of("十")
    assert np.array_equal(image, rasterize(TEN))
    assert src.stats.yielded == 1 and src.stats.corrupt == 3 and src.stats.out_of_labels == 1
    assert any("real.jsonl:2" in m for m in src.stats.messages)


def test_ink_json_file_and_missing_path(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(TEN.to_dict(), ensure_ascii=False), encoding="utf-8")
    assert [lab for _, lab in open_source(f"ink:{path}")] == [class_of("十")]
    with pytest.raises(SourceError, match="no such file"):
        open_source(f"ink:{tmp_path / 'nope'}").shards()


# --- bad input and faults (issue 11) --------------------------------------------------------

import io  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402

GOOD = json.dumps(TEN.to_dict(), ensure_ascii=False)


def test_hostile_inks_counted_corrupt_never_raised(tmp_path):
    hostile = [
        '{"label": "十", "strokes": [[[1e308, 0], [-1e308, 5]]]}',
        '{"label": "十", "strokes": [[[0, 0], [5e-324, 0]]]}',
        '{"label": "十", "strokes": [[[%s, 0], [1, 5]]]}' % ("9" * 400),
        '{"label": "十", "strokes": ' + "[" * 100_000 + "]" * 100_000 + "}",
    ]
    (tmp_path / "bad.jsonl").write_text("\n".join([GOOD, *hostile, GOOD]) + "\n", encoding="utf-8")
    (tmp_path / "huge.json").write_text(hostile[0])
    src = open_source(f"ink:{tmp_path}")
    assert [lab for _, lab in src] == [class_of("十")] * 2
    assert src.stats.yielded == 2 and src.stats.corrupt == 5
    bad = str(tmp_path / "bad.jsonl")
    assert [m.split(": ")[0] for m in src.stats.messages] == [
        f"{bad}:2", f"{bad}:3", f"{bad}:4", f"{bad}:5", str(tmp_path / "huge.json")]
    assert all("\n" not in m for m in src.stats.messages)


def test_bad_utf8_line_spoils_only_that_line_and_lines_are_file_colon_line(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b"\n" + GOOD.encode() + b"\n"
        + b'{"strokes": [[[0, 0], [9, 9]]], "label": "\xff"}\n'
        + b'{"strokes": [], "label": "\xe5\x8d\x81"}\n'
        + b'{"strokes": [[[0, 0], [1, 1]]]}\n'
        + GOOD.encode() + b"\n"
    )
    src = open_source(f"ink:{path}")
    assert [lab for _, lab in src] == [class_of("十")] * 2
    assert src.stats.corrupt == 3
    assert src.stats.messages[0].startswith(f"{path}:3: not UTF-8 text (byte 0xff")
    assert src.stats.messages[1] == f"{path}:4: ink has no strokes"
    assert src.stats.messages[2] == f'{path}:5: no "label" (the character written)'


def test_unreadable_file_is_not_called_corrupt(tmp_path, monkeypatch):
    good, locked = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    good.write_text(GOOD + "\n", encoding="utf-8")
    locked.write_text(GOOD + "\n", encoding="utf-8")
    real_os_open, real_io_open = os.open, io.open

    def os_open(file, *args, **kwargs):
        if os.fspath(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_os_open(file, *args, **kwargs)

    def io_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)  # tests run as root: chmod would not stop them
    monkeypatch.setattr(io, "open", io_open)
    src = open_source(f"ink:{tmp_path}")
    assert [lab for _, lab in src] == [class_of("十")]
    assert src.stats.corrupt == 0 and src.stats.missing == 1
    assert src.stats.messages == [
        f"{locked}: cannot read the file (permission denied); none of its samples were used"]


def test_fifo_in_the_data_folder_does_not_block(tmp_path):
    (tmp_path / "a.json").write_text(GOOD, encoding="utf-8")
    os.mkfifo(tmp_path / "b.json")
    box = {}
    t = threading.Thread(target=lambda: box.update(labels=[lab for _, lab in src]), daemon=True)
    src = open_source(f"ink:{tmp_path}")
    try:
        t.start()
        t.join(10)
        assert not t.is_alive(), "reading the ink: source blocked on a FIFO"
    finally:  # unblock a reader stuck in open() (the unfixed code)
        try:
            os.close(os.open(tmp_path / "b.json", os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
    assert box["labels"] == [class_of("十")]
    assert src.stats.corrupt == 0 and src.stats.missing == 1
    assert src.stats.messages[0].startswith(f"{tmp_path / 'b.json'}: not a regular file")
