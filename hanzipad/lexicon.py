"""Word frequencies for context: what usually follows the text written so far, and
re-ranking the recognizer's candidates with it.

Data: ``resources/lexicon/words.tsv`` (built by ``resources/lexicon/build-lexicon`` from jieba's
dictionary, MIT): a header line ``# hanzipad words 1 … N entries …``, then ``word<TAB>count``
lines sorted by word (code points). Loading only reads and checks the file; a prefix's words
are found with a binary search and their counts summed with a running total, so loading takes
a few tens of milliseconds and no index is built.

The language model is small and explicit. After the text ``before``, the next character ``c``
either continues a word that starts with the end of ``before`` or starts a new word::

    P(c | before) = IN_WORD * max_k P(c | a word starting with before[-k:])   (k = 1..3)
                  + (1 - IN_WORD) * P(a word starts with c)

where ``P(c | a word starting with s) = total(s + c) / total(s)`` and ``total(s)`` is the sum
of the counts of the words that start with ``s``. :meth:`Lexicon.rerank` orders candidates by
``log(prob) + WEIGHT * log(P(c | before) + FLOOR)`` (the recognizer's probability is ``P(c | ink)``
over a uniform class prior, so this is Bayes' rule with the language model tempered by
``WEIGHT``), and never moves a top-1 whose probability is at least :data:`KEEP`.
``WEIGHT``, ``IN_WORD`` and ``KEEP`` were tuned with ``tests/benchmarks/context_check.py``
on the held-out CASIA writers 1181-1200 only: on the second character of the 3000 most
frequent two-character words (59,899 samples) top-1 goes from 78.4 % to 88.5 % after the
recognized first character (92.5 % after the true one), and on pairs that cross a word
boundary (59,880) from 79.3 % to 80.1 %; stronger settings gain at most 0.4 points on the
mean of the two and turn two to five times more right answers wrong. Without ``KEEP`` the
context would still move a few right top-1s above 0.9 (1 in 60,000 across a boundary) for
46 gains: the threshold keeps a confident answer where the writer put it.

The writer's own words (:attr:`Lexicon.user`, a :class:`hanzipad.userwords.UserWords`, or
None) are mixed into ``P(c | a word starting with s)`` and into :meth:`Lexicon.next_words`,
the more the more often the writer has continued ``s`` (:meth:`UserWords.mix
<hanzipad.userwords.UserWords.mix>`): what the person writes most rises in the ranking.

Qt-free; imports only the standard library (and :mod:`hanzipad.errors`).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from itertools import accumulate
from pathlib import Path

from hanzipad.errors import HanziPadError, Message, os_reason

WORDS_FILE = "words.tsv"
#: Largest lexicon table read (words.tsv is 0.7 MB).
MAX_TABLE_BYTES = 64 * 1024 * 1024
#: Longest word count (jieba's largest is 7 digits).
MAX_COUNT_DIGITS = 15
WORDS_MAGIC = "# hanzipad words 1"

#: A top-1 candidate with at least this recognizer probability is never displaced by context.
KEEP = 0.9
#: How much the language model counts against the recognizer (exponent of P(c | before)).
WEIGHT = 0.5
#: Share of the language model given to "continues the current word" (vs. "starts a word").
IN_WORD = 0.5
#: Added to P(c | before): characters that start no listed word keep a chance.
FLOOR = 1e-5
#: Longest end of ``before`` used as a word prefix.
MAX_CONTEXT = 3

_END = "\U0010ffff"


#: Words never suggested (insults, vulgar words): one a line, ``#`` comments; optional.
BLOCKED_FILE = "blocked-suggestions.txt"


def read_blocked(file: Path, limit: int = 64 * 1024) -> frozenset[str]:
    """The words of a blocked-suggestions file; empty when it is missing or not a regular
    file (a FIFO or device is never opened), at most ``limit`` bytes read."""
    from hanzipad import fileio

    try:
        with fileio.open_regular(file) as f:  # the one file-type check: never blocks
            text = f.read(limit).decode("utf-8", "replace")
    except OSError:
        return frozenset()
    return frozenset(w for line in text.splitlines()
                     if (w := line.strip()) and not w.startswith("#"))


class LexiconError(HanziPadError, RuntimeError):
    """A lexicon file that is missing, unreadable or damaged; the message names the file."""


def line_place(line: int) -> Message:
    """"line N" of a table, as a place of an error (translated with it)."""
    return Message("place.line", line=line)


def default_folder() -> Path:
    from hanzipad.bundle import resources_dir

    return resources_dir() / "lexicon"


def read_table(file: Path, magic: str, fields: int) -> list[list[str]]:
    """The columns of a lexicon ``.tsv``: a header line starting with ``magic`` and saying
    ``N entries``, then N lines of ``fields`` tab-separated fields, the first non-empty.
    Returns ``fields`` lists of N strings. Raises :class:`LexiconError` naming the file and the
    problem (missing, not UTF-8, wrong header, truncated, a malformed line)."""
    from hanzipad.fileio import read_bytes_bounded

    try:  # a regular file of at most MAX_TABLE_BYTES: never a FIFO, /dev/zero or a huge file
        data = read_bytes_bounded(file, MAX_TABLE_BYTES)
    except FileNotFoundError:
        raise LexiconError.coded("lexicon.not_found", str(file)) from None
    except OSError as exc:
        raise LexiconError.coded("file.cannot_read_short", str(file),
                                 reason=os_reason(exc)) from None
    except ValueError as exc:  # too large: the message names the file
        raise LexiconError.of(exc) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LexiconError.coded("lexicon.not_utf8", str(file), offset=exc.start) from None
    header, _, body = text.partition("\n")
    if not header.startswith(magic):
        raise LexiconError.coded("lexicon.bad_header", str(file), magic=repr(magic))
    m = re.search(r"(?<!\d)(\d{1,12}) entries", header)
    if not m:
        raise LexiconError.coded("lexicon.no_count", str(file))
    expected = int(m.group(1))
    if body and not body.endswith("\n"):
        raise LexiconError.coded("lexicon.last_line_incomplete", str(file))
    lines = body.count("\n")
    if lines != expected:
        raise LexiconError.coded("lexicon.entries_mismatch", str(file), lines=lines,
                                 expected=expected)
    # one split for the whole file (a split per line costs several times more)
    parts = body.replace("\n", "\t").split("\t")
    parts.pop()  # "" after the final newline
    columns = [parts[i::fields] for i in range(fields)]
    if len(parts) != fields * expected or not all(columns[0]) or "" in columns[0]:
        for i, line in enumerate(body.split("\n")[:-1]):
            row = line.split("\t")
            if len(row) != fields or not row[0]:
                raise LexiconError.coded("lexicon.malformed_line", str(file), line=i + 2,
                                         text=repr(line[:60]), fields=fields)
    if any(w != w.strip() for w in columns[0]):
        bad = next(i for i, w in enumerate(columns[0]) if w != w.strip())
        raise LexiconError.coded("lexicon.spaces", str(file), line_place(bad + 2),
                                 word=repr(columns[0][bad]))
    return columns


class Lexicon:
    """Word counts, and the context model built on them (see the module docstring)."""

    def __init__(self, words: list[str], counts: list[int], source: str = ""):
        self.words = words
        self.counts = counts
        self.source = source
        self._cum = [0, *accumulate(counts)]
        self._total = self._cum[-1] or 1
        self._cache: dict[str, int] = {}
        #: Words never offered by :meth:`next_words` (:data:`BLOCKED_FILE`).
        self.blocked: frozenset[str] = frozenset()
        #: The writer's own words (:class:`hanzipad.userwords.UserWords`), or None.
        self.user = None

    @classmethod
    def load(cls, folder: str | Path | None = None) -> Lexicon:
        folder = Path(folder) if folder is not None else default_folder()
        file = folder / WORDS_FILE
        words, texts = read_table(file, WORDS_MAGIC, 2)
        try:
            counts = list(map(int, texts))
            if any(len(t) > MAX_COUNT_DIGITS for t in texts):
                raise ValueError
        except ValueError:
            bad = next(i for i, t in enumerate(texts)
                       if not t.strip().isdigit() or len(t) > MAX_COUNT_DIGITS)
            count = repr(texts[bad][:20])
            if texts[bad].strip().isdigit():
                raise LexiconError.coded("lexicon.count_too_long", str(file),
                                         line_place(bad + 2), count=count,
                                         limit=MAX_COUNT_DIGITS) from None
            raise LexiconError.coded("lexicon.count_not_number", str(file),
                                     line_place(bad + 2), count=count) from None
        if any(c <= 0 for c in counts):
            bad = next(i for i, c in enumerate(counts) if c <= 0)
            raise LexiconError.coded("lexicon.count_not_positive", str(file),
                                     line_place(bad + 2))
        for i in range(1, len(words)):
            if words[i - 1] >= words[i]:
                raise LexiconError.coded("lexicon.not_sorted", str(file), line_place(i + 2),
                                         before=repr(words[i - 1]), after=repr(words[i]))
        lexicon = cls(words, counts, str(file))
        lexicon.blocked = read_blocked(folder / BLOCKED_FILE)
        return lexicon

    def __len__(self) -> int:
        return len(self.words)

    # -- counts ---------------------------------------------------------------------------

    def _range(self, prefix: str) -> tuple[int, int]:
        lo = bisect_left(self.words, prefix)
        hi = bisect_left(self.words, prefix + _END, lo)
        return lo, hi

    def count(self, word: str) -> int:
        """The count of exactly this word (0 if not in the lexicon)."""
        i = bisect_left(self.words, word)
        return self.counts[i] if i < len(self.words) and self.words[i] == word else 0

    def prefix_total(self, prefix: str) -> int:
        """Sum of the counts of the words that start with ``prefix``."""
        got = self._cache.get(prefix)
        if got is None:
            lo, hi = self._range(prefix)
            got = self._cum[hi] - self._cum[lo]
            if len(self._cache) > 4096:
                self._cache.clear()
            self._cache[prefix] = got
        return got

    def continuation(self, before: str, char: str) -> float:
        """max over k = 1..3 of P(char | a word starting with before[-k:]) (0 when unknown),
        the writer's own words mixed in (:attr:`user`)."""
        best = 0.0
        user = self.user
        for k in range(1, min(MAX_CONTEXT, len(before)) + 1):
            stem = before[-k:]
            total = self.prefix_total(stem)
            p = self.prefix_total(stem + char) / total if total else 0.0
            if user is not None:
                p = user.mix(stem, char, p)
            best = max(best, p)
        return best

    def start_probability(self, char: str) -> float:
        """P(a word starts with ``char``)."""
        return self.prefix_total(char) / self._total

    def probability(self, before: str, char: str) -> float:
        """P(char | before) of the model in the module docstring."""
        return (IN_WORD * self.continuation(before, char)
                + (1 - IN_WORD) * self.start_probability(char))

    # -- the API the pad uses ------------------------------------------------------------

    def next_words(self, before: str, n: int = 10) -> list[str]:
        """Text that usually follows ``before``: the rest of common words that start with its
        last 1-3 characters (``"中"`` -> ``"国"``, ``"心"``, ``"央"``, …), strongest first.
        A word counts by P(word | its first k characters) times k (a longer match is
        stronger evidence), the writer's own words mixed in (:attr:`user`; a run the lexicon
        does not know once written :data:`hanzipad.userwords.MIN_NEW` times). No duplicates;
        ``[]`` when nothing is known."""
        if not before or n <= 0:
            return []
        scores: dict[str, float] = {}
        user = self.user
        for k in range(1, min(MAX_CONTEXT, len(before)) + 1):
            stem = before[-k:]
            lo, hi = self._range(stem)
            total = self._cum[hi] - self._cum[lo]
            here: dict[str, float] = {}
            if total:
                for i in range(lo, hi):
                    rest = self.words[i][k:]
                    if rest and self.words[i] not in self.blocked:
                        here[rest] = self.counts[i] / total
            if user is not None and (lam := user.weight(stem)):
                from hanzipad.userwords import MIN_NEW

                mine = {r: q for r, q in user.continuations(stem).items()
                        if stem + r not in self.blocked
                        and (r in here or user.count(stem + r) >= MIN_NEW)}
                here = {r: (1 - lam) * here.get(r, 0.0) + lam * mine.get(r, 0.0)
                        for r in here.keys() | mine.keys()}
            for rest, q in here.items():
                s = k * q
                if s > scores.get(rest, 0.0):
                    scores[rest] = s
        ranked = sorted(scores.items(), key=lambda rs: (-rs[1], rs[0]))
        return [r for r, _ in ranked[:n]]

    def rerank(self, before: str, candidates: list) -> list:
        """``candidates`` (objects with ``char`` and ``prob``, best first) re-ordered by
        ``log(prob) + WEIGHT * log(P(char | before) + FLOOR)``. A top-1 with ``prob >= KEEP`` stays
        first; with an empty ``before``, or when the lexicon knows none of the continuations,
        the list comes back in its order. Returns the same candidate objects (their
        probabilities are the recognizer's, unchanged)."""
        cands = list(candidates)
        if not before or len(cands) < 2:
            return cands
        cont = [self.continuation(before, c.char) for c in cands]
        if not any(cont):
            return cands
        scores = []
        for c, x in zip(cands, cont):
            lm = IN_WORD * x + (1 - IN_WORD) * self.start_probability(c.char) + FLOOR
            scores.append(math.log(max(float(c.prob), 1e-12)) + WEIGHT * math.log(lm))
        order = sorted(range(len(cands)), key=lambda i: (-scores[i], i))
        if float(cands[0].prob) >= KEEP:
            order.remove(0)
            order.insert(0, 0)
        return [cands[i] for i in order]


__all__ = ["FLOOR", "IN_WORD", "KEEP", "WEIGHT", "Lexicon", "LexiconError"]
