"""The composed text as a list of committed entries (Qt-free).

Each :class:`Entry` is one piece of text the person committed: a handwritten character
(with the candidates the recognizer offered for it and the ink it came from, so it can be
re-picked or its ink brought back by undo), a suggested word, or a typed space / line
break.  :class:`Composition` keeps the entries, an insertion cursor (an entry index:
the next commit goes there) and an optional selected entry (clicked in the text: its
candidates are offered again, a pick replaces it).

Entries are mutable on purpose and are found by identity: an undo command keeps the very
entry it inserted, and an entry committed before its candidates arrived (the recognizer
was still busy) is filled in place later (:meth:`Composition.resolve`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: What an entry came from.
CHAR, WORD, KEY = "char", "word", "key"

#: Bounds on what :meth:`Composition.from_dict` accepts (a saved text is read at every
#: start: a forged one must be refused, never crash or hang the app).
MAX_ENTRIES = 200_000
MAX_ENTRY_TEXT = 1000
MAX_CANDIDATES = 100


@dataclass(eq=False)
class Entry:
    """One committed piece of text."""

    text: str
    #: (char, probability) pairs the person can pick from instead; empty for keys.
    candidates: tuple[tuple[str, float], ...] = ()
    #: The ink it was written with (opaque here: the GUI's canvas content), or None.
    ink: object = None
    kind: str = CHAR
    #: Committed before its candidates were known: text is "" until :meth:`resolve`.
    pending: bool = False

    def to_dict(self) -> dict:
        return {"text": self.text, "kind": self.kind,
                "candidates": [[c, round(float(p), 6)] for c, p in self.candidates]}

    @classmethod
    def from_dict(cls, data) -> Entry:
        """An entry from :meth:`to_dict` output; ValueError when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise ValueError("an entry needs a text")
        if len(data["text"]) > MAX_ENTRY_TEXT:
            raise ValueError(f"an entry's text is longer than {MAX_ENTRY_TEXT} characters")
        kind = data.get("kind", CHAR)
        if not isinstance(kind, str) or kind not in (CHAR, WORD, KEY):
            raise ValueError(f"unknown entry kind {str(kind)[:20]!r}")
        items = data.get("candidates") or ()
        if not isinstance(items, (list, tuple)) or len(items) > MAX_CANDIDATES:
            raise ValueError(f"the candidates are not a list of at most {MAX_CANDIDATES}")
        candidates = []
        for item in items:
            if (not isinstance(item, (list, tuple)) or len(item) != 2
                    or not isinstance(item[0], str) or len(item[0]) > MAX_ENTRY_TEXT
                    or isinstance(item[1], bool) or not isinstance(item[1], (int, float))):
                raise ValueError("a candidate is [text, probability]")
            if isinstance(item[1], int) and not 0 <= item[1] <= 1:
                raise ValueError("a candidate's probability is not between 0 and 1")
            p = float(item[1])
            if not (math.isfinite(p) and 0.0 <= p <= 1.0):
                raise ValueError("a candidate's probability is not between 0 and 1")
            candidates.append((item[0], p))
        return cls(data["text"], tuple(candidates), None, kind)


@dataclass
class Composition:
    """The committed entries, the insertion cursor and the selected entry."""

    entries: list[Entry] = field(default_factory=list)
    #: Index in :attr:`entries` where the next entry is inserted (0..len).
    cursor: int = 0
    #: Index of the selected entry (its candidates are offered again), or None.
    selected: int | None = None

    def __post_init__(self):
        self.cursor = max(0, min(self.cursor, len(self.entries)))

    # --------------------------------------------------------------- reading
    def __len__(self) -> int:
        return len(self.entries)

    def text(self) -> str:
        return "".join(e.text for e in self.entries)

    def text_before(self, index: int) -> str:
        """The text of the entries before ``index``."""
        return "".join(e.text for e in self.entries[:max(0, index)])

    def text_before_cursor(self) -> str:
        return self.text_before(self.cursor)

    def offset_of(self, index: int) -> int:
        """Character offset in :meth:`text` where entry ``index`` starts (len = the end)."""
        return len(self.text_before(index))

    def cursor_offset(self) -> int:
        return self.offset_of(self.cursor)

    def entry_at(self, offset: int) -> int | None:
        """Index of the entry holding the character at ``offset`` of :meth:`text`."""
        if offset < 0:
            return None
        start = 0
        for i, e in enumerate(self.entries):
            if start <= offset < start + len(e.text):
                return i
            start += len(e.text)
        return None

    def index_of(self, entry: Entry) -> int | None:
        for i, e in enumerate(self.entries):
            if e is entry:
                return i
        return None

    def entry(self, index: int) -> Entry:
        return self.entries[index]

    # --------------------------------------------------------------- editing
    def insert(self, index: int, entry: Entry) -> int:
        """Put ``entry`` at ``index`` (clamped); the cursor goes after it. Returns the index."""
        index = max(0, min(index, len(self.entries)))
        self.entries.insert(index, entry)
        self.cursor = index + 1
        self.selected = None
        return index

    def remove(self, entry: Entry) -> int | None:
        """Take ``entry`` out (the cursor goes where it was); None when it is not there."""
        index = self.index_of(entry)
        if index is None:
            return None
        del self.entries[index]
        if self.cursor > index:
            self.cursor -= 1
        self.selected = None
        return index

    def replace_text(self, index: int, text: str) -> str:
        """Give entry ``index`` another text (a different candidate); returns the old one."""
        entry = self.entries[index]
        old, entry.text = entry.text, text
        return old

    def resolve(self, entry: Entry, text: str, candidates) -> None:
        """Fill in a pending entry once its candidates are known (in place: it keeps its
        identity, so undo commands holding it still find it)."""
        entry.text = text
        entry.candidates = tuple((c, float(p)) for c, p in candidates)
        entry.pending = False

    def select(self, index: int | None) -> None:
        """Select entry ``index`` (the cursor goes after it), or nothing."""
        if index is None or not 0 <= index < len(self.entries):
            self.selected = None
            return
        self.selected = index
        self.cursor = index + 1

    def set_cursor(self, index: int) -> None:
        self.cursor = max(0, min(index, len(self.entries)))
        self.selected = None

    def clear(self) -> list[Entry]:
        """Remove every entry; returns them (for undo)."""
        old, self.entries = self.entries, []
        self.cursor, self.selected = 0, None
        return old

    # ------------------------------------------------------------ persisting
    def to_dict(self) -> dict:
        return {"entries": [e.to_dict() for e in self.entries if not e.pending],
                "cursor": self.cursor}

    @classmethod
    def from_dict(cls, data) -> Composition:
        """A composition from :meth:`to_dict` output; ValueError when it is not one."""
        if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
            raise ValueError("a composition needs a list of entries")
        if len(data["entries"]) > MAX_ENTRIES:
            raise ValueError(f"more than {MAX_ENTRIES:,} entries")
        entries = [Entry.from_dict(e) for e in data["entries"]]
        cursor = data.get("cursor", len(entries))
        if not isinstance(cursor, int) or isinstance(cursor, bool):
            cursor = len(entries)
        return cls(entries, cursor)
