"""Where export (and prototypes) may write a bundle: only over what a bundle writer provably
wrote; a full disk names the bundle's file and leaves no temp folder (issue 35)."""

from __future__ import annotations

import json

import pytest

from trainer.bundle_export import BundleTargetError, bundle_target, write_bundle


def _listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_bundle_file_names_without_a_bundles_model_json_are_not_replaced(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "labels.txt").write_text("my own labels\n")
    with pytest.raises(BundleTargetError, match="no model bundle's model.json"):
        bundle_target(mine)
    (mine / "model.json").write_text(json.dumps({"my": "notes"}))
    with pytest.raises(BundleTargetError, match="refusing to replace"):
        write_bundle(mine, b"tflite", ["人"], name="x")
    assert (mine / "labels.txt").read_text() == "my own labels\n"
    (mine / "model.json").write_text("[" * 100_000)  # unreadable: not proof either
    with pytest.raises(BundleTargetError):
        bundle_target(mine)


def test_an_earlier_bundle_and_an_empty_folder_are_replaced(tmp_path):
    out = tmp_path / "b"
    write_bundle(out, b"one", ["人", "口"], name="first")
    write_bundle(out, b"two", ["人"], name="second")
    assert (out / "model.tflite").read_bytes() == b"two"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert bundle_target(empty) == empty


def test_full_disk_names_the_bundle_file_and_leaves_no_temp(tmp_path, monkeypatch):
    import trainer.bundle_export as B

    def full(file, labels):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(B, "write_labels", full)
    out = tmp_path / "b"
    with pytest.raises(OSError) as e:
        write_bundle(out, b"x", ["人"], name="x")
    assert str(e.value) == f"writing {out / 'labels.txt'}: No space left on device"
    assert _listing(tmp_path) == []
