"""The candidate bar: top-3 large with probabilities, top-10 on demand.

Each candidate shows its pinyin under it (tone marks; a polyphonic character its common
readings, 行 háng/xíng) and its English gloss in the tooltip and in the expanded panel,
when :class:`hanzipad.readings.Readings` data is given (:meth:`CandidateBar.set_readings`).
Next-word suggestions are shown the same way, without a probability.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (
    QAbstractButton,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hanzipad.gui.fonts import cjk_font
from hanzipad.gui.i18n import tr

TOP = 3
MORE = 10
ACCENT = QColor(200, 64, 48)


#: Readings shown under a candidate: at most this many for one character.
MAX_READINGS = 2


def reading_of(readings, text: str) -> str:
    """Pinyin of ``text``: a character's common readings joined by "/" (háng/xíng), a word's
    first reading of each character joined by spaces; "" without readings data."""
    if readings is None or not text:
        return ""
    try:
        if len(text) == 1:
            return "/".join(readings.pinyin(text)[:MAX_READINGS])
        parts = [readings.pinyin(c)[:1] for c in text]
        return " ".join(p[0] for p in parts if p)
    except Exception:  # noqa: BLE001 - readings are a help, never a reason to fail
        return ""


def gloss_of(readings, text: str) -> str:
    if readings is None or not text:
        return ""
    try:
        return readings.gloss(text) or ""
    except Exception:  # noqa: BLE001
        return ""


def key_label(index: int) -> str:
    """Keyboard key picking candidate ``index`` (0-based): 1..9, then 0 for the tenth."""
    return str((index + 1) % 10)


class CandidateButton(QAbstractButton):
    """One candidate: the character large, its rank key and probability small."""

    def __init__(self, index: int, large: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.index = index
        self.large = large
        self.char = ""
        self.prob = 0.0
        self.pinyin = ""
        self.gloss = ""
        self.show_prob = True
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setEnabled(False)

    def set_candidate(self, char: str, prob: float, pinyin: str = "", gloss: str = "",
                      show_prob: bool = True) -> None:
        self.char, self.prob, self.pinyin, self.gloss = char, prob, pinyin, gloss
        self.show_prob = show_prob
        self.setText(char)
        tip = f"{char}  {_percent(prob, exact=True)}" if show_prob else char
        if pinyin:
            tip += f"\n{pinyin}"
        if gloss:
            tip += f"\n{gloss}"
        # a label comes from the model bundle: shown as typed, never as markup
        self.setToolTip(GuiQt.convertFromPlainText(tip) if char else "")
        self.setEnabled(bool(char))
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(96, 104) if self.large else QSize(58, 72)

    def minimumSizeHint(self) -> QSize:
        return QSize(56, 104) if self.large else QSize(32, 72)

    def paintEvent(self, event):
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        path = QPainterPath()
        path.addRoundedRect(r, 10, 10)
        hovered = self.underMouse() and self.isEnabled()
        pal = self.palette()
        R = QPalette.ColorRole
        base = pal.color(R.Button)
        bg = _mix(base, ACCENT, 0.18) if self.isDown() else _mix(base, ACCENT, 0.07) if hovered \
            else base
        p.fillPath(path, bg)
        border = ACCENT if hovered else pal.color(R.Mid)
        p.setPen(QPen(border, 1.2))
        p.drawPath(path)
        small = p.font()
        small.setPixelSize(12 if self.large else 10)
        p.setFont(small)
        p.setPen(pal.color(R.PlaceholderText))
        p.drawText(r.adjusted(8, 5, -8, -5), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                   key_label(self.index))
        if not self.char:
            p.end()
            return
        if self.show_prob:
            p.setPen(ACCENT if self.prob >= 0.5 else pal.color(R.PlaceholderText))
            p.drawText(r.adjusted(8, 5, -8, -5),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                       _percent(self.prob))
        pinyin_h = 0
        if self.pinyin:
            pinyin_h = 16 if self.large else 13
            p.setFont(cjk_font(12 if self.large else 10))  # tone marks drawn evenly
            p.setPen(pal.color(R.PlaceholderText))
            p.drawText(r.adjusted(4, 0, -4, -4),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                       p.fontMetrics().elidedText(self.pinyin, Qt.TextElideMode.ElideRight,
                                                  int(r.width()) - 8))
        size = 48 if self.large else 28
        if len(self.char) > 1:  # a suggested word: smaller, so that it fits
            size = max(14, min(size, int((r.width() - 10) / len(self.char))))
        p.setFont(cjk_font(size))
        p.setPen(pal.color(R.ButtonText))
        p.drawText(r.adjusted(0, (8 if self.large else 6), 0, -pinyin_h),
                   Qt.AlignmentFlag.AlignCenter, self.char)
        p.end()

    def enterEvent(self, event):
        self.update()
        super().enterEvent(event)

    def leaveEvent(self, event):
        self.update()
        super().leaveEvent(event)


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` towards ``b`` (a tint that works on light and dark)."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                           a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def _percent(prob: float, exact: bool = False) -> str:
    """A probability as shown: "?" when it is no number (NaN, infinite: a broken model)."""
    if not math.isfinite(prob) or not 0.0 <= prob <= 1.0:
        return "?"
    if exact:
        return f"{prob:.1%}"
    if prob >= 0.995:
        return "100%"
    if prob >= 0.01:
        return f"{prob * 100:.0f}%"
    return "<1%"


class CandidateBar(QWidget):
    """Emits :attr:`picked` with the character when a candidate is clicked (or :meth:`pick`)."""

    picked = Signal(str)
    #: New candidates are on screen (for tests and latency measurements).
    shown = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._candidates: list = []
        self._readings = None
        self._show_prob = True
        self.buttons: list[CandidateButton] = []
        top = QHBoxLayout()
        top.setSpacing(10)
        for i in range(TOP):
            b = CandidateButton(i, large=True)
            top.addWidget(b)
            self.buttons.append(b)
        self.more_button = QToolButton()
        self.more_button.setObjectName("more")
        self.more_button.setCheckable(True)
        self.more_button.setText(tr("More") + " ▾")
        self.more_button.setToolTip(tr("More candidates"))
        self.more_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.more_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.more_button.setMinimumWidth(56)
        self.more_button.toggled.connect(self.set_expanded)
        top.addWidget(self.more_button)
        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setContentsMargins(8, 8, 8, 8)
        grid.setSpacing(8)
        for i in range(TOP, MORE):
            b = CandidateButton(i, large=False)
            grid.addWidget(b, 0, i - TOP)
            self.buttons.append(b)
        # one line per candidate that has a gloss: "行 háng/xíng  to walk; row"
        self.gloss_label = QLabel()
        self.gloss_label.setObjectName("glosses")
        self.gloss_label.setTextFormat(Qt.TextFormat.PlainText)
        self.gloss_label.setWordWrap(True)
        self.gloss_label.setFont(cjk_font(13))
        self.gloss_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.gloss_label, 1, 0, 1, MORE - TOP)
        grid.setRowStretch(2, 1)
        # the expanded candidates and every gloss; scrolls where the space above is short
        self.more_panel = QScrollArea()
        self.more_panel.setObjectName("more-panel")
        self.more_panel.setWidgetResizable(True)
        self.more_panel.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.more_panel.setWidget(inner)
        self.more_panel.setVisible(False)
        self._host: QWidget | None = None
        for b in self.buttons:
            b.clicked.connect(lambda _=False, b=b: self.pick(b.index))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        outer.addLayout(top)
        outer.addWidget(self.more_panel)

    def expanded(self) -> bool:
        return self.more_button.isChecked()

    def set_expanded(self, on: bool) -> None:
        if self.more_button.isChecked() != on:
            self.more_button.setChecked(on)  # re-enters through toggled
            return
        self.more_panel.setVisible(on)
        self.more_button.setText(tr("More") + (" ▴" if on else " ▾"))
        self._place_more()

    def set_overlay_host(self, host: QWidget) -> None:
        """Open More over ``host`` (an ancestor), just above the bar, instead of in the bar's
        own layout: what is above keeps its size."""
        self.layout().removeWidget(self.more_panel)
        self.more_panel.setParent(host)
        self.more_panel.setVisible(self.expanded())
        self._host = host
        host.installEventFilter(self)
        self._place_more()

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if obj is self._host and event.type() in (QEvent.Type.Resize, QEvent.Type.LayoutRequest):
            self._place_more()
        return False

    def resizeEvent(self, event):  # noqa: N802
        super().resizeEvent(event)
        self._place_more()

    def moveEvent(self, event):  # noqa: N802
        super().moveEvent(event)
        self._place_more()

    def _place_more(self) -> None:
        host, panel = self._host, self.more_panel
        if host is None or not panel.isVisible():
            return
        top_left = self.mapTo(host, QPoint(0, 0))
        inner = panel.widget()
        width = self.width()
        wanted = inner.heightForWidth(width - 4)
        if wanted <= 0:
            wanted = inner.sizeHint().height()
        height = max(60, min(wanted + 4, top_left.y() - 6))
        panel.setGeometry(top_left.x(), top_left.y() - height - 4, width, height)
        panel.raise_()

    def set_readings(self, readings) -> None:
        """Pinyin and gloss data (``.pinyin(char)``, ``.gloss(char)``), or None."""
        self._readings = readings
        self._show()

    def set_candidates(self, candidates, show_prob: bool = True) -> None:
        """Show ``candidates`` (objects with ``.char`` and ``.prob``); ``show_prob`` False
        for suggestions, whose numbers are no probabilities."""
        self._candidates = list(candidates)[:MORE]
        self._show_prob = show_prob
        self._show()
        self.shown.emit()

    def _show(self) -> None:
        glosses = []
        for i, b in enumerate(self.buttons):
            if i < len(self._candidates):
                c = self._candidates[i]
                pinyin, gloss = reading_of(self._readings, c.char), gloss_of(self._readings, c.char)
                b.set_candidate(c.char, c.prob, pinyin, gloss, self._show_prob)
                if gloss:
                    glosses.append(f"{key_label(i)}  {c.char}  {pinyin}  {gloss}".replace(
                        "  " * 2, "  "))
            else:
                b.set_candidate("", 0.0)
        self.gloss_label.setText("\n".join(glosses))
        self.gloss_label.setVisible(bool(glosses))

    def candidates(self) -> list:
        return list(self._candidates)

    def clear(self) -> None:
        self.set_candidates([])

    def pick(self, index: int) -> bool:
        """Pick candidate ``index``; the expanded ones only when the list is expanded."""
        limit = MORE if self.expanded() else TOP
        if 0 <= index < min(limit, len(self._candidates)):
            self.picked.emit(self._candidates[index].char)
            return True
        return False
