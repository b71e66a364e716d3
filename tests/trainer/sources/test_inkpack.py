"""inkpack:FILE as a source: samples, labels, selectors (writers, every, scan), provenance."""

from __future__ import annotations

import numpy as np
import pytest

from hanzipad.credits import model_credits
from hanzipad.labels import class_of
from tests.trainer.sources.packdata import CHARS, log_none, make_packed
from trainer.pack import pack
from trainer.records import machine_paths
from trainer.sources import SourceError, open_source
from trainer.sources.inkpack_format import PackReader


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    return make_packed(tmp_path_factory)


def test_pack_round_trip_labels_images_and_size(packed):
    pots, out, summary = packed
    assert summary["samples"] == 36 and summary["bytes"] == out.stat().st_size
    from_pot = list(open_source(f"pot:{pots}"))
    src = open_source(f"inkpack:{out}")
    assert len(src.shards()) == 3  # one block per writer file
    from_pack = [s for shard in src.shards() for s in src.iter_shard(shard)]
    assert [lab for _, lab in from_pack] == [lab for _, lab in from_pot]
    assert {lab for _, lab in from_pack} == {class_of(c) for c in CHARS}
    mad = [np.abs(a.astype(int) - b).mean() for (a, _), (b, _) in zip(from_pot, from_pack)]
    assert max(mad) < 3 and np.mean(mad) < 1, mad  # the same ink (pixels 0..255)
    exact = pack([f"pot:{pots}"], pots.parent / "exact.inkpack", tolerance=0, log=log_none)
    lossless = list(open_source(f"inkpack:{pots.parent / 'exact.inkpack'}"))
    assert exact["samples"] == 36
    assert all((a == b).all() for (a, _), (b, _) in zip(from_pot, lossless))  # pixel for pixel
    other = [np.abs(a.astype(int) - b).mean() for (a, _), (b, _) in zip(from_pot, from_pack[1:])]
    assert np.mean(other) > 5 * np.mean(mad)  # another sample is far: not merely alike
    assert src.stats.yielded == 36 and src.stats.skipped == 0
    # raw .pot is 4 bytes a point; the pack's records a fraction of it
    r = PackReader(out)
    assert sum(b["bytes"] for b in r.blocks) < sum(p.stat().st_size for p in pots.iterdir()) / 2
    assert [b["writer"] for b in r.blocks] == [1001, 1002, 1003]
    assert [b["origin"] for b in r.blocks] == ["1001-c.pot", "1002-c.pot", "1003-c.pot"]


def test_selectors_writers_every_scan(packed):
    _, out, _ = packed
    src = open_source(f"inkpack:{out}?writers=1002")
    (shard,) = src.shards()
    assert len(list(src.iter_shard(shard))) == 12
    with pytest.raises(SourceError, match="no sample of writers 1500"):
        open_source(f"inkpack:{out}?writers=1500").shards()
    sub = list(open_source(f"inkpack:{out}?every=4"))
    assert len(sub) == 3 * 3  # records 0, 4, 8 of each writer's 12
    full = list(open_source(f"inkpack:{out}"))
    assert [lab for _, lab in sub] == [lab for k, (_, lab) in enumerate(full) if k % 12 % 4 == 0]
    scanned = list(open_source(f"inkpack:{out}?scan=100&seed=1"))
    again = list(open_source(f"inkpack:{out}?scan=100&seed=1"))
    assert all((a == b).all() for (a, _), (b, _) in zip(scanned, again))
    assert sum(not (a == b).all() for (a, _), (b, _) in zip(scanned, full)) == len(full)
    only = open_source(f"inkpack:{out}", classes=["人"])
    assert {lab for _, lab in only} == {class_of("人")} and only.stats.not_selected > 0


def test_provenance_is_carried_into_the_recorded_sources(packed):
    _, out, _ = packed
    d = open_source(f"inkpack:{out}?writers=1001-1002").describe()
    assert d["kind"] == "inkpack" and d["count"] == 36 and d["writers"] == "1001-1002"
    (inner,) = d["sources"]
    assert inner["kind"] == "pot" and inner["writers"] == "1001-1002"
    assert inner["packed_writers"] == "1001-1003" and inner["packed_stats"]["yielded"] == 36
    assert "academic research" in inner["terms"]
    assert not machine_paths(d), machine_paths(d)  # no path of this machine in a record
    credits = model_credits({"sources": [d]})
    assert [(c.what, c.detail) for c in credits] == [("CASIA-OLHWDB", "writers 1001-1002")]
    assert "academic research" in credits[0].terms
