"""hanzipad-train pack (trainer.pack) on ink the tests write themselves: tiny CASIA-layout .pot
files, ink files with pressure, synthetic handwriting."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hanzipad.ink import Ink
from tests.helpers import stroke_tarball
from tests.trainer.sources.packdata import log_none, make_packed
from trainer.cli import main
from trainer.pack import pack
from trainer.records import machine_paths
from trainer.sources import open_source
from trainer.sources.inkpack_format import PackReader


@pytest.fixture(scope="module")
def packed(tmp_path_factory):
    return make_packed(tmp_path_factory)


def test_pack_holds_ink_files_with_pressure_and_synthetic_writers(tmp_path):
    inks = tmp_path / "ink"
    inks.mkdir()
    lines = []
    for k, ch in enumerate("人口"):
        ink = Ink.from_lists([[[0, 0, 0, 0.2], [40, 60 + k, 1, 0.9], [80, 10, 2, 0.4]],
                              [[10, 50, 3, 0.7], [70, 52, 4, 0.7]]], meta={"label": ch})
        lines.append(json.dumps(ink.to_dict(), ensure_ascii=False))
    (inks / "a.jsonl").write_text("\n".join(lines) + "\n{broken\n", encoding="utf-8")
    tgz = stroke_tarball(tmp_path / "hanzi-writer-data-2.0.1.tgz")
    spec = f"strokes:{tgz}?per_char=2&writers=2&chunk=3"
    out = tmp_path / "mix.inkpack"
    pack([f"ink:{inks}", spec], out, classes="啊人口", log=log_none)
    src = open_source(f"inkpack:{out}")
    got = list(src)
    ink_imgs = list(open_source(f"ink:{inks}"))
    synth = list(open_source(spec, classes=list("啊人口")))
    assert len(synth) == 6
    assert [lab for _, lab in got] == [lab for _, lab in ink_imgs + synth]
    mad = [np.abs(a.astype(int) - b).mean() for (a, _), (b, _) in zip(ink_imgs + synth, got)]
    assert np.mean(mad) < 4 and max(mad) < 10, mad  # pressure and pen width kept
    packed_sources = src.describe()["sources"]
    assert [d["kind"] for d in packed_sources] == ["ink", "strokes"]
    assert packed_sources[0]["packed_stats"]["corrupt"] == 1  # the broken line, counted while packing
    assert packed_sources[1]["package"] == "hanzi-writer-data"
    assert str(tmp_path).encode() not in out.read_bytes()  # no machine path in the pack's records
    # a pack packs again (e.g. a subset of writers); at tolerance 0 nothing more is lost
    again = tmp_path / "again.inkpack"
    pack([f"inkpack:{out}"], again, tolerance=0, log=log_none)
    assert all((a == b).all() for (a, _), (b, _) in zip(got, open_source(f"inkpack:{again}")))


def test_cli_pack_refuses_images_and_an_existing_file(packed, tmp_path, capsys):
    pots, out, _ = packed
    assert main(["pack", "--data", f"pot:{pots}", "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err
    f = tmp_path / "g.gnt"
    f.write_bytes(b"")
    assert main(["pack", "--data", f"gnt:{f}", "--out", str(tmp_path / "g.inkpack")]) == 2
    assert "images, not ink" in capsys.readouterr().err
    assert main(["pack", "--data", f"pot:{pots}?scan=50", "--out", str(tmp_path / "s.inkpack")]) == 2
    assert "inkpack:FILE?scan=P" in capsys.readouterr().err
    new = tmp_path / "cli.inkpack"
    assert main(["pack", "--data", f"pot:{pots}?writers=1003", "--out", str(new), "--workers", "1"]) == 0
    r = PackReader(new)
    assert r.count == 12 and r.header["command"].startswith("hanzipad-train pack --data ")
    assert "pot:pot?writers=1003" in r.header["command"]
    assert not machine_paths(r.header["command"])
    assert not list(tmp_path.glob("*.tmp"))


def test_prepare_renders_a_pack_on_several_workers(packed, tmp_path):
    """The GPU machine's path: prepare --data inkpack:FILE --workers N renders the pack in
    parallel into shards, the same images as reading the pack directly."""
    from trainer.shards import prepare

    _, out, _ = packed
    index = prepare([f"inkpack:{out}"], tmp_path / "shards", workers=2, log=log_none)
    assert index["count"] == 36
    (d,) = index["sources"]
    assert d["kind"] == "inkpack" and d["sources"][0]["kind"] == "pot"
    direct = sorted((lab, im.tobytes()) for im, lab in open_source(f"inkpack:{out}"))
    rendered = sorted((lab, im.tobytes()) for im, lab in open_source(f"shards:{tmp_path / 'shards'}"))
    assert direct == rendered


def test_pack_never_touches_a_users_tmp_file_and_a_full_disk_names_the_pack(packed, tmp_path,
                                                                            monkeypatch):
    pots, _, _ = packed
    out = tmp_path / "u.inkpack"
    mine = tmp_path / "u.inkpack.tmp"
    mine.write_bytes(b"the user's own")
    pack([f"pot:{pots}?writers=1003"], out, log=log_none)
    assert mine.read_bytes() == b"the user's own" and PackReader(out).count == 12
    import trainer.sources.inkpack_format as inkpack_format

    real = inkpack_format.PackWriter.add_block
    calls = []

    def full(self, *a, **k):
        calls.append(1)
        if len(calls) == 2:
            self.f.write = lambda data: (_ for _ in ()).throw(OSError(28, "No space left on device"))
        return real(self, *a, **k)

    monkeypatch.setattr(inkpack_format.PackWriter, "add_block", full)
    full_out = tmp_path / "full.inkpack"
    with pytest.raises(OSError) as e:
        pack([f"pot:{pots}"], full_out, log=log_none)
    assert str(e.value) == f"writing {full_out}: No space left on device"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["u.inkpack", "u.inkpack.tmp"]
    monkeypatch.undo()
    assert main(["pack", "--data", f"pot:{pots}", "--out", str(full_out)]) == 0
