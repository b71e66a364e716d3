"""Command line: ``hanzipad [FILE] [--model DIR]`` opens the pad; ``hanzipad classify …`` runs headless.

``hanzipad classify [--top K] [--json] [--model DIR] FILE…`` classifies images and ink
files (``.json``, and ``.jsonl`` with one ink per line). Plain mode prints one line
per input; ``--json`` prints JSON Lines::

    {"file": …, "index": N, "line": L (for .jsonl), "candidates": [{"char": …, "prob": …}, …], "ms": …}

``ms`` is the wall time to preprocess and classify that input. A bad input gets a
one-line message on stderr naming it (``file``, or ``file:LINE`` for a line of a
``.jsonl``, counted from 1) and the reason; the rest are still classified and the exit
status is 1 at the end. A ``.jsonl`` is read line by line, so the first result comes at
once and memory stays flat. ``--json`` output is always UTF-8 JSON: no NaN/Infinity (a
model giving non-finite scores is an error for that input) and file-name bytes that are
not UTF-8 escaped as ``\\udcXX`` (``os.fsencode`` of the decoded name gives the bytes back).
When the reader of the output goes away (``| head -1``) classify stops quietly with
status 141 (128 + SIGPIPE), like other command-line tools.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from hanzipad import __version__, fileio
from hanzipad.bundle import BundleError
from hanzipad.errors import HanziPadError, Message
from hanzipad.ink import Ink, InkError, display_path, is_ink_path, iter_jsonl_lines
from hanzipad.ink import load as load_ink
from hanzipad.normalize import ImageError, load_image
from hanzipad.raster import rasterize
from hanzipad.recognizer import NON_FINITE, NonFiniteScores

EXIT_BAD_INPUT = 1
EXIT_NO_MODEL = 2
#: Exit status when the output pipe is closed early (128 + SIGPIPE, what the shell reports
#: for a program the closed pipe killed).
EXIT_BROKEN_PIPE = 141

_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(HanziPadError, ValueError):
    """One input that could not be classified (message names the file and the reason)."""


def _err(message: str) -> None:
    print(f"hanzipad: {message}", file=sys.stderr, flush=True)


def _recognizer(model: str | None):
    from hanzipad.recognizer import Recognizer

    return Recognizer(model)


class Input(NamedTuple):
    """One input of a FILE argument. ``load()`` returns its 64x64 image or raises
    :class:`InputError`; ``where`` names it in messages (``file`` or ``file:LINE``)."""

    index: int | None  #: non-blank line of a .jsonl, from 0 (None for other files)
    line: int | None  #: line number in a .jsonl, from 1
    where: str
    load: Callable[[], np.ndarray]


def iter_inputs(path: str) -> Iterator[Input]:
    """The inputs in ``path``, lazily: a ``.jsonl`` file is read line by line as its
    inputs are consumed."""
    p = Path(path)
    shown = display_path(path)
    if p.suffix.lower() == ".jsonl":
        seen = False
        try:
            for record in iter_jsonl_lines(p):
                seen = True
                where = f"{shown}:{record.line}"
                if isinstance(record.item, InkError):
                    yield Input(record.index, record.line, where,
                                _failing(InputError.of(record.item)))
                else:
                    yield Input(record.index, record.line, where, _ink_loader(record.item, where))
        except InkError as exc:  # the file cannot be read (at all, or from some line on)
            yield Input(None, None, shown, _failing(InputError.of(exc)))
            return
        if not seen:
            yield Input(None, None, shown, _failing(InputError.coded("input.no_ink", shown)))
        return
    if is_ink_path(p):
        def load():
            try:
                ink = load_ink(p)
            except InkError as exc:
                raise InputError.of(exc) from None
            return _ink_image(ink, shown)

        yield Input(None, None, shown, load)
        return

    def load_img():
        _refuse_special_file(p, shown)
        try:
            image = load_image(p)
        except ImageError as exc:
            raise InputError.of(exc) from None
        if not image.any():
            raise InputError.coded("input.blank", shown)
        return image

    yield Input(None, None, shown, load_img)


def _refuse_special_file(p: Path, shown: str) -> None:
    """A FIFO or device named like an image would block or never end: refuse it unread
    (:func:`hanzipad.fileio.check_regular_file`, the app's one file-type check)."""
    from hanzipad.fileio import NotAFileError, check_regular_file

    try:
        check_regular_file(p, shown)
    except IsADirectoryError:
        raise InputError.coded("file.folder_refused", shown) from None
    except NotAFileError as exc:
        kind = getattr(exc, "reason", None)
        kind = kind.params.get("kind", exc.kind) if isinstance(kind, Message) else exc.kind
        raise InputError.coded("file.special_refused", shown, kind=kind) from None
    except OSError:
        return  # missing or unreadable: load_image says so


def _failing(error: InputError):
    def fail():
        raise error

    return fail


def _ink_loader(ink: Ink, where: str):
    return lambda: _ink_image(ink, where)


def _ink_image(ink: Ink, where: str) -> np.ndarray:
    if ink.is_empty():
        raise InputError.coded("ink.no_strokes", where)
    try:
        return rasterize(ink)
    except (ValueError, OverflowError, MemoryError) as exc:  # ink.py's limits should prevent this
        raise InputError.coded("input.cannot_draw", where, detail=str(exc)) from None


def _json_line(record: dict) -> str:
    """One JSON Lines record: never NaN/Infinity, and lone surrogates (file-name bytes that
    are not UTF-8) written as \\u escapes, so the line always encodes as UTF-8."""
    text = json.dumps(record, ensure_ascii=False, allow_nan=False)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _write_json(line: str) -> None:
    """JSON Lines are UTF-8 whatever the locale."""
    out = sys.stdout
    buffer = getattr(out, "buffer", None)
    if buffer is None:
        out.write(line + "\n")
        out.flush()
        return
    out.flush()
    buffer.write(line.encode("utf-8") + b"\n")
    buffer.flush()


def _write_text(line: str) -> None:
    """A plain line in the terminal's encoding; what it cannot show is escaped."""
    out = sys.stdout
    try:
        out.write(line + "\n")
    except UnicodeEncodeError:
        encoding = out.encoding or "ascii"
        out.write(line.encode(encoding, "backslashreplace").decode(encoding) + "\n")
    out.flush()




#: ``--model``, which every command takes (a parent parser of theirs).
MODEL_OPTION = argparse.ArgumentParser(add_help=False)
MODEL_OPTION.add_argument("--model", metavar="DIR",
                          help="model bundle folder (default: the bundled model)")


def classify_parser(commands=None) -> argparse.ArgumentParser:
    """``hanzipad classify``'s options (a subcommand of ``commands`` when given); runs
    :func:`run_classify`."""
    options = dict(
        prog="hanzipad classify", parents=[MODEL_OPTION],
        description="Classify handwritten characters in images and ink files (.json/.jsonl).",
    )
    parser = (argparse.ArgumentParser(**options) if commands is None
              else commands.add_parser("classify", **options))
    parser.add_argument("files", nargs="+", metavar="FILE", help="image (PNG, JPG, BMP, …) or ink .json/.jsonl")
    parser.add_argument("--top", "-k", type=int, default=5, metavar="K", help="candidates per input (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON Lines, one object per input")
    parser.add_argument("--profile", metavar="FILE",
                        help="classify with this writer's profile (made by hanzipad learn)")
    parser.add_argument("--line", action="store_true",
                        help="read each ink as one written line of several characters "
                             "(hanzipad.linecli: text, readings, per-character alternatives)")
    parser.set_defaults(func=run_classify, parser=parser)
    return parser


def classify_main(argv: list[str]) -> int:
    """``hanzipad classify ARGV…``."""
    return run_classify(classify_parser().parse_args(argv))


def run_classify(args: argparse.Namespace) -> int:
    """``hanzipad classify``: stops quietly with :data:`EXIT_BROKEN_PIPE` when the reader of
    the output goes away (``| head -1``)."""
    try:
        return _classify(args)
    except BrokenPipeError:
        fileio.silence_closed_pipe()
        return EXIT_BROKEN_PIPE


def _classify(args: argparse.Namespace) -> int:
    parser = args.parser
    if args.top < 1:
        parser.error("--top must be at least 1")
    try:
        recognizer = _recognizer(args.model)
    except BundleError as exc:
        _err(f"cannot load the model: {exc}")
        return EXIT_NO_MODEL
    if args.line:  # issue 37: each ink is one written line (--profile: hanzipad.linecli)
        from hanzipad.linecli import classify_lines

        return classify_lines(args, recognizer, _err, _write_json, _json_line, _write_text)
    classify = recognizer.classify
    if args.profile:  # writer adaptation (hanzipad.learn)
        from hanzipad.adapt import ProfileError
        from hanzipad.learn import profile_classifier

        try:
            classify = profile_classifier(recognizer, args.profile, _err)
        except ProfileError as exc:
            _err(str(exc))
            return EXIT_NO_MODEL
    status = 0
    for file in args.files:
        for item in iter_inputs(file):
            start = time.perf_counter()
            try:
                image = item.load()
            except InputError as exc:
                _err(str(exc))
                status = EXIT_BAD_INPUT
                continue
            try:
                candidates = classify(image, args.top)
            except NonFiniteScores as exc:
                candidates, reason = [], str(exc)
            else:
                reason = "" if all(math.isfinite(c.prob) for c in candidates) else NON_FINITE
            ms = (time.perf_counter() - start) * 1000.0
            if reason:
                _err(f"{item.where}: {reason}")
                status = EXIT_BAD_INPUT
                continue
            if args.json:
                record = {"file": file}
                if item.index is not None:
                    record["index"] = item.index
                    record["line"] = item.line
                record["candidates"] = [c.to_dict() for c in candidates]
                record["ms"] = round(ms, 3)
                _write_json(_json_line(record))
            else:
                ranked = "  ".join(f"{c.char} {c.prob:.3f}" for c in candidates)
                _write_text(f"{item.where}: {ranked}")
    return status


#: A character the word list must know (the self-test checks that the lexicon is there).
SAMPLE_CHAR_FOR_CONTEXT = "中"


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
    extras = _self_test_resources(problems)
    if problems:
        _err(f"self-test failed with {name}: " + "; ".join(problems))
        return 1
    print(
        f"self-test passed: {SAMPLE_CHAR} -> {top[0]} ({probs[0].max():.3f}) with {name} "
        f"[{recognizer.runtime}], model load {1000 * (loaded - start):.0f} ms, classify {ms:.1f} ms"
        f"; {extras}"
    )
    return 0


def _self_test_resources(problems: list[str]) -> str:
    """What the writing pad needs besides the model (a packaged app must carry it): the word
    list and readings, the Chinese translation, and on Linux the X11 typing library."""
    from hanzipad.bundle import resources_dir
    from hanzipad.lexicon import Lexicon, LexiconError
    from hanzipad.readings import Readings

    said = []
    try:
        following = Lexicon.load().next_words(SAMPLE_CHAR_FOR_CONTEXT, 3)
        readings = Readings.load().pinyin(SAMPLE_CHAR_FOR_CONTEXT)
        if not following or not readings:
            problems.append(f"the word list knows nothing of {SAMPLE_CHAR_FOR_CONTEXT}")
        said.append(f"context {SAMPLE_CHAR_FOR_CONTEXT} -> {''.join(following[:1])} "
                    f"{'/'.join(readings)}")
    except LexiconError as exc:
        problems.append(f"word list: {exc}")
    qm = resources_dir() / "i18n" / "hanzipad_zh_CN.qm"
    if not qm.is_file():
        problems.append(f"no Chinese translation: {qm} is missing")
    if sys.platform.startswith("linux"):
        try:
            import Xlib.display  # noqa: F401
            import Xlib.ext.xtest  # noqa: F401
        except ImportError as exc:
            problems.append(f"cannot type into other programs: {exc}")
        else:
            said.append("XTest typing available")
    return ", ".join(said)


#: Exit status when standard output cannot be written (a full disk, a closed stdout).
EXIT_OUTPUT_ERROR = 1


class OutputError(Exception):
    """Standard output cannot be written (not a closed pipe: that is BrokenPipeError)."""


class _GuardedOutput:
    """``sys.stdout`` while the command runs: a write or flush that fails for any reason but a
    closed pipe raises :class:`OutputError` naming standard output (a closed stdout, where
    Python sets ``sys.stdout`` to None, too).  ``.buffer`` is guarded the same way."""

    def __init__(self, stream):
        self._stream = stream

    def __getattr__(self, name):
        if self._stream is None:
            raise AttributeError(name)
        return getattr(self._stream, name)

    @property
    def buffer(self):
        inner = getattr(self._stream, "buffer", None)
        if inner is None and self._stream is not None:
            raise AttributeError("buffer")
        return _GuardedOutput(inner)

    def _call(self, name: str, *args):
        if self._stream is None:
            if name == "flush":
                return None
            raise OutputError("it is closed")
        try:
            return getattr(self._stream, name)(*args)
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as exc:  # ValueError: "I/O operation on closed file"
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise OutputError(reason) from None

    def write(self, data):
        return self._call("write", data)

    def writelines(self, lines):
        return self._call("writelines", lines)

    def flush(self):
        return self._call("flush")


def _stdout_to_devnull() -> None:
    """Point file descriptor 1 at /dev/null: the exit-time flush of what is left stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, 1)
    except OSError:
        pass
    os.close(devnull)


def main(argv: list[str] | None = None) -> int:
    """The ``hanzipad`` command.  When the output cannot be written it ends with at most one
    line: a closed pipe (``hanzipad classify … | head -1``) quietly with status 141, as Unix
    tools do; anything else (``>/dev/full``, a closed stdout) with ``hanzipad: cannot write to
    standard output: REASON`` on stderr and status 1."""
    real = sys.stdout
    sys.stdout = _GuardedOutput(real)
    try:
        try:
            status = _dispatch(argv)
        except SystemExit as done:  # argparse's --help, --version and usage errors
            status = done
        sys.stdout.flush()  # what is still buffered fails here, not in the exit-time flush
        if isinstance(status, SystemExit):
            raise status
        return status
    except BrokenPipeError:
        fileio.silence_closed_pipe()
        return EXIT_BROKEN_PIPE
    except OutputError as exc:
        sys.stdout = real
        _err(f"cannot write to standard output: {exc}")
        _stdout_to_devnull()
        return EXIT_OUTPUT_ERROR
    finally:
        sys.stdout = real


def pad_parser() -> argparse.ArgumentParser:
    """``hanzipad [FILE…]``: the pad (:func:`run_pad`), or ``--self-test``
    (:func:`run_self_test`)."""
    parser = argparse.ArgumentParser(
        prog="hanzipad", parents=[MODEL_OPTION],
        description="Handwriting pad for Chinese: draw a character, get ranked candidates.",
        epilog="Headless classification: hanzipad classify [--top K] [--json] [--model DIR] "
               "[--profile FILE] FILE…; learning a writer's hand: hanzipad learn --profile "
               "FILE INK…",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="image or ink file to open and classify")
    parser.add_argument("--version", action="version", version=f"hanzipad {__version__}")
    parser.add_argument("--self-test", dest="func", action="store_const", const=run_self_test,
                        default=run_pad, help="classify a built-in sample and exit 0/1")
    parser.add_argument("--always-on-top", action="store_true",
                        help="keep the pad above other windows without taking the keyboard; "
                             "picks are typed into the focused program")
    return parser


def run_self_test(args: argparse.Namespace) -> int:
    return self_test(args.model)


def run_pad(args: argparse.Namespace) -> int:
    from hanzipad.gui.app import main as gui_main

    if args.always_on_top:
        from hanzipad.gui.window import MainWindow

        MainWindow.start_on_top = True
    return gui_main(args.files, args.model)


def run_learn(args: argparse.Namespace) -> int:
    """``hanzipad learn``: writer adaptation (:func:`hanzipad.learn.learn_main` parses its
    own options)."""
    from hanzipad.learn import learn_main

    return learn_main(args.rest)


def command_parser() -> argparse.ArgumentParser:
    """``hanzipad COMMAND …``: the commands besides the pad, each with its ``func``."""
    parser = argparse.ArgumentParser(prog="hanzipad")
    commands = parser.add_subparsers(dest="command", required=True)
    classify_parser(commands)
    # everything after "learn", as it is, is learn_main's: no option of this parser there
    learn = commands.add_parser("learn", prog="hanzipad learn", add_help=False, prefix_chars="\0")
    learn.add_argument("rest", nargs=argparse.REMAINDER)
    learn.set_defaults(func=run_learn)
    return parser


#: The first arguments that name a command rather than a file for the pad.
COMMANDS = ("classify", "learn")


def _dispatch(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = command_parser() if argv and argv[0] in COMMANDS else pad_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
