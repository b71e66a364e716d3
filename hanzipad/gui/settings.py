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
