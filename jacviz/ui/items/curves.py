"""Small drawing helpers the views and the tools share: arrows, curves, handles, markers."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from jacviz.ui import style

_EMPTY = np.empty((0, 2))


def arrow_segments(origin: np.ndarray, vector: np.ndarray, head: float = 0.22,
                   spread_deg: float = 24.0) -> np.ndarray:
    """Line segments (pairs of points) drawing an arrow from ``origin`` along ``vector``."""
    o = np.asarray(origin, dtype=float)
    v = np.asarray(vector, dtype=float)
    tip = o + v
    length = float(np.hypot(*v))
    if not np.isfinite(length) or length == 0:
        return _EMPTY
    back = -v / length * head * length
    c, s = math.cos(math.radians(spread_deg)), math.sin(math.radians(spread_deg))
    left = np.array([c * back[0] - s * back[1], s * back[0] + c * back[1]])
    right = np.array([c * back[0] + s * back[1], -s * back[0] + c * back[1]])
    return np.array([o, tip, tip, tip + left, tip, tip + right])


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
    return (pg.mkPen(style.INK, width=1.5), pg.mkBrush(style.PAPER), float(x), float(y), size)



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
