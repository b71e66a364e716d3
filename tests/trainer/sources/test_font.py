"""font: rendered glyphs of a font."""

from __future__ import annotations

import numpy as np
import pytest

from hanzipad.labels import class_of
from tests.helpers import BUNDLED_FONT, latin_only_font
from trainer.sources import SourceError, open_source

FONT = BUNDLED_FONT  # in the repository: every GB2312 level-1 character


def test_font_source_few_classes(tmp_path):
    src = open_source(f"font:{FONT}", classes=list("啊人口"))
    out = list(src)
    assert sorted(lab for _, lab in out) == sorted([0, class_of("人"), class_of("口")])
    for img, _ in out:
        assert img.shape == (64, 64) and img.dtype == np.uint8 and img.max() > 200
        assert img[0].max() == 0  # normalized: a margin around the glyph
    d = src.describe()
    assert d["family"] == "HanziPad Sans SC" and "Open Font License" in d["licence"]
    assert d["file"] == FONT.name
    # a font without CJK glyphs (the same font cut down to ASCII): every character missing, counted
    latin = open_source(f"font:{latin_only_font(tmp_path / 'latin.otf')}", classes=list("啊人"))
    assert list(latin) == [] and latin.stats.missing == 2


def test_font_bad_file(tmp_path):
    bad = tmp_path / "x.ttf"
    bad.write_bytes(b"nope")
    with pytest.raises(SourceError, match="cannot read the font"):
        open_source(f"font:{bad}")


def test_font_source_threads_and_pickle():
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    src = open_source(f"font:{FONT}", classes=list("啊人口山水"))
    want = [img.tobytes() for img, _ in src]
    with ThreadPoolExecutor(3) as ex:
        runs = list(ex.map(lambda _: [img.tobytes() for img, _l in src.iter_shard(src.shards()[0])], range(3)))
    assert all(r == want for r in runs)
    clone = pickle.loads(pickle.dumps(src))
    assert [img.tobytes() for img, _ in clone] == want
