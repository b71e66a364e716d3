"""Image normalization: any picture of a character -> the recognizer's 64x64 convention.

The convention (version :data:`hanzipad.CONVENTION_VERSION`):

* 64x64 ``uint8``, ink bright (255) on a black (0) background;
* the ink's bounding box scaled, aspect ratio kept, so that its longer side is
  :data:`BOX` pixels, and centred;
* antialiased edges.

The canvas (through :func:`hanzipad.raster.rasterize`), opened images (through
:func:`normalize_image`) and the trainer all end in :func:`fit`: nothing else
in the project crops or resizes a character.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from hanzipad import IMAGE_SIZE
from hanzipad.errors import HanziPadError, os_reason
from hanzipad.fileio import NotAFileError, open_regular

#: Longer side of the character inside the 64x64 image (a 4-pixel margin).
BOX = 56
#: Largest image (in pixels) that is decoded at all; bigger ones are refused
#: before their pixels are read, so memory stays bounded.
MAX_PIXELS = 40_000_000
#: Images larger than this (longer side) are reduced before any float work.
WORK_SIDE = 512
#: Fraction of the ink's peak below which a pixel counts as background.
NOISE_FLOOR = 0.15
#: An image whose ink contrast stays below this (0..1) is blank.
MIN_CONTRAST = 0.08

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
#: The only decoders an opened file may reach (Pillow's format names). Pillow would otherwise
#: try every format it knows on any file: a PostScript/EPS file named ``.png`` would be handed to
#: Ghostscript, which runs it. PPM covers PGM and PBM.
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF", "WEBP", "PPM")


class ImageError(HanziPadError, ValueError):
    """An image that cannot be used, with a message naming the file and the problem (and a
    code: :mod:`hanzipad.errors`)."""


def fit(ink: np.ndarray, size: int = IMAGE_SIZE, box: int = BOX) -> np.ndarray:
    """Crop a bright-ink-on-black image to its ink, scale it into ``box`` and centre it.

    ``ink`` is a 2-D array (uint8 0..255 or float 0..1). Returns ``size`` x ``size``
    uint8; an image without ink gives all zeros.
    """
    arr = np.asarray(ink)
    if arr.dtype != np.uint8:
        arr = np.clip(np.rint(arr.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)
    out = np.zeros((size, size), np.uint8)
    mask = arr > int(NOISE_FLOOR * 255)
    if not mask.any():
        return out
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    crop = arr[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    resized = np.asarray(Image.fromarray(crop).resize((nw, nh), Image.BILINEAR))
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top : top + nh, left : left + nw] = resized
    return out


def _available_formats() -> list[str]:
    """:data:`IMAGE_FORMATS` that this Pillow can decode (a frozen app leaves some plugins
    out; Pillow raises KeyError for a format it does not have)."""
    Image.init()
    return [f for f in IMAGE_FORMATS if f in Image.OPEN]


def open_image(path: str | Path) -> Image.Image:
    """Open and decode an image file, refusing what would not be safe or useful.

    Raises :class:`ImageError` naming the file and the reason: missing, not an
    image, truncated or corrupt, or too large (decompression bomb).
    """
    path = Path(path)
    try:
        # a regular file only: a FIFO would block the open forever, /dev/zero never end
        with warnings.catch_warnings(), open_regular(path) as file:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=_available_formats())
            w, h = image.size
            if w * h > MAX_PIXELS:
                raise ImageError.coded("image.too_large", str(path), width=w, height=h,
                                       limit=MAX_PIXELS)
            if w < 1 or h < 1:
                raise ImageError.coded("image.no_pixels", str(path), width=w, height=h)
            image.load()
            # a phone photo stored sideways with an EXIF orientation tag: upright, as viewers show it
            return ImageOps.exif_transpose(image)
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError.coded("file.missing", str(path)) from None
    except IsADirectoryError:
        raise ImageError.coded("image.is_folder", str(path)) from None
    except NotAFileError as exc:
        reason = os_reason(exc)
        raise ImageError.coded(reason.code, str(path), **reason.params) from None
    except PermissionError:
        raise ImageError.coded("image.permission_denied", str(path)) from None
    except UnidentifiedImageError:
        shown = ", ".join("PGM/PPM" if f == "PPM" else f for f in _available_formats())
        raise ImageError.coded("image.unknown_format", str(path), formats=shown) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError.coded("image.bomb", str(path)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError.coded("image.corrupt", str(path), detail=str(exc)) from None


def load_image(path: str | Path) -> np.ndarray:
    """Open an image file and normalize it: the image path of the app and the trainer."""
    image = open_image(path)
    try:
        return normalize_image(image)
    except ImageError as exc:
        raise exc.within(str(path)) from None
    except (OSError, ValueError) as exc:
        raise ImageError.coded("image.unusable", str(path), detail=str(exc)) from None


def normalize_image(image: Image.Image | np.ndarray) -> np.ndarray:
    """Any picture of one character -> 64x64 uint8, bright ink on black.

    Handles dark ink on light paper (scans, CASIA HWDB's grey-on-255 samples)
    and light ink on dark, grey and 16-bit images, palettes, transparency,
    CMYK, uneven lighting. A blank image gives all zeros.
    """
    lum = _luminance(image)
    return fit(ink_map(lum))


def ink_map(lum: np.ndarray) -> np.ndarray:
    """Luminance in 0..1 -> ink strength in 0..1 (polarity detected, background removed)."""
    border = np.concatenate([lum[:2].ravel(), lum[-2:].ravel(), lum[:, :2].ravel(), lum[:, -2:].ravel()])
    bg = float(np.median(border))
    dark_ink = bg >= 0.5 if border.size else True
    background = np.float32(bg)
    if border.size and float(np.percentile(np.abs(border - bg), 90)) > 0.06 and min(lum.shape) >= 16:
        background = _background_estimate(lum, dark_ink)
    ink = (background - lum) if dark_ink else (lum - background)
    ink = np.clip(ink, 0.0, None)
    peak = float(np.percentile(ink, 99.7)) if ink.size else 0.0
    peak = max(peak, float(ink.max(initial=0.0)) * 0.5)
    if peak < MIN_CONTRAST:
        return np.zeros_like(ink)
    floor = NOISE_FLOOR * peak
    return np.clip((ink - floor) / (peak - floor), 0.0, 1.0)


def _background_estimate(lum: np.ndarray, dark_ink: bool) -> np.ndarray:
    """Smooth estimate of uneven paper/lighting: strokes removed by a rank filter, then blurred."""
    img = Image.fromarray(np.clip(lum * 255.0, 0, 255).astype(np.uint8))
    side = max(lum.shape)
    k = max(3, (side // 24) | 1)
    ranked = img.filter(ImageFilter.MaxFilter(k) if dark_ink else ImageFilter.MinFilter(k))
    smooth = ranked.filter(ImageFilter.GaussianBlur(k))
    return np.asarray(smooth, np.float32) / 255.0


def _luminance(image: Image.Image | np.ndarray) -> np.ndarray:
    """Grey levels in 0..1 (float32), transparency composited onto a contrasting background,
    reduced to at most :data:`WORK_SIDE` pixels on the longer side."""
    if isinstance(image, np.ndarray):
        return _array_luminance(image)
    img = image
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(img, dtype=np.float32) if img.mode != "I;16B" else np.asarray(img.convert("I"), np.float32)
        hi = 65535.0 if img.mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        if img.mode == "F":
            hi = max(1.0, float(arr.max(initial=1.0)))
        return _reduce(np.clip(arr / hi, 0.0, 1.0))
    alpha = None
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
        img = img.convert("LA")
        alpha = np.asarray(img.getchannel("A"), np.float32) / 255.0
        img = img.getchannel("L")
    elif img.mode != "L":
        if img.mode == "CMYK":
            img = img.convert("RGB")
        img = img.convert("L")
    lum = np.asarray(img, np.float32) / 255.0
    if alpha is not None and float(alpha.min(initial=1.0)) < 0.98:
        solid = alpha > 0.5
        ink_tone = float(lum[solid].mean()) if solid.any() else 0.0
        paper = 1.0 if ink_tone < 0.5 else 0.0
        lum = lum * alpha + paper * (1.0 - alpha)
    return _reduce(lum)


def _array_luminance(arr: np.ndarray) -> np.ndarray:
    a = np.asarray(arr)
    if a.ndim == 3:
        if a.shape[2] == 4:
            return _luminance(Image.fromarray(a.astype(np.uint8), "RGBA"))
        a = a[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
        scale = 255.0
    elif a.ndim == 2:
        scale = 65535.0 if a.dtype == np.uint16 else (1.0 if a.dtype.kind == "f" and a.max(initial=0) <= 1.0 else 255.0)
    else:
        raise ImageError.coded("image.bad_array", shape=a.shape)
    return _reduce(np.clip(a.astype(np.float32) / scale, 0.0, 1.0))


def _reduce(lum: np.ndarray) -> np.ndarray:
    h, w = lum.shape
    if max(h, w) <= WORK_SIDE:
        return lum.astype(np.float32, copy=False)
    factor = math.ceil(max(h, w) / WORK_SIDE)
    img = Image.fromarray(lum.astype(np.float32), "F").reduce(factor)
    return np.asarray(img, np.float32)


def is_image_path(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_SUFFIXES
