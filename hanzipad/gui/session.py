"""What the pad keeps across starts (in the settings): the composed text and the ink in
the two writing boxes."""

from __future__ import annotations

import json

from hanzipad import ink as inkfile
from hanzipad.compose import Composition
from hanzipad.gui import settings
from hanzipad.gui.canvas import Content


def restored_text() -> Composition:
    """The last session's text (empty when there is none or it cannot be read)."""
    try:
        return Composition.from_dict(settings.composed_text())
    except ValueError:
        return Composition()


def boxes_json(boxes, active: int) -> str:
    """The boxes' strokes as JSON (an opened image is not kept); "" when both are empty."""
    saved = []
    for box in boxes:
        content = box.content()
        if not content.strokes or content.image is not None:
            saved.append(None)
            continue
        w, h = content.ink_size or (float(box.width()), float(box.height()))
        ink = inkfile.Ink(list(content.strokes), w, h)
        saved.append(ink.to_dict())
    if not any(saved):
        return ""
    return json.dumps({"active": active, "boxes": saved}, ensure_ascii=False)


def restore_boxes(boxes) -> int | None:
    """Put the last session's ink back into ``boxes``; unreadable ink is dropped. Returns
    the box that was written in, or None."""
    text = settings.box_ink()
    if not text:
        return None
    try:  # at most settings.MAX_BOX_INK characters; each box's ink validated below
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    saved = data.get("boxes") if isinstance(data, dict) else None
    if not isinstance(saved, list):
        return None
    for box, item in zip(boxes, saved[:len(boxes)]):
        if item is None:
            continue
        try:
            ink = inkfile.ink_from_dict(item, "saved box")
        except (inkfile.InkError, ValueError, RecursionError):
            continue
        if ink.strokes and ink.width > 0 and ink.height > 0:
            box.set_content(Content(tuple(ink.strokes), (ink.width, ink.height)))
    active = data.get("active") if isinstance(data, dict) else None
    if isinstance(active, int) and not isinstance(active, bool) and 0 <= active < 2:
        return active
    return None
