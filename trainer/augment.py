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
        n = ops.shape(x)[0]
        u = keras.random.uniform((n, 1, 1, 1), seed=self.seed_generator)
        out = ops.where(u < self.rate / 2, dilated, ops.where(u < self.rate, eroded, x))
        return ops.cast(out, images.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


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
        n = ops.shape(x)[0]
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
        layers.append(L.RandomElasticTransform(factor=cfg.elastic, scale=cfg.elastic_scale,
                                               value_range=(0, 255), seed=s + 5,
                                               name="aug_elastic", **fill))
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
