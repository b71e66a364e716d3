import numpy as np
import pytest

from hanzipad.ink import Ink, iter_jsonl
from hanzipad.normalize import BOX
from hanzipad.raster import rasterize
from tests.helpers import REAL_INK


def _ink(strokes, **kw):
    return Ink.from_lists(strokes, **kw)


def _real_inks(n=20):
    inks = [ink for _, ink in list(iter_jsonl(REAL_INK))[:n]]  # in the repository
    assert len(inks) == n
    return inks


CROSS = [[[10, 50], [90, 50]], [[50, 10], [50, 90]], [[20, 20], [40, 45], [80, 85]]]


def test_output_shape_dtype_and_polarity():
    img = rasterize(_ink(CROSS))
    assert img.shape == (64, 64) and img.dtype == np.uint8
    assert img.max() == 255 and img[0].max() == 0 and img[:, 0].max() == 0


def test_deterministic():
    assert np.array_equal(rasterize(_ink(CROSS)), rasterize(_ink(CROSS)))


def test_same_pixels_whatever_stroke_order_or_direction():
    for ink in [_ink(CROSS), *_real_inks(10)]:
        a = rasterize(ink)
        assert np.array_equal(a, rasterize(ink.reversed()))
        shuffled = Ink(list(reversed(ink.strokes)))
        assert np.array_equal(a, rasterize(shuffled))


def test_translation_and_scale_leave_the_image_essentially_unchanged():
    base = rasterize(_ink(CROSS))
    for scale, dx, dy in [(1, 1000, -500), (3.7, -20, 7), (0.05, 0.3, 0.1), (100, 1e6, 1e6)]:
        moved = [[[x * scale + dx, y * scale + dy] for x, y in s] for s in CROSS]
        img = rasterize(_ink(moved))
        assert np.abs(img.astype(int) - base).mean() < 2.0, (scale, dx, dy)


def test_character_fills_the_box_keeping_aspect():
    wide = rasterize(_ink([[[0, 0], [100, 0]], [[0, 20], [100, 20]]]))
    cols = np.flatnonzero(wide.max(axis=0) > 40)
    rows = np.flatnonzero(wide.max(axis=1) > 40)
    assert abs((cols[-1] - cols[0] + 1) - BOX) <= 2
    assert rows[-1] - rows[0] + 1 < BOX / 2  # aspect kept, not stretched
    assert abs((rows[0] + rows[-1]) / 2 - 31.5) <= 1.5  # centred


@pytest.mark.parametrize(
    "strokes",
    [[], [[]], [[[5, 5]]], [[[5, 5], [5, 5]]], [[[1, 1], [2, 2]]], [[[-1e9, 3], [1e9, -3]]], [[[0, 0], [0, 100]]]],
)
def test_degenerate_ink_works(strokes):
    img = rasterize(_ink(strokes))
    assert img.shape == (64, 64)
    if any(strokes) and any(len(s) for s in strokes):
        assert img.max() > 0
    else:
        assert img.max() == 0


def test_pressure_makes_strokes_thicker():
    light = rasterize(_ink([[[0, 0, 0, 0.1], [100, 100, 10, 0.1]], [[0, 100], [100, 0]]]))
    heavy = rasterize(_ink([[[0, 0, 0, 1.0], [100, 100, 10, 1.0]], [[0, 100], [100, 0]]]))
    assert heavy.astype(int).sum() > light.astype(int).sum() * 1.1


def test_antialiased_edges():
    img = rasterize(_ink([[[0, 0], [100, 37]], [[0, 100], [100, 60]]]))
    grey = ((img > 0) & (img < 255)).sum()
    assert grey > 20
