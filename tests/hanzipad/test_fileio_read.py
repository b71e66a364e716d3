"""Bounded reading (hanzipad.fileio): JSON that cannot hang or crash a reader, files that are
not regular files refused before they are opened."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from hanzipad import fileio


def test_loads_bounded_reads_ordinary_json():
    text = json.dumps({"a": [1, 2.5, -3, "x]", {"b": None}], "c": "{[\"\\\"]"})
    assert fileio.loads_bounded(text) == json.loads(text)


@pytest.mark.parametrize("depth, ok", [(64, True), (65, False), (100_000, False)])
def test_loads_bounded_refuses_deep_nesting(depth, ok):
    text = "[" * depth + "]" * depth
    if ok:
        assert fileio.loads_bounded(text) is not None
        return
    with pytest.raises(ValueError, match=r"model\.json: nested deeper than 64 levels") as e:
        fileio.loads_bounded(text, what="model.json")
    assert "\n" not in str(e.value)


def test_loads_bounded_deep_objects_and_brackets_in_strings():
    deep = '{"a":' * 70 + "1" + "}" * 70
    with pytest.raises(ValueError, match="nested deeper"):
        fileio.loads_bounded(deep)
    shallow = json.dumps(["[" * 500, "{" * 500])  # brackets inside strings do not count
    assert fileio.loads_bounded(shallow) == ["[" * 500, "{" * 500]


@pytest.mark.parametrize("number", ["1" * 400, "-" + "9" * 41, "1" * 400 + ".5", "0." + "1" * 50])
def test_loads_bounded_refuses_long_numbers(number):
    with pytest.raises(ValueError, match="more than 40 digits"):
        fileio.loads_bounded(f'{{"p": {number}}}', what="x.json")


@pytest.mark.parametrize("text", ["[1e400]", "[-1e999]", "[NaN]", "[Infinity]", "[-Infinity]"])
def test_loads_bounded_refuses_non_finite(text):
    with pytest.raises(ValueError):
        fileio.loads_bounded(text)


def test_loads_bounded_malformed_is_value_error():
    with pytest.raises(ValueError, match="not valid JSON"):
        fileio.loads_bounded('{"a": ')
    with pytest.raises(ValueError, match="not valid JSON"):
        fileio.loads_bounded("[" * 100 + "}")


def test_loads_bounded_is_fast_on_big_flat_input():
    text = json.dumps([[i, i + 0.5] for i in range(300_000)])  # about 6 MB
    start = time.monotonic()
    assert len(fileio.loads_bounded(text)) == 300_000
    assert time.monotonic() - start < 3


def test_depth_check_is_linear_on_many_deep_but_legal_parts():
    """30,000 lists each 255 deep (15 MB): the depth check was 34 s (a pass per level)."""
    unit = "[" * 255 + "]" * 255
    text = "[" + ",".join([unit] * 30_000) + "]"
    start = time.monotonic()
    assert not fileio._too_deep(text, 256) and fileio._too_deep(text, 200)
    assert time.monotonic() - start < 5


def test_read_json_reads_and_names_the_file(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"k": [1, 2]}', encoding="utf-8")
    assert fileio.read_json(path) == {"k": [1, 2]}
    path.write_text("[" * 1000 + "]" * 1000)
    with pytest.raises(ValueError, match=f"{path}: nested deeper"):
        fileio.read_json(path)
    path.write_bytes(b"\xff\xfe[]")
    with pytest.raises(ValueError, match="not UTF-8"):
        fileio.read_json(path)


def test_read_json_size_cap(tmp_path):
    path = tmp_path / "big.json"
    path.write_text("[" + "0," * 1000 + "0]")
    with pytest.raises(ValueError, match="more than the 100 allowed"):
        fileio.read_json(path, max_bytes=100)


def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "f.json"
    os.mkfifo(fifo)
    done = []

    def read():
        try:
            fileio.read_json(fifo)
        except OSError as e:
            done.append(str(e))

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(5)
    assert done and "FIFO" in done[0] and str(fifo) in done[0]
    with pytest.raises(fileio.NotAFileError, match="FIFO"):
        fileio.check_regular_file(fifo)


def test_devices_and_folders_are_refused(tmp_path):
    with pytest.raises(fileio.NotAFileError, match="character device"):
        fileio.read_json("/dev/zero")
    with pytest.raises(IsADirectoryError, match="folder"):
        fileio.read_bytes_bounded(tmp_path, 10)
    with pytest.raises(FileNotFoundError, match="no such file"):
        fileio.check_regular_file(tmp_path / "nope")
