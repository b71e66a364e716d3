"""Opening files in the window: what an image or ink file shows on the canvas
(:func:`load_content`, any thread), read off the UI thread (:class:`FileLoader`), and the
Open dialog's filters and the words for a failed file operation."""

from __future__ import annotations

import contextlib
import gc
import threading
from pathlib import Path

from PySide6.QtCore import QFile, QFileDevice, QIODevice, QObject, Qt, Signal
from PySide6.QtGui import QImageReader

from hanzipad import fileio
from hanzipad import ink as inkfile
from hanzipad.errors import os_reason
from hanzipad.gui.canvas import Content, ShownImage
from hanzipad.gui.i18n import explain, os_error, tr
from hanzipad.normalize import ImageError, load_image

#: Longest side an opened image is decoded at for display (the recognizer uses its own copy).
DISPLAY_SIDE = 1024


def open_filters() -> str:
    """The Open dialog's filters: every image type the normalizer reads and ink (JSON)."""
    from hanzipad.normalize import IMAGE_SUFFIXES

    images = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
    ink = "*.json"
    return ";;".join((tr("Images and ink ({})").format(f"{images} {ink}"),
                      tr("Images ({})").format(images), tr("Ink ({})").format(ink),
                      tr("All files (*)")))


def os_error_text(exc: OSError) -> str:
    """Why a file operation failed, in the UI language."""
    if isinstance(exc, fileio.ReadOnlyFileError):
        return tr("the file is read-only; it was not changed")
    if isinstance(exc, IsADirectoryError):
        return tr("is a folder, not a file")
    if isinstance(exc, fileio.NotAFileError):
        return tr("not a regular file")
    return os_error(exc)


@contextlib.contextmanager
def _no_gc_pauses():
    """Cyclic garbage collection off while a thread builds or encodes a big ink: its
    allocations (10^5-10^6 points) set off full collections over every object of the
    process, each holding the GIL, and the window froze for seconds. Nothing it builds is a
    cycle; collection resumes afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class FileLoader(QObject):
    """Reads and parses a file in a Python thread (an ink near the size limit takes seconds;
    the window keeps answering meanwhile); :attr:`done` comes in the UI thread."""

    #: (request number, path, the Content or None, the one-line error or "")
    done = Signal(int, str, object, str)

    def start(self, generation: int, path: Path, load) -> None:
        threading.Thread(target=self._run, args=(generation, path, load),
                         name="hanzipad-open", daemon=True).start()

    def _run(self, generation: int, path: Path, load) -> None:
        try:
            with _no_gc_pauses():
                content, error = load(path), ""
        except (inkfile.InkError, ImageError) as exc:
            content, error = None, str(exc)
        except Exception as exc:  # noqa: BLE001 - any failure is a message, never a crash
            content, error = None, f"{path}: {exc or type(exc).__name__}"
        try:
            self.done.emit(generation, str(path), content, error)
        except RuntimeError:  # the window (and this object) went away meanwhile
            pass


class FileSaver(QObject):
    """Writes ink files in a Python thread, one after the other; :attr:`done` comes in the
    UI thread with the exception (InkError, OSError, …) or None."""

    #: (path, the exception or None)
    done = Signal(str, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._threads: list[threading.Thread] = []

    def start(self, path: Path, ink) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        before = self._threads[-1] if self._threads else None
        thread = threading.Thread(target=self._run, args=(path, ink, before),
                                  name="hanzipad-save", daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self) -> None:
        """Until every save started has finished (at exit)."""
        for thread in self._threads:
            thread.join()

    def _run(self, path: Path, ink, before: threading.Thread | None) -> None:
        if before is not None:
            before.join()  # saves land in the order asked for
        error = self.write(path, ink)
        try:
            self.done.emit(str(path), error)
        except RuntimeError:  # the window (and this object) went away meanwhile
            pass


    @staticmethod
    def write(path: Path, ink) -> Exception | None:
        """Write ``ink`` as a ``.json`` file atomically (:mod:`hanzipad.fileio`), rounded so
        that it always opens again (:func:`hanzipad.ink.saved_text`); the failure or None."""
        try:
            with _no_gc_pauses():
                text = inkfile.saved_text(ink)
            fileio.write_text(path, text + "\n")
        except Exception as exc:  # noqa: BLE001 - any failure is a message, never a crash
            return exc
        return None


def save_problem(error: Exception) -> str:
    """Why a save failed, in the UI language."""
    if isinstance(error, inkfile.InkError):
        return explain(error)
    if isinstance(error, OSError):
        return os_error_text(error)
    return str(error) or type(error).__name__


def load_content(path: Path) -> Content:
    """The canvas content of an image or ink file (any thread: no widget is touched);
    InkError or ImageError naming the file when it cannot be used."""
    if inkfile.is_ink_path(path):
        return ink_content(read_ink(path), path)
    return Content(image=image_content(path))


def read_ink(path: Path) -> inkfile.Ink:
    if path.suffix.lower() != ".jsonl":
        return inkfile.load(path)
    for _, item in inkfile.iter_jsonl(path):  # a .jsonl file: its first usable line
        if isinstance(item, inkfile.Ink) and not item.is_empty():
            return item
    raise inkfile.InkError(f"{path}: " + tr("no usable ink line in this file"))


def ink_content(ink: inkfile.Ink, path: Path) -> Content:
    strokes = tuple(s for s in ink.strokes if s)
    if not strokes:
        raise inkfile.InkError(f"{path}: "
                               + tr("no strokes to show (the stroke list is empty)"))
    x0, y0, x1, y1 = ink.bounds()
    if not (ink.width > 0 and ink.height > 0):
        # no writing box given (pen data such as CASIA's .pot, in tablet units): frame the
        # character itself, centred with a margin, instead of a dot on a page-sized box
        extent = max(x1 - x0, y1 - y0, 1.0)
        side = extent * 1.3
        dx, dy = (side - (x1 - x0)) / 2 - x0, (side - (y1 - y0)) / 2 - y0
        strokes = tuple(tuple(type(p)(p.x + dx, p.y + dy, p.t, p.pressure) for p in s)
                        for s in strokes)
        return Content(strokes=strokes, ink_size=(side, side))
    w = ink.width if ink.width > 0 and ink.width >= x1 else max(x1 + x0, 1.0)
    h = ink.height if ink.height > 0 and ink.height >= y1 else max(y1 + y0, 1.0)
    if x0 < 0 or y0 < 0:  # keep negative coordinates visible: move the ink into view
        dx, dy = -min(x0, 0.0), -min(y0, 0.0)
        strokes = tuple(tuple(type(p)(p.x + dx, p.y + dy, p.t, p.pressure) for p in s)
                        for s in strokes)
        w, h = max(w, x1 + dx), max(h, y1 + dy)
    side = max(w, h)
    return Content(strokes=strokes, ink_size=(side, side))


def image_content(path: Path) -> ShownImage:
    array = load_image(path)  # raises ImageError naming the file and the problem
    try:  # the display copy read from a regular file only (never blocks on a FIFO)
        with fileio.open_regular(path) as file:
            device = QFile()
            device.open(file.fileno(), QIODevice.OpenModeFlag.ReadOnly,
                        QFileDevice.FileHandleFlag.DontCloseHandle)
            reader = QImageReader(device)
            reader.setAutoTransform(True)
            size = reader.size()
            if size.isValid() and max(size.width(), size.height()) > DISPLAY_SIDE:
                reader.setScaledSize(size.scaled(DISPLAY_SIDE, DISPLAY_SIDE,
                                                 Qt.AspectRatioMode.KeepAspectRatio))
            image = reader.read()
            device.close()
    except OSError as exc:  # swapped for something else since load_image read it
        reason = os_reason(exc)
        raise ImageError.coded(reason.code, str(path), **reason.params) from None
    if image.isNull():  # Qt cannot decode it but Pillow could: show what the model sees
        from PySide6.QtGui import QImage

        inverted = (255 - array).copy()
        image = QImage(inverted.data, 64, 64, 64, QImage.Format.Format_Grayscale8).copy()
    return ShownImage(image=image, array=array, path=str(path))
