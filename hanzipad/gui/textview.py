"""The composed text: shown read-only, a click selects the character under it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit

from hanzipad.gui.fonts import cjk_font

ACCENT = QColor(200, 64, 48)


class ComposedText(QPlainTextEdit):
    """Shows :class:`hanzipad.compose.Composition` text; the window edits it, never the keys.

    It never takes the keyboard focus (keys go to the window's actions), draws the
    insertion cursor itself and highlights the selected entry.
    """

    #: A click: (character offset clicked on or -1 when beside the text, nearest boundary).
    clicked = Signal(int, int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setFont(cjk_font(26))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setAcceptDrops(False)  # dropped files go to the window (open them)
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self._cursor_offset = 0
        self._placeholder = ""

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:  # noqa: N802 - QLineEdit's name, kept for callers
        self.show_text(text, len(text), None)

    def show_text(self, text: str, cursor_offset: int, selected: tuple[int, int] | None) -> None:
        """Show ``text`` with the insertion cursor at ``cursor_offset`` and the characters
        ``selected`` = (start, end) highlighted."""
        if text != self.toPlainText():
            self.setPlainText(text)
        self._cursor_offset = max(0, min(cursor_offset, len(text)))
        extra = []
        if selected is not None and selected[1] > selected[0]:
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(ACCENT.red(), ACCENT.green(), ACCENT.blue(), 70))
            fmt.setProperty(QTextFormat.Property.FullWidthSelection, False)
            sel.format = fmt
            cur = QTextCursor(self.document())
            cur.setPosition(selected[0])
            cur.setPosition(selected[1], QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cur
            extra.append(sel)
        self.setExtraSelections(extra)
        cur = QTextCursor(self.document())
        cur.setPosition(self._cursor_offset)
        self.setTextCursor(cur)
        self.ensureCursorVisible()
        self.viewport().update()

    def cursor_offset(self) -> int:
        return self._cursor_offset

    def char_rect(self, offset: int) -> QRectF:
        """Where the character at ``offset`` is drawn (viewport coordinates)."""
        cur = QTextCursor(self.document())
        cur.setPosition(offset)
        left = self.cursorRect(cur)
        cur.setPosition(offset + 1)
        right = self.cursorRect(cur)
        if right.top() != left.top():  # the next character starts a new line
            right = left.adjusted(left.height() // 2, 0, left.height() // 2, 0)
        return QRectF(left.left(), left.top(), max(1, right.left() - left.left()), left.height())

    def mousePressEvent(self, event):
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        pos = event.position()
        boundary = self.cursorForPosition(pos.toPoint()).position()
        offset = -1
        text = self.toPlainText()
        for candidate in (boundary - 1, boundary):
            if 0 <= candidate < len(text) and text[candidate] != "\n":
                if self.char_rect(candidate).adjusted(0, -2, 0, 2).contains(pos):
                    offset = candidate
                    break
        self.clicked.emit(offset, boundary)
        event.accept()

    def mouseDoubleClickEvent(self, event):
        self.mousePressEvent(event)

    def mouseMoveEvent(self, event):
        event.accept()  # no drag selection: a click picks an entry

    def paintEvent(self, event):
        super().paintEvent(event)
        cur = QTextCursor(self.document())
        cur.setPosition(self._cursor_offset)
        r = self.cursorRect(cur)
        painter = QPainter(self.viewport())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(ACCENT)
        painter.drawRect(QRectF(QPointF(r.left() - 1, r.top() + 2), QPointF(r.left() + 1,
                                                                            r.bottom() - 2)))
        painter.end()
