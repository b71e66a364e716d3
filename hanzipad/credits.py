"""What a model was trained on, for people: one line per data source, with version and
licence or terms, read from a bundle's ``model.json`` (``sources``, nested through prepared
shards and fine-tuning stages); and the sources of the word list, pinyin and meanings
(``resources/lexicon/sources.json``). The About box and ``hanzipad --about`` show these lines.

Qt-free; no TensorFlow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from hanzipad.fileio import read_json
from hanzipad.provenance import expand


@dataclass(frozen=True)
class Credit:
    """One training source: ``what`` (a name a person recognizes), ``version``, ``terms``
    (licence or terms of use) and ``detail`` (writers used, glyph forms, ...)."""

    what: str
    version: str = ""
    terms: str = ""
    detail: str = ""

    def line(self) -> str:
        out = self.what + (f" {self.version}" if self.version else "")
        if self.detail:
            out += f" ({self.detail})"
        if self.terms:
            out += f" — {self.terms}"
        return out


_LICENCES = (
    ("SIL Open Font", "SIL OFL 1.1"),
    ("ARPHIC PUBLIC LICENSE", "Arphic Public License"),
    ("GPL2 with font embedding exception", "GPL-2 with font embedding exception"),
)


def _short_licence(text: str) -> str:
    for needle, short in _LICENCES:
        if needle.lower() in text.lower():
            return short
    text = " ".join(str(text).split())
    return text if len(text) <= 80 else text[:77] + "..."


def _short_version(text: str) -> str:
    m = re.search(r"(\d+(?:\.\d+)+)", str(text))
    return m.group(1) if m else str(text)


def _credit(src: dict) -> Credit | None:
    kind = src.get("kind")
    if kind == "strokes":
        return Credit(f"synthetic handwriting from {src.get('package', 'stroke data')}",
                      str(src.get("version", "")), _short_licence(src.get("licence", "")))
    if kind == "font":
        name = src.get("full_name") or src.get("family") or src.get("file") or "a font"
        return Credit(str(name), _short_version(src.get("version", "")),
                      _short_licence(src.get("licence", "")))
    if kind in ("pot", "gnt"):
        db = src.get("database") or ("CASIA-OLHWDB" if kind == "pot" else "CASIA-HWDB")
        detail = f"writers {src['writers']}" if src.get("writers") else ""
        if src.get("scan_percent"):
            detail += (", " if detail else "") + "drawn as paper scans"
        return Credit(str(db), "", str(src.get("terms") or "CASIA: free for academic research; "
                                       "commercial use needs CASIA's permission"), detail)
    if kind == "ink":
        return Credit("labelled ink files", "", str(src.get("licence", "")))
    if kind == "pngdir":
        return Credit("labelled images", "", str(src.get("licence", "")))
    return None


def model_credits(meta: dict) -> list[Credit]:
    """Every training source of a bundle, once each, in the order first met."""
    try:
        meta = expand(meta)  # model.json writes a repeated part of its provenance once
    except ValueError:
        pass  # a broken reference: the top-level sources still list every source
    seen: dict[tuple, Credit] = {}

    def walk(sources):
        for src in sources or []:
            if not isinstance(src, dict):
                continue
            if src.get("kind") == "shards" or src.get("kind") == "subset":
                walk(src.get("sources"))
                continue
            c = _credit(src)
            if c is not None:
                key = (c.what, c.version, c.detail)
                seen.setdefault(key, c)
            walk(src.get("sources"))

    walk(meta.get("sources"))
    base = meta.get("init_from")
    while isinstance(base, dict):  # a fine-tune: the base's sources are listed in "sources" too
        walk(base.get("sources"))
        base = base.get("init_from")
    return list(seen.values())


def restricted_terms(meta: dict) -> list[str]:
    """Terms that restrict use of the model (CASIA's academic-research terms), if any."""
    return sorted({c.terms for c in model_credits(meta) if "academic" in c.terms.lower()})


LEXICON_SOURCES = "sources.json"


def lexicon_credits(folder: str | Path | None = None) -> list[Credit]:
    """The sources of the lexicon (word frequencies, pinyin, English meanings), from
    ``sources.json`` in ``folder`` (default: the app's ``resources/lexicon``): a JSON list of
    ``{name, version, licence, upstream, used_for}``. Raises
    :class:`hanzipad.lexicon.LexiconError` naming the file when it is missing or malformed."""
    from hanzipad.errors import os_reason
    from hanzipad.lexicon import LexiconError, default_folder

    file = (Path(folder) if folder is not None else default_folder()) / LEXICON_SOURCES
    try:
        data = read_json(file, max_bytes=1024 * 1024, max_depth=8)
    except FileNotFoundError:
        raise LexiconError.coded("lexicon.not_found", str(file)) from None
    except OSError as exc:
        raise LexiconError.coded("file.cannot_read_short", str(file),
                                 reason=os_reason(exc)) from None
    except ValueError as exc:  # not JSON, nested too deep, huge numbers: names the file
        raise LexiconError.of(exc) from None
    if not isinstance(data, list):
        raise LexiconError.coded("credits.not_a_list", str(file))
    out = []
    for i, src in enumerate(data):
        if not (isinstance(src, dict) and isinstance(src.get("name"), str) and src["name"]
                and isinstance(src.get("licence"), str) and src["licence"]):
            raise LexiconError.coded("credits.incomplete", str(file), number=i + 1)
        out.append(Credit(src["name"], str(src.get("version", "")), src["licence"],
                          str(src.get("used_for", ""))))
    return out


__all__ = ["Credit", "lexicon_credits", "model_credits", "restricted_terms"]
