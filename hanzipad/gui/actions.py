"""The main window's actions as data: one table (:data:`ACTIONS`) of what each is called,
its keys, icon, tip and handler, the menus and the tool bar as lists of names, and one
function (:func:`build_actions`) that makes the QActions from them.

A handler is a dotted path from the window: ``"open_dialog"`` is ``window.open_dialog``,
``"writing.clear"`` is ``window.writing.clear``.  The texts are marked with ``QT_TR_NOOP``
(translated when the actions are built) but for the few actions that are never shown (their
text is only a name: the cursor keys, the number keys).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TR_NOOP, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSizePolicy, QStyle, QToolBar, QWidget

from hanzipad.gui.candidates import MORE
from hanzipad.gui.i18n import tr


@dataclass(frozen=True)
class ActionSpec:
    #: The window gets the action as ``<name>_action``.
    name: str
    #: Menu text (English, translated when built unless ``translate`` is False).
    text: str
    #: Dotted path from the window to the slot; ``"undo"``/``"redo"``: the undo stack's own
    #: action (enabled and named by the stack).
    handler: str
    shortcuts: tuple[str, ...] = ()
    #: A :class:`QStyle.StandardPixmap` name (the tool bar's icon).
    icon: str | None = None
    #: The tool bar's label, also the tooltip.
    tip: str | None = None
    #: A tooltip only (the label stays the text).
    tooltip: str | None = None
    checkable: bool = False
    #: Dotted path to the bool the action starts checked with (read before it is connected).
    checked: str | None = None
    enabled: bool = True
    #: The handler is connected to ``toggled`` (any change) instead of ``triggered`` (a use).
    toggled: bool = False
    #: Arguments the handler is called with (the action's own are dropped).
    args: tuple = ()
    translate: bool = True


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("open", QT_TR_NOOP("&Open…"), "open_dialog", ("Ctrl+O",),
               "SP_DialogOpenButton", QT_TR_NOOP("Open")),
    ActionSpec("save", QT_TR_NOOP("&Save ink…"), "save_dialog", ("Ctrl+S",),
               "SP_DialogSaveButton", QT_TR_NOOP("Save")),
    ActionSpec("quit", QT_TR_NOOP("&Quit"), "close", ("Ctrl+Q",)),
    ActionSpec("undo", QT_TR_NOOP("&Undo"), "undo", ("Ctrl+Z",), "SP_ArrowBack",
               QT_TR_NOOP("Undo")),
    ActionSpec("redo", QT_TR_NOOP("&Redo"), "redo", ("Ctrl+Shift+Z", "Ctrl+Y"),
               "SP_ArrowForward", QT_TR_NOOP("Redo")),
    ActionSpec("clear", QT_TR_NOOP("&Clear"), "writing.clear", ("Esc",),
               "SP_DialogResetButton", QT_TR_NOOP("Clear")),
    ActionSpec("copy", QT_TR_NOOP("Copy &all"), "copy_all", ("Ctrl+Shift+C",)),
    ActionSpec("clear_text", QT_TR_NOOP("Clear &text"), "writing.clear_text",
               ("Ctrl+Shift+Backspace",)),
    # the pad's keys (window shortcuts, the default; the line box takes its own first)
    ActionSpec("backspace", QT_TR_NOOP("Backspace"), "writing.backspace", ("Backspace",)),
    ActionSpec("delete", QT_TR_NOOP("Delete"), "writing.delete", ("Del",)),
    ActionSpec("space", QT_TR_NOOP("Space"), "writing.space", ("Space",)),
    ActionSpec("enter", QT_TR_NOOP("Enter"), "writing.enter", ("Return", "Enter")),
    *(ActionSpec(f"cursor_{where}", f"cursor {where}", "writing.move_cursor", (key,),
                 args=(where,), translate=False)
      for where, key in (("left", "Left"), ("right", "Right"), ("home", "Home"),
                         ("end", "End"))),
    *(ActionSpec(f"pick_{i + 1}", f"pick {i + 1}", "writing.number_key", (str((i + 1) % 10),),
                 args=(i,), translate=False) for i in range(MORE)),
    ActionSpec("more", QT_TR_NOOP("More candidates"), "toggle_more", ("Ctrl+M",)),
    ActionSpec("on_top", QT_TR_NOOP("Always on &top"), "set_always_on_top",
               tooltip=QT_TR_NOOP("Stay above other windows without taking the keyboard;"
                                  " picks are typed into the program you write in"),
               checkable=True),
    ActionSpec("compact", QT_TR_NOOP("&Compact"), "set_compact", ("Ctrl+Shift+M",),
               tooltip=QT_TR_NOOP("A small floating pad in a corner of the screen"),
               checkable=True),
    ActionSpec("line", QT_TR_NOOP("&Line"), "set_line_mode", ("Ctrl+Shift+L",),
               tooltip=QT_TR_NOOP("Write a whole phrase in one wide box"), checkable=True,
               toggled=True),
    # writer adaptation (hanzipad.gui.learning)
    ActionSpec("learn", QT_TR_NOOP("&Learn from my handwriting"), "learning.set_enabled",
               checkable=True, checked="learning.enabled", toggled=True),
    ActionSpec("forget", QT_TR_NOOP("&Forget my handwriting"), "learning.forget"),
    ActionSpec("restore", QT_TR_NOOP("&Restore my handwriting"), "learning.restore",
               enabled=False),
    ActionSpec("about", QT_TR_NOOP("&About HanziPad"), "show_about", ("F1",)),
)

#: The menu bar: (title, action names; None is a separator).
MENUS: tuple[tuple[str, tuple[str | None, ...]], ...] = (
    (QT_TR_NOOP("&File"), ("open", "save", None, "quit")),
    (QT_TR_NOOP("&Edit"), ("undo", "redo", "clear", "copy", "clear_text", None,
                           "learn", "forget", "restore")),
    (QT_TR_NOOP("&View"), ("more", "on_top", "compact", "line")),
    (QT_TR_NOOP("&Help"), ("about",)),
)

#: The tool bar's actions (None: a separator); the pen width follows them, on the right.
TOOLBAR: tuple[str | None, ...] = ("open", "save", None, "undo", "redo", "clear")


def resolve(root, path: str):
    """``root.a.b`` for ``"a.b"``."""
    for part in path.split("."):
        root = getattr(root, part)
    return root


def _with_args(slot, args: tuple):
    def call(_checked: bool = False) -> None:
        slot(*args)

    return call


def make_action(window, spec: ActionSpec) -> QAction:
    """The QAction of ``spec``, added to ``window`` (its shortcuts work in the whole window)
    and connected to its handler."""
    text = tr(spec.text) if spec.translate else spec.text
    if spec.handler in ("undo", "redo"):  # Qt's own: enabled and named ("Undo Commit 中")
        stack = window.undo_stack
        make = stack.createUndoAction if spec.handler == "undo" else stack.createRedoAction
        action = make(window, text)
    else:
        action = QAction(text, window)
    if spec.icon is not None:
        action.setIcon(window.style().standardIcon(getattr(QStyle.StandardPixmap, spec.icon)))
    if spec.shortcuts:
        action.setShortcuts([QKeySequence(s) for s in spec.shortcuts])
    stack_action = spec.handler in ("undo", "redo")
    if spec.tip and not stack_action:  # (the stack's keep the tooltip it names them with)
        action.setToolTip(tr(spec.tip))
    if spec.tip:
        action.setIconText(tr(spec.tip))
    if spec.tooltip:
        action.setToolTip(tr(spec.tooltip))
    action.setCheckable(spec.checkable)
    if spec.checked is not None:
        action.setChecked(bool(resolve(window, spec.checked)))
    action.setEnabled(spec.enabled)
    if not stack_action:
        slot = resolve(window, spec.handler)
        if spec.args:
            slot = _with_args(slot, spec.args)
        (action.toggled if spec.toggled else action.triggered).connect(slot)
    window.addAction(action)
    return action


def build_actions(window, actions=ACTIONS, menus=MENUS, toolbar=TOOLBAR) -> QToolBar:
    """Make every action of ``actions`` (``window.<name>_action``), the menus and the tool
    bar (returned, added to the window; the caller adds its widgets)."""
    made = {}
    for spec in actions:
        made[spec.name] = make_action(window, spec)
        setattr(window, f"{spec.name}_action", made[spec.name])
    for title, names in menus:
        menu = window.menuBar().addMenu(tr(title))
        for name in names:
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(made[name])
    bar = QToolBar(tr("HanziPad"))
    bar.setObjectName("main-toolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for name in toolbar:
        if name is None:
            bar.addSeparator()
        else:
            bar.addAction(made[name])
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    bar.addWidget(spacer)
    window.addToolBar(bar)
    return bar
