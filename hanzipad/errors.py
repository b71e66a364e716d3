"""Errors with a code: what went wrong as a stable id and parameters, the English text built
from :data:`TEMPLATES`.

hanzipad's core modules (ink, fileio, bundle, normalize, recognizer, adapt, learn, lexicon,
readings, userwords, cli) raise subclasses of :class:`HanziPadError` made with
:meth:`HanziPadError.coded`::

    raise InkError.coded("ink.no_strokes_key", path)   # "PATH: no 'strokes' key"

``str(exc)`` is the English message the CLI prints: the places it happened (``where``: a file
name, "stroke 3 point 1"), then the reason, joined by ": ".  The GUI translates the reason by
``code`` with its own template (``hanzipad.gui.i18n``), so rewording the English here does not
lose the translation, and a code the GUI does not know is shown in English.

A place or a parameter may itself be a :class:`Message` (a code and parameters: "stroke 3
point 1", "a FIFO (named pipe)", an OS error), translated the same way.

No Qt here: the CLI and the trainer use these without the GUI.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

#: code -> English template (``str.format`` fields named by the parameters).  A code is
#: stable: reword the text freely, but a new meaning gets a new code (the GUI's Chinese
#: template is keyed by it).
TEMPLATES: dict[str, str] = {
    # an OS error's own text (the GUI translates the common ones by errno)
    "os.error": "{text}",
    # places inside a file
    "place.stroke_point": "stroke {stroke} point {point}",
    "place.stroke": "stroke {stroke}",
    "place.line": "line {line}",
    # kinds of file (hanzipad.fileio)
    "kind.folder": "a folder",
    "kind.fifo": "a FIFO (named pipe)",
    "kind.char_device": "a character device",
    "kind.block_device": "a block device",
    "kind.socket": "a socket",
    "kind.special": "a special file",
    # files (hanzipad.fileio, hanzipad.ink, hanzipad.normalize)
    "file.missing": "no such file",
    "file.is_folder": "is a folder, not a file",
    "file.not_regular": "is {kind}, not a regular file",
    "file.special": "not a regular file",
    "file.read_only": "the file is read-only",
    "file.folder_refused": "not a regular file but a folder; refused unread",
    "file.special_refused": "not a regular file but {kind}; refused unread",
    "file.permission_denied": "cannot read the file (permission denied)",
    "file.cannot_read": "cannot read the file ({reason})",
    "file.cannot_read_short": "cannot read ({reason})",
    "file.too_many_bytes": "{size:,} bytes, more than the {limit:,} allowed",
    "file.more_than_allowed": "more than the {limit:,} bytes allowed",
    # JSON (hanzipad.fileio.loads_bounded, read_json)
    "json.too_many_digits": "a number with more than {limit} digits",
    "json.number_too_large": "a number too large for a float ({start}…)",
    "json.not_a_number": "{text} is not a number JSON allows",
    "json.invalid": "not valid JSON ({detail})",
    "json.too_deep": "nested deeper than {limit} levels",
    "json.not_utf8": "not valid JSON (not UTF-8 text at byte {offset})",
    "json.not_object": "expected a JSON object",
    # ink files (hanzipad.ink)
    "ink.too_small": "the ink spans only {extent:.3g} units, too small to draw "
                     "(at least {minimum:g}, or a single point)",
    "ink.not_a_number": "expected a number, got {value}",
    "ink.too_many_digits": "number with {digits} digits is too large",
    "ink.int_too_long": "number with {digits} digits is too large (at most {limit})",
    "ink.not_finite": "coordinate is not finite ({value})",
    "ink.non_finite_constant": "non-finite number {name} in coordinates",
    "ink.out_of_range": "{value:.3g} is outside the accepted range (±{limit:g})",
    "ink.stroke_not_list": "expected a list of points",
    "ink.bad_point": "expected [x, y], [x, y, t] or [x, y, t, pressure]",
    "ink.not_object": "expected a JSON object with 'strokes'",
    "ink.no_strokes_key": "no 'strokes' key",
    "ink.strokes_not_list": "'strokes' must be a list",
    "ink.invalid_json": "not valid JSON ({detail} at line {line} column {column})",
    "ink.too_deep": "JSON nested too deeply (an ink is a few levels deep)",
    "ink.not_utf8": "not UTF-8 text (byte 0x{byte:02x} at offset {offset})",
    "ink.file_too_large": "larger than {size}, too large for an ink file",
    "ink.line_too_long": "line longer than {size}, too large for one ink",
    "ink.too_large_to_save": "{points:,} points: larger than {size} even in whole units, "
                             "too large for an ink file",
    # images (hanzipad.normalize)
    "image.too_large": "image too large ({width}x{height} pixels; the limit is {limit:,} pixels)",
    "image.bomb": "image too large (decompression bomb limit)",
    "image.no_pixels": "image has no pixels ({width}x{height})",
    "image.is_folder": "is a folder, not an image",
    "image.permission_denied": "cannot be read (permission denied)",
    "image.unknown_format": "not an image file HanziPad opens (it opens {formats} images)",
    "image.corrupt": "corrupt or truncated image ({detail})",
    "image.unusable": "cannot use this image ({detail})",
    "image.bad_array": "expected a 2-D or 3-D image array, got shape {shape}",
    # model bundles (hanzipad.bundle)
    "bundle.not_found": "model bundle not found: {path}",
    "bundle.not_folder": "a model bundle is a folder (with {files})",
    "bundle.incomplete": "incomplete model bundle, missing {missing}",
    "bundle.classes_mismatch": "{meta} says {classes} classes but {labels} has {lines} lines",
    "bundle.convention": "made for preprocessing convention {theirs}, this HanziPad uses "
                         "{ours}; export the model again with this version",
    "bundle.input_size": "input size {theirs} is not {ours}",
    "bundle.sha256_mismatch": "its SHA-256 ({digest}…) is not the one {meta} records "
                              "({recorded}…): the file is damaged or was replaced; reinstall "
                              "or export the model again",
    "bundle.missing_keys": "missing keys {keys}",
    "bundle.format": "format is {found}, expected {expected}",
    "bundle.format_version": "bundle format version {version} is not supported",
    "bundle.not_positive": "{key} must be a positive integer, got {value}",
    "bundle.too_many_classes": "classes is {classes:.3g}, more than the {limit:,} a bundle "
                               "may have",
    "bundle.bad_sha256": "sha256 must be 64 hexadecimal digits, got {value}",
    "bundle.reading_labels": "cannot read labels",
    "bundle.cannot_read_labels": "cannot read labels ({detail})",
    "bundle.no_labels": "no labels",
    "bundle.bad_label": "line {line} is not a single label ({label})",
    # the model (hanzipad.recognizer)
    "model.no_runtime": "no model runtime: install ai-edge-litert (or TensorFlow) to run the "
                        "recognizer",
    "model.invalid": "not a valid TFLite model ({detail})",
    "model.inputs_outputs": "expected one input and one output (and the feature vector as a "
                            "second output)",
    "model.input_shape": "input shape {shape} is not [batch, {size}, {size}, 1]",
    "model.classes_mismatch": "the model has {outputs} outputs but labels.txt lists {classes} "
                              "characters",
    "model.output_shape": "output shape {shape} is not [1, {classes}]",
    "model.outputs_not_finite": "the model's outputs are not finite (NaN or infinity): a "
                                "diverged training run or a damaged file; train or export it "
                                "again",
    "model.no_features": "the model has no feature output (run hanzipad-train prototypes on "
                         "the bundle)",
    "model.scores_not_finite": "the model's scores are not finite (NaN or infinity); the "
                               "model bundle is broken",
    # reading a written line (hanzipad.line)
    "line.scorer_shape": "the scorer gave scores of shape {shape} for {images} images of "
                         "{classes} classes",
    "line.too_many_strokes": "too much ink for one line: {count} strokes (at most {limit}); "
                             "write a shorter line",
    "line.too_many_parts": "too much ink for one line: {count} separate parts (at most "
                           "{limit}); write a shorter line",
    # a bundle's adaptation data (hanzipad.adapt)
    "adapt.sha256_mismatch": "its SHA-256 is not the one model.json records: the file is "
                             "damaged or was replaced",
    "adapt.unreadable": "not readable adaptation data ({detail})",
    "adapt.shapes": "shapes {prototypes}, {weights} do not fit the bundle's {classes} classes",
    "adapt.not_finite": "holds values that are not finite",
    "adapt.no_weights": "model.json does not say where the last dense layer's weights are",
    "adapt.model_too_short": "shorter than model.json's weights need",
    # a writer's profile (hanzipad.adapt, hanzipad.learn)
    "profile.cannot_read": "cannot read the profile ({reason})",
    "profile.too_large": "larger than {mib} MiB, not a HanziPad profile",
    "profile.not_utf8": "not a HanziPad profile (not UTF-8 text)",
    "profile.truncated": "damaged or truncated profile ({detail})",
    "profile.no_format": "not a HanziPad profile (no \"format\": \"{format}\")",
    "profile.bad_version": "damaged profile (version {version})",
    "profile.newer": "made by a newer HanziPad (profile version {version}, this one reads up "
                     "to {supported})",
    "profile.damaged": "damaged profile ({detail})",
    # labelled ink for a profile (hanzipad.learn, hanzipad.cli)
    "learn.not_ink_file": "learn takes ink files (.json or .jsonl with a \"label\")",
    "learn.no_label": "no \"label\" (the character this ink is)",
    "ink.no_strokes": "ink has no strokes",
    "learn.bad_weight": "\"weight\" must be a number in (0, 1], got {weight}",
    # inputs of hanzipad classify (hanzipad.cli)
    "input.no_ink": "no ink in this file",
    "input.blank": "no ink found (blank image)",
    "input.cannot_draw": "cannot draw this ink ({detail})",
    # the writer's word list (hanzipad.userwords)
    "words.cannot_read": "cannot read the word list ({reason})",
    "words.too_large": "larger than {mib} MiB, not a HanziPad word list",
    "words.not_utf8": "not a HanziPad word list (not UTF-8 text)",
    "words.truncated": "damaged or truncated word list ({detail})",
    "words.no_format": "not a HanziPad word list (no \"format\": \"{format}\")",
    "words.bad_version": "damaged word list (version {version})",
    "words.newer": "made by a newer HanziPad (word list version {version}, this one reads up "
                   "to {supported})",
    "words.no_list": "damaged word list (no list of words)",
    "words.bad_entry": "damaged word list (entry {entry}: {item})",
    "words.twice": "damaged word list ({word} listed twice)",
    # {problem}: the reason the list cannot be used (a words.* message)
    "words.kept_aside": "{problem}; kept as {aside}, starting a new word list",
    "words.not_renamed": "{problem}; starting a new word list (could not rename it: {reason})",
    "words.reading_without": "{problem}; reading without the writer's words",
    # lexicon tables (hanzipad.lexicon, hanzipad.readings)
    "lexicon.not_found": "lexicon file not found",
    "lexicon.not_utf8": "not UTF-8 text (byte {offset})",
    "lexicon.bad_header": "not a HanziPad lexicon file (first line should start with {magic})",
    "lexicon.no_count": "the first line does not say how many entries follow",
    "lexicon.last_line_incomplete": "truncated (the last line is incomplete)",
    "lexicon.entries_mismatch": "truncated or damaged: {lines} entries, the header says "
                                "{expected}",
    "lexicon.malformed_line": "line {line} is malformed ({text}); expected {fields} "
                              "tab-separated fields",
    "lexicon.spaces": "{word} has spaces",
    "lexicon.count_too_long": "count {count} has more than {limit} digits",
    "lexicon.count_not_number": "count {count} is not a whole number",
    "lexicon.count_not_positive": "count must be positive",
    "lexicon.not_sorted": "words are not sorted (or repeated): {before} then {after}",
    "readings.not_one_char": "{char} is not one character",
    "readings.twice": "{char} is listed twice",
    "readings.no_reading": "{char} has no reading",
    "credits.not_a_list": "expected a JSON list of sources",
    "credits.incomplete": "source {number} needs a name and a licence",
}


class Message:
    """A code and its parameters; ``str()`` is the English text.  Used for a place or a
    parameter that the GUI translates too (see the module doc)."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, /, **params):
        if code not in TEMPLATES:
            raise KeyError(f"unknown message code {code!r}")
        self.code, self.params = code, params

    def __str__(self) -> str:
        return TEMPLATES[self.code].format(**self.params)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Message({self.code!r}, **{self.params!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and (self.code, self.params) == (other.code, other.params)

    def __hash__(self) -> int:
        return hash(self.code)


def os_reason(exc: OSError) -> Message:
    """Why an OS call failed, as a :class:`Message`: the reason hanzipad.fileio gave it
    (``exc.reason``), else the system's text with its errno (the GUI translates by errno)."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, Message):
        return reason
    return Message("os.error", errno=exc.errno, text=exc.strerror or str(exc))


def with_reason(exc: OSError, code: str, /, **params) -> OSError:
    """``exc`` with ``exc.reason`` set to the coded message its ``strerror`` says."""
    exc.reason = Message(code, **params)
    return exc


class HanziPadError(Exception):
    """An error of hanzipad's core with a one-line English message.

    Made with :meth:`coded`, it has a ``code`` (a key of :data:`TEMPLATES`), its ``params``
    and ``where`` (the places, outermost first: file names as text, or :class:`Message`).
    Made with a plain text (``InkError("x.json: …")``), ``code`` is None and the text is all
    there is.
    """

    code: str | None = None
    params: dict = {}
    where: tuple = ()

    def __init__(self, text: str | None = None, /, *, code: str | None = None,
                 params: dict | None = None, where: Iterable = ()):
        if code is not None:
            if code not in TEMPLATES:
                raise KeyError(f"unknown error code {code!r}")
            self.code, self.params = code, dict(params or {})
            self.where = tuple(w for w in where if w is not None and w != "")
            text = english(self.code, self.params, self.where)
            _remember(text, self)
        super().__init__(text if text is not None else "")

    @classmethod
    def coded(cls, code: str, /, *where, **params):
        """The error ``code`` with ``params``, at the places ``where`` (outermost first;
        None and "" are left out)."""
        return cls(code=code, params=params, where=where)

    @classmethod
    def of(cls, exc: BaseException, /, *where):
        """``exc`` (a :class:`HanziPadError` of another class, or any exception: its text)
        as this class, with ``where`` put in front of its places."""
        if isinstance(exc, HanziPadError) and exc.code is not None:
            return cls(code=exc.code, params=exc.params, where=(*where, *exc.where))
        text = str(exc)
        parts = [str(w) for w in where if w is not None and w != ""]
        return cls(": ".join([*parts, text]))

    def reason(self) -> Message | str:
        """What is wrong, without the places: a :class:`Message` (translated as a parameter of
        another message) when coded, else the whole text."""
        if self.code is None:
            return str(self)
        return Message(self.code, **self.params)

    def within(self, *where):
        """This error (same class) with ``where`` put in front of its places."""
        return type(self).of(self, *where)


def part(exc: BaseException) -> Message | str:
    """``exc`` as a parameter of another message ("damaged profile ({detail})"): a
    :class:`Message` (translated with it) when it is a coded :class:`HanziPadError` naming no
    place, else its text."""
    if isinstance(exc, HanziPadError) and exc.code is not None and not exc.where:
        return exc.reason()
    return str(exc)


def english(code: str, params: dict, where: tuple = ()) -> str:
    """The English text of ``code`` with ``params`` at ``where``."""
    return ": ".join([*(str(w) for w in where), TEMPLATES[code].format(**params)])


# --- The errors made lately, by their text ----------------------------------------------------
# The GUI gets some messages as text only (from a worker thread, through a Qt signal):
# :func:`find` gives the code and parameters the text was made from.  Their text is a pure
# function of them, so an entry is never wrong, only forgotten when old.

_KEEP = 512
_lock = threading.Lock()
_recent: OrderedDict[str, tuple[str, dict, tuple]] = OrderedDict()


def _remember(text: str, error: HanziPadError) -> None:
    with _lock:
        _recent[text] = (error.code, error.params, error.where)
        _recent.move_to_end(text)
        while len(_recent) > _KEEP:
            _recent.popitem(last=False)


def find(text: str) -> tuple[str, dict, tuple] | None:
    """``(code, params, where)`` of a recent :class:`HanziPadError` whose message is
    ``text``; None when there is none."""
    with _lock:
        return _recent.get(text)


def kind_of(mode: int) -> Message:
    """What a file of ``os.stat`` mode ``mode`` is, for a message ("a FIFO (named pipe)")."""
    import stat

    for test, code in ((stat.S_ISDIR, "kind.folder"), (stat.S_ISFIFO, "kind.fifo"),
                       (stat.S_ISCHR, "kind.char_device"), (stat.S_ISBLK, "kind.block_device"),
                       (stat.S_ISSOCK, "kind.socket")):
        if test(mode):
            return Message(code)
    return Message("kind.special")


__all__ = ["TEMPLATES", "HanziPadError", "Message", "english", "find", "kind_of", "os_reason",
           "part", "with_reason"]
