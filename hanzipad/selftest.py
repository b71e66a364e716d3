"""The built-in sample for ``hanzipad --self-test``: 中 written with four strokes.

Points are the stroke centre-lines of 中 from hanzi-writer-data 2.0.1 (Arphic Public
License), in screen coordinates of a 1024 box.
"""

from hanzipad.ink import Ink

SAMPLE_CHAR = "中"

_STROKES = [
    [[194, 302], [229, 328], [236, 347], [295, 577]],
    [[262, 309], [281, 321], [471, 289], [719, 259], [741, 262], [777, 304], [732, 440], [702, 454]],
    [[316, 550], [330, 535], [689, 491], [749, 495], [768, 502]],
    [[449, 77], [476, 83], [513, 119], [505, 244], [499, 910]],
]


def sample_ink() -> Ink:
    return Ink.from_lists(_STROKES, 1024, 1024, {"label": SAMPLE_CHAR})
