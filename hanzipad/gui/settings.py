"""Persisted preferences (QSettings, INI format, organization/application "HanziPad").

Every value read here is checked: a value that cannot be read (garbage, a 400-digit pen
width, a composition nested 100,000 levels deep) never stops the app from starting.  It is
*moved aside*: the INI file is first copied beside itself as ``HanziPad.ini.bad-YYYYmmdd-HHMMSS``
(once a session: the copy holds every value as it was), then the bad key is removed and a
one-line message naming the copy is logged and kept for the window's status bar
(:func:`take_problems`).  Before Qt reads the file at all, :func:`settings` checks it once a
session: a file that is not a regular file or is larger than :data:`MAX_FILE_BYTES` is renamed
aside whole, and lines holding a value Qt would decode from binary (``@Variant(…)``,
``@DateTime(…)``: HanziPad never writes them, and a forged length there aborts the process
inside Qt) are moved aside.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import time
from typing import NamedTuple

from PySide6.QtCore import QT_TR_NOOP, QByteArray, QSettings

log = logging.getLogger(__name__)

DEFAULT_PEN_WIDTH = 8
MIN_PEN_WIDTH = 2
MAX_PEN_WIDTH = 30

#: Largest settings file read (bytes); a larger one is renamed aside unread.
MAX_FILE_BYTES = 64 * 1024 * 1024
#: Longest saved composition (characters of JSON).
MAX_COMPOSED = 32 * 1024 * 1024
#: Longest window geometry/state kept by Qt (bytes; Qt's own are a few hundred).
MAX_WINDOW_STATE = 64 * 1024
#: Longest remembered folder (characters).
MAX_DIR = 4096

#: Settings files checked this session (path -> True), and the copy kept aside for each.
_checked: set[str] = set()
_aside: dict[str, str] = {}


class Said(NamedTuple):
    """A message about the settings: an English template (a ``QT_TR_NOOP`` literal, so the
    GUI translates it; ``str.format`` fields) and its fields.  A field may be a :class:`Said`,
    an OSError or another exception (shown through :mod:`hanzipad.gui.i18n`)."""

    template: str
    fields: dict

    def text(self, translated: bool = False) -> str:
        """The message in English, or in the UI language when ``translated``."""
        from hanzipad.gui import i18n

        translated = translated and i18n.language() != "en"
        values = {k: _field_text(v, translated) for k, v in self.fields.items()}
        template = i18n.tr(self.template) if translated else self.template
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):  # a translation with a wrong field
            return self.template.format(**values)


def _said(template: str, **fields) -> Said:
    return Said(template, fields)


def _field_text(value, translated: bool):
    from hanzipad.gui import i18n

    if isinstance(value, Said):
        return value.text(translated)
    if isinstance(value, OSError):
        return i18n.os_error(value) if translated else str(value.strerror)
    if isinstance(value, BaseException):
        return i18n.explain(value) if translated else str(value)
    return value


#: Messages about settings moved aside, not yet shown (:func:`take_problems`).
_problems: list[Said] = []

#: A value Qt decodes with QDataStream (lengths read from the file): after "=" or "," outside
#: quotes.  HanziPad writes none.
_BINARY_VALUE = re.compile(rb"^\s*@(?:Variant|DateTime)\(")


def _qsettings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "HanziPad", "HanziPad")


#: An application name whose settings file never exists: its QSettings tells where ours is
#: without opening it (QSettings reads its file when made: a FIFO there would block).
_PROBE = ".hanzipad-path-probe"


def settings_file() -> str:
    """Where the settings are kept (the INI file), found without reading it."""
    probe = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "HanziPad", _PROBE)
    folder, name = os.path.split(probe.fileName())
    return os.path.join(folder, "HanziPad" + name[len(_PROBE):])


def _native_file() -> str:
    """The file a plain ``QSettings()`` reads on this system (``HanziPad.conf`` on Linux; a
    registry path on Windows, where there is no file to check)."""
    probe = QSettings(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, "HanziPad",
                      _PROBE)
    folder, name = os.path.split(probe.fileName())
    return os.path.join(folder, "HanziPad" + name[len(_PROBE):])


def settings() -> QSettings:
    path = settings_file()
    if path not in _checked:
        _checked.add(path)
        _check_file(path)
        # a plain QSettings() (the hand-learning switch) reads the native file: checked too
        native = _native_file()
        if native not in _checked:
            _checked.add(native)
            _check_file(native)
    return _qsettings()


def take_problems() -> list[str]:
    """The messages about settings moved aside since the last call (each names the file), in
    the UI language."""
    problems = [p.text(translated=True) for p in _problems]
    _problems.clear()
    return problems


def _aside_name(path: str) -> str:
    base = f"{path}.bad-{time.strftime('%Y%m%d-%H%M%S')}"
    name, n = base, 1
    while os.path.lexists(name):
        name, n = f"{base}-{n}", n + 1
    return name


def _report(said: Said) -> None:
    log.warning("%s", said.text())
    _problems.append(said)


def _keep_copy(path: str) -> str | None:
    """Copy the settings file aside (once a session); the copy's name, None when it failed."""
    if path in _aside:
        return _aside[path]
    from hanzipad import fileio

    try:
        data = fileio.read_bytes_bounded(path, MAX_FILE_BYTES)
        name = _aside_name(path)
        fileio.write_bytes(name, data)
    except (OSError, ValueError) as exc:
        log.warning("cannot keep a copy of %s: %s", path, exc)
        return None
    _aside[path] = name
    return name


def _check_file(path: str) -> bool:
    """Make the settings file safe for Qt to read; True when it was changed (or renamed)."""
    try:
        st = os.stat(path)
    except OSError:
        return False  # none yet (or unreachable: Qt will say nothing and use the defaults)
    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
        why = (_said(QT_TR_NOOP("not a regular file")) if not stat.S_ISREG(st.st_mode)
               else _said(QT_TR_NOOP("{size:,} bytes, more than the {limit:,} allowed"),
                          size=st.st_size, limit=MAX_FILE_BYTES))
        name = _aside_name(path)
        try:
            os.rename(path, name)
        except OSError as exc:
            _report(_said(QT_TR_NOOP("settings file {path}: {why}; it cannot be moved aside "
                                     "({error})"), path=path, why=why, error=exc))
            return False
        _report(_said(QT_TR_NOOP("settings file {path}: {why}; moved aside to {name}, "
                                 "starting afresh"), path=path, why=why, name=name))
        return True
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        return False
    lines = data.splitlines(keepends=True)
    kept = [line for line in lines if not _binary_value(line)]
    if len(kept) == len(lines):
        return False
    keys = [line.split(b"=", 1)[0].strip().decode("utf-8", "replace")
            for line in lines if _binary_value(line)]
    copy = _keep_copy(path)
    if copy is None:
        _report(_said(QT_TR_NOOP("settings file {path}: values that cannot be read ({keys}); "
                                 "they cannot be moved aside, the defaults are used"),
                      path=path, keys=", ".join(keys)))
        return False
    from hanzipad import fileio

    try:
        fileio.write_bytes(path, b"".join(kept))
    except OSError as exc:
        _report(_said(QT_TR_NOOP("settings file {path}: values that cannot be read ({keys}): "
                                 "cannot be removed ({error}); a copy is kept as {copy}"),
                      path=path, keys=", ".join(keys), error=exc, copy=copy))
        return False
    _report(_said(QT_TR_NOOP("settings file {path}: values that cannot be read ({keys}) "
                             "removed; the file as it was is kept as {copy}"),
                  path=path, keys=", ".join(keys), copy=copy))
    return True


def _binary_value(line: bytes) -> bool:
    """Whether an INI line holds a value (or a list item) Qt would decode from binary."""
    if b"@" not in line or b"=" not in line or line.lstrip().startswith((b";", b"#", b"[")):
        return False
    value = line.split(b"=", 1)[1]
    quoted, escaped, start = False, False, 0
    for i in range(len(value) + 1):
        c = value[i:i + 1]
        if escaped:
            escaped = False
        elif c == b"\\":
            escaped = True
        elif c == b'"':
            quoted = not quoted
        elif not quoted and c in (b",", b""):
            if _BINARY_VALUE.match(value[start:i]):
                return True
            start = i + 1
    return False


def _bad(key: str, reason: Said | str) -> None:
    """Move a value that cannot be read aside: the file copied (once), the key removed."""
    s = settings()
    path = s.fileName()
    copy = _keep_copy(path)
    if copy is None:
        _report(_said(QT_TR_NOOP("settings file {path}: {key} cannot be read ({reason}); the "
                                 "default is used"), path=path, key=key, reason=reason))
        return
    s.remove(key)
    s.sync()
    _report(_said(QT_TR_NOOP("settings file {path}: {key} cannot be read ({reason}); removed, "
                             "the file as it was is kept as {copy}"),
                  path=path, key=key, reason=reason, copy=copy))


def _value(key: str, default=None):
    """A raw value; anything Qt cannot hand over counts as missing (and is moved aside)."""
    try:
        return settings().value(key, default)
    except Exception as exc:  # noqa: BLE001 - a setting is never a reason not to start
        _bad(key, f"{type(exc).__name__}")
        return default


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _json_text(value, cap: int, digits: int):
    """A setting kept as JSON text, parsed with the bounded reader; ValueError when it is not
    text, is longer than ``cap`` characters, or is not such JSON."""
    from hanzipad.fileio import loads_bounded

    if not isinstance(value, str):
        raise ValueError(f"not text: {_short(value)}")
    if len(value) > cap:
        raise ValueError(f"{len(value):,} characters, more than {cap:,}")
    return loads_bounded(value, max_depth=8, max_number_digits=digits)


def pen_width() -> int:
    value = _value("pen/width", DEFAULT_PEN_WIDTH)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,6}\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) > 999_999:
        _bad("pen/width", _said(QT_TR_NOOP("not a pen width: {value}"), value=_short(value)))
        return DEFAULT_PEN_WIDTH
    return max(MIN_PEN_WIDTH, min(MAX_PEN_WIDTH, value))


def set_pen_width(value: int) -> None:
    settings().setValue("pen/width", int(value))


def last_dir() -> str:
    value = _value("files/last_dir", "")
    if not isinstance(value, str) or len(value) > MAX_DIR or "\0" in value:
        _bad("files/last_dir", _said(QT_TR_NOOP("not a folder name: {value}"),
                                     value=_short(value)))
        return ""
    return value


def set_last_dir(path: str) -> None:
    settings().setValue("files/last_dir", path)


def window_state() -> tuple[QByteArray | None, QByteArray | None]:
    found = []
    for key in ("window/geometry", "window/state"):
        value = _value(key)
        if value is None:
            found.append(None)
        elif not isinstance(value, QByteArray) or value.size() > MAX_WINDOW_STATE:
            what = (_said(QT_TR_NOOP("not a saved window geometry: {value}"), value=_short(value))
                    if key == "window/geometry" else
                    _said(QT_TR_NOOP("not a saved window state: {value}"), value=_short(value)))
            _bad(key, what)
            found.append(None)
        else:
            found.append(value)
    return found[0], found[1]


def bad_window_state(key: str) -> None:
    """Qt refused the saved ``window/geometry`` or ``window/state``: move it aside."""
    _bad(key, _said(QT_TR_NOOP("Qt cannot restore it")))


def set_window_state(geometry: QByteArray, state: QByteArray) -> None:
    s = settings()
    s.setValue("window/geometry", geometry)
    s.setValue("window/state", state)


def composed_text() -> dict | None:
    """The composed text kept from the last session (:meth:`Composition.to_dict`, checked by
    :meth:`Composition.from_dict`), or None."""
    from hanzipad.compose import Composition

    value = _value("text/composed", "")
    if isinstance(value, str) and not value:
        return None
    try:
        data = _json_text(value, MAX_COMPOSED, digits=40)
        Composition.from_dict(data)
    except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        _bad("text/composed", _said(QT_TR_NOOP("the text kept from the last session: {error}"),
                                    error=exc))
        return None
    return data


def set_composed_text(data: dict) -> None:
    import json

    settings().setValue("text/composed", json.dumps(data, ensure_ascii=False))


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


def _flag(key: str) -> bool:
    value = _value(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    _bad(key, _said(QT_TR_NOOP("not true or false: {value}"), value=_short(value)))
    return False


def compact() -> bool:
    """View > Compact was on when the pad last closed."""
    return _flag("view/compact")


def set_compact(on: bool) -> None:
    settings().setValue("view/compact", bool(on))


def compact_position() -> tuple[int, int] | None:
    """Where the compact pad was dragged to (screen coordinates), or None."""
    value = _value("view/compact_position", "")
    if value == "":
        return None
    match = (re.fullmatch(r"\s*(-?\d{1,6})\s*,\s*(-?\d{1,6})\s*", value)
             if isinstance(value, str) else None)
    x, y = (int(match[1]), int(match[2])) if match else (None, None)
    if x is None or not (-100_000 < x < 100_000 and -100_000 < y < 100_000):
        _bad("view/compact_position", _said(QT_TR_NOOP("not a position: {value}"),
                                            value=_short(value)))
        return None
    return x, y


def set_compact_position(x: int, y: int) -> None:
    settings().setValue("view/compact_position", f"{int(x)},{int(y)}")


#: Longest saved box ink kept (characters of JSON): a box holds one character.
MAX_BOX_INK = 256 * 1024


def box_ink() -> str:
    """The writing boxes' ink kept from the last session (JSON text, checked: every box's ink
    is one :func:`hanzipad.ink.ink_from_dict` accepts), or ""."""
    from hanzipad import ink as inkfile

    value = _value("text/boxes", "")
    if isinstance(value, str) and not value:
        return ""
    try:
        data = _json_text(value, MAX_BOX_INK, digits=30)
        boxes = data.get("boxes") if isinstance(data, dict) else None
        if not isinstance(boxes, list) or len(boxes) > 2:
            raise ValueError("not the boxes' ink")
        for item in boxes:
            if item is not None:
                inkfile.ink_from_dict(item, "box")
    except (ValueError, TypeError, OverflowError, RecursionError, MemoryError) as exc:
        _bad("text/boxes", _said(QT_TR_NOOP("the ink kept from the last session: {error}"),
                                 error=exc))
        return ""
    return value


def set_box_ink(text: str) -> None:
    settings().setValue("text/boxes", text if len(text) <= MAX_BOX_INK else "")
