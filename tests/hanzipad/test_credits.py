from hanzipad.credits import model_credits, restricted_terms

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
