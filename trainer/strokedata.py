"""Read the hanzi-writer-data stroke set (npm tarball or its extracted folder).

The package holds one JSON file per character, ``package/<char>.json``, with
``strokes`` (SVG outlines), ``medians`` (one polyline per stroke, in writing
order) and ``radStrokes`` (indices of the strokes forming the radical, when
known).  Coordinates live in a 1024 box with y growing upwards; every function
here that returns medians converts them to SCREEN coordinates (y down):
``y_screen = 900 - y``.

A ``.tgz`` is streamed with :mod:`tarfile` (never extracted to disk).  A broken
character file is skipped and counted (see :class:`LoadReport`); a missing or
corrupt tarball raises :class:`StrokeDataError` naming the file.
"""

from __future__ import annotations

import math
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hanzipad.fileio import check_regular_file, loads_bounded, read_bytes_bounded

#: Largest character file (or package.json) read; hanzi-writer-data's are a few KB.
MAX_CHAR_BYTES = 1 << 20
#: Medians are converted with ``y_screen = Y_FLIP - y``.
Y_FLIP = 900.0
#: Side of the coordinate box of the data.
BOX = 1024.0

Medians = list[list[tuple[float, float]]]


class StrokeDataError(ValueError):
    """The stroke data (tarball, folder or one character's JSON) cannot be used."""


@dataclass
class LoadReport:
    """What :func:`load_medians` read: counts and the reasons for skipped files."""

    loaded: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _is_tarball(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and (name.endswith((".tgz", ".tar.gz", ".tar")))


def _package_dir(path: Path) -> Path:
    """The folder holding ``<char>.json``: PATH itself or PATH/package."""
    if (path / "package").is_dir():
        return path / "package"
    return path


def _char_of(name: str) -> str | None:
    """The character of a member name ``package/<char>.json`` (one code point), else None."""
    base = name.rsplit("/", 1)[-1]
    if not base.endswith(".json"):
        return None
    stem = base[:-5]
    return stem if len(stem) == 1 else None


def _open_tar(path: Path) -> tarfile.TarFile:
    try:
        check_regular_file(path)  # a FIFO named x.tgz would block the open forever
        return tarfile.open(path, "r:*")
    except FileNotFoundError:
        raise StrokeDataError(f"{path}: no such file") from None
    except (tarfile.TarError, OSError, EOFError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise StrokeDataError(f"{path}: not a readable tarball ({why})") from None


def iter_char_json(path: str | Path, chars: Iterable[str] | None = None) -> Iterator[tuple[str, bytes | StrokeDataError]]:
    """Yield ``(char, raw_json_bytes)`` for every character file of the package.

    A file that cannot be read yields ``(char, StrokeDataError)``.  A truncated
    or corrupt tarball raises :class:`StrokeDataError` naming it.
    """
    path = Path(path)
    wanted = None if chars is None else set(chars)
    if not path.exists():
        raise StrokeDataError(f"{path}: no such file or folder")
    if path.is_dir():
        folder = _package_dir(path)
        if wanted is not None:
            files = [folder / f"{c}.json" for c in sorted(wanted)]
        else:
            files = sorted(folder.glob("*.json"))
        for f in files:
            char = _char_of(f.name)
            if char is None or not f.exists():
                continue
            try:  # a regular file of at most MAX_CHAR_BYTES (never a FIFO or /dev/zero)
                yield char, read_bytes_bounded(f, MAX_CHAR_BYTES)
            except OSError as exc:
                yield char, StrokeDataError(f"{f}: {exc.strerror or exc}")
            except ValueError as exc:
                yield char, StrokeDataError(str(exc))
        return
    if not _is_tarball(path):
        raise StrokeDataError(f"{path}: expected the hanzi-writer-data .tgz or its folder")
    tar = _open_tar(path)
    try:
        while True:
            try:
                member = tar.next()
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise StrokeDataError(f"{path}: corrupt or truncated tarball ({exc})") from None
            if member is None:
                break
            char = _char_of(member.name)
            if char is None or not member.isfile():
                continue
            if wanted is not None and char not in wanted:
                continue
            try:
                fobj = tar.extractfile(member)
                data = fobj.read(MAX_CHAR_BYTES + 1) if fobj is not None else b""
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise StrokeDataError(f"{path}: corrupt or truncated tarball at {member.name} ({exc})") from None
            if len(data) > MAX_CHAR_BYTES:  # a gzip bomb need not be inflated to be refused
                yield char, StrokeDataError(f"{path}: {member.name} is larger than "
                                            f"{MAX_CHAR_BYTES:,} bytes, too large for one "
                                            "character")
                continue
            yield char, data
    finally:
        tar.close()


def parse_char_json(data: bytes, where: str) -> dict:
    """Parse and validate one character's JSON; raises :class:`StrokeDataError` naming ``where``."""
    try:
        obj = loads_bounded(data.decode("utf-8"), max_depth=16)
    except ValueError as exc:  # not UTF-8 or not JSON, nested too deep, huge numbers
        raise StrokeDataError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("medians"), list) or not obj["medians"]:
        raise StrokeDataError(f"{where}: no 'medians' list")
    for i, stroke in enumerate(obj["medians"]):
        if not isinstance(stroke, list) or not stroke:
            raise StrokeDataError(f"{where}: median {i} is not a list of points")
        for p in stroke:
            if (
                not isinstance(p, list)
                or len(p) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p)
                or not all(math.isfinite(v) for v in p)
            ):
                raise StrokeDataError(f"{where}: median {i} has a bad point {p!r}")
    rad = obj.get("radStrokes")
    if rad is not None and (
        not isinstance(rad, list) or not all(isinstance(r, int) and 0 <= r < len(obj["medians"]) for r in rad)
    ):
        raise StrokeDataError(f"{where}: bad 'radStrokes' {rad!r}")
    return obj


def to_screen(medians) -> Medians:
    """Medians from the data's y-up box to screen coordinates (y down)."""
    return [[(float(x), Y_FLIP - float(y)) for x, y in stroke] for stroke in medians]


def iter_char_objects(path: str | Path, chars: Iterable[str] | None = None,
                      report: LoadReport | None = None) -> Iterator[tuple[str, dict]]:
    """``(char, parsed JSON)`` of every (or each wanted) character file that passes
    :func:`parse_char_json`; bad files are skipped and counted in ``report``."""
    report = report if report is not None else LoadReport()
    for char, data in iter_char_json(path, chars):
        try:
            if isinstance(data, StrokeDataError):
                raise data
            obj = parse_char_json(data, f"{path}: {char}.json")
        except StrokeDataError as exc:
            report.skipped += 1
            report.errors.append(str(exc))
            continue
        report.loaded += 1
        yield char, obj


def load_medians(path: str | Path, chars: Iterable[str] | None = None, report: LoadReport | None = None) -> dict[str, Medians]:
    """``{char: medians}`` in screen coordinates for every (or each wanted) character.

    Bad character files are skipped and counted in ``report`` (when given).
    """
    return {char: to_screen(obj["medians"]) for char, obj in iter_char_objects(path, chars, report)}


def load_records(path: str | Path, chars: Iterable[str] | None = None, report: LoadReport | None = None) -> dict[str, tuple[Medians, list[int]]]:
    """``{char: (screen medians, radStrokes)}``; like :func:`load_medians` but with the radical."""
    return {char: (to_screen(obj["medians"]), list(obj.get("radStrokes") or []))
            for char, obj in iter_char_objects(path, chars, report)}


def load_character(path: str | Path, char: str) -> dict:
    """The full JSON of one character (``strokes``, ``medians``, ``radStrokes`` as in the data,
    medians NOT converted).  Raises :class:`StrokeDataError` when missing or bad."""
    for c, data in iter_char_json(path, [char]):
        if c != char:
            continue
        if isinstance(data, StrokeDataError):
            raise data
        return parse_char_json(data, f"{path}: {char}.json")
    raise StrokeDataError(f"{path}: no {char}.json in the stroke data")


def package_info(path: str | Path) -> dict:
    """``{"name", "version", "license"}`` from the package's package.json.

    The npm ``license`` field says "SEE LICENSE IN ARPHICPL.TXT"; that file is the
    Arphic Public License, which is what is reported.
    """
    path = Path(path)
    raw = None
    if path.is_dir():
        f = _package_dir(path) / "package.json"
        if f.exists():
            try:
                raw = read_bytes_bounded(f, MAX_CHAR_BYTES)
            except (OSError, ValueError) as exc:
                raise StrokeDataError(f"{f}: {getattr(exc, 'strerror', None) or exc}") from None
    elif _is_tarball(path):
        tar = _open_tar(path)
        try:
            for member in tar:
                if member.name.rsplit("/", 1)[-1] == "package.json" and member.name.count("/") <= 1:
                    fobj = tar.extractfile(member)
                    raw = fobj.read(MAX_CHAR_BYTES + 1) if fobj else None
                    if raw is not None and len(raw) > MAX_CHAR_BYTES:
                        raise StrokeDataError(f"{path}: package.json is larger than "
                                              f"{MAX_CHAR_BYTES:,} bytes")
                    break
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise StrokeDataError(f"{path}: corrupt or truncated tarball ({exc})") from None
        finally:
            tar.close()
    elif not path.exists():
        raise StrokeDataError(f"{path}: no such file or folder")
    else:
        raise StrokeDataError(f"{path}: expected the hanzi-writer-data .tgz or its folder")
    if raw is None:
        raise StrokeDataError(f"{path}: no package.json")
    try:
        meta = loads_bounded(raw.decode("utf-8"), max_depth=32)
    except ValueError as exc:
        raise StrokeDataError(f"{path}: package.json is not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise StrokeDataError(f"{path}: package.json is not a JSON object")
    lic = str(meta.get("license", ""))
    if "ARPHIC" in lic.upper():
        lic = "Arphic Public License"
    return {"name": meta.get("name", ""), "version": meta.get("version", ""), "license": lic}
