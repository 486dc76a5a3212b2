"""The cursor's overlay: everything that follows the cursor in one view, in one item."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen

from jacviz.ui.items.static_curve import polyline_path


class Overlay(pg.GraphicsObject):
    """Everything that follows the cursor in one view, drawn by one item in one paint call.

    A cursor move replaces the strokes (polylines with a pen) and markers (dots of a fixed
    size in pixels) and repaints only this item's small bounding rectangle. One item instead
    of one pyqtgraph curve per arrow avoids most of the per-item bookkeeping on every move.
    """

    MARGIN_PX = 10.0
    LABEL_MARGIN_PX = 70.0  # room for a label's text around its anchor

    def __init__(self) -> None:
        super().__init__()
        self._strokes: list[tuple[QPen, QPainterPath]] = []
        self._markers: list[tuple[QPen, QBrush, float, float, float]] = []
        self._labels: list[tuple[QColor, float, float, str]] = []
        self._rect = QRectF()

    def clear(self) -> None:
        self.set_strokes([], [])

    def set_strokes(self, strokes, markers=(), labels=()) -> None:
        """``strokes``: (pen, (n, 2) points, connect) with connect 'finite' or 'pairs';
        ``markers``: (pen, brush, x, y, diameter in pixels); ``labels``: (colour, x, y, text),
        drawn just above and centred on (x, y)."""
        paths = [(pen, *polyline_path(pts, connect)) for pen, pts, connect in strokes]
        self.set_paths(paths, markers, labels)

    def set_paths(self, strokes, markers=(), labels=()) -> None:
        """:meth:`set_strokes` with each stroke's path already built: (pen, path or None, bounds),
        as :func:`~jacviz.ui.items.static_curve.polyline_path` gives them (the codomain view
        shares its paths with the lens)."""
        self._labels = [(QColor(*c), float(x), float(y), t) for c, x, y, t in labels
                        if math.isfinite(x) and math.isfinite(y)]
        self.prepareGeometryChange()
        self._strokes = []
        xs: list[float] = []
        ys: list[float] = []
        for pen, path, rect in strokes:
            if path is not None:
                self._strokes.append((pen, path))
                xs += (rect.left(), rect.right())
                ys += (rect.top(), rect.bottom())
        self._markers = [m for m in markers if math.isfinite(m[2]) and math.isfinite(m[3])]
        for _pen, _brush, x, y, _size in self._markers:
            xs.append(x)
            ys.append(y)
        for _c, x, y, _t in self._labels:
            xs.append(x)
            ys.append(y)
        if not xs:
            self._rect = QRectF()
        else:
            px, py = self._pixel_size()
            margin = self.LABEL_MARGIN_PX if self._labels else self.MARGIN_PX
            mx, my = margin * px, margin * py
            x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
            self._rect = QRectF(x0 - mx, y0 - my, x1 - x0 + 2 * mx, y1 - y0 + 2 * my)
        self.update()

    def _pixel_size(self) -> tuple[float, float]:
        vb = self.getViewBox()
        if vb is None:
            return 0.0, 0.0
        size = vb.viewPixelSize()
        return abs(size[0]), abs(size[1])

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter, *_args) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for pen, path in self._strokes:
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        if self._markers or self._labels:
            transform = painter.transform()
            painter.save()
            painter.resetTransform()
            for pen, brush, x, y, size in self._markers:
                centre = transform.map(QPointF(x, y))
                painter.setPen(pen)
                painter.setBrush(brush)
                painter.drawEllipse(centre, size / 2, size / 2)
            metrics = painter.fontMetrics()
            for colour, x, y, text in self._labels:
                anchor = transform.map(QPointF(x, y))
                width = metrics.horizontalAdvance(text)
                painter.setPen(colour)
                painter.drawText(QPointF(anchor.x() - width / 2, anchor.y() - 4), text)
            painter.restore()
