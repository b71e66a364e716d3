"""Tiny datasets written by the trainer tests themselves: CASIA-style .gnt files of
font-rendered characters with random jitter (grey ink on 255 background)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

CHARS = "一人口大日"  # five visually distinct classes
#: The bundled CJK subset: the same glyphs on every machine, no system font needed.
FONT = Path(__file__).resolve().parents[2] / "resources" / "fonts" / "HanziPadSansSC-Regular.otf"


def _font(size: int):
    return ImageFont.truetype(str(FONT), size)


def glyph_bitmap(ch: str, rng: np.random.Generator) -> np.ndarray:
    """Dark ink (0..80) on 255, a random size/offset/rotation: CASIA-like grey bitmap."""
    size = int(rng.integers(40, 64))
    img = Image.new("L", (size + 30, size + 30), 255)
    d = ImageDraw.Draw(img)
    d.text((int(rng.integers(5, 20)), int(rng.integers(0, 12))), ch, font=_font(size),
           fill=int(rng.integers(0, 80)))
    img = img.rotate(float(rng.uniform(-12, 12)), fillcolor=255, resample=Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


def gnt_record(ch: str, bitmap: np.ndarray) -> bytes:
    h, w = bitmap.shape
    tag = ch.encode("gb2312")
    return struct.pack("<I", 10 + w * h) + tag + struct.pack("<HH", w, h) + bitmap.tobytes()


def write_gnt(path, chars: str = CHARS, per_char: int = 20, seed: int = 0, files: int = 2) -> Path:
    """``files`` .gnt files under folder ``path`` with ``per_char`` samples of each char."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    records = [[] for _ in range(files)]
    k = 0
    for _ in range(per_char):
        for ch in chars:
            records[k % files].append(gnt_record(ch, glyph_bitmap(ch, rng)))
            k += 1
    for i, recs in enumerate(records):
        (path / f"w{i:03d}.gnt").write_bytes(b"".join(recs))
    return path
