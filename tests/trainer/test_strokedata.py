"""Tests of trainer.strokedata: reading the hanzi-writer-data tarball or folder."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from tests.helpers import STROKES_MINI, stroke_tarball
from trainer.strokedata import (
    LoadReport,
    StrokeDataError,
    load_character,
    load_medians,
    load_records,
    package_info,
)

PACKAGE = {"name": "hanzi-writer-data", "version": "2.0.1", "license": "SEE LICENSE IN ARPHICPL.TXT"}
CHARS = {
    "一": {"strokes": ["M 0 0 Z"], "medians": [[[100, 450], [900, 460]]]},
    "十": {
        "strokes": ["M 0 0 Z", "M 0 0 Z"],
        "medians": [[[100, 450], [900, 450]], [[500, 800], [500, 0]]],
        "radStrokes": [0, 1],
    },
}


def _files(bad=True):
    files = {"package/package.json": json.dumps(PACKAGE).encode()}
    for c, obj in CHARS.items():
        files[f"package/{c}.json"] = json.dumps(obj, ensure_ascii=False).encode()
    if bad:
        files["package/坏.json"] = b'{"medians": [[[1, 2], [3'
        files["package/空.json"] = b'{"strokes": []}'
    files["package/index.js"] = b"module.exports = {};"
    return files


def write_tarball(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def write_folder(root, files):
    for name, data in files.items():
        f = root / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(data)
    return root


@pytest.fixture(params=["tgz", "folder", "package-folder"])
def source(request, tmp_path):
    if request.param == "tgz":
        return write_tarball(tmp_path / "hwd.tgz", _files())
    if request.param == "folder":
        return write_folder(tmp_path / "hwd", _files())
    return write_folder(tmp_path / "hwd", _files()) / "package"


def test_load_medians_screen_coordinates(source):
    report = LoadReport()
    med = load_medians(source, report=report)
    assert sorted(med) == ["一", "十"]
    assert med["一"] == [[(100.0, 450.0), (900.0, 440.0)]]  # y_screen = 900 - y
    assert med["十"][1] == [(500.0, 100.0), (500.0, 900.0)]
    assert report.loaded == 2 and report.skipped == 2
    assert any("坏.json" in e and "not valid JSON" in e for e in report.errors)
    assert any("空.json" in e and "medians" in e for e in report.errors)


def test_chars_restricts(source):
    assert list(load_medians(source, chars=["十", "不"])) == ["十"]
    recs = load_records(source, chars="十")
    assert recs["十"][1] == [0, 1]


def test_load_character_and_package_info(source):
    obj = load_character(source, "十")
    assert obj["radStrokes"] == [0, 1] and obj["strokes"] and obj["medians"][1] == [[500, 800], [500, 0]]
    with pytest.raises(StrokeDataError, match="坏.json"):
        load_character(source, "坏")
    with pytest.raises(StrokeDataError, match="no 不.json"):
        load_character(source, "不")
    assert package_info(source) == {
        "name": "hanzi-writer-data",
        "version": "2.0.1",
        "license": "Arphic Public License",
    }


def test_missing_and_corrupt_tarball(tmp_path):
    with pytest.raises(StrokeDataError, match="nope.tgz"):
        load_medians(tmp_path / "nope.tgz")
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"this is not a tarball at all" * 10)
    with pytest.raises(StrokeDataError, match="junk.tgz"):
        load_medians(junk)
    good = write_tarball(tmp_path / "good.tgz", _files(bad=False))
    data = good.read_bytes()
    cut = tmp_path / "cut.tgz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(StrokeDataError, match="cut.tgz"):
        load_medians(cut)
    other = tmp_path / "x.txt"
    other.write_text("hello")
    with pytest.raises(StrokeDataError, match="x.txt"):
        load_medians(other)


def test_bad_points_and_radstrokes_skipped(tmp_path):
    files = _files(bad=False)
    files["package/数.json"] = json.dumps({"medians": [[[1, "a"]]]}).encode()
    files["package/字.json"] = json.dumps({"medians": [[[1, 2], [3, 4]]], "radStrokes": [5]}).encode()
    src = write_folder(tmp_path / "d", files)
    report = LoadReport()
    assert sorted(load_medians(src, report=report)) == ["一", "十"]
    assert report.skipped == 2
    assert any("数.json" in e and "bad point" in e for e in report.errors)
    assert any("字.json" in e and "radStrokes" in e for e in report.errors)


def test_real_package_subset(tmp_path):
    """Real hanzi-writer-data 2.0.1 files (tests/data), as a folder and as the npm tarball."""
    for path in (STROKES_MINI, stroke_tarball(tmp_path / "hanzi-writer-data-2.0.1.tgz")):
        med = load_medians(path, chars="江口")
        assert len(med["江"]) == 6 and len(med["口"]) == 3
        assert package_info(path) == {"name": "hanzi-writer-data", "version": "2.0.1",
                                      "license": "Arphic Public License"}
        assert len(load_medians(path)) == 51


@pytest.mark.extra_data("hanzi-writer-data-2.0.1.tgz")
def test_mini_package_is_a_byte_copy_of_the_real_tarball(extra_data):
    """Optional (HANZIPAD_EXTRA_DATA): tests/data's files are the npm package's, unchanged."""
    files = sorted((STROKES_MINI / "package").iterdir())
    with tarfile.open(extra_data) as tar:
        for f in files:
            assert tar.extractfile(f"package/{f.name}").read() == f.read_bytes(), f.name


def test_a_gzip_bomb_member_and_a_fifo_are_skipped_unread(tmp_path):
    """A character member that inflates to 64 MB (a few KB in the .tgz) and a FIFO named like a
    character file are skipped and counted, never inflated nor waited on (issue 35)."""
    import os

    files = _files(bad=False)
    files["package/大.json"] = b"{" + b" " * (64 << 20) + b"}"
    tgz = write_tarball(tmp_path / "bomb.tgz", files)
    assert tgz.stat().st_size < 200_000
    report = LoadReport()
    assert sorted(load_medians(tgz, report=report)) == ["一", "十"]
    assert report.skipped == 1 and any("larger than 1,048,576 bytes" in e
                                       for e in report.errors)
    folder = write_folder(tmp_path / "d", _files(bad=False))
    os.mkfifo(folder / "package" / "口.json")
    report = LoadReport()
    assert sorted(load_medians(folder, report=report)) == ["一", "十"]
    assert report.skipped == 1 and any("口.json" in e and "FIFO" in e for e in report.errors)


def test_a_fifo_named_like_the_tarball_is_refused_unread(tmp_path):
    import os

    from trainer.sources import SourceError, open_source

    os.mkfifo(tmp_path / "hwd.tgz")
    with pytest.raises(StrokeDataError, match="expected the hanzi-writer-data .tgz"):
        load_medians(tmp_path / "hwd.tgz")
    with pytest.raises(SourceError, match="not a regular file or folder"):
        open_source(f"strokes:{tmp_path / 'hwd.tgz'}")
