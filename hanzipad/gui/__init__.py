"""HanziPad's Qt widgets (PySide6).

Small modules by concern: :mod:`.app` (start-up), :mod:`.window` (main window),
:mod:`.canvas` (drawing), :mod:`.commands` (undo), :mod:`.candidates`
(candidate bar), :mod:`.worker` (recognition thread), :mod:`.fonts`,
:mod:`.i18n` and :mod:`.settings`.  Pure logic lives outside this package.
"""
