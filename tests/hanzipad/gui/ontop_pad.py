"""A stand-in pad for the X11 tests of always-on-top mode: a window with one button per
character given; a click on a button types that character into the focused program through
:func:`hanzipad.typist.make_typist`. The window is put in always-on-top mode before it is first
shown (as ``--always-on-top`` does); it prints ``ready KIND`` and each click's character.

usage: python ontop_pad.py TITLE CHARS   (QT_QPA_PLATFORM=xcb, DISPLAY set)"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QHBoxLayout, QPushButton, QWidget

from hanzipad.gui.fonts import cjk_font
from hanzipad.gui.ontop import set_always_on_top
from hanzipad.typist import make_typist


def main() -> int:
    title, chars = sys.argv[1], sys.argv[2]
    app = QApplication(sys.argv[:1])
    typist = make_typist()
    window = QWidget()
    window.setWindowTitle(title)
    layout = QHBoxLayout(window)
    for char in chars:
        button = QPushButton(char)
        button.setObjectName(f"pick-{char}")
        button.setMinimumSize(80, 80)
        button.setFont(cjk_font(36))

        def pick(_=False, char=char):
            print("pick", char, flush=True)
            typist.type_text(char)

        button.clicked.connect(pick)
        layout.addWidget(button)
    window.resize(100 * len(chars), 120)
    window.move(500, 300)
    set_always_on_top(window, True)
    window.show()
    print("ready", typist.kind, typist.reason, flush=True)
    code = app.exec()
    typist.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
