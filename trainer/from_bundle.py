"""Rebuild a trainable Keras network from an exported model bundle (``model.tflite``).

The shipped bundle is all that a fresh clone has of the default model's training: its run dir
(``best.keras``) stayed on the machine that trained it. ``--init-from BUNDLE_DIR`` fine-tunes
from the bundle itself: the ``compact`` network named by ``model.json`` (arch, width, classes)
(or ``residual``: the same plus its bottleneck block) is built
and every weight is read back from the ``.tflite`` flatbuffer:

* convolution and dense weights, dequantized when the bundle is int8 (dynamic range, one scale
  per output channel), transposed from TFLite's ``[out, h, w, in]`` to Keras' ``[h, w, in, out]``;
* the converter folds each batch norm (and the input's 1/255 rescale) into the convolution
  before it, so the conv kernel comes back already scaled and the folded bias becomes the batch
  norm's ``beta``. The batch norm's statistics are then set from the network's own activations
  on ``calibration`` images, with ``gamma = sqrt(var + eps)`` and ``beta = bias + mean``: the
  rebuilt network computes exactly the bundle's function at inference, and in training mode its
  batch statistics start where the moving ones are, so fine-tuning does not start with a jolt.

:func:`check_agreement` compares the rebuilt network with the bundle on images; callers refuse
a rebuild that disagrees.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hanzipad.bundle import MODEL_FILE
from trainer.sources.base import SourceError

CONV_LAYERS = ("b1", "b2a", "b2b", "b3a", "b3b", "b4a")
RESIDUAL_LAYERS = ("r1a", "r1b", "r1c")  # the residual network's block only (r1c: no ReLU)
DENSE_LAYERS = ("probs",)
ARCHS = ("compact", "residual")
#: The widest network a bundle may describe (the shipped ones: 1 to 2).
MAX_WIDTH = 16


def conv_layers(core) -> list[str]:
    """The convolution layers (each with its batch norm) that ``core`` has, in order."""
    names = {layer.name for layer in core.layers}
    return [n for n in CONV_LAYERS + RESIDUAL_LAYERS if f"{n}_conv" in names]


def _tflite_weights(path: Path) -> dict[str, np.ndarray]:
    """Constant weight tensors of the bundle's network by Keras layer name (``b2a_conv``,
    ``probs``: kernel; ``*_bias``: bias), dequantized to float32 in TFLite's layout."""
    from hanzipad.recognizer import _interpreter_class

    cls, _ = _interpreter_class()
    try:
        interp = cls(model_path=str(path))
        interp.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise SourceError(f"{path}: not a readable TFLite model ({exc})") from None
    out: dict[str, np.ndarray] = {}
    for d in interp.get_tensor_details():
        name, shape = d["name"], tuple(d["shape"])
        first = name.split(";")[0]
        try:
            value = interp.get_tensor(d["index"])
        except ValueError:
            continue  # an activation buffer, not a constant
        q = d["quantization_parameters"]
        if d["dtype"] == np.int8 and len(q["scales"]):
            scales = np.asarray(q["scales"], np.float32)
            axis = int(q["quantized_dimension"])
            bshape = [1] * value.ndim
            bshape[axis] = -1
            value = value.astype(np.float32) * scales.reshape(bshape)
        value = np.asarray(value, np.float32)
        for layer in CONV_LAYERS + RESIDUAL_LAYERS:
            if len(shape) == 4 and shape[0] > 1 and (f"/{layer}_conv" in first or f"/{layer}_relu" in first):
                out[f"{layer}_conv"] = value
            elif len(shape) == 1 and (f"/{layer}_relu" in first or f"/{layer}_bn" in first):
                out[f"{layer}_bias"] = value  # _bn: a batch norm without a ReLU after it (r1c)
        for dense in DENSE_LAYERS:
            if f"/{dense}" not in first:
                continue
            if len(shape) == 2 and shape[0] > 1 and "MatMul" in name and ";" not in name:
                out[dense] = value
            elif len(shape) == 1 and ("BiasAdd" in first or "Relu" in first):
                out[f"{dense}_bias"] = value
    return out


def keras_from_bundle(bundle_dir: str | Path, calibration: np.ndarray | None = None):
    """A Keras ``compact`` (``residual``) network with the bundle's weights (see the module
    doc)."""
    from trainer import model as M

    bundle_dir = Path(bundle_dir)
    meta_path = bundle_dir / "model.json"
    from hanzipad.bundle import MAX_CLASSES, META_MAX_BYTES, META_MAX_DEPTH
    from hanzipad.fileio import read_json

    try:  # bounded: its size, depth and numbers
        meta = read_json(meta_path, max_bytes=META_MAX_BYTES, max_depth=META_MAX_DEPTH)
    except OSError as exc:
        raise SourceError(f"{meta_path}: cannot read the bundle's description "
                          f"({exc.strerror or exc})") from None
    except ValueError as exc:
        why = str(exc).removeprefix(f"{meta_path}: ")
        raise SourceError(f"{meta_path}: cannot read the bundle's description ({why})") from None
    if not isinstance(meta, dict):
        raise SourceError(f"{meta_path}: the bundle's description is not a JSON object")
    arch, width, classes = meta.get("arch"), meta.get("width"), meta.get("classes")
    if arch not in ARCHS or not isinstance(width, (int, float)) or not isinstance(classes, int):
        raise SourceError(f"{meta_path}: only compact or residual bundles with arch, width and "
                          f"classes in model.json can be fine-tuned (found arch={arch!r}, "
                          f"width={width!r})")
    if isinstance(classes, bool) or not 0 < classes <= MAX_CLASSES:
        raise SourceError(f"{meta_path}: classes {classes:.3g} is not a number of classes (1 to "
                          f"{MAX_CLASSES:,})")
    if isinstance(width, bool) or not 0 < width <= MAX_WIDTH:
        raise SourceError(f"{meta_path}: width {width!r} is not a network width (0 < width <= "
                          f"{MAX_WIDTH})")
    weights = _tflite_weights(bundle_dir / MODEL_FILE)
    dense = DENSE_LAYERS
    convs = CONV_LAYERS + (RESIDUAL_LAYERS if arch == "residual" else ())
    missing = [k for k in [f"{n}_{p}" for n in convs for p in ("conv", "bias")]
               + [f"{d}{p}" for d in dense for p in ("", "_bias")] if k not in weights]
    if missing:
        raise SourceError(f"{bundle_dir / MODEL_FILE}: not the {arch} network model.json "
                          f"describes (no tensor for {', '.join(missing[:3])})")
    core = M.build_model(arch, classes, float(width), float(meta.get("dropout", 0.2)))
    folded = {}
    for d in dense:
        k = weights[d].T
        shape = tuple(core.get_layer(d).kernel.shape)
        if k.shape != shape:
            raise SourceError(f"{bundle_dir / MODEL_FILE}: layer {d} has shape {k.shape}, "
                              f"model.json's width {width} gives {shape}")
        folded[d], folded[f"{d}_bias"] = k, weights[f"{d}_bias"]
    for n in convs:
        k = weights[f"{n}_conv"].transpose(1, 2, 3, 0)
        shape = tuple(core.get_layer(f"{n}_conv").kernel.shape)
        if k.shape != shape:
            raise SourceError(f"{bundle_dir / MODEL_FILE}: layer {n} has shape {k.shape}, "
                              f"model.json's width {width} gives {shape}")
        if n == "b1":
            k = k * 255.0  # the converter folded the 1/255 input rescale into the first kernel
        folded[f"{n}_conv"], folded[f"{n}_bias"] = k, weights[f"{n}_bias"]
    set_folded(core, folded, calibration)
    return core, meta


def set_folded(core, folded: dict[str, np.ndarray], calibration: np.ndarray | None = None) -> None:
    """Give ``core`` the inference function ``folded`` (``{layer}_conv`` kernels in Keras layout
    with each batch norm folded in, ``{layer}_bias``, ``probs``, ``probs_bias``): the
    convolutions take the folded kernels, each batch norm adds the folded bias (a residual
    network's block is three more convolutions, ``r1a``..``r1c``), and with
    ``calibration`` images its statistics are then measured on them (see the module doc)."""
    for n in conv_layers(core):
        bn = core.get_layer(f"{n}_bn")
        core.get_layer(f"{n}_conv").set_weights([np.asarray(folded[f"{n}_conv"], np.float32)])
        b = np.asarray(folded[f"{n}_bias"], np.float32)
        one = np.sqrt(1.0 + bn.epsilon).astype(np.float32)
        bn.set_weights([np.full_like(b, one), b, np.zeros_like(b), np.ones_like(b)])
    for d in DENSE_LAYERS:
        if d in folded:
            core.get_layer(d).set_weights([np.asarray(folded[d], np.float32),
                                           np.asarray(folded[f"{d}_bias"], np.float32)])
    if calibration is not None and len(calibration):
        _calibrate_batch_norm(core, calibration)


def _calibrate_batch_norm(core, images: np.ndarray) -> None:
    import keras

    convs = conv_layers(core)
    probe = keras.Model(core.input, [core.get_layer(f"{n}_conv").output for n in convs])
    for n, (mean, var) in zip(convs, channel_moments(probe, images)):
        bn = core.get_layer(f"{n}_bn")
        gamma, beta, _, _ = bn.get_weights()
        bias = beta  # gamma is sqrt(1 + eps): BN(y) = y + bias before calibration
        bn.set_weights([np.sqrt(var + bn.epsilon), bias + mean, mean, var])


def channel_moments(probe, images: np.ndarray, batch_size: int = 256) -> list[tuple]:
    """Per-channel ``(mean, variance)`` (float32) of each output of the Keras model ``probe``
    over ``images``, accumulated batch by batch (float64 sums) so that no output is held whole."""
    x = np.asarray(images, np.float32)
    sums = None
    for i in range(0, len(x), batch_size):
        outs = probe.predict(x[i:i + batch_size], verbose=0)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        flat = [np.asarray(a, np.float64).reshape(-1, np.shape(a)[-1]) for a in outs]
        part = [(a.sum(0), (a * a).sum(0), len(a)) for a in flat]
        sums = part if sums is None else [(s + t, q + r, n + m)
                                          for (s, q, n), (t, r, m) in zip(sums, part)]
    moments = []
    for total, squares, count in sums:
        mean = total / count
        var = np.maximum(squares / count - mean * mean, 0.0)
        moments.append((mean.astype(np.float32), var.astype(np.float32)))
    return moments


def check_agreement(core, bundle_dir: str | Path, images: np.ndarray) -> float:
    """Top-1 agreement (0..1) of ``core`` with the bundle's own runtime on ``images``."""
    from hanzipad.recognizer import Recognizer

    rec = Recognizer(bundle_dir)
    ours = core.predict(images.astype(np.float32), batch_size=128, verbose=0).argmax(1)
    theirs = rec.probabilities(images).argmax(1)
    return float((ours == theirs).mean())
