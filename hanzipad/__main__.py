import sys

from hanzipad.cli import main

sys.exit(main())
