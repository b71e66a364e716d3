"""Start the desktop app: ``hanzipad [FILE…] [--model DIR]`` ends up in :func:`main`."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from hanzipad import __version__
from hanzipad.gui import i18n
from hanzipad.gui.fonts import register_fonts
from hanzipad.gui.window import MainWindow, app_icon


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("HanziPad")
    app.setOrganizationName("HanziPad")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.hanzipad.HanziPad")
    app.setWindowIcon(app_icon())
    families = register_fonts()
    i18n.set_language(i18n.system_language())
    i18n.install_qt_translations(app)
    if i18n.language() == "zh" and families:
        # the Chinese UI in the bundled font (a system's Kaiti is rough at menu sizes)
        font = app.font()
        font.setFamilies(families + font.families())
        app.setFont(font)
    return app


def main(files: list[str], model: str | None) -> int:
    """Show the window at once, load the model in the background, open ``files``."""
    app = create_application()
    window = MainWindow(model=model, load_model=False)
    window.show()
    window.load_model(model)  # in the worker thread; the window is already up
    if files:
        QTimer.singleShot(0, lambda: window.open_files(list(files)))
    app.aboutToQuit.connect(window.recognition.shutdown)
    return app.exec()
