"""HanziPad: a handwriting pad for Chinese characters.

The package is split into pure logic (ink, raster, normalize, labels, bundle,
recognizer, cli) that never imports Qt or TensorFlow, and the Qt widgets in
:mod:`hanzipad.gui`.
"""

__version__ = "0.1.0"

#: Version of the preprocessing convention shared by the canvas, the image
#: loader and the trainer.  A model bundle records the version it was trained
#: with; the app refuses a bundle made for another convention.
CONVENTION_VERSION = 1

#: Side of the square image the recognizer sees.
IMAGE_SIZE = 64
