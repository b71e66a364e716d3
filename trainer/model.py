"""Networks: input ``[batch, 64, 64, 1]`` float 0..255 (bright ink on black), rescaled inside
the model, output ``[batch, classes]`` softmax probabilities (float32 even under mixed precision).

* ``compact`` (default): VGG-style, batch norm, global average pooling; ``width`` scales channels.
* ``residual``: ``compact`` plus a residual bottleneck block on the last 8x8 map (1x1 to
  ``c(128)``, 3x3, 1x1 back to ``c(256)``, added to its input): two more layers of depth where
  the features are most abstract, for about 14 M multiply-adds more (148 M at width 1.0). The
  block's last batch norm starts at zero (``gamma = 0``: the block starts as the identity), so a
  ``compact`` network grows into it without changing what it predicts (:func:`grow_into`).

Two earlier networks are gone (:data:`trainer.config.REMOVED_ARCHS`): ``layout`` (a 4x4 grid head, tried and
not kept, see docs/model-history.md) and ``article`` (the reference net, never trained).
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers as L

from trainer.config import REMOVED_ARCHS

CORE_NAME = "hanzipad"


def _conv(x, filters, name, kernel=3):
    x = L.Conv2D(filters, kernel, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = L.BatchNormalization(name=f"{name}_bn")(x)
    return L.ReLU(name=f"{name}_relu")(x)


def _channels(width: float):
    def c(n):
        return max(8, int(round(n * width / 8)) * 8)
    return c


def _compact_body(width: float, residual: bool = False):
    """The compact network's input and its last feature map (8x8, ``c(256)`` channels); with
    ``residual``, after the ``residual`` network's bottleneck block."""
    c = _channels(width)
    inp = keras.Input((64, 64, 1), name="image")
    x = L.Rescaling(1 / 255.0, name="rescale")(inp)
    x = _conv(x, c(32), "b1")  # 64
    x = L.MaxPooling2D(name="b1_pool")(x)
    x = _conv(x, c(64), "b2a")  # 32
    x = _conv(x, c(64), "b2b")
    x = L.MaxPooling2D(name="b2_pool")(x)
    x = _conv(x, c(128), "b3a")  # 16
    x = _conv(x, c(128), "b3b")
    x = L.MaxPooling2D(name="b3_pool")(x)
    x = _conv(x, c(256), "b4a")  # 8
    if residual:
        y = _conv(x, c(128), "r1a", kernel=1)
        y = _conv(y, c(128), "r1b")
        y = L.Conv2D(c(256), 1, use_bias=False, name="r1c_conv")(y)
        y = L.BatchNormalization(gamma_initializer="zeros", name="r1c_bn")(y)
        x = L.Add(name="r1_add")([x, y])
        x = L.ReLU(name="r1_relu")(x)
    return inp, x


def compact(classes: int, width: float = 1.0, dropout: float = 0.2,
            residual: bool = False) -> keras.Model:
    inp, x = _compact_body(width, residual)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    if dropout > 0:
        x = L.Dropout(dropout, name="dropout")(x)
    out = L.Dense(classes, activation="softmax", dtype="float32", name="probs")(x)
    return keras.Model(inp, out, name=CORE_NAME)


def residual(classes: int, width: float = 1.0, dropout: float = 0.2) -> keras.Model:
    return compact(classes, width, dropout, residual=True)


def is_residual(model: keras.Model) -> bool:
    """Whether ``model`` is a ``residual`` network (it has the bottleneck block)."""
    return any(layer.name == "r1_add" for layer in model.layers)


def grows(src: keras.Model, core: keras.Model) -> bool:
    """Whether ``core`` is a grown ``src``: a ``residual`` network where ``src`` is a plain
    ``compact`` one (see :func:`grow_into`)."""
    return not is_residual(src) and is_residual(core)


def grow_into(src: keras.Model, core: keras.Model) -> list[str]:
    """Give the ``residual`` network ``core`` the weights of the ``compact`` network ``src`` of
    the same width and classes, so that it predicts exactly what ``src`` does: every shared
    layer is copied; the block keeps the weights it has (fresh ones, or a trained block's when
    ``average`` grows a compact member) with its last batch norm's scale and shift set to zero
    (the block adds nothing until it learns). Returns the layers copied; raises ValueError
    naming the first layer that does not fit."""
    copied = []
    for layer in src.layers:
        theirs = layer.get_weights()
        if not theirs:
            continue
        try:
            ours = core.get_layer(layer.name)
        except ValueError:
            raise ValueError(f"layer {layer.name} has no counterpart in the {core.name} network") from None
        mine = ours.get_weights()
        shapes = [(a.shape, b.shape) for a, b in zip(theirs, mine) if a.shape != b.shape]
        if shapes or len(theirs) != len(mine):
            raise ValueError(f"layer {layer.name}: {shapes[0][0] if shapes else len(theirs)} "
                             f"vs {shapes[0][1] if shapes else len(mine)}")
        ours.set_weights(theirs)
        copied.append(layer.name)
    if is_residual(core):
        last = core.get_layer("r1c_bn")
        gamma, beta, *stats = last.get_weights()
        last.set_weights([np.zeros_like(gamma), np.zeros_like(beta), *stats])
    return copied


ARCHS = {"compact": compact, "residual": residual}


def unknown_arch(arch: str) -> str:
    """Why ``arch`` cannot be built: a removed network named as such, or the ones there are."""
    if arch in REMOVED_ARCHS:
        return (f"arch {arch!r} was removed ({REMOVED_ARCHS[arch]}); use {' or '.join(ARCHS)} "
                "(this version cannot resume or fine-tune a run, checkpoint or bundle of it)")
    return f"unknown arch {arch!r} (use {', '.join(ARCHS)})"


def multiply_adds(model: keras.Model) -> int:
    """Multiply-adds of one forward pass (one 64x64 image), counted layer by layer from the
    built shapes: convolutions (``out_h * out_w * k_h * k_w * in / groups * out``), depthwise
    convolutions and dense layers. Batch norm (folded into the convolutions on export),
    activations, pooling and the softmax are not counted: they cost a few per output value,
    nothing next to the convolutions. This is the cost a CPU pays per character whatever
    its vector instructions; report it beside milliseconds."""
    total = 0
    for layer in model._flatten_layers(include_self=False, recursive=True):
        if isinstance(layer, L.DepthwiseConv2D):
            kh, kw = layer.kernel_size
            out = layer.output.shape
            total += int(out[1]) * int(out[2]) * kh * kw * int(out[3])
        elif isinstance(layer, L.Conv2D):
            kh, kw = layer.kernel_size
            out = layer.output.shape
            cin = int(layer.input.shape[-1]) // int(getattr(layer, "groups", 1) or 1)
            total += int(out[1]) * int(out[2]) * kh * kw * cin * int(out[3])
        elif isinstance(layer, L.Dense):
            total += int(layer.input.shape[-1]) * int(layer.units)
    return total


def build_model(arch: str, classes: int, width: float = 1.0, dropout: float = 0.2) -> keras.Model:
    if arch not in ARCHS:
        raise ValueError(unknown_arch(arch))
    return ARCHS[arch](classes, width=width, dropout=dropout)


def with_augmentation(core: keras.Model, augmenter) -> keras.Model:
    """The training model: augmentation layers (active only when training) before ``core``."""
    if augmenter is None:
        return core
    if keras.backend.backend() == "jax":
        # Keras marks its affine layers not XLA-safe (a TensorFlow limitation); under JAX they
        # trace fine, and one non-jit layer would make the whole train step run eagerly.
        for layer in augmenter._flatten_layers():
            layer.supports_jit = True
    inp = keras.Input((64, 64, 1), name="image")
    return keras.Model(inp, core(augmenter(inp)), name="train_model")


def core_of(model: keras.Model) -> keras.Model:
    """The inference network inside a (possibly augmentation-wrapped) training model."""
    try:
        return model.get_layer(CORE_NAME)
    except ValueError:
        return model


@keras.saving.register_keras_serializable(package="hanzipad")
class WarmupCosine(keras.optimizers.schedules.LearningRateSchedule):
    """The schedule of runs started before :func:`make_schedule` used Keras' ``CosineDecay``:
    kept, under its registered name ``hanzipad>WarmupCosine``, so that their checkpoints load
    and resume with exactly the schedule they were trained with. New runs do not use it.

    Linear warm-up to ``peak`` over ``warmup`` steps, then cosine decay to ``floor`` at
    ``total`` steps (constant after). ``cosine=False``: constant after warm-up."""

    def __init__(self, peak, floor, warmup, total, cosine=True):
        self.peak, self.floor = float(peak), float(floor)
        self.warmup, self.total, self.cosine = int(warmup), int(total), bool(cosine)

    def __call__(self, step):
        from keras import ops

        step = ops.cast(step, "float32")
        warm = self.peak * (step + 1) / max(1, self.warmup)
        if self.cosine:
            span = max(1, self.total - self.warmup)
            t = ops.clip((step - self.warmup) / span, 0.0, 1.0)
            decayed = self.floor + 0.5 * (self.peak - self.floor) * (1 + ops.cos(math.pi * t))
        else:
            decayed = ops.convert_to_tensor(self.peak)
        return ops.where(step < self.warmup, warm, decayed)

    def get_config(self):
        return {"peak": self.peak, "floor": self.floor, "warmup": self.warmup,
                "total": self.total, "cosine": self.cosine}


def make_schedule(cfg) -> keras.optimizers.schedules.CosineDecay:
    """A new run's learning rate: Keras' ``CosineDecay`` with a linear warm-up from
    ``lr / warmup_steps`` to ``lr`` over ``warmup_steps`` steps, then cosine decay to
    ``min_lr`` at ``max_steps`` (``schedule = "constant"``: ``lr`` after the warm-up).

    The same curve as :class:`WarmupCosine` after the warm-up; during it, ``WarmupCosine``
    gives ``lr * (step + 1) / warmup_steps`` and this ``lr / w + (lr - lr / w) * step / w``
    (``w = warmup_steps``): both start at ``lr / w`` and reach ``lr`` at step ``w``, this one
    lower in between by ``lr * step / w**2`` (at most about ``lr / w``, at the warm-up's last
    step)."""
    peak, floor, warmup = float(cfg.lr), float(cfg.min_lr), int(cfg.warmup_steps)
    alpha = 1.0 if cfg.schedule != "cosine" else (floor / peak if peak > 0 else 0.0)
    if warmup > 0:
        return keras.optimizers.schedules.CosineDecay(
            peak / warmup, decay_steps=max(1, cfg.max_steps - warmup), alpha=alpha,
            warmup_target=peak, warmup_steps=warmup)
    return keras.optimizers.schedules.CosineDecay(peak, decay_steps=max(1, cfg.max_steps),
                                                  alpha=alpha)


def stretch_schedule(schedule, max_steps: int) -> bool:
    """Keep a resumed run's schedule's shape over a new ``max_steps`` (a :class:`WarmupCosine`
    of an older run, or a new run's ``CosineDecay``); returns whether it changed."""
    if isinstance(schedule, WarmupCosine):
        if schedule.total == max_steps:
            return False
        schedule.total = max_steps
        return True
    if isinstance(schedule, keras.optimizers.schedules.CosineDecay):
        decay = max(1, max_steps - int(schedule.warmup_steps or 0))
        if schedule.decay_steps == decay:
            return False
        schedule.decay_steps = decay
        return True
    return False


def make_optimizer(cfg):
    schedule = make_schedule(cfg)
    if cfg.optimizer == "adam":
        return keras.optimizers.Adam(schedule)
    if cfg.optimizer == "adamw":
        return keras.optimizers.AdamW(schedule, weight_decay=cfg.weight_decay)
    return keras.optimizers.SGD(schedule, momentum=0.9, nesterov=True)


@keras.saving.register_keras_serializable(package="hanzipad")
class SmoothedCrossentropy(keras.losses.Loss):
    """Categorical cross-entropy with label smoothing on the model's probabilities, the same
    on every Keras backend.

    Keras' own ``CategoricalCrossentropy`` computes from the softmax's logits under TensorFlow
    (it finds them on the output tensor) but from the clipped probabilities (>= 1e-7) under
    JAX: two objectives. With label smoothing they differ a lot — the shipped model, trained
    on JAX, has loss 1.72 under JAX and 2.67 under TensorFlow on the same batch — and a run
    resumed or fine-tuned on the other backend first unlearns its confidence. This loss always
    uses the clipped probabilities (the JAX semantics the shipped model was trained with)."""

    def __init__(self, label_smoothing=0.0, name="smoothed_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        from keras import ops

        # a new tensor: keeps TensorFlow from reaching back to the softmax's logits
        y_pred = ops.divide(y_pred, ops.sum(y_pred, axis=-1, keepdims=True))
        return keras.losses.categorical_crossentropy(
            y_true, y_pred, from_logits=False, label_smoothing=self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def compile_model(model: keras.Model, cfg, jit_compile=False) -> None:
    model.compile(
        optimizer=make_optimizer(cfg),
        loss=SmoothedCrossentropy(label_smoothing=cfg.label_smoothing),
        metrics=[
            keras.metrics.CategoricalAccuracy(name="top1"),
            keras.metrics.TopKCategoricalAccuracy(k=3, name="top3"),
        ],
        steps_per_execution=cfg.steps_per_execution,
        jit_compile=jit_compile,
    )
