import re

import pytest

from hanzipad.credits import lexicon_credits, model_credits, restricted_terms
from hanzipad.lexicon import LexiconError

META = {
    "sources": [
        {"kind": "shards", "sources": [
            {"kind": "pot", "database": "CASIA-OLHWDB", "writers": "1001-1180",
             "terms": "CASIA databases: free for academic research; commercial use needs "
                      "CASIA's permission"}]},
        {"kind": "shards", "sources": [
            {"kind": "strokes", "package": "hanzi-writer-data", "version": "2.0.1",
             "licence": "Arphic Public License"},
            {"kind": "strokes", "package": "hanzi-writer-data", "version": "2.0.1",
             "licence": "Arphic Public License"}]},
        {"kind": "font", "full_name": "Noto Sans CJK SC",
         "version": "Version 2.004;hotconv 1.0.118", "licence": "This Font Software is "
         "licensed under the SIL Open Font License, Version 1.1."},
    ],
    "init_from": {"sources": [{"kind": "font", "full_name": "WenQuanYi Zen Hei",
                               "version": "Version 0.9.45",
                               "licence": "GPL2 with font embedding exception"}]},
}


def test_every_source_once_with_version_and_terms():
    lines = [c.line() for c in model_credits(META)]
    assert lines == [
        "CASIA-OLHWDB (writers 1001-1180) — CASIA databases: free for academic research; "
        "commercial use needs CASIA's permission",
        "synthetic handwriting from hanzi-writer-data 2.0.1 — Arphic Public License",
        "Noto Sans CJK SC 2.004 — SIL OFL 1.1",
        "WenQuanYi Zen Hei 0.9.45 — GPL-2 with font embedding exception",
    ]
    assert restricted_terms(META) == [META["sources"][0]["sources"][0]["terms"]]


def test_redistributable_model_has_no_restricted_terms():
    meta = {"sources": META["sources"][1:]}
    assert restricted_terms(meta) == []
    assert model_credits({}) == []


def test_lexicon_sources_with_version_and_licence():
    lines = [c.line() for c in lexicon_credits()]
    assert lines == [
        "jieba dictionary 0.42.1 (word frequencies) — MIT",
        "pypinyin 0.55.0 (pinyin readings) — MIT",
        "CC-CEDICT 2023-11-07 (English meanings) — CC BY-SA 4.0",
    ]


def test_lexicon_sources_missing_or_damaged(tmp_path):
    with pytest.raises(LexiconError, match=re.escape(str(tmp_path / "sources.json"))):
        lexicon_credits(tmp_path)
    (tmp_path / "sources.json").write_text('[{"name": "x"', encoding="utf-8")
    with pytest.raises(LexiconError, match="not valid JSON"):
        lexicon_credits(tmp_path)
    (tmp_path / "sources.json").write_text('[{"name": "x"}]', encoding="utf-8")
    with pytest.raises(LexiconError, match="source 1 needs a name and a licence"):
        lexicon_credits(tmp_path)


def test_about_box_lists_model_and_lexicon_sources(tmp_path):
    pytest.importorskip("PySide6")
    from hanzipad.gui.about import about_text

    text = about_text(META, "test-model")
    model_at = text.index("Noto Sans CJK SC 2.004 — SIL OFL 1.1")
    lexicon_at = text.index("CC-CEDICT 2023-11-07 (English meanings) — CC BY-SA 4.0")
    assert model_at < lexicon_at
    assert "jieba dictionary 0.42.1 (word frequencies) — MIT" in text
    assert "pypinyin 0.55.0 (pinyin readings) — MIT" in text
    # without a model, the lexicon is still credited; a damaged sources.json is named
    assert "CC-CEDICT" in about_text(None)
    assert str(tmp_path / "sources.json") in about_text(META, lexicon_folder=tmp_path)
