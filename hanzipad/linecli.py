"""``hanzipad classify --line``: each ink is read as one written line (:mod:`hanzipad.line`).

Inputs are ink files: a ``.json`` file is one line, a ``.jsonl`` file one line per line of
the file. ``--json`` prints one object per input::

    {"file": …, "index": N, "line": L (for .jsonl), "text": "best reading",
     "candidates": [{"text": …, "score": …}, …], "chars": [{"text": …,
     "alternatives": [[char, prob], …], "strokes": [i, …]}, …], "ms": …}

``candidates`` are the best readings, best first (``score``: the reading's log score, higher
is better); ``chars`` are the characters of the best reading, each with the classifier's
alternatives (the character itself first) and the strokes it was read from. Plain output
prints ``FILE: TEXT`` and the other readings. A bad input gets a one-line message naming it
on stderr; the others are still read and the exit status is 1 at the end.

With ``--profile FILE`` (a writer's profile made by ``hanzipad learn``) every candidate
character is scored by the writer's adapted classifier (:func:`profile_scorer`), as
``classify --profile`` scores single characters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path

from hanzipad.ink import Ink, InkError, display_path, iter_jsonl_lines
from hanzipad.ink import load as load_ink

EXIT_BAD_INPUT = 1
#: As ``classify --profile`` with a profile that cannot be used (hanzipad.cli's EXIT_NO_MODEL).
EXIT_NO_PROFILE = 2


def iter_line_inks(path: str) -> Iterator[tuple[int | None, int | None, str, Ink | str]]:
    """``(index, line, where, ink or error message)`` per input of ``path``."""
    p = Path(path)
    shown = display_path(path)
    suffix = p.suffix.lower()
    if suffix == ".jsonl":
        seen = False
        try:
            for record in iter_jsonl_lines(p):
                seen = True
                item = record.item
                yield (record.index, record.line, f"{shown}:{record.line}",
                       str(item) if isinstance(item, InkError) else item)
        except InkError as exc:
            yield None, None, shown, str(exc)
            return
        if not seen:
            yield None, None, shown, f"{shown}: no ink in this file"
        return
    if suffix != ".json":
        yield None, None, shown, (f"{shown}: --line reads ink files (.json, .jsonl), not "
                                  "images")
        return
    try:
        yield None, None, shown, load_ink(p)
    except InkError as exc:
        yield None, None, shown, str(exc)


def profile_scorer(recognizer, profile_path: str, warn):
    """``scorer(images) -> probabilities`` of the writer's adapted classifier for
    :class:`hanzipad.line.LineReader` (what ``classify --profile`` uses: the profile's map on
    the model's features, then the bundle's last dense layer), or None when the bundle has no
    adaptation data (said on ``warn``). :class:`hanzipad.adapt.ProfileError` when the
    profile cannot be read; a profile made for another bundle is fitted again from its ink
    (said on ``warn``), never applied as it is (:func:`hanzipad.learn.profile_head`)."""
    from hanzipad.learn import profile_head

    head = profile_head(recognizer, profile_path, warn, "reading lines without the profile")
    return None if head is None else adapted_scorer(recognizer, head)


def adapted_scorer(recognizer, head):
    """``scorer(images)``: ``head`` (a :class:`hanzipad.adapt.AdaptedClassifier`) on the
    recognizer's features of ``images``, for :class:`hanzipad.line.LineReader`."""

    def scorer(images):
        _, features = recognizer.features(images)
        return head.probabilities(features)

    return scorer


def classify_lines(args, recognizer, err, write_json, json_line, write_text) -> int:
    """Run ``classify --line`` with the parsed ``args`` (files, top, json, profile) and the
    output helpers of :mod:`hanzipad.cli`; returns the exit status (2 for a profile that
    cannot be read)."""
    from hanzipad.adapt import ProfileError
    from hanzipad.lexicon import Lexicon, LexiconError
    from hanzipad.line import LineError, LineReader

    scorer = None
    if getattr(args, "profile", None):
        try:
            scorer = profile_scorer(recognizer, args.profile, err)
        except ProfileError as exc:
            err(str(exc))
            return EXIT_NO_PROFILE

    try:
        lexicon = Lexicon.load()
    except LexiconError as exc:
        err(f"reading lines without the word list: {exc}")
        lexicon = None
    if lexicon is not None and getattr(args, "profile", None):  # the writer's words (issue 36)
        from hanzipad.userwords import read_beside

        lexicon.user = read_beside(args.profile, err)
    reader = LineReader(recognizer, lexicon, scorer=scorer)
    status = 0
    for file in args.files:
        for index, line, where, ink in iter_line_inks(file):
            if isinstance(ink, str):
                err(ink)
                status = EXIT_BAD_INPUT
                continue
            start = time.perf_counter()
            try:
                reading = reader.read(ink, n_best=args.top, alternatives=args.top)
            except LineError as exc:
                err(f"{where}: {exc}")
                status = EXIT_BAD_INPUT
                continue
            ms = (time.perf_counter() - start) * 1000.0
            if not all(math.isfinite(s) for _, s in reading.readings):
                err(f"{where}: the scores are not finite; the model bundle is broken")
                status = EXIT_BAD_INPUT
                continue
            if args.json:
                record = {"file": file}
                if index is not None:
                    record["index"] = index
                    record["line"] = line
                record.update(reading.to_dict())
                record["ms"] = round(ms, 3)
                write_json(json_line(record))
            else:
                others = "  ".join(f"{t} {s:.2f}" for t, s in reading.readings[1:])
                write_text(f"{where}: {reading.text}" + (f"  ({others})" if others else ""))
    return status
