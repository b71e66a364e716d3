"""Write a Keras model as the app's model bundle (model.tflite + labels.txt + model.json)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hanzipad.bundle import (
    LABELS_FILE,
    META_FILE,
    MODEL_FILE,
    base_metadata,
    write_labels,
    write_metadata,
)


def tflite_bytes(model, quantize: str | None = None) -> bytes:
    """Convert a Keras model (input [batch, 64, 64, 1] float 0..255) to a TFLite flatbuffer.

    ``quantize``: None (float32), ``"float16"`` (weights in float16) or ``"int8"``
    (dynamic-range: int8 weights, float activations).
    """
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if quantize == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "int8":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif quantize is not None:
        raise ValueError(f"unknown quantization {quantize!r} (use float16 or int8)")
    return converter.convert()


def write_bundle(out: str | Path, model_bytes: bytes, labels: list[str], **meta) -> Path:
    """Write a complete bundle folder atomically (a temp folder renamed into place)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a bundle is installed and shared
    try:
        (tmp / MODEL_FILE).write_bytes(model_bytes)
        write_labels(tmp / LABELS_FILE, labels)
        write_metadata(tmp / META_FILE, base_metadata(len(labels), **meta))
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
