"""Several families of polylines, each with its own pen, drawn by one item and cached as one pixmap.

The phase portrait is a dozen families (streamlines, arrows in eight colours by |F|, the
eigenvector directions); as a dozen cached items they were a dozen view-sized pixmaps, more
than Qt's pixmap cache holds with the views' own layers, and a cursor move then re-rendered
whichever had been evicted (17 ms instead of 2). One item per group keeps them to a few.
The paths are built off the GUI thread (:func:`~jacviz.ui.items.static_curve.polyline_path`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen, QPixmapCache

from jacviz.ui.items.static_curve import drop_cache, polyline_path

# Qt keeps item caches in QPixmapCache, 10 MB by default: about eight pixmaps of a view's size.
# The two views' static layers use most of it; the vector field tool adds a few more.
PIXMAP_CACHE_KB = 64 * 1024


def ensure_pixmap_cache() -> None:
    """Make room in Qt's pixmap cache for the tool's cached layers (never shrinks it)."""
    if QPixmapCache.cacheLimit() < PIXMAP_CACHE_KB:
        QPixmapCache.setCacheLimit(PIXMAP_CACHE_KB)


class LayeredPaths(pg.GraphicsObject):
    """Layers of polylines drawn in order, one pen each; set all at once with :meth:`set_paths`."""

    def __init__(self, pens: list[QPen] | Callable[[], list[QPen]], layers: int | None = None) -> None:
        """``pens`` may be a function that makes them, called when they are first needed; then
        ``layers`` says how many there are (the tool is built at start-up, and hidden)."""
        super().__init__()
        self._pen_list = None if callable(pens) else list(pens)
        self._make_pens = pens if callable(pens) else None
        n = len(self._pen_list) if self._pen_list is not None else int(layers)
        self._paths: list[QPainterPath | None] = [None] * n
        self._points: list[np.ndarray] = [np.empty((0, 2))] * n
        self._rect = QRectF()

    @property
    def _pens(self) -> list[QPen]:
        if self._pen_list is None:
            self._pen_list = list(self._make_pens())
        return self._pen_list

    def set_paths(self, layers: list[tuple[QPainterPath | None, QRectF]],
                  points: list[np.ndarray] | None = None) -> None:
        """One (path, bounds) per pen, as :func:`polyline_path` makes them; ``points`` keep what
        they were made from, for :meth:`points`."""
        drop_cache(self)
        self.prepareGeometryChange()
        self._paths = [path for path, _rect in layers]
        self._points = list(points) if points is not None else [np.empty((0, 2))] * len(layers)
        rect = QRectF()
        for path, bounds in layers:
            if path is not None:
                rect = rect.united(bounds) if not rect.isNull() else QRectF(bounds)
        vb = self.getViewBox()
        if not rect.isNull() and vb is not None:
            px, py = (abs(v) for v in vb.viewPixelSize())
            w = max(pen.widthF() for pen in self._pens) + 2
            rect = rect.adjusted(-w * px, -w * py, w * px, w * py)
        self._rect = rect
        self.update()

    def set_points(self, layers: list[tuple[np.ndarray, str]]) -> None:
        """Build the paths here: (points, connect) per pen ('finite' or 'pairs')."""
        self.set_paths([polyline_path(pts, connect) for pts, connect in layers], [pts for pts, _ in layers])

    def clear(self) -> None:
        self.set_paths([(None, QRectF())] * len(self._paths))

    def points(self, layer: int) -> np.ndarray:
        """The points layer ``layer`` was drawn from (NaN breaks or pairs), for tests and readers."""
        return self._points[layer]

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter, *_args) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for pen, path in zip(self._pens, self._paths, strict=True):
            if path is not None:
                painter.setPen(pen)
                painter.drawPath(path)
