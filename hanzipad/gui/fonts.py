"""The bundled CJK font subset, so candidates render on machines without CJK fonts."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase

from hanzipad.bundle import resources_dir

FONT_FILE = "HanziPadSansSC-Regular.otf"
_families: list[str] | None = None


def register_fonts() -> list[str]:
    """Register ``resources/fonts/*.otf`` once; returns the families it added (maybe none)."""
    global _families
    if _families is None:
        _families = []
        path = resources_dir() / "fonts" / FONT_FILE
        if path.is_file():
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id >= 0:
                _families = list(QFontDatabase.applicationFontFamilies(font_id))
    return list(_families)


def cjk_font(pixel_size: int) -> QFont:
    """A font for hanzi: the bundled subset first, then common system CJK fonts."""
    families = register_fonts() + ["Noto Sans CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei",
                                   "PingFang SC", "sans-serif"]
    font = QFont()
    font.setFamilies(families)
    font.setPixelSize(pixel_size)
    return font
