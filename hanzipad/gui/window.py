"""The main window: two writing boxes, candidate bar, composed text, menus, status bar.

Writing text (the boxes used in turn, commits, the text, context, always on top) is
:class:`hanzipad.gui.writing.WritingMixin`; this module builds the window and handles the
model, recognition, files and settings.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import (
    QEvent,
    QFile,
    QFileDevice,
    QIODevice,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QIcon,
    QImageReader,
    QKeySequence,
    QUndoStack,
)
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
    QStyle,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hanzipad import fileio
from hanzipad import ink as inkfile
from hanzipad.bundle import resources_dir
from hanzipad.compose import Entry
from hanzipad.gui import settings
from hanzipad.gui.candidates import MORE, CandidateBar
from hanzipad.gui.canvas import Canvas, Content, ShownImage
from hanzipad.gui.commands import (
    ReplaceContentCommand,
)
from hanzipad.gui.compact import CompactMode
from hanzipad.gui.i18n import explain, os_error, tr
from hanzipad.gui.learning import LearningMixin
from hanzipad.gui.symbols import SymbolBar, keyboard_symbol
from hanzipad.gui.textview import ComposedText
from hanzipad.gui.worker import Recognition
from hanzipad.gui.writing import (
    CONTEXT_DELAY_MS,
    ContextLoader,
    RunRelay,
    WritingMixin,
    apply_on_top,
)
from hanzipad.normalize import ImageError, load_image
from hanzipad.output import OutputPlanner

#: Longest side an opened image is decoded at for display (the recognizer uses its own copy).
DISPLAY_SIDE = 1024

#: Shapes and the accent only: every other colour is a palette role, so a dark system
#: palette gives light text on dark fields (re-applied when the palette changes).
STYLE_SHEET = (
    "QPlainTextEdit#text { border: 1px solid palette(mid); border-radius: 8px; padding: 2px 6px;"
    " background: palette(base); color: palette(text); }"
    "QPushButton, QToolButton#more, QToolButton#key { border: 1px solid palette(mid);"
    " border-radius: 10px; padding: 4px 14px; background: palette(button);"
    " color: palette(button-text); }"
    "QToolButton#key { padding: 2px; font-size: 18px; }"
    "QPushButton:hover, QToolButton#more:hover, QToolButton#key:hover { border-color: #c84030; }"
    "QToolButton#more:checked { background: palette(alternate-base); border-color: #c84030; }"
    "QScrollArea#more-panel { border: 1px solid #c84030; border-radius: 8px;"
    " background: palette(window); }"
)


def open_filters() -> str:
    """The Open dialog's filters: every image type the normalizer reads and ink (JSON)."""
    from hanzipad.normalize import IMAGE_SUFFIXES

    images = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
    ink = "*.json"
    return ";;".join((tr("Images and ink ({})").format(f"{images} {ink}"),
                      tr("Images ({})").format(images), tr("Ink ({})").format(ink),
                      tr("All files (*)")))


def app_icon() -> QIcon:
    icons = resources_dir() / "icons"
    for name in ("hanzipad.svg", "hanzipad.png"):
        if (icons / name).is_file():
            return QIcon(str(icons / name))
    return QIcon()


def os_error_text(exc: OSError) -> str:
    """Why a file operation failed, in the UI language."""
    if isinstance(exc, fileio.ReadOnlyFileError):
        return tr("the file is read-only; it was not changed")
    if isinstance(exc, IsADirectoryError):
        return tr("is a folder, not a file")
    if isinstance(exc, fileio.NotAFileError):
        return tr("not a regular file")
    return os_error(exc)


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


class FileLoader(QObject):
    """Reads and parses a file in a Python thread (an ink near the size limit takes seconds;
    the window keeps answering meanwhile); :attr:`done` comes in the UI thread."""

    #: (request number, path, the Content or None, the one-line error or "")
    done = Signal(int, str, object, str)

    def start(self, generation: int, path: Path, load) -> None:
        threading.Thread(target=self._run, args=(generation, path, load),
                         name="hanzipad-open", daemon=True).start()

    def _run(self, generation: int, path: Path, load) -> None:
        try:
            content, error = load(path), ""
        except (inkfile.InkError, ImageError) as exc:
            content, error = None, str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure is a message, never a crash
            content, error = None, f"{path}: {exc or type(exc).__name__}"
        try:
            self.done.emit(generation, str(path), content, error)
        except RuntimeError:  # the window (and this object) went away meanwhile
            pass


class MainWindow(LearningMixin, WritingMixin, QMainWindow):
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
        self.last_ms: float | None = None
        self._message_box: QMessageBox | None = None
        self._restyle_pending = False

        self.undo_stack = QUndoStack(self)
        #: The two writing boxes, written in turn; :attr:`canvas` is the active one.
        self.boxes = [Canvas(pen_width=settings.pen_width()) for _ in range(2)]
        for i, box in enumerate(self.boxes):
            box.setObjectName(f"box{i + 1}")
        self._active = 0
        self._restore_boxes()
        self.composition = self._restored_text()
        self.lexicon = None
        self.readings = None
        self.typist = None
        self.always_on_top = False
        self._said_typist = False
        self._output: list[tuple] = []  # for the focused program, in order (always on top)
        self._planner = OutputPlanner()  # what the focused program holds of the pad's typing
        self._run_relay = RunRelay(self)
        self._run_relay.broken.connect(self._on_run_broken)
        self._cursor_before_select: int | None = None  # where a re-pick puts the cursor back
        self._replacing: Entry | None = None  # the selected entry that writing replaces
        self._pad_generation: int | None = None
        self._box_candidates: list = []  # re-ranked candidates of the active box's ink
        self._box_generation: int | None = None  # the request they answer
        self._pending: dict[int, tuple[Entry, str]] = {}  # generation -> (entry, key)
        self._bar_mode: str | None = None  # "ink", "entry", "next" or None
        self.candidate_bar = CandidateBar()
        self.text = ComposedText()
        self.text.setObjectName("text")
        self.text.setPlaceholderText(tr("Picked characters appear here"))
        self.text.setMinimumHeight(44)  # three lines, or one where the screen is short
        self.text.setMaximumHeight(92)
        self.text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.text.clicked.connect(self._on_text_clicked)
        self.copy_button = QPushButton(tr("Copy all"))
        self.copy_button.setMinimumHeight(52)
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Space and Enter are the pad's
        self.copy_button.clicked.connect(self.copy_all)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(1000)
        self._save_timer.timeout.connect(self.save_text)

        self._build_layout()
        self._build_actions()

        self.model_label = QLabel(tr("model not loaded"))
        self.model_label.setTextFormat(Qt.TextFormat.PlainText)  # a bundle's name is not HTML
        self.model_label.setStyleSheet("padding: 0 6px;")
        self.statusBar().addPermanentWidget(self.model_label)

        self._open_generation = 0
        self._file_loader = FileLoader(self)
        self._file_loader.done.connect(self._on_file_loaded)

        self.recognition = Recognition(self)
        self.recognition.modelLoaded.connect(self._on_model_loaded)
        self.recognition.modelFailed.connect(self._on_model_failed)
        self.recognition.candidates.connect(self._on_candidates)
        self.recognition.error.connect(self._on_recognition_error)
        self.recognition.requestFailed.connect(self._on_request_failed)
        self._install_learning()  # writer adaptation (hanzipad.gui.learning)
        from hanzipad.gui.linebox import install_line_mode  # View > Line (issue 37)

        install_line_mode(self)

        for i, box in enumerate(self.boxes):
            box.strokeStarting.connect(lambda i=i: self._on_stroke_starting(i))
            box.strokeFinished.connect(lambda stroke, box=box: self._on_stroke(stroke, box))
            box.strokesErased.connect(lambda indices, box=box: self._on_erased(indices, box))
            box.contentChanged.connect(lambda i=i: self._on_box_changed(i))
        active, self._active = self._active, -1  # (restored ink: recognized once loaded)
        self.set_active_box(active)
        self.candidate_bar.picked.connect(self.pick)
        self._show_text()

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
        self._context_loader = ContextLoader(self)
        self._context_loader.done.connect(self._on_context_loaded)
        self._context_wanted = load_context
        if load_context:  # never on the start-up path: once the model is in (it needs the
            # CPU first), or after a while when no model is being loaded
            QTimer.singleShot(CONTEXT_DELAY_MS, self, self._load_context)
        self.compact_mode = CompactMode(self)
        if settings.compact():
            QTimer.singleShot(0, self, lambda: self.set_compact(True))
        if self.start_on_top:
            apply_on_top(self, True)  # before the first show: it never takes the focus
            QTimer.singleShot(0, self, lambda: self.set_always_on_top(True))
        #: Settings that could not be read at start-up and were moved aside (messages).
        self.settings_problems: list[str] = settings.take_problems()
        QTimer.singleShot(0, self, self._show_settings_problems)  # after "loading model…"

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
        return self.boxes[self._active]

    def active_box(self) -> int:
        return self._active

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
            self.backspace)
        self.delete_button = self._key_button(
            "⌦", tr("Delete: clear the box, or the character after the cursor"), self.delete)
        self.space_button = self._key_button(
            "␣", tr("Space: commit the top candidate, or type a space"), self.space)
        self.enter_button = self._key_button(
            "↵", tr("Enter: commit the top candidate, or start a new line"), self.enter)
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
        self.symbol_bar.typed.connect(self.type_symbol)
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
        if mods == Qt.KeyboardModifier.NoModifier and not self._has_ink():
            symbol = keyboard_symbol(event.text(), self.composition.text_before_cursor())
            if symbol is not None:
                self.type_symbol(symbol)
                event.accept()
                return
        super().keyPressEvent(event)

    def _restyle(self) -> None:
        self._restyle_pending = False
        self.setStyleSheet("")
        self.setStyleSheet(STYLE_SHEET)

    def _action(self, text, slot, shortcuts=(), icon=None, tip=None) -> QAction:
        action = QAction(text, self)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setToolTip(tip)
            action.setIconText(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.open_action = self._action(tr("&Open…"), self.open_dialog, ["Ctrl+O"],
                                        sp.SP_DialogOpenButton, tr("Open"))
        self.save_action = self._action(tr("&Save ink…"), self.save_dialog, ["Ctrl+S"],
                                        sp.SP_DialogSaveButton, tr("Save"))
        self.quit_action = self._action(tr("&Quit"), self.close, ["Ctrl+Q"])
        # Qt's own undo/redo actions: enabled and named ("Undo Commit 中") by the stack
        self.undo_action = self.undo_stack.createUndoAction(self, tr("&Undo"))
        self.redo_action = self.undo_stack.createRedoAction(self, tr("&Redo"))
        for action, keys, icon, tip in (
                (self.undo_action, ["Ctrl+Z"], sp.SP_ArrowBack, tr("Undo")),
                (self.redo_action, ["Ctrl+Shift+Z", "Ctrl+Y"], sp.SP_ArrowForward, tr("Redo"))):
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setIcon(self.style().standardIcon(icon))
            action.setIconText(tip)
            self.addAction(action)
        self.clear_action = self._action(tr("&Clear"), self.clear, ["Esc"],
                                         sp.SP_DialogResetButton, tr("Clear"))
        self.copy_action = self._action(tr("Copy &all"), self.copy_all, ["Ctrl+Shift+C"])
        self.clear_text_action = self._action(tr("Clear &text"), self.clear_text,
                                              ["Ctrl+Shift+Backspace"])
        self.backspace_action = self._action(tr("Backspace"), self.backspace, ["Backspace"])
        self.delete_action = self._action(tr("Delete"), self.delete, ["Del"])
        self.space_action = self._action(tr("Space"), self.space, ["Space"])
        self.enter_action = self._action(tr("Enter"), self.enter, ["Return", "Enter"])
        self.cursor_actions = [
            self._action(f"cursor {where}", lambda _=False, w=where: self.move_cursor(w), [key])
            for where, key in (("left", "Left"), ("right", "Right"), ("home", "Home"),
                               ("end", "End"))]
        for a in (self.backspace_action, self.delete_action, self.space_action,
                  self.enter_action, *self.cursor_actions):
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.more_action = self._action(tr("More candidates"), self._toggle_more, ["Ctrl+M"])
        self.on_top_action = self._action(tr("Always on &top"), self.set_always_on_top)
        self.on_top_action.setCheckable(True)
        self.compact_action = self._action(tr("&Compact"), self.set_compact, ["Ctrl+Shift+M"])
        self.compact_action.setCheckable(True)
        self.compact_action.setToolTip(tr("A small floating pad in a corner of the screen"))
        self.on_top_action.setToolTip(tr("Stay above other windows without taking the keyboard;"
                                         " picks are typed into the program you write in"))
        self.pick_actions = []
        for i in range(MORE):
            a = self._action(f"pick {i + 1}", lambda _=False, i=i: self.number_key(i),
                             [str((i + 1) % 10)])
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.pick_actions.append(a)

        menu = self.menuBar().addMenu(tr("&File"))
        menu.addAction(self.open_action)
        menu.addAction(self.save_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        menu = self.menuBar().addMenu(tr("&Edit"))
        for a in (self.undo_action, self.redo_action, self.clear_action, self.copy_action,
                  self.clear_text_action):
            menu.addAction(a)
        menu = self.menuBar().addMenu(tr("&View"))
        menu.addAction(self.more_action)
        menu.addAction(self.on_top_action)
        menu.addAction(self.compact_action)
        self.about_action = self._action(tr("&About HanziPad"), self.show_about, ["F1"])
        menu = self.menuBar().addMenu(tr("&Help"))
        menu.addAction(self.about_action)

        bar = QToolBar(tr("HanziPad"))
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for a in (self.open_action, self.save_action, None, self.undo_action, self.redo_action,
                  self.clear_action):
            if a is None:
                bar.addSeparator()
            else:
                bar.addAction(a)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        pen_label = QLabel(tr("Pen width") + " ")
        pen_label.setTextFormat(Qt.TextFormat.PlainText)
        bar.addWidget(pen_label)
        self.pen_spin = QSpinBox()
        self.pen_spin.setRange(settings.MIN_PEN_WIDTH, settings.MAX_PEN_WIDTH)
        self.pen_spin.setValue(int(self.canvas.pen_width))
        self.pen_spin.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.pen_spin.valueChanged.connect(self.set_pen_width)
        bar.addWidget(self.pen_spin)
        self.addToolBar(bar)
        self.toolbar = bar

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

    def _load_context(self) -> None:
        if self._context_wanted:
            self._context_wanted = False
            self._context_loader.start()

    @Slot(str)
    def _on_model_loaded(self, description: str) -> None:
        QTimer.singleShot(0, self, self._load_context)
        self.model_label.setText(tr("model: {}").format(description))
        if self.statusBar().currentMessage() == tr("loading model…"):
            self.statusBar().clearMessage()  # the permanent label says it; not twice

    @Slot(str)
    def _on_model_failed(self, message: str) -> None:
        QTimer.singleShot(0, self, self._load_context)
        message = explain(message)
        self.model_label.setText(tr("model not loaded"))
        self.statusBar().showMessage(tr("No model: {}").format(message))
        self.show_problem(tr("Model problem"), tr("No model: {}").format(message) + "\n\n"
                          + tr("Drawing still works, but no candidates can be shown."))

    # ------------------------------------------------------------ recognition
    @Slot()
    def recognize(self) -> None:
        """Ask the worker for candidates for what the active box shows now (never waits)."""
        box = self.canvas
        if box.is_empty():
            self._pad_generation = self.recognition.request(None)
            self._box_candidates, self._box_generation = [], None
            self._show_idle_candidates()
            return
        image = box.image()
        self._pad_generation = self.recognition.request(
            image.array if image is not None else box.ink())

    @Slot(int, object, float)
    def _on_candidates(self, generation: int, candidates, ms: float) -> None:
        if generation in self._pending:
            self._resolve_pending(generation, candidates)
            return
        if generation != self._pad_generation:
            return
        self.last_ms = ms
        self._box_candidates = self.rerank(self.composition.text_before_cursor(), candidates)
        self._box_generation = generation
        if self.composition.selected is None:
            self._bar_mode = "ink"
            self.candidate_bar.set_candidates(self._box_candidates)

    @Slot(int, str)
    def _on_request_failed(self, generation: int, message: str) -> None:
        if generation in self._pending:  # a commit that cannot be recognized: drop it
            self._resolve_pending(generation, [])
        elif generation == self._pad_generation:  # no candidates rather than stale ones
            self._box_candidates, self._box_generation = [], None
            if self._bar_mode == "ink":
                self.candidate_bar.clear()

    @Slot(str)
    def _on_recognition_error(self, message: str) -> None:
        self.statusBar().showMessage(tr("recognition failed: {}").format(explain(message)))

    @Slot()
    def copy_all(self) -> None:
        QGuiApplication.clipboard().setText(self.composition.text())
        self.statusBar().showMessage(tr("Copied all text"), 3000)

    def _toggle_more(self) -> None:
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
        self._file_loader.start(self._open_generation, path, self._load_content)
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
            content = self._load_content(path)
        except (inkfile.InkError, ImageError) as exc:
            self.show_problem(tr("Cannot open file"), explain(str(exc)))
            return False
        self._show_opened(path, content)
        return True

    def _load_content(self, path: Path) -> Content:
        """The canvas content of an image or ink file (any thread: no widget is touched);
        InkError or ImageError naming the file when it cannot be used."""
        if inkfile.is_ink_path(path):
            return self._ink_content(self._read_ink(path), path)
        return Content(image=self._image_content(path))

    def _show_opened(self, path: Path, content: Content) -> None:
        settings.set_last_dir(str(path.parent))
        self.undo_stack.push(ReplaceContentCommand(self.canvas, content,
                                                   tr("Open {}").format(path.name)))
        self.statusBar().showMessage(tr("Opened {}").format(path), 4000)
        self.fileOpened.emit(str(path))
        return True

    @staticmethod
    def _read_ink(path: Path) -> inkfile.Ink:
        if path.suffix.lower() != ".jsonl":
            return inkfile.load(path)
        for _, item in inkfile.iter_jsonl(path):  # a .jsonl file: its first usable line
            if isinstance(item, inkfile.Ink) and not item.is_empty():
                return item
        raise inkfile.InkError(f"{path}: " + tr("no usable ink line in this file"))

    def _ink_content(self, ink: inkfile.Ink, path: Path) -> Content:
        strokes = tuple(s for s in ink.strokes if s)
        if not strokes:
            raise inkfile.InkError(f"{path}: "
                                   + tr("no strokes to show (the stroke list is empty)"))
        x0, y0, x1, y1 = ink.bounds()
        if not (ink.width > 0 and ink.height > 0):
            # no writing box given (pen data such as CASIA's .pot, in tablet units): frame the
            # character itself, centred with a margin, instead of a dot on a page-sized box
            extent = max(x1 - x0, y1 - y0, 1.0)
            side = extent * 1.3
            dx, dy = (side - (x1 - x0)) / 2 - x0, (side - (y1 - y0)) / 2 - y0
            strokes = tuple(tuple(type(p)(p.x + dx, p.y + dy, p.t, p.pressure) for p in s)
                            for s in strokes)
            return Content(strokes=strokes, ink_size=(side, side))
        w = ink.width if ink.width > 0 and ink.width >= x1 else max(x1 + x0, 1.0)
        h = ink.height if ink.height > 0 and ink.height >= y1 else max(y1 + y0, 1.0)
        if x0 < 0 or y0 < 0:  # keep negative coordinates visible: move the ink into view
            dx, dy = -min(x0, 0.0), -min(y0, 0.0)
            strokes = tuple(tuple(type(p)(p.x + dx, p.y + dy, p.t, p.pressure) for p in s)
                            for s in strokes)
            w, h = max(w, x1 + dx), max(h, y1 + dy)
        side = max(w, h)
        return Content(strokes=strokes, ink_size=(side, side))

    def _image_content(self, path: Path) -> ShownImage:
        array = load_image(path)  # raises ImageError naming the file and the problem
        try:  # the display copy read from a regular file only (never blocks on a FIFO)
            with fileio.open_regular(path) as file:
                device = QFile()
                device.open(file.fileno(), QIODevice.OpenModeFlag.ReadOnly,
                            QFileDevice.FileHandleFlag.DontCloseHandle)
                reader = QImageReader(device)
                reader.setAutoTransform(True)
                size = reader.size()
                if size.isValid() and max(size.width(), size.height()) > DISPLAY_SIDE:
                    reader.setScaledSize(size.scaled(DISPLAY_SIDE, DISPLAY_SIDE,
                                                     Qt.AspectRatioMode.KeepAspectRatio))
                image = reader.read()
                device.close()
        except OSError as exc:  # swapped for something else since load_image read it
            raise ImageError(f"{path}: {exc.strerror or exc}") from None
        if image.isNull():  # Qt cannot decode it but Pillow could: show what the model sees
            from PySide6.QtGui import QImage

            inverted = (255 - array).copy()
            image = QImage(inverted.data, 64, 64, 64, QImage.Format.Format_Grayscale8).copy()
        return ShownImage(image=image, array=array, path=str(path))

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
        self.save_ink(dialog.selectedFiles()[0])

    def save_ink(self, path: str | Path) -> bool:
        """Write the ink as a ``.json`` file, atomically (:mod:`hanzipad.fileio`): a failed
        save leaves the old file and no temporary file; a read-only file is not replaced."""
        path = Path(path)
        try:  # rounded, so that it always opens again (hanzipad.ink.saved_text)
            fileio.write_text(path, inkfile.saved_text(self.canvas.ink()) + "\n")
        except inkfile.InkError as exc:
            self.show_problem(tr("Cannot save file"), f"{path}: {explain(str(exc))}")
            return False
        except OSError as exc:
            self.show_problem(tr("Cannot save file"), f"{path}: {os_error_text(exc)}")
            return False
        settings.set_last_dir(str(path.parent))
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

    # ------------------------------------------------------------------ close
    @Slot(bool)
    def set_compact(self, on: bool) -> None:
        """View > Compact (:mod:`hanzipad.gui.compact`), remembered for the next start."""
        self.compact_mode.set(on)
        if self.compact_action.isChecked() != bool(on):
            self.compact_action.setChecked(bool(on))

    def closeEvent(self, event):
        if self.compact_mode.on:  # the full window's place is what the next start restores
            settings.set_compact_position(self.x(), self.y())
            settings.set_window_state(self.compact_mode.full_geometry(), self.saveState())
        else:
            settings.set_window_state(self.saveGeometry(), self.saveState())
        self.save_text()
        if self.typist is not None:
            self.typist.close()
        self.recognition.shutdown()
        if self._message_box is not None:
            self._message_box.close()
        super().closeEvent(event)
