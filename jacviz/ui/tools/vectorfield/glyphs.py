"""How an equilibrium looks in the window: Qt paths and icons for the glyphs of
:mod:`jacviz.core.figure.glyphs`, the same in the domain, the diagram and the list (and, from
the same shapes and colours, in exported figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPainterPathStroker, QPixmap

from jacviz.core.figure import glyphs as shapes

if TYPE_CHECKING:
    from jacviz.core.lab.dynamics import Kind

SIZE = shapes.SIZE  # pixels


def _stroked(path: QPainterPath, width: float) -> QPainterPath:
    """The outline of ``path`` drawn with a pen ``width`` wide, as a path that can be filled."""
    stroker = QPainterPathStroker()
    stroker.setWidth(width)
    stroker.setCapStyle(Qt.PenCapStyle.RoundCap)
    stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return stroker.createStroke(path).simplified()


def _polyline(path: QPainterPath, points) -> None:
    path.moveTo(QPointF(*points[0]))
    for p in points[1:]:
        path.lineTo(QPointF(*p))


def _cross() -> QPainterPath:
    path = QPainterPath()
    for arm in shapes.cross_arms():
        _polyline(path, arm)
    return _stroked(path, shapes.CROSS_WIDTH)


def _spiral() -> QPainterPath:
    path = QPainterPath()
    _polyline(path, shapes.spiral_points())
    return _stroked(path, shapes.SPIRAL_WIDTH)


def _ring() -> QPainterPath:
    circle = QPainterPath()
    circle.addEllipse(QPointF(0, 0), shapes.RING_RADIUS, shapes.RING_RADIUS)
    path = _stroked(circle, shapes.RING_WIDTH)
    path.addEllipse(QPointF(0, 0), shapes.DOT_RADIUS, shapes.DOT_RADIUS)
    return path


@dataclass(frozen=True)
class Glyph:
    symbol: object  # a pyqtgraph symbol name or a QPainterPath in the unit square
    fill: tuple[int, int, int]
    outline: tuple[int, int, int]
    outline_width: float = 1.2


def _glyphs() -> dict[Kind, Glyph]:
    from jacviz.core.lab.dynamics import Kind  # the tool is built at start-up; its numbers when on
    symbols = {"cross": _cross(), "spiral": _spiral(), "ring": _ring(), "disc": "o", "square": "s"}
    out = {}
    for kind in Kind:
        style = shapes.glyph_style(kind)
        out[kind] = Glyph(symbols[style.shape], style.fill, style.outline, style.outline_width)
    return out


_GLYPHS: dict[Kind, Glyph] | None = None


def glyph(kind: Kind) -> Glyph:
    """The glyph of an equilibrium of type ``kind`` (built once a QApplication exists)."""
    global _GLYPHS
    if _GLYPHS is None:
        _GLYPHS = _glyphs()
    return _GLYPHS[kind]


def spot(kind: Kind, x: float, y: float, size: float = SIZE) -> dict:
    """One point for ``ScatterPlotItem.setData(spots=...)``."""
    g = glyph(kind)
    return {"pos": (float(x), float(y)), "symbol": g.symbol, "size": size,
            "brush": pg.mkBrush(*g.fill), "pen": pg.mkPen(*g.outline, width=g.outline_width)}


def icon(kind: Kind, size: int = 18) -> QIcon:
    """The glyph as an icon for the list of equilibria."""
    g = glyph(kind)
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(size / 2, size / 2)
    painter.scale(size * 0.9, size * 0.9)
    if isinstance(g.symbol, QPainterPath):
        path = g.symbol
    else:
        path = QPainterPath()
        if g.symbol == "o":
            path.addEllipse(QPointF(0, 0), 0.4, 0.4)
        else:
            path.addRect(-0.35, -0.35, 0.7, 0.7)
    pen = pg.mkPen(*g.outline, width=g.outline_width / (size * 0.9))
    painter.setPen(pen)
    painter.setBrush(QColor(*g.fill))
    painter.drawPath(path)
    painter.end()
    return QIcon(pixmap)
