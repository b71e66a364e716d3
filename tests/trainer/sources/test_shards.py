"""shards:DIR, prepared data read back: the index, the shard files, label remapping."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hanzipad.labels import class_of
from trainer.shards import write_shards
from trainer.sources import SourceError, open_source
from trainer.sources.shards import load_shard_arrays


def random_samples(n, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.integers(0, 256, (64, 64), dtype=np.uint8), int(rng.integers(0, 3755))) for _ in range(n)]


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
    write_shards(random_samples(2), tmp_path)
    idx = json.loads((tmp_path / "index.json").read_text("utf-8"))
    (tmp_path / idx["shards"][0]["images"]).write_bytes(b"garbage")
    src = open_source(f"shards:{tmp_path}")
    with pytest.raises(SourceError, match="corrupt shard"):
        list(src)
    idx["convention_version"] = 99
    (tmp_path / "index.json").write_text(json.dumps(idx))
    with pytest.raises(SourceError, match="convention 99"):
        open_source(f"shards:{tmp_path}")


def test_a_shard_header_declaring_terabytes_or_a_fifo_is_a_corrupt_shard(tmp_path):
    import os

    from numpy.lib import format as npformat

    index = write_shards(random_samples(3), tmp_path)
    labels = tmp_path / index["shards"][0]["labels"]
    with open(labels, "wb") as f:  # a damaged header: 10**12 labels in a file of 6 bytes
        npformat.write_array_header_1_0(f, {"descr": "<i2", "fortran_order": False,
                                            "shape": (10**12,)})
        f.write(b"\0" * 6)
    with pytest.raises(SourceError, match="corrupt shard"):
        load_shard_arrays(tmp_path / index["shards"][0]["images"], mmap=False)
    labels.unlink()
    os.mkfifo(labels)
    with pytest.raises(SourceError, match="corrupt shard .*FIFO"):
        load_shard_arrays(tmp_path / index["shards"][0]["images"])
