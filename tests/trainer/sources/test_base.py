"""The source base classes: which kinds are ink sources, and what an InkSource gives the pack
(its inks, their writer and origin) against what it renders."""

from __future__ import annotations

import numpy as np
import pytest

from hanzipad.ink import Ink
from hanzipad.raster import rasterize
from tests.helpers import stroke_tarball
from tests.trainer.sources.packdata import CHARS, write_pots
from trainer.pack import INK_KINDS
from trainer.sources import KINDS, SOURCE_CLASSES, InkSample, InkSource, open_source, source_class
from trainer.sources.base import SkipStats, SourceError


def test_every_kind_has_its_class_and_the_ink_kinds_are_the_ink_sources():
    assert list(SOURCE_CLASSES) == list(KINDS)
    assert all(SOURCE_CLASSES[k].kind == k for k in KINDS)
    assert {k for k in KINDS if issubclass(source_class(k), InkSource)} == set(INK_KINDS)
    with pytest.raises(SourceError, match="unknown source kind 'svg'"):
        source_class("svg")


def test_inks_are_what_iter_shard_renders_with_the_same_counts(tmp_path):
    pots = write_pots(tmp_path / "pot", writers=(1001, 1002), per_writer=6)
    (pots / "1002-c.pot").write_bytes((pots / "1002-c.pot").read_bytes() + b"\x01")  # cut short
    for spec in (f"pot:{pots}", f"strokes:{stroke_tarball(tmp_path / 's.tgz')}?per_char=2&chunk=3"):
        inked, drawn = open_source(spec, classes=list(CHARS)), open_source(spec, classes=list(CHARS))
        for shard in inked.shards():
            samples = list(inked.inks(shard, 5))
            assert all(isinstance(s, InkSample) and s.where for s in samples)
            images = list(drawn.iter_shard(shard, 5))
            assert [s.label for s in samples] == [lab for _, lab in images]
            for s, (img, _) in zip(samples, images):
                assert (rasterize(s.ink, width_scale=s.width_scale or 1.0) == img).all()
        assert inked.stats.as_dict() | {"yielded": 0} == drawn.stats.as_dict() | {"yielded": 0}
    assert inked.stats.yielded == 0 < drawn.stats.yielded  # counted where they are drawn


def test_writer_and_origin_name_a_shard_without_a_machine_path(tmp_path):
    pots = write_pots(tmp_path / "pot", writers=(1001, 1002), per_writer=2)
    src = open_source(f"pot:{pots}")
    assert [src.writer(s) for s in src.shards()] == [1001, 1002]
    assert [src.origin(s) for s in src.shards()] == ["1001-c.pot", "1002-c.pot"]


class _Blank(InkSource):
    kind = "blank"

    def shards(self):
        return ["one"]

    def inks(self, shard, seed=0):
        ink = Ink.from_lists([[[10, 10, 0], [20, 30, 1]]])
        yield InkSample(ink, 0, None, "one:1")
        yield InkSample(Ink([]), 1, None, "one:2")


def test_the_default_render_counts_a_blank_sample_and_yields_the_rest():
    class Spec:
        path, options = "x", {}

    src = _Blank(Spec())
    got = list(src)
    assert [lab for _, lab in got] == [0] and got[0][0].dtype == np.uint8
    assert src.stats.yielded == 1 and src.stats.corrupt == 1
    assert src.stats.messages == ["one:2: blank sample (no ink)"]
    assert isinstance(src.stats, SkipStats) and src.writer("one") == 0 and src.origin("one") == "one"
