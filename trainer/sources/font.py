"""``font:PATH`` — rendered glyphs of a TTF/OTF/TTC font (options ``index``, ``size``).

Each wanted character the font maps in its cmap is drawn large, dark on white, with
Pillow's ImageFont and passed through :func:`hanzipad.normalize.normalize_image`.
Characters the font lacks (absent from the cmap, mapped to ``.notdef``, or rendering
empty) are skipped and counted as ``missing``.  One image per character per font:
variation is the augmentation's job.  Shards are partitions of the character list.

:meth:`FontSource.describe` reads family, version and licence (name IDs 1/16, 5, 13, 14,
0) from the font's name table, falling back to a small table of known fonts.
"""

from __future__ import annotations

import math
import threading

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from hanzipad.normalize import normalize_image
from trainer.sources.base import Source, SourceError, parse_partition, partition_ids

DEFAULT_SIZE = 128
CHARS_PER_SHARD = 256
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")

#: Licences of common CJK fonts whose name table does not state one (family prefix -> licence).
KNOWN_LICENCES = {
    "WenQuanYi": "GPL-2.0-or-later with font embedding exception",
    "AR PL": "Arphic Public License",
    "Noto": "SIL Open Font License 1.1",
    "Source Han": "SIL Open Font License 1.1",
    "Droid Sans Fallback": "Apache-2.0",
}


def _short(text: str, limit: int = 300) -> str:
    """The first paragraph of a (possibly full-text) licence, at most ``limit`` characters."""
    para = " ".join(text.strip().split("\n\n")[0].split())
    return para if len(para) <= limit else para[: limit - 1].rstrip() + "…"


class FontSource(Source):
    kind = "font"

    def __init__(self, spec, **kw):
        super().__init__(spec, **kw)
        self.index = int(self.options.get("index", 0))
        self.size = int(self.options.get("size", DEFAULT_SIZE))
        if not self.path.is_file():
            what = "no such file" if not self.path.exists() else "not a font file"
            raise SourceError(f"{spec}: {self.path}: {what}")
        if self.path.suffix.lower() not in FONT_SUFFIXES:
            raise SourceError(f"{spec}: {self.path}: expected a .ttf, .otf or .ttc font")
        self._ttfont = self._open_ttfont()
        self._cmap = self._read_cmap()
        self._local = threading.local()  # FreeType faces are not shared between threads

    def _open_ttfont(self):
        from fontTools.ttLib import TTFont, TTLibError

        try:
            return TTFont(str(self.path), fontNumber=self.index, lazy=True)
        except (TTLibError, OSError, ValueError, IndexError, AssertionError) as exc:
            raise SourceError(f"{self.spec}: {self.path}: cannot read the font (face {self.index}): {exc}") from None

    def _read_cmap(self) -> dict[int, str]:
        try:
            cmap = self._ttfont.getBestCmap() or {}
        except Exception as exc:  # noqa: BLE001 - a broken font table can raise anything
            raise SourceError(f"{self.spec}: {self.path}: unreadable cmap ({exc})") from None
        return {cp: g for cp, g in cmap.items() if g != ".notdef"}

    def font(self) -> ImageFont.FreeTypeFont:
        font = getattr(self._local, "font", None)
        if font is None:
            try:
                font = ImageFont.truetype(str(self.path), self.size, index=self.index)
            except OSError as exc:
                raise SourceError(f"{self.spec}: {self.path}: Pillow cannot load the font ({exc})") from None
            self._local.font = font
        return font

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_local"] = None
        state["_ttfont"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()

    def shards(self) -> list[str]:
        n = max(1, math.ceil(len(self.wanted_chars()) / CHARS_PER_SHARD))
        return partition_ids(n)

    def has_glyph(self, char: str) -> bool:
        return ord(char) in self._cmap

    def render(self, char: str) -> np.ndarray | None:
        """The normalized image of ``char``, or None when the font has no visible glyph."""
        if not self.has_glyph(char):
            return None
        font = self.font()
        x0, y0, x1, y1 = font.getbbox(char)
        if x1 <= x0 or y1 <= y0:
            return None
        pad = self.size // 8
        canvas = Image.new("L", (x1 - x0 + 2 * pad, y1 - y0 + 2 * pad), 255)
        ImageDraw.Draw(canvas).text((pad - x0, pad - y0), char, font=font, fill=0)
        img = normalize_image(canvas)
        return img if img.any() else None

    def iter_shard(self, shard: str, seed: int = 0):
        k, n = parse_partition(shard, self.spec)
        for char in self.wanted_chars()[k::n]:
            img = self.render(char)
            if img is None:
                self.stats.note("missing", f"{self.path}: no glyph for {char!r} (U+{ord(char):04X})")
                continue
            self.stats.add_yielded()
            yield img, self.label_map[char]

    def _describe_extra(self) -> dict:
        info = {"file": self.path.name, "index": self.index}
        try:
            name = self._ttfont["name"] if self._ttfont is not None else None
        except Exception:  # noqa: BLE001
            name = None

        def get(i):
            rec = name.getDebugName(i) if name is not None else None
            return rec.strip() if rec else None

        info["family"] = get(16) or get(1) or self.path.stem
        for key, nid in (("full_name", 4), ("version", 5), ("licence", 13), ("licence_url", 14), ("copyright", 0)):
            value = get(nid)
            if value:
                if key in ("licence", "copyright"):
                    value = _short(value)
                info[key] = value
        if "licence" not in info:
            for prefix, lic in KNOWN_LICENCES.items():
                if info["family"].startswith(prefix):
                    info["licence"] = lic
                    break
        info["glyphs_available"] = sum(1 for c in self.wanted_chars() if self.has_glyph(c))
        return info
