"""The cursor's overlay: everything that follows the cursor in one view, in one item."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen


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
        self._labels = [(QColor(*c), float(x), float(y), t) for c, x, y, t in labels
                        if np.isfinite(x) and np.isfinite(y)]
        self.prepareGeometryChange()
        self._strokes = []
        boxes = []
        for pen, pts, connect in strokes:
            pts = np.asarray(pts, dtype=float)
            if pts.size == 0:
                continue
            finite = pts[np.isfinite(pts).all(axis=1)]
            if finite.size == 0:
                continue
            path = pg.functions.arrayToQPath(pts[:, 0], pts[:, 1], connect=connect)
            self._strokes.append((pen, path))
            boxes.append((finite.min(axis=0), finite.max(axis=0)))
        self._markers = [m for m in markers if np.isfinite(m[2]) and np.isfinite(m[3])]
        for m in self._markers:
            boxes.append((np.array([m[2], m[3]]), np.array([m[2], m[3]])))
        for _c, x, y, _t in self._labels:
            boxes.append((np.array([x, y]), np.array([x, y])))
        if not boxes:
            self._rect = QRectF()
        else:
            lo = np.min([b[0] for b in boxes], axis=0)
            hi = np.max([b[1] for b in boxes], axis=0)
            px, py = self._pixel_size()
            margin = self.LABEL_MARGIN_PX if self._labels else self.MARGIN_PX
            mx, my = margin * px, margin * py
            self._rect = QRectF(lo[0] - mx, lo[1] - my, hi[0] - lo[0] + 2 * mx, hi[1] - lo[1] + 2 * my)
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
