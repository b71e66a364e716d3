"""Hostile and broken ink files: refused with a one-line message naming the file and the
reason, at bounded memory and time, never a traceback (issue 11)."""

import io
import json
import os
import tracemalloc

import numpy as np
import pytest

import hanzipad.ink as inkmod
from hanzipad.ink import Ink, InkError, iter_jsonl, load
from hanzipad.raster import rasterize
from tests.helpers import finishes

GOOD = json.dumps({"strokes": [[[0, 0], [50, 50]], [[50, 0], [0, 50]]], "label": "十"})

HOSTILE = {
    "huge": ('{"strokes": [[[1e308, 0], [-1e308, 5]]]}', "outside"),
    "huge-y": ('{"strokes": [[[0, -1e308], [5, 1e308]]]}', "outside"),
    "huge-size": ('{"width": 1e308, "strokes": [[[0, 0], [5, 5]]]}', "outside"),
    "subnormal": ('{"strokes": [[[0, 0], [5e-324, 0]]]}', "too small"),
    "subnormal-y": ('{"strokes": [[[0, 1e-320], [0, 1.5e-320]]]}', "too small"),
    "digits-x": ('{"strokes": [[[%s, 0], [1, 5]]]}' % ("9" * 400), "400 digits"),
    "digits-t": ('{"strokes": [[[0, 0, %s], [1, 5]]]}' % ("1" * 400), "400 digits"),
    "digits-neg": ('{"strokes": [[[-%s, 0], [1, 5]]]}' % ("9" * 400), "400 digits"),
    "digits-meta": ('{"writer": %s, "strokes": [[[0, 0], [1, 5]]]}' % ("7" * 5000), "5000 digits"),
    "deep-list": ('{"strokes": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    "deep-object": ('{"strokes": [], "x": ' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "}",
                    "nested too deeply"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_ink_file_refused_with_one_line_reason(tmp_path, name):
    text, reason = HOSTILE[name]
    path = tmp_path / f"{name}.json"
    path.write_text(text)
    with pytest.raises(InkError) as err:
        ink = load(path)
        rasterize(ink)  # reached only if load accepted it: must not crash either
    message = str(err.value)
    assert message.startswith(f"{path}: ") and reason in message
    assert "\n" not in message and len(message) < 300


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_jsonl_line_rejects_only_that_line(tmp_path, name):
    text, reason = HOSTILE[name]
    path = tmp_path / "mixed.jsonl"
    path.write_text(GOOD + "\n" + text + "\n" + GOOD + "\n")
    items = list(iter_jsonl(path))
    assert [i for i, _ in items] == [0, 1, 2]
    assert isinstance(items[1][1], InkError) and str(items[1][1]).startswith(f"{path}:2: ")
    assert reason in str(items[1][1])
    for _, ink in (items[0], items[2]):
        assert ink.label == "十" and rasterize(ink).any()


def test_from_lists_refuses_huge_and_tiny_numbers_with_ink_error():
    with pytest.raises(InkError, match="400 digits"):
        Ink.from_lists([[[int("9" * 400), 0], [1, 1]]])
    with pytest.raises(InkError, match="outside"):
        Ink.from_lists([[[1e300, 0], [1, 1]]])
    with pytest.raises(InkError, match="too small"):
        Ink.from_lists([[[0, 0], [5e-324, 0]]])


def test_sane_extremes_still_accepted_and_drawn():
    """Large screen coordinates, small but real extents, epoch timestamps: all fine."""
    limit = inkmod.MAX_COORDINATE
    for strokes in (
        [[[-limit, 0], [limit, 1]]],
        [[[0, 0], [inkmod.MIN_EXTENT, inkmod.MIN_EXTENT]]],
        [[[1e-3, 0, 1.7e12, 0.5], [2e-3, 1e-3, 1.7e12 + 16, 0.6]]],
        [[[5, 5]]],  # a single dot
    ):
        image = rasterize(Ink.from_lists(strokes))
        assert image.shape == (64, 64) and image.any()


def _jsonl_lines(n: int) -> bytes:
    line = (GOOD + "\n").encode()
    return line * n


def test_jsonl_streams_at_flat_memory(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(_jsonl_lines(30_000))  # about 2.4 MB
    size = path.stat().st_size
    tracemalloc.start()
    try:
        it = iter_jsonl(path)
        first = next(it)
        _, first_peak = tracemalloc.get_traced_memory()
        count = 1 + sum(1 for _ in it)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert first[0] == 0 and first[1].label == "十"
    assert count == 30_000
    assert first_peak < size / 4, f"first item needed {first_peak} bytes for a {size}-byte file"
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte file"


def test_invalid_utf8_rejects_only_its_line(tmp_path):
    path = tmp_path / "bytes.jsonl"
    bad = b'{"strokes": [[[0, 0], [1, 1]]], "label": "\xff"}'  # a lone 0xff byte
    path.write_bytes(GOOD.encode() + b"\n\n" + bad + b"\n" + GOOD.encode() + b"\r\n")
    items = list(iter_jsonl(path))
    assert [i for i, _ in items] == [0, 1, 2]
    assert items[0][1].label == "十" and items[2][1].label == "十"
    err = items[1][1]
    assert isinstance(err, InkError)
    assert str(err).startswith(f"{path}:3: ") and "UTF-8" in str(err) and "0xff" in str(err)


def test_jsonl_line_numbers_are_one_based_file_colon_line(tmp_path):
    path = tmp_path / "n.jsonl"
    path.write_text("\n" + GOOD + "\n   \n{oops\n" + GOOD + "\n")
    records = list(inkmod.iter_jsonl_lines(path))
    assert [(r.index, r.line) for r in records] == [(0, 2), (1, 4), (2, 5)]
    assert str(records[1].item).startswith(f"{path}:4: not valid JSON")


def test_overlong_line_rejected_alone_and_numbering_continues(tmp_path, monkeypatch):
    monkeypatch.setattr(inkmod, "MAX_INK_BYTES", 4096)
    path = tmp_path / "long.jsonl"
    long_line = json.dumps({"strokes": [[[i, i] for i in range(2000)]], "label": "一"})
    path.write_text(GOOD + "\n" + long_line + "\n" + GOOD + "\n")
    items = list(inkmod.iter_jsonl_lines(path))
    assert [(r.index, r.line) for r in items] == [(0, 1), (1, 2), (2, 3)]
    assert str(items[1].item).startswith(f"{path}:2: ") and "longer than" in str(items[1].item)
    assert items[2].item.label == "十"


def test_json_file_larger_than_the_limit_refused_fast(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:  # sparse: no disk used
        f.truncate(inkmod.MAX_INK_BYTES + 1)
    tracemalloc.start()
    try:
        with pytest.raises(InkError, match="larger than") as err:
            load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(err.value).startswith(f"{path}: ")
    assert peak < 1_000_000




def test_device_file_refused_not_read(tmp_path):
    assert os.path.exists("/dev/zero"), "this test needs /dev/zero (Linux)"
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    done, result = finishes(lambda: load(link))
    assert done, "loading a link to /dev/zero did not finish"
    assert isinstance(result, InkError) and "not a regular file" in str(result)
    assert str(result).startswith(f"{link}: ")
    done, result = finishes(lambda: list(iter_jsonl(tmp_path / "zero.json")))
    assert done and isinstance(result, InkError) and "not a regular file" in str(result)


def test_fifo_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    try:
        done, result = finishes(lambda: load(fifo), 5.0)
        assert done, "opening a FIFO blocked"
        assert isinstance(result, InkError) and "not a regular file" in str(result)
        assert isinstance(result, inkmod.InkFileError)
    finally:  # unblock a reader stuck in open() (the unfixed code), so no thread is left behind
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass


def test_folder_named_json_refused(tmp_path):
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(InkError, match="not a regular file"):
        load(tmp_path / "dir.json")


@pytest.fixture
def deny(monkeypatch):
    """Make opening the given paths fail with PermissionError (tests run as root, so chmod
    would not stop them)."""
    denied = set()
    real_os_open, real_io_open = os.open, io.open

    def os_open(path, *args, **kwargs):
        if os.fspath(path) in denied:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_os_open(path, *args, **kwargs)

    def io_open(file, *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and os.fspath(file) in denied:
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return real_io_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(io, "open", io_open)
    return lambda path: denied.add(os.fspath(path))


def test_unreadable_file_is_a_file_error_not_corrupt(tmp_path, deny):
    for name in ("locked.json", "locked.jsonl"):
        path = tmp_path / name
        path.write_text(GOOD + "\n")
        deny(path)
        with pytest.raises(inkmod.InkFileError) as err:
            list(iter_jsonl(path)) if name.endswith("l") else load(path)
        assert str(err.value) == f"{path}: cannot read the file (permission denied)"


def test_non_utf8_file_name_shown_escaped(tmp_path):
    name = os.path.join(os.fsencode(tmp_path), b"caf\xe9.json")
    with open(name, "wb") as f:
        f.write(b"{oops")
    path = os.fsdecode(name)  # what sys.argv holds: a lone surrogate for the 0xe9 byte
    with pytest.raises(InkError) as err:
        load(path)
    message = str(err.value)
    message.encode("utf-8")  # no lone surrogates: printable and encodable anywhere
    assert "caf\\xe9.json: not valid JSON" in message


def test_loaded_ink_is_drawable(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(GOOD)
    assert np.count_nonzero(rasterize(load(path))) > 50
