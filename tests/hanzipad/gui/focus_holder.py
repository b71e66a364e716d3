"""A second program for the X11 typing tests: a window with a line edit that takes the focus
and writes the line edit's text to the file named on the command line at every change.

usage: python focus_holder.py OUT_FILE [TITLE]   (QT_QPA_PLATFORM=xcb, DISPLAY set)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication, QLineEdit


def main() -> int:
    out = Path(sys.argv[1])
    title = sys.argv[2] if len(sys.argv) > 2 else "focus-holder"
    app = QApplication(sys.argv[:1])
    edit = QLineEdit()
    edit.setWindowTitle(title)
    edit.setMinimumWidth(400)
    try:  # the bundled CJK subset, so that screenshots show the characters without CJK fonts
        from hanzipad.gui.fonts import cjk_font

        edit.setFont(cjk_font(18))
    except ImportError:
        pass

    def write(text: str) -> None:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)

    edit.textChanged.connect(write)
    write("")
    edit.move(40, 40)
    edit.show()
    edit.activateWindow()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
