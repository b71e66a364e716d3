"""The About box: version, the model in use and every source it was trained on, with version
and licence or terms (from the bundle's ``model.json``, through :mod:`hanzipad.credits`), and
the sources of the word list, pinyin and meanings (``resources/lexicon/sources.json``).
Shown as plain text: names in a bundle are never interpreted as HTML."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from hanzipad import __version__
from hanzipad.credits import lexicon_credits, model_credits, restricted_terms
from hanzipad.gui.i18n import tr


def about_text(meta: dict | None, model_name: str | None = None,
               lexicon_folder=None) -> str:
    lines = [f"HanziPad {__version__}",
             tr("Handwriting pad for Chinese: the 3755 GB2312 level-1 characters."), ""]
    if not meta:
        lines.append(tr("No model loaded."))
        return "\n".join(lines + lexicon_lines(lexicon_folder))
    name = model_name or meta.get("name") or "?"
    lines.append(tr("Model: {} ({} characters)").format(name, meta.get("classes", "?")))
    credits = model_credits(meta)
    if credits:
        lines += ["", tr("Trained on:")] + [f"• {c.line()}" for c in credits]
    restricted = restricted_terms(meta)
    if restricted:
        lines += ["", tr("This model was trained on data whose terms allow academic research "
                         "only; commercial use needs the data owner's permission "
                         "(CASIA). A model trained only on synthetic handwriting and fonts "
                         "can be built with resources/train/make-default-model.")]
    lines += lexicon_lines(lexicon_folder)
    lines += ["", tr("Candidate font: Noto Sans CJK SC subset (SIL OFL 1.1). App: MIT licence.")]
    return "\n".join(lines)


def lexicon_lines(folder=None) -> list[str]:
    """The word list's, pinyin's and meanings' sources (a missing or damaged sources.json is
    named in place of them)."""
    from hanzipad.lexicon import LexiconError

    try:
        credits = lexicon_credits(folder)
    except LexiconError as exc:
        return ["", tr("Word list, pinyin and meanings:"), f"• {exc}"]
    if not credits:
        return []
    return ["", tr("Word list, pinyin and meanings:")] + [f"• {c.line()}" for c in credits]


def show_about(parent: QWidget, meta: dict | None, model_name: str | None = None) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle(tr("About HanziPad"))
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(about_text(meta, model_name))
    box.setIcon(QMessageBox.Icon.Information)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.setModal(True)
    box.open()
    return box
