"""strokes: synthetic handwriting from stroke data."""

from __future__ import annotations

import numpy as np
import pytest

from hanzipad.labels import class_of
from tests.helpers import STROKES_MINI, stroke_tarball
from trainer.sources import SourceError, open_source


def test_strokes_source_deterministic(tmp_path):
    tgz = stroke_tarball(tmp_path / "hanzi-writer-data-2.0.1.tgz")  # the npm tarball's layout
    spec = f"strokes:{tgz}?per_char=2&writers=2&chunk=3"
    src = open_source(spec, classes=list("啊人口"))
    shards = src.shards()
    assert shards == ["part-00000-of-00002", "part-00001-of-00002"]
    a = list(src.iter_shard(shards[0], seed=5))
    # 6 samples numbered character-fastest (啊 口 人 啊 口 人): shard 0 holds every 2nd one,
    # so each shard mixes all three classes
    assert sorted(lab for _, lab in a) == sorted([0, class_of("口"), class_of("人")])
    b = list(open_source(spec, classes=list("啊人口")).iter_shard(shards[0], seed=5))
    assert all(np.array_equal(x[0], y[0]) and x[1] == y[1] for x, y in zip(a, b))
    c = list(src.iter_shard(shards[0], seed=6))
    assert not all(np.array_equal(x[0], y[0]) for x, y in zip(a, c))
    d = src.describe()
    assert (d["package"], d["version"], d["licence"]) == ("hanzi-writer-data", "2.0.1", "Arphic Public License")


def test_strokes_folder_missing_char_and_pickle(tmp_path):
    import pickle

    pkg = tmp_path / "package"
    pkg.mkdir()
    for name in ("package.json", "人.json"):
        (pkg / name).write_bytes((STROKES_MINI / "package" / name).read_bytes())
    (pkg / "口.json").write_text("{not json", encoding="utf-8")
    src = open_source(f"strokes:{tmp_path}?per_char=3", classes=list("人口啊"))
    out = list(src)
    assert [lab for _, lab in out] == [class_of("人")] * 3
    st = src.stats
    assert (st.yielded, st.corrupt, st.missing) == (3, 1, 6)  # 口: bad JSON; 啊 and 口: no data
    clone = pickle.loads(pickle.dumps(src))
    shard = src.shards()[0]
    a = [img.tobytes() for img, _ in src.iter_shard(shard, 4)]
    assert a == [img.tobytes() for img, _ in clone.iter_shard(shard, 4)]


def _tiny_stroke_package(root):
    """A hanzi-writer-data-like folder with two characters (medians from test_synth)."""
    import json

    from tests.trainer.test_synth import RAW

    pkg = root / "package"
    pkg.mkdir()
    (pkg / "package.json").write_text(json.dumps({"name": "hanzi-writer-data", "version": "2.0.1"}))
    for ch in "打江":
        med, rad = RAW[ch]
        (pkg / f"{ch}.json").write_text(json.dumps({"medians": med, "radStrokes": rad}), encoding="utf-8")
    return root


@pytest.mark.parametrize("option", ["spread=1", "cursive_max=0"])
def test_strokes_style_options_change_only_what_they_name(tmp_path, option):
    root = _tiny_stroke_package(tmp_path)

    def images(extra=""):
        src = open_source(f"strokes:{root}?per_char=8&seed=3{extra}", classes=list("打江"))
        return [img for img, _ in src.iter_shard(src.shards()[0], 0)], src.describe()

    base, _ = images()
    same, _ = images("&cursive_max=100&spread=0")  # the defaults, spelled out
    assert all(np.array_equal(a, b) for a, b in zip(base, same)) and len(base) == len(same) == 16
    other, desc = images("&" + option)
    assert len(other) == 16 and not all(np.array_equal(a, b) for a, b in zip(base, other))
    key, value = option.split("=")
    assert desc[key] == (True if key == "spread" else int(value))  # recorded for model.json
    from trainer.synth import STYLE_VERSION

    assert desc["synthesizer"] == "trainer.synth" and desc["style_version"] == STYLE_VERSION >= 2


def test_strokes_cursive_max_is_a_percentage(tmp_path):
    root = _tiny_stroke_package(tmp_path)
    with pytest.raises(SourceError, match="cursive_max"):
        open_source(f"strokes:{root}?cursive_max=150")
