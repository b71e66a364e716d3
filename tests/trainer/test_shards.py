"""Prepared shards: write/read roundtrip, ShardSource, prepare_main with workers."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from hanzipad.labels import class_of
from tests.helpers import BUNDLED_FONT
from trainer.shards import load_shard_arrays, prepare, prepare_main, read_index, write_shards
from trainer.sources import SourceError, open_source


def _samples(n, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, 256, (64, 64), dtype=np.uint8), int(rng.integers(0, 3755))) for _ in range(n)]


def test_roundtrip_and_index(tmp_path):
    samples = _samples(10)
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


def test_shard_source_remaps_labels(tmp_path):
    write_shards([(np.full((64, 64), 9, np.uint8), 1), (np.zeros((64, 64), np.uint8), 0)], tmp_path,
                 labels=["人", "口"])
    src = open_source(f"shards:{tmp_path}")  # default 3755 label map
    assert sorted(lab for _, lab in src) == sorted([class_of("人"), class_of("口")])
    src = open_source(f"shards:{tmp_path}", label_map={"口": 0})
    assert [lab for _, lab in src] == [0] and src.stats.out_of_labels == 1
    imgs, labs = src.load_arrays(src.shards()[0])
    assert labs.tolist() == [0, -1] and imgs[0, 0, 0] == 9
    src = open_source(f"shards:{tmp_path}", classes=["人"])
    assert src.load_arrays(src.shards()[0])[1].tolist() == [-1, class_of("人")]


def test_bad_folders(tmp_path):
    with pytest.raises(SourceError, match="not a prepared shard folder"):
        open_source(f"shards:{tmp_path}")
    write_shards(_samples(2), tmp_path)
    idx = json.loads((tmp_path / "index.json").read_text("utf-8"))
    (tmp_path / idx["shards"][0]["images"]).write_bytes(b"garbage")
    src = open_source(f"shards:{tmp_path}")
    with pytest.raises(SourceError, match="corrupt shard"):
        list(src)
    idx["convention_version"] = 99
    (tmp_path / "index.json").write_text(json.dumps(idx))
    with pytest.raises(SourceError, match="convention 99"):
        open_source(f"shards:{tmp_path}")


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
