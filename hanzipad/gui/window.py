"""The main window: two writing boxes, candidate bar, composed text, menus, status bar.

The window builds the widgets and handles the model, files and settings; what writing does
(the boxes used in turn, commits, the text, context, typing into other programs) is the
:class:`hanzipad.gui.writing.WritingController` it owns (``window.writing``), and writer
adaptation the :class:`hanzipad.gui.learning.LearningController` (``window.learning``):
both tell the window what to show through signals. The actions are declared as data in
:mod:`hanzipad.gui.actions`; opening files is :mod:`hanzipad.gui.files`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hanzipad import ink as inkfile
from hanzipad.compose import Composition
from hanzipad.gui import settings
from hanzipad.gui.actions import build_actions
from hanzipad.gui.candidates import CandidateBar
from hanzipad.gui.canvas import Canvas, Content
from hanzipad.gui.commands import ReplaceContentCommand
from hanzipad.gui.compact import CompactMode
from hanzipad.gui.context import CONTEXT_DELAY_MS
from hanzipad.gui.files import FileLoader, FileSaver, load_content, open_filters, save_problem
from hanzipad.gui.i18n import explain, tr
from hanzipad.gui.learning import LearningController
from hanzipad.gui.linebox import install_line_mode
from hanzipad.gui.linebox import set_line_mode as switch_line_mode
from hanzipad.gui.style import STYLE_SHEET, app_icon
from hanzipad.gui.symbols import SymbolBar, keyboard_symbol
from hanzipad.gui.textview import ComposedText
from hanzipad.gui.worker import Recognition
from hanzipad.gui.writing import WritingController
from hanzipad.normalize import ImageError

__all__ = ["MainWindow", "apply_on_top", "app_icon", "open_filters", "state_fits"]

def apply_on_top(window: QMainWindow, on: bool) -> None:
    """Turn the window's always-on-top mode on or off (:mod:`hanzipad.gui.ontop`; may be
    called before the window is first shown)."""
    # imported here, from sys.modules each time: tests put a stand-in in its place
    from hanzipad.gui.ontop import set_always_on_top

    set_always_on_top(window, on)


def state_fits(saved: bytes, fresh: bytes) -> bool:
    """Whether ``saved`` (QMainWindow.saveState of an earlier session) differs from ``fresh``
    (this window's own state now) only where a session changes it: the central area's size
    (two 32-bit integers after the 0xfd dock-layout marker) and the toolbar's visibility byte
    (after its name).  Everything else, counts above all, must be byte for byte the same."""
    name = "main-toolbar".encode("utf-16-be")
    at = fresh.find(name)
    if len(saved) != len(fresh) or len(fresh) < 21 or fresh[8] != 0xFD or at < 0:
        return False
    visible = at + len(name)
    for i, (a, b) in enumerate(zip(saved, fresh)):
        if a != b and not (13 <= i < 21 or (i == visible and a in (0, 1))):
            return False
    width, height = int.from_bytes(saved[13:17], "big"), int.from_bytes(saved[17:21], "big")
    return width < 100_000 and height < 100_000


class MainWindow(QMainWindow):
    #: A file was opened and put on the canvas (path).
    fileOpened = Signal(str)
    #: A message about a problem was shown (text); also kept in :attr:`last_error`.
    problem = Signal(str)
    #: The composed text changed (committed, deleted, replaced, undone).
    textChanged = Signal()
    #: The lexicon and readings finished loading (or failed: the pad goes on without).
    contextLoaded = Signal()

    #: Start in always-on-top mode (``hanzipad --always-on-top`` sets it).
    start_on_top = False

    def __init__(self, model: str | Path | None = None, load_model: bool = True,
                 load_context: bool = True):
        super().__init__()
        self.setWindowTitle(tr("HanziPad"))
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.last_error: str | None = None
        self._message_box: QMessageBox | None = None
        self._restyle_pending = False
        self.always_on_top = False

        #: The two writing boxes, written in turn; :attr:`canvas` is the active one.
        self.boxes = [Canvas(pen_width=settings.pen_width()) for _ in range(2)]
        for i, box in enumerate(self.boxes):
            box.setObjectName(f"box{i + 1}")
        self.recognition = Recognition(self)
        #: What writing does (the text, the boxes' turns, candidates, undo, typing out).
        self.writing = WritingController(self.boxes, self.recognition, self._own_window,
                                         load_context, parent=self)
        self.undo_stack = self.writing.undo_stack
        #: Writer adaptation (hanzipad.gui.learning).
        self.learning = LearningController(self.recognition, parent=self)
        self.candidate_bar = CandidateBar()
        self.text = ComposedText()
        self.text.setObjectName("text")
        self.text.setPlaceholderText(tr("Picked characters appear here"))
        self.text.setMinimumHeight(44)  # three lines, or one where the screen is short
        self.text.setMaximumHeight(92)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.copy_button = QPushButton(tr("Copy all"))
        self.copy_button.setMinimumHeight(52)
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and Enter are the pad's
        self.copy_button.clicked.connect(self.copy_all)

        self._build_layout()
        self.toolbar = build_actions(self)  # (hanzipad.gui.actions: menus and tool bar)
        self._add_pen_width(self.toolbar)

        self.model_label = QLabel(tr("model not loaded"))
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)  # a bundle's name is not HTML
        self.model_label.setStyleSheet("padding: 0 6px;")
        self.statusBar().addPermanentWidget(self.model_label)
        self.learning_label = QLabel("")
        self.learning_label.setStyleSheet("padding: 0 6px;")
        self.statusBar().addPermanentWidget(self.learning_label)

        self._open_generation = 0
        self._file_loader = FileLoader(self)
        self._file_loader.done.connect(self._on_file_loaded)
        self._file_saver = FileSaver(self)
        self._file_saver.done.connect(self._on_saved)

        self.recognition.modelLoaded.connect(self._on_model_loaded)
        self.recognition.modelFailed.connect(self._on_model_failed)
        self.recognition.error.connect(self._on_recognition_error)
        self._connect_controllers()
        install_line_mode(self)  # View > Line (issue 37)
        self.writing.start()  # (restored ink: recognized once loaded)

        geometry, state = settings.window_state()
        if geometry is None or not self.restoreGeometry(geometry):
            if geometry is not None:
                settings.bad_window_state("window/geometry")
            self.resize(self._default_size())
        if state is not None and not self._restore_state(state):
            settings.bad_window_state("window/state")
        self.canvas.setFocus()
        if load_model:
            self.load_model(model)
        if load_context:  # never on the start-up path: once the model is in (it needs the
            # CPU first), or after a while when no model is being loaded
            QTimer.singleShot(CONTEXT_DELAY_MS, self, self.writing.load_context)
        self.compact_mode = CompactMode(self)
        if settings.compact():
            QTimer.singleShot(0, self, lambda: self.set_compact(True))
        if self.start_on_top:
            apply_on_top(self, True)  # before the first show: it never takes the focus
            QTimer.singleShot(0, self, lambda: self.set_always_on_top(True))
        #: Settings that could not be read at start-up and were moved aside (messages).
        self.settings_problems: list[str] = settings.take_problems()
        QTimer.singleShot(0, self, self._show_settings_problems)  # after "loading model…"

    def _connect_controllers(self) -> None:
        """What the controllers say goes to the widgets; what the widgets say, to them."""
        writing, learning, status = self.writing, self.learning, self.statusBar()
        writing.textShown.connect(self.text.show_text)
        writing.candidatesChanged.connect(self.candidate_bar.set_candidates)
        writing.pickRequested.connect(self.candidate_bar.pick)
        writing.readingsChanged.connect(self.candidate_bar.set_readings)
        writing.statusMessage.connect(status.showMessage)
        writing.textChanged.connect(self.textChanged)
        writing.contextLoaded.connect(self.contextLoaded)
        writing.confirmed.connect(learning.learn)  # the pad learns the writer's hand
        writing.committed.connect(learning.record_words)  # ...and their words
        writing.corrected.connect(learning.correct_words)
        writing.contextLoaded.connect(lambda: learning.attach_words(writing.lexicon))
        self.candidate_bar.picked.connect(writing.pick)
        self.text.clicked.connect(writing.click_text)
        self.symbol_bar.typed.connect(writing.type_symbol)
        learning.labelChanged.connect(self.learning_label.setText)
        learning.statusMessage.connect(status.showMessage)
        learning.restorableChanged.connect(self.restore_action.setEnabled)

    def _own_window(self) -> int | None:
        """The native window id (the typist leaves the pad's own window alone)."""
        handle = self.windowHandle()
        return int(handle.winId()) if handle is not None else None

    def _restore_state(self, state) -> bool:
        """``restoreState`` for a saved state of the shape this window saves, False for any
        other: Qt reads counts from the bytes and loops over them (a forged toolbar-line count
        froze the start for 20 s)."""
        if not state_fits(bytes(state.data()), bytes(self.saveState().data())):
            return False
        return self.restoreState(state)

    def _show_settings_problems(self) -> None:
        """Say in the status bar that settings were moved aside (each message names the
        settings file and the copy kept of it; they are in the log too)."""
        self.settings_problems.extend(settings.take_problems())  # (compact mode's, say)
        if self.settings_problems:
            self.statusBar().showMessage(
                tr("Settings reset: {}").format(self.settings_problems[0]))

    @property
    def canvas(self) -> Canvas:
        """The writing box being written in (the other one is empty, or about to be)."""
        return self.writing.canvas

    def active_box(self) -> int:
        return self.writing.active

    @property
    def composition(self) -> Composition:
        """The composed text (:attr:`writing`'s)."""
        return self.writing.composition

    # ------------------------------------------------------------------ build
    def _default_size(self) -> QSize:
        """760x720 logical pixels, or less on a small (or highly scaled) screen."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return QSize(760, 720)
        avail = screen.availableGeometry()
        return QSize(min(760, int(avail.width() * 0.9)), min(720, int(avail.height() * 0.9)))

    def _key_button(self, symbol: str, tip: str, slot) -> QToolButton:
        button = QToolButton()
        button.setObjectName("key")
        button.setText(symbol)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        button.setFixedSize(44, 44)
        button.clicked.connect(slot)
        return button

    def _build_layout(self) -> None:
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 0)
        layout.setSpacing(10)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.text, 1)
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        pad = QHBoxLayout()
        pad.setSpacing(6)
        for box in self.boxes:
            pad.addWidget(box, 1)
        keys = QGridLayout()  # one column, or two where the window is short
        keys.setSpacing(6)
        self.backspace_button = self._key_button(
            "⌫", tr("Backspace: the last stroke, or the character before the cursor"),
            self.writing.backspace)
        self.delete_button = self._key_button(
            "⌦", tr("Delete: clear the box, or the character after the cursor"),
            self.writing.delete)
        self.space_button = self._key_button(
            "␣", tr("Space: commit the top candidate, or type a space"), self.writing.space)
        self.enter_button = self._key_button(
            "↵", tr("Enter: commit the top candidate, or start a new line"), self.writing.enter)
        self._keys = keys
        self._key_columns = 0
        self._arrange_keys(1)
        pad.addLayout(keys)
        layout.addLayout(pad, 1)
        # The window may be made smaller than its content (a short screen, 2x scaling): then
        # the text and the boxes scroll; the candidates and symbols below them never do.
        self.scroll_area = QScrollArea()
        self.scroll_area.setObjectName("content")
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setWidget(content)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 4)
        outer.setSpacing(6)
        outer.addWidget(self.scroll_area, 1)
        below = QVBoxLayout()
        below.setContentsMargins(12, 0, 12, 0)
        below.setSpacing(4)
        below.addWidget(self.candidate_bar)
        self.symbol_bar = SymbolBar()
        symbols = QHBoxLayout()
        symbols.setSpacing(4)
        symbols.addWidget(self.symbol_bar, 1)
        self.full_button = QToolButton()
        self.full_button.setObjectName("full")
        self.full_button.setText("⤢")
        self.full_button.setToolTip(tr("Back to the full window"))
        self.full_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.full_button.clicked.connect(lambda: self.set_compact(False))
        self.full_button.setVisible(False)
        symbols.addWidget(self.full_button)
        below.addLayout(symbols)
        outer.addLayout(below)
        # More opens over the boxes, never shrinking them
        self.candidate_bar.set_overlay_host(central)
        self.setCentralWidget(central)
        self.setStyleSheet(STYLE_SHEET)

    def _arrange_keys(self, columns: int) -> None:
        """The four keys in one column, or two by two (the boxes can then be shorter)."""
        if columns == self._key_columns:
            return
        self._key_columns = columns
        keys = (self.backspace_button, self.delete_button, self.space_button, self.enter_button)
        for b in keys:
            self._keys.removeWidget(b)
        for r in range(5):
            self._keys.setRowStretch(r, 0)
        for i, b in enumerate(keys):
            self._keys.addWidget(b, i // columns, i % columns)
        self._keys.setRowStretch(len(keys) // columns, 1)

    def resizeEvent(self, event):  # noqa: N802 - Qt's name
        # short and wide enough (2x scale, a netbook): two columns of keys, taller boxes
        self._arrange_keys(2 if self.height() < 600 and self.width() >= 380 else 1)
        super().resizeEvent(event)

    def event(self, event):
        # palette(...) in a style sheet is resolved when it is applied: apply it again when
        # the system palette changes (a switch to or from a dark theme), once every widget
        # has its new palette
        if event.type() == QEvent.Type.ApplicationPaletteChange and not self._restyle_pending:
            self._restyle_pending = True
            QTimer.singleShot(0, self, self._restyle)  # dropped if the window is deleted
        return super().event(event)

    def keyPressEvent(self, event):  # noqa: N802 - Qt's name
        # a keyboard character with the box empty types into the pad's text (a Chinese input
        # method's punctuation); shortcuts (digits, Space, Esc…) never get here
        mods = event.modifiers() & ~(Qt.KeyboardModifier.ShiftModifier
                                     | Qt.KeyboardModifier.KeypadModifier)
        if mods == Qt.KeyboardModifier.NoModifier and not self.writing.has_ink():
            symbol = keyboard_symbol(event.text(), self.composition.text_before_cursor())
            if symbol is not None:
                self.writing.type_symbol(symbol)
                event.accept()
                return
        super().keyPressEvent(event)

    def _restyle(self) -> None:
        self._restyle_pending = False
        self.setStyleSheet("")
        self.setStyleSheet(STYLE_SHEET)

    def _add_pen_width(self, bar) -> None:
        """The tool bar's right end: the pen width."""
        pen_label = QLabel(tr("Pen width") + " ")
        pen_label.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(pen_label)
        self.pen_spin = QSpinBox()
        self.pen_spin.setRange(settings.MIN_PEN_WIDTH, settings.MAX_PEN_WIDTH)
        self.pen_spin.setValue(int(self.canvas.pen_width))
        self.pen_spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.pen_spin.valueChanged.connect(self.set_pen_width)
        bar.addWidget(self.pen_spin)

    # ------------------------------------------------------------------ model
    def model_metadata(self) -> dict | None:
        """The model.json of the bundle in use (None when it cannot be read)."""
        from hanzipad.bundle import BundleError, default_bundle_path, read_metadata

        path = Path(getattr(self, "_model_path", None) or default_bundle_path())
        try:
            return read_metadata(path / "model.json")
        except (BundleError, OSError, ValueError):
            return None

    def show_about(self):
        """Help > About: version, the model, every training source with its terms."""
        from hanzipad.gui.about import show_about

        self.about_box = show_about(self, self.model_metadata())
        return self.about_box

    def load_model(self, model: str | Path | None) -> None:
        self._model_path = model
        self.statusBar().showMessage(tr("loading model…"))
        self.model_label.setText(tr("loading model…"))
        self.recognition.load(model)

    @Slot(str)
    def _on_model_loaded(self, description: str) -> None:
        QTimer.singleShot(0, self, self.writing.load_context)
        self.model_label.setText(tr("model: {}").format(description))
        if self.statusBar().currentMessage() == tr("loading model…"):
            self.statusBar().clearMessage()  # the permanent label says it; not twice

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        QTimer.singleShot(0, self, self.writing.load_context)
        message = explain(message)
        self.model_label.setText(tr("model not loaded"))
        self.statusBar().showMessage(tr("No model: {}").format(message))
        self.show_problem(tr("Model problem"), tr("No model: {}").format(message) + "\n\n"
                          + tr("Drawing still works, but no candidates can be shown."))

    @Slot(str)
    def _on_recognition_error(self, message: str) -> None:
        self.statusBar().showMessage(tr("recognition failed: {}").format(explain(message)))

    @Slot()
    def copy_all(self) -> None:
        QGuiApplication.clipboard().setText(self.composition.text())
        self.statusBar().showMessage(tr("Copied all text"), 3000)

    @Slot()
    def toggle_more(self) -> None:
        self.candidate_bar.set_expanded(not self.candidate_bar.expanded())

    @Slot(int)
    def set_pen_width(self, width: int) -> None:
        for box in self.boxes:
            box.set_pen_width(width)
        if self.pen_spin.value() != width:
            self.pen_spin.setValue(width)
        settings.set_pen_width(width)

    # ------------------------------------------------------------------ files
    def show_problem(self, title: str, text: str) -> None:
        """A non-modal message (the user can keep drawing) plus the status bar."""
        self.last_error = text
        self.statusBar().showMessage(text.split("\n")[0])
        if self._message_box is not None:
            self._message_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, title, "", QMessageBox.StandardButton.Ok,
                          self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # file names and errors are never markup
        box.setText(text)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _=0, box=box: self._forget_box(box))
        self._message_box = box
        box.show()
        self.problem.emit(text)

    def _forget_box(self, box) -> None:
        if self._message_box is box:
            self._message_box = None

    def message_box(self) -> QMessageBox | None:
        return self._message_box

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, tr("Open image or ink"), settings.last_dir(), open_filters())
        if path:
            self.start_open(path)

    def open_files(self, files: list[str]) -> None:
        """Open the first of ``files`` (command line, drag and drop) off the UI thread."""
        if not files:
            return
        self.start_open(files[0])
        if len(files) > 1:
            self.statusBar().showMessage(tr("{} more files ignored").format(len(files) - 1))

    def start_open(self, path: str | Path) -> int:
        """Open an image or ink file like :meth:`open_file`, but read and parse it in a
        thread: the window keeps answering; the file is shown (:attr:`fileOpened`) or the
        problem said (:attr:`problem`) when it is done.  A later open supersedes this one.
        Returns the request's number."""
        self._open_generation += 1
        path = Path(path)
        self.statusBar().showMessage(tr("Opening {}…").format(path))
        self._file_loader.start(self._open_generation, path, load_content)
        return self._open_generation

    @Slot(int, str, object, str)
    def _on_file_loaded(self, generation: int, path: str, content, error: str) -> None:
        if generation != self._open_generation:
            return  # another file was opened since
        if content is None:
            self.show_problem(tr("Cannot open file"), explain(error))
        else:
            self._show_opened(Path(path), content)

    def open_file(self, path: str | Path) -> bool:
        """Show an image or ink file on the canvas and classify it; False (and a message
        naming the file and the reason) when it cannot be used. Nothing drawn is lost:
        opening is an undoable replacement.  Reads in the calling thread (scripts, tests);
        the window's Open, drops and the command line use :meth:`start_open`."""
        path = Path(path)
        self._open_generation += 1  # an open still reading in a thread is superseded
        try:
            content = load_content(path)
        except (inkfile.InkError, ImageError) as exc:
            self.show_problem(tr("Cannot open file"), explain(exc))
            return False
        self._show_opened(path, content)
        return True

    def _show_opened(self, path: Path, content: Content) -> None:
        settings.set_last_dir(str(path.parent))
        self.undo_stack.push(ReplaceContentCommand(self.canvas, content,
                                                   tr("Open {}").format(path.name)))
        self.statusBar().showMessage(tr("Opened {}").format(path), 4000)
        self.fileOpened.emit(str(path))
        return True

    def save_dialog(self) -> None:
        if not self.canvas.strokes():
            self.show_problem(tr("Cannot save file"), tr("Nothing to save: draw a character first."))
            return
        start = settings.last_dir() or str(Path.home())
        dialog = QFileDialog(self, tr("Save ink"), str(Path(start) / "ink.json"),
                             tr("Ink (*.json)"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        # "shi" becomes shi.json before the dialog checks whether to ask about replacing it
        dialog.setDefaultSuffix("json")
        if dialog.exec() != QFileDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return
        self.start_save(dialog.selectedFiles()[0])

    def save_ink(self, path: str | Path) -> bool:
        """Write the ink as a ``.json`` file, atomically (:mod:`hanzipad.fileio`): a failed
        save leaves the old file and no temporary file; a read-only file is not replaced.
        Writes in the calling thread (scripts, tests); Save uses :meth:`start_save`."""
        return self._on_saved(str(path), FileSaver.write(Path(path), self.canvas.ink()))

    def start_save(self, path: str | Path) -> None:
        """Save like :meth:`save_ink`, writing in a thread (a huge ink takes seconds)."""
        self.statusBar().showMessage(tr("Saving {}…").format(path))
        self._file_saver.start(Path(path), self.canvas.ink())

    @Slot(str, object)
    def _on_saved(self, path: str, error) -> bool:
        if error is not None:
            self.show_problem(tr("Cannot save file"), f"{path}: {save_problem(error)}")
            return False
        settings.set_last_dir(str(Path(path).parent))
        self.statusBar().showMessage(tr("Saved {}").format(path), 4000)
        return True

    # ------------------------------------------------------------ drag & drop
    def dragEnterEvent(self, event):
        urls = event.mimeData().urls()
        if urls and all(u.isLocalFile() for u in urls):
            event.acceptProposedAction()

    def dropEvent(self, event):
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_files(files)

    # ------------------------------------------------------------------ modes
    @Slot(bool)
    def set_always_on_top(self, on: bool) -> None:
        """Stay above other windows without taking the keyboard focus; commits, Backspace,
        Delete, Space and Enter then go to the focused program too (the writing
        controller's typing out), and the pad keeps its own copy of the text."""
        on = bool(on)
        self.always_on_top = on
        if self.on_top_action.isChecked() != on:
            self.on_top_action.setChecked(on)
        apply_on_top(self, on)
        self.writing.set_typing_out(on)

    @Slot(bool)
    def set_compact(self, on: bool) -> None:
        """View > Compact (:mod:`hanzipad.gui.compact`), remembered for the next start."""
        self.compact_mode.set(on)
        if self.compact_action.isChecked() != bool(on):
            self.compact_action.setChecked(bool(on))

    def set_line_mode(self, on: bool) -> None:
        """View > Line (:mod:`hanzipad.gui.linebox`), remembered for the next start."""
        if getattr(self, "line_box", None) is not None:
            switch_line_mode(self, on)

    # ------------------------------------------------------------------ close
    def closeEvent(self, event):
        if self.compact_mode.on:  # the full window's place is what the next start restores
            settings.set_compact_position(self.x(), self.y())
            settings.set_window_state(self.compact_mode.full_geometry(), self.saveState())
        else:
            settings.set_window_state(self.saveGeometry(), self.saveState())
        self.writing.close()  # the text kept, the typist let go
        self._file_saver.wait()  # a save under way ends (atomic: never half a file)
        self.recognition.shutdown()
        if self._message_box is not None:
            self._message_box.close()
        super().closeEvent(event)
