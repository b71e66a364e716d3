"""Recognizer: 64x64 images -> ranked candidate characters, with a light runtime.

Runs the bundle's ``model.tflite`` with LiteRT (``ai-edge-litert``); when that
is not installed it falls back to TensorFlow's interpreter (imported only then).
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hanzipad import IMAGE_SIZE
from hanzipad.bundle import Bundle, BundleError, load_bundle
from hanzipad.errors import TEMPLATES, HanziPadError


class NonFiniteScores(HanziPadError, ValueError):
    """The model gave scores that are not finite (NaN or infinity) for an input: no candidate
    can be ranked, the bundle is broken (a diverged training run, a damaged file)."""


#: The reason :class:`NonFiniteScores` gives.
NON_FINITE = TEMPLATES["model.scores_not_finite"]


@dataclass(frozen=True)
class Candidate:
    char: str
    prob: float

    def to_dict(self) -> dict:
        return {"char": self.char, "prob": round(self.prob, 6)}


def _interpreter_class():
    try:
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter, "litert"
    except ImportError:
        pass
    try:  # pragma: no cover - depends on what is installed
        import tensorflow as tf

        return tf.lite.Interpreter, "tensorflow"
    except ImportError:
        raise BundleError.coded("model.no_runtime") from None


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence the runtime's native start-up chatter ("Created TensorFlow Lite XNNPACK
    delegate…") written straight to file descriptor 2."""
    try:
        saved = os.dup(2)
    except OSError:  # no usable stderr (a windowed app): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
    finally:
        os.close(saved)


class Recognizer:
    """Classify normalized 64x64 images with a model bundle.

    Thread-safe: calls are serialized (the GUI's worker and tests may share one).
    """

    def __init__(self, bundle: Bundle | str | Path | None = None, num_threads: int = 1):
        self.bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
        cls, self.runtime = _interpreter_class()
        self._lock = threading.Lock()
        try:
            self._open(cls, num_threads)
        except BundleError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged model fails in many ways
            raise BundleError.coded("model.invalid", str(self.bundle.model_path),
                                    detail=f"{type(exc).__name__}: {str(exc).strip()[:300]}"
                                    ) from None

    def _open(self, cls, num_threads: int) -> None:
        with _quiet_native_stderr():
            self._interp = cls(model_path=str(self.bundle.model_path), num_threads=num_threads)
        inp = self._interp.get_input_details()
        out = self._interp.get_output_details()
        if len(inp) != 1 or len(out) not in (1, 2):
            raise BundleError.coded("model.inputs_outputs", str(self.bundle.model_path))
        shape = tuple(int(d) for d in inp[0]["shape"])
        if len(shape) != 4 or shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 1):
            raise BundleError.coded("model.input_shape", str(self.bundle.model_path),
                                    shape=list(shape), size=IMAGE_SIZE)
        classes = int(out[0]["shape"][-1])
        if classes != self.bundle.classes:
            raise BundleError.coded("model.classes_mismatch", str(self.bundle.path),
                                    outputs=classes, classes=self.bundle.classes)
        self._in = inp[0]["index"]
        self._in_dtype = inp[0]["dtype"]
        self._out = out[0]["index"]
        # a second output: the feature vector before the last dense layer (writer adaptation)
        self._features = out[1]["index"] if len(out) == 2 else None
        self._batch = shape[0]
        with _quiet_native_stderr():
            self._interp.allocate_tensors()
            # One run now, so the first character the user draws is not the slow one; and a
            # check that the model computes numbers (a diverged training run gives NaN).
            probs = self.probabilities(np.zeros((1, IMAGE_SIZE, IMAGE_SIZE), np.uint8))
        if probs.shape != (1, classes):
            raise BundleError.coded("model.output_shape", str(self.bundle.model_path),
                                    shape=list(probs.shape), classes=classes)
        if not np.isfinite(probs).all():
            raise BundleError.coded("model.outputs_not_finite", str(self.bundle.model_path))

    @property
    def labels(self) -> list[str]:
        return self.bundle.labels

    @property
    def has_features(self) -> bool:
        """Whether the model gives its feature vector too (see :meth:`features`)."""
        return self._features is not None

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """``[n, 64, 64]`` (or ``[n, 64, 64, 1]``) uint8 images -> ``[n, classes]`` probabilities."""
        return self._run(images, False)[0]

    def features(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(probabilities [n, classes], features [n, D])``: the feature vector is the last
        dense layer's input (a bundle prepared by ``hanzipad-train prototypes``); BundleError
        for a model without it."""
        if self._features is None:
            raise BundleError.coded("model.no_features", str(self.bundle.model_path))
        return self._run(images, True)

    def _run(self, images: np.ndarray, features: bool) -> tuple[np.ndarray, np.ndarray | None]:
        x = np.asarray(images)
        if x.ndim == 2:
            x = x[None]
        if x.ndim == 3:
            x = x[..., None]
        if x.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 1):
            raise ValueError(f"expected images of {IMAGE_SIZE}x{IMAGE_SIZE}, got shape {x.shape}")
        x = x.astype(self._in_dtype, copy=False)
        with self._lock:
            if x.shape[0] != self._batch:
                self._interp.resize_tensor_input(self._in, list(x.shape))
                self._interp.allocate_tensors()
                self._batch = x.shape[0]
            self._interp.set_tensor(self._in, x)
            self._interp.invoke()
            probs = np.array(self._interp.get_tensor(self._out), dtype=np.float32)
            feats = (np.array(self._interp.get_tensor(self._features), dtype=np.float32)
                     if features else None)
        return probs, feats

    def classify(self, image: np.ndarray, k: int = 10) -> list[Candidate]:
        """Top-``k`` candidates for one 64x64 image, most probable first."""
        return self.classify_batch(np.asarray(image)[None], k)[0]

    def classify_batch(self, images: np.ndarray, k: int = 10) -> list[list[Candidate]]:
        probs = self.probabilities(images)
        return [self._top(p, k) for p in probs]

    def _top(self, p: np.ndarray, k: int) -> list[Candidate]:
        """The ``k`` best of one row of scores; :class:`NonFiniteScores` when any score is NaN
        or infinite (a ranking of them means nothing: NaN sorts anywhere)."""
        if not np.isfinite(p).all():
            raise NonFiniteScores.coded("model.scores_not_finite")
        k = max(1, min(k, p.shape[0]))
        idx = np.argpartition(-p, k - 1)[:k]
        idx = idx[np.argsort(-p[idx], kind="stable")]
        return [Candidate(self.labels[i], float(p[i])) for i in idx]
