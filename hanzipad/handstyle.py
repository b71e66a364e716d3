"""Several readings of a doubtful character, with a writer's profile (numpy and Pillow only).

With a profile (:mod:`hanzipad.adapt`) the pad reads a character once, through the writer's
map; when its best candidate's probability is less than :data:`GATE` above the second's (1
character in 17 of the held-out writers'), it reads the character again twice, slanted by
:data:`SHEAR` and stretched in height by :data:`STRETCH` (:func:`reading`: an affine change of
the 64x64 image, then :func:`hanzipad.normalize.fit`, the one crop/scale/centre step, like
the trainer's own shear and scale augmentation), each through the same map, and ranks the
candidates by the sum of the three readings' log-probabilities. On the held-out writers
1181-1200 (300 learned) the error falls by 20.3 % with the readings, 15.3 % with the map
alone; a character read again costs about 2.7 ms more (``tests/benchmarks/adapt_input_check.py``,
docs/adaptation.md). The readings and the gate were chosen on writers 1181-1190 among the
four readings slanted by ±0.1 or stretched or squeezed in height by 8 % and gates on the best
probability or on its margin: these two, gated by the margin, are as good as all four gated
by the best probability (the pad's choice before), for 0.12 readings a character instead of
0.28. The readings are the same for every writer: the profile stores nothing more for them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from hanzipad import IMAGE_SIZE
from hanzipad.normalize import fit

#: Slant of the extra readings (x moves by ``shear`` times the height from the middle).
SHEAR = 0.1
#: Height factor of the stretched reading.
STRETCH = 1.08
#: The extra readings: (shear, aspect).
READINGS = ((SHEAR, 1.0), (0.0, STRETCH))
#: A character is read again when its best adapted probability is less than this above the
#: second best's.
GATE = 0.2
#: For up to :data:`SHORT` candidates, only the model's own best ``SHORTLIST`` classes (its
#: probabilities without the map) are scored through the map: on the 12,000 test characters
#: of writers 1181-1200 the adapted 10 best were always among them (their adapted probability
#: left out: 0.04 % on average, 6 % at most), and it spares reading the whole last layer from
#: memory after the network has filled the cache (0.06 ms a reading).
SHORTLIST = 256
SHORT = 32


def reading(image: np.ndarray, shear: float = 0.0, aspect: float = 1.0) -> np.ndarray:
    """The 64x64 image slanted by ``shear`` and its height multiplied by ``aspect`` (about
    the middle), then cropped, scaled and centred again (:func:`hanzipad.normalize.fit`)."""
    image = np.asarray(image, np.uint8)
    if (shear, aspect) == (0.0, 1.0):
        return image
    mid = IMAGE_SIZE / 2
    # the output pixel (x, y) takes the input's (x + shear (y - mid), mid + (y - mid) / aspect)
    matrix = (1.0, shear, -shear * mid, 0.0, 1.0 / aspect, mid - mid / aspect)
    moved = Image.fromarray(image).transform(image.shape[::-1], Image.AFFINE, matrix,
                                             resample=Image.BILINEAR)
    return fit(np.asarray(moved))


def margin(p: np.ndarray) -> np.ndarray | float:
    """How far the best of the probabilities ``p`` is above the second best, along the last
    axis (a float for one row; NaN stays NaN)."""
    p = np.asarray(p)
    if p.shape[-1] < 2:
        return p.max(axis=-1) if p.shape[-1] else np.zeros(p.shape[:-1])
    top = np.partition(p, -2, axis=-1)[..., -2:]
    out = top[..., 1] - top[..., 0]
    return float(out) if out.ndim == 0 else out


def _log(p: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(p, 1e-30))


def read(recognizer, head, image: np.ndarray, gate: float | None = None, k: int = 10
         ) -> np.ndarray:
    """Probabilities ``[classes]`` of one 64x64 image through the writer's map ``head``
    (:class:`hanzipad.adapt.AdaptedClassifier`): one reading, or, when its best candidate's
    probability is less than ``gate`` (None: :data:`GATE`) above the second's, three (the
    first and :data:`READINGS`), their log-probabilities added and normalised again. For
    ``k`` (the candidates wanted) up to :data:`SHORT`, only the :data:`SHORTLIST` classes the
    model itself ranks best are scored (the others 0); for more, every class."""
    gate = GATE if gate is None else gate
    image = np.asarray(image)
    if image.ndim == 3:  # [1, 64, 64] (or [64, 64, 1])
        image = image.reshape(IMAGE_SIZE, IMAGE_SIZE)
    base, features = recognizer.features(image[None])
    among = None
    if base is not None and k <= SHORT and np.shape(base)[-1] > SHORTLIST:
        among = np.argpartition(-np.asarray(base)[0], SHORTLIST - 1)[:SHORTLIST]
    p = head.probabilities(features, among)[0]
    if not margin(p) < gate:  # (NaN: left to the caller's check)
        return p
    scored = slice(None) if among is None else among  # the classes not scored stay 0
    total = _log(p[scored])
    for shear, aspect in READINGS:  # one at a time: the model keeps its batch size of 1
        _, more = recognizer.features(reading(image, shear, aspect)[None])
        total += _log(head.probabilities(more, among)[0][scored])
    total -= total.max()
    total = np.exp(total)
    out = np.zeros_like(p)
    out[scored] = total / total.sum()
    return out
