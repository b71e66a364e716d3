"""Helpers shared by the tests."""

from __future__ import annotations

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
