"""Command line: ``hanzipad [FILE] [--model DIR]`` opens the pad; ``hanzipad classify …`` runs headless.

``hanzipad classify [--top K] [--json] [--model DIR] FILE…`` classifies images and ink
files (``.json``, and ``.jsonl`` with one ink per line). Plain mode prints one line
per input; ``--json`` prints JSON Lines::

    {"file": …, "index": N (for .jsonl), "candidates": [{"char": …, "prob": …}, …], "ms": …}

``ms`` is the wall time to preprocess and classify that input. A bad input gets a
message on stderr naming it and the reason; the rest are still classified and the
exit status is 1 at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from hanzipad import __version__
from hanzipad.bundle import BundleError
from hanzipad.ink import Ink, InkError, is_ink_path, iter_jsonl
from hanzipad.ink import load as load_ink
from hanzipad.normalize import ImageError, load_image
from hanzipad.raster import rasterize

EXIT_BAD_INPUT = 1
EXIT_NO_MODEL = 2


class InputError(ValueError):
    """One input that could not be classified (message names the file and the reason)."""


def _err(message: str) -> None:
    print(f"hanzipad: {message}", file=sys.stderr, flush=True)


def _recognizer(model: str | None):
    from hanzipad.recognizer import Recognizer

    return Recognizer(model)


def iter_inputs(path: str) -> Iterator[tuple[int | None, object]]:
    """Yield ``(index, loader)`` per input in ``path``: ``loader()`` returns the 64x64 image
    or raises :class:`InputError`. ``index`` is the line number (from 0) in a .jsonl file."""
    p = Path(path)
    if p.suffix.lower() == ".jsonl":
        try:
            items = list(iter_jsonl(p))
        except InkError as exc:
            yield None, _failing(str(exc))
            return
        if not items:
            yield None, _failing(f"{p}: no ink in this file")
        for index, item in items:
            if isinstance(item, InkError):
                yield index, _failing(str(item))
            else:
                yield index, _ink_loader(item, f"{p}[{index}]")
        return
    if is_ink_path(p):
        def load():
            try:
                ink = load_ink(p)
            except InkError as exc:
                raise InputError(str(exc)) from None
            return _ink_image(ink, str(p))

        yield None, load
        return

    def load_img():
        try:
            image = load_image(p)
        except ImageError as exc:
            raise InputError(str(exc)) from None
        if not image.any():
            raise InputError(f"{p}: no ink found (blank image)")
        return image

    yield None, load_img


def _failing(message: str):
    def fail():
        raise InputError(message)

    return fail


def _ink_loader(ink: Ink, where: str):
    return lambda: _ink_image(ink, where)


def _ink_image(ink: Ink, where: str) -> np.ndarray:
    if ink.is_empty():
        raise InputError(f"{where}: ink has no strokes")
    return rasterize(ink)


def classify_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="hanzipad classify",
        description="Classify handwritten characters in images and ink files (.json/.jsonl).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="image (PNG, JPG, BMP, …) or ink .json/.jsonl")
    parser.add_argument("--top", "-k", type=int, default=5, metavar="K", help="candidates per input (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON Lines, one object per input")
    parser.add_argument("--model", metavar="DIR", help="model bundle folder (default: the bundled model)")
    args = parser.parse_args(argv)
    if args.top < 1:
        parser.error("--top must be at least 1")
    try:
        recognizer = _recognizer(args.model)
    except BundleError as exc:
        _err(f"cannot load the model: {exc}")
        return EXIT_NO_MODEL
    status = 0
    for file in args.files:
        for index, loader in iter_inputs(file):
            start = time.perf_counter()
            try:
                image = loader()
            except InputError as exc:
                _err(str(exc))
                status = EXIT_BAD_INPUT
                continue
            candidates = recognizer.classify(image, args.top)
            ms = (time.perf_counter() - start) * 1000.0
            if args.json:
                record = {"file": file}
                if index is not None:
                    record["index"] = index
                record["candidates"] = [c.to_dict() for c in candidates]
                record["ms"] = round(ms, 3)
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                name = file if index is None else f"{file}[{index}]"
                ranked = "  ".join(f"{c.char} {c.prob:.3f}" for c in candidates)
                print(f"{name}: {ranked}", flush=True)
    return status


def self_test(model: str | None) -> int:
    """Classify the built-in sample with the bundle; exit 0 when it is recognized."""
    from hanzipad.selftest import SAMPLE_CHAR, sample_ink

    start = time.perf_counter()
    try:
        recognizer = _recognizer(model)
    except BundleError as exc:
        _err(f"self-test failed: cannot load the model: {exc}")
        return 1
    loaded = time.perf_counter()
    ink = sample_ink()
    images = np.stack([rasterize(ink), rasterize(ink.reversed())])
    probs = recognizer.probabilities(images)
    ms = (time.perf_counter() - loaded) * 1000.0
    problems = []
    if not np.all(np.isfinite(probs)) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-3):
        problems.append("model output is not a probability distribution")
    top = [recognizer.labels[int(i)] for i in probs.argmax(axis=1)]
    if SAMPLE_CHAR in recognizer.labels and top[0] != SAMPLE_CHAR:
        problems.append(f"sample {SAMPLE_CHAR} was recognized as {top[0]}")
    if top[0] != top[1]:
        problems.append(f"reversed ink gave {top[1]} instead of {top[0]}")
    name = recognizer.bundle.describe()
    if problems:
        _err(f"self-test failed with {name}: " + "; ".join(problems))
        return 1
    print(
        f"self-test passed: {SAMPLE_CHAR} -> {top[0]} ({probs[0].max():.3f}) with {name} "
        f"[{recognizer.runtime}], model load {1000 * (loaded - start):.0f} ms, classify {ms:.1f} ms"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "classify":
        return classify_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="hanzipad",
        description="Handwriting pad for Chinese: draw a character, get ranked candidates.",
        epilog="Headless classification: hanzipad classify [--top K] [--json] [--model DIR] FILE…",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="image or ink file to open and classify")
    parser.add_argument("--model", metavar="DIR", help="model bundle folder (default: the bundled model)")
    parser.add_argument("--version", action="version", version=f"hanzipad {__version__}")
    parser.add_argument("--self-test", action="store_true", help="classify a built-in sample and exit 0/1")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test(args.model)
    from hanzipad.gui.app import main as gui_main

    return gui_main(args.files, args.model)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
