"""Augmentation layers: shapes, ranges, no flips, thickness, seeded, save/load."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")


def left_bar(n=8):
    x = np.zeros((n, 64, 64, 1), np.float32)
    x[:, 12:52, 10:20] = 255.0  # a vertical bar on the left
    return x


def test_augmenter_keeps_shape_range_and_never_flips():
    from trainer.augment import build_augmenter
    from trainer.config import Config

    aug = build_augmenter(Config(), seed=1)
    names = [layer.__class__.__name__ for layer in aug.layers]
    assert not any("Flip" in n for n in names)
    x = left_bar(32)
    y = np.asarray(aug(x, training=True))
    assert y.shape == x.shape
    assert y.min() >= 0 and y.max() <= 255
    assert not np.allclose(x, y)
    cols = np.arange(64)
    centre = (y[..., 0].sum(1) * cols).sum(1) / y[..., 0].sum((1, 2))
    assert (centre < 26).all()  # the bar stays on the left: never mirrored
    assert np.allclose(np.asarray(aug(x, training=False)), x)  # inference: unchanged


def test_thickness_dilates_and_erodes():
    from trainer.augment import RandomThickness

    x = left_bar(64)
    y = np.asarray(RandomThickness(1.0, seed=3)(x, training=True))
    ink = (y > 127).sum((1, 2, 3))
    base = (x[0] > 127).sum()
    assert (ink > base).any() and (ink < base).any()  # both thicker and thinner samples
    assert np.array_equal(np.asarray(RandomThickness(0.0)(x, training=True)), x)


def test_ink_intensity_keeps_background_black():
    from trainer.augment import RandomInkIntensity

    x = left_bar(16) * 0.6
    y = np.asarray(RandomInkIntensity(0.3, 0.3, seed=1)(x, training=True))
    assert (y[x == 0] == 0).all()
    assert len(np.unique(np.round(y[:, 30, 15, 0]))) > 4  # different gains per image


def test_seeded_and_roundtrips_through_keras_file(tmp_path):
    import keras

    from trainer.augment import build_augmenter
    from trainer.config import Config

    x = left_bar(4)
    a = np.asarray(build_augmenter(Config(), seed=5)(x, training=True))
    b = np.asarray(build_augmenter(Config(), seed=5)(x, training=True))
    np.testing.assert_allclose(a, b, atol=1e-4)
    inp = keras.Input((64, 64, 1))
    m = keras.Model(inp, build_augmenter(Config(), seed=5)(inp))
    m.save(tmp_path / "a.keras")
    again = keras.models.load_model(tmp_path / "a.keras")
    assert [layer.name for layer in again.layers[1].layers] == [layer.name for layer in m.layers[1].layers]


def test_in_tf_data_pipeline():
    import tensorflow as tf

    from trainer.augment import build_augmenter
    from trainer.config import Config

    aug = build_augmenter(Config(), seed=2)
    ds = tf.data.Dataset.from_tensor_slices(left_bar(8)).batch(4).map(lambda x: aug(x, training=True))
    out = np.concatenate([b.numpy() for b in ds])
    assert out.shape == (8, 64, 64, 1) and not np.allclose(out, left_bar(8))
