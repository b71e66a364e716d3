"""Model bundle: the folder the trainer exports and the app loads.

A bundle holds:

* ``model.tflite`` — input ``[batch, 64, 64, 1]`` float32 with pixel values
  0..255 (bright ink on black; the model normalizes inside), output
  ``[batch, classes]`` probabilities;
* ``labels.txt`` — line *i* is the character of class *i*;
* ``model.json`` — metadata (see :data:`REQUIRED_KEYS` and :func:`write_metadata`); the
  trainer's export also records ``"sha256"``, the SHA-256 of ``model.tflite``.

:func:`load_bundle` validates the three against each other (and ``model.tflite`` against its
``sha256`` when model.json has one; older bundles have none) and raises :class:`BundleError`
naming what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from hanzipad import CONVENTION_VERSION, IMAGE_SIZE
from hanzipad.errors import HanziPadError, Message, os_reason
from hanzipad.fileio import check_regular_file, read_bytes_bounded, read_json

MODEL_FILE = "model.tflite"
LABELS_FILE = "labels.txt"
META_FILE = "model.json"
#: Optional: what writer adaptation needs (class prototypes and the last dense layer), written
#: by ``hanzipad-train prototypes`` with model.json's ``"adaptation"`` (see hanzipad.adapt).
ADAPT_FILE = "prototypes.npz"
BUNDLE_FORMAT = "hanzipad-bundle"
BUNDLE_FORMAT_VERSION = 1

#: Keys model.json must have.
REQUIRED_KEYS = ("format", "format_version", "input_size", "convention_version", "classes")


class BundleError(HanziPadError, RuntimeError):
    """A model bundle that is missing, incomplete or inconsistent (with a code:
    :mod:`hanzipad.errors`)."""


@dataclass
class Bundle:
    path: Path
    labels: list[str]
    meta: dict = field(default_factory=dict)

    @property
    def model_path(self) -> Path:
        return self.path / MODEL_FILE

    @property
    def adapt_path(self) -> Path | None:
        """The bundle's prototypes file when model.json announces one (None: no adaptation)."""
        info = self.meta.get("adaptation")
        if not isinstance(info, dict) or info.get("file") != ADAPT_FILE:
            return None
        return self.path / ADAPT_FILE

    @property
    def input_size(self) -> int:
        return int(self.meta.get("input_size", IMAGE_SIZE))

    @property
    def classes(self) -> int:
        return len(self.labels)

    def describe(self) -> str:
        name = self.meta.get("name") or self.path.name
        return f"{name} ({self.classes} characters)"


def resources_dir() -> Path:
    """The ``resources/`` folder: ``$HANZIPAD_RESOURCES``, inside the frozen app's folder under
    PyInstaller, beside the package in a checkout or editable install, or the installed
    ``hanzipad_resources`` package of a wheel."""
    env = os.environ.get("HANZIPAD_RESOURCES")
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if checkout.is_dir():
        return checkout
    # an installed wheel: pyproject maps resources/ to the package hanzipad_resources
    import importlib.util

    spec = importlib.util.find_spec("hanzipad_resources")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return checkout


def default_bundle_path() -> Path:
    return resources_dir() / "model"


def load_bundle(path: str | Path | None = None) -> Bundle:
    """Read and check a bundle's metadata and labels (the model itself is checked by the
    recognizer when it loads it, against these)."""
    path = Path(path) if path is not None else default_bundle_path()
    if not path.exists():
        raise BundleError.coded("bundle.not_found", path=str(path))
    if not path.is_dir():
        raise BundleError.coded("bundle.not_folder", str(path),
                                files=f"{MODEL_FILE}, {LABELS_FILE}, {META_FILE}")
    missing = [n for n in (MODEL_FILE, LABELS_FILE, META_FILE) if not (path / n).exists()]
    if missing:
        raise BundleError.coded("bundle.incomplete", str(path), missing=", ".join(missing))
    for name in (MODEL_FILE, LABELS_FILE, META_FILE):
        try:  # a FIFO or a device would block or never end: refused before it is opened
            check_regular_file(path / name)
        except OSError as exc:
            reason = os_reason(exc)
            raise BundleError.coded(reason.code, str(path / name), **reason.params) from None
    meta = read_metadata(path / META_FILE)
    labels = read_labels(path / LABELS_FILE)
    if meta["classes"] != len(labels):
        raise BundleError.coded("bundle.classes_mismatch", str(path), meta=META_FILE,
                                classes=meta["classes"], labels=LABELS_FILE, lines=len(labels))
    if meta["convention_version"] != CONVENTION_VERSION:
        raise BundleError.coded("bundle.convention", str(path),
                                theirs=meta["convention_version"], ours=CONVENTION_VERSION)
    if meta["input_size"] != IMAGE_SIZE:
        raise BundleError.coded("bundle.input_size", str(path), theirs=meta["input_size"],
                                ours=IMAGE_SIZE)
    if "sha256" in meta:
        digest = file_sha256(path / MODEL_FILE)
        if digest != meta["sha256"].lower():
            raise BundleError.coded("bundle.sha256_mismatch", str(path / MODEL_FILE),
                                    digest=digest[:12], meta=META_FILE,
                                    recorded=meta["sha256"][:12])
    return Bundle(path=path, labels=labels, meta=meta)


def file_sha256(file: Path) -> str:
    """Hex SHA-256 of a file (how model.json's ``"sha256"`` records model.tflite)."""
    h = hashlib.sha256()
    try:
        with open(file, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise _cannot_read(exc, file) from None
    return h.hexdigest()


def _cannot_read(exc: OSError, file: Path) -> BundleError:
    reason = Message("os.error", errno=exc.errno, text=exc.strerror or str(exc))
    return BundleError.coded("file.cannot_read_short", str(file), reason=reason)


#: Bounds of a bundle's model.json (the shipped one: 100 KB, 27 levels deep).
META_MAX_BYTES = 4 * 1024 * 1024  # 40 times the shipped one; parsing 4 MiB takes ~1 s
META_MAX_DEPTH = 256
#: Largest labels.txt (MAX_CLASSES lines of a few bytes).
LABELS_MAX_BYTES = 16 * 1024 * 1024
#: The most classes a bundle may declare (the shipped model has 3,755).
MAX_CLASSES = 1_000_000


def read_metadata(file: Path) -> dict:
    try:
        meta = read_json(file, max_bytes=META_MAX_BYTES, max_depth=META_MAX_DEPTH)
    except OSError as exc:
        raise _cannot_read(exc, file) from None
    except ValueError as exc:  # the message names the file (too deep, huge numbers, not JSON)
        raise BundleError.of(exc) from None
    if not isinstance(meta, dict):
        raise BundleError.coded("json.not_object", str(file))
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise BundleError.coded("bundle.missing_keys", str(file), keys=", ".join(missing))
    if meta["format"] != BUNDLE_FORMAT:
        raise BundleError.coded("bundle.format", str(file), found=repr(meta["format"]),
                                expected=repr(BUNDLE_FORMAT))
    if meta["format_version"] != BUNDLE_FORMAT_VERSION:
        raise BundleError.coded("bundle.format_version", str(file),
                                version=meta["format_version"])
    for key in ("input_size", "convention_version", "classes"):
        if not isinstance(meta[key], int) or isinstance(meta[key], bool) or meta[key] <= 0:
            raise BundleError.coded("bundle.not_positive", str(file), key=key,
                                    value=repr(meta[key]))
    if meta["classes"] > MAX_CLASSES:
        raise BundleError.coded("bundle.too_many_classes", str(file), classes=meta["classes"],
                                limit=MAX_CLASSES)
    if "sha256" in meta and not (isinstance(meta["sha256"], str)
                                 and re.fullmatch(r"[0-9a-fA-F]{64}", meta["sha256"])):
        raise BundleError.coded("bundle.bad_sha256", str(file), value=repr(meta["sha256"]))
    return meta


def read_labels(file: Path) -> list[str]:
    try:
        text = read_bytes_bounded(file, LABELS_MAX_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError.coded("bundle.cannot_read_labels", str(file), detail=str(exc)) from None
    except ValueError as exc:
        raise BundleError.of(exc, Message("bundle.reading_labels")) from None
    labels = text.split("\n")
    if labels and labels[-1] == "":
        labels.pop()
    if not labels:
        raise BundleError.coded("bundle.no_labels", str(file))
    for i, label in enumerate(labels):
        if not label or label != label.strip():
            raise BundleError.coded("bundle.bad_label", str(file), line=i + 1, label=repr(label))
    return labels


def write_labels(file: Path, labels: list[str]) -> None:
    file.write_text("".join(f"{c}\n" for c in labels), encoding="utf-8")


def base_metadata(classes: int, **extra) -> dict:
    """model.json fields every bundle has; the trainer adds sources, evaluation, command…"""
    meta = {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_FORMAT_VERSION,
        "input_size": IMAGE_SIZE,
        "input": {"shape": [None, IMAGE_SIZE, IMAGE_SIZE, 1], "dtype": "float32", "range": [0, 255],
                  "polarity": "bright ink on black"},
        "convention_version": CONVENTION_VERSION,
        "classes": classes,
    }
    meta.update(extra)
    return meta


def write_metadata(file: Path, meta: dict) -> None:
    file.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
