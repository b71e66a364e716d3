"""The old home of the ink pack, kept so that ``from trainer.inkpack import …`` still works
(``tests/benchmarks/hostile_inputs.py`` uses it). The file format is now
:mod:`trainer.sources.inkpack_format`, the ``pack`` command :mod:`trainer.pack`; import from
those.
"""

from __future__ import annotations

from trainer.pack import INK_KINDS, pack, pack_main
from trainer.sources.inkpack_format import (
    CODECS,
    FORMAT,
    LEVELS,
    TOLERANCE,
    VERSION,
    PackError,
    PackReader,
    PackWriter,
    Sample,
    compress_block,
    decode,
    encode_ink,
    frame,
    simplify,
)

__all__ = ["CODECS", "FORMAT", "INK_KINDS", "LEVELS", "TOLERANCE", "VERSION", "PackError",
           "PackReader", "PackWriter", "Sample", "compress_block", "decode", "encode_ink", "frame",
           "pack", "pack_main", "simplify"]
