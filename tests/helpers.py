"""Helpers shared by the tests."""

from __future__ import annotations

from pathlib import Path

#: Characters of the tiny test bundle (class i = TINY_LABELS[i]).
TINY_LABELS = list("一二三十人口日月山水")


def build_tiny_bundle(out, labels=TINY_LABELS, seed=0):
    """A small real bundle: an untrained Keras CNN exported to TFLite through the trainer's
    exporter. Its answers are arbitrary but real model outputs."""
    import keras

    from trainer.bundle_export import tflite_bytes, write_bundle

    keras.utils.set_random_seed(seed)
    inp = keras.Input((64, 64, 1))
    x = keras.layers.Rescaling(1 / 255.0)(inp)
    x = keras.layers.Conv2D(8, 5, strides=4, activation="relu")(x)
    x = keras.layers.Flatten()(x)
    out_layer = keras.layers.Dense(len(labels), activation="softmax")(x)
    model = keras.Model(inp, out_layer)
    return write_bundle(out, tflite_bytes(model), list(labels), name="tiny-test", sources=[])


# -- data the tests use: all of it in the repository (see tests/data/README.md) -----------------

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
#: 370 real pen traces (Tegaki, LGPL-2.1), 37 characters x 10.
REAL_INK = DATA / "tegaki-real-ink.jsonl"
#: hanzi-writer-data 2.0.1, 51 characters, in the npm tarball's ``package/`` layout.
STROKES_MINI = DATA / "hanzi-writer-data-mini"
#: The bundled CJK subset (all 3755 GB2312 level-1 characters, ASCII; SIL OFL 1.1).
BUNDLED_FONT = ROOT / "resources" / "fonts" / "HanziPadSansSC-Regular.otf"

#: Environment variable naming folders (``:``-separated) of optional originals for the tests
#: marked ``extra_data`` (folders holding the originals of tests/data); unset, those tests are
#: deselected.
EXTRA_DATA_ENV = "HANZIPAD_EXTRA_DATA"


def stroke_tarball(out) -> Path:
    """The mini stroke package as an npm-pack-style ``.tgz`` (``package/…`` members) at ``out``."""
    import tarfile

    out = Path(out)
    with tarfile.open(out, "w:gz") as tar:
        tar.add(STROKES_MINI / "package", arcname="package")
    return out


def latin_only_font(out) -> Path:
    """A font without any CJK glyph: the bundled font subset to printable ASCII, at ``out``."""
    from fontTools import subset

    options = subset.Options()
    options.name_IDs = ["*"]
    font = subset.load_font(str(BUNDLED_FONT), options)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=range(0x20, 0x7F))
    sub.subset(font)
    subset.save_font(font, str(out), options)
    return Path(out)


def finishes(fn, seconds=10.0):
    """Run ``fn`` in a daemon thread; ``(finished in time, result or the exception raised)``
    (for inputs that used to block: FIFOs, devices)."""
    import threading

    box = {}

    def run():
        try:
            box["result"] = fn()
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            box["result"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    return not t.is_alive(), box.get("result")
