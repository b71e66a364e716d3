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


class BundleError(RuntimeError):
    """A model bundle that is missing, incomplete or inconsistent."""


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
        raise BundleError(f"model bundle not found: {path}")
    if not path.is_dir():
        raise BundleError(f"{path}: a model bundle is a folder (with {MODEL_FILE}, {LABELS_FILE}, {META_FILE})")
    missing = [n for n in (MODEL_FILE, LABELS_FILE, META_FILE) if not (path / n).exists()]
    if missing:
        raise BundleError(f"{path}: incomplete model bundle, missing {', '.join(missing)}")
    for name in (MODEL_FILE, LABELS_FILE, META_FILE):
        try:  # a FIFO or a device would block or never end: refused before it is opened
            check_regular_file(path / name)
        except OSError as exc:
            raise BundleError(f"{path / name}: {exc.strerror}") from None
    meta = read_metadata(path / META_FILE)
    labels = read_labels(path / LABELS_FILE)
    if meta["classes"] != len(labels):
        raise BundleError(
            f"{path}: {META_FILE} says {meta['classes']} classes but {LABELS_FILE} has {len(labels)} lines"
        )
    if meta["convention_version"] != CONVENTION_VERSION:
        raise BundleError(
            f"{path}: made for preprocessing convention {meta['convention_version']}, "
            f"this HanziPad uses {CONVENTION_VERSION}; export the model again with this version"
        )
    if meta["input_size"] != IMAGE_SIZE:
        raise BundleError(f"{path}: input size {meta['input_size']} is not {IMAGE_SIZE}")
    if "sha256" in meta:
        digest = file_sha256(path / MODEL_FILE)
        if digest != meta["sha256"].lower():
            raise BundleError(
                f"{path / MODEL_FILE}: its SHA-256 ({digest[:12]}…) is not the one {META_FILE} "
                f"records ({meta['sha256'][:12]}…): the file is damaged or was replaced; "
                "reinstall or export the model again"
            )
    return Bundle(path=path, labels=labels, meta=meta)


def file_sha256(file: Path) -> str:
    """Hex SHA-256 of a file (how model.json's ``"sha256"`` records model.tflite)."""
    h = hashlib.sha256()
    try:
        with open(file, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError as exc:
        raise BundleError(f"{file}: cannot read ({exc.strerror or exc})") from None
    return h.hexdigest()


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
        raise BundleError(f"{file}: cannot read ({exc.strerror or exc})") from None
    except ValueError as exc:  # the message names the file (too deep, huge numbers, not JSON)
        raise BundleError(str(exc)) from None
    if not isinstance(meta, dict):
        raise BundleError(f"{file}: expected a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        raise BundleError(f"{file}: missing keys {', '.join(missing)}")
    if meta["format"] != BUNDLE_FORMAT:
        raise BundleError(f"{file}: format is {meta['format']!r}, expected {BUNDLE_FORMAT!r}")
    if meta["format_version"] != BUNDLE_FORMAT_VERSION:
        raise BundleError(f"{file}: bundle format version {meta['format_version']} is not supported")
    for key in ("input_size", "convention_version", "classes"):
        if not isinstance(meta[key], int) or isinstance(meta[key], bool) or meta[key] <= 0:
            raise BundleError(f"{file}: {key} must be a positive integer, got {meta[key]!r}")
    if meta["classes"] > MAX_CLASSES:
        raise BundleError(f"{file}: classes is {meta['classes']:.3g}, more than the "
                          f"{MAX_CLASSES:,} a bundle may have")
    if "sha256" in meta and not (isinstance(meta["sha256"], str)
                                 and re.fullmatch(r"[0-9a-fA-F]{64}", meta["sha256"])):
        raise BundleError(f"{file}: sha256 must be 64 hexadecimal digits, got {meta['sha256']!r}")
    return meta


def read_labels(file: Path) -> list[str]:
    try:
        text = read_bytes_bounded(file, LABELS_MAX_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BundleError(f"{file}: cannot read labels ({exc})") from None
    except ValueError as exc:
        raise BundleError(f"cannot read labels: {exc}") from None
    labels = text.split("\n")
    if labels and labels[-1] == "":
        labels.pop()
    if not labels:
        raise BundleError(f"{file}: no labels")
    for i, label in enumerate(labels):
        if not label or label != label.strip():
            raise BundleError(f"{file}: line {i + 1} is not a single label ({label!r})")
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
