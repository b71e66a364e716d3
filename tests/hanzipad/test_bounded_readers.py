"""Every JSON the app reads goes through one bounded reader (hanzipad.fileio.read_json): deep
nesting, 400-digit numbers, FIFOs and devices give one-line errors naming the file (issue 35)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from hanzipad.bundle import BundleError, load_bundle
from hanzipad.credits import lexicon_credits
from hanzipad.lexicon import LexiconError


@pytest.fixture
def bundle(tiny_bundle, tmp_path):
    dst = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, dst)
    return dst


@pytest.mark.parametrize("text, needle", [
    ('{"x": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested deeper than 256 levels"),
    ('{"classes": ' + "9" * 400 + "}", "more than 40 digits"),
    ('{"classes": 1e999}', "too large for a float"),
])
def test_bundle_model_json_bombs_are_one_line_bundle_errors(bundle, text, needle):
    (bundle / "model.json").write_text(text)
    with pytest.raises(BundleError, match=needle) as e:
        load_bundle(bundle)
    assert str(bundle / "model.json") in str(e.value) and "\n" not in str(e.value)


def test_bundle_with_absurd_class_count_is_refused(bundle):
    meta = json.loads((bundle / "model.json").read_text())
    meta["classes"] = 10**30
    (bundle / "model.json").write_text(json.dumps(meta))
    with pytest.raises(BundleError, match="classes is 1e\\+30"):
        load_bundle(bundle)


@pytest.mark.parametrize("name", ["labels.txt", "model.json", "model.tflite"])
def test_bundle_file_that_is_a_fifo_is_refused_without_blocking(bundle, name):
    (bundle / name).unlink()
    os.mkfifo(bundle / name)
    with pytest.raises(BundleError, match="FIFO"):
        load_bundle(bundle)


def test_lexicon_sources_json_bombs(tmp_path):
    (tmp_path / "sources.json").write_text("[" * 50_000 + "]" * 50_000)
    with pytest.raises(LexiconError, match="sources.json: nested deeper"):
        lexicon_credits(tmp_path)
    (tmp_path / "sources.json").unlink()
    os.mkfifo(tmp_path / "sources.json")
    with pytest.raises(LexiconError, match="FIFO"):
        lexicon_credits(tmp_path)


def test_an_image_that_is_a_fifo_or_device_is_refused_without_blocking(tmp_path):
    """``hanzipad fifo.png`` and a pngdir: FIFO go through hanzipad.normalize.open_image."""
    from hanzipad.normalize import ImageError, load_image

    os.mkfifo(tmp_path / "fifo.png")
    with pytest.raises(ImageError, match=r"fifo\.png: is a FIFO"):
        load_image(tmp_path / "fifo.png")
    (tmp_path / "zero.png").symlink_to("/dev/zero")
    with pytest.raises(ImageError, match=r"zero\.png: is a character device"):
        load_image(tmp_path / "zero.png")
