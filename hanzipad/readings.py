"""Pinyin and a short English meaning for each of the 3755 characters.

Data: ``resources/lexicon/chars.tsv`` (built by ``resources/lexicon/build-lexicon``): a header
line ``# hanzipad chars 1 … N entries …``, then ``char<TAB>readings<TAB>gloss``. Readings are
pinyin with tone marks, comma-separated, the most common first (pypinyin's tables, MIT,
ordered by how often each reading occurs in jieba's word list). Glosses come from CC-CEDICT
(CC BY-SA 4.0, https://cc-cedict.org; attribution in ``resources/lexicon/SOURCES.md``): a
program that shows them must credit CC-CEDICT and its licence (the About box does).

Qt-free; imports only the standard library.
"""

from __future__ import annotations

from pathlib import Path

from hanzipad.lexicon import LexiconError, default_folder, line_place, read_table

CHARS_FILE = "chars.tsv"
CHARS_MAGIC = "# hanzipad chars 1"


class Readings:
    def __init__(self, table: dict[str, tuple[list[str], str]], source: str = ""):
        self._table = table
        self.source = source

    @classmethod
    def load(cls, folder: str | Path | None = None) -> Readings:
        folder = Path(folder) if folder is not None else default_folder()
        file = folder / CHARS_FILE
        chars, readings, glosses = read_table(file, CHARS_MAGIC, 3)
        table: dict[str, tuple[list[str], str]] = {}
        for i, (char, text, gloss) in enumerate(zip(chars, readings, glosses)):
            if len(char) != 1:
                raise LexiconError.coded("readings.not_one_char", str(file), line_place(i + 2),
                                         char=repr(char[:20]))
            if char in table:
                raise LexiconError.coded("readings.twice", str(file), line_place(i + 2),
                                         char=char)
            pinyin = [r.strip() for r in text.split(",") if r.strip()]
            if not pinyin:
                raise LexiconError.coded("readings.no_reading", str(file), line_place(i + 2),
                                         char=char)
            table[char] = (pinyin, gloss.strip())
        return cls(table, str(file))

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, char: str) -> bool:
        return char in self._table

    def pinyin(self, char: str) -> list[str]:
        """Readings with tone marks, the most common first; [] for an unknown character."""
        entry = self._table.get(char)
        return list(entry[0]) if entry else []

    def gloss(self, char: str) -> str:
        """A short English meaning (CC-CEDICT); "" for an unknown character."""
        entry = self._table.get(char)
        return entry[1] if entry else ""


__all__ = ["Readings", "LexiconError"]
