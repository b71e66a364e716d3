"""View > Line: a wide box for writing a phrase left to right (issue 37).

The line is read by :class:`hanzipad.line.LineReader` in the recognition worker's thread
(:meth:`hanzipad.gui.worker.Recognition.run_in_worker`), after every stroke; while a reading
is being made, only the newest ink waits, so the UI never blocks and never queues. The
reading shows under the box, one button a character: a click opens that character's
alternatives; **Commit** puts the characters into the text at the cursor as entries (one per
character, each with its alternatives, so a click in the text re-picks it, as for a
character written in a box), one undo step, and clears the box for the next line. Going
back to the start of the box after writing at least three characters' width starts a new
line too: the written one is committed (when its reading comes, if it is still being read).

:func:`install_line_mode` adds the box and View > Line (remembered) to the main window.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QAction, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hanzipad.compose import Entry
from hanzipad.gui import settings
from hanzipad.gui.canvas import GRID_COLOR, Canvas, Content
from hanzipad.gui.i18n import explain, tr
from hanzipad.ink import Ink

SETTING = "view/line"
#: A stroke back at the start of a line at least this many line heights wide starts a new
#: line (the written one is committed).
NEW_LINE_WIDTH = 2.5
#: Alternatives offered for one character of the reading.
ALTERNATIVES = 10
#: The writing band the line box's guide lines show: its width over its height, and its least
#: height in pixels.
BAND_ASPECT = 4.8
BAND_MIN = 80.0


def line_mode_setting() -> bool:
    """View > Line was on when the pad last closed."""
    value = settings.settings().value(SETTING, False)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def set_line_mode_setting(on: bool) -> None:
    settings.settings().setValue(SETTING, bool(on))


class LineCanvas(Canvas):
    """A wide writing box with a guide line instead of the character grid. While it has the
    keyboard focus, Enter, Backspace and Esc are its own (:attr:`keyCommand`), not the
    window's shortcuts."""

    #: Enter, Backspace or Esc pressed in the box (the Qt key).
    keyCommand = Signal(int)
    KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Backspace, Qt.Key.Key_Escape)

    def __init__(self, parent: QWidget | None = None, pen_width: float = 8.0):
        super().__init__(parent, pen_width)
        self.setMinimumSize(360, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def _grid_rect(self) -> QRectF:
        return QRectF(self.rect()).adjusted(12, 12, -12, -12)

    def band_rect(self) -> QRectF:
        """The writing band the guide lines show: the box's width, a :data:`BAND_ASPECT` th
        of it high (at least :data:`BAND_MIN` pixels, at most the box), in the middle. The box
        takes all the height the window gives it; the band keeps a line's shape, so a phrase
        is written at the size of a line whatever the box's height (the reading itself does
        not depend on the box: it measures the ink in its own line heights)."""
        r = self._grid_rect()
        h = min(r.height(), max(BAND_MIN, r.width() / BAND_ASPECT))
        return QRectF(r.left(), r.center().y() - h / 2, r.width(), h)

    def _own_key(self, event) -> bool:
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        return mods == Qt.KeyboardModifier.NoModifier and event.key() in self.KEYS

    def event(self, event):
        if event.type() == QEvent.Type.ShortcutOverride and self._own_key(event):
            event.accept()  # delivered as a key press here, not as the window's shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event):  # noqa: N802 - Qt's name
        if self._own_key(event):
            key = event.key()
            self.keyCommand.emit(int(getattr(key, "value", key)))
            event.accept()
            return
        super().keyPressEvent(event)

    def _paint_grid(self, painter: QPainter) -> None:
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
        painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        r = self._grid_rect()
        if r.width() <= 0:
            return
        band = self.band_rect()
        pen = QPen(GRID_COLOR, 1.0)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        for y in (band.top(), band.bottom()):
            painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))
        pen.setStyle(Qt.PenStyle.DotLine)
        painter.setPen(pen)
        y = band.center().y()
        painter.drawLine(QPointF(r.left(), y), QPointF(r.right(), y))


def adapted_scorer(worker):
    """The writer's adapted classifier as a line reader's scorer, when the pad has learned the
    writer's hand: ``worker.adapted`` (set by :mod:`hanzipad.gui.learning`) carrying a
    ``scorer`` attribute (``images -> probabilities``, :func:`hanzipad.linecli.adapted_scorer`);
    None otherwise (the model's own scores)."""
    return getattr(getattr(worker, "adapted", None), "scorer", None)


class _Relay(QObject):
    """Carries a reading from the worker thread to the UI thread (queued)."""

    done = Signal(int, object, object)  # generation, LineReading or None, the error or None


class LineBox(QWidget):
    """The line box: write a phrase, see its reading, pick alternatives, commit."""

    #: The person committed the reading: a list of :class:`hanzipad.compose.Entry` and, for
    #: each, whether the person picked it.
    committed = Signal(object, object)
    #: A new reading is shown (its text; "" when the box is empty).
    readingChanged = Signal(str)

    def __init__(self, recognition=None, lexicon=None, parent: QWidget | None = None,
                 pen_width: float = 8.0):
        super().__init__(parent)
        self.setObjectName("linebox")
        self.recognition = recognition
        #: The lexicon to read with, or a callable giving it (it may load later).
        self.lexicon = lexicon
        self.generation = 0
        self.reading = None  # the LineReading shown
        self._picks: dict[tuple, str] = {}  # a character's strokes -> the alternative picked
        self._busy = False
        self._waiting: tuple[int, Ink] | None = None
        self._shown = 0  # the generation of the reading shown
        #: A line left for a new one before its reading came: (generation, picks), and its
        #: ink when it still has to be sent.
        self._leaving: tuple | None = None  # (generation, picks, canvas content)
        self._leaving_ink: tuple[int, Ink] | None = None
        self._reader = None  # used in the worker thread only
        self._reader_key = None
        self._relay = _Relay()
        self._relay.done.connect(self._on_done)

        self.canvas = LineCanvas(pen_width=pen_width)
        self.canvas.setObjectName("line")
        self.canvas.hint = tr("Write a phrase here, left to right")
        self.canvas.strokeFinished.connect(self._on_stroke)
        self.canvas.strokesErased.connect(self._on_erased)
        self.canvas.keyCommand.connect(self._on_key)
        self.chars_row = QHBoxLayout()
        self.chars_row.setSpacing(4)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.undo_button = self._button("⌫", tr("Remove the last stroke"), self.undo_stroke)
        self.clear_button = self._button("✕", tr("Clear the line"), self.clear)
        self.commit_button = self._button("↵", tr("Commit the line into the text"), self.commit)
        self.commit_button.setObjectName("commitline")
        self.commit_button.setText(tr("Commit"))
        self.commit_button.setFixedWidth(88)
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addLayout(self.chars_row)
        row.addWidget(self.status, 1)
        for b in (self.undo_button, self.clear_button, self.commit_button):
            row.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.canvas, 1)
        layout.addLayout(row)
        self._char_buttons: list[QToolButton] = []
        self._show()

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setFixedHeight(40)
        b.setMinimumWidth(40)
        b.clicked.connect(slot)
        return b

    # -- ink ------------------------------------------------------------------------------

    def ink(self) -> Ink:
        return self.canvas.ink()

    @Slot(object)
    def _on_stroke(self, stroke) -> None:
        if self.starts_new_line(stroke):
            self._leave_line()
        self.canvas.add_stroke(stroke)
        self.request()

    def starts_new_line(self, stroke) -> bool:
        """Whether ``stroke`` goes back to the start of a line of at least three characters'
        width: the person starts a new line (the one written is committed)."""
        from hanzipad.line import line_height, stroke_box

        strokes = self.canvas.strokes()
        if len(strokes) < 3 or not stroke:
            return False
        boxes = [stroke_box(st) for st in strokes if st]
        h = line_height(boxes)
        x0 = min(b.x0 for b in boxes)
        x1 = max(b.x1 for b in boxes)
        b = stroke_box(stroke)
        return (x1 - x0 >= NEW_LINE_WIDTH * h and b.x0 < x0 + 0.6 * h
                and b.x1 < min(x0 + 1.5 * h, x1 - h))

    def _leave_line(self) -> None:
        """Commit the line in the box (now, or when its reading comes) and empty the box."""
        if not self._busy and self._waiting is None:  # its reading is the one shown
            self.commit()
            return
        if self._leaving is not None:  # one line waits for its reading at most
            return
        self._leaving = (self.generation, dict(self._picks), self.canvas.content())
        if self._waiting is not None and self._waiting[0] == self.generation:
            self._leaving_ink, self._waiting = self._waiting, None
        self.canvas.clear()
        self._picks.clear()
        self.reading = None

    def add_stroke(self, stroke) -> None:
        """Add a finished stroke (as if written) and read the line again."""
        self._on_stroke(tuple(stroke))

    @Slot(int)
    def _on_key(self, key: int) -> None:
        """Enter commits the line, Backspace takes its last stroke, Esc clears it."""
        if key in (Qt.Key.Key_Return.value, Qt.Key.Key_Enter.value):
            self.commit()
        elif key == Qt.Key.Key_Backspace.value:
            self.undo_stroke()
        elif key == Qt.Key.Key_Escape.value:
            self.clear()

    @Slot(object)
    def _on_erased(self, indices) -> None:
        """The pen's eraser end touched these strokes: they go, the line is read again."""
        gone = set(indices)
        content = self.canvas.content()
        kept = tuple(s for i, s in enumerate(content.strokes) if i not in gone)
        self.canvas.set_content(type(content)(kept, content.ink_size, content.image))
        self.request()

    @Slot()
    def undo_stroke(self) -> None:
        if self.canvas.pop_stroke() is not None:
            self.request()

    @Slot()
    def clear(self) -> None:
        self.canvas.clear()
        self._picks.clear()
        self.request()

    # -- reading --------------------------------------------------------------------------

    def request(self) -> None:
        """Read the line again (in the worker thread); an empty box shows nothing."""
        self.generation += 1
        ink = self.canvas.ink()
        if ink.is_empty():
            self._waiting = None
            self.reading = None
            self._show()
            return
        if self._busy:
            self._waiting = (self.generation, ink)
        else:
            self._send(self.generation, ink)
        self._show()

    def _send(self, generation: int, ink: Ink) -> None:
        if self.recognition is None:
            return
        self._busy = True
        lexicon = self.lexicon() if callable(self.lexicon) else self.lexicon
        self.recognition.run_in_worker(
            lambda worker, recognizer: self._read(recognizer, lexicon, generation, ink,
                                                  adapted_scorer(worker)))

    def _read(self, recognizer, lexicon, generation: int, ink: Ink, scorer=None) -> None:
        """In the worker thread; ``scorer``: the writer's adapted classifier, if any."""
        from hanzipad.line import LineReader

        try:
            key = (id(recognizer), id(lexicon))
            if self._reader is None or self._reader_key != key:
                self._reader = LineReader(recognizer, lexicon)
                self._reader_key = key
            self._reader.set_scorer(scorer)
            reading = self._reader.read(ink, alternatives=ALTERNATIVES)
        except Exception as exc:  # noqa: BLE001 - said in the box, the app goes on
            self._relay.done.emit(generation, None, exc)
            return
        self._relay.done.emit(generation, reading, None)

    @Slot(int, object, object)
    def _on_done(self, generation: int, reading, error) -> None:
        self._busy = False
        if self._leaving_ink is not None:
            leaving, self._leaving_ink = self._leaving_ink, None
            self._send(*leaving)
        elif self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            self._send(*waiting)
        if self._leaving is not None and generation == self._leaving[0]:
            _gen, picks, content = self._leaving
            self._leaving = None
            entries, picked = self._entries(reading, picks, content)
            if entries:
                self.committed.emit(entries, picked)
            self._show()
            return
        if generation != self.generation:
            return  # older than the ink in the box
        self._shown = generation
        self.reading = reading
        self._error = error
        self._show()

    def is_busy(self) -> bool:
        return self._busy

    # -- what is shown --------------------------------------------------------------------

    def chars(self) -> list[tuple[str, tuple]]:
        """The reading's characters with the person's picks: ``[(char, alternatives)]``."""
        return self._chars(self.reading, self._picks)

    @staticmethod
    def _chars(reading, picks: dict) -> list[tuple[str, tuple]]:
        if reading is None:
            return []
        return [(picks.get(c.strokes, c.text), c.alternatives) for c in reading.chars]

    def text(self) -> str:
        return "".join(c for c, _ in self.chars())

    def _show(self) -> None:
        for b in self._char_buttons:
            self.chars_row.removeWidget(b)
            b.deleteLater()
        self._char_buttons = []
        chars = self.chars()
        for k, (c, _alts) in enumerate(chars):
            b = QToolButton()
            b.setText(c)
            b.setToolTip(tr("Click for other characters"))
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setFixedSize(40, 40)
            font = b.font()
            font.setPointSizeF(font.pointSizeF() * 1.5)
            b.setFont(font)
            b.clicked.connect(lambda _=False, k=k: self.show_alternatives(k))
            self.chars_row.addWidget(b)
            self._char_buttons.append(b)
        waiting = self._busy or self._waiting is not None
        if getattr(self, "_error", None) is not None and not chars:
            self.status.setText(tr("cannot read this line: {}").format(
                explain(self._error) or type(self._error).__name__))
        elif waiting and not chars:
            self.status.setText(tr("reading…"))
        else:
            self.status.setText("")
        self.commit_button.setEnabled(bool(chars))
        self.readingChanged.emit("".join(c for c, _ in chars))

    def show_alternatives(self, k: int) -> QMenu | None:
        """A menu of character ``k``'s alternatives (returned for tests; shown at its
        button)."""
        if self.reading is None or not 0 <= k < len(self.reading.chars):
            return None
        char = self.reading.chars[k]
        menu = QMenu(self)
        for c, p in char.alternatives:
            action = QAction(f"{c}  {p:.0%}", menu)
            action.triggered.connect(lambda _=False, c=c: self.pick(k, c))
            menu.addAction(action)
        if self._char_buttons and k < len(self._char_buttons):
            button = self._char_buttons[k]
            menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        return menu

    def pick(self, k: int, char: str) -> None:
        """Character ``k`` of the reading becomes ``char``."""
        if self.reading is None or not 0 <= k < len(self.reading.chars):
            return
        self._picks[self.reading.chars[k].strokes] = char
        self._show()

    # -- commit ---------------------------------------------------------------------------

    def entries(self) -> list[Entry]:
        """The reading as entries of the text, each with its alternatives (picked first) and
        its strokes (canvas content: a re-pick in the text learns from them)."""
        return self._entries(self.reading, self._picks, self.canvas.content())[0]

    @staticmethod
    def _entries(reading, picks: dict, content) -> tuple[list[Entry], list[bool]]:
        """Entries and, for each, whether the person picked it."""
        out, picked = [], []
        if reading is None:
            return out, picked
        for ch in reading.chars:
            c = picks.get(ch.strokes, ch.text)
            cands = [(c, p) for a, p in ch.alternatives if a == c] or [(c, 0.0)]
            cands += [(a, p) for a, p in ch.alternatives if a != c]
            strokes = tuple(content.strokes[i] for i in ch.strokes
                            if i < len(content.strokes))
            ink = Content(strokes, content.ink_size) if strokes else None
            out.append(Entry(c, tuple((a, float(p)) for a, p in cands), ink))
            picked.append(ch.strokes in picks)
        return out, picked

    @Slot()
    def commit(self) -> None:
        """Emit :attr:`committed` with the reading and clear the box for the next line."""
        entries, picked = self._entries(self.reading, self._picks, self.canvas.content())
        if not entries:
            return
        self.canvas.clear()
        self._picks.clear()
        self.reading = None
        self.request()
        self.committed.emit(entries, picked)


def commit_entries(window, entries: list[Entry], picked: list[bool] | None = None) -> None:
    """Put ``entries`` into ``window``'s text at the cursor, one undo step (a selected
    character is replaced, as writing over it does); the pad learns the writer's hand from
    them as from a box's characters (picked: strongly, else weakly): the window's
    :meth:`hanzipad.gui.writing.WritingController.commit_entries`."""
    window.writing.commit_entries(entries, picked)


def install_line_mode(window) -> LineBox:
    """Add the line box (hidden until View > Line: ``window.line_action``, in the actions
    table) to ``window`` (a :class:`hanzipad.gui.window.MainWindow`, after its layout,
    actions and recognition are built). The line box takes the place of the two boxes and
    their keys."""
    box = LineBox(window.recognition, lambda: window.writing.lexicon,
                  pen_width=float(window.boxes[0].pen_width))
    _place(window, box)
    box.setVisible(False)
    box.committed.connect(lambda entries, picked: commit_entries(window, entries, picked))
    window.line_box = box
    if line_mode_setting():
        window.line_action.setChecked(True)
    return box


def _boxes_row(layout, widget):
    """The box layout (in ``layout`` or nested in it) that holds ``widget`` itself."""
    if layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        inner = layout.itemAt(i).layout()
        if inner is not None:
            found = _boxes_row(inner, widget)
            if found is not None:
                return found
    return None


def _place(window, box: LineBox) -> None:
    """Put the line box in the row of the writing boxes, first, with the boxes' stretch: in
    line mode the boxes and keys are hidden, so the line box has the whole row, all the height
    the boxes had (no empty band under it); otherwise it is hidden and takes nothing. The
    reading does not depend on the box's shape (:mod:`hanzipad.line` measures everything in
    line heights of the ink)."""
    from PySide6.QtWidgets import QBoxLayout

    content = window.boxes[0].parentWidget().layout()
    row = _boxes_row(content, window.boxes[0])
    if isinstance(row, QBoxLayout):
        row.insertWidget(0, box, 1)
    else:  # another layout: under the text, where the boxes are
        content.insertWidget(1, box, 1)


def set_line_mode(window, on: bool) -> None:
    """View > Line on or off (remembered)."""
    on = bool(on)
    window.line_box.setVisible(on)
    for w in window.boxes:
        w.setVisible(not on)
    for b in (window.backspace_button, window.delete_button, window.space_button,
              window.enter_button):
        b.setVisible(not on)
    if window.line_action.isChecked() != on:
        window.line_action.setChecked(on)
    set_line_mode_setting(on)
    if on:
        window.line_box.canvas.setFocus()
