"""Writing text, not characters: :class:`WritingController` owns the composed text, the
two writing boxes' turns, the candidates, the context (lexicon, readings), the undo stack
and what always-on-top mode types into the focused program.

The two boxes are written in turn. The first stroke that starts in the other box commits
the top candidate of the box written before (re-ranked by the text before it when a
lexicon is loaded) and clears that box. No timing is involved: a slow mouse writer or a pen
user pausing to think is never cut off, and a character made of separate parts (川, 儿) is
never split. A pick, Space or Enter commits at once. Every commit is one undo step (undo
takes the character out of the text and puts its ink back into its box). The text is a
:class:`hanzipad.compose.Composition`: a click on a committed character offers its
candidates again, and picking one replaces it.

The controller is given the boxes (canvases) and the recognition worker; it tells the
window what to show through signals (:attr:`~WritingController.textShown`,
:attr:`~WritingController.candidatesChanged`, :attr:`~WritingController.statusMessage`…)
and what the person confirmed (:attr:`~WritingController.confirmed`, for writer adaptation;
:attr:`~WritingController.committed`, the text of each commit).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack

from hanzipad.adapt import STRONG, WEAK
from hanzipad.compose import KEY, WORD, Entry
from hanzipad.gui import settings
from hanzipad.gui.candidates import MORE
from hanzipad.gui.canvas import Canvas, Content
from hanzipad.gui.commands import (
    AddStrokeCommand,
    ClearTextCommand,
    CommitCommand,
    DeleteEntryCommand,
    EraseStrokesCommand,
    ReplaceContentCommand,
    ReplaceEntryCommand,
)
from hanzipad.gui.context import ContextLoader
from hanzipad.gui.i18n import explain, tr
from hanzipad.gui.session import boxes_json, restore_boxes, restored_text
from hanzipad.gui.symbols import PAIRS
from hanzipad.gui.typing_out import TypingOut
from hanzipad.recognizer import Candidate

#: The text and the boxes' ink are saved this long after the last change (and at exit).
SAVE_DELAY_MS = 1000


class WritingController(QObject):
    """The writing logic of the pad. ``boxes`` are the writing boxes (written in turn),
    ``recognition`` the :class:`hanzipad.gui.worker.Recognition` that gives candidates;
    ``own_window`` gives the pad's native window id (for the typist), or None.

    It is the *composer* the text commands of :mod:`hanzipad.gui.commands` act on. Call
    :meth:`start` once the signals are connected."""

    #: The composed text changed (committed, deleted, replaced, undone).
    textChanged = Signal()
    #: The text to show: (text, cursor offset, (start, end) of the marked entry or None).
    textShown = Signal(str, int, object)
    #: Candidates to show: (list of :class:`~hanzipad.recognizer.Candidate`, whether their
    #: numbers are probabilities; False for next-word suggestions).
    candidatesChanged = Signal(object, bool)
    #: Pick the shown candidate with this index (a number key), as a click on it would.
    pickRequested = Signal(int)
    #: Pinyin and gloss data for the candidates (or None).
    readingsChanged = Signal(object)
    #: A status bar message: (text, milliseconds it stays; 0: until the next).
    statusMessage = Signal(str, int)
    #: The lexicon and readings finished loading (or failed: the pad goes on without).
    contextLoaded = Signal()
    #: The person confirmed an entry's ink as a character: (entry, label, weight:
    #: :data:`hanzipad.adapt.STRONG` for a pick, WEAK for a top candidate written on).
    confirmed = Signal(object, str, object)
    #: Text the person put into the composition in one go: a box's character (when its
    #: candidates came, if it was committed before), a suggested word, a line's characters.
    #: (the text before it, the text). Not sent for keys, symbols, re-picks, undo and redo.
    committed = Signal(str, str)
    #: A committed character was picked again: (the text before it, the old text, the new).
    corrected = Signal(str, str, str)

    def __init__(self, boxes: list[Canvas], recognition,
                 own_window: Callable[[], int | None] | None = None,
                 load_context: bool = True, parent: QObject | None = None):
        super().__init__(parent)
        self.boxes = list(boxes)
        self.recognition = recognition
        self.undo_stack = QUndoStack(self)
        self.active = 0  # index of the box written in
        restored = restore_boxes(self.boxes)  # the last session's ink
        if restored is not None:
            self.active = restored
        self.composition = restored_text()
        self.lexicon = None
        self.readings = None
        #: Always-on-top mode's typing into the focused program.
        self.out = TypingOut(lambda: self.composition, own_window, parent=self)
        self.out.statusMessage.connect(self.statusMessage)
        self._cursor_before_select: int | None = None  # where a re-pick puts the cursor back
        self._replacing: Entry | None = None  # the selected entry that writing replaces
        self._pad_generation: int | None = None
        self._box_candidates: list = []  # re-ranked candidates of the active box's ink
        self._box_generation: int | None = None  # the request they answer
        self._pending: dict[int, tuple[Entry, str]] = {}  # generation -> (entry, key)
        self._bar_mode: str | None = None  # "ink", "entry", "next" or None
        self._shown: list = []  # the candidates shown
        #: Milliseconds the last recognition of the active box took.
        self.last_ms: float | None = None
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_text)
        self._context_wanted = load_context
        self._context_loader = ContextLoader(self)
        self._context_loader.done.connect(self._on_context_loaded)
        recognition.candidates.connect(self._on_candidates)
        recognition.requestFailed.connect(self._on_request_failed)
        for i, box in enumerate(self.boxes):
            box.strokeStarting.connect(lambda i=i: self._on_stroke_starting(i))
            box.strokeFinished.connect(lambda stroke, box=box: self._on_stroke(stroke, box))
            box.strokesErased.connect(lambda indices, box=box: self._on_erased(indices, box))
            box.contentChanged.connect(lambda i=i: self._on_box_changed(i))

    def start(self) -> None:
        """Show the text and the active box (its restored ink is recognized)."""
        active, self.active = self.active, -1
        self.set_active_box(active)
        self._show_text()

    @property
    def canvas(self) -> Canvas:
        """The writing box being written in (the other one is empty, or about to be)."""
        return self.boxes[self.active]

    def has_ink(self) -> bool:
        return not self.canvas.is_empty()

    def _show_candidates(self, candidates, show_prob: bool = True) -> None:
        self._shown = list(candidates)[:MORE]
        self.candidatesChanged.emit(list(candidates), show_prob)

    # --------------------------------------------------------------- context
    @Slot()
    def load_context(self) -> None:
        """Load the lexicon and readings in a thread, once (when asked for at all)."""
        if self._context_wanted:
            self._context_wanted = False
            self._context_loader.start()

    @Slot(object, object, object)
    def _on_context_loaded(self, lexicon, readings, problems) -> None:
        self.set_context(lexicon, readings)
        if problems:
            self.statusMessage.emit(
                tr("Writing works without word suggestions: {}").format(
                    "; ".join(explain(p) or type(p).__name__ for p in problems)), 10000)
        self.contextLoaded.emit()

    def set_context(self, lexicon, readings) -> None:
        """Use ``lexicon`` (next words, re-ranking) and ``readings`` (pinyin, gloss); None
        for either means without."""
        self.lexicon, self.readings = lexicon, readings
        self.readingsChanged.emit(readings)
        if self.canvas.is_empty():
            self._show_idle_candidates()

    def rerank(self, before: str, candidates) -> list:
        """The recognizer's candidates re-ranked by the text before them (as they are
        without a lexicon, or when it fails)."""
        candidates = list(candidates)
        if self.lexicon is None or not candidates:
            return candidates
        try:
            return list(self.lexicon.rerank(before, candidates))
        except Exception:  # noqa: BLE001 - context is a help, never a reason to fail
            return candidates

    def _next_words(self, before: str) -> list[str]:
        if self.lexicon is None or not before.strip():
            return []
        try:
            return [w for w in self.lexicon.next_words(before, MORE) if w]
        except Exception:  # noqa: BLE001
            return []

    def _show_idle_candidates(self) -> None:
        """The box is empty: the selected entry's candidates, or next-word suggestions."""
        comp = self.composition
        if comp.selected is not None:
            entry = comp.entry(comp.selected)
            self._bar_mode = "entry"
            self._show_candidates([Candidate(c, p) for c, p in entry.candidates],
                                  entry.kind != WORD)
            return
        words = self._next_words(comp.text_before_cursor())
        self._bar_mode = "next" if words else None
        self._show_candidates([Candidate(w, 0.0) for w in words], False)

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
            self._show_candidates(self._box_candidates)

    @Slot(int, str)
    def _on_request_failed(self, generation: int, message: str) -> None:
        if generation in self._pending:  # a commit that cannot be recognized: drop it
            self._resolve_pending(generation, [])
        elif generation == self._pad_generation:  # no candidates rather than stale ones
            self._box_candidates, self._box_generation = [], None
            if self._bar_mode == "ink":
                self._show_candidates([])

    # ------------------------------------------------------------ the boxes
    def set_active_box(self, index: int) -> None:
        """Make box ``index`` the one written in (its candidates are shown)."""
        changed = index != self.active
        self.active = index
        for i, box in enumerate(self.boxes):
            box.set_active(i == index)
            box.hint = (tr("Write a character here") if i == index
                        else tr("Write the next character here"))
            box.update()
        if changed:
            self.recognize()

    def _on_box_changed(self, index: int) -> None:
        if index == self.active:
            self.recognize()

    def _on_stroke_starting(self, index: int) -> None:
        """A stroke starts in box ``index``: in the other box, commit its character first."""
        comp = self.composition
        if comp.selected is not None:  # writing over a selected character replaces it
            self._replacing = comp.entry(comp.selected)
            self._cursor_before_select = None
            comp.select(None)
            self._show_text()
        if index == self.active:
            return
        if self.canvas.is_empty() or not self.recognition.ready:
            self.set_active_box(index)  # (without a model, the other box keeps its ink)
            return
        self.commit_box(activate=index)

    def commit_box(self, choice: str | None = None, activate: int | None = None) -> Entry:
        """Commit the active box's character into the text at the cursor: ``choice`` or the
        top candidate. When the candidates of what the box shows are not in yet, the entry
        is filled in when they come (its place in the text is kept). One undo step."""
        box_index = self.active
        box = self.boxes[box_index]
        content = box.content()
        current = self._box_generation is not None and self._box_generation == self._pad_generation
        cands = self._box_candidates if (current or choice) else []
        pairs = tuple((c.char, c.prob) for c in cands)
        if choice is not None or cands:
            entry = Entry(choice or cands[0].char, pairs, content)
        else:
            entry = Entry("", (), content, pending=True)
            key = f"commit-{id(entry)}"
            payload = content.image.array if content.image is not None else box.ink()
            self._pending[self.recognition.request(payload, key)] = (entry, key)
        comp, replaced, self._replacing = self.composition, self._replacing, None
        if replaced is not None and comp.index_of(replaced) != comp.cursor - 1:
            replaced = None  # the cursor moved away from it meanwhile
        if replaced is not None:
            self.undo_stack.beginMacro(tr("Replace {} with {}").format(
                replaced.text, entry.text or "…"))
            self.undo_stack.push(DeleteEntryCommand(self, replaced))
        self.undo_stack.push(CommitCommand(self, entry, comp.cursor, box_index,
                                           box_index if activate is None else activate))
        if replaced is not None:
            self.undo_stack.endMacro()
        if entry.text:  # writer adaptation: a pick is sure, writing on only accepts the top
            self.confirmed.emit(entry, entry.text, STRONG if choice is not None else WEAK)
            at = comp.index_of(entry)
            self.committed.emit(comp.text_before(at) if at is not None else "", entry.text)
        self._show_text()
        return entry

    def _resolve_pending(self, generation: int, candidates) -> None:
        entry, key = self._pending.pop(generation)
        self.recognition.forget(key)
        index = self.composition.index_of(entry)
        before = self.composition.text_before(index) if index is not None else ""
        ranked = self.rerank(before, candidates)
        self.composition.resolve(entry, ranked[0].char if ranked else "",
                                 [(c.char, c.prob) for c in ranked])
        if index is None:
            self.out.flush()
            return
        if not ranked:  # nothing recognized (blank ink, a failure): no empty entry stays;
            self.composition.remove(entry)  # undo of its commit still brings the ink back
        else:  # its top candidate, accepted by writing on before it came: learned weakly
            self.confirmed.emit(entry, entry.text, WEAK)
            self.committed.emit(before, entry.text)
        self.text_changed()
        self.out.flush()  # its text, and what was committed after it (always on top)

    def commit_entries(self, entries: list[Entry], picked: list[bool] | None = None) -> None:
        """Put ``entries`` (a written line's characters) into the text at the cursor, one
        undo step (a selected character is replaced, as writing over it does); the pad
        learns the writer's hand from them as from a box's characters (picked: strongly,
        else weakly)."""
        if not entries:
            return
        comp = self.composition
        stack = self.undo_stack
        stack.beginMacro(tr("Commit {}").format("".join(e.text for e in entries)))
        if comp.selected is not None:
            stack.push(DeleteEntryCommand(self, comp.entry(comp.selected)))
        at = comp.cursor
        for i, entry in enumerate(entries):
            stack.push(CommitCommand(self, entry, at + i))
        stack.endMacro()
        self._replacing = self._cursor_before_select = None
        for entry, chosen in zip(entries, picked or [False] * len(entries)):
            self.confirmed.emit(entry, entry.text, STRONG if chosen else WEAK)
        self.committed.emit(comp.text_before(at), "".join(e.text for e in entries))

    # ---------------------------------------------------------------- editing
    def _on_stroke(self, stroke, box: Canvas) -> None:
        self.undo_stack.push(AddStrokeCommand(box, stroke))

    def _on_erased(self, indices, box: Canvas) -> None:
        self.undo_stack.push(EraseStrokesCommand(box, indices))

    @Slot()
    def clear(self) -> None:
        """Esc: clear the box; with nothing in it, end the selection of a character."""
        if not self.canvas.is_empty():
            self._replacing = None
            self.undo_stack.push(ReplaceContentCommand(self.canvas, Content()))
            self._show_text()
        elif self.composition.selected is not None:
            self.composition.select(None)
            self._show_text()
            self._show_idle_candidates()

    def move_cursor(self, where: str) -> None:
        """Left / Right / Home / End: move the text cursor by entries (ends a selection)."""
        comp = self.composition
        target = {"left": comp.cursor - 1, "right": comp.cursor + 1, "home": 0,
                  "end": len(comp)}[where]
        comp.set_cursor(target)
        self._replacing = self._cursor_before_select = None
        self._show_text()
        if self.canvas.is_empty():
            self._show_idle_candidates()

    @Slot(str)
    def pick(self, char: str) -> None:
        """A candidate was picked: commit the box's ink as it, replace the selected
        character, or append a suggested word. The clipboard is left alone."""
        mode = self._bar_mode
        comp = self.composition
        if mode == "entry" and comp.selected is not None:
            entry = comp.entry(comp.selected)
            back = self._cursor_before_select
            self._cursor_before_select = None
            if entry.text != char:  # then the cursor goes back where it was
                old, before = entry.text, comp.text_before(comp.selected)
                self.undo_stack.push(ReplaceEntryCommand(self, entry, char, back))
                self.corrected.emit(before, old, char)
                self.confirmed.emit(entry, char, STRONG)  # a re-pick: that ink was this
            elif back is not None:  # the same: the selection ends all the same
                comp.set_cursor(back)
                self._show_text()
                self._show_idle_candidates()
        elif mode == "next":
            entry = Entry(char, tuple((c.char, 0.0) for c in self._shown), kind=WORD)
            before = comp.text_before_cursor()
            self.undo_stack.push(CommitCommand(self, entry, comp.cursor))
            self.committed.emit(before, char)
        elif not self.canvas.is_empty():
            self.commit_box(choice=char)
        else:
            return
        # a pick goes into the text (and, always on top, into the focused program); the
        # clipboard is the person's own and is only replaced by Copy all
        self.canvas.setFocus()

    @Slot()
    def backspace(self) -> None:
        """The box's last stroke, or (box empty) the character before the cursor."""
        box = self.canvas
        if self.has_ink():
            if box.strokes():
                cmd = EraseStrokesCommand(box, [len(box.strokes()) - 1])
                cmd.setText(tr("Delete stroke"))
            else:
                cmd = ReplaceContentCommand(box, Content())
            self.undo_stack.push(cmd)
            return
        comp = self.composition
        index = comp.selected if comp.selected is not None else comp.cursor - 1
        if 0 <= index < len(comp):
            self.undo_stack.push(DeleteEntryCommand(self, comp.entry(index)))
        # else: nothing of the pad's before the cursor. Never a bare Backspace to the focused
        # program: text there that the pad did not type is not the pad's to delete

    @Slot()
    def delete(self) -> None:
        """Clear the box, or (box empty) delete the character after the cursor."""
        if self.has_ink():
            self.clear()
            return
        comp = self.composition
        if comp.selected is not None:  # the selected character (the cursor is after it)
            self.backspace()
            return
        if comp.cursor < len(comp):
            self.undo_stack.push(DeleteEntryCommand(self, comp.entry(comp.cursor), forward=True))
        # else: nothing of the pad's after the cursor (never a bare Delete, as above)

    @Slot()
    def space(self) -> None:
        """Commit the box's top candidate, or (nothing written) type a space."""
        self._commit_or_key(" ")

    @Slot()
    def enter(self) -> None:
        """Commit the box's top candidate, or (nothing written) start a new line."""
        self._commit_or_key("\n")

    def _commit_or_key(self, text: str) -> None:
        if self.has_ink():
            if self.recognition.ready:
                self.commit_box()
            return
        self.undo_stack.push(CommitCommand(self, Entry(text, kind=KEY), self.composition.cursor,
                                           text=tr("Type {}").format(repr(text))))

    def number_key(self, index: int) -> None:
        """1…9, 0: pick candidate ``index`` while one waits (ink in the box, a selected
        character), else type the digit (next-word suggestions are clicked, not typed)."""
        if self.has_ink() or self.composition.selected is not None:
            self.pickRequested.emit(index)
        else:
            self.type_symbol(str((index + 1) % 10))

    @Slot(str)
    def type_symbol(self, text: str) -> None:
        """A symbol (the symbol bar, the keyboard) goes into the text at the cursor, one undo
        step: the box's character is committed first, a selected character is replaced, and a
        pair of marks goes in as a pair with the cursor between them."""
        if not text:
            return
        if self.has_ink():
            if not self.recognition.ready:
                return
            self.commit_box()
        comp = self.composition
        pair = len(text) == 2 and PAIRS.get(text[0]) == text[1]
        parts = [text[0], text[1]] if pair else [text]
        self.undo_stack.beginMacro(tr("Type {}").format(text))
        if comp.selected is not None:
            self.undo_stack.push(DeleteEntryCommand(self, comp.entry(comp.selected)))
        at = comp.cursor
        for i, part in enumerate(parts):
            self.undo_stack.push(CommitCommand(self, Entry(part, kind=KEY), at + i,
                                               text=tr("Type {}").format(part)))
        self.undo_stack.endMacro()
        self._replacing = self._cursor_before_select = None
        if pair:
            comp.set_cursor(at + 1)
            self._show_text()
            self._show_idle_candidates()

    @Slot()
    def clear_text(self) -> None:
        if len(self.composition):
            self.undo_stack.push(ClearTextCommand(self))

    # --------------------------------------------------------------- the text
    @Slot()
    def save_text(self) -> None:
        """Keep the composed text and the boxes' ink for the next start (settings)."""
        self._save_timer.stop()
        settings.set_composed_text(self.composition.to_dict())
        settings.set_box_ink(boxes_json(self.boxes, self.active))

    def _show_text(self) -> None:
        comp = self.composition
        selected = None
        marked = comp.selected
        if marked is None and self._replacing is not None:
            marked = comp.index_of(self._replacing)  # what the ink being written replaces
        if marked is not None:
            start = comp.offset_of(marked)
            selected = (start, start + len(comp.entry(marked).text))
        self.textShown.emit(comp.text(), comp.cursor_offset(), selected)

    def text_changed(self) -> None:
        """The composition changed (commands call this): show it, offer what comes next."""
        self._show_text()
        if self.canvas.is_empty() or self.composition.selected is not None:
            self._show_idle_candidates()
        self._save_timer.start()
        self.textChanged.emit()

    @Slot(int, int)
    def click_text(self, offset: int, boundary: int) -> None:
        """A click on a committed character (at text ``offset``; -1: none) selects it (its
        candidates come back); a click beside the text moves the cursor to ``boundary``."""
        comp = self.composition
        index = comp.entry_at(offset) if offset >= 0 else None
        self._replacing = None
        if index is not None:
            if comp.selected is None:
                self._cursor_before_select = comp.cursor
            comp.select(index)
        else:
            at = next((i for i in range(len(comp) + 1) if comp.offset_of(i) >= boundary),
                      len(comp))
            comp.set_cursor(at)
            self._cursor_before_select = None
        self._show_text()
        if index is not None or self.canvas.is_empty():
            self._show_idle_candidates()
        elif self._box_candidates:
            self._bar_mode = "ink"
            self._show_candidates(self._box_candidates)

    # ------------------------------------------------- typing into other programs
    @property
    def typist(self):
        """What types into the focused program (:mod:`hanzipad.typist`; made when
        always-on-top mode is first turned on), or None."""
        return self.out.typist

    @typist.setter
    def typist(self, typist) -> None:
        self.out.typist = typist

    def set_typing_out(self, on: bool) -> None:
        """Always-on-top mode on or off: commits, Backspace, Delete, Space and Enter then go
        to the focused program too (:mod:`hanzipad.gui.typing_out`), and the pad keeps its
        own copy of the text."""
        self.out.set_on(on)

    def output_inserted(self, entry: Entry, index: int) -> None:
        """Commands call this after putting ``entry`` at ``index`` (always on top: typed
        into the focused program)."""
        self.out.inserted(entry)

    def output_removed(self, entry: Entry, index: int, forward: bool) -> None:
        """Commands call this when ``entry`` (at ``index``) left the text."""
        self.out.removed(entry)

    def output_replaced(self, entry: Entry) -> None:
        """Commands call this when ``entry`` got another text (a re-pick)."""
        self.out.replaced(entry)

    def close(self) -> None:
        """At exit: keep the text and the ink; the typist lets go of the display."""
        self.save_text()
        self.out.close()
