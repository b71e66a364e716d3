"""HanziPad's Qt widgets (PySide6).

Small modules by concern: :mod:`.app` (start-up), :mod:`.window` (the main window: widgets,
model, files, settings), :mod:`.actions` (its actions, menus and tool bar as one table),
:mod:`.writing` (the writing controller: the text, the boxes' turns, candidates, undo),
:mod:`.typing_out` (always on top: typing into the focused program), :mod:`.context`
(lexicon and readings loading), :mod:`.session` (text and ink kept across starts),
:mod:`.learning` (writer adaptation), :mod:`.files` (opening files), :mod:`.canvas`
(drawing), :mod:`.commands` (undo), :mod:`.candidates` (candidate bar), :mod:`.linebox`
(line mode), :mod:`.compact` (compact mode), :mod:`.worker` (recognition thread),
:mod:`.style`, :mod:`.fonts`, :mod:`.i18n` and :mod:`.settings`.  Pure logic lives outside
this package.
"""
