"""Write a Keras model as the app's model bundle (model.tflite + labels.txt + model.json)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hanzipad import fileio
from hanzipad.bundle import (
    ADAPT_FILE,
    BUNDLE_FORMAT,
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


#: What a bundle folder may hold: its three files (and the prototypes that
#: ``hanzipad-train prototypes`` adds). Anything else marks a folder that is not (only) a
#: bundle, which export must not replace.
BUNDLE_FILES = frozenset({MODEL_FILE, LABELS_FILE, META_FILE, ADAPT_FILE})


class BundleTargetError(ValueError):
    """``--out`` names something that is not a bundle folder: it is left untouched."""


def bundle_target(out: str | Path) -> Path:
    """The folder to write a bundle to, after checking that writing loses nothing.

    ``out`` may be missing, an empty folder, or a folder holding only bundle files (an earlier
    export), which is replaced. A file, or a folder with anything else in it, is refused with
    :class:`BundleTargetError` naming it and what is in the way. A symlink is followed: the
    bundle is written where it points, and the link stays.
    """
    out = Path(out)
    if out.is_symlink():
        out = out.resolve()
    if not out.exists():
        if out.is_symlink():  # a dangling link
            raise BundleTargetError(f"{out}: a broken symbolic link; give a folder for the bundle")
        return out
    if not out.is_dir():
        raise BundleTargetError(f"{out}: is a file, not a bundle folder; refusing to replace it "
                                "(give a new or bundle folder as --out)")
    try:
        entries = sorted(os.listdir(out))
    except OSError as exc:
        raise BundleTargetError(f"{out}: cannot list the folder ({exc.strerror})") from None
    foreign = [e for e in entries if e not in BUNDLE_FILES or not (out / e).is_file()]
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise BundleTargetError(f"{out}: holds files that are not part of a model bundle "
                                f"({shown}); refusing to replace it (give a new or bundle folder "
                                "as --out)")
    if entries and not _written_bundle(out / META_FILE):
        # only bundle file names, yet no bundle's model.json: nothing proves an export wrote them
        raise BundleTargetError(f"{out}: holds {', '.join(entries)} but no model bundle's "
                                f"{META_FILE}; refusing to replace it (give a new or bundle "
                                "folder as --out)")
    return out


def _written_bundle(meta_file: Path) -> bool:
    """Whether ``meta_file`` is the model.json of a bundle (what export and prototypes write)."""
    try:
        meta = fileio.read_json(meta_file, what=str(meta_file))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == BUNDLE_FORMAT


def write_bundle(out: str | Path, model_bytes: bytes, labels: list[str], **meta) -> Path:
    """Write a complete bundle folder atomically (a temp folder renamed into place).

    Only a missing folder or an existing bundle is replaced (see :func:`bundle_target`)."""
    target = bundle_target(out)

    def fill(tmp: Path) -> None:
        for name, write in (
                (MODEL_FILE, lambda f: f.write_bytes(model_bytes)),
                (LABELS_FILE, lambda f: write_labels(f, labels)),
                (META_FILE, lambda f: write_metadata(f, base_metadata(len(labels), **meta)))):
            try:
                write(tmp / name)
            except OSError as exc:  # a full disk: name the bundle's file, not the temp folder
                raise fileio.write_error(exc, target / name) from None

    return replace_bundle(target, fill)


def replace_bundle(out: str | Path, fill) -> Path:
    """Make a bundle folder with ``fill(tmp)`` in a new folder beside ``out``, then rename it
    into place: an interruption leaves the old bundle (or nothing), never half of one. Only a
    missing folder or an existing bundle is replaced (:func:`bundle_target`)."""
    out = bundle_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; a bundle is installed and shared
    old = None
    try:
        fill(tmp)
        if out.exists():
            out = bundle_target(out)  # checked again right before it is replaced
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, old / out.name)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return out
