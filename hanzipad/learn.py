"""``hanzipad learn --profile FILE INK…`` and ``hanzipad classify --profile FILE …``.

``learn`` adds labelled ink (``.json`` files and ``.jsonl`` lines with a ``"label"``, and
optionally a ``"weight"`` in (0, 1], default 1) to a writer's profile (created when missing),
fits it for the model bundle again and writes it atomically (:mod:`hanzipad.adapt`). A bad
record gets a one-line message naming ``file`` or ``file:LINE``; the others are learned and
the exit status is 1. A profile that cannot be read (damaged, truncated, made by a newer
HanziPad) is refused with one line naming it and left as it is (exit 2). With a bundle that
has no adaptation data the ink is kept in the profile (a later model can learn from it) and
nothing is fitted.

``classify --profile FILE`` classifies with the profile's transform; a profile fitted for
another bundle is fitted again from its ink (in memory: classify writes nothing).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hanzipad.adapt import (
    STRONG,
    Adaptation,
    AdaptationError,
    AdaptedClassifier,
    Profile,
    ProfileError,
)
from hanzipad.bundle import BundleError
from hanzipad.errors import HanziPadError, part
from hanzipad.ink import Ink, InkError, display_path, iter_jsonl_lines
from hanzipad.ink import load as load_ink

EXIT_BAD_INPUT = 1
EXIT_UNUSABLE = 2


class RecordError(HanziPadError, ValueError):
    """A labelled ink that cannot be learned (no label, no strokes, a bad weight)."""


def _err(message: str) -> None:
    print(f"hanzipad: {message}", file=sys.stderr, flush=True)


def iter_labelled(path: str):
    """``(where, ink or None, message or None)`` for each ink of a file."""
    p = Path(path)
    shown = display_path(path)
    if p.suffix.lower() == ".jsonl":
        seen = False
        try:
            for record in iter_jsonl_lines(p):
                seen = True
                where = f"{shown}:{record.line}"
                if isinstance(record.item, InkError):
                    yield where, None, str(record.item)
                else:
                    yield where, record.item, None
        except InkError as exc:
            yield shown, None, str(exc)
            return
        if not seen:
            yield shown, None, str(RecordError.coded("input.no_ink", shown))
        return
    if p.suffix.lower() != ".json":
        yield shown, None, str(RecordError.coded("learn.not_ink_file", shown))
        return
    try:
        yield shown, load_ink(p), None
    except InkError as exc:
        yield shown, None, str(exc)


def _check(ink: Ink, where: str) -> tuple[str, float]:
    label = ink.meta.get("label")
    if not isinstance(label, str) or not label.strip():
        raise RecordError.coded("learn.no_label", where)
    if ink.is_empty():
        raise RecordError.coded("ink.no_strokes", where)
    weight = ink.meta.get("weight", STRONG)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 1:
        raise RecordError.coded("learn.bad_weight", where, weight=repr(weight))
    return label.strip(), float(weight)


def learn_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="hanzipad learn",
        description="Add labelled ink to a writer's profile (created if missing) and fit it "
                    "again: classify --profile then reads that writer's hand better.",
    )
    parser.add_argument("files", nargs="+", metavar="INK",
                        help="ink .json / .jsonl records with a \"label\"")
    parser.add_argument("--profile", required=True, metavar="FILE", help="the profile to update")
    parser.add_argument("--model", metavar="DIR",
                        help="model bundle folder (default: the bundled model)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = Path(args.profile)
    try:
        profile = Profile.load(path) if path.exists() or path.is_symlink() else Profile(path)
    except ProfileError as exc:
        _err(f"{exc}; left as it is (move it away to start a new profile)")
        return EXIT_UNUSABLE
    from hanzipad.recognizer import Recognizer

    try:
        recognizer = Recognizer(args.model)
        adaptation = Adaptation.load(recognizer.bundle)
    except BundleError as exc:
        _err(f"cannot load the model: {exc}")
        return EXIT_UNUSABLE
    known = set(recognizer.labels)
    status, added, unknown = 0, 0, 0
    for file in args.files:
        for where, ink, message in iter_labelled(file):
            if ink is None:
                _err(message)
                status = EXIT_BAD_INPUT
                continue
            try:
                label, weight = _check(ink, where)
                profile.add(ink, label, weight)
            except ValueError as exc:
                _err(str(exc))
                status = EXIT_BAD_INPUT
                continue
            added += 1
            if label not in known:
                unknown += 1
                _err(f"{where}: {label!r} is not one of the model's characters: kept, "
                     "not learned by this model")
    fitted = None
    if adaptation is not None and recognizer.has_features:
        try:
            fitted = profile.fit(recognizer, adaptation)
        except (InkError, BundleError) as exc:
            _err(f"{path}: cannot fit the profile ({exc})")
            return EXIT_UNUSABLE
    else:
        _err(f"{recognizer.bundle.describe()} has no adaptation data (hanzipad-train "
             "prototypes): the ink is kept in the profile, nothing is fitted")
    try:
        profile.save(path)
    except OSError as exc:
        _err(f"{display_path(path)}: cannot write the profile ({exc.strerror or exc})")
        return EXIT_UNUSABLE
    what = (f"fitted on {fitted.samples} for {recognizer.bundle.describe()}" if fitted
            else "not fitted")
    print(f"{display_path(path)}: {len(profile)} characters (added {added}), {what}, "
          f"{time.perf_counter() - start:.2f} s")
    return status


def profile_head(recognizer, profile_path: str, warn: Callable[[str], None],
                 without: str = "classifying without the profile"):
    """The writer's adapted classifier (:class:`hanzipad.adapt.AdaptedClassifier`) for
    ``recognizer``'s bundle, or None when the bundle has no adaptation data (said on ``warn``,
    ending with ``without``). ProfileError when the profile cannot be read; a profile made for
    another bundle is fitted again from its ink (said on ``warn``), never applied as it is."""
    profile = Profile.load(profile_path)
    try:
        adaptation = Adaptation.load(recognizer.bundle)
    except AdaptationError as exc:
        warn(f"{exc}; {without}")
        return None
    if adaptation is None or not recognizer.has_features:
        warn(f"{recognizer.bundle.describe()} has no adaptation data: {without}")
        return None
    if not profile.usable(adaptation):
        if len(profile) and profile.transform is not None:
            warn(f"{display_path(profile_path)} was fitted for another model: fitting it again "
                 f"from its {len(profile)} characters")
        try:
            profile.fit(recognizer, adaptation)
        except InkError as exc:
            raise ProfileError.coded("profile.damaged", display_path(profile_path),
                                     detail=part(exc)) from None
    return AdaptedClassifier(adaptation, profile.transform)


def profile_classifier(recognizer, profile_path: str, warn: Callable[[str], None]):
    """A ``classify(image, k)`` that uses the writer's profile (:func:`profile_head`); the
    recognizer's own when the bundle has no adaptation data."""
    model = profile_head(recognizer, profile_path, warn)
    if model is None:
        return recognizer.classify

    from hanzipad.handstyle import read

    def classify(image, k: int = 10):  # a doubtful character is read again (handstyle)
        return recognizer._top(read(recognizer, model, image, k=k), k)

    return classify
