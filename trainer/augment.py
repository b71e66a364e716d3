"""Augmentation as Keras 3 layers (keras.ops only), so the SAME code runs in the tf.data
pipeline (TensorFlow backend) and, without TensorFlow, on the accelerator as the first
layers of the training model.

Images are ``[batch, 64, 64, 1]`` float 0..255, bright ink on black. Random affine
(rotation, shear, anisotropic scale, translation), stroke thickness, elastic distortion,
brightness/contrast. Never flips: a mirrored character is another character or none.
"""

from __future__ import annotations

import keras
from keras import ops


def _batch_size(x):
    """The batch dimension, also when it is unknown while tracing a tf.data graph."""
    n = ops.shape(x)[0]
    if n is None:
        import tensorflow as tf  # only reached when tracing with the TensorFlow backend

        n = tf.shape(x)[0]
    return n


@keras.saving.register_keras_serializable(package="hanzipad")
class RandomThickness(keras.layers.Layer):
    """Thicken (3x3 max-pool = dilation) or thin (erosion) the strokes of a random part of
    the batch: with probability ``rate`` a sample is changed, half dilated, half eroded."""

    def __init__(self, rate: float = 0.5, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rate = float(rate)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = False

    def call(self, images, training=True):
        if not training or self.rate <= 0:
            return images
        x = ops.cast(images, "float32")
        dilated = ops.max_pool(x, pool_size=3, strides=1, padding="same")
        eroded = -ops.max_pool(-x, pool_size=3, strides=1, padding="same")
        n = _batch_size(x)
        u = keras.random.uniform((n, 1, 1, 1), seed=self.seed_generator)
        out = ops.where(u < self.rate / 2, dilated, ops.where(u < self.rate, eroded, x))
        return ops.cast(out, images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@keras.saving.register_keras_serializable(package="hanzipad")
class RandomElastic(keras.layers.Layer):
    """Elastic distortion: a smooth random displacement field (normal noise on a coarse
    ``grid`` x ``grid`` lattice, upsampled bicubically) of about ``alpha`` pixels, applied to a
    ``rate`` share of the batch with one bilinear resampling. Pure keras.ops, so it also runs
    jit-compiled under JAX (keras.layers.RandomElasticTransform does not in Keras 3.15)."""

    def __init__(self, rate: float = 0.3, alpha: float = 1.5, grid: int = 4, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate, self.alpha, self.grid, self.seed = float(rate), float(alpha), int(grid), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        if not training or self.rate <= 0 or self.alpha <= 0:
            return images
        x = ops.cast(images, "float32")
        n, h, w = _batch_size(x), x.shape[1], x.shape[2]
        d = keras.random.normal((n, self.grid, self.grid, 2), seed=self.seed_generator)
        d = ops.image.resize(d, (h, w), interpolation="bicubic") * self.alpha
        on = keras.random.uniform((n, 1, 1, 1), seed=self.seed_generator) < self.rate
        d = ops.where(on, d, 0.0)
        ii = ops.reshape(ops.cast(ops.arange(h), "float32"), (1, h, 1))
        jj = ops.reshape(ops.cast(ops.arange(w), "float32"), (1, 1, w))
        out = _bilinear(ops.reshape(x, (-1, h * w)), ii + d[..., 0], jj + d[..., 1], h, w)
        return ops.cast(out[..., None], images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "alpha": self.alpha,
                "grid": self.grid, "seed": self.seed}


def _bilinear(flat, y, x, h, w):
    """Sample images ``flat`` [n, h*w] at float positions ``y``, ``x`` [n, h, w] (bilinear,
    zero outside). Plain gathers: works with unknown batch size, traced or jit-compiled."""
    y0, x0 = ops.floor(y), ops.floor(x)
    wy, wx = y - y0, x - x0
    out = 0.0
    for dy, dx, weight in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                           (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        yy, xx = y0 + dy, x0 + dx
        valid = (yy >= 0) & (yy <= h - 1) & (xx >= 0) & (xx <= w - 1)
        idx = ops.cast(ops.clip(yy, 0, h - 1) * w + ops.clip(xx, 0, w - 1), "int32")
        v = ops.take_along_axis(flat, ops.reshape(idx, (-1, h * w)), axis=1)
        out = out + ops.where(valid, ops.reshape(v, (-1, h, w)), 0.0) * weight
    return out


def _symmetric(f):
    if isinstance(f, (list, tuple)):
        return float(max(abs(float(v)) for v in f))
    return float(f)


@keras.saving.register_keras_serializable(package="hanzipad")
class RandomShearXY(keras.layers.RandomShear):
    """keras.layers.RandomShear that also loads from its own saved config (Keras 3.15 saves
    ``x_factor=[-a, a]`` but its constructor rejects negative numbers)."""

    def __init__(self, x_factor=0.0, y_factor=0.0, **kwargs):
        super().__init__(x_factor=_symmetric(x_factor), y_factor=_symmetric(y_factor), **kwargs)


@keras.saving.register_keras_serializable(package="hanzipad")
class RandomInkIntensity(keras.layers.Layer):
    """Brightness and contrast for bright-ink-on-black images that keeps the background black
    (as the app's normalizer delivers it): brightness = a gain in ``1 ± brightness``,
    contrast = a gamma in ``1 ± contrast``; values stay in 0..255."""

    def __init__(self, brightness: float = 0.15, contrast: float = 0.2, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.brightness, self.contrast, self.seed = float(brightness), float(contrast), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        if not training or (self.brightness <= 0 and self.contrast <= 0):
            return images
        x = ops.cast(images, "float32") / 255.0
        n = _batch_size(x)
        g = keras.random.uniform((n, 1, 1, 1), 1 - self.brightness, 1 + self.brightness,
                                 seed=self.seed_generator)
        gamma = keras.random.uniform((n, 1, 1, 1), 1 - self.contrast, 1 + self.contrast,
                                     seed=self.seed_generator)
        x = ops.power(ops.clip(x, 1e-6, 1.0), gamma) * g
        x = ops.where(images > 0, x, 0.0)
        return ops.cast(ops.clip(x * 255.0, 0.0, 255.0), images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "brightness": self.brightness,
                "contrast": self.contrast, "seed": self.seed}


def augment_layers(cfg, seed: int = 0) -> list:
    """The augmentation layers for ``cfg`` (a :class:`trainer.config.Config`), seeded."""
    L = keras.layers
    fill = {"fill_mode": "constant", "fill_value": 0.0}
    layers = []
    s = seed * 1000
    if cfg.rotation > 0:
        layers.append(L.RandomRotation(cfg.rotation / 360.0, seed=s + 1, name="aug_rotation", **fill))
    if cfg.shear > 0:
        layers.append(RandomShearXY(x_factor=cfg.shear, y_factor=cfg.shear / 2, seed=s + 2,
                                    name="aug_shear", **fill))
    if cfg.scale > 0:
        # independent height and width factors: anisotropic scale
        layers.append(L.RandomZoom(height_factor=(-cfg.scale, cfg.scale),
                                   width_factor=(-cfg.scale, cfg.scale), seed=s + 3,
                                   name="aug_scale", **fill))
    if cfg.translate > 0:
        layers.append(L.RandomTranslation(cfg.translate, cfg.translate, seed=s + 4,
                                          name="aug_translate", **fill))
    if cfg.elastic > 0:
        layers.append(RandomElastic(cfg.elastic, cfg.elastic_scale, seed=s + 5, name="aug_elastic"))
    if cfg.thickness > 0:
        layers.append(RandomThickness(cfg.thickness, seed=s + 6, name="aug_thickness"))
    if cfg.brightness > 0 or cfg.contrast > 0:
        layers.append(RandomInkIntensity(cfg.brightness, cfg.contrast, seed=s + 7,
                                         name="aug_intensity"))
    return layers


def build_augmenter(cfg, seed: int = 0) -> keras.Sequential | None:
    """A ``keras.Sequential`` of :func:`augment_layers`, or None when augmentation is off."""
    if not cfg.augment:
        return None
    layers = augment_layers(cfg, seed)
    if not layers:
        return None
    return keras.Sequential(layers, name="augment")
