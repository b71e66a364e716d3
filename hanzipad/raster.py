"""Rasterizer: ink -> the recognizer's 64x64 image.

Strokes are drawn on a supersampled canvas scaled to the character's size
(so the pen width is relative to the character, whatever the screen), with
pressure modulating the width, and then handed to :func:`hanzipad.normalize.fit`
— the same crop/scale/centre step every opened image goes through.

The result does not depend on stroke order or direction: every segment is drawn
on its own with its end points in a canonical order, with round caps, in one
colour, so the union of shapes is the same however the ink was written.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from hanzipad import IMAGE_SIZE
from hanzipad.ink import DEFAULT_PRESSURE, Ink
from hanzipad.normalize import BOX, fit

#: Supersampling: the character's longer side on the drawing canvas is SUPERSAMPLE * BOX.
SUPERSAMPLE = 4
#: Pen width as a fraction of the character's longer side (at default pressure).
PEN_FRACTION = 0.045


def pen_width(pressure: float | None, width_scale: float = 1.0) -> float:
    """Pen width factor for a point's pressure: 1.0 at the default pressure, 0.6..1.4 overall."""
    p = DEFAULT_PRESSURE if pressure is None else pressure
    return width_scale * (0.6 + 0.8 * p)


def rasterize(ink: Ink, size: int = IMAGE_SIZE, width_scale: float = 1.0) -> np.ndarray:
    """Render ink to a ``size`` x ``size`` uint8 image, bright ink on black.

    ``width_scale`` multiplies the pen width (the trainer varies it; the app uses 1).
    Empty ink gives a black image.
    """
    canvas = draw_ink(ink, width_scale=width_scale)
    if canvas is None:
        return np.zeros((size, size), np.uint8)
    return fit(canvas, size=size, box=BOX * size // IMAGE_SIZE)


def draw_ink(ink: Ink, long_side: int = SUPERSAMPLE * BOX, width_scale: float = 1.0) -> np.ndarray | None:
    """Draw ink with its longer side ``long_side`` pixels on a binary canvas; None when empty."""
    bounds = ink.bounds()
    if bounds is None:
        return None
    x0, y0, x1, y1 = bounds
    extent = max(x1 - x0, y1 - y0)
    scale = long_side / extent if extent > 0 else 1.0
    base = PEN_FRACTION * long_side
    pad = math.ceil(base * 1.4 / 2 + 2)
    w = math.ceil((x1 - x0) * scale) + 2 * pad + 1
    h = math.ceil((y1 - y0) * scale) + 2 * pad + 1
    image = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(image)
    for stroke in ink.strokes:
        pts = [
            ((p.x - x0) * scale + pad, (p.y - y0) * scale + pad, base * pen_width(p.pressure, width_scale))
            for p in stroke
        ]
        for (ax, ay, aw), (bx, by, bw) in zip(pts, pts[1:]):
            if (bx, by) < (ax, ay):
                ax, ay, aw, bx, by, bw = bx, by, bw, ax, ay, aw
            draw.line([(ax, ay), (bx, by)], fill=255, width=max(1, round((aw + bw) / 2)))
        for x, y, pw in pts:
            r = pw / 2
            draw.ellipse([x - r, y - r, x + r, y + r], fill=255)
    return np.asarray(image)
