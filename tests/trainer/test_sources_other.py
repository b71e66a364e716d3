"""pngdir, font and strokes sources."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from hanzipad.labels import class_of
from hanzipad.normalize import load_image
from tests.helpers import BUNDLED_FONT, STROKES_MINI, latin_only_font, stroke_tarball
from trainer.sources import SourceError, open_source

FONT = BUNDLED_FONT  # in the repository: every GB2312 level-1 character


def _draw(path, shape):
    img = Image.new("L", (48, 40), 255)
    d = ImageDraw.Draw(img)
    if shape == "cross":
        d.line([(5, 20), (40, 20)], fill=0, width=4)
        d.line([(24, 4), (24, 36)], fill=0, width=4)
    else:
        d.rectangle([8, 8, 36, 30], outline=0, width=3)
    img.save(path)


def test_pngdir_both_namings_and_bad_images(tmp_path):
    (tmp_path / "00001").mkdir()
    (tmp_path / "人").mkdir()
    (tmp_path / "notaclass").mkdir()
    _draw(tmp_path / "00001" / "a.png", "cross")
    _draw(tmp_path / "00001" / "b.png", "box")
    _draw(tmp_path / "人" / "c.png", "box")
    _draw(tmp_path / "notaclass" / "d.png", "box")
    (tmp_path / "人" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    Image.new("L", (30, 30), 255).save(tmp_path / "人" / "blank.png")
    (tmp_path / "人" / "notes.txt").write_text("ignored")
    src = open_source(f"pngdir:{tmp_path}")
    out = list(src)
    got = sorted((lab, img.tobytes()) for img, lab in out)
    want = sorted(
        [
            (1, load_image(tmp_path / "00001" / "a.png").tobytes()),
            (1, load_image(tmp_path / "00001" / "b.png").tobytes()),
            (class_of("人"), load_image(tmp_path / "人" / "c.png").tobytes()),
        ]
    )
    assert got == want
    st = src.stats
    assert (st.yielded, st.corrupt, st.out_of_labels) == (3, 2, 1)
    assert any("broken.png" in m for m in st.messages)
    assert any("'notaclass' is neither" in m for m in st.messages)


def test_pngdir_partitions_cover_each_file_once(tmp_path, monkeypatch):
    import trainer.sources.images as images

    monkeypatch.setattr(images, "FILES_PER_SHARD", 2)
    for i in range(5):
        (tmp_path / f"{i:05d}").mkdir()
        _draw(tmp_path / f"{i:05d}" / "x.png", "cross")
    src = open_source(f"pngdir:{tmp_path}")
    shards = src.shards()
    assert len(shards) == 3
    labels = [lab for s in shards for _, lab in src.iter_shard(s)]
    assert sorted(labels) == [0, 1, 2, 3, 4]
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no image files"):
        open_source(f"pngdir:{tmp_path / 'empty'}").shards()


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


def test_pngdir_unreadable_image_is_missing_not_corrupt(tmp_path, monkeypatch):
    import PIL.Image

    (tmp_path / "人").mkdir()
    _draw(tmp_path / "人" / "a.png", "box")
    _draw(tmp_path / "人" / "locked.png", "box")
    real_open = open

    def no_access(file, *a, **k):  # as for another user's file (tests may run as root)
        if str(file).endswith("locked.png"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(PIL.Image.builtins, "open", no_access)
    src = open_source(f"pngdir:{tmp_path}")
    assert len(list(src)) == 1
    assert (src.stats.corrupt, src.stats.missing) == (0, 1)
    assert any("locked.png" in m and "permission denied" in m for m in src.stats.messages)


def test_pngdir_with_a_fifo_and_a_device_skips_them_as_corrupt(tmp_path):
    """A FIFO named like an image (and a link to /dev/zero) in a pngdir: folder is skipped and
    counted as corrupt with a message; reading never blocks (issue 35)."""
    import os
    import threading

    (tmp_path / "人").mkdir()
    _draw(tmp_path / "人" / "a.png", "cross")
    os.mkfifo(tmp_path / "人" / "pipe.png")
    (tmp_path / "人" / "zero.png").symlink_to("/dev/zero")
    result = []
    worker = threading.Thread(target=lambda: result.append(
        (lambda s: (list(s), s.stats))(open_source(f"pngdir:{tmp_path}"))), daemon=True)
    worker.start()
    worker.join(10)
    assert result, "pngdir: blocked on a FIFO"
    out, st = result[0]
    assert len(out) == 1 and st.corrupt == 2
    assert any("pipe.png: is a FIFO" in m for m in st.messages)
    assert any("zero.png: is a character device" in m for m in st.messages)


def test_a_gnt_that_is_a_fifo_is_counted_not_waited_for(tmp_path):
    import os

    from tests.trainer.tinydata import write_gnt

    data = write_gnt(tmp_path / "gnt", per_char=2, seed=0, files=1)
    os.mkfifo(data / "stuck.gnt")
    src = open_source(f"gnt:{data}")
    assert len(list(src)) > 0 and src.stats.corrupt == 1
    assert any("stuck.gnt: is a FIFO" in m for m in src.stats.messages)
    os.mkfifo(data / "stuck.zip")  # an archive is opened to list it: refused, not waited on
    with pytest.raises(SourceError, match=r"stuck\.zip: not a readable zip archive \(is a FIFO"):
        open_source(f"gnt:{data}").shards()
