"""Undo commands for the canvas (pushed on the window's QUndoStack)."""

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
