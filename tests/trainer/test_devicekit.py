"""The device kit's slim inputs (trainer/devicekit.py): stroke data cut to the classes' medians
and fonts cut to the classes must give the trainer the same images as the originals."""

from __future__ import annotations

import json
import shutil
import tarfile

import numpy as np
import pytest

from tests.helpers import BUNDLED_FONT, STROKES_MINI, stroke_tarball
from tests.trainer.trainrun import TINY, run_cli
from trainer.devicekit import main, slim_stroke_data, subset_font
from trainer.sources import open_source
from trainer.strokedata import StrokeDataError, package_info

MINI_CHARS = sorted(p.stem for p in (STROKES_MINI / "package").glob("*.json")
                    if len(p.stem) == 1)


def test_slim_stroke_data_renders_the_same_synthetic_writers(tmp_path):
    tgz = stroke_tarball(tmp_path / "hanzi-writer-data-2.0.1.tgz")
    slim = tmp_path / "slim.tgz"
    chars = MINI_CHARS[:12]
    r = slim_stroke_data(tgz, slim, chars)
    assert r["characters"] == 12 and r["skipped"] == 0 and r["bytes"] == slim.stat().st_size
    assert slim.stat().st_size < tgz.stat().st_size / 2  # outlines and other characters left out
    assert package_info(slim) == package_info(tgz)  # name, version, licence as before
    with tarfile.open(slim) as tar:
        names = sorted(m.name for m in tar)
        meta = json.loads(tar.extractfile("package/package.json").read())
        one = json.loads(tar.extractfile(f"package/{chars[0]}.json").read())
    assert "package/ARPHICPL.TXT" in names  # the licence travels with the data
    assert len([n for n in names if n.endswith(".json")]) == 13
    assert "medians and radStrokes of 12 characters" in meta["hanzipad_slim"]
    assert set(one) == {"medians", "radStrokes"}
    spec = "?per_char=2&seed=4&spread=1"
    a = list(open_source(f"strokes:{tgz}{spec}", classes=chars))
    b = list(open_source(f"strokes:{slim}{spec}", classes=chars))
    assert len(a) == len(b) == 24
    assert all(x[1] == y[1] and np.array_equal(x[0], y[0]) for x, y in zip(a, b))
    # the same bytes for the same input (mtime 0): a kit rebuilt travels unchanged
    again = tmp_path / "again.tgz"
    slim_stroke_data(tgz, again, chars)
    assert again.read_bytes() == slim.read_bytes()


def test_slim_stroke_data_counts_broken_files_and_refuses_another_package(tmp_path):
    folder = tmp_path / "hwd"
    shutil.copytree(STROKES_MINI, folder)
    (folder / "package" / f"{MINI_CHARS[0]}.json").write_text("{broken", encoding="utf-8")
    r = slim_stroke_data(folder, tmp_path / "slim.tgz", MINI_CHARS[:3])
    assert r["characters"] == 2 and r["skipped"] == 1
    assert MINI_CHARS[0] in r["errors"][0]
    (folder / "package" / "package.json").unlink()
    with pytest.raises(StrokeDataError, match="no package.json"):
        slim_stroke_data(folder, tmp_path / "other.tgz")
    assert not (tmp_path / "other.tgz").exists()
    assert main(["slim-strokes", str(tmp_path / "missing.tgz"), str(tmp_path / "x.tgz")]) == 2


def test_subset_font_keeps_the_classes_glyphs_and_names(tmp_path, capsys):
    chars = "人口大日月水"
    out = tmp_path / "sub.otf"
    r = subset_font(BUNDLED_FONT, out, chars=chars)
    assert r["glyphs"] == 6 and r["bytes"] == out.stat().st_size
    assert out.stat().st_size < BUNDLED_FONT.stat().st_size / 20
    full = open_source(f"font:{BUNDLED_FONT}", classes=list(chars + "山"))
    sub = open_source(f"font:{out}", classes=list(chars + "山"))
    got = list(sub)
    ref = list(full)
    from hanzipad.labels import class_of

    assert len(ref) == 7 and len(got) == 6 and sub.stats.missing == 1  # 山 is not in the subset
    ref = [(im, lab) for im, lab in ref if lab != class_of("山")]
    assert [lab for _, lab in got] == [lab for _, lab in ref]
    diff = [np.abs(a.astype(int) - b).mean() for (a, _), (b, _) in zip(ref, got)]
    assert max(diff) < 2.0, diff  # the same glyphs (hinting dropped: edge pixels may move)
    d_full, d_sub = full.describe(), sub.describe()
    for key in ("family", "licence", "version"):
        assert d_sub.get(key) == d_full.get(key), key
    assert main(["subset-font", f"{BUNDLED_FONT}?index=0", str(tmp_path / "all.otf")]) == 0
    assert "3755 of the classes" in capsys.readouterr().err
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font")
    assert main(["subset-font", str(bad), str(tmp_path / "b.otf")]) == 2
    assert f"{bad}: cannot read face 0" in capsys.readouterr().err


@pytest.mark.slow
def test_init_run_keeps_the_network_and_its_lineage_small(trained, data, tmp_path, capsys):
    """The device kit's init/: a run dir with the network's weights alone (no optimizer
    state) and the record of its data; train --init-from it starts from the same weights and
    its model.json still names the base run's sources."""
    keras = pytest.importorskip("keras")

    from trainer.devicekit import init_run
    from trainer.devicekit import main as kit_main
    from trainer.model import core_of

    run, _ = trained
    small = tmp_path / "init"
    r = init_run(run, small)
    assert sorted(p.name for p in small.iterdir()) == ["best.keras", "command.json",
                                                       "config.json", "state.json"]
    assert (small / "best.keras").stat().st_size < (run / "latest.keras").stat().st_size / 2
    assert r["parameters"] == core_of(keras.models.load_model(run / "best.keras")).count_params()
    state = json.loads((small / "state.json").read_text())
    assert state["sources"][0]["kind"] == "gnt" and "config_hash" not in state  # lineage only
    ft = tmp_path / "ft"
    rc, out = run_cli("train", "--train", f"gnt:{data['train']}", "--run-dir", ft, "--init-from",
                      small, "--max-steps", 1, "--lr", 1e-12, *TINY)
    assert rc == 0, out
    a = core_of(keras.models.load_model(run / "best.keras"))
    b = core_of(keras.models.load_model(ft / "latest.keras"))
    for x, y in zip(a.weights, b.weights):
        if "kernel" in x.path:
            np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=1e-6)
    lineage = json.loads((ft / "state.json").read_text())["init_from"]
    assert lineage["sources"] == state["sources"] and lineage["step"] == state["step"]
    assert kit_main(["init-run", str(run), str(small)]) == 2  # never over an existing folder
    assert f"{small}: exists" in capsys.readouterr().err
    assert kit_main(["init-run", str(run / "best.keras"), str(tmp_path / "x")]) == 2
    assert "not a run dir" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "init.tmp").exists()
