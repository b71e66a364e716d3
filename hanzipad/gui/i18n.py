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
line above a string is a note shown to translators.  :func:`tr` works before a QApplication
exists (it asks the translator directly, not through QCoreApplication).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

from PySide6.QtCore import QT_TR_NOOP

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

#: The reasons hanzipad's core modules (ink, normalize, bundle, recognizer) give, in
#: English: a regular expression matching the whole reason and the template translated
#: (``%1``, ``%2``: its groups).  A message there reads "WHERE: REASON"; WHERE (a file name,
#: "stroke 3 point 1") is kept, REASON is matched whole.  Reasons not listed stay English.
REASONS = [(re.compile(pattern + r"\Z", re.S), template) for pattern, template in (
    (r"no such file", QT_TR_NOOP("no such file")),
    (r"not a UTF-8 text file", QT_TR_NOOP("not a UTF-8 text file")),
    (r"not UTF-8 text \(byte (0x[0-9a-fA-F]+) at offset (\d+)\)",
     QT_TR_NOOP("not UTF-8 text (byte %1 at offset %2)")),
    (r"cannot (?:read the file|be read) \(permission denied\)",
     QT_TR_NOOP("cannot read the file (permission denied)")),
    (r"cannot read the file \((.*)\)", QT_TR_NOOP("cannot read the file (%1)")),
    (r"is a folder, not an image", QT_TR_NOOP("is a folder, not an image")),
    (r"not a regular file but a folder; refused unread",
     QT_TR_NOOP("not a regular file but a folder; refused unread")),
    (r"not a regular file but (.*); refused unread",
     QT_TR_NOOP("not a regular file but %1; refused unread")),
    (r"larger than (.*), too large for an ink file",
     QT_TR_NOOP("larger than %1, too large for an ink file")),
    (r"line longer than (.*), too large for one ink",
     QT_TR_NOOP("line longer than %1, too large for one ink")),
    (r"the ink spans only (.*) units, too small to draw \(at least (.*), or a single point\)",
     QT_TR_NOOP("the ink spans only %1 units, too small to draw (at least %2, or a single point)")),
    (r"not valid JSON \((.*) at line (\d+) column (\d+)\)",
     QT_TR_NOOP("not valid JSON (%1 at line %2 column %3)")),
    (r"not valid JSON \((.*) at line (\d+)\)", QT_TR_NOOP("not valid JSON (%1 at line %2)")),
    (r"JSON nested too deeply.*", QT_TR_NOOP("JSON nested too deeply")),
    (r"coordinate is not finite \((.*)\)", QT_TR_NOOP("coordinate is not finite (%1)")),
    (r"non-finite number (.*) in coordinates", QT_TR_NOOP("non-finite number %1 in coordinates")),
    (r"number with (\d+) digits is too large.*", QT_TR_NOOP("number with %1 digits is too large")),
    (r"(\S+) is outside the accepted range \((.*)\)",
     QT_TR_NOOP("%1 is outside the accepted range (%2)")),
    (r"expected a number, got (.*)", QT_TR_NOOP("expected a number, got %1")),
    (r"expected a list of points", QT_TR_NOOP("expected a list of points")),
    (r"expected \[x, y\], \[x, y, t\] or \[x, y, t, pressure\]",
     QT_TR_NOOP("expected [x, y], [x, y, t] or [x, y, t, pressure]")),
    (r"expected a JSON object with 'strokes'", QT_TR_NOOP("expected a JSON object with 'strokes'")),
    (r"no 'strokes' key", QT_TR_NOOP("no 'strokes' key")),
    (r"'strokes' must be a list", QT_TR_NOOP("'strokes' must be a list")),
    (r"not an image file HanziPad opens \(it opens (.*?)(?: images)?\)",
     QT_TR_NOOP("not an image file HanziPad opens (it opens %1)")),
    (r"image too large \((\d+)x(\d+) pixels; the limit is (.*) pixels\)",
     QT_TR_NOOP("image too large (%1x%2 pixels; the limit is %3 pixels)")),
    (r"image too large.*", QT_TR_NOOP("image too large")),
    (r"image has no pixels \((.*)\)", QT_TR_NOOP("image has no pixels (%1)")),
    (r"corrupt or truncated image \((.*)\)", QT_TR_NOOP("corrupt or truncated image (%1)")),
    (r"cannot use this image \((.*)\)", QT_TR_NOOP("cannot use this image (%1)")),
    (r"a model bundle is a folder \(with (.*)\)",
     QT_TR_NOOP("a model bundle is a folder (with %1)")),
    (r"incomplete model bundle, missing (.*)", QT_TR_NOOP("incomplete model bundle, missing %1")),
    (r"(\S+) says (\d+) classes but (\S+) has (\d+) lines",
     QT_TR_NOOP("%1 says %2 classes but %3 has %4 lines")),
    (r"made for preprocessing convention (.*), this HanziPad uses (.*); "
     r"export the model again with this version",
     QT_TR_NOOP("made for preprocessing convention %1, this HanziPad uses %2; "
                "export the model again with this version")),
    (r"input size (.*) is not (.*)", QT_TR_NOOP("input size %1 is not %2")),
    (r"its SHA-256 \((.*)\) is not the one (\S+) records \((.*)\): the file is damaged or was "
     r"replaced; reinstall or export the model again",
     QT_TR_NOOP("its SHA-256 (%1) is not the one %2 records (%3): the file is damaged or was "
                "replaced; reinstall or export the model again")),
    (r"expected a JSON object", QT_TR_NOOP("expected a JSON object")),
    (r"missing keys (.*)", QT_TR_NOOP("missing keys %1")),
    (r"format is (.*), expected (.*)", QT_TR_NOOP("format is %1, expected %2")),
    (r"bundle format version (.*) is not supported",
     QT_TR_NOOP("bundle format version %1 is not supported")),
    (r"(\w+) must be a positive integer, got (.*)",
     QT_TR_NOOP("%1 must be a positive integer, got %2")),
    (r"sha256 must be 64 hexadecimal digits, got (.*)",
     QT_TR_NOOP("sha256 must be 64 hexadecimal digits, got %1")),
    (r"cannot read labels \((.*)\)", QT_TR_NOOP("cannot read labels (%1)")),
    (r"line (\d+) is not a single label \((.*)\)",
     QT_TR_NOOP("line %1 is not a single label (%2)")),
    (r"not a valid TFLite model.*", QT_TR_NOOP("not a valid TFLite model")),
    (r"expected one input and one output", QT_TR_NOOP("expected one input and one output")),
    (r"input shape (.*) is not (.*)", QT_TR_NOOP("input shape %1 is not %2")),
    (r"the model has (\d+) outputs but (\S+) lists (\d+) characters",
     QT_TR_NOOP("the model has %1 outputs but %2 lists %3 characters")),
    (r"output shape (.*) is not (.*)", QT_TR_NOOP("output shape %1 is not %2")),
    (r"the model's outputs are not finite.*",
     QT_TR_NOOP("the model's outputs are not finite (NaN or infinity): a diverged training run "
                "or a damaged file; train or export it again")),
    (r"cannot read \((.*)\)", QT_TR_NOOP("cannot read (%1)")),
    (r"no labels", QT_TR_NOOP("no labels")),
    # hanzipad.fileio's one file-type check (a FIFO opened in the window, on the command line)
    (r"is a FIFO \(named pipe\), not a regular file",
     QT_TR_NOOP("is a FIFO (named pipe), not a regular file")),
    (r"is (.*), not a regular file", QT_TR_NOOP("is %1, not a regular file")),
    # hanzipad.recognizer.NON_FINITE: a model giving NaN scores for an input
    (r"the model's scores are not finite.*",
     QT_TR_NOOP("the model's scores are not finite (NaN or infinity); the model bundle is "
                "broken")),
)]
#: Messages translated whole (they have no "WHERE: " in front).
WHOLE = [(re.compile(pattern + r"\Z", re.S), template) for pattern, template in (
    (r"model bundle not found: (.*)", QT_TR_NOOP("model bundle not found: %1")),
    (r"no model runtime: .*", QT_TR_NOOP("no model runtime: install ai-edge-litert (or "
                                         "TensorFlow) to run the recognizer")),
)]
#: Places inside a file that a core message names before the reason.
WHERE = [(re.compile(r"\bstroke (\d+) point (\d+)\Z"), QT_TR_NOOP("stroke %1 point %2")),
         (re.compile(r"\bstroke (\d+)\Z"), QT_TR_NOOP("stroke %1"))]
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
    """The system's (lower-cased) text of the errors in :data:`ERRNO_TEXT` -> ours."""
    return {os.strerror(code).lower(): text for code, text in ERRNO_TEXT.items()}


def _fill(template: str, groups) -> str:
    """``%1``… in ``template`` -> ``groups`` (a group that is the system's text of a listed
    OS error is translated too)."""
    known = _strerror_text()

    def arg(m: re.Match) -> str:
        i = int(m.group(1)) - 1
        value = groups[i] if i < len(groups) and groups[i] is not None else ""
        return tr(known[value]) if value in known else value

    return re.sub(r"%(\d)", arg, template)


def _reason(reason: str) -> str | None:
    for pattern, template in REASONS:
        m = pattern.match(reason)
        if m:
            translated = _lookup(template)
            return None if translated is None else _fill(translated, m.groups())
    return None


def explain(message: str) -> str:
    """A message from hanzipad's core modules ("WHERE: REASON") in the UI language: in
    Chinese, the reasons listed in :data:`REASONS` are translated, WHERE is kept (but for
    the places in :data:`WHERE`); other messages are returned unchanged."""
    if _language == "en":
        return message
    for pattern, template in WHOLE:
        m = pattern.match(message)
        if m:
            translated = _lookup(template)
            return message if translated is None else _fill(translated, m.groups())
    start = 0
    while True:  # try each ": " as the end of WHERE (a file name may contain one)
        cut = message.find(": ", start)
        if cut < 0:
            return _reason(message) or message  # a reason with no WHERE
        where, reason = message[:cut], message[cut + 2:]
        translated = _reason(reason)
        if translated is not None:
            for w_pattern, w_template in WHERE:
                w_translated = _lookup(w_template)
                if w_translated is not None:
                    where = w_pattern.sub(lambda m, t=w_translated: _fill(t, m.groups()), where)
            joined = _lookup(WHERE_REASON) or WHERE_REASON
            return _fill(joined, (where, translated))
        start = cut + 2
