"""PyInstaller entry point of the frozen app: the same ``main`` as the installed package."""

import sys

from hanzipad.cli import main

if __name__ == "__main__":
    sys.exit(main())
