"""Pinyin and meanings of the characters (hanzipad.readings, resources/lexicon/chars.tsv)."""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path

import pytest

from hanzipad.lexicon import LexiconError
from hanzipad.readings import Readings

ROOT = Path(__file__).resolve().parents[2]
LEXICON = ROOT / "resources" / "lexicon"
LABELS = (ROOT / "resources" / "model" / "labels.txt").read_text("utf-8").split()
TONE_MARKS = set("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü")


@pytest.fixture(scope="module")
def rd() -> Readings:
    return Readings.load()


def test_every_label_has_a_reading_and_a_gloss(rd):
    assert len(rd) == 3755
    missing = [c for c in LABELS if not rd.pinyin(c)]
    assert missing == []
    no_gloss = [c for c in LABELS if not rd.gloss(c)]
    assert no_gloss == []


def test_readings_are_lowercase_pinyin_with_tone_marks(rd):
    for c in LABELS:
        for r in rd.pinyin(c):
            assert r == unicodedata.normalize("NFC", r)
            assert r.isalpha() and r == r.lower(), (c, r)
            assert set(r) <= set("abcdefghijklmnopqrstuvwxyz") | TONE_MARKS, (c, r)


def test_polyphonic_characters_most_common_first(rd):
    assert set(rd.pinyin("行")) >= {"háng", "xíng"}
    assert rd.pinyin("行")[0] == "xíng"
    assert rd.pinyin("的")[0] == "de"
    assert rd.pinyin("了")[:2] == ["le", "liǎo"]
    assert "chóng" in rd.pinyin("重") and "zhòng" in rd.pinyin("重")
    assert rd.pinyin("水") == ["shuǐ"]
    assert rd.pinyin("绿")[0] == "lǜ"


def test_glosses(rd):
    assert "water" in rd.gloss("水")
    assert "walk" in rd.gloss("行") or "go" in rd.gloss("行")
    assert "one" in rd.gloss("一")
    assert all(len(rd.gloss(c)) <= 80 for c in LABELS)
    assert all("\t" not in rd.gloss(c) and "Taiwan pr." not in rd.gloss(c) for c in LABELS)


def test_unknown_characters(rd):
    assert rd.pinyin("A") == [] and rd.gloss("A") == ""
    assert rd.pinyin("") == [] and rd.gloss("") == ""
    assert "A" not in rd and "水" in rd


def test_gloss_column_is_attributed():
    header = (LEXICON / "chars.tsv").read_text("utf-8").split("\n", 1)[0]
    assert "CC-CEDICT" in header and "CC BY-SA 4.0" in header
    assert (LEXICON / "CC-BY-SA-4.0.txt").read_text("utf-8").startswith(
        "Attribution-ShareAlike 4.0 International")
    sources = json.loads((LEXICON / "sources.json").read_text("utf-8"))
    cedict = next(s for s in sources if s["name"] == "CC-CEDICT")
    assert cedict["licence"] == "CC BY-SA 4.0" and cedict["version"] == "2023-11-07"
    for s in sources:
        assert set(s) >= {"name", "version", "licence", "upstream", "used_for"}
        assert (LEXICON / s["licence_file"]).is_file()
    assert "CC BY-SA 4.0" in (LEXICON / "SOURCES.md").read_text("utf-8")


# -- damaged files -----------------------------------------------------------------------


@pytest.fixture
def copy(tmp_path) -> Path:
    shutil.copy(LEXICON / "chars.tsv", tmp_path / "chars.tsv")
    return tmp_path


def _error(folder: Path) -> str:
    with pytest.raises(LexiconError) as err:
        Readings.load(folder)
    assert str(folder / "chars.tsv") in str(err.value)
    return str(err.value)


def test_missing(tmp_path):
    assert "not found" in _error(tmp_path)


def test_truncated(copy):
    data = (copy / "chars.tsv").read_bytes()
    (copy / "chars.tsv").write_bytes(data[:-100])
    assert "truncated" in _error(copy)


def test_not_utf8(copy):
    data = (copy / "chars.tsv").read_bytes()
    (copy / "chars.tsv").write_bytes(data[:500] + b"\xff\xfe" + data[502:])
    assert "UTF-8" in _error(copy)


def test_line_without_reading(copy):
    lines = (copy / "chars.tsv").read_text("utf-8").split("\n")
    char, _, gloss = lines[10].split("\t")
    lines[10] = f"{char}\t\t{gloss}"
    (copy / "chars.tsv").write_text("\n".join(lines), "utf-8")
    assert "line 11" in _error(copy) and "no reading" in _error(copy)


def test_line_with_two_fields(copy):
    lines = (copy / "chars.tsv").read_text("utf-8").split("\n")
    lines[20] = lines[20].rsplit("\t", 1)[0]
    (copy / "chars.tsv").write_text("\n".join(lines), "utf-8")
    assert "line 21" in _error(copy)
