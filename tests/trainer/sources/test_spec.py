"""parse_spec / open_source basics."""

from __future__ import annotations

import pytest

from trainer.sources import SourceError, SourceSpec, open_source, parse_spec


def test_plain_and_options():
    assert parse_spec("gnt:/data/x.gnt") == SourceSpec("gnt", "/data/x.gnt", {})
    s = parse_spec("strokes:/data/hanzi.tgz?per_char=20&seed=3")
    assert (s.kind, s.path, s.options) == ("strokes", "/data/hanzi.tgz", {"per_char": 20, "seed": 3})
    assert parse_spec("font:/x.ttc?index=1").options == {"index": 1}
    assert parse_spec("gnt:C:\\data\\x.gnt").path == "C:\\data\\x.gnt"
    assert parse_spec(str(s)) == s


@pytest.mark.parametrize(
    "spec, msg",
    [
        ("/data/x.gnt", "expected KIND:PATH"),
        ("jpg:/x", "unknown kind 'jpg'"),
        ("gnt:", "no path"),
        ("font:/x.ttc?index=a", "not an integer"),
        ("font:/x.ttc?colour=1", "unknown option 'colour'"),
        ("strokes:/x?per_char=0", "at least 1"),
        ("strokes:/x?per_char", "name=value"),
    ],
)
def test_bad_specs(spec, msg):
    with pytest.raises(ValueError, match=msg):
        parse_spec(spec)


def test_classes_must_be_in_label_map(tmp_path):
    with pytest.raises(SourceError, match="not in the label map: Q"):
        open_source(f"gnt:{tmp_path}", classes=["啊", "Q"])


def test_label_map_and_classes_keep_indices(tmp_path):
    src = open_source(f"gnt:{tmp_path}", classes=["阿", "啊"])
    assert src.wanted_chars() == ["啊", "阿"]
    assert src.label_of("阿", "w") == 1
    assert src.label_of("人", "w") is None and src.stats.not_selected == 1
    src = open_source(f"gnt:{tmp_path}", label_map={"人": 0, "口": 1})
    assert src.label_of("口", "w") == 1
    assert src.label_of("啊", "w") is None and src.stats.out_of_labels == 1


def test_huge_writer_ranges_stay_ranges_and_huge_options_are_refused():
    """``?writers=1-99999999999999`` is kept as a range (was expanded into a set: 24 GB);
    options asking for billions of samples, pixels or shards are refused (issue 35)."""
    import time

    from trainer.sources import writer_set

    t0 = time.monotonic()
    assert str(parse_spec("pot:/d?writers=1-99999999999999")) == "pot:/d?writers=1-99999999999999"
    wanted = writer_set("1-99999999999999,200000000000000")
    assert 1001 in wanted and 200000000000000 in wanted and 10**15 not in wanted
    assert None not in wanted and time.monotonic() - t0 < 0.1
    for spec, needle in [("strokes:/d?per_char=99999999999", "at most 1,000,000"),
                         ("font:/f.ttf?size=100000", "at most 4,096"),
                         ("pot:/d?writers=" + "9" * 5000, "is not a writer list"),
                         ("pot:/d?writers=" + ",".join(["1"] * 20_000), "is not a writer list")]:
        with pytest.raises(SourceError, match=needle) as e:
            parse_spec(spec)
        assert len(str(e.value)) < 600
