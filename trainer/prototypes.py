"""``hanzipad-train prototypes``: give a bundle what writer adaptation needs.

Writer adaptation (:mod:`hanzipad.adapt`, style transfer mapping) moves a writer's feature
vectors (the classifier's input to its last dense layer) towards the class prototypes (the
mean feature of each class over writer-independent training data), then classifies them with
the last dense layer. This command makes a bundle able to do that, without changing what it
predicts:

* ``model.tflite`` gets the feature vector as a second output (the input tensor of the last
  ``FULLY_CONNECTED`` op, before the softmax), an edit of the graph's output list only: every
  operator and weight stays as it is, so the probabilities are the same, bit for bit (checked
  on the data before anything is written);
* ``prototypes.npz`` (compressed) holds the prototypes (the mean feature of each class over
  ``--data``, zero for a class the data lacks) as ``prototypes_q`` (int8 ``[classes, D]``) times
  ``prototypes_scale`` (float32, one a class), ``counts`` (int32 ``[classes]``) and ``bias``
  (float32 ``[classes]``) of the last dense layer, whose weights model.json's
  ``"adaptation"."weights"`` locates inside ``model.tflite`` (offset, dtype, shape: the file
  is not made larger by a second copy; int8 weights go into the ``.npz`` as float16), so that
  adapted features can be classified in numpy;
* ``model.json`` gets ``"adaptation"`` (file, its SHA-256, D, the data's description and
  counts) and the new ``"sha256"`` of model.tflite; the data are added to ``"sources"`` with
  ``"stage": "prototypes"``, so their terms (CASIA's for its writers) show in the About box.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hanzipad.bundle import ADAPT_FILE, META_FILE, MODEL_FILE, load_bundle, write_metadata

#: Images classified at a time while the features are summed.
BATCH = 64


class PrototypeError(ValueError):
    """A bundle or data that prototypes cannot be computed for (message names it)."""


def _builtin_names() -> dict[int, str]:
    from tensorflow.lite.python import schema_py_generated as schema

    return {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}


def _op_name(model, op, names) -> str:
    code = model.operatorCodes[op.opcodeIndex]
    return names.get(max(int(code.builtinCode), int(code.deprecatedBuiltinCode)), "?")


_DTYPES = {0: np.float32, 1: np.float16, 9: np.int8, 2: np.int32}
_RAW: dict = {}  # (graph, tensor) -> the constant as the file stores it (float16/32 only)


def _constant(model, graph, index: int, producers, names) -> np.ndarray:
    """The value of a constant tensor (through a DEQUANTIZE of float16 or int8 weights)."""
    tensor = graph.tensors[index]
    buf = model.buffers[tensor.buffer].data if tensor.buffer < len(model.buffers) else None
    if buf is None or len(buf) == 0:
        op = producers.get(index)
        if op is not None and _op_name(model, op, names) == "DEQUANTIZE":
            return _constant(model, graph, int(op.inputs[0]), producers, names)
        raise PrototypeError(f"tensor {tensor.name!r} is not a constant")
    dtype = _DTYPES.get(int(tensor.type))
    if dtype is None:
        raise PrototypeError(f"tensor {tensor.name!r} has an unsupported type {tensor.type}")
    value = np.frombuffer(bytes(bytearray(buf)), dtype).reshape([int(d) for d in tensor.shape])
    if dtype in (np.float16, np.float32):
        _RAW[id(graph), index] = value  # as stored: the app reads the weights from the file
    q = tensor.quantization
    if dtype is np.int8 and q is not None and q.scale is not None and len(q.scale):
        scale = np.asarray(q.scale, np.float32)
        shape = [1] * value.ndim
        shape[int(q.quantizedDimension) if len(scale) > 1 else 0] = -1
        value = value.astype(np.float32) * scale.reshape(shape)
    return np.asarray(value, np.float32)


def add_feature_output(data: bytes) -> tuple[bytes, np.ndarray, np.ndarray, np.ndarray | None]:
    """``model.tflite`` bytes -> (the same model with the last dense layer's input as a second
    output named ``features``, its weights ``[classes, D]``, its bias ``[classes]``, the
    weights as the file stores them when they are float16 or float32, else None). A model
    that already has the output is returned as it is."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils as fu

    names = _builtin_names()
    model = fu.convert_bytearray_to_object(bytearray(data))
    if len(model.subgraphs) != 1:
        raise PrototypeError(f"expected one subgraph, the model has {len(model.subgraphs)}")
    graph = model.subgraphs[0]
    outputs = [int(t) for t in graph.outputs]
    producers = {int(t): op for op in graph.operators for t in op.outputs}
    op = producers.get(outputs[0])
    if op is None or _op_name(model, op, names) != "SOFTMAX":
        raise PrototypeError("the model's output is not a softmax")
    fc = producers.get(int(op.inputs[0]))
    if fc is None or _op_name(model, fc, names) != "FULLY_CONNECTED":
        raise PrototypeError("the softmax does not follow a dense (fully connected) layer")
    options = fc.builtinOptions
    if options is not None and int(getattr(options, "fusedActivationFunction", 0)) != 0:
        raise PrototypeError("the last dense layer has a fused activation")
    feature, w_index = int(fc.inputs[0]), int(fc.inputs[1])
    b_index = int(fc.inputs[2]) if len(fc.inputs) > 2 else -1
    _RAW.clear()
    weights = _constant(model, graph, w_index, producers, names)
    raw = next(iter(_RAW.values()), None)
    if raw is not None and raw.shape != weights.shape:
        raw = None
    # a zero bias is left out by the converter (-1: no tensor)
    bias = (_constant(model, graph, b_index, producers, names) if b_index >= 0
            else np.zeros(weights.shape[0], np.float32))
    if weights.ndim != 2 or bias.shape != (weights.shape[0],):
        raise PrototypeError(f"the last dense layer's weights have shape {weights.shape}")
    if outputs == [outputs[0], feature]:
        return data, weights, bias, raw
    if len(outputs) != 1:
        raise PrototypeError(f"the model has {len(outputs)} outputs; expected one")
    graph.outputs = np.asarray(outputs + [feature], np.int32)
    for sig in model.signatureDefs or []:
        entry = schema.TensorMapT()
        entry.name = b"features"
        entry.tensorIndex = feature
        sig.outputs = list(sig.outputs or []) + [entry]
    return bytes(fu.convert_object_to_bytearray(model)), weights, bias, raw


def _note(message: str) -> None:
    print(message, flush=True)


def compute(model_dir, data: list[str], out=None, every: int = 1, limit: int | None = None,
            argv: list[str] | None = None) -> dict:
    """Compute the prototypes of the bundle ``model_dir`` over ``data`` and write the bundle
    with them to ``out`` (default: ``model_dir`` itself). Returns a summary."""
    from hanzipad.recognizer import Recognizer
    from trainer.pipeline import DataSet
    from trainer.records import public

    model_dir = Path(model_dir)
    bundle = load_bundle(model_dir)
    original = (model_dir / MODEL_FILE).read_bytes()
    new_bytes, weights, bias, raw = add_feature_output(original)
    classes = bundle.classes
    if weights.shape[0] != classes:
        raise PrototypeError(f"{model_dir}: the last dense layer has {weights.shape[0]} outputs, "
                             f"labels.txt lists {classes} characters")
    dim = int(weights.shape[1])
    dataset = DataSet(list(data), bundle.labels)
    scratch_root = Path(tempfile.mkdtemp(prefix=".prototypes."))
    try:
        scratch = scratch_root / "bundle"
        scratch.mkdir()
        for name in (MODEL_FILE, META_FILE, "labels.txt"):
            shutil.copy2(model_dir / name, scratch / name)
        (scratch / MODEL_FILE).write_bytes(new_bytes)
        meta = json.loads((scratch / META_FILE).read_text(encoding="utf-8"))
        meta.pop("sha256", None)
        meta.pop("adaptation", None)
        write_metadata(scratch / META_FILE, meta)
        old = Recognizer(model_dir, num_threads=2)
        new = Recognizer(scratch, num_threads=2)
        if not new.has_features:
            raise PrototypeError(f"{model_dir}: the edited model has no feature output")
        sums = np.zeros((classes, dim), np.float64)
        counts = np.zeros(classes, np.int64)
        seen = correct = checked = differ = 0
        t0 = time.time()
        images, labels = [], []

        def flush():
            nonlocal correct, checked, differ
            x = np.stack(images)
            y = np.asarray(labels)
            probs, feats = new.features(x)
            np.add.at(sums, y, feats.astype(np.float64))
            np.add.at(counts, y, 1)
            correct += int((probs.argmax(1) == y).sum())
            if checked < 1024:  # the edit must not change what the model computes
                p_old = old.probabilities(x)
                differ += int((p_old.argmax(1) != probs.argmax(1)).sum())
                if not np.array_equal(p_old, probs):
                    raise PrototypeError(f"{model_dir}: adding the feature output changed the "
                                         "model's probabilities; nothing written")
                checked += len(x)
            # the features times the dense layer give the model's own scores
            logits = feats[:4].astype(np.float32) @ weights.T + bias
            z = np.exp(logits - logits.max(1, keepdims=True))
            if not np.allclose(z / z.sum(1, keepdims=True), probs[:4], atol=2e-3):
                raise PrototypeError(f"{model_dir}: the dense layer read from the model does "
                                     "not reproduce its outputs; nothing written")
            images.clear()
            labels.clear()

        for k, (image, label) in enumerate(dataset):
            if k % every:
                continue
            images.append(image)
            labels.append(label)
            seen += 1
            if len(images) == BATCH:
                flush()
                if seen % (BATCH * 200) == 0:
                    _note(f"{seen:,} images, {seen / (time.time() - t0):.0f}/s")
            if limit and seen >= limit:
                break
        if images:
            flush()
        if not seen:
            raise PrototypeError(f"{', '.join(data)}: no images")
        protos = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], 0.0)
        arrays, where = pack_prototypes(protos, counts, bias), weights_in_model(new_bytes, raw)
        if where is None:  # (int8 weights) the float16 weights in the prototypes file
            arrays["weights"] = weights.astype(np.float16)
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        npz = buf.getvalue()
        meta = dict(bundle.meta)
        meta["sha256"] = hashlib.sha256(new_bytes).hexdigest()
        described = public(dataset.describe())
        meta["adaptation"] = {
            "file": ADAPT_FILE,
            "sha256": hashlib.sha256(npz).hexdigest(),
            "method": "style transfer mapping (Zhang & Liu, TPAMI 2013) on the last dense "
                      "layer's input",
            "features": dim,
            "feature_output": "features",
            "weights": where or {"in": ADAPT_FILE},
            "images": int(seen),
            "every": int(every),
            "classes_with_samples": int((counts > 0).sum()),
            "train_top1": round(correct / seen, 5),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": public(" ".join(argv)) if argv else None,
            "data": described,
        }
        sources = [s for s in meta.get("sources", []) if s.get("stage") != "prototypes"]
        meta["sources"] = sources + [{"kind": "prototypes", "count": int(seen),
                                      "sources": described, "stage": "prototypes"}]
        target = Path(out) if out else model_dir
        _write(target, new_bytes, npz, meta, model_dir)
        seconds = time.time() - t0
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)
    load_bundle(target)  # it must load as a whole
    return {"out": str(target), "images": seen, "classes": int((counts > 0).sum()),
            "dim": dim, "seconds": round(seconds, 1), "train_top1": correct / seen,
            "bytes": len(npz), "checked": checked, "differ": differ}


def pack_prototypes(protos: np.ndarray, counts: np.ndarray, bias: np.ndarray) -> dict:
    """The arrays of ``prototypes.npz``: prototypes as int8 with a scale per class (a quarter
    of float32; targets need no more), sample counts, the dense layer's bias."""
    peak = np.abs(protos).max(axis=1)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    q = np.clip(np.rint(protos / scale[:, None]), -127, 127).astype(np.int8)
    return {"prototypes_q": q, "prototypes_scale": scale, "counts": counts.astype(np.int32),
            "bias": bias.astype(np.float32)}


def weights_in_model(model_bytes: bytes, raw: np.ndarray | None) -> dict | None:
    """Where ``model.tflite`` stores the dense layer's weights (``{"in", "offset", "dtype",
    "shape"}``), so that the bundle does not carry them twice; None when they cannot be found
    once and only once."""
    if raw is None:
        return None
    pattern = np.ascontiguousarray(raw).astype(raw.dtype.newbyteorder("<")).tobytes()
    offset = model_bytes.find(pattern)
    if offset < 0 or model_bytes.find(pattern, offset + 1) >= 0:
        return None
    return {"in": MODEL_FILE, "offset": offset, "dtype": np.dtype(raw.dtype).name,
            "shape": [int(d) for d in raw.shape]}


def _write(target: Path, model_bytes: bytes, npz: bytes, meta: dict, source: Path) -> None:
    """Write the whole bundle to a new folder beside ``target`` and rename it into place
    (:func:`trainer.bundle_export.replace_bundle`): an interruption leaves the old one."""
    from trainer.bundle_export import replace_bundle

    def fill(tmp: Path) -> None:
        shutil.copy2(source / "labels.txt", tmp / "labels.txt")
        (tmp / MODEL_FILE).write_bytes(model_bytes)
        (tmp / ADAPT_FILE).write_bytes(npz)
        write_metadata(tmp / META_FILE, meta)

    replace_bundle(target, fill)


def prototypes_main(args, argv: list[str] | None = None) -> int:
    from hanzipad.bundle import BundleError
    from trainer.bundle_export import BundleTargetError
    from trainer.sources import SourceError

    try:
        r = compute(args.model, args.data, args.out, args.every, args.limit,
                    ["hanzipad-train"] + list(argv or []))
    except (PrototypeError, BundleError, SourceError, BundleTargetError) as exc:
        print(f"hanzipad-train: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {r['out']}: prototypes of {r['classes']} classes from {r['images']:,} images "
          f"({r['dim']} features, {r['bytes'] / 1e6:.2f} MB) in {r['seconds']:.0f} s; "
          f"top-1 on them {100 * r['train_top1']:.2f} %; the feature output changes no answer "
          f"({r['checked']} images checked)")
    return 0
