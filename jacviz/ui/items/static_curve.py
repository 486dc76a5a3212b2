"""A family of many polylines drawn from one prebuilt QPainterPath, cached as a pixmap."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem

# Up to this many points of 'pairs' are added one segment at a time: the cursor's arrows
# (3 segments each) cost 3 µs that way against 27 µs through numpy and a QDataStream.
_FEW_PAIRS = 16


def polyline_path(points: np.ndarray, connect: str) -> tuple[QPainterPath | None, QRectF]:
    """A QPainterPath for (n, 2) points ('finite': NaN breaks; 'pairs': segments), and its bounds.

    Safe to call off the GUI thread (QPainterPath is a plain value), which is where the
    window builds the paths of a freshly sampled scene. It is also called several times on
    every cursor move (the overlays and the lens), so the common cases take short cuts: a
    polyline with no NaN is copied into a QPolygonF at once, and a few segments are added
    one by one; the bounds are then the path's own.
    """
    pts = np.asarray(points, dtype=float)
    if pts.size == 0:
        return None, QRectF()
    if connect == "pairs" and pts.shape[0] <= _FEW_PAIRS and pts.shape[0] % 2 == 0:
        path = QPainterPath()
        flat = pts.ravel().tolist()
        for k in range(0, len(flat), 4):
            x0, y0, x1, y1 = flat[k:k + 4]
            if math.isfinite(x0) and math.isfinite(y0) and math.isfinite(x1) and math.isfinite(y1):
                path.moveTo(x0, y0)
                path.lineTo(x1, y1)
        return (path, path.boundingRect()) if path.elementCount() else (None, QRectF())
    if connect == "pairs":
        pairs = pts.reshape(-1, 2, 2)
        pts = pairs[np.isfinite(pairs).all(axis=(1, 2))].reshape(-1, 2)  # no NaN reaches Qt
        if pts.size == 0:
            return None, QRectF()
    elif np.isfinite(pts).all():  # one unbroken polyline
        poly = pg.functions.create_qpolygonf(pts.shape[0])
        pg.functions.ndarray_from_qpolygonf(poly)[:] = pts
        path = QPainterPath()
        path.addPolygon(poly)
        return path, path.boundingRect()
    finite = np.isfinite(pts).all(axis=1)
    if not finite.any():
        return None, QRectF()
    lo = pts[finite].min(axis=0)
    hi = pts[finite].max(axis=0)
    path = pg.functions.arrayToQPath(pts[:, 0], pts[:, 1], connect=connect)
    return path, QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])


def drop_cache(item: QGraphicsItem) -> None:
    """Throw away a cached item's pixmap now that its content changes.

    update() alone is not enough: when the content changed while the view was also
    panned, Qt reused the old DeviceCoordinateCache pixmap, shifted, and the grid was
    drawn where the previous scene's lines had been (tests/ui/test_pixels.py caught it).
    """
    mode = item.cacheMode()
    if mode != QGraphicsItem.CacheMode.NoCache:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        item.setCacheMode(mode)


class StaticCurve(pg.GraphicsObject):
    """A family of many polylines (a grid, a critical curve) drawn from one prebuilt path.

    The path is made on the worker thread that sampled it (:func:`scene_paths`), so the
    GUI thread only swaps it in; pyqtgraph's PlotCurveItem would rebuild it and rescan the
    data for NaN and bounds on the GUI thread at every update.
    """

    def __init__(self, pen: QPen, antialias: bool = True) -> None:
        super().__init__()
        self._pen = pen
        self._antialias = antialias
        self._path: QPainterPath | None = None
        self._rect = QRectF()

    def set_path(self, path: QPainterPath | None, rect: QRectF) -> None:
        drop_cache(self)
        self.prepareGeometryChange()
        self._path = path
        vb = self.getViewBox()
        if path is not None and vb is not None:
            px, py = (abs(v) for v in vb.viewPixelSize())
            w = self._pen.widthF() + 2
            rect = rect.adjusted(-w * px, -w * py, w * px, w * py)
        self._rect = rect if path is not None else QRectF()
        self.update()

    def set_points(self, points: np.ndarray, connect: str) -> None:
        self.set_path(*polyline_path(points, connect))

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter, *_args) -> None:
        if self._path is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self._antialias)
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
