"""Provenance in model.json without repeats: ``{"$ref": "#/json/pointer"}`` for a part met before.

A bundle's ``model.json`` records what its weights started from (``init_from``) and, for an
average, every member (``averaged_from``), each with its own sources, commands and base, back
to the first run. Stages fine-tuned from one bundle and then averaged with it repeat that
bundle's whole record once per member, so the record doubled with every averaging step.

:func:`compact` writes each repeated part once: a later copy of an object or list (inside
``init_from`` / ``averaged_from``, and at least :data:`MIN_SIZE` characters of JSON) becomes a
JSON Reference, ``{"$ref": "#/averaged_from/0/init_from"}``, whose fragment is a JSON Pointer
(RFC 6901) into the same ``model.json``, always to an earlier part. :func:`expand` restores the
full record; it is lossless (``expand(compact(m)) == m``). The top-level fields the app reads
(``sources``, ``figures``, ``evaluation``…) are never replaced.
"""

from __future__ import annotations

import json

MIN_SIZE = 200  # characters of JSON; a shorter repeat costs less than its reference
PROVENANCE_KEYS = ("init_from", "averaged_from")


def _key(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _escape(token) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def compact(meta: dict) -> dict:
    """``meta`` with every repeat inside its provenance replaced by a reference to the first
    copy (depth first, in key order). ``meta`` itself is not changed."""
    seen: dict[str, str] = {}

    def walk(value, pointer: str, replaceable: bool):
        if not isinstance(value, (dict, list)):
            return value
        key = _key(value)
        if len(key) >= MIN_SIZE:
            if replaceable and key in seen:
                return {"$ref": "#" + seen[key]}
            seen.setdefault(key, pointer)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        out = {k: walk(v, f"{pointer}/{_escape(k)}", replaceable) for k, v in items}
        return out if isinstance(value, dict) else list(out.values())

    return {k: walk(v, f"/{_escape(k)}", k in PROVENANCE_KEYS) for k, v in meta.items()}


def _resolve(root, ref: str):
    if not ref.startswith("#/"):
        raise ValueError(f"unsupported reference {ref!r} (only '#/…' pointers into the record)")
    node = root
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node[token]
        else:
            raise ValueError(f"reference {ref!r} does not point into the record")
    return node


#: The most parts (objects, lists and values) :func:`expand` builds. The shipped model's record
#: expands to about 0.3 million from 100 KB; references that expand to more are a "billion
#: laughs" (5 KB of nested references growing to gigabytes), refused before anything is built.
MAX_EXPANDED = 4_000_000
MAX_DEPTH = 200


def expanded_size(meta, limit: int = MAX_EXPANDED) -> int:
    """How many parts :func:`expand` of ``meta`` would build, counted without building it (each
    part once: time and memory linear in ``meta``). ValueError for a reference that points
    nowhere or at itself, and as soon as the count passes ``limit``."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(value, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ValueError("references nest too deep (a cycle?)")
        if not isinstance(value, (dict, list)):
            return 1
        if id(value) in memo:
            return memo[id(value)]
        if isinstance(value, dict) and set(value) == {"$ref"} and isinstance(value["$ref"], str):
            try:
                target = _resolve(meta, value["$ref"])
            except (KeyError, IndexError, ValueError) as exc:
                raise ValueError(f"reference {value['$ref']!r} points nowhere ({exc})") from None
            if id(target) in active:
                raise ValueError(f"reference {value['$ref']!r} points into itself (a cycle)")
            active.add(id(target))
            n = size(target, depth + 1)
            active.discard(id(target))
        else:
            active.add(id(value))
            n = 1 + sum(size(v, depth + 1)
                        for v in (value.values() if isinstance(value, dict) else value))
            active.discard(id(value))
        if n > limit:
            raise ValueError(f"its references expand to more than {limit:,} parts (a reference "
                             "bomb, or a record this version cannot hold)")
        memo[id(value)] = n
        return n

    return size(meta, 0)


def expand(meta: dict, limit: int = MAX_EXPANDED) -> dict:
    """The full record of a ``model.json`` written by :func:`compact` (or an older one, which
    has no references and comes back equal). ValueError for a reference that points nowhere,
    a cycle, or references that expand past ``limit`` parts (checked before building)."""
    expanded_size(meta, limit)

    def walk(value, depth: int):
        if depth > MAX_DEPTH:
            raise ValueError("references nest too deep (a cycle?)")
        if isinstance(value, dict):
            if set(value) == {"$ref"} and isinstance(value["$ref"], str):
                try:
                    target = _resolve(meta, value["$ref"])
                except (KeyError, IndexError, ValueError) as exc:
                    raise ValueError(f"reference {value['$ref']!r} points nowhere ({exc})") from None
                return walk(target, depth + 1)
            return {k: walk(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, depth + 1) for v in value]
        return value

    return walk(meta, 0)
