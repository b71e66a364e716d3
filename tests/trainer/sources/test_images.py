"""pngdir: folders of images, one per class."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from hanzipad.labels import class_of
from hanzipad.normalize import load_image
from trainer.sources import SourceError, open_source


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
