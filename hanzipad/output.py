"""What the pad typed into another program, and the fewest keys that keep it in step (Qt-free).

In always-on-top mode every commit is typed into the program that has the keyboard focus.
That program's text is sacred: the pad only ever moves the cursor in it or deletes there
characters that it typed itself, in this run, since that program last had the focus and since
nothing else (a key, a click in it) could have moved its cursor. Those characters are the
*typed run* (:class:`TypedRun`): entries of the pad's :class:`~hanzipad.compose.Composition`,
consecutive there, that the program holds in the same order, with the program's cursor at a
known offset among them.

:class:`OutputPlanner` turns the composition's changes into *batches* of keys for the typist
(:mod:`hanzipad.typist`). A batch that moves the cursor or deletes (``edits=True``) is sent only
while the run is unbroken, which the typist checks just before it sends it (same focused
window, no foreign key or click since the run began); otherwise it is dropped whole and the
run ends. Typing new text is never dropped: it goes where the program's cursor is. Restored
text from an earlier run, text typed before a focus change, or entries the run cannot reach
are the pad's own: changing them changes only the pad's copy (:attr:`Plan.pad_only`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hanzipad.compose import KEY, Composition, Entry

#: Keys a typed space or line break is sent as.
KEY_NAMES = {" ": "space", "\n": "Return"}


@dataclass
class Batch:
    """Keys for the typist, sent all or none. ``ops``: ``("text", str)`` or ``("key", name)``.
    ``edits``: it moves the cursor or deletes, so it needs run ``run`` to be unbroken."""

    run: int
    edits: bool
    ops: list[tuple[str, str]]


@dataclass
class Plan:
    """What one change of the composition sends, and whether it changed the pad's copy only."""

    batches: list[Batch] = field(default_factory=list)
    pad_only: bool = False


def typing_ops(entry: Entry) -> list[tuple[str, str]]:
    if not entry.text:
        return []
    if entry.kind == KEY and entry.text in KEY_NAMES:
        return [("key", KEY_NAMES[entry.text])]
    return [("text", entry.text)]


def moves(delta: int) -> list[tuple[str, str]]:
    """Cursor keys that move the program's cursor by ``delta`` characters."""
    return [("key", "Right" if delta > 0 else "Left")] * abs(delta)


@dataclass
class TypedRun:
    """Entries the focused program holds as the pad typed them (in order, each with the text
    it was typed as) and its cursor's offset among their characters. ``id`` names the run
    for the typist's checks."""

    id: int = 0
    entries: list[Entry] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    cursor: int = 0

    def index(self, entry: Entry | None) -> int | None:
        if entry is None:
            return None
        return next((i for i, e in enumerate(self.entries) if e is entry), None)

    def offset(self, index: int) -> int:
        """Offset of the start of entry ``index`` (``len`` = the run's end)."""
        return sum(len(t) for t in self.texts[:index])

    def insert(self, index: int, entry: Entry, text: str) -> None:
        self.entries.insert(index, entry)
        self.texts.insert(index, text)

    def __contains__(self, entry) -> bool:
        return self.index(entry) is not None


class OutputPlanner:
    """Keeps :attr:`run` and plans the keys for each change of the composition."""

    def __init__(self):
        self.run = TypedRun()

    def reset(self) -> None:
        """Forget the run (focus moved, the program's text changed, the mode went off): what
        was typed stays there, untouched from now on."""
        self.run = TypedRun(self.run.id + 1)

    def _new_run(self, entry: Entry) -> Plan:
        self.reset()
        self.run.insert(0, entry, entry.text)
        self.run.cursor = len(entry.text)
        return Plan([Batch(self.run.id, False, typing_ops(entry))])

    def inserted(self, entry: Entry, composition: Composition) -> Plan:
        """``entry`` was put into ``composition`` (its text known): type it. Beside the run it
        joins it (cursor keys first, when the program's cursor is elsewhere in the run);
        anywhere else it starts a new run at the program's cursor."""
        i = composition.index_of(entry)
        if i is None or not entry.text:
            return Plan()
        run = self.run
        if not run.entries:
            return self._new_run(entry)
        prev = composition.entries[i - 1] if i > 0 else None
        nxt = composition.entries[i + 1] if i + 1 < len(composition) else None
        k = run.index(prev)
        if k is not None and (k == len(run.entries) - 1 or run.entries[k + 1] is nxt):
            at = k + 1
        elif k is None and nxt is run.entries[0]:
            at = 0
        else:
            return self._new_run(entry)
        target = run.offset(at)
        plan = Plan()
        if target != run.cursor:
            plan.batches.append(Batch(run.id, True, moves(target - run.cursor)))
        plan.batches.append(Batch(run.id, False, typing_ops(entry)))
        run.insert(at, entry, entry.text)
        run.cursor = target + len(entry.text)
        return plan

    def removed(self, entry: Entry, text: str | None = None) -> Plan:
        """``entry`` left the composition: delete it there when the run holds it, else only
        the pad's copy changed. ``text``: its text then (default: its text now)."""
        text = entry.text if text is None else text
        k = self.run.index(entry)
        if k is None:
            return Plan(pad_only=bool(text))
        run = self.run
        start = run.offset(k)
        typed = run.texts[k]
        ops = moves(start + len(typed) - run.cursor) + [("key", "BackSpace")] * len(typed)
        del run.entries[k], run.texts[k]
        run.cursor = start
        return Plan([Batch(run.id, True, ops)] if ops else [])

    def replaced(self, entry: Entry, new_text: str | None = None) -> Plan:
        """``entry``'s text changed (a re-pick) to ``new_text`` (default: its text now): the
        fewest keys that make the program's copy the same, when the run holds it."""
        new_text = entry.text if new_text is None else new_text
        k = self.run.index(entry)
        if k is None:
            return Plan(pad_only=True)
        run = self.run
        start, typed = run.offset(k), run.texts[k]
        if typed == new_text:
            return Plan()
        ops = moves(start + len(typed) - run.cursor) + [("key", "BackSpace")] * len(typed)
        ops += typing_ops(Entry(new_text, kind=entry.kind))
        run.texts[k] = new_text
        run.cursor = start + len(new_text)
        return Plan([Batch(run.id, True, ops)])
