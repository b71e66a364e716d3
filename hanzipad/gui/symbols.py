"""The symbol bar: punctuation, digits and Latin letters, one click each, and the keyboard's
characters mapped as a Chinese input method maps them (ASCII punctuation to full width)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QWidget,
)

from hanzipad.gui.fonts import cjk_font
from hanzipad.gui.i18n import tr

#: Opening marks whose closing mark is inserted with them (the cursor goes between).
PAIRS = {"“": "”", "‘": "’", "（": "）", "《": "》", "「": "」", "【": "】", "〈": "〉"}

#: The groups: (label, symbols); full-width Chinese punctuation first. A pair's symbol is
#: both marks.
GROUPS = (
    ("，。", ("，", "。", "？", "！", "、", "：", "；", "“”", "‘’", "（）", "《》", "「」",
             "【】", "……", "——", "·", "～")),
    ("123", tuple("0123456789") + ("．", "％", "＋", "－", "×", "÷", "＝", "@", "#", "¥")),
    ("ABC", tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
    ("abc", tuple("abcdefghijklmnopqrstuvwxyz")),
)

#: Keyboard characters a Chinese input method types as full-width punctuation. Quotes are
#: handled by :func:`keyboard_symbol` (opening or closing, by what comes before).
FULL_WIDTH = {",": "，", ".": "。", "?": "？", "!": "！", ":": "：", ";": "；", "(": "（",
              ")": "）", "<": "《", ">": "》", "\\": "、", "^": "……", "_": "——", "~": "～",
              "[": "【", "]": "】", "$": "¥"}


def keyboard_symbol(char: str, before: str) -> str | None:
    """What a typed keyboard character puts into the text (None: not one the pad types):
    letters and digits as they are, punctuation full width, a quote opening or closing
    (closing when the same quote opened last)."""
    if len(char) != 1 or not char.isprintable() or char.isspace():
        return None
    if char == '"':
        return "”" if before.rfind("“") > before.rfind("”") else "“"
    if char == "'":
        return "’" if before.rfind("‘") > before.rfind("’") else "‘"
    if char in FULL_WIDTH:
        return FULL_WIDTH[char]
    if char.isascii():
        return char
    return None


class SymbolBar(QWidget):
    """A row of group buttons and the current group's symbols; :attr:`typed` gives the text
    of a clicked symbol (both marks of a pair)."""

    typed = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("symbols")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.group_buttons = QButtonGroup(self)
        self.group_buttons.setExclusive(True)
        self.pages = QStackedWidget()
        self.buttons: dict[str, QToolButton] = {}
        font = cjk_font(13)
        for i, (label, symbols) in enumerate(GROUPS):
            b = self._button(label, font)
            b.setCheckable(True)
            b.setToolTip(tr("Symbols: {}").format(label))
            self.group_buttons.addButton(b, i)
            row.addWidget(b)
            # a tool bar: what does not fit behind its » button, never squeezed
            page = QToolBar()
            page.setFont(font)
            page.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            page.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            page.setContentsMargins(0, 0, 0, 0)
            page.setStyleSheet("QToolBar { border: 0px; padding: 0px; spacing: 1px; }")
            for symbol in symbols:
                action = page.addAction(symbol.replace("&", "&&"))
                action.setToolTip(symbol)
                action.triggered.connect(lambda _=False, s=symbol: self.typed.emit(s))
                sb = page.widgetForAction(action)
                sb.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                sb.setMinimumWidth(22)
                self.buttons[symbol] = sb
            self.pages.addWidget(page)
        self.group_buttons.idToggled.connect(
            lambda i, on: on and self.pages.setCurrentIndex(i))
        self.group_buttons.button(0).setChecked(True)
        # a narrow window clips the long rows instead of growing (or scrolling) for them
        self.pages.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        row.addWidget(self.pages, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    @staticmethod
    def _button(text: str, font) -> QToolButton:
        b = QToolButton()
        b.setText(text.replace("&", "&&"))
        b.setFont(font)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay the pad's
        b.setAutoRaise(True)
        b.setMinimumWidth(22)
        return b

    def show_group(self, index: int) -> None:
        self.group_buttons.button(index).setChecked(True)
