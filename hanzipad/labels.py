"""The label set: the 3755 GB2312 level-1 hanzi in code order (CASIA HWDB1.1)."""

from __future__ import annotations

from functools import lru_cache


def gb2312_level1() -> list[str]:
    """Return the 3755 level-1 characters, rows 0xB0..0xD7, in GB2312 code order."""
    return list(_level1())


@lru_cache(maxsize=1)
def _level1() -> tuple[str, ...]:
    chars = []
    for hi in range(0xB0, 0xD8):
        last = 0xF9 if hi == 0xD7 else 0xFE  # row 55 ends at 0xD7F9
        for lo in range(0xA1, last + 1):
            chars.append(bytes((hi, lo)).decode("gb2312"))
    return tuple(chars)


@lru_cache(maxsize=1)
def _index() -> dict[str, int]:
    return {c: i for i, c in enumerate(_level1())}


def class_of(char: str) -> int | None:
    """Class index of ``char`` in the level-1 label set, or None if it is not in it."""
    return _index().get(char)


def gb_code_to_char(hi: int, lo: int) -> str | None:
    """Decode a GB2312 code given as its two bytes; None when it is not a valid character."""
    try:
        return bytes((hi, lo)).decode("gb2312")
    except (UnicodeDecodeError, ValueError):
        return None
