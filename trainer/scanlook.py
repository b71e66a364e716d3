"""Characters as they look written on paper and scanned or photographed.

Opening a PNG of a character written on paper is a main use of the app. Such images differ
from the pad's ink: the pen's width varies along a stroke and from pen to pen (fine liners to
brush pens), the ink is grey rather than black, edges are blurred, the paper is not white and
not even, and the file went through JPEG. :func:`scan_image` draws a pen trace that way as a
dark-on-light picture; the trainer then passes it through
:func:`hanzipad.normalize.normalize_image`, exactly as the app does with an opened PNG (one
preprocessing path).

Used by the sources' ``scan=P`` option (that share of samples drawn as scans) and by
``tests/benchmarks/scan_check.py`` (accuracy on scan-like renderings of held-out writers).
"""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from hanzipad.ink import Ink
from hanzipad.normalize import normalize_image


def scan_image(ink: Ink, rng: np.random.Generator) -> Image.Image | None:
    """A dark-on-light greyscale picture of ``ink`` as written on paper with a random pen and
    scanned or photographed (see the module doc); None for empty ink."""
    bounds = ink.bounds()
    if bounds is None:
        return None
    x0, y0, x1, y1 = bounds
    extent = max(x1 - x0, y1 - y0, 1e-6)
    side = int(rng.integers(72, 160))  # the character's size in the scan, pixels
    scale = side / extent
    pen = side * float(rng.choice([rng.uniform(0.012, 0.03),    # fine liner / ballpoint
                                   rng.uniform(0.03, 0.06),     # gel pen, marker
                                   rng.uniform(0.06, 0.10)]))   # felt tip, brush pen
    margin = int(side * rng.uniform(0.08, 0.4)) + int(pen) + 2
    w = int((x1 - x0) * scale) + 2 * margin
    h = int((y1 - y0) * scale) + 2 * margin
    ink_level = int(rng.integers(0, 130))  # black .. grey ink
    paper = int(rng.integers(200, 256))
    image = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(image)
    wobble = float(rng.uniform(0.0, 0.45))  # width change along a stroke
    for stroke in ink.strokes:
        pts = [((p.x - x0) * scale + margin, (p.y - y0) * scale + margin) for p in stroke]
        phase, freq = float(rng.uniform(0, 2 * math.pi)), float(rng.uniform(0.5, 3.0))
        n = max(1, len(pts) - 1)
        widths = [max(1.0, pen * (1 + wobble * math.sin(phase + freq * math.pi * i / n)))
                  for i in range(len(pts))]
        for (a, wa), (b, wb) in zip(zip(pts, widths), zip(pts[1:], widths[1:])):
            draw.line([a, b], fill=0, width=max(1, round((wa + wb) / 2)))
        for (x, y), pw in zip(pts, widths):
            r = pw / 2
            draw.ellipse([x - r, y - r, x + r, y + r], fill=0)
    arr = np.asarray(image, np.float32) / 255.0  # 0 ink .. 1 paper
    # paper and ink tones, uneven lighting (a gradient across the sheet)
    gx = np.linspace(-1, 1, w, dtype=np.float32)[None, :] * rng.uniform(-12, 12)
    gy = np.linspace(-1, 1, h, dtype=np.float32)[:, None] * rng.uniform(-12, 12)
    out = ink_level + arr * (paper - ink_level) + gx + gy
    out = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    blur = float(rng.uniform(0.0, 1.6)) * side / 160
    if blur > 0.2:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    noisy = np.asarray(out, np.float32) + rng.normal(0, rng.uniform(0, 9), (h, w))
    out = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    if rng.random() < 0.7:  # JPEG artefacts
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=int(rng.integers(25, 90)))
        buf.seek(0)
        out = Image.open(buf, formats=["JPEG"])
        out.load()
    return out


def scan_sample(ink: Ink, rng: np.random.Generator) -> np.ndarray:
    """:func:`scan_image` through the app's image normalization: the 64x64 the model sees
    when a user opens such a picture."""
    image = scan_image(ink, rng)
    if image is None:
        return np.zeros((64, 64), np.uint8)
    return normalize_image(image)


__all__ = ["scan_image", "scan_sample"]
