"""Tests of trainer.synth: synthetic handwriting from stroke medians."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from hanzipad.ink import Ink
from hanzipad.raster import rasterize
from trainer.strokedata import to_screen
from trainer.synth import Writer, synthesize_ink

# Medians (data coordinates, y up) and radStrokes of a few characters, copied from
# hanzi-writer-data 2.0.1 (Arphic Public License), so the tests need no data files.
RAW = {
    '江': (
        [[[239,768],[318,705],[336,664]],[[159,555],[221,504],[243,467]],[[193,57],[183,89],[185,143],[213,179],[359,415]],[[454,579],[478,572],[547,575],[763,627],[835,632]],[[587,555],[626,527],[634,513],[615,276],[612,256],[594,236]],[[323,189],[373,179],[524,200],[865,232],[910,229],[961,212]]],
        [0, 1, 2],
    ),
    '吃': (
        [[[98,547],[124,524],[130,511],[172,271]],[[157,526],[167,536],[196,547],[285,573],[322,546],[295,417],[271,399]],[[189,337],[199,352],[270,373],[329,372]],[[551,832],[586,791],[550,687],[533,650],[484,575],[399,489]],[[513,575],[636,588],[766,625],[805,627],[820,621]],[[446,377],[504,385],[587,417],[621,416],[637,403],[615,361],[515,222],[486,141],[485,106],[500,69],[530,43],[566,28],[653,13],[754,15],[829,30],[889,54],[917,73],[938,234]]],
        [0, 1, 2],
    ),
    '说': (
        [[[255,790],[346,733],[365,700]],[[64,461],[101,454],[138,460],[245,504],[266,507],[291,494],[257,184],[264,149],[301,159],[408,254]],[[488,749],[543,699],[563,667]],[[739,835],[760,815],[768,797],[686,703],[646,669],[644,660]],[[446,562],[466,547],[482,523],[516,362]],[[494,565],[518,555],[695,597],[727,591],[751,562],[719,467],[692,453]],[[534,381],[552,396],[684,421],[729,421],[750,415]],[[504,307],[525,275],[505,210],[480,160],[433,100],[367,44],[339,28]],[[618,383],[645,365],[652,352],[641,187],[649,117],[667,86],[693,67],[738,53],[782,49],[866,59],[907,79],[925,98],[932,239]]],
        [0, 1],
    ),
    '打': (
        [[[140,520],[163,515],[212,518],[405,573],[455,572]],[[301,806],[318,798],[349,766],[337,460],[338,113],[317,67],[213,107]],[[57,240],[108,230],[434,425]],[[485,509],[532,503],[607,522],[841,561],[917,547]],[[664,501],[693,486],[704,470],[708,58],[687,15],[642,26],[560,66]]],
        [0, 1, 2],
    ),
    '近': (
        [[[774,743],[701,750],[649,713],[556,668],[552,656]],[[468,678],[486,668],[511,639],[513,543],[499,409],[476,338],[452,295],[400,235],[361,209]],[[543,484],[555,491],[804,543],[835,544],[893,532]],[[663,485],[700,466],[704,451],[699,98]],[[233,767],[319,708],[341,670]],[[102,471],[142,468],[263,505],[276,504],[302,484],[293,439],[261,381],[258,362],[267,322],[287,285],[301,235],[297,212],[280,195]],[[87,148],[128,135],[217,167],[291,171],[366,152],[605,55],[716,25],[809,16],[884,28],[927,42]]],
        [4, 5, 6],
    ),
    '想': (
        [[[157,594],[182,588],[219,590],[423,637],[473,639]],[[324,838],[364,793],[356,497],[342,350],[342,272]],[[333,584],[325,578],[310,522],[267,459],[229,410],[129,313]],[[378,530],[391,515],[436,488],[453,455]],[[515,716],[540,688],[543,676],[547,472],[539,352],[545,313]],[[572,699],[581,693],[726,729],[747,718],[765,695],[759,628],[762,386],[755,317]],[[576,568],[584,581],[619,591],[666,599],[696,594]],[[570,459],[584,470],[639,481],[678,485],[699,479]],[[571,339],[583,352],[704,366],[721,377]],[[242,227],[221,135],[187,67],[177,32]],[[333,202],[345,186],[374,108],[419,58],[490,20],[602,-4],[709,-2],[747,20],[731,81],[696,173]],[[476,254],[543,203],[565,171]],[[750,262],[846,208],[866,185],[881,155]]],
        [9, 10, 11, 12],
    ),
    '三': (
        [[[316,655],[367,645],[416,648],[660,692],[722,692]],[[331,407],[375,405],[628,443],[657,443],[700,432]],[[127,152],[158,142],[195,139],[500,178],[846,204],[881,200],[955,174]]],
        [0],
    ),
    '口': (
        [[[229,584],[272,548],[287,517],[330,203],[348,152]],[[304,569],[333,552],[488,574],[663,608],[700,607],[720,598],[759,559],[758,552],[694,295],[661,273]],[[369,185],[394,203],[651,238],[710,236],[744,224]]],
        None,
    ),
}

CHARS = {c: (to_screen(m), r or []) for c, (m, r) in RAW.items()}


def synth(char, seed, writer=None):
    med, rad = CHARS[char]
    return synthesize_ink(med, np.random.default_rng(seed), writer=writer, rad_strokes=rad)


def test_deterministic_for_a_seed():
    for c in CHARS:
        assert synth(c, 7).to_dict() == synth(c, 7).to_dict()
    assert synth("想", 1).to_dict() != synth("想", 2).to_dict()


def test_writer_sample_deterministic_and_varied():
    a = Writer.sample(np.random.default_rng(3))
    assert a == Writer.sample(np.random.default_rng(3))
    writers = [Writer.sample(np.random.default_rng(s)) for s in range(200)]
    joins = np.array([w.join for w in writers])
    # neat writers and very cursive ones
    assert joins.min() < 0.15 and joins.max() > 0.85
    assert 0.35 < joins.mean() < 0.65
    assert Writer.from_dict(a.to_dict()) == a


def test_valid_finite_ink_that_renders():
    for seed in range(20):
        for c in CHARS:
            ink = synth(c, seed)
            assert isinstance(ink, Ink) and not ink.is_empty()
            for s in ink.strokes:
                assert len(s) >= 2
                for p in s:
                    assert math.isfinite(p.x) and math.isfinite(p.y) and math.isfinite(p.t)
                    assert 0.0 <= p.pressure <= 1.0
            assert ink.meta["pen_paths"] == len(ink.strokes)
            scale = ink.meta["width_scale"]
            assert 0.5 <= scale <= 2.0
            img = rasterize(ink, width_scale=scale)
            assert img.shape == (64, 64) and img.max() > 200 and (img > 0).mean() > 0.03


def test_pen_paths_and_aspect_in_real_ranges():
    rng = np.random.default_rng(11)
    ratios, wh = [], []
    for _ in range(40):
        w = Writer.sample(rng)
        for c in ("江", "吃", "说", "打", "近", "想"):
            med, rad = CHARS[c]
            ink = synthesize_ink(med, rng, writer=w, rad_strokes=rad)
            ratios.append(len(ink.strokes) / len(med))
            x0, y0, x1, y1 = ink.bounds()
            wh.append((x1 - x0) / (y1 - y0))
    # real fast writing: ~5.4 pen paths per ~9.8 standard strokes; w/h ~0.89
    assert 0.4 < np.mean(ratios) < 0.75
    assert 0.82 < np.mean(wh) < 0.97
    assert np.std(wh) > 0.05


def test_neat_writer_keeps_every_stroke():
    neat = Writer(join=0.0, shorthand=0.0)
    for c in CHARS:
        assert len(synth(c, 0, neat).strokes) == len(CHARS[c][0])


def test_joining_writer_joins():
    w = Writer(join=1.0, shorthand=0.0)
    counts = [len(synth("想", s, w).strokes) for s in range(20)]
    assert np.mean(counts) < 0.5 * len(CHARS["想"][0])


def test_shorthand_forms():
    w = Writer(shorthand=1.0, join=0.0)
    jiang = synth("江", 0, w)  # 氵 as one zig-zag pen path
    assert "zigzag" in jiang.meta["shorthand"]
    assert len(jiang.strokes) == len(CHARS["江"][0]) - 2
    chi = synth("吃", 0, w)  # 口 as one loop
    assert "loop" in chi.meta["shorthand"]
    assert "loop" in synth("口", 0, w).meta["shorthand"]
    assert synth("口", 0, w).strokes and len(synth("口", 0, w).strokes) == 1
    for c in ("说", "打", "近"):  # 讠 扌 辶
        assert "zigzag" in synth(c, 0, w).meta["shorthand"], c
    # no shorthand for a plain character, and none when the writer never uses it
    assert synth("三", 0, w).meta["shorthand"] == []
    assert synth("江", 0, Writer(shorthand=0.0)).meta["shorthand"] == []


def test_slant_and_rising_horizontals():
    med, rad = CHARS["三"]
    flat = synthesize_ink(med, np.random.default_rng(0), Writer(rise=0.0, rotation=0.0, join=0.0, jitter=0.0, cramp=0.0, placement=0.0, bend=0.0, wobble=0.0))
    rising = synthesize_ink(med, np.random.default_rng(0), Writer(rise=0.15, rotation=0.0, join=0.0, jitter=0.0, cramp=0.0, placement=0.0, bend=0.0, wobble=0.0))

    def slope(ink):
        s = ink.strokes[-1]
        return (s[-1].y - s[0].y) / (s[-1].x - s[0].x)

    assert slope(rising) < slope(flat) - 0.1  # y down: rising to the right = more negative


def test_neat_writers_stay_upright_and_keep_proportions():
    """The medians are Kai-style (三's strokes rise to the right, the box is a little wide); neat
    writers, like the real Tegaki sample, write flatter and keep the proportions, fast ones
    narrow the character."""
    med, rad = CHARS["三"]

    def rise(ink):  # median rise of the strokes, up to the right = +
        return float(np.median([-(s[-1].y - s[0].y) / (s[-1].x - s[0].x) for s in ink.strokes if s[-1].x > s[0].x]))

    def wh(ink):
        xs = [p.x for s in ink.strokes for p in s]
        ys = [p.y for s in ink.strokes for p in s]
        return (max(xs) - min(xs)) / (max(ys) - min(ys))

    rng = np.random.default_rng(3)
    plain = Ink.from_lists([[list(p) for p in s] for s in med], 1024, 1024)

    def writers(cursive):  # strokes kept apart, to measure each
        return [dataclasses.replace(Writer.sample(rng, cursive=cursive), join=0.0) for _ in range(60)]

    neat = [synthesize_ink(med, rng, w) for w in writers(0.05)]
    fast = [synthesize_ink(med, rng, w) for w in writers(0.95)]
    assert rise(plain) > 0.04
    assert np.median([rise(i) for i in neat]) < rise(plain) - 0.04
    assert np.median([rise(i) for i in fast]) > np.median([rise(i) for i in neat]) + 0.04
    assert np.median([wh(i) for i in neat]) > 0.9 * wh(plain)
    assert np.median([wh(i) for i in fast]) < 0.92 * np.median([wh(i) for i in neat])


def test_seed_int_accepted_and_empty_medians():
    med, rad = CHARS["口"]
    assert synthesize_ink(med, 5).to_dict() == synthesize_ink(med, 5).to_dict()
    empty = synthesize_ink([], np.random.default_rng(0))
    assert empty.is_empty() and np.all(rasterize(empty) == 0)


@pytest.mark.parametrize("char", ["江", "想"])
def test_reversed_ink_renders_the_same(char):
    ink = synth(char, 4)
    a = rasterize(ink, width_scale=ink.meta["width_scale"])
    b = rasterize(ink.reversed(), width_scale=ink.meta["width_scale"])
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "medians",
    [
        [[(5, 5)]],
        [[(5, 5), (5, 5), (5, 5)]],
        [[(0, 0), (1, 0)]],
        [[(0, 0), (1e5, 1e5)], [(3, 3)]],
        [[(1, 1), (2, 2)]] * 3,
    ],
)
def test_degenerate_medians_give_finite_ink(medians):
    for seed in range(10):
        for w in (None, Writer(join=1.0, shorthand=1.0)):
            ink = synthesize_ink(medians, np.random.default_rng(seed), w)
            assert all(math.isfinite(p.x) and math.isfinite(p.y) for s in ink.strokes for p in s)
            rasterize(ink, width_scale=ink.meta["width_scale"])


def test_sample_with_fixed_cursiveness():
    rng = np.random.default_rng(5)
    neat = [Writer.sample(rng, cursive=0.0) for _ in range(50)]
    fast = [Writer.sample(rng, cursive=1.0) for _ in range(50)]
    assert all(w.cursive == 0.0 for w in neat) and all(w.cursive == 1.0 for w in fast)
    assert np.mean([w.join for w in neat]) < 0.05 < 0.9 < np.mean([w.join for w in fast])
    med, rad = CHARS["想"]
    paths_neat = np.mean([len(synthesize_ink(med, rng, w, rad).strokes) for w in neat[:20]])
    paths_fast = np.mean([len(synthesize_ink(med, rng, w, rad).strokes) for w in fast[:20]])
    assert paths_neat > 0.9 * len(med) and paths_fast < 0.5 * len(med)


def test_spread_moves_components_apart_and_varies_their_size():
    import dataclasses

    med, rad = CHARS["打"]  # 扌 (strokes 0-2) beside 丁
    gaps, widths = {False: [], True: []}, {False: [], True: []}
    for seed in range(150):
        w = dataclasses.replace(Writer.sample(np.random.default_rng(1000 + seed), cursive=0.8),
                                join=0.0, shorthand=0.0, cramp=1.0)
        for spread in (False, True):
            ink = synthesize_ink(med, np.random.default_rng(seed), w, rad_strokes=rad, spread=spread)
            pts = [np.array([(p.x, p.y) for p in s]) for s in ink.strokes]
            assert len(pts) == 5  # nothing joined: strokes map to the medians
            left, right = np.concatenate(pts[:3]), np.concatenate(pts[3:])
            size = np.ptp(np.concatenate(pts), axis=0).max()
            gaps[spread].append((right[:, 0].min() - left[:, 0].max()) / size)
            widths[spread].append(np.ptp(left[:, 0]) / size)
    assert np.mean(gaps[True]) > np.mean(gaps[False]) + 0.02
    assert np.std(widths[True]) > np.std(widths[False])
    # only the placement changes: a writer who does not move components gets the same sample
    w0 = dataclasses.replace(Writer.sample(np.random.default_rng(7)), cramp=0.0)
    a = synthesize_ink(med, np.random.default_rng(3), w0, rad_strokes=rad, spread=False)
    b = synthesize_ink(med, np.random.default_rng(3), w0, rad_strokes=rad, spread=True)
    assert np.array_equal(rasterize(a), rasterize(b))
