"""Prepared shards written: write_shards, prepare (workers, leftovers, a full disk)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from hanzipad.labels import class_of
from tests.helpers import BUNDLED_FONT
from tests.trainer.sources.test_shards import random_samples
from trainer.shards import prepare, prepare_main, write_shards
from trainer.sources import SourceError, open_source
from trainer.sources.shards import load_shard_arrays, read_index


def test_roundtrip_and_index(tmp_path):
    samples = random_samples(10)
    index = write_shards(iter(samples), tmp_path, shard_size=4, sources=[{"kind": "test"}])
    assert [e["count"] for e in index["shards"]] == [4, 4, 2]
    assert index["count"] == 10 and len(index["labels"]) == 3755 and index["labels"][0] == "啊"
    assert read_index(tmp_path) == json.loads((tmp_path / "index.json").read_text("utf-8"))
    assert not list(tmp_path.glob("*.tmp"))
    imgs, labs = load_shard_arrays(tmp_path / index["shards"][0]["images"])
    assert isinstance(imgs, np.memmap) and labs.dtype == np.int16
    np.testing.assert_array_equal(imgs, np.stack([s[0] for s in samples[:4]]))
    src = open_source(f"shards:{tmp_path}")
    got = [(img.tobytes(), lab) for s in src.shards() for img, lab in src.iter_shard(s, seed=1)]
    assert sorted(got) == sorted((img.tobytes(), lab) for img, lab in samples)
    assert src.stats.yielded == 10 and src.describe()["sources"] == [{"kind": "test"}]


def _gnt(char, seed):
    rng = np.random.default_rng(seed)
    bm = np.full((30, 30), 255, np.uint8)
    bm[5:25, rng.integers(3, 20)] = 0
    bm[rng.integers(3, 25), 4:26] = 0
    return struct.pack("<I2sHH", 910, char.encode("gb2312"), 30, 30) + bm.tobytes()


def test_prepare_two_workers(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "1.gnt").write_bytes(b"".join(_gnt(c, i) for i, c in enumerate("啊阿人口亍")))
    (data / "2.gnt").write_bytes(b"".join(_gnt(c, i + 9) for i, c in enumerate("人口")) + b"\x00\x01")
    font = BUNDLED_FONT  # in the repository
    out = tmp_path / "prepared"
    index = prepare([f"gnt:{data}", f"font:{font}"], out, workers=2, shard_size=3, seed=0,
                    classes=list("啊阿人口"))
    assert index["count"] == 6 + 4
    assert [s["stats"]["yielded"] for s in index["sources"]] == [6, 4]
    gnt_stats = index["sources"][0]["stats"]
    assert gnt_stats["out_of_labels"] == 1 and gnt_stats["corrupt"] == 1
    assert index["sources"][1]["family"] == "HanziPad Sans SC"
    assert index["class_counts"][class_of("人")] == 3
    err = capsys.readouterr().err
    assert "samples/s" in err and "1 corrupt" in err
    # the result is a source like any other, with the same samples as reading the gnt directly
    direct = sorted((img.tobytes(), lab) for img, lab in open_source(f"gnt:{data}", classes=list("啊阿人口")))
    prepared = sorted((img.tobytes(), lab) for img, lab in open_source(f"shards:{out}"))
    assert all(p in prepared for p in direct) and len(prepared) == 10
    with pytest.raises(SourceError, match="already holds prepared shards"):
        prepare_main([f"gnt:{data}"], out, workers=1, shard_size=3, seed=0)
    # prepare_main is the command: exit status 0, single process
    assert prepare_main([f"gnt:{data / '2.gnt'}"], tmp_path / "p2", 1, 8, 0) == 0
    assert read_index(tmp_path / "p2")["count"] == 2
    # every record skipped (labels outside the class list): a failure that says so, not "ok"
    with pytest.raises(SourceError, match="no usable samples"):
        prepare_main([f"gnt:{data / '2.gnt'}"], tmp_path / "p3", 1, 8, 0, classes=list("乙"))


def _one_gnt(tmp_path):
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "1.gnt").write_bytes(b"".join(_gnt(c, i) for i, c in enumerate("啊阿人口")))
    return data


def test_prepare_keeps_the_users_files_in_an_existing_folder(tmp_path):
    data, out = _one_gnt(tmp_path), tmp_path / "mine"
    out.mkdir()
    mine = {"s01-my-experiment.npy": b"keep 1", "s99-backup.npy.bak": b"keep 2",
            "s00-00000-0000.images.npy.tmp": b"keep 3", "notes.txt": b"keep 4"}
    for name, body in mine.items():
        (out / name).write_bytes(body)
    index = prepare([f"gnt:{data}"], out, workers=1, shard_size=3, log=lambda m: None)
    assert index["count"] == 4
    for name, body in mine.items():
        assert (out / name).read_bytes() == body
    names = {p.name for p in out.iterdir()}
    assert names == set(mine) | {"index.json"} | {e[k] for e in index["shards"]
                                                  for k in ("images", "labels")}


def test_prepare_refuses_to_overwrite_a_file_it_did_not_write(tmp_path):
    data, out = _one_gnt(tmp_path), tmp_path / "clash"
    out.mkdir()
    (out / "s00-00000-0000.images.npy").write_bytes(b"precious")
    with pytest.raises(SourceError, match="did not write"):
        prepare([f"gnt:{data}"], out, workers=1, shard_size=3, log=lambda m: None)
    assert (out / "s00-00000-0000.images.npy").read_bytes() == b"precious"
    assert {p.name for p in out.iterdir()} == {"s00-00000-0000.images.npy"}


def test_interrupted_prepare_leaves_nothing_and_the_rerun_removes_only_its_own(tmp_path,
                                                                               monkeypatch):
    import trainer.shards as shards

    data, out = _one_gnt(tmp_path), tmp_path / "p"
    out.mkdir()
    (out / "s01-my-experiment.npy").write_bytes(b"mine")
    real = shards.ShardWriter.flush
    calls = []

    def flaky(self):  # the second shard file pair fails: a full disk
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(self)

    monkeypatch.setattr(shards.ShardWriter, "flush", flaky)
    with pytest.raises(OSError, match="No space left"):
        prepare([f"gnt:{data}"], out, workers=1, shard_size=2, log=lambda m: None)
    assert {p.name for p in out.iterdir()} == {"s01-my-experiment.npy"}  # removed at once
    # a killed prepare (no cleanup ran) leaves its manifest; the next run removes what it lists
    monkeypatch.setattr(shards.ShardWriter, "flush", real)
    monkeypatch.setattr(shards.Manifest, "remove_written", lambda self: [])
    with pytest.raises(KeyboardInterrupt):
        prepare([f"gnt:{data}"], out, workers=1, shard_size=2,
                log=lambda m: (_ for _ in ()).throw(KeyboardInterrupt) if "1/" in m else None)
    assert ".hanzipad-train-written.json" in {p.name for p in out.iterdir()}
    monkeypatch.undo()
    index = prepare([f"gnt:{data}"], out, workers=1, shard_size=2, log=lambda m: None)
    assert index["count"] == 4
    assert (out / "s01-my-experiment.npy").read_bytes() == b"mine"
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("full", [True, False])
def test_save_npy_on_a_full_disk_names_the_file_and_leaves_no_temp(tmp_path, monkeypatch,
                                                                   full):
    """numpy's short write ("204800 requested and 98176 written", no errno) is named as a full
    disk when the disk is full, as a short write otherwise."""
    import hanzipad.fileio
    import trainer.shards as shards

    def short(f, arr, allow_pickle=False):
        f.write(b"x" * 10)
        raise OSError("204800 requested and 98176 written")

    monkeypatch.setattr(shards.np, "save", short)
    monkeypatch.setattr(hanzipad.fileio, "_disk_full", lambda folder: full)
    target = tmp_path / "a.images.npy"
    with pytest.raises(OSError) as e:
        shards._save_npy(target, np.zeros(3))
    assert str(e.value) == (f"writing {target}: No space left on device" if full else
                            f"writing {target}: short write (204800 requested and 98176 written)")
    assert list(tmp_path.iterdir()) == []


def test_prepare_refuses_an_absurd_shard_size_before_allocating(tmp_path):
    data = _one_gnt(tmp_path)
    with pytest.raises(SourceError, match="shard size must be 1 to 65,536 images, not 1e\\+12"):
        prepare([f"gnt:{data}"], tmp_path / "o", shard_size=10**12, log=lambda m: None)
    assert not (tmp_path / "o").exists()
