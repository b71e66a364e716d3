"""A stand-in pad for the X11 tests of always-on-top mode: a window with one button per
character given; a click on a button types that character into the focused program through
:func:`hanzipad.typist.make_typist`. The window is put in always-on-top mode before it is first
shown (as ``--always-on-top`` does); its last button turns the mode off and on. It prints
``ready KIND REASON``, each click's character and ``on-top True|False``.

usage: python ontop_pad.py TITLE CHARS   (QT_QPA_PLATFORM=xcb, DISPLAY set)"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QHBoxLayout, QPushButton, QWidget

from hanzipad.gui.fonts import cjk_font
from hanzipad.gui.ontop import is_always_on_top, set_always_on_top
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
    toggle = QPushButton("⇅")
    toggle.setMinimumSize(80, 80)

    def flip():
        set_always_on_top(window, not is_always_on_top(window))
        print("on-top", is_always_on_top(window), flush=True)

    toggle.clicked.connect(flip)
    layout.addWidget(toggle)
    window.resize(100 * (len(chars) + 1), 120)
    window.move(500, 300)
    set_always_on_top(window, True)
    window.show()
    print("ready", typist.kind, typist.reason, flush=True)
    code = app.exec()
    typist.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
