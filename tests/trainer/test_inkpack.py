"""trainer.inkpack, the ink pack's old import path: it still names the same things. The format
is tested in tests/trainer/sources/test_inkpack_format.py, the ``pack`` command in test_pack.py.
"""

from __future__ import annotations

import trainer.inkpack as old
import trainer.pack as command
import trainer.sources.inkpack_format as fmt
from tests.trainer.sources.packdata import write_pots

# tests/benchmarks/hostile_inputs.py imports write_pots from here
__all__ = ["write_pots"]


def test_the_old_import_path_names_the_format_and_the_command():
    for name in old.__all__:
        assert getattr(old, name) is getattr(fmt, name, None) or \
            getattr(old, name) is getattr(command, name), name
