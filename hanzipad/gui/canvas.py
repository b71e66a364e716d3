"""The drawing canvas: mouse, touchpad and pen-tablet ink with a 米字格 guide grid.

Ink is kept in *ink space*: the canvas's logical (device-independent) coordinates
at the time the first stroke of the character was drawn.  When the window is
resized the ink is scaled (aspect kept, centred) to the new size, and new points
are mapped back into ink space, so one character never mixes two scales.

Finished strokes are painted once into a cached pixmap (at the screen's device
pixel ratio); while a stroke is drawn only the rectangle around its newest
segment is repainted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QTabletEvent,
)
from PySide6.QtWidgets import QWidget

from hanzipad.ink import Ink, Point, Stroke
from hanzipad.raster import pen_width as pressure_factor

INK_COLOR = QColor(28, 28, 36)
PAPER_COLOR = QColor(255, 255, 255)
GRID_COLOR = QColor(214, 92, 76, 70)
HINT_COLOR = QColor(150, 150, 160)
BORDER_COLOR = QColor(214, 214, 222)


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


class Canvas(QWidget):
    #: A stroke was finished (tuple of Points in ink space). The window turns it into
    #: an undo command, which calls :meth:`add_stroke`.
    strokeFinished = Signal(object)
    #: The content changed (stroke added or removed, cleared, image shown).
    contentChanged = Signal()

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
        self.hint = ""
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_TabletTracking, False)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMinimumSize(220, 220)
        self.setAutoFillBackground(False)
        self.setBackgroundRole(QPalette.ColorRole.Base)

    # ----------------------------------------------------------------- content
    @property
    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, width: float) -> None:
        self._pen_width = float(width)
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
        key = (self.width(), self.height(), dpr, self._ink_size, id(self._image), self._pen_width)
        if self._cache is None or self._cache_key != key or self._drawn_count > len(self._strokes):
            pix = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
            pix.setDevicePixelRatio(dpr)
            pix.fill(PAPER_COLOR)
            painter = QPainter(pix)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._paint_grid(painter)
            if self._image is not None:
                self._paint_image(painter)
            painter.end()
            self._cache, self._cache_key, self._drawn_count = pix, key, 0
        if self._drawn_count < len(self._strokes):
            painter = QPainter(self._cache)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            for stroke in self._strokes[self._drawn_count:]:
                self._paint_stroke(painter, stroke)
            painter.end()
            self._drawn_count = len(self._strokes)
        return self._cache

    def _grid_rect(self) -> QRectF:
        side = min(self.width(), self.height()) - 24
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def _paint_grid(self, painter: QPainter) -> None:
        painter.setPen(QPen(BORDER_COLOR, 1))
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

    def _stroke_path(self, pts: list[QPointF]) -> QPainterPath:
        path = QPainterPath(pts[0])
        for i in range(1, len(pts) - 1):
            mid = (pts[i] + pts[i + 1]) / 2
            path.quadTo(pts[i], mid)
        path.lineTo(pts[-1])
        return path

    def _paint_stroke(self, painter: QPainter, stroke) -> None:
        if not stroke:
            return
        pts = [self._to_widget(p) for p in stroke]
        if len(pts) == 1 or all(p == pts[0] for p in pts):
            w = self._scaled_width(stroke[0].pressure)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(INK_COLOR)
            painter.drawEllipse(pts[0], w / 2, w / 2)
            return
        painter.setBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(INK_COLOR, 1, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        pressures = {p.pressure for p in stroke}
        if len(pressures) == 1:
            pen.setWidthF(self._scaled_width(stroke[0].pressure))
            painter.setPen(pen)
            painter.drawPath(self._stroke_path(pts))
            return
        # Pressure varies: short pieces with the width interpolated along each segment.
        widths = [self._scaled_width(p.pressure) for p in stroke]
        for (a, wa), (b, wb) in zip(zip(pts, widths), zip(pts[1:], widths[1:])):
            d = b - a
            n = max(1, min(32, math.ceil(math.hypot(d.x(), d.y()) / 3)))
            for k in range(n):
                pen.setWidthF(wa + (wb - wa) * (k + 0.5) / n)
                painter.setPen(pen)
                painter.drawLine(a + d * (k / n), a + d * ((k + 1) / n))

    def paintEvent(self, event):
        cache = self._ensure_cache()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, cache)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._current:
            self._paint_stroke(painter, self._current)
        elif self.hint and self.is_empty():
            painter.setPen(HINT_COLOR)
            font = painter.font()
            font.setPixelSize(max(12, min(18, self.height() // 24)))
            painter.setFont(font)
            painter.drawText(self._grid_rect().adjusted(0, 0, 0, -14),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, self.hint)
        painter.end()
