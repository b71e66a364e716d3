"""The drawing canvas: mouse, touchpad and pen-tablet ink with a 米字格 guide grid.

The window shows two of them side by side (writing boxes used in turn): a stroke
that starts in the other box commits the character of the box written before
(:attr:`Canvas.strokeStarting`); the box being written in has an accent border.

Ink is kept in *ink space*: the canvas's logical (device-independent) coordinates
at the time the first stroke of the character was drawn.  When the window is
resized the ink is scaled (aspect kept, centred) to the new size, and new points
are mapped back into ink space, so one character never mixes two scales.

Finished strokes are painted once into a cached pixmap (at the screen's device
pixel ratio), rebuilt only when the ink, the size or the pen changes; while a
stroke is drawn only the rectangle around its newest segment is repainted.

What is painted is simplified for display only: points closer than
:data:`MIN_STEP_PX` to the previous one (at the current scale) are merged and a
stroke is drawn through at most :data:`MAX_DISPLAY_POINTS` points, so a
10^6-point stroke costs no more to paint than a hand-drawn one.  Painting costs
what the pen covers, so the ink painted at once is also capped in length
(:data:`LENGTH_BUDGET` box sizes): scribbles far beyond anything written by hand
are thinned evenly (a near-limit random ink took over a minute to paint, now
well under a second).  The strokes kept (and given to the recognizer) are never
changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPointingDevice,
    QTabletEvent,
)
from PySide6.QtWidgets import QWidget

from hanzipad.ink import Ink, Point, Stroke
from hanzipad.raster import pen_width as pressure_factor

#: The 米字格 guide: the accent, translucent (reads on light and dark paper). Paper, ink,
#: border and hint colours are palette roles: Base, Text, Mid, PlaceholderText.
GRID_COLOR = QColor(214, 92, 76, 70)
#: Border of the box being written in (the one whose candidates are shown).
ACTIVE_BORDER = QColor(200, 64, 48)

#: Display-only simplification: a point closer than this (widget pixels) to the one before
#: it is not drawn separately, and a stroke is drawn through at most this many points.
MIN_STEP_PX = 0.75
MAX_DISPLAY_POINTS = 2000
#: Most ink painted at once, in lengths of the box's width + height: a handwritten character
#: is about 10, a page of scribbles thousands. Beyond it each stroke keeps an even share.
LENGTH_BUDGET = 200
#: Most short pieces a stroke whose pressure varies is drawn with.
MAX_PRESSURE_PIECES = 4000
#: Radius of a pen's eraser end, in widget pixels (plus the ink's own half width).
ERASER_RADIUS_PX = 8.0

_get_x, _get_y, _get_pressure = attrgetter("x"), attrgetter("y"), attrgetter("pressure")


@dataclass(frozen=True)
class ShownImage:
    """An opened picture shown in place of ink: its pixels and its normalized 64x64 form."""

    image: QImage
    array: np.ndarray
    path: str


@dataclass(frozen=True)
class Content:
    """Everything the canvas shows; what undo commands save and restore."""

    strokes: tuple[Stroke, ...] = ()
    ink_size: tuple[float, float] | None = None
    image: ShownImage | None = None

    def is_empty(self) -> bool:
        return not self.strokes and self.image is None


def _length(w: np.ndarray) -> float:
    """Length of a polyline (widget pixels)."""
    return float(np.hypot(*np.diff(w, axis=0).T).sum()) if len(w) > 1 else 0.0


def _thin(w: np.ndarray, pr: np.ndarray | None, keep: float):
    """Every point of a display polyline when ``keep`` is 1; else an even ``keep`` share of
    them (first and last kept)."""
    if keep >= 1.0 or len(w) <= 2:
        return w, pr
    n = max(2, int(len(w) * keep))
    idx = np.unique(np.linspace(0, len(w) - 1, n).round().astype(int))
    return w[idx], None if pr is None else pr[idx]


class Canvas(QWidget):
    #: A stroke was finished (tuple of Points in ink space). The window turns it into
    #: an undo command, which calls :meth:`add_stroke`.
    strokeFinished = Signal(object)
    #: The content changed (stroke added or removed, cleared, image shown).
    contentChanged = Signal()
    #: A pen's eraser end touched these strokes (sorted tuple of indices into
    #: :meth:`strokes`) in one gesture. The window turns it into an undo command that
    #: removes them; until then they are only hidden while the eraser is down.
    strokesErased = Signal(object)
    #: A pen or the mouse touched down to start a stroke (emitted before the stroke
    #: begins, so the window can commit the other box's character first).
    strokeStarting = Signal()

    def __init__(self, parent: QWidget | None = None, pen_width: float = 8.0):
        super().__init__(parent)
        self._strokes: list[Stroke] = []
        self._ink_size: tuple[float, float] | None = None
        self._image: ShownImage | None = None
        self._current: list[Point] = []
        self._current_path: QPainterPath | None = None
        self._timer = QElapsedTimer()
        self._pen_width = float(pen_width)
        self._cache: QPixmap | None = None
        self._cache_key = None
        self._drawn_count = 0  # strokes already painted into the cache
        self._arrays: dict[int, tuple] = {}  # id(stroke) -> (stroke, xy, pressures)
        self._erasing: set[int] | None = None  # strokes an eraser gesture touched so far
        self._eraser_pos: QPointF | None = None
        #: Work done by the painting since the cache was last rebuilt (for tests): points
        #: handed to QPainter, path elements / line pieces drawn, full cache rebuilds.
        self.drawn_points = 0
        self.drawn_pieces = 0
        self.drawn_length = 0.0  # widget pixels of ink handed to QPainter since the last rebuild
        self.cache_builds = 0
        self.hint = ""
        self._active = False
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(110, 110)
        self.setAutoFillBackground(False)
        self.setBackgroundRole(QPalette.ColorRole.Base)

    # ----------------------------------------------------------------- content
    @property
    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        self._pen_width = float(width)
        self._invalidate()

    def is_active(self) -> bool:
        return self._active

    def set_active(self, on: bool) -> None:
        """Mark this box as the one being written in (accent border)."""
        if self._active != on:
            self._active = on
            self._invalidate()

    def strokes(self) -> list[Stroke]:
        return list(self._strokes)

    def image(self) -> ShownImage | None:
        return self._image

    def is_empty(self) -> bool:
        return not self._strokes and self._image is None

    def content(self) -> Content:
        return Content(tuple(self._strokes), self._ink_size, self._image)

    def set_content(self, content: Content) -> None:
        self._cancel_stroke()
        self._cancel_erase()
        self._strokes = list(content.strokes)
        self._ink_size = content.ink_size
        self._image = content.image
        self._invalidate()
        self.contentChanged.emit()

    def clear(self) -> None:
        self.set_content(Content())

    def add_stroke(self, stroke: Stroke) -> None:
        """Append a finished stroke (removes a shown image: the user is writing now)."""
        if self._image is not None:
            self._image = None
            self._invalidate()
        if self._ink_size is None:
            self._ink_size = (float(max(1, self.width())), float(max(1, self.height())))
        self._strokes.append(tuple(stroke))
        self.update()
        self.contentChanged.emit()

    def pop_stroke(self) -> Stroke | None:
        if not self._strokes:
            return None
        self._cancel_erase()
        stroke = self._strokes.pop()
        if not self._strokes and self._image is None:
            self._ink_size = None
        self._invalidate()
        self.contentChanged.emit()
        return stroke

    def ink(self) -> Ink:
        """The character drawn so far, width/height = the ink space (canvas size)."""
        w, h = self._ink_size or (float(self.width()), float(self.height()))
        return Ink(list(self._strokes), w, h)

    # --------------------------------------------------------------- geometry
    def _space(self) -> tuple[float, float]:
        return self._ink_size or (float(max(1, self.width())), float(max(1, self.height())))

    def _transform(self) -> tuple[float, float, float]:
        """``(scale, dx, dy)`` from ink space to widget coordinates."""
        iw, ih = self._space()
        s = min(self.width() / iw, self.height() / ih) if iw > 0 and ih > 0 else 1.0
        return s, (self.width() - iw * s) / 2, (self.height() - ih * s) / 2

    def _to_ink(self, pos: QPointF) -> tuple[float, float]:
        s, dx, dy = self._transform()
        return (pos.x() - dx) / s, (pos.y() - dy) / s

    def _to_widget(self, p: Point) -> QPointF:
        s, dx, dy = self._transform()
        return QPointF(p.x * s + dx, p.y * s + dy)

    # ------------------------------------------------------------------ input
    def _begin(self, pos: QPointF, pressure: float | None) -> None:
        self.strokeStarting.emit()
        if self._ink_size is None or (not self._strokes and self._image is None):
            self._ink_size = (float(max(1, self.width())), float(max(1, self.height())))
        if not self._strokes or not self._timer.isValid():
            self._timer.start()
        if self.hint and self.is_empty():
            self.update()  # the hint text goes away
        self._current = []
        self._extend(pos, pressure)

    def _extend(self, pos: QPointF, pressure: float | None) -> None:
        x, y = self._to_ink(pos)
        p = Point(round(x, 2), round(y, 2), float(self._timer.elapsed()),
                  None if pressure is None else round(float(pressure), 3))
        if self._current and (p.x, p.y) == (self._current[-1].x, self._current[-1].y):
            return
        self._current.append(p)
        self._update_around(self._current[-3:])

    def _end(self) -> None:
        stroke = tuple(self._current)
        self._current = []
        if stroke:
            self._update_around(stroke[-3:])
            self.strokeFinished.emit(stroke)

    def _cancel_stroke(self) -> None:
        if self._current:
            self._current = []
            self.update()

    def is_drawing(self) -> bool:
        return bool(self._current)

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), None)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._current and event.buttons() & Qt.MouseButton.LeftButton:
            self._extend(event.position(), None)
            event.accept()

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self._current:
            self._extend(event.position(), None)
            self._end()
            event.accept()

    def tabletEvent(self, event: QTabletEvent):
        kind = event.type()
        if event.pointerType() == QPointingDevice.PointerType.Eraser:
            if kind == QTabletEvent.Type.TabletPress:
                self._erase_begin(event.position())
            elif kind == QTabletEvent.Type.TabletMove and self._erasing is not None:
                self._erase_to(event.position())
            elif kind == QTabletEvent.Type.TabletRelease and self._erasing is not None:
                self._erase_to(event.position())
                self._erase_end()
            event.accept()  # the eraser never draws, nor makes mouse events
            return
        pressure = max(0.0, min(1.0, event.pressure()))
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletMove:
            if self._current:
                self._extend(event.position(), pressure)
        elif kind == QTabletEvent.Type.TabletRelease:
            if self._current:
                self._end()
        event.accept()  # no synthesized mouse events

    # ----------------------------------------------------------------- eraser
    def is_erasing(self) -> bool:
        return self._erasing is not None

    def _erase_begin(self, pos: QPointF) -> None:
        self._cancel_stroke()
        self._erasing = set()
        self._eraser_pos = None
        self._erase_to(pos)

    def _erase_to(self, pos: QPointF) -> None:
        """The eraser moved (from its last position) to ``pos``: hide the strokes it touched."""
        start = self._eraser_pos if self._eraser_pos is not None else pos
        self._eraser_pos = QPointF(pos)
        hit = self._strokes_touched(start, pos) - self._erasing
        if hit:
            self._erasing |= hit
            self._cache_key = None  # repaint the ink without them
        self.update()

    def _erase_end(self) -> None:
        touched = tuple(sorted(i for i in self._erasing if i < len(self._strokes)))
        self._erasing, self._eraser_pos = None, None
        self._invalidate()
        if touched:
            self.strokesErased.emit(touched)

    def _cancel_erase(self) -> None:
        if self._erasing is not None:
            self._erasing, self._eraser_pos = None, None
            self._invalidate()

    def _strokes_touched(self, a: QPointF, b: QPointF) -> set[int]:
        """Indices of the strokes within the eraser's reach of the widget segment ``a``-``b``."""
        if not self._strokes:
            return set()
        s, _, _ = self._transform()
        # reach in ink units: the eraser's radius plus the ink's widest half width
        reach = ERASER_RADIUS_PX / s + self._pen_width * pressure_factor(1.0) / 2
        pa, pb = np.array(self._to_ink(a)), np.array(self._to_ink(b))
        steps = max(1, math.ceil(float(np.hypot(*(pb - pa))) / (reach / 2)))
        samples = pa + (pb - pa) * (np.arange(steps + 1)[:, None] / steps)
        lo, hi = samples.min(axis=0) - reach, samples.max(axis=0) + reach
        touched = set()
        for i, stroke in enumerate(self._strokes):
            if i in self._erasing or not len(stroke):
                continue
            xy, _ = self._stroke_arrays(stroke)
            start, delta = (xy, np.zeros_like(xy)) if len(xy) == 1 else (xy[:-1], np.diff(xy, axis=0))
            end = start + delta
            # only the segments whose bounding box meets the eraser's
            near = np.all((np.minimum(start, end) <= hi) & (np.maximum(start, end) >= lo), axis=1)
            if not near.any():
                continue
            start, delta = start[near], delta[near]
            length2 = np.einsum("ij,ij->i", delta, delta)
            safe = np.where(length2 > 0, length2, 1.0)
            for p in samples:
                t = np.clip(np.einsum("ij,ij->i", p - start, delta) / safe, 0.0, 1.0)
                gap = p - (start + delta * t[:, None])
                if bool((np.einsum("ij,ij->i", gap, gap) <= reach * reach).any()):
                    touched.add(i)
                    break
        return touched

    # --------------------------------------------------------------- painting
    def _scaled_width(self, pressure: float | None) -> float:
        s, _, _ = self._transform()
        return max(1.0, self._pen_width * s * pressure_factor(pressure))

    def _update_around(self, points) -> None:
        if not points:
            return
        pts = [self._to_widget(p) for p in points]
        xs, ys = [p.x() for p in pts], [p.y() for p in pts]
        m = self._scaled_width(1.0) / 2 + 3
        rect = QRectF(min(xs) - m, min(ys) - m, max(xs) - min(xs) + 2 * m, max(ys) - min(ys) + 2 * m)
        self.update(rect.toAlignedRect())

    def _invalidate(self) -> None:
        self._cache_key = None
        self.update()

    def resizeEvent(self, event):
        self._cache_key = None
        super().resizeEvent(event)

    def _ensure_cache(self) -> QPixmap:
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr, self._ink_size, id(self._image), self._pen_width,
               self.palette().cacheKey(), self._active)
        if self._cache is None or self._cache_key != key or self._drawn_count > len(self._strokes):
            pix = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
            pix.setDevicePixelRatio(dpr)
            pix.fill(self.palette().color(QPalette.ColorRole.Base))
            painter = QPainter(pix)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_grid(painter)
            if self._image is not None:
                self._paint_image(painter)
            painter.end()
            self._cache, self._cache_key, self._drawn_count = pix, key, 0
            self.cache_builds += 1
            self.drawn_points = self.drawn_pieces = 0
            self.drawn_length = 0.0
            alive = {id(s) for s in self._strokes}
            self._arrays = {k: v for k, v in self._arrays.items() if k in alive}
        if self._drawn_count < len(self._strokes):
            painter = QPainter(self._cache)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            hidden = self._erasing or ()
            todo = [self._strokes[i] for i in range(self._drawn_count, len(self._strokes))
                    if i not in hidden]
            shown = [self._display_points(s) for s in todo]
            total = sum(_length(w) for w, _ in shown)
            budget = LENGTH_BUDGET * (self.width() + self.height())
            keep = 1.0 if total <= budget else budget / total
            for (w, pr) in shown:
                self._paint_points(painter, *_thin(w, pr, keep))
            painter.end()
            self._drawn_count = len(self._strokes)
        return self._cache

    def _grid_rect(self) -> QRectF:
        side = min(self.width(), self.height()) - 24
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _ink_color(self) -> QColor:
        return self.palette().color(QPalette.ColorRole.Text)

    def changeEvent(self, event):
        if event.type() == QEvent.Type.PaletteChange:
            self._invalidate()  # paper and ink follow the palette
        super().changeEvent(event)

    def _paint_grid(self, painter: QPainter) -> None:
        if self._active:
            painter.setPen(QPen(ACTIVE_BORDER, 2))
            painter.drawRect(QRectF(self.rect()).adjusted(1, 1, -1, -1))
        else:
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1))
            painter.drawRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5))
        r = self._grid_rect()
        if r.width() <= 0:
            return
        pen = QPen(GRID_COLOR, 1.2)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(r, 6, 6)
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setWidthF(1.0)
        painter.setPen(pen)
        c = r.center()
        painter.drawLine(QPointF(r.left(), c.y()), QPointF(r.right(), c.y()))
        painter.drawLine(QPointF(c.x(), r.top()), QPointF(c.x(), r.bottom()))
        painter.drawLine(r.topLeft(), r.bottomRight())
        painter.drawLine(r.topRight(), r.bottomLeft())

    def _paint_image(self, painter: QPainter) -> None:
        img = self._image.image
        if img.isNull():
            return
        area = self._grid_rect().adjusted(8, 8, -8, -8)
        s = min(area.width() / img.width(), area.height() / img.height())
        w, h = img.width() * s, img.height() * s
        target = QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, img)

    def _stroke_arrays(self, stroke) -> tuple[np.ndarray, np.ndarray | None]:
        """``(xy, pressures)`` of a stroke as arrays (ink space); pressures None when the
        stroke has none. Finished strokes (tuples, never changed) are converted once."""
        key = id(stroke)
        hit = self._arrays.get(key)
        if hit is not None and hit[0] is stroke:
            return hit[1], hit[2]
        n = len(stroke)
        xy = np.empty((n, 2))
        xy[:, 0] = np.fromiter(map(_get_x, stroke), float, count=n)
        xy[:, 1] = np.fromiter(map(_get_y, stroke), float, count=n)
        pressures = list(map(_get_pressure, stroke))
        pr = None if pressures.count(None) == n else np.array(pressures, dtype=float)  # None->nan
        if isinstance(stroke, tuple):
            self._arrays[key] = (stroke, xy, pr)
        return xy, pr

    def _display_points(self, stroke) -> tuple[np.ndarray, np.ndarray | None]:
        """The stroke in widget coordinates, simplified for drawing (see the module doc)."""
        xy, pr = self._stroke_arrays(stroke)
        s, dx, dy = self._transform()
        w = xy * s + (dx, dy)
        n = len(w)
        if n > 2:
            cell = np.floor(w / MIN_STEP_PX)
            keep = np.ones(n, dtype=bool)
            keep[1:-1] = np.any(cell[1:-1] != cell[:-2], axis=1)
            if not keep.all():
                w = w[keep]
                pr = None if pr is None else pr[keep]
        if len(w) > MAX_DISPLAY_POINTS:
            idx = np.unique(np.linspace(0, len(w) - 1, MAX_DISPLAY_POINTS).round().astype(int))
            w = w[idx]
            pr = None if pr is None else pr[idx]
        return w, pr

    def _stroke_path(self, pts: list[QPointF]) -> QPainterPath:
        path = QPainterPath(pts[0])
        for i in range(1, len(pts) - 1):
            mid = (pts[i] + pts[i + 1]) / 2
            path.quadTo(pts[i], mid)
        path.lineTo(pts[-1])
        return path

    def _paint_stroke(self, painter: QPainter, stroke) -> None:
        if not len(stroke):
            return
        w, pr = self._display_points(stroke)
        budget = LENGTH_BUDGET * (self.width() + self.height())
        length = _length(w)
        self._paint_points(painter, *_thin(w, pr, 1.0 if length <= budget else budget / length))

    def _paint_points(self, painter: QPainter, w: np.ndarray, pr: np.ndarray | None) -> None:
        if not len(w):
            return
        self.drawn_points += len(w)
        self.drawn_length += _length(w)

        def pressure(i):
            return None if pr is None or math.isnan(pr[i]) else float(pr[i])

        if len(w) == 1 or bool(np.all(w == w[0])):
            width = self._scaled_width(pressure(0))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._ink_color())
            painter.drawEllipse(QPointF(*w[0]), width / 2, width / 2)
            self.drawn_pieces += 1
            return
        pts = [QPointF(x, y) for x, y in w.tolist()]
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(self._ink_color(), 1, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        if pr is None or bool(np.all(pr == pr[0])):
            pen.setWidthF(self._scaled_width(pressure(0)))
            painter.setPen(pen)
            painter.drawPath(self._stroke_path(pts))
            self.drawn_pieces += len(pts) - 1
            return
        # Pressure varies: short pieces with the width interpolated along each segment.
        widths = [self._scaled_width(pressure(i)) for i in range(len(pts))]
        lengths = np.hypot(*np.diff(w, axis=0).T)
        pieces = np.clip(np.ceil(lengths / 3), 1, 32).astype(int)
        if pieces.sum() > MAX_PRESSURE_PIECES:
            pieces = np.maximum(1, pieces * MAX_PRESSURE_PIECES // int(pieces.sum()))
        for i, n in enumerate(pieces.tolist()):
            a, b, wa, wb = pts[i], pts[i + 1], widths[i], widths[i + 1]
            d = b - a
            for k in range(n):
                pen.setWidthF(wa + (wb - wa) * (k + 0.5) / n)
                painter.setPen(pen)
                painter.drawLine(a + d * (k / n), a + d * ((k + 1) / n))
            self.drawn_pieces += n

    def paintEvent(self, event):
        cache = self._ensure_cache()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, cache)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._current:
            self._paint_stroke(painter, self._current)
        elif self._eraser_pos is not None:
            painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 1.2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(self._eraser_pos, ERASER_RADIUS_PX, ERASER_RADIUS_PX)
        elif self.hint and self.is_empty():
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            font = painter.font()
            font.setPixelSize(max(12, min(18, self.height() // 24)))
            painter.setFont(font)
            rect = self._grid_rect().adjusted(0, 0, 0, -14)
            hint = self.hint  # a small box (compact pad) shows what fits, wrapped
            painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom
                             | Qt.TextFlag.TextWordWrap, hint)
        painter.end()
