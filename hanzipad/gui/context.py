"""The writing context: the lexicon (next words, re-ranking) and the readings (pinyin,
gloss), loaded in a thread after the window is up (:class:`ContextLoader`)."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

#: Longest wait before the lexicon and readings are loaded when no model load ends first.
CONTEXT_DELAY_MS = 1500


def load_context() -> tuple[object, object, list]:
    """``(lexicon, readings, problems)``: the next-word/re-ranking lexicon and the pinyin
    and gloss data, each None when its files are missing or broken (then ``problems`` holds
    the exceptions that say why)."""
    from hanzipad.lexicon import Lexicon  # (in this thread: not on the start-up path)
    from hanzipad.readings import Readings

    found, problems = [], []
    for cls in (Lexicon, Readings):
        try:
            found.append(cls.load())
        except Exception as exc:  # noqa: BLE001 - LexiconError, OSError, bad data: go on
            found.append(None)
            problems.append(exc)
    return found[0], found[1], problems


class ContextLoader(QObject):
    """Loads the lexicon and readings in a Python thread; :attr:`done` in the UI thread."""

    done = Signal(object, object, object)

    def start(self) -> None:
        threading.Thread(target=self._run, name="hanzipad-context", daemon=True).start()

    def _run(self) -> None:
        result = load_context()
        try:
            self.done.emit(*result)
        except RuntimeError:  # the window (and this object) went away meanwhile
            pass
