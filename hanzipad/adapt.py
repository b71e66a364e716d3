"""Writer adaptation: the pad learns its writer's hand (numpy only, no Qt).

Style transfer mapping (STM; Zhang & Liu, "Writer adaptation with style transfer mapping",
IEEE TPAMI 2013) maps a writer's feature vectors ``s`` (the classifier's input to its last
dense layer) with an affine transform ``A s + b`` onto the writer-independent class
prototypes ``t`` (the mean feature of each class over the training writers), fitted in closed
form from the characters the writer confirmed::

    minimise  sum_i f_i ||A s_i + b - t_i||^2 + beta ||A - I||_F^2 + gamma ||b||^2

(``t_i`` the prototype of sample *i*'s label, ``f_i`` its weight: 1 for a character the writer
picked, less for one only accepted). The map is fitted on the features' square roots (the
features are a ReLU's outputs; ``s`` and ``t`` above are ``sqrt(features)`` and
``sqrt(prototypes)``, :data:`POWER`), which the tuning writers and the held-out ones both
preferred to the features themselves (-15 % instead of -12 % error, no writer worse by more
than 0.5 point). The adapted features, squared back, then go through the bundle's own last
dense layer (``W (A s + b)^2 + c``), so the map generalises to characters the writer never
wrote to the pad. ``beta`` and ``gamma`` are given relative to the data (:data:`BETA`,
:data:`GAMMA`: see :func:`fit_stm`) and were tuned with ``tests/benchmarks/adapt_check.py``.

A bundle supports adaptation when ``hanzipad-train prototypes`` gave it a feature output and
``prototypes.npz`` (:class:`Adaptation`); older bundles work as before, without it.

The profile (:class:`Profile`, a JSON file) keeps the labelled ink (so that another model can
be fitted again from it), the features of that ink and the fitted transform, both for one
bundle (named by the SHA-256 of its model.tflite and of its prototypes), a format version;
at most :data:`MAX_SAMPLES` samples (the oldest are dropped). It is written atomically
(:mod:`hanzipad.fileio`). A damaged, truncated or future-version profile raises
:class:`ProfileError` with one line naming the file; one made for another bundle is fitted
again from its ink (:meth:`Profile.fit`), never applied as it is.
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hanzipad.bundle import Bundle, BundleError, file_sha256
from hanzipad.errors import HanziPadError, Message, os_reason, part
from hanzipad.ink import MAX_COORDINATE, Ink, InkError
from hanzipad.userwords import set_aside  # noqa: F401 - the pad keeps a damaged profile aside

PROFILE_FORMAT = "hanzipad-profile"
PROFILE_VERSION = 1
#: Most samples a profile keeps; the oldest are dropped beyond it.
MAX_SAMPLES = 3000
#: Largest profile file read (a full profile is a few MB).
MAX_PROFILE_BYTES = 64 * 1024 * 1024
#: The map is fitted and applied to the features raised to this power (square roots: the
#: features are a ReLU's outputs, >= 0), then raised back (see :class:`AdaptedClassifier`).
POWER = 0.5
#: Regularisation towards the identity, relative to the mean squared feature per dimension
#: times the total sample weight (see :func:`fit_stm`).
BETA = 1.0
#: Regularisation of the shift, relative to the total sample weight.
GAMMA = 0.1
#: Below this total sample weight, ``beta`` is raised as if there were that much (a few
#: characters move the map less: 50 learned characters helped 5 of 20 writers less often).
MIN_WEIGHT = 300.0
#: Weight of a character the writer clicked, typed by number or picked again.
STRONG = 1.0
#: Weight of a top candidate accepted by writing on (it may be wrong and unnoticed).
WEAK = 0.3


class ProfileError(HanziPadError, ValueError):
    """A profile that cannot be used: one line naming the file and why."""


class AdaptationError(BundleError):
    """A bundle's adaptation data that are missing or inconsistent."""


# -- the bundle's part --------------------------------------------------------------------------

@dataclass
class Adaptation:
    """A bundle's prototypes ``[classes, D]``, their sample ``counts``, and its last dense layer
    (``weights [classes, D]``, ``bias [classes]``), read from ``prototypes.npz``."""

    prototypes: np.ndarray
    counts: np.ndarray
    weights: np.ndarray
    bias: np.ndarray
    model_sha256: str
    sha256: str

    @property
    def dim(self) -> int:
        return int(self.prototypes.shape[1])

    @classmethod
    def load(cls, bundle: Bundle) -> Adaptation | None:
        """The bundle's adaptation data, None when it has none (an older bundle);
        :class:`AdaptationError` when they are damaged."""
        path = bundle.adapt_path
        if path is None:
            return None
        info = bundle.meta["adaptation"]
        try:
            digest = file_sha256(path)
        except BundleError as exc:
            raise AdaptationError.of(exc) from None
        if isinstance(info.get("sha256"), str) and digest != info["sha256"].lower():
            raise AdaptationError.coded("adapt.sha256_mismatch", str(path))
        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: np.asarray(z[k], np.float32) for k in ("counts", "bias")}
                if "prototypes" in z:
                    arrays["prototypes"] = np.asarray(z["prototypes"], np.float32)
                else:  # int8 with a scale per class
                    arrays["prototypes"] = (np.asarray(z["prototypes_q"], np.float32)
                                            * np.asarray(z["prototypes_scale"],
                                                         np.float32)[:, None])
                if "weights" in z:
                    arrays["weights"] = np.asarray(z["weights"], np.float32)
        except (OSError, ValueError, KeyError, IndexError, EOFError) as exc:
            raise AdaptationError.coded("adapt.unreadable", str(path), detail=str(exc)) from None
        c = bundle.classes
        if "weights" not in arrays:
            arrays["weights"] = _weights_in_model(bundle, info.get("weights"),
                                                  arrays["prototypes"].shape)
        p, w = arrays["prototypes"], arrays["weights"]
        if (p.ndim != 2 or p.shape[0] != c or w.shape != p.shape
                or arrays["bias"].shape != (c,) or arrays["counts"].shape != (c,)):
            raise AdaptationError.coded("adapt.shapes", str(path), prototypes=p.shape,
                                        weights=w.shape, classes=c)
        if not all(np.isfinite(a).all() for a in arrays.values()):
            raise AdaptationError.coded("adapt.not_finite", str(path))
        model_sha = bundle.meta.get("sha256") or file_sha256(bundle.model_path)
        return cls(p, arrays["counts"], w, arrays["bias"], str(model_sha).lower(), digest)


def _weights_in_model(bundle: Bundle, where, shape) -> np.ndarray:
    """The last dense layer's weights read where model.json says model.tflite stores them
    (the file's SHA-256 was checked when the bundle loaded)."""
    if (not isinstance(where, dict) or where.get("in") != bundle.model_path.name
            or where.get("dtype") not in ("float16", "float32")
            or where.get("shape") != list(shape)
            or not isinstance(where.get("offset"), int) or where["offset"] < 0):
        raise AdaptationError.coded("adapt.no_weights", str(bundle.path))
    dtype = np.dtype(where["dtype"]).newbyteorder("<")
    size = int(np.prod(shape)) * dtype.itemsize
    try:
        with open(bundle.model_path, "rb") as f:
            f.seek(where["offset"])
            data = f.read(size)
    except OSError as exc:
        reason = Message("os.error", errno=exc.errno, text=str(exc))
        raise AdaptationError.coded("file.cannot_read_short", str(bundle.model_path),
                                    reason=reason) from None
    if len(data) != size:
        raise AdaptationError.coded("adapt.model_too_short", str(bundle.model_path))
    return np.frombuffer(data, dtype).reshape(shape).astype(np.float32)


# -- the transform ------------------------------------------------------------------------------

def fit_stm(sources: np.ndarray, targets: np.ndarray, weights: np.ndarray | None = None,
            beta: float = BETA, gamma: float = GAMMA, min_weight: float = MIN_WEIGHT
            ) -> tuple[np.ndarray, np.ndarray]:
    """``(A, b)`` minimising ``sum_i f_i ||A s_i + b - t_i||^2 + beta' ||A - I||^2 +
    gamma' ||b||^2`` in closed form, with ``beta' = beta * sum_i f_i ||s_i||^2 / D`` and
    ``gamma' = gamma * sum_i f_i`` (so that ``beta`` and ``gamma`` do not depend on the
    features' scale or the number of samples; ``beta'`` grows by ``min_weight / sum_i f_i``
    below ``min_weight``)::

        f^ = sum f + gamma',  s^ = sum f s,  t^ = sum f t
        Q = sum f s s' - s^ s^' / f^ + beta' I,  P = sum f t s' - t^ s^' / f^ + beta' I
        A = P Q^-1,  b = (t^ - A s^) / f^
    """
    s = np.asarray(sources, np.float64)
    t = np.asarray(targets, np.float64)
    n, d = s.shape
    f = np.ones(n) if weights is None else np.asarray(weights, np.float64)
    total = float(f.sum())
    if n == 0 or total <= 0:
        return np.eye(d, dtype=np.float32), np.zeros(d, np.float32)
    fs = s * f[:, None]
    beta_ = beta * float((fs * s).sum()) / d * max(1.0, min_weight / total)
    gamma_ = gamma * total
    f_hat = total + gamma_
    s_hat, t_hat = fs.sum(0), (t * f[:, None]).sum(0)
    eye = np.eye(d)
    q = fs.T @ s - np.outer(s_hat, s_hat) / f_hat + beta_ * eye
    p = (t * f[:, None]).T @ s - np.outer(t_hat, s_hat) / f_hat + beta_ * eye
    a = np.linalg.solve(q.T, p.T).T  # P Q^-1 (Q is symmetric)
    b = (t_hat - a @ s_hat) / f_hat
    return a.astype(np.float32), b.astype(np.float32)


@dataclass
class Transform:
    """A fitted map ``A s + b`` and the bundle it belongs to."""

    a: np.ndarray
    b: np.ndarray
    model_sha256: str
    prototypes_sha256: str
    samples: int = 0
    #: the map works on ``features ** power`` (1: on the features themselves, as version 1's
    #: maps did; :data:`POWER` for the ones fitted now)
    power: float = 1.0

    def fits(self, adaptation: Adaptation) -> bool:
        """Fitted for this bundle, the way this HanziPad fits (else it is fitted again)."""
        return (self.model_sha256 == adaptation.model_sha256
                and self.prototypes_sha256 == adaptation.sha256
                and self.a.shape == (adaptation.dim, adaptation.dim)
                and self.power == POWER)


#: Rows of the dense layer multiplied at a time for one character (see AdaptedClassifier).
_SLICE = 512


class AdaptedClassifier:
    """The last dense layer after a writer's map: features -> probabilities. The map is applied
    to the features (``(A s^p + b)^(1/p)``, 65 k multiply-adds; ``s^p`` of a negative feature and
    a negative mapped value are 0) rather than folded into the layer, so a refit costs no
    ``[classes, D] x [D, D]`` product."""

    def __init__(self, adaptation: Adaptation, transform: Transform | None):
        self.weights, self.bias = adaptation.weights, adaptation.bias
        self.a = None if transform is None else np.ascontiguousarray(transform.a.T, np.float32)
        self.b = None if transform is None else np.asarray(transform.b, np.float32)
        self.power = 1.0 if transform is None else float(transform.power)

    def probabilities(self, features: np.ndarray, among: np.ndarray | None = None) -> np.ndarray:
        """Probabilities ``[n, classes]`` of feature rows ``[n, D]``; with ``among`` (class
        indices), only those classes are scored, their probabilities normalised over them,
        the others 0 (the whole dense layer, 3.8 MB, is not read: see
        :data:`hanzipad.handstyle.SHORTLIST`)."""
        x = np.atleast_2d(np.asarray(features, np.float32))
        if self.a is not None:
            x = _map(x, self.a, self.b, self.power)
        if among is not None:
            among = np.asarray(among, np.intp)
            z = x @ self.weights[among].T + self.bias[among]
            z -= z.max(axis=-1, keepdims=True)
            np.exp(z, out=z)
            z /= z.sum(axis=-1, keepdims=True)
            out = np.zeros((len(x), len(self.weights)), np.float32)
            out[:, among] = z
            return out
        if len(x) <= 4:  # one character: in slices small enough for BLAS to stay on one
            # thread (a whole [3755, 256] product wakes its thread pool: 8 ms on a busy CPU)
            w = self.weights
            z = np.concatenate([x @ w[i:i + _SLICE].T for i in range(0, len(w), _SLICE)], 1)
            z += self.bias
        else:
            z = x @ self.weights.T + self.bias
        z -= z.max(axis=-1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=-1, keepdims=True)
        return z


def _power(x: np.ndarray, p: float) -> np.ndarray:
    if p == 1.0:
        return x
    x = np.maximum(x, 0)
    return np.sqrt(x) if p == 0.5 else x ** p


def _map(x: np.ndarray, a_t: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """``(x^p A' + b)^(1/p)`` for rows ``x`` (``a_t``: A transposed)."""
    y = _power(x, p) @ a_t + b
    if p == 1.0:
        return y
    y = np.maximum(y, 0, out=y)
    return y * y if p == 0.5 else y ** (1.0 / p)


def fit_samples(adaptation: Adaptation, features: np.ndarray, labels: np.ndarray,
                weights: np.ndarray, beta: float = BETA, gamma: float = GAMMA,
                power: float = POWER, min_weight: float = MIN_WEIGHT
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """Fit STM on samples whose label indexes a class with a prototype (others, label -1 or
    a class the prototype data lacked, are left out); returns ``(A, b, samples used)``, a map
    of ``features ** power`` onto ``prototypes ** power`` (for a :class:`Transform` of that
    ``power``)."""
    labels = np.asarray(labels, np.int64)
    ok = labels >= 0
    ok[ok] = adaptation.counts[labels[ok]] > 0
    a, b = fit_stm(_power(np.asarray(features[ok], np.float64), power),
                   _power(adaptation.prototypes[labels[ok]].astype(np.float64), power),
                   weights[ok], beta, gamma, min_weight)
    return a, b, int(ok.sum())


# -- the profile --------------------------------------------------------------------------------

@dataclass
class Sample:
    """One labelled character: its pen points ``[n, 3]`` (x, y, pressure; NaN: none) and the
    number of points of each stroke (time stamps are not kept: drawing does not use them)."""

    label: str
    points: np.ndarray
    strokes: tuple[int, ...]
    width: float = 0.0
    height: float = 0.0
    weight: float = STRONG
    added: float = 0.0  #: when (seconds since the epoch)

    @property
    def key(self) -> tuple:
        """What tells this sample from another of the same file (a re-pick changes the label)."""
        return (round(self.added, 3), self.strokes)

    @classmethod
    def from_ink(cls, ink: Ink, label: str, weight: float, added: float) -> Sample:
        x0, y0 = (ink.bounds() or (0.0, 0.0))[:2]  # drawing ignores where the ink lies:
        pts = [(p.x - x0, p.y - y0, np.nan if p.pressure is None else p.pressure)  # float32
               for stroke in ink.strokes for p in stroke]  # keeps its extent exact
        return cls(label, np.asarray(pts, np.float32).reshape(-1, 3),
                   tuple(len(st) for st in ink.strokes if len(st)), float(ink.width),
                   float(ink.height), weight, added)

    def ink(self) -> Ink:
        out, start = [], 0
        for n in self.strokes:
            out.append([[float(x), float(y)] if np.isnan(pr) else
                        [float(x), float(y), 0.0, float(pr)]
                        for x, y, pr in self.points[start:start + n]])
            start += n
        return Ink.from_lists(out, self.width, self.height)

    def to_dict(self) -> dict:
        return {"label": self.label, "weight": self.weight, "added": round(self.added, 3),
                "width": self.width, "height": self.height, "strokes": list(self.strokes),
                "points": base64.b64encode(
                    np.ascontiguousarray(self.points, "<f4").tobytes()).decode("ascii")}

    @classmethod
    def from_dict(cls, s, where: str) -> Sample:
        if not isinstance(s, dict) or not isinstance(s.get("label"), str) or not s["label"]:
            raise ValueError(f"{where}: no label")
        weight = _number(s.get("weight", STRONG), f"{where}: weight")
        if not 0 < weight <= 1:
            raise ValueError(f"{where}: weight {weight!r}")
        strokes = s.get("strokes")
        if (not isinstance(strokes, list) or not strokes
                or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0
                           for n in strokes)):
            raise ValueError(f"{where}: no strokes")
        points = np.frombuffer(base64.b64decode(s.get("points", ""), validate=True), "<f4")
        if points.size != 3 * sum(strokes):
            raise ValueError(f"{where}: {points.size // 3} points, the strokes say "
                             f"{sum(strokes)}")
        points = points.reshape(-1, 3).astype(np.float32)
        xy, pressure = points[:, :2], points[:, 2]
        if not np.isfinite(xy).all() or np.abs(xy).max() > MAX_COORDINATE:
            raise ValueError(f"{where}: coordinates that are not finite or too large")
        if ((pressure < 0) | (pressure > 1)).any():  # (NaN compares False: no pressure)
            raise ValueError(f"{where}: pressure outside 0..1")
        size = [_number(s.get(k, 0.0), f"{where}: {k}") for k in ("width", "height")]
        added = s.get("added", 0.0)
        return cls(s["label"], points, tuple(strokes), size[0], size[1], weight,
                   float(added) if isinstance(added, (int, float)) else 0.0)


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ValueError(f"{where} is not a number")
    return float(value)


def _b64(array: np.ndarray, dtype) -> dict:
    a = np.ascontiguousarray(array, dtype)
    return {"dtype": np.dtype(dtype).name, "shape": list(a.shape),
            "data": base64.b64encode(a.tobytes()).decode("ascii")}


def _unb64(obj, where: str) -> np.ndarray:
    if not isinstance(obj, dict) or obj.get("dtype") not in ("float16", "float32"):
        raise ValueError(f"{where}: not an array")
    shape = obj.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise ValueError(f"{where}: bad shape")
    raw = base64.b64decode(obj.get("data", ""), validate=True)
    a = np.frombuffer(raw, obj["dtype"])
    if a.size != int(np.prod(shape)):
        raise ValueError(f"{where}: {a.size} values for shape {shape}")
    a = a.reshape(shape).astype(np.float32)
    if not np.isfinite(a).all():
        raise ValueError(f"{where}: values that are not finite")
    return a


@dataclass
class Profile:
    """A writer's profile: labelled ink, its features and the fitted transform for one bundle."""

    path: Path | None = None
    samples: list[Sample] = field(default_factory=list)
    #: features of ``samples`` (float16 ``[n, D]``) under the bundle ``features_for``
    features: np.ndarray | None = None
    features_for: tuple[str, str] | None = None
    transform: Transform | None = None
    created: float = field(default_factory=time.time)
    #: The keys of the samples the file held when this profile last read or wrote it.
    on_disk: frozenset = field(default_factory=frozenset, repr=False, compare=False)
    #: Samples another program had added to the file, taken in by the last :meth:`save`.
    merged: int = field(default=0, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.samples)

    # ---- changes

    def add(self, ink: Ink, label: str, weight: float = STRONG, when: float | None = None) -> None:
        """Keep one labelled ink (the oldest samples go beyond :data:`MAX_SAMPLES`). Its
        features are computed by the next :meth:`fit`."""
        if not isinstance(label, str) or not label or len(label) > 16 or label != label.strip():
            raise ValueError(f"not a character label: {label!r}")
        if not 0 < weight <= 1:
            raise ValueError(f"a sample's weight is in (0, 1], not {weight!r}")
        if ink.is_empty():
            raise ValueError("the ink has no strokes")
        self.samples.append(Sample.from_ink(ink, label, float(weight),
                                            time.time() if when is None else when))
        self._trim()

    def forget(self) -> None:
        """Drop every sample and the transform."""
        self.samples.clear()
        self.features = None
        self.features_for = None
        self.transform = None

    def _trim(self) -> None:
        extra = len(self.samples) - MAX_SAMPLES
        if extra > 0:
            del self.samples[:extra]
            if self.features is not None and len(self.features) >= extra:
                self.features = self.features[extra:]
            else:
                self.features = self.features_for = None

    # ---- fitting

    def usable(self, adaptation: Adaptation | None) -> bool:
        """Whether the stored transform was fitted for this bundle (else :meth:`fit` it)."""
        return (adaptation is not None and self.transform is not None
                and self.transform.fits(adaptation))

    def fit(self, recognizer, adaptation: Adaptation, beta: float = BETA,
            gamma: float = GAMMA) -> Transform:
        """Fit the transform for ``adaptation``'s bundle: features of the samples that have
        none for this bundle are computed with ``recognizer`` (all of them after a change of
        bundle), then STM is fitted on them."""
        from hanzipad.raster import rasterize

        key = (adaptation.model_sha256, adaptation.sha256)
        n = len(self.samples)
        have = self.features if self.features_for == key and self.features is not None else None
        have = have[:n] if have is not None else np.zeros((0, adaptation.dim), np.float16)
        if have.shape[1:] != (adaptation.dim,):
            have = np.zeros((0, adaptation.dim), np.float16)
        todo = self.samples[len(have):]
        if todo:
            images = np.stack([rasterize(s.ink()) for s in todo])
            new = [recognizer.features(images[i:i + 64])[1] for i in range(0, len(images), 64)]
            have = np.concatenate([have, np.concatenate(new).astype(np.float16)])
        self.features, self.features_for = have, key
        index = {ch: i for i, ch in enumerate(recognizer.labels)}
        labels = np.array([index.get(s.label, -1) for s in self.samples], np.int64)
        weights = np.array([s.weight for s in self.samples], np.float64)
        a, b, used = fit_samples(adaptation, have.astype(np.float32), labels, weights,
                                 beta, gamma)
        self.transform = Transform(a, b, adaptation.model_sha256, adaptation.sha256, used,
                                   POWER)
        return self.transform

    # ---- file

    def to_json(self) -> str:
        obj = {"format": PROFILE_FORMAT, "version": PROFILE_VERSION,
               "created": round(self.created, 3), "saved": round(time.time(), 3),
               "samples": [s.to_dict() for s in self.samples]}
        if self.features is not None and self.features_for is not None:
            obj["features"] = {"model_sha256": self.features_for[0],
                               "prototypes_sha256": self.features_for[1],
                               "array": _b64(self.features, np.float16)}
        if self.transform is not None:
            t = self.transform
            # a map of powered features goes under another key: a HanziPad that knows only
            # "transform" (applied to the features themselves) fits its own from the ink
            obj["transform" if t.power == 1.0 else "transform_power"] = {
                "model_sha256": t.model_sha256, "prototypes_sha256": t.prototypes_sha256,
                "samples": t.samples, "power": t.power,
                "a": _b64(t.a, np.float32), "b": _b64(t.b, np.float32)}
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the profile atomically (:func:`hanzipad.fileio.write_text`), holding the
        file's lock (:func:`hanzipad.fileio.locked`): samples another program (``hanzipad
        learn``, the pad) added to the file since this profile read or wrote it are taken in
        first (:attr:`merged` says how many; fit again to use them), so neither loses the
        other's; samples this one dropped (Forget, the size cap) stay dropped."""
        from hanzipad.fileio import locked, write_text

        path = Path(path) if path is not None else self.path
        if path is None:
            raise ValueError("the profile has no file name")
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path):
            self.merged = self._take_new_samples(path)
            write_text(path, self.to_json() + "\n")
            self.on_disk = frozenset(s.key for s in self.samples)
        self.path = path
        return path

    def _take_new_samples(self, path: Path) -> int:
        if not path.exists():
            return 0
        try:
            there = Profile.load(path)
        except ProfileError:
            return 0  # damaged: what is in memory replaces it
        known = self.on_disk | {s.key for s in self.samples}
        new = [s for s in there.samples if s.key not in known]
        if new:
            self.samples.extend(new)
            self._trim()
        return len(new)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Profile:
        """Read a profile; :class:`ProfileError` (one line naming the file) when it cannot be
        read, is damaged or truncated, or was written by a newer HanziPad."""
        from hanzipad.fileio import loads_bounded, read_bytes_bounded

        path = Path(path)
        shown = str(path)
        try:  # a regular file only (a FIFO or device is refused unread), size capped
            data = read_bytes_bounded(path, MAX_PROFILE_BYTES, shown)
        except OSError as exc:
            raise ProfileError.coded("profile.cannot_read", shown,
                                     reason=os_reason(exc)) from None
        except ValueError:
            raise ProfileError.coded("profile.too_large", shown,
                                     mib=MAX_PROFILE_BYTES >> 20) from None
        try:
            obj = loads_bounded(data.decode("utf-8"), max_depth=16)
        except UnicodeDecodeError:
            raise ProfileError.coded("profile.not_utf8", shown) from None
        except ValueError as exc:
            raise ProfileError.coded("profile.truncated", shown, detail=part(exc)) from None
        if not isinstance(obj, dict) or obj.get("format") != PROFILE_FORMAT:
            raise ProfileError.coded("profile.no_format", shown, format=PROFILE_FORMAT)
        version = obj.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ProfileError.coded("profile.bad_version", shown, version=repr(version))
        if version > PROFILE_VERSION:
            raise ProfileError.coded("profile.newer", shown, version=version,
                                     supported=PROFILE_VERSION)
        try:
            return cls._from_obj(obj, path)
        except (ValueError, TypeError, KeyError, InkError) as exc:
            raise ProfileError.coded("profile.damaged", shown, detail=part(exc)) from None

    @classmethod
    def _from_obj(cls, obj: dict, path: Path) -> Profile:
        raw = obj.get("samples")
        if not isinstance(raw, list):
            raise ValueError("no list of samples")
        samples = [Sample.from_dict(s, f"sample {i + 1}") for i, s in enumerate(raw)]
        profile = cls(path=path, samples=samples)
        profile.on_disk = frozenset(s.key for s in samples)
        created = obj.get("created")
        if isinstance(created, (int, float)) and not isinstance(created, bool):
            profile.created = float(created)
        feats = obj.get("features")
        if feats is not None:
            array = _unb64(feats.get("array"), "features")
            if array.ndim != 2 or len(array) > len(samples):
                raise ValueError("features do not fit the samples")
            profile.features = array.astype(np.float16)
            profile.features_for = (str(feats["model_sha256"]), str(feats["prototypes_sha256"]))
        for key in ("transform", "transform_power"):  # the latter wins when both are there
            t = obj.get(key)
            if t is None:
                continue
            a, b = _unb64(t.get("a"), key), _unb64(t.get("b"), key)
            if a.ndim != 2 or a.shape[0] != a.shape[1] or b.shape != (a.shape[0],):
                raise ValueError(f"{key} of shapes {a.shape} and {b.shape}")
            power = 1.0 if key == "transform" else _number(t.get("power"), f"{key}: power")
            if not 0 < power <= 1:
                raise ValueError(f"{key}: power {power!r}")
            samples_used = t.get("samples", 0)
            profile.transform = Transform(a, b, str(t["model_sha256"]),
                                          str(t["prototypes_sha256"]),
                                          samples_used if isinstance(samples_used, int) else 0,
                                          power)
        profile._trim()
        return profile
