"""Undo commands for the writing boxes and the composed text (pushed on the window's
QUndoStack)."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from hanzipad.gui.canvas import Canvas, Content
from hanzipad.gui.i18n import tr
from hanzipad.ink import Stroke


class AddStrokeCommand(QUndoCommand):
    """A stroke the user drew; undo removes it (and brings back an image it replaced)."""

    def __init__(self, canvas: Canvas, stroke: Stroke):
        super().__init__(tr("Add stroke"))
        self._canvas = canvas
        self._stroke = tuple(stroke)
        self._before: Content | None = None

    def redo(self):
        content = self._canvas.content()
        self._before = content if content.image is not None else None
        self._canvas.add_stroke(self._stroke)

    def undo(self):
        if self._before is not None:
            self._canvas.set_content(self._before)
        else:
            self._canvas.pop_stroke()


class ReplaceContentCommand(QUndoCommand):
    """Replace everything on the canvas: clearing it, or showing an opened image or ink file."""

    def __init__(self, canvas: Canvas, content: Content, text: str | None = None):
        super().__init__(text or tr("Clear canvas"))
        self._canvas = canvas
        self._after = content
        self._before = canvas.content()

    def redo(self):
        self._canvas.set_content(self._after)

    def undo(self):
        self._canvas.set_content(self._before)


class EraseStrokesCommand(QUndoCommand):
    """Strokes a pen's eraser end touched in one gesture; undo brings them back."""

    def __init__(self, canvas: Canvas, indices):
        super().__init__(tr("Erase strokes"))
        self._canvas = canvas
        self._before = canvas.content()
        gone = set(indices)
        kept = tuple(s for i, s in enumerate(self._before.strokes) if i not in gone)
        ink_size = self._before.ink_size if kept or self._before.image is not None else None
        self._after = Content(kept, ink_size, self._before.image)

    def redo(self):
        self._canvas.set_content(self._after)

    def undo(self):
        self._canvas.set_content(self._before)


# --------------------------------------------------------------------- text
# These act on a *composer*: the WritingController (gui/writing.py), which holds ``composition``
# (:class:`hanzipad.compose.Composition`), the writing ``boxes`` (canvases) and
# ``set_active_box(i)``, ``text_changed()``, ``output_inserted(entry, index)``,
# ``output_removed(entry, index, forward)`` and ``output_replaced(entry)`` (the
# always-on-top mode types into the focused program).


class CommitCommand(QUndoCommand):
    """A character (or word, space, line break) goes into the text at ``index``.

    When it was written in box ``box``, the box is cleared and ``activate`` becomes the
    box written in; undo takes the entry out of the text and puts its ink (``entry.ink``)
    back into its box, in one step.
    """

    def __init__(self, composer, entry, index: int, box: int | None = None,
                 activate: int | None = None, text: str | None = None):
        super().__init__(text or tr("Commit {}").format(entry.text or "…"))
        self._composer = composer
        self.entry = entry
        self._index = index
        self._box = box
        self._activate = box if activate is None else activate

    def redo(self):
        c = self._composer
        index = c.composition.insert(self._index, self.entry)
        if self._box is not None:
            c.set_active_box(self._activate)
            c.boxes[self._box].set_content(Content())
        c.text_changed()
        c.output_inserted(self.entry, index)

    def undo(self):
        c = self._composer
        index = c.composition.remove(self.entry)
        if self._box is not None:
            c.set_active_box(self._box)
            ink = self.entry.ink if isinstance(self.entry.ink, Content) else Content()
            c.boxes[self._box].set_content(ink)
        c.text_changed()
        if index is not None:
            c.output_removed(self.entry, index, False)


class ReplaceEntryCommand(QUndoCommand):
    """An entry of the text gets another candidate (a committed character re-picked). The
    cursor then goes to ``cursor`` (where it was before the character was selected), or,
    without one, stays after the entry with the entry selected."""

    def __init__(self, composer, entry, new_text: str, cursor: int | None = None):
        super().__init__(tr("Replace {} with {}").format(entry.text, new_text))
        self._composer = composer
        self.entry = entry
        self._old, self._new = entry.text, new_text
        self._cursor = cursor

    def _set(self, text: str) -> None:
        c = self._composer
        index = c.composition.index_of(self.entry)
        if index is None:
            return
        c.composition.replace_text(index, text)
        if self._cursor is None:
            c.composition.select(index)
        else:
            c.composition.set_cursor(self._cursor)
        c.text_changed()
        c.output_replaced(self.entry)

    def redo(self):
        self._set(self._new)

    def undo(self):
        self._set(self._old)


class DeleteEntryCommand(QUndoCommand):
    """An entry deleted from the text (Backspace before the cursor, Delete after it)."""

    def __init__(self, composer, entry, forward: bool = False):
        super().__init__(tr("Delete {}").format(entry.text))
        self._composer = composer
        self.entry = entry
        self._forward = forward
        self._index: int | None = None
        self._cursor = composer.composition.cursor

    def redo(self):
        c = self._composer
        self._index = c.composition.remove(self.entry)
        c.text_changed()
        if self._index is not None:
            c.output_removed(self.entry, self._index, self._forward)

    def undo(self):
        c = self._composer
        if self._index is None:
            return
        c.composition.insert(self._index, self.entry)
        c.composition.set_cursor(self._cursor)
        c.text_changed()
        c.output_inserted(self.entry, self._index)


class ClearTextCommand(QUndoCommand):
    """Every entry of the text removed at once; undo brings them back."""

    def __init__(self, composer):
        super().__init__(tr("Clear text"))
        self._composer = composer
        self._entries: list = []
        self._cursor = composer.composition.cursor

    def redo(self):
        self._entries = self._composer.composition.clear()
        self._composer.text_changed()

    def undo(self):
        comp = self._composer.composition
        for i, entry in enumerate(self._entries):
            comp.insert(i, entry)
        comp.set_cursor(self._cursor)
        self._composer.text_changed()
