"""Small drawing helpers the views and the tools share: arrows, curves, handles, markers."""

from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from jacviz.ui import style

_EMPTY = np.empty((0, 2))


def arrow_segments(origin: np.ndarray, vector: np.ndarray, head: float = 0.22,
                   spread_deg: float = 24.0) -> np.ndarray:
    """Line segments (pairs of points) drawing an arrow from ``origin`` along ``vector``.

    In plain floats: it is called for every arrow on every cursor move, and numpy's
    overhead on two-element arrays was most of its time.
    """
    ox, oy = (float(c) for c in origin)
    vx, vy = (float(c) for c in vector)
    length = math.hypot(vx, vy)
    if not math.isfinite(length) or length == 0 or not (math.isfinite(ox) and math.isfinite(oy)):
        return _EMPTY
    tx, ty = ox + vx, oy + vy
    bx, by = -vx * head, -vy * head  # back along the shaft, head × its length
    c, s = math.cos(math.radians(spread_deg)), math.sin(math.radians(spread_deg))
    return np.array([[ox, oy], [tx, ty],
                     [tx, ty], [tx + c * bx - s * by, ty + s * bx + c * by],
                     [tx, ty], [tx + c * bx + s * by, ty - s * bx + c * by]])


def set_pairs(item: pg.PlotCurveItem, segments: np.ndarray) -> None:
    if segments.size == 0:
        item.setData([], [])
    else:
        item.setData(segments[:, 0], segments[:, 1], connect="pairs")


def set_path(item: pg.PlotCurveItem, points: np.ndarray) -> None:
    if points.size == 0:
        item.setData([], [])
    else:
        item.setData(points[:, 0], points[:, 1], connect="finite")



def marker(x: float, y: float, size: float = 7.0):
    """A dot of ``size`` pixels at (x, y), in an overlay's (pen, brush, x, y, size) form."""
    return (*marker_pen_and_brush(), float(x), float(y), size)


def marker_pen_and_brush():
    """The cursor dot's outline and fill, in the theme's ink and paper (the lens's dot too)."""
    return _marker_pen_and_brush(style.INK, style.PAPER)


@functools.lru_cache(maxsize=4)
def _marker_pen_and_brush(ink, paper):
    # made once per theme: a pen and a brush per cursor move were a tenth of the overlay's time
    return pg.mkPen(ink, width=1.5), pg.mkBrush(paper)



def set_points(item: pg.ScatterPlotItem, x, y) -> None:
    """Give a scatter item its points, and hide it while it has none.

    Qt still paints an empty pyqtgraph scatter item whenever the region under it is repainted
    (its null bounding rectangle does not keep it out), and each such paint cost about 0.13 ms:
    the pins and the preimage markers made two or three of them on every cursor move."""
    item.setData(x, y)
    item.setVisible(len(x) > 0)


def curve(colour, width: float = 2.5, dashed: bool = False) -> pg.PlotCurveItem:
    """An arrow or outline of the laboratory tools."""
    return pg.PlotCurveItem(pen=style.pen(colour, width, style=Qt.PenStyle.DashLine if dashed else None))


def handle(colour) -> pg.TargetItem:
    """A draggable round handle, hidden until a tool shows it."""
    item = pg.TargetItem(pos=(0, 0), size=11, symbol="o", pen=pg.mkPen(colour, width=2),
                         brush=pg.mkBrush(*style.PAPER, 200), movable=True)
    item.setVisible(False)
    return item



def direction(vector) -> np.ndarray:
    """The unit vector along ``vector`` (zero if it has no direction)."""
    v = np.asarray(vector, dtype=float)
    n = float(np.hypot(*v)) if np.isfinite(v).all() else 0.0
    return v / n if n > 0 else np.zeros(2)
