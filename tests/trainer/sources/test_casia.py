"""CASIA .gnt / .pot readers on tiny files written per the spec."""

from __future__ import annotations

import struct
import zipfile

import numpy as np
import pytest

from hanzipad.labels import class_of
from hanzipad.normalize import normalize_image
from hanzipad.raster import rasterize
from trainer.sources import SourceError, open_source
from trainer.sources.casia import iter_gnt_bitmaps, iter_pot_inks


def gnt_record(char: str, bitmap: np.ndarray, size: int | None = None) -> bytes:
    tag = char.encode("gb2312") if len(char) == 1 else char.encode("latin-1")
    h, w = bitmap.shape
    size = 10 + w * h if size is None else size
    return struct.pack("<I2sHH", size, tag, w, h) + bitmap.astype(np.uint8).tobytes()


def bitmap(seed: int, h: int = 40, w: int = 30) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((h, w), 255, np.uint8)
    r0, c0 = rng.integers(2, 10, 2)
    img[r0 : r0 + 20, c0 : c0 + 4] = rng.integers(0, 80)  # a dark vertical bar
    img[r0 + 8 : r0 + 11, c0 : c0 + 15] = 30  # and a horizontal one
    return img


def pot_record(char: str, strokes, tag: bytes | None = None, nstrokes: int | None = None) -> bytes:
    if tag is None:
        gb = char.encode("gb2312")
        tag = bytes((gb[1], gb[0], 0, 0))  # little-endian integer hi<<8|lo
    pts = []
    for s in strokes:
        pts += [v for p in s for v in p] + [-1, 0]
    pts += [-1, -1]
    body = struct.pack(f"<{len(pts)}h", *pts)
    n = len(strokes) if nstrokes is None else nstrokes
    return struct.pack("<H4sH", 8 + len(body), tag, n) + body


def test_gnt_labels_and_bitmaps_match_normalizer(tmp_path):
    bms = [bitmap(i) for i in range(3)]
    data = gnt_record("啊", bms[0]) + gnt_record("阿", bms[1]) + gnt_record("人", bms[2])
    assert data[4:6] == b"\xb0\xa1"  # the tag is the GB code bytes in file order
    f = tmp_path / "a.gnt"
    f.write_bytes(data)
    src = open_source(f"gnt:{f}")
    assert src.shards() == [str(f)]
    out = list(src.iter_shard(str(f)))
    assert [lab for _, lab in out] == [0, 1, class_of("人")]
    for (img, _), bm in zip(out, bms):
        assert img.dtype == np.uint8 and img.shape == (64, 64)
        np.testing.assert_array_equal(img, normalize_image(bm))
    assert src.stats.yielded == 3 and src.stats.skipped == 0


def test_gnt_truncated_and_out_of_label(tmp_path):
    good = gnt_record("啊", bitmap(0))
    level2 = gnt_record("亍", bitmap(1))  # GB2312 level 2: not in the label set
    ascii_tag = gnt_record("AB", bitmap(2))  # not a hanzi at all
    trunc = gnt_record("阿", bitmap(3))[:-50]  # file ends inside the bitmap
    f = tmp_path / "t.gnt"
    f.write_bytes(good + level2 + ascii_tag + good + trunc)
    src = open_source(f"gnt:{tmp_path}")
    labels = [lab for _, lab in src]
    assert labels == [0, 0]
    st = src.stats
    assert (st.yielded, st.out_of_labels, st.corrupt) == (2, 2, 1)
    off = 3 * len(good) + len(ascii_tag)
    assert any(f"{f} @ byte {off}: file ends inside the bitmap" in m for m in st.messages)
    assert any("亍" in m and "not in the label set" in m for m in st.messages)


def test_gnt_size_mismatch_stops_the_file(tmp_path):
    f = tmp_path / "m.gnt"
    good = gnt_record("啊", bitmap(0))
    f.write_bytes(good + gnt_record("阿", bitmap(1), size=999) + good)
    got = list(iter_gnt_bitmaps(str(f), stats := open_source(f"gnt:{f}").stats))
    assert len(got) == 1 and got[0][1] == "啊" and got[0][2] == 0
    assert stats.corrupt == 1 and f"@ byte {len(good)}: record size 999" in stats.messages[0]


def test_gnt_zero_dims_and_header_eof(tmp_path):
    f = tmp_path / "z.gnt"
    f.write_bytes(gnt_record("啊", np.zeros((0, 5), np.uint8)) + gnt_record("阿", bitmap(1)) + b"\x01\x02")
    src = open_source(f"gnt:{f}")
    assert [lab for _, lab in src] == [1]
    assert src.stats.corrupt == 2
    assert "empty bitmap" in src.stats.messages[0] and "inside a record header" in src.stats.messages[1]


def test_gnt_inside_zip(tmp_path):
    z = tmp_path / "hwdb.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("Gnt/001.gnt", gnt_record("啊", bitmap(0)))
        zf.writestr("Gnt/002.gnt", gnt_record("阿", bitmap(1)))
        zf.writestr("readme.txt", "x")
    src = open_source(f"gnt:{z}")
    assert src.shards() == [f"{z}::Gnt/001.gnt", f"{z}::Gnt/002.gnt"]
    assert [lab for _, lab in src] == [0, 1]


STROKES_A = [[(10, 10), (60, 12), (110, 15)], [(60, 0), (58, 80), (55, 140)]]
STROKES_B = [[(0, 50), (100, 50)]]


def test_pot_strokes_labels_and_tag_byte_order(tmp_path):
    f = tmp_path / "a.pot"
    data = pot_record("啊", STROKES_A) + pot_record("人", STROKES_B)
    assert data[2:6] == b"\xa1\xb0\x00\x00"  # LE integer 0xB0A1: file order would read 0xA1B0
    f.write_bytes(data)
    inks = list(iter_pot_inks(str(f)))
    assert [c for _, c, _ in inks] == ["啊", "人"]
    assert [o for _, _, o in inks] == [0, len(pot_record("啊", STROKES_A))]
    ink = inks[0][0]
    assert [[(p.x, p.y) for p in s] for s in ink.strokes] == STROKES_A
    assert ink.label == "啊"
    src = open_source(f"pot:{f}")
    out = list(src)
    assert [lab for _, lab in out] == [0, class_of("人")]
    np.testing.assert_array_equal(out[0][0], rasterize(ink))
    assert out[0][0].max() == 255


def test_pot_corrupt_and_out_of_label(tmp_path):
    f = tmp_path / "b.pot"
    bad_count = pot_record("阿", STROKES_A, nstrokes=5)
    wrong_tag = pot_record("x", STROKES_B, tag=b"\xa1\xb0\x01\x00")  # bytes 2-3 not zero
    level2 = pot_record("亍", STROKES_B)
    trunc = pot_record("人", STROKES_A)[:-6]
    f.write_bytes(pot_record("啊", STROKES_A) + bad_count + wrong_tag + level2 + trunc)
    src = open_source(f"pot:{f}")
    assert [lab for _, lab in src] == [0]
    st = src.stats
    assert (st.yielded, st.corrupt, st.out_of_labels) == (1, 2, 2)
    first = len(pot_record("啊", STROKES_A))
    assert st.messages[0] == f"{f} @ byte {first}: header says 5 strokes, the data has 2"
    assert "file ends inside the record" in st.messages[-1]


def test_missing_path_and_empty_folder(tmp_path):
    from trainer.sources import SourceError

    with pytest.raises(SourceError, match="no such file"):
        open_source(f"gnt:{tmp_path / 'nope'}").shards()
    with pytest.raises(SourceError, match="no CASIA .pot files"):
        open_source(f"pot:{tmp_path}").shards()


def test_writers_option_selects_files_and_never_opens_the_others(tmp_path, monkeypatch):
    """pot:DIR?writers=1001-1002 reads only those writers' files, in CASIA's own layouts
    (a folder of NNNN-c.pot, or a zip of them); a reserved writer's file is never opened."""
    import trainer.sources.casia as C

    folder = tmp_path / "OLHWDB1.1trn_pot"
    folder.mkdir()
    for w, ch in ((1001, "啊"), (1002, "人"), (1201, "大")):
        (folder / f"{w}-c.pot").write_bytes(pot_record(ch, STROKES_A))
    (folder / "1003.pot").write_bytes(pot_record("人", STROKES_B))  # the other naming
    opened = []
    real = C.open_shard

    def spy(shard):
        opened.append(shard)
        return real(shard)

    monkeypatch.setattr(C, "open_shard", spy)
    src = open_source(f"pot:{folder}?writers=1001-1003")
    assert sorted(lab for _, lab in src) == sorted([0, class_of("人"), class_of("人")])
    assert not any("1201" in s for s in opened)
    assert src.describe()["writers"] == "1001-1003"
    assert "academic research" in src.describe()["terms"]
    zpath = tmp_path / "Pot1.1Train.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in sorted(folder.iterdir()):
            zf.write(p, f"Pot1.1Train/{p.name}")
    assert len(open_source(f"pot:{zpath}?writers=1201").shards()) == 1
    assert len(open_source(f"pot:{zpath}?writers=1001,1003").shards()) == 2
    with pytest.raises(ValueError, match="no file of writers 1500"):
        open_source(f"pot:{folder}?writers=1500").shards()
    with pytest.raises(ValueError, match="writer list"):
        open_source(f"pot:{folder}?writers=12x")


def test_shards_every_option_takes_a_strided_subset(tmp_path):
    from trainer.shards import write_shards

    imgs = [(np.full((64, 64), i, np.uint8), i % 5) for i in range(40)]
    write_shards(iter(imgs), tmp_path / "s", shard_size=16)
    full = list(open_source(f"shards:{tmp_path / 's'}"))
    sub = list(open_source(f"shards:{tmp_path / 's'}?every=4"))
    assert len(full) == 40 and len(sub) == 4 + 4 + 2
    assert sorted(int(im[0, 0]) for im, _ in sub) == [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]


def _zip_with_damaged_first_member(path, damage: str, suffix: str, first: bytes, second: bytes):
    """A zip of two members, the first one damaged in the central directory: its CRC changed,
    its encryption flag set, or an unknown compression method (99)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"d/1001{suffix}", first)
        zf.writestr(f"d/1002{suffix}", second)
    raw = bytearray(path.read_bytes())
    cd = raw.index(b"PK\x01\x02")  # the first member's central directory record
    if damage == "crc":
        crc = struct.unpack_from("<I", raw, cd + 16)[0]
        struct.pack_into("<I", raw, cd + 16, crc ^ 0xFFFF)
    elif damage == "encrypted":
        struct.pack_into("<H", raw, cd + 8, struct.unpack_from("<H", raw, cd + 8)[0] | 0x1)
    else:
        struct.pack_into("<H", raw, cd + 10, 99)
    path.write_bytes(bytes(raw))
    return path


@pytest.mark.parametrize("damage, reason", [
    ("crc", "Bad CRC-32"),
    ("encrypted", "encrypted"),
    ("compression", "compression method"),
])
@pytest.mark.parametrize("kind", ["gnt", "pot"])
def test_corrupt_zip_member_is_skipped_and_counted(tmp_path, damage, reason, kind):
    """A damaged member of a training .zip (bad CRC, encrypted, unknown compression) is
    skipped and counted as corrupt, naming archive::member and why; the archive's other
    members are read. It used to raise out of the reader (and kill training)."""
    if kind == "gnt":
        first, second = gnt_record("啊", bitmap(0)), gnt_record("阿", bitmap(1))
    else:
        first, second = pot_record("啊", STROKES_A), pot_record("阿", STROKES_B)
    z = _zip_with_damaged_first_member(tmp_path / "hw.zip", damage, f".{kind}", first, second)
    src = open_source(f"{kind}:{z}")
    assert src.shards() == [f"{z}::d/1001.{kind}", f"{z}::d/1002.{kind}"]
    assert [lab for _, lab in src] == [1]  # 阿 from the sound member only
    st = src.stats
    assert (st.yielded, st.corrupt) == (1, 1)
    (msg,) = st.messages
    assert msg.startswith(f"{z}::d/1001.{kind}: ") and "corrupt zip member" in msg
    assert reason in msg, msg


def test_corrupt_zip_member_streamed_is_skipped_too(tmp_path, monkeypatch):
    """Members too large to verify in memory first are streamed; a bad CRC found at their end
    stops that member, counted as corrupt, and the reader goes on."""
    import trainer.sources.casia as C

    monkeypatch.setattr(C, "MAX_BUFFERED_MEMBER", 0)
    z = _zip_with_damaged_first_member(tmp_path / "hw.zip", "crc", ".gnt",
                                       gnt_record("啊", bitmap(0)), gnt_record("阿", bitmap(1)))
    src = open_source(f"gnt:{z}")
    assert [lab for _, lab in src] == [1]
    assert src.stats.corrupt == 1 and "Bad CRC-32" in src.stats.messages[0]


def test_pot_scan_option_draws_a_share_as_paper_scans(tmp_path):
    """?scan=P draws about P % of the samples as written on paper and scanned (grey ink, pen
    width, blur, paper noise, JPEG), through the app's image normalizer; the rest as the pad
    draws them. Deterministic for a seed."""
    from trainer.scanlook import scan_image

    f = tmp_path / "1001-c.pot"
    f.write_bytes(b"".join(pot_record("人", STROKES_A) for _ in range(40)))
    clean = [im for im, _ in open_source(f"pot:{f}")]
    scanned = [im for im, _ in open_source(f"pot:{f}?scan=50&seed=3")]
    again = [im for im, _ in open_source(f"pot:{f}?scan=50&seed=3")]
    assert all((a == b).all() for a, b in zip(scanned, again))
    differ = sum(not (a == b).all() for a, b in zip(clean, scanned))
    assert 10 <= differ <= 30, differ
    assert all(im.shape == (64, 64) and im.max() > 128 for im in scanned)
    assert open_source(f"pot:{f}?scan=50").describe()["scan_percent"] == 50
    ink = next(iter_pot_inks(str(f)))[0]
    page = np.asarray(scan_image(ink, np.random.default_rng(0)))
    assert page.ndim == 2 and np.median(page) > 150  # light paper, dark ink


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
