"""The writer's own words: what the person writes most rises in the context ranking (Qt-free,
standard library only).

:class:`UserWords` counts the runs of two to :data:`MAX_WORD` Han characters of the text the
person commits (``record``: every 2-, 3- and 4-character run ending at each committed
character, across word boundaries too: it is a small character n-gram model of this writer's
text, so a name or term the shipped lexicon lacks is learned as well as a common word). The
lexicon (:class:`hanzipad.lexicon.Lexicon`, its :attr:`~hanzipad.lexicon.Lexicon.user`)
mixes it into its model of the next character: after a stem ``s`` (the last 1-3 characters)
the writer has followed ``n`` times::

    P(c | s) = (1 - l) * P_lexicon(c | s) + l * count(s + c) / n,   l = n / (n + PRIOR)

so the writer's own habit takes over where they have shown one, and a stem they never wrote is
left to the lexicon. Next-word suggestions mix the same way; a run the lexicon does not know is
suggested once it was written :data:`MIN_NEW` times.

The file (``FILE``, by default beside the handwriting profile: :func:`beside`) is JSON: a
format name and version, and ``[word, count, day]`` triples (day: days since the epoch it was
last written). It is written atomically (:mod:`hanzipad.fileio`), holds at most
:data:`MAX_WORDS` words (beyond it the rarest, then the longest unused, go) and at most
:data:`MAX_BYTES` are read. A damaged, truncated or future-version file raises
:class:`UserWordsError` with one line naming it; :func:`load_or_new` then keeps it aside
(``NAME.damaged-DATE``) and starts an empty list, so the pad never fails for it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from hanzipad.errors import HanziPadError, os_reason, part

FORMAT = "hanzipad-user-words"
VERSION = 1
#: Longest run of characters counted (the lexicon looks at most 3 characters back).
MAX_WORD = 4
#: Most words kept; beyond it the rarest (then the least recently written) are dropped.
MAX_WORDS = 20_000
#: Largest file read (a full list is about 0.6 MB).
MAX_BYTES = 4 * 1024 * 1024
#: Largest count kept for one word.
MAX_COUNT = 1_000_000_000
#: How many times a stem must have been followed before the writer's habit weighs as much as
#: the lexicon (``l = n / (n + PRIOR)``).
PRIOR = 4.0
#: Times a run the lexicon does not know must have been written to be suggested as a word.
MIN_NEW = 3
#: The file's name beside a profile ``NAME.json``: ``NAME.words.json``.
SUFFIX = ".words.json"


class UserWordsError(HanziPadError, ValueError):
    """A word-list file that cannot be used: one line naming the file and why."""


def is_han(ch: str) -> bool:
    o = ord(ch)
    return (0x3400 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x3134F)


def beside(profile_path: str | os.PathLike) -> Path:
    """Where the word list of the profile ``profile_path`` lives: ``NAME.words.json`` beside
    ``NAME.json`` (``handwriting-profile.json`` -> ``handwriting-profile.words.json``)."""
    p = Path(profile_path)
    return p.with_name(p.stem + SUFFIX)


def _today() -> int:
    return int(time.time() // 86400)


class UserWords:
    """Counts of the writer's runs of 2..:data:`MAX_WORD` Han characters (module docstring)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else None
        self.counts: dict[str, int] = {}
        self.days: dict[str, int] = {}
        #: stem -> sum of count(stem + c) over c (how often the stem was followed)
        self._follow: dict[str, int] = {}
        #: stem (1..MAX_WORD-1 characters) -> the words that start with it and are longer
        self._longer: dict[str, set[str]] = {}
        #: changed since it was loaded or saved
        self.dirty = False
        #: the net change of each word's count since it was loaded or saved: what a save adds
        #: to the file as it is then (another program's words kept)
        self._delta: dict[str, int] = {}
        #: a save writes this list as it is, dropping what the file holds (after Forget)
        self.whole = False
        #: the file's (mtime, size) when this list last read or wrote it: a save reads it
        #: again only when another program has written it since
        self._stamp: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.counts)

    # ---- counting

    def _bump(self, word: str, delta: int, day: int) -> None:
        old = self.counts.get(word, 0)
        new = max(0, min(MAX_COUNT, old + delta))
        if new == old:
            return
        stem = word[:-1]
        self._delta[word] = self._delta.get(word, 0) + new - old
        self._follow[stem] = self._follow.get(stem, 0) + new - old
        if self._follow[stem] <= 0:
            del self._follow[stem]
        if new:
            self.counts[word] = new
            self.days[word] = day
            if not old:
                for k in range(1, len(word)):
                    self._longer.setdefault(word[:k], set()).add(word)
        else:
            del self.counts[word]
            self.days.pop(word, None)
            for k in range(1, len(word)):
                group = self._longer.get(word[:k])
                if group is not None:
                    group.discard(word)
                    if not group:
                        del self._longer[word[:k]]
        self.dirty = True

    def record_next(self, before: str, text: str, delta: int = 1) -> None:
        """Count ``text`` written after ``before``: for each of its Han characters, the runs of
        2..:data:`MAX_WORD` characters that end with it (a character that is not Han breaks
        the run). ``delta=-1`` takes such a count back (an undo, a character picked again)."""
        if not isinstance(text, str) or not text or delta == 0:
            return
        day = _today()
        run = ""
        for ch in reversed(before[-(MAX_WORD - 1):] if before else ""):
            if not is_han(ch):
                break
            run = ch + run
        for ch in text:
            if not is_han(ch):
                run = ""
                continue
            run = (run + ch)[-MAX_WORD:]
            for k in range(2, len(run) + 1):
                self._bump(run[-k:], delta, day)
        self._trim()

    def record(self, text: str) -> None:
        """Count a piece of committed text on its own (``record_next("", text)``)."""
        self.record_next("", text)

    def forget(self) -> None:
        """Drop every word (the next save drops the file's too)."""
        self.counts.clear()
        self.days.clear()
        self._follow.clear()
        self._longer.clear()
        self._delta.clear()
        self.whole = True
        self.dirty = True

    def _trim(self) -> None:
        extra = len(self.counts) - MAX_WORDS
        if extra <= 0:
            return
        # a tenth more than needed: a full list does not sort at every character
        drop = sorted(self.counts, key=lambda w: (self.counts[w], self.days.get(w, 0), -len(w)))
        for word in drop[:extra + MAX_WORDS // 10]:
            self._bump(word, -self.counts[word], 0)

    # ---- the model

    def count(self, word: str) -> int:
        return self.counts.get(word, 0)

    def followed(self, stem: str) -> int:
        """How many times the writer wrote a Han character right after ``stem``."""
        return self._follow.get(stem, 0)

    def weight(self, stem: str) -> float:
        """The share ``l = n / (n + PRIOR)`` the writer's habit gets after ``stem``."""
        n = self._follow.get(stem, 0)
        return n / (n + PRIOR) if n else 0.0

    def mix(self, stem: str, char: str, p_lexicon: float) -> float:
        """``(1 - l) * p_lexicon + l * count(stem + char) / n`` (the module docstring)."""
        n = self._follow.get(stem, 0)
        if not n:
            return p_lexicon
        lam = n / (n + PRIOR)
        return (1 - lam) * p_lexicon + lam * self.counts.get(stem + char, 0) / n

    def continuations(self, stem: str) -> dict[str, float]:
        """The rests of the writer's words that start with ``stem``: ``{rest: count(word) / n}``
        (a run the lexicon may not know: the caller checks :data:`MIN_NEW`)."""
        n = self._follow.get(stem, 0)
        if not n:
            return {}
        k = len(stem)
        return {w[k:]: self.counts[w] / n for w in self._longer.get(stem, ())}

    # ---- file

    def to_json(self) -> str:
        words = sorted(self.counts)
        return json.dumps({"format": FORMAT, "version": VERSION, "saved": round(time.time()),
                           "words": [[w, self.counts[w], self.days.get(w, 0)] for w in words]},
                          ensure_ascii=False, separators=(",", ":"))

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the list atomically (:func:`hanzipad.fileio.write_text`). Under the file's
        lock (:func:`hanzipad.fileio.locked`) the counts changed here since the last load or
        save are added to the file as it is now, so two programs writing one list (two pads)
        keep each other's words; this list then holds the sum too. After :meth:`forget` (or
        with :attr:`whole` set) the list is written as it is. A file that cannot be read is
        replaced by this list."""
        from hanzipad.fileio import locked, write_text

        path = Path(path) if path is not None else self.path
        if path is None:
            raise ValueError("the word list has no file name")
        path.parent.mkdir(parents=True, exist_ok=True)
        with locked(path):
            stamp = _stamp(path)
            if not self.whole and stamp is not None and stamp != self._stamp:
                try:
                    self._merge_into(UserWords.load(path))
                except UserWordsError:
                    pass  # damaged: this list replaces it
            write_text(path, self.to_json() + "\n")
            self._stamp = _stamp(path)
        self.path = path
        self.dirty = False
        self.whole = False
        self._delta.clear()
        return path

    def _merge_into(self, disk: UserWords) -> None:
        """Take ``disk``'s counts plus this list's changes since it was loaded or saved."""
        for word, delta in self._delta.items():
            if delta:
                disk._bump(word, delta, self.days.get(word) or _today())
        disk._trim()
        self.counts, self.days = disk.counts, disk.days
        self._follow, self._longer = disk._follow, disk._longer

    @classmethod
    def load(cls, path: str | os.PathLike) -> UserWords:
        """Read a word list; :class:`UserWordsError` (one line naming the file) when it cannot
        be read, is damaged or truncated, or was written by a newer HanziPad."""
        from hanzipad.fileio import loads_bounded, read_bytes_bounded

        path = Path(path)
        shown = str(path)
        try:
            data = read_bytes_bounded(path, MAX_BYTES, shown)
        except OSError as exc:
            raise UserWordsError.coded("words.cannot_read", shown,
                                       reason=os_reason(exc)) from None
        except ValueError:
            raise UserWordsError.coded("words.too_large", shown, mib=MAX_BYTES >> 20) from None
        try:
            obj = loads_bounded(data.decode("utf-8"), max_depth=8)
        except UnicodeDecodeError:
            raise UserWordsError.coded("words.not_utf8", shown) from None
        except ValueError as exc:
            raise UserWordsError.coded("words.truncated", shown, detail=part(exc)) from None
        if not isinstance(obj, dict) or obj.get("format") != FORMAT:
            raise UserWordsError.coded("words.no_format", shown, format=FORMAT)
        version = obj.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise UserWordsError.coded("words.bad_version", shown, version=repr(version))
        if version > VERSION:
            raise UserWordsError.coded("words.newer", shown, version=version, supported=VERSION)
        words = obj.get("words")
        if not isinstance(words, list):
            raise UserWordsError.coded("words.no_list", shown)
        out = cls(path)
        for i, item in enumerate(words):
            if (not isinstance(item, list) or len(item) != 3 or not isinstance(item[0], str)
                    or not 2 <= len(item[0]) <= MAX_WORD or not all(map(is_han, item[0]))
                    or any(isinstance(v, bool) or not isinstance(v, int) for v in item[1:])
                    or not 0 < item[1] <= MAX_COUNT or item[2] < 0):
                raise UserWordsError.coded("words.bad_entry", shown, entry=i + 1,
                                           item=str(item)[:40])
            word, count, day = item
            if word in out.counts:
                raise UserWordsError.coded("words.twice", shown, word=word)
            out._bump(word, count, day)
        out._trim()
        out.dirty = False
        out._delta.clear()
        out._stamp = _stamp(path)
        return out


def _stamp(path: Path) -> tuple[int, int] | None:
    """``(mtime in ns, size)`` of the file ``path``, or None when there is none."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def set_aside(path: str | os.PathLike) -> Path:
    """Rename an unusable file out of the way (``NAME.damaged-YYYYMMDD-HHMMSS``), so the pad
    starts without it and nothing is lost; returns the new name."""
    path = Path(path)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    os.replace(path, target)
    return target


def load_or_new(path: str | os.PathLike, warn=None) -> UserWords:
    """The word list at ``path``: an empty one when there is none; when it cannot be used, it
    is renamed aside (:func:`set_aside`), ``warn`` gets a :class:`UserWordsError` saying so
    (its text one line; the GUI translates it by its code), and an empty list is returned.
    Never raises for the file's content."""
    path = Path(path)
    if not (path.exists() or path.is_symlink()):
        return UserWords(path)
    try:
        return UserWords.load(path)
    except UserWordsError as exc:
        try:
            aside = set_aside(path)
            said = UserWordsError.coded("words.kept_aside", *exc.where, problem=exc.reason(),
                                        aside=aside.name)
        except OSError as err:
            said = UserWordsError.coded("words.not_renamed", *exc.where, problem=exc.reason(),
                                        reason=os_reason(err))
        if warn is not None:
            warn(said)
        return UserWords(path)


def read_beside(profile_path: str | os.PathLike, warn=None) -> UserWords | None:
    """The word list beside the profile ``profile_path`` (:func:`beside`) for a command that
    writes nothing (``classify --line --profile``): None when there is none, or when it cannot
    be used (``warn`` gets one line naming it; the file is left as it is)."""
    path = beside(profile_path)
    if not (path.exists() or path.is_symlink()):
        return None
    try:
        return UserWords.load(path)
    except UserWordsError as exc:
        if warn is not None:
            warn(str(UserWordsError.coded("words.reading_without", *exc.where,
                                          problem=exc.reason())))
        return None


__all__ = ["MAX_WORD", "MAX_WORDS", "PRIOR", "UserWords", "UserWordsError", "beside",
           "load_or_new", "read_beside", "set_aside"]
