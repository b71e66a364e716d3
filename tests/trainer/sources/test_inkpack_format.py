"""The ink pack's file format (trainer.sources.inkpack_format): coding, framing, checks, damage,
compression, forged sizes."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from hanzipad.ink import Ink
from tests.trainer.sources.packdata import CHARS, log_none, make_packed, pen_strokes
from tests.trainer.sources.test_casia import pot_record
from trainer.cli import main
from trainer.pack import pack
from trainer.sources import SourceError, open_source
from trainer.sources.inkpack_format import (
    FOOT,
    PackError,
    PackReader,
    PackWriter,
    decode,
    encode_ink,
    frame,
    simplify,
)


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    return make_packed(tmp_path_factory)


def test_coding_round_trip_simplifies_and_keeps_the_shape():
    # a straight line of 50 points is two points; a hook that turns back keeps its tip
    line = Ink.from_lists([[[x, 2 * x] for x in range(50)]])
    s = decode(encode_ink(line, 7, levels=255))
    assert s.label == 7 and [len(st) for st in s.strokes] == [2]
    assert [p[:2] for p in s.strokes[0]] == [(0, 0), (128, 255)]  # longer side 0..255, aspect kept
    hook = Ink.from_lists([[[0, 0], [100, 0], [60, 0]], [[50, 5]]])
    s = decode(encode_ink(hook, 3, levels=255))
    assert [[p[:2] for p in st] for st in s.strokes] == [[(0, 0), (255, 0), (153, 0)], [(127, 13)]]
    assert simplify(np.array([[0, 0], [1, 0.2], [2, 0]], float), 0.5).tolist() == [0, 2]
    assert simplify(np.array([[0, 0], [1, 0.2], [2, 0]], float), 0.1).tolist() == [0, 1, 2]
    # pressure and a pen width travel; tolerance 0 keeps every distinct point
    ink = Ink.from_lists([[[0, 0, 0, 0.2], [10, 1, 0, 0.9], [20, 0, 0, 0.5]]])
    s = decode(encode_ink(ink, 1, tolerance=0, width_scale=1.25))
    assert s.width_scale == 1.25 and [round(p[2], 2) for p in s.strokes[0]] == [0.2, 0.9, 0.5]
    # integer pen units (CASIA's) are kept as they are, moved to 0: nothing is lost
    pen = Ink.from_lists([[[1000, 2000], [1100, 2003], [1180, 2090]], [[1010, 2300]]])
    s = decode(encode_ink(pen, 2, tolerance=0))
    assert [[p[:2] for p in st] for st in s.strokes] == [[(0, 0), (100, 3), (180, 90)], [(10, 300)]]
    # fractional ink is scaled to 255 steps along its longer side
    s = decode(encode_ink(Ink.from_lists([[[0.5, 0], [1.5, 0.25]]]), 2, tolerance=0))
    assert [p[:2] for p in s.strokes[0]] == [(0, 0), (255, 64)]
    with pytest.raises(ValueError, match="bytes left over"):
        decode(encode_ink(ink, 1) + b"\x00")
    with pytest.raises(ValueError, match="ends inside"):
        decode(encode_ink(ink, 1)[:-1])


def test_truncated_pack_is_refused_naming_the_file(packed, tmp_path):
    _, out, _ = packed
    data = out.read_bytes()
    for cut in (len(data) - 1, len(data) // 2, 30):
        bad = tmp_path / f"cut{cut}.inkpack"
        bad.write_bytes(data[:cut])
        with pytest.raises(PackError, match=rf"{bad}: truncated ink pack|{bad}: damaged or truncated"):
            open_source(f"inkpack:{bad}")
    longer = tmp_path / "longer.inkpack"
    longer.write_bytes(data + b"\0")
    with pytest.raises(PackError, match="no end marker"):
        open_source(f"inkpack:{longer}")
    with pytest.raises(PackError, match="not an ink pack"):
        (tmp_path / "x.inkpack").write_bytes(b"PK\3\4" + data[4:])
        open_source(f"inkpack:{tmp_path / 'x.inkpack'}")


def _flip(src, dst, at: int):
    raw = bytearray(src.read_bytes())
    raw[at] ^= 0x10
    dst.write_bytes(bytes(raw))
    return dst


def test_flipped_byte_in_header_or_index_refuses_the_pack(packed, tmp_path):
    _, out, _ = packed
    with pytest.raises(PackError, match="header CRC mismatch"):
        open_source(f"inkpack:{_flip(out, tmp_path / 'h.inkpack', 40)}")
    size = out.stat().st_size
    with pytest.raises(PackError, match="index CRC mismatch"):
        open_source(f"inkpack:{_flip(out, tmp_path / 'i.inkpack', size - FOOT.size - 5)}")


def test_flipped_byte_in_a_record_skips_that_record_and_counts_it(packed, tmp_path):
    _, out, _ = packed
    r = PackReader(out)
    b = r.blocks[1]
    data = r.read_block(1)
    n, = struct.unpack_from("<B", data, 0)  # first record's length (one varint byte)
    second = 1 + n + 2  # the second record starts here
    m = data[second]
    bad = _flip(out, tmp_path / "rec.inkpack", b["offset"] + second + 1 + m // 2)
    src = open_source(f"inkpack:{bad}")
    got = list(src)
    assert len(got) == 35 and src.stats.corrupt == 1
    assert src.stats.messages == [f"{bad} @ byte {b['offset'] + second}: record check failed "
                                  "(block 1, writer 1002); skipped"]
    full = [lab for _, lab in open_source(f"inkpack:{out}")]
    assert [lab for _, lab in got] == full[:13] + full[14:]


def test_flipped_length_byte_skips_the_rest_of_that_block_counted(packed, tmp_path):
    _, out, _ = packed
    r = PackReader(out)
    b = r.blocks[0]
    bad = _flip(out, tmp_path / "len.inkpack", b["offset"])  # the first record's length
    src = open_source(f"inkpack:{bad}")
    got = list(src)
    st = src.stats
    assert st.corrupt == 12 and len(got) == 24  # writer 1001's block, nothing else
    assert st.yielded + st.corrupt == 36
    assert all(str(bad) in m for m in st.messages)
    assert "cannot be followed past here" in st.messages[-1]


def test_block_crc_catches_what_the_record_checks_miss(packed, tmp_path, monkeypatch):
    _, out, _ = packed
    r = PackReader(out)
    b = r.blocks[2]
    bad = _flip(out, tmp_path / "blk.inkpack", b["offset"] + 5)
    import trainer.sources.inkpack_format as P

    src = open_source(f"inkpack:{bad}")
    monkeypatch.setattr(P, "_record_ok", lambda data, i, n: True)  # checks that miss it
    got = list(src)
    assert len(got) == 24 and src.stats.corrupt == 12
    assert "fails its CRC although every record passed" in src.stats.messages[0]


def test_frame_is_length_payload_check():
    payload = b"\x05\x01\x02"
    assert frame(payload)[:1] == b"\x03" and len(frame(payload)) == 1 + 3 + 2


def test_compressed_pack_reads_the_same_samples_and_is_smaller(packed, tmp_path, capsys):
    """``pack --compress xz``: the device-tree setting. Same samples and images as the plain
    pack, fewer bytes, version 2 with each block's codec and raw size in the index."""
    pots, out, _ = packed
    xz = tmp_path / "casia-xz.inkpack"
    assert main(["pack", "--data", f"pot:{pots}?writers=1001-1003", "--out", str(xz),
                 "--workers", "2", "--compress", "xz", "--levels", "100"]) == 0
    plain = tmp_path / "casia-plain.inkpack"
    pack([f"pot:{pots}?writers=1001-1003"], plain, levels=100, log=log_none)
    rx, rp = PackReader(xz), PackReader(plain)
    assert struct.unpack_from("<H", xz.read_bytes(), 8)[0] == 2  # version 2 on disk
    assert struct.unpack_from("<H", plain.read_bytes(), 8)[0] == 1  # plain packs stay version 1
    assert rx.header["compress"] == "xz" and rx.header["version"] == 2
    assert all(b["codec"] == "xz" for b in rx.blocks)
    assert [b["raw_bytes"] for b in rx.blocks] == [b["bytes"] for b in rp.blocks]
    assert [b["crc32"] for b in rx.blocks] == [b["crc32"] for b in rp.blocks]  # of the records
    # these random test strokes hardly compress; a writer repeating a character does
    rng = np.random.default_rng(3)
    same = pen_strokes(rng)
    rep = tmp_path / "rep"
    rep.mkdir()
    (rep / "1004-c.pot").write_bytes(b"".join(pot_record("人", same) for _ in range(50)))
    pack([f"pot:{rep}"], tmp_path / "rep-xz.inkpack", compress="xz", log=log_none)
    pack([f"pot:{rep}"], tmp_path / "rep.inkpack", log=log_none)
    (bx,), (bp,) = PackReader(tmp_path / "rep-xz.inkpack").blocks, PackReader(tmp_path / "rep.inkpack").blocks
    assert bx["raw_bytes"] == bp["bytes"] and bx["bytes"] < bp["bytes"] / 5
    assert len(list(open_source(f"inkpack:{tmp_path / 'rep-xz.inkpack'}"))) == 50
    got = [(lab, im.tobytes()) for im, lab in open_source(f"inkpack:{xz}")]
    assert got == [(lab, im.tobytes()) for im, lab in open_source(f"inkpack:{plain}")]
    assert len(got) == 36
    sel = open_source(f"inkpack:{xz}?writers=1002&every=2")
    assert len(list(sel)) == 6 and sel.stats.skipped == 0
    with pytest.raises(SystemExit) as exc:
        main(["pack", "--data", f"pot:{pots}", "--out", str(tmp_path / "z.inkpack"),
              "--compress", "zip"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
    with pytest.raises(SourceError, match="compress must be one of none, xz"):
        pack([f"pot:{pots}"], tmp_path / "z.inkpack", compress="zip", log=log_none)
    assert not (tmp_path / "z.inkpack").exists()


def test_damaged_compressed_block_is_skipped_whole_and_counted(packed, tmp_path):
    pots, _, _ = packed
    xz = tmp_path / "d.inkpack"
    pack([f"pot:{pots}?writers=1001-1003"], xz, compress="xz", log=log_none)
    r = PackReader(xz)
    b = r.blocks[1]
    bad = _flip(xz, tmp_path / "dbad.inkpack", b["offset"] + b["bytes"] // 2)
    src = open_source(f"inkpack:{bad}")
    got = list(src)
    assert len(got) == 24 and src.stats.corrupt == 12 and src.stats.yielded == 24
    (msg,) = src.stats.messages
    assert msg.startswith(f"{bad} @ byte {b['offset']}: block 1 (writer 1002) does not decompress")
    assert msg.endswith("all 12 records skipped")
    full = [lab for _, lab in open_source(f"inkpack:{xz}")]
    assert [lab for _, lab in got] == full[:12] + full[24:]
    # a whole compressed pack cut short is still refused by name, like a plain one
    cut = tmp_path / "dcut.inkpack"
    cut.write_bytes(xz.read_bytes()[: b["offset"] + 10])
    with pytest.raises(PackError, match=rf"{cut}: truncated ink pack"):
        open_source(f"inkpack:{cut}")


def test_newer_pack_version_or_unknown_codec_is_refused_by_name(packed, tmp_path):
    pots, _, _ = packed
    xz = tmp_path / "v.inkpack"
    pack([f"pot:{pots}?writers=1001"], xz, compress="xz", log=log_none)
    raw = bytearray(xz.read_bytes())
    struct.pack_into("<H", raw, 8, 3)
    v3 = tmp_path / "v3.inkpack"
    v3.write_bytes(bytes(raw))
    with pytest.raises(PackError, match=rf"{v3}: ink pack version 3 is newer than this trainer"):
        open_source(f"inkpack:{v3}")
    r = PackReader(xz)
    r.blocks[0]["codec"] = "zstd"
    with pytest.raises(PackError, match="block 0 uses codec 'zstd', which this trainer cannot"):
        r.read_block(0)


@pytest.mark.parametrize("declared", [6_000_000_000, 8 << 20])
def test_forged_block_sizes_cannot_inflate_a_pack(tmp_path, declared):
    """A pack whose index (CRC recomputed) says a tiny xz block holds gigabytes, or a block that
    really inflates 8 MB of zeros from a few KB: skipped as corrupt, nothing inflated (issue 35)."""
    import lzma
    import time


    bomb = lzma.compress(b"\0" * (8 << 20), format=lzma.FORMAT_XZ)
    assert len(bomb) < 8000
    path = tmp_path / "bomb.inkpack"
    w = PackWriter(path, CHARS, [], compress="xz")
    w.add_block(b"x", 1, stored=bomb)
    w.blocks[-1]["raw_bytes"] = declared
    w.close()
    t0 = time.monotonic()
    src = open_source(f"inkpack:{path}")
    assert list(src) == [] and src.stats.corrupt == 1
    assert "more than a block may" in src.stats.messages[0]
    assert time.monotonic() - t0 < 2
