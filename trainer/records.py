"""Records without machine paths: what model.json, state.json and a shard index say about data.

A record names its data by kind, name, version and licence; a path in it is at most the file
or folder name (``/tmp/d/synth`` -> ``synth``, ``strokes:/home/me/hanzi.tgz?seed=1`` ->
``strokes:hanzi.tgz?seed=1``), never where the data lay on the machine that made it.
:func:`public` applies that to every string (and key) of a nested record; URLs, relative
paths without ``..`` and prose are left as they are.
"""

from __future__ import annotations

import re

# A path in a string starts it, follows white space, ``=``, an opening bracket or quote, or the
# colon of ``KIND:`` (a data spec) but not ``://`` (a URL); it ends at white space, a spec's
# ``?options`` or punctuation that cannot be part of it here. A machine path is absolute
# (/..., ~/..., C:\..., \\server\...) or climbs out of its folder (.. as a component).
_TOKEN = re.compile(r"(?:(?<=^)|(?<=[\s=(\[{'\"])|(?<=[A-Za-z]:))(?!//)"
                    r"(?P<path>(?:[A-Za-z]:(?=[\\/]))?[^\s?'\",;:=()\[\]{}]+)")
_PATH = re.compile(
    r"(?:(?<=^)|(?<=[\s=(\[{'\"])|(?<=[A-Za-z]:))"
    r"(?:[A-Za-z]:[\\/]|\\\\|~[\\/]|/(?=[^/\s]))"
)
_CLIMB = re.compile(r"(?:^|[\\/])\.\.(?:[\\/]|$)")
_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]|[\\/]|~(?:[\\/]|$)")


def public_path(path) -> str:
    """``path`` as a record may show it: its last component when it is absolute, in the home
    folder or climbs with ``..``; other relative paths (and ``/`` alone) unchanged."""
    text = str(path)
    if _ABSOLUTE.match(text) or _CLIMB.search(text):
        parts = [p for p in re.split(r"[\\/]", text) if p and p not in (".", "..", "~")]
        return parts[-1] if parts else text
    return text


def public_text(text: str) -> str:
    """``text`` with every machine path in it replaced by :func:`public_path` of it."""
    return _TOKEN.sub(lambda m: public_path(m.group("path")), text)


def public(record):
    """A copy of a JSON-like record (dicts, lists, strings, numbers) whose strings and keys
    carry no machine paths."""
    if isinstance(record, dict):
        return {public_text(k) if isinstance(k, str) else k: public(v) for k, v in record.items()}
    if isinstance(record, (list, tuple)):
        return [public(v) for v in record]
    if isinstance(record, str):
        return public_text(record)
    return record


def machine_paths(record, where: str = "") -> list[str]:
    """Where a record still names a machine path: ``["sources[0].spec: '/tmp/x'", ...]``
    (empty when none). Checks every key and string, also for ``/tmp``, ``/work`` or ``C:\\``
    anywhere in them."""
    found = []
    if isinstance(record, dict):
        for k, v in record.items():
            found += machine_paths(k, f"{where}{{key}}") + machine_paths(v, f"{where}.{k}")
    elif isinstance(record, (list, tuple)):
        for i, v in enumerate(record):
            found += machine_paths(v, f"{where}[{i}]")
    elif isinstance(record, str):
        bad = (_PATH.search(record) or _CLIMB.search(record)
               or any(s in record for s in ("/tmp", "/work", "/home/", "C:\\", "c:\\")))
        if bad:
            found.append(f"{where.lstrip('.')}: {record!r}")
    return found
