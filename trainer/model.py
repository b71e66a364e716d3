"""Networks: input ``[batch, 64, 64, 1]`` float 0..255 (bright ink on black), rescaled inside
the model, output ``[batch, classes]`` softmax probabilities (float32 even under mixed precision).

* ``compact`` (default): VGG-style, batch norm, global average pooling; ``width`` scales channels.
* ``layout``: ``compact`` plus a layout head: the last 8x8 feature map, max-pooled to a 4x4
  grid, goes through a fully connected layer (``c(256)`` units) whose output is classified
  beside the global average. Global pooling forgets *where* a component sits (口 left or
  right, 土 above or below); the grid keeps it for about 2 M multiply-adds more.
  A ``compact`` network of the same width grows into it without changing what it predicts
  (:func:`grow_into`).
* ``residual``: ``compact`` plus a residual bottleneck block on the last 8x8 map (1x1 to
  ``c(128)``, 3x3, 1x1 back to ``c(256)``, added to its input): two more layers of depth where
  the features are most abstract, for about 14 M multiply-adds more (148 M at width 1.0). The
  block's last batch norm starts at zero (``gamma = 0``: the block starts as the identity), so a
  ``compact`` network grows into it too without changing what it predicts.
* ``article``: the article's network for reference: conv-pool, conv-pool, fully connected.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers as L

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


def layout(classes: int, width: float = 1.0, dropout: float = 0.2) -> keras.Model:
    inp, x = _compact_body(width)
    pooled = L.GlobalAveragePooling2D(name="gap")(x)
    grid = L.MaxPooling2D(name="grid_pool")(x)  # 4x4
    grid = L.Flatten(name="grid_flat")(grid)
    if dropout > 0:
        grid = L.Dropout(dropout, name="grid_dropout")(grid)
    grid = L.Dense(_channels(width)(256), activation="relu", name="grid_fc")(grid)
    x = L.Concatenate(name="features")([pooled, grid])
    if dropout > 0:
        x = L.Dropout(dropout, name="dropout")(x)
    out = L.Dense(classes, activation="softmax", dtype="float32", name="probs")(x)
    return keras.Model(inp, out, name=CORE_NAME)


def residual(classes: int, width: float = 1.0, dropout: float = 0.2) -> keras.Model:
    return compact(classes, width, dropout, residual=True)


def is_layout(model: keras.Model) -> bool:
    """Whether ``model`` is a ``layout`` network (it has the grid head)."""
    return any(layer.name == "grid_fc" for layer in model.layers)


def is_residual(model: keras.Model) -> bool:
    """Whether ``model`` is a ``residual`` network (it has the bottleneck block)."""
    return any(layer.name == "r1_add" for layer in model.layers)


def grows(src: keras.Model, core: keras.Model) -> bool:
    """Whether ``core`` is a grown ``src``: a ``layout`` or ``residual`` network where ``src``
    is a plain ``compact`` one (see :func:`grow_into`)."""
    plain = not (is_layout(src) or is_residual(src))
    return plain and (is_layout(core) or is_residual(core))


def grow_into(src: keras.Model, core: keras.Model) -> list[str]:
    """Give the ``layout`` or ``residual`` network ``core`` the weights of the ``compact``
    network ``src`` of the same width and classes, so that it predicts exactly what ``src``
    does: every shared layer is copied; a layout network's classifier rows for the grid
    features start at zero, a residual network's block keeps the weights it has (fresh ones,
    or a trained block's when ``average`` grows a compact member) with its last batch norm's
    scale and shift set to zero (the block adds nothing until it learns). Returns the layers
    copied; raises ValueError naming the first layer that does not fit."""
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
        if layer.name == "probs":
            kernel, bias = theirs
            if mine[0].shape[1] != kernel.shape[1] or mine[0].shape[0] < kernel.shape[0]:
                raise ValueError(f"classifier {kernel.shape} does not fit {mine[0].shape}")
            grown = np.zeros_like(mine[0])
            grown[:kernel.shape[0]] = kernel
            ours.set_weights([grown, bias])
        else:
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


def article(classes: int, width: float = 1.0, dropout: float = 0.2) -> keras.Model:
    """conv(32)-pool, conv(64)-pool, FC classes (as in the article the project started from)."""
    inp = keras.Input((64, 64, 1), name="image")
    x = L.Rescaling(1 / 255.0, name="rescale")(inp)
    x = L.Conv2D(int(32 * width), 3, padding="same", activation="relu", name="conv1")(x)
    x = L.MaxPooling2D(name="pool1")(x)
    x = L.Conv2D(int(64 * width), 3, padding="same", activation="relu", name="conv2")(x)
    x = L.MaxPooling2D(name="pool2")(x)
    x = L.Flatten(name="flatten")(x)
    if dropout > 0:
        x = L.Dropout(dropout, name="dropout")(x)
    out = L.Dense(classes, activation="softmax", dtype="float32", name="probs")(x)
    return keras.Model(inp, out, name=CORE_NAME)


ARCHS = {"compact": compact, "layout": layout, "residual": residual, "article": article}


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
        raise ValueError(f"unknown arch {arch!r} (use {', '.join(ARCHS)})")
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
    """Linear warm-up to ``peak`` over ``warmup`` steps, then cosine decay to ``floor`` at
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


def make_optimizer(cfg):
    schedule = WarmupCosine(cfg.lr, cfg.min_lr, cfg.warmup_steps, cfg.max_steps,
                            cosine=cfg.schedule == "cosine")
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
