"""Always-on-top mode's typing into the focused program: what the pad commits, deletes and
re-picks goes there too (:mod:`hanzipad.typist` types it, :mod:`hanzipad.output` plans
where), in the order written, and only into text the pad typed there in this run."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal, Slot

from hanzipad.compose import Entry
from hanzipad.gui.i18n import tr
from hanzipad.output import OutputPlanner


class RunRelay(QObject):
    """Brings the typist's ``on_run_broken`` (its thread) to the UI thread."""

    broken = Signal(int, bool)


class TypingOut(QObject):
    """The queue of changes for the focused program and the typist that sends them.
    ``composition`` gives the pad's text; ``own_window`` the pad's native window id (or
    None)."""

    #: A status bar message: (text, milliseconds it stays).
    statusMessage = Signal(str, int)

    def __init__(self, composition: Callable, own_window: Callable[[], int | None] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._composition = composition
        self.own_window = own_window
        self.typist = None
        #: Changes are typed into the focused program (always-on-top mode).
        self.on = False
        self._said_typist = False
        self._output: list[tuple] = []  # for the focused program, in order
        self._planner = OutputPlanner()  # what the focused program holds of the pad's typing
        self._run_relay = RunRelay(self)
        self._run_relay.broken.connect(self._on_run_broken)

    def active(self) -> bool:
        return self.on and self.typist is not None

    def set_on(self, on: bool) -> None:
        """Type into the focused program from now on, or stop; what was typed before is
        left alone. The first time, the status bar says how (or that it cannot)."""
        on = bool(on)
        self.on = on
        self._output.clear()
        self._planner.reset()  # what was typed before is left alone
        if on and self.typist is None:
            from hanzipad.typist import make_typist

            self.typist = make_typist()
        if on and self.typist is not None:
            self.typist.on_run_broken = self._run_relay.broken.emit
        if on and self.typist is not None and not self._said_typist:
            self._said_typist = True
            if self.typist.kind == "clipboard":
                self.statusMessage.emit(
                    tr("Picks are copied to the clipboard (paste them): {}").format(
                        self.typist.reason), 15000)
            else:
                self.statusMessage.emit(tr(
                    "Always on top: the keyboard stays with the program you write in (digits,"
                    " Space and Esc too); click the pad's candidates and keys"), 15000)
        elif on and self.typist is None:
            self.statusMessage.emit(tr("Picks stay in the pad: cannot type into other"
                                       " programs here"), 10000)

    def inserted(self, entry: Entry) -> None:
        """``entry`` went into the text: typed there. A character whose candidates are not
        in yet is typed when they come (:meth:`flush`), and what was committed after it
        waits for it (the order is kept)."""
        if self.active():
            self._output.append(("insert", entry))
            self.flush()

    def removed(self, entry: Entry) -> None:
        """``entry`` left the text: the focused program loses it too, if the pad typed it
        there in this run."""
        if not self.active():
            return
        waiting = [item for item in self._output if item[0] == "insert" and item[1] is entry]
        if waiting:  # never typed (its candidates had not come): forget it
            self._output = [item for item in self._output if item not in waiting]
        else:
            self._output.append(("remove", entry, entry.text))
        self.flush()

    def replaced(self, entry: Entry) -> None:
        """``entry`` got another text (a re-pick)."""
        if not self.active():
            return
        if not any(item[0] == "insert" and item[1] is entry for item in self._output):
            self._output.append(("replace", entry, entry.text))  # else typed as it is now
        self.flush()

    def flush(self) -> None:
        """Send what is queued for the focused program, up to a character still unknown."""
        if not self.active():
            return
        typist = self.typist
        own = self.own_window() if self.own_window is not None else None
        if own is not None and hasattr(typist, "set_own_window"):
            typist.set_own_window(own)
        planner = self._planner
        while self._output:
            item = self._output[0]
            if item[0] == "insert" and item[1].pending:
                return
            self._output.pop(0)
            if item[0] == "insert":
                plan = planner.inserted(item[1], self._composition())
            elif item[0] == "remove":
                plan = planner.removed(item[1], item[2])
            else:
                plan = planner.replaced(item[1], item[2])
            for batch in plan.batches:
                typist.send(batch)
            if plan.pad_only:
                #: Translators: the other program did not get that text from the pad
                self.statusMessage.emit(tr(
                    "Changed in the pad only (the other program did not get it from the pad)"),
                    10000)

    @Slot(int, bool)
    def _on_run_broken(self, run: int, dropped: bool) -> None:
        """The typist found the focus moved or another key or click reached the program:
        what the pad typed there is left alone from now on."""
        if run == self._planner.run.id:
            self._planner.reset()
        if dropped:
            self.statusMessage.emit(tr(
                "Changed in the pad only (the other program was used since the pad typed)"),
                10000)

    def close(self) -> None:
        """The typist lets go of the display (XTest: keysyms put back)."""
        if self.typist is not None:
            self.typist.close()
