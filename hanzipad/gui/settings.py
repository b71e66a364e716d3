"""Persisted preferences (QSettings, INI format, organization/application "HanziPad")."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

DEFAULT_PEN_WIDTH = 8
MIN_PEN_WIDTH = 2
MAX_PEN_WIDTH = 30


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "HanziPad", "HanziPad")


def pen_width() -> int:
    try:
        value = int(settings().value("pen/width", DEFAULT_PEN_WIDTH))
    except (TypeError, ValueError):
        value = DEFAULT_PEN_WIDTH
    return max(MIN_PEN_WIDTH, min(MAX_PEN_WIDTH, value))


def set_pen_width(value: int) -> None:
    settings().setValue("pen/width", int(value))


def last_dir() -> str:
    value = settings().value("files/last_dir", "")
    return value if isinstance(value, str) else ""


def set_last_dir(path: str) -> None:
    settings().setValue("files/last_dir", path)


def window_state() -> tuple[QByteArray | None, QByteArray | None]:
    s = settings()
    geometry, state = s.value("window/geometry"), s.value("window/state")
    return (geometry if isinstance(geometry, QByteArray) else None,
            state if isinstance(state, QByteArray) else None)


def set_window_state(geometry: QByteArray, state: QByteArray) -> None:
    s = settings()
    s.setValue("window/geometry", geometry)
    s.setValue("window/state", state)


def composed_text() -> dict | None:
    """The composed text kept from the last session (:meth:`Composition.to_dict`), or None."""
    import json

    value = settings().value("text/composed", "")
    if not isinstance(value, str) or not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def set_composed_text(data: dict) -> None:
    import json

    settings().setValue("text/composed", json.dumps(data, ensure_ascii=False))


def _flag(key: str) -> bool:
    value = settings().value(key, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value is True


def compact() -> bool:
    """View > Compact was on when the pad last closed."""
    return _flag("view/compact")


def set_compact(on: bool) -> None:
    settings().setValue("view/compact", bool(on))


def compact_position() -> tuple[int, int] | None:
    """Where the compact pad was dragged to (screen coordinates), or None."""
    value = settings().value("view/compact_position", "")
    try:
        x, y = (int(v) for v in str(value).split(",", 1))
    except (TypeError, ValueError):
        return None
    if not (-100_000 < x < 100_000 and -100_000 < y < 100_000):
        return None
    return x, y


def set_compact_position(x: int, y: int) -> None:
    settings().setValue("view/compact_position", f"{int(x)},{int(y)}")


#: Longest saved box ink kept (characters of JSON): a box holds one character.
MAX_BOX_INK = 256 * 1024


def box_ink() -> str:
    """The writing boxes' ink kept from the last session (JSON text), or ""."""
    value = settings().value("text/boxes", "")
    return value if isinstance(value, str) and len(value) <= MAX_BOX_INK else ""


def set_box_ink(text: str) -> None:
    settings().setValue("text/boxes", text if len(text) <= MAX_BOX_INK else "")
