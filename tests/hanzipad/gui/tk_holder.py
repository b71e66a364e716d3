"""Another program for the X11 typing tests, not Qt: a Tk text widget (a plain X11 client)
that takes the focus and writes its text to the file named on the command line whenever it
changes (polled every 50 ms, as Tk has no change signal for typed text).

usage: python tk_holder.py OUT_FILE [TITLE]   (DISPLAY set)"""

from __future__ import annotations

import os
import sys
import tkinter
from pathlib import Path


def main() -> int:
    out = Path(sys.argv[1])
    title = sys.argv[2] if len(sys.argv) > 2 else "tk-holder"
    root = tkinter.Tk()
    root.title(title)
    root.geometry("420x120+40+40")
    text = tkinter.Text(root, height=3, width=40)
    text.pack(fill="both", expand=True)
    last = [None]

    def write() -> None:
        value = text.get("1.0", "end-1c")
        if value != last[0]:
            tmp = out.with_name(out.name + ".tmp")
            tmp.write_text(value, encoding="utf-8")
            os.replace(tmp, out)
            last[0] = value
        root.after(50, write)

    text.focus_set()
    write()
    root.mainloop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
