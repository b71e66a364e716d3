"""UI language: English, or Chinese when the system locale is Chinese.

The translations are Qt Linguist files in ``resources/i18n/``: ``hanzipad_zh_CN.ts`` (the
source, edited by hand or in Qt Linguist) and ``hanzipad_zh_CN.qm`` compiled from it, which
the app loads with a :class:`QTranslator` (both are committed: the app needs no Qt tools).
``resources/i18n/update-translations`` re-extracts the strings with ``pyside6-lupdate`` and
compiles the ``.qm`` with ``pyside6-lrelease``.

``tr("Open…")`` returns the text in the current language.  pyside6-lupdate extracts every
string literal passed to a plain function called ``tr`` (in the empty context ``""``) and
the strings marked with ``QT_TR_NOOP("…")`` (same context) for text translated later, such
as the templates of :func:`explain`.  So call ``tr`` with a literal (``tr("Saved {}")
.format(path)``, never ``tr(f"Saved {path}")``); a ``#: Translators: …`` comment on the
line above a string is a note shown to translators.

The core's errors (:mod:`hanzipad.errors`) are translated by their code: :data:`CODES` holds
the template the ``.ts`` translates for each, and :func:`explain` fills it with the error's
parameters.  :func:`tr` works before a QApplication
exists (it asks the translator directly, not through QCoreApplication).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from PySide6.QtCore import QT_TR_NOOP

from hanzipad import errors

#: The lupdate context of ``tr()`` and ``QT_TR_NOOP()`` calls outside a class method.
CONTEXT = ""
#: ``hanzipad_<locale>.qm`` in resources/i18n for each UI language but English.
LOCALES = {"zh": "zh_CN"}

#: OS errors the GUI explains itself (the system's own text is English on most systems).
ERRNO_TEXT = {
    errno.ENOENT: QT_TR_NOOP("no such file or folder"),
    errno.EACCES: QT_TR_NOOP("permission denied"),
    errno.EPERM: QT_TR_NOOP("permission denied"),
    errno.ENOSPC: QT_TR_NOOP("the disk is full"),
    errno.EROFS: QT_TR_NOOP("read-only file system"),
    errno.ENOTDIR: QT_TR_NOOP("a part of the path is not a folder"),
    errno.EISDIR: QT_TR_NOOP("is a folder, not a file"),
    errno.ENAMETOOLONG: QT_TR_NOOP("file name too long"),
    errno.EIO: QT_TR_NOOP("input/output error"),
}
if hasattr(errno, "EDQUOT"):
    ERRNO_TEXT[errno.EDQUOT] = QT_TR_NOOP("disk quota exceeded")

#: The reasons hanzipad's core errors give (:mod:`hanzipad.errors`), by code: the English
#: template (the same fields as ``hanzipad.errors.TEMPLATES``; the text need not be the same)
#: that the .ts translates.  Keyed by code, so rewording the core's English keeps the
#: translation; tests/hanzipad/gui/test_i18n.py fails when a code has none here.  The fields
#: are ``str.format`` fields: a translation keeps them as they are ("{path}", "{size:,}").
#: ``os.error`` (the system's text of an OS error) is translated by errno (:data:`ERRNO_TEXT`).
CODES = {
    "place.stroke_point": QT_TR_NOOP("stroke {stroke} point {point}"),
    "place.stroke": QT_TR_NOOP("stroke {stroke}"),
    #: Translators: a line of a file ("line 12")
    "place.line": QT_TR_NOOP("line {line}"),
    "kind.folder": QT_TR_NOOP("a folder"),
    "kind.fifo": QT_TR_NOOP("a FIFO (named pipe)"),
    "kind.char_device": QT_TR_NOOP("a character device"),
    "kind.block_device": QT_TR_NOOP("a block device"),
    "kind.socket": QT_TR_NOOP("a socket"),
    "kind.special": QT_TR_NOOP("a special file"),
    "file.missing": QT_TR_NOOP("no such file"),
    "file.is_folder": QT_TR_NOOP("is a folder, not a file"),
    #: Translators: {kind} is "a FIFO (named pipe)", "a socket"…
    "file.not_regular": QT_TR_NOOP("is {kind}, not a regular file"),
    "file.special": QT_TR_NOOP("not a regular file"),
    "file.read_only": QT_TR_NOOP("the file is read-only"),
    "file.folder_refused": QT_TR_NOOP("not a regular file but a folder; refused unread"),
    "file.special_refused": QT_TR_NOOP("not a regular file but {kind}; refused unread"),
    "file.permission_denied": QT_TR_NOOP("cannot read the file (permission denied)"),
    "file.cannot_read": QT_TR_NOOP("cannot read the file ({reason})"),
    "file.cannot_read_short": QT_TR_NOOP("cannot read ({reason})"),
    "file.too_many_bytes": QT_TR_NOOP("{size:,} bytes, more than the {limit:,} allowed"),
    "file.more_than_allowed": QT_TR_NOOP("more than the {limit:,} bytes allowed"),
    "json.too_many_digits": QT_TR_NOOP("a number with more than {limit} digits"),
    "json.number_too_large": QT_TR_NOOP("a number too large for a float ({start}…)"),
    "json.not_a_number": QT_TR_NOOP("{text} is not a number JSON allows"),
    "json.invalid": QT_TR_NOOP("not valid JSON ({detail})"),
    "json.too_deep": QT_TR_NOOP("nested deeper than {limit} levels"),
    "json.not_utf8": QT_TR_NOOP("not valid JSON (not UTF-8 text at byte {offset})"),
    "json.not_object": QT_TR_NOOP("expected a JSON object"),
    "ink.too_small": QT_TR_NOOP("the ink spans only {extent:.3g} units, too small to draw "
                                "(at least {minimum:g}, or a single point)"),
    "ink.not_a_number": QT_TR_NOOP("expected a number, got {value}"),
    "ink.too_many_digits": QT_TR_NOOP("number with {digits} digits is too large"),
    "ink.int_too_long": QT_TR_NOOP("number with {digits} digits is too large (at most {limit})"),
    "ink.not_finite": QT_TR_NOOP("coordinate is not finite ({value})"),
    "ink.non_finite_constant": QT_TR_NOOP("non-finite number {name} in coordinates"),
    "ink.out_of_range": QT_TR_NOOP("{value:.3g} is outside the accepted range (±{limit:g})"),
    "ink.stroke_not_list": QT_TR_NOOP("expected a list of points"),
    "ink.bad_point": QT_TR_NOOP("expected [x, y], [x, y, t] or [x, y, t, pressure]"),
    "ink.not_object": QT_TR_NOOP("expected a JSON object with 'strokes'"),
    "ink.no_strokes_key": QT_TR_NOOP("no 'strokes' key"),
    "ink.strokes_not_list": QT_TR_NOOP("'strokes' must be a list"),
    #: Translators: {detail} is Python's English description ("Expecting value")
    "ink.invalid_json": QT_TR_NOOP("not valid JSON ({detail} at line {line} column {column})"),
    "ink.too_deep": QT_TR_NOOP("JSON nested too deeply (an ink is a few levels deep)"),
    "ink.not_utf8": QT_TR_NOOP("not UTF-8 text (byte 0x{byte:02x} at offset {offset})"),
    "ink.file_too_large": QT_TR_NOOP("larger than {size}, too large for an ink file"),
    "ink.line_too_long": QT_TR_NOOP("line longer than {size}, too large for one ink"),
    "ink.too_large_to_save": QT_TR_NOOP("{points:,} points: larger than {size} even in whole "
                                        "units, too large for an ink file"),
    "image.too_large": QT_TR_NOOP("image too large ({width}x{height} pixels; the limit is "
                                  "{limit:,} pixels)"),
    "image.bomb": QT_TR_NOOP("image too large (decompression bomb limit)"),
    "image.no_pixels": QT_TR_NOOP("image has no pixels ({width}x{height})"),
    "image.is_folder": QT_TR_NOOP("is a folder, not an image"),
    "image.permission_denied": QT_TR_NOOP("cannot be read (permission denied)"),
    #: Translators: {formats} lists image formats ("PNG, JPEG, BMP")
    "image.unknown_format": QT_TR_NOOP("not an image file HanziPad opens (it opens {formats} "
                                       "images)"),
    "image.corrupt": QT_TR_NOOP("corrupt or truncated image ({detail})"),
    "image.unusable": QT_TR_NOOP("cannot use this image ({detail})"),
    "image.bad_array": QT_TR_NOOP("expected a 2-D or 3-D image array, got shape {shape}"),
    "bundle.not_found": QT_TR_NOOP("model bundle not found: {path}"),
    "bundle.not_folder": QT_TR_NOOP("a model bundle is a folder (with {files})"),
    "bundle.incomplete": QT_TR_NOOP("incomplete model bundle, missing {missing}"),
    "bundle.classes_mismatch": QT_TR_NOOP("{meta} says {classes} classes but {labels} has "
                                          "{lines} lines"),
    "bundle.convention": QT_TR_NOOP("made for preprocessing convention {theirs}, this HanziPad "
                                    "uses {ours}; export the model again with this version"),
    "bundle.input_size": QT_TR_NOOP("input size {theirs} is not {ours}"),
    "bundle.sha256_mismatch": QT_TR_NOOP("its SHA-256 ({digest}…) is not the one {meta} "
                                         "records ({recorded}…): the file is damaged or was "
                                         "replaced; reinstall or export the model again"),
    "bundle.missing_keys": QT_TR_NOOP("missing keys {keys}"),
    "bundle.format": QT_TR_NOOP("format is {found}, expected {expected}"),
    "bundle.format_version": QT_TR_NOOP("bundle format version {version} is not supported"),
    "bundle.not_positive": QT_TR_NOOP("{key} must be a positive integer, got {value}"),
    "bundle.too_many_classes": QT_TR_NOOP("classes is {classes:.3g}, more than the {limit:,} a "
                                          "bundle may have"),
    "bundle.bad_sha256": QT_TR_NOOP("sha256 must be 64 hexadecimal digits, got {value}"),
    "bundle.reading_labels": QT_TR_NOOP("cannot read labels"),
    "bundle.cannot_read_labels": QT_TR_NOOP("cannot read labels ({detail})"),
    "bundle.no_labels": QT_TR_NOOP("no labels"),
    "bundle.bad_label": QT_TR_NOOP("line {line} is not a single label ({label})"),
    "model.no_runtime": QT_TR_NOOP("no model runtime: install ai-edge-litert (or TensorFlow) "
                                   "to run the recognizer"),
    "model.invalid": QT_TR_NOOP("not a valid TFLite model ({detail})"),
    "model.inputs_outputs": QT_TR_NOOP("expected one input and one output (and the feature "
                                       "vector as a second output)"),
    "model.input_shape": QT_TR_NOOP("input shape {shape} is not [batch, {size}, {size}, 1]"),
    "model.classes_mismatch": QT_TR_NOOP("the model has {outputs} outputs but labels.txt lists "
                                         "{classes} characters"),
    "model.output_shape": QT_TR_NOOP("output shape {shape} is not [1, {classes}]"),
    "model.outputs_not_finite": QT_TR_NOOP("the model's outputs are not finite (NaN or "
                                           "infinity): a diverged training run or a damaged "
                                           "file; train or export it again"),
    "model.no_features": QT_TR_NOOP("the model has no feature output (run hanzipad-train "
                                    "prototypes on the bundle)"),
    "model.scores_not_finite": QT_TR_NOOP("the model's scores are not finite (NaN or infinity); "
                                          "the model bundle is broken"),
    "adapt.sha256_mismatch": QT_TR_NOOP("its SHA-256 is not the one model.json records: the "
                                        "file is damaged or was replaced"),
    "adapt.unreadable": QT_TR_NOOP("not readable adaptation data ({detail})"),
    "adapt.shapes": QT_TR_NOOP("shapes {prototypes}, {weights} do not fit the bundle's "
                               "{classes} classes"),
    "adapt.not_finite": QT_TR_NOOP("holds values that are not finite"),
    "adapt.no_weights": QT_TR_NOOP("model.json does not say where the last dense layer's "
                                   "weights are"),
    "adapt.model_too_short": QT_TR_NOOP("shorter than model.json's weights need"),
    "profile.cannot_read": QT_TR_NOOP("cannot read the profile ({reason})"),
    "profile.too_large": QT_TR_NOOP("larger than {mib} MiB, not a HanziPad profile"),
    "profile.not_utf8": QT_TR_NOOP("not a HanziPad profile (not UTF-8 text)"),
    "profile.truncated": QT_TR_NOOP("damaged or truncated profile ({detail})"),
    "profile.no_format": QT_TR_NOOP("not a HanziPad profile (no \"format\": \"{format}\")"),
    "profile.bad_version": QT_TR_NOOP("damaged profile (version {version})"),
    "profile.newer": QT_TR_NOOP("made by a newer HanziPad (profile version {version}, this one "
                                "reads up to {supported})"),
    "profile.damaged": QT_TR_NOOP("damaged profile ({detail})"),
    #: Translators: what "hanzipad learn" says of the labelled ink it is given
    "learn.not_ink_file": QT_TR_NOOP("learn takes ink files (.json or .jsonl with a "
                                     "\"label\")"),
    "learn.no_label": QT_TR_NOOP("no \"label\" (the character this ink is)"),
    "ink.no_strokes": QT_TR_NOOP("ink has no strokes"),
    "learn.bad_weight": QT_TR_NOOP("\"weight\" must be a number in (0, 1], got {weight}"),
    "input.no_ink": QT_TR_NOOP("no ink in this file"),
    "input.blank": QT_TR_NOOP("no ink found (blank image)"),
    "input.cannot_draw": QT_TR_NOOP("cannot draw this ink ({detail})"),
    "words.cannot_read": QT_TR_NOOP("cannot read the word list ({reason})"),
    "words.too_large": QT_TR_NOOP("larger than {mib} MiB, not a HanziPad word list"),
    "words.not_utf8": QT_TR_NOOP("not a HanziPad word list (not UTF-8 text)"),
    "words.truncated": QT_TR_NOOP("damaged or truncated word list ({detail})"),
    "words.no_format": QT_TR_NOOP("not a HanziPad word list (no \"format\": \"{format}\")"),
    "words.bad_version": QT_TR_NOOP("damaged word list (version {version})"),
    "words.newer": QT_TR_NOOP("made by a newer HanziPad (word list version {version}, this one "
                              "reads up to {supported})"),
    "words.no_list": QT_TR_NOOP("damaged word list (no list of words)"),
    "words.bad_entry": QT_TR_NOOP("damaged word list (entry {entry}: {item})"),
    "words.twice": QT_TR_NOOP("damaged word list ({word} listed twice)"),
    #: Translators: {problem} says why the writer's word list cannot be used; {aside} is the
    #: new name of the file
    "words.kept_aside": QT_TR_NOOP("{problem}; kept as {aside}, starting a new word list"),
    "words.not_renamed": QT_TR_NOOP("{problem}; starting a new word list (could not rename it: "
                                    "{reason})"),
    "words.reading_without": QT_TR_NOOP("{problem}; reading without the writer's words"),
    "lexicon.not_found": QT_TR_NOOP("lexicon file not found"),
    "lexicon.not_utf8": QT_TR_NOOP("not UTF-8 text (byte {offset})"),
    "lexicon.bad_header": QT_TR_NOOP("not a HanziPad lexicon file (first line should start with "
                                     "{magic})"),
    "lexicon.no_count": QT_TR_NOOP("the first line does not say how many entries follow"),
    "lexicon.last_line_incomplete": QT_TR_NOOP("truncated (the last line is incomplete)"),
    "lexicon.entries_mismatch": QT_TR_NOOP("truncated or damaged: {lines} entries, the header "
                                           "says {expected}"),
    "lexicon.malformed_line": QT_TR_NOOP("line {line} is malformed ({text}); expected {fields} "
                                         "tab-separated fields"),
    "lexicon.spaces": QT_TR_NOOP("{word} has spaces"),
    "lexicon.count_too_long": QT_TR_NOOP("count {count} has more than {limit} digits"),
    "lexicon.count_not_number": QT_TR_NOOP("count {count} is not a whole number"),
    "lexicon.count_not_positive": QT_TR_NOOP("count must be positive"),
    "lexicon.not_sorted": QT_TR_NOOP("words are not sorted (or repeated): {before} then "
                                     "{after}"),
    "readings.not_one_char": QT_TR_NOOP("{char} is not one character"),
    "readings.twice": QT_TR_NOOP("{char} is listed twice"),
    "readings.no_reading": QT_TR_NOOP("{char} has no reading"),
    "line.scorer_shape": QT_TR_NOOP("the scorer gave scores of shape {shape} for {images} "
                                    "images of {classes} classes"),
    "line.too_many_strokes": QT_TR_NOOP("too much ink for one line: {count} strokes (at most "
                                        "{limit}); write a shorter line"),
    "line.too_many_parts": QT_TR_NOOP("too much ink for one line: {count} separate parts (at "
                                      "most {limit}); write a shorter line"),
    "credits.not_a_list": QT_TR_NOOP("expected a JSON list of sources"),
    "credits.incomplete": QT_TR_NOOP("source {number} needs a name and a licence"),
}
#: Translators: how a file name or place (%1) and what is wrong there (%2) are joined
WHERE_REASON = QT_TR_NOOP("%1: %2")

_language = "en"
_translators: dict[str, object] = {}  # locale -> QTranslator (or None: no .qm)
_installed: list = []  # translators installed on the application


def translations_dir() -> Path:
    """``resources/i18n``: the ``.ts`` sources and the ``.qm`` files the app loads."""
    from hanzipad.bundle import resources_dir

    return resources_dir() / "i18n"


def qm_path(lang: str = "zh") -> Path:
    return translations_dir() / f"hanzipad_{LOCALES[lang]}.qm"


def _translator(lang: str):
    """The QTranslator with the app's strings for ``lang``, loaded once; None when the ``.qm``
    file is missing or unreadable (the UI then stays English)."""
    if lang not in _translators:
        from PySide6.QtCore import QTranslator

        translator = QTranslator()
        _translators[lang] = translator if translator.load(str(qm_path(lang))) else None
    return _translators[lang]


def system_language() -> str:
    """``"zh"`` when the system locale (or ``$HANZIPAD_LANG``) is Chinese, else ``"en"``."""
    env = os.environ.get("HANZIPAD_LANG")
    if env:
        return "zh" if env.lower().startswith("zh") else "en"
    from PySide6.QtCore import QLocale

    return "zh" if QLocale.system().name().lower().startswith("zh") else "en"


def set_language(language: str) -> None:
    """``"zh…"``: Chinese, anything else: English.  Affects :func:`tr` at once; call
    :func:`install_qt_translations` too for Qt's own strings in a running app."""
    global _language
    _language = "zh" if language.lower().startswith("zh") else "en"
    if _language != "en":
        _translator(_language)  # loaded here (the GUI thread), not by a worker's first tr()


def language() -> str:
    return _language


def install_qt_translations(app) -> bool:
    """Install the current language's translators on ``app`` (removing those installed
    before): Qt's own strings (dialog buttons, file dialogs) from Qt's ``qtbase`` catalogue,
    and the app's strings (so ``QCoreApplication.translate("", …)`` agrees with :func:`tr`).
    True when Qt's own strings are translated."""
    while _installed:
        app.removeTranslator(_installed.pop())
    if _language == "en":
        return False
    from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator

    ours = _translator(_language)
    if ours is not None:
        app.installTranslator(ours)
        _installed.append(ours)
    qt = QTranslator(app)
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    found = qt.load(QLocale(LOCALES[_language]), "qtbase", "_", path)
    if found:
        app.installTranslator(qt)
        _installed.append(qt)
    # Qt's strings its catalogue lacks (the file dialog's "Look in:", "Folder"), installed
    # after it: asked first
    extra = QTranslator(app)
    if extra.load(str(translations_dir() / f"qt_extra_{LOCALES[_language]}.qm")):
        app.installTranslator(extra)
        _installed.append(extra)
    return found


def _lookup(text: str) -> str | None:
    """``text`` translated into the UI language; None when English or not translated."""
    if _language == "en":
        return None
    translator = _translator(_language)
    if translator is None:
        return None
    return translator.translate(CONTEXT, text) or None


def tr(text: str) -> str:
    """``text`` (English, a literal: see the module doc) in the UI language."""
    return _lookup(text) or text


def os_error(exc: OSError) -> str:
    """Why an OS call failed, in the UI language (the system's text when not listed)."""
    key = ERRNO_TEXT.get(exc.errno)
    if key is not None:
        return tr(key)
    return exc.strerror or str(exc)


def _strerror_text() -> dict[str, str]:
    """The system's text of the errors in :data:`ERRNO_TEXT` (as is and lower-cased) -> ours."""
    out = {}
    for code, text in ERRNO_TEXT.items():
        out[os.strerror(code)] = out[os.strerror(code).lower()] = text
    return out


def _message(code: str, params: dict) -> str | None:
    """The reason ``code`` with ``params`` in the UI language; None when not translated."""
    if code == "os.error":
        key = ERRNO_TEXT.get(params.get("errno"))
        return None if key is None else _lookup(key)
    source = CODES.get(code)
    template = None if source is None else _lookup(source)
    if template is None:
        return None
    values = {k: _part(v) if isinstance(v, errors.Message) else v for k, v in params.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a translation with a wrong field: English
        return None


def _part(message: errors.Message) -> str:
    """A place or a parameter that is itself a message, in the UI language (or English)."""
    return _message(message.code, message.params) or str(message)


def _join(places: str, reason: str) -> str:
    joined = _lookup(WHERE_REASON) or WHERE_REASON
    return re.sub(r"%([12])", lambda m: places if m.group(1) == "1" else reason, joined)


def _coded(code: str, params: dict, where: tuple) -> str | None:
    reason = _message(code, params)
    if reason is None:
        return None
    if not where:
        return reason
    return _join(": ".join(_part(w) if isinstance(w, errors.Message) else str(w)
                           for w in where), reason)


# --- Text only: read back by the English templates -------------------------------------------
# A message that reaches the GUI as text its error did not make (a module that puts a core
# error's text into its own message) is read back with matchers made from
# hanzipad.errors.TEMPLATES, so no pattern is written twice.

_FIELD = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")


def _matcher(template: str) -> re.Pattern:
    parts, pos, seen = [], 0, set()
    for m in _FIELD.finditer(template):
        parts.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        if name in seen:
            parts.append(f"(?P={name})")
        else:  # a field first in the reason must not swallow the places before it
            seen.add(name)
            parts.append(f"(?P<{name}>[^\\s:]+)" if m.start() == 0 else f"(?P<{name}>.+?)")
        pos = m.end()
    parts.append(re.escape(template[pos:]))
    return re.compile("".join(parts) + r"\Z", re.S)


def _matchers() -> list[tuple[str, re.Pattern]]:
    """(code, matcher) of every reason, the most literal text first (the most specific)."""
    codes = [c for c in errors.TEMPLATES if c != "os.error" and c.split(".")[0] != "place"]
    codes.sort(key=lambda c: -len(_FIELD.sub("", errors.TEMPLATES[c])))
    return [(c, _matcher(errors.TEMPLATES[c])) for c in codes]  # (re caches the compiling)


def _read_back(text: str, prefix: str = "") -> str | None:
    """A reason (``text``) read back by its English template, in the UI language."""
    for code, matcher in _matchers():
        if not code.startswith(prefix):
            continue
        m = matcher.match(text)
        if m is None:
            continue
        source = CODES.get(code)
        template = None if source is None else _lookup(source)
        if template is None:
            return None
        known = _strerror_text()
        values = {k: tr(known[v]) if v in known else _read_back(v, "kind.") or v
                  for k, v in m.groupdict().items()}
        return _FIELD.sub(lambda f, v=values: v.get(f.group(1), f.group(0)), template)
    return None


def _place(text: str) -> str:
    for code in ("place.stroke_point", "place.stroke", "place.line"):
        m = _matcher(errors.TEMPLATES[code]).match(text)
        if m:
            return _part(errors.Message(code, **m.groupdict()))
    return text


def explain(error: BaseException | str) -> str:
    """A message of hanzipad's core in the UI language.

    ``error`` is an exception or its text.  A :class:`hanzipad.errors.HanziPadError` (or the
    text of one made lately: a worker thread sends text) is translated by its code: the
    reason, and the places that are messages ("stroke 3 point 1"); file names are kept.  Other
    text ("WHERE: REASON") is read back by the English templates of the codes.  A code with no
    translation, and text no template makes, stay English."""
    message = str(error)
    if _language == "en":
        return message
    if isinstance(error, errors.HanziPadError) and error.code is not None:
        found = (error.code, error.params, error.where)
    else:
        found = errors.find(message)
    if found is not None:
        return _coded(*found) or message
    cut = -2
    while True:  # try each ": " as the end of WHERE (a file name may contain one)
        where, reason = message[:max(cut, 0)], message[cut + 2:]
        translated = _read_back(reason)
        if translated is not None:
            if not where:
                return translated
            return _join(": ".join(_place(p) for p in where.split(": ")), translated)
        cut = message.find(": ", cut + 2)
        if cut < 0:
            return message
