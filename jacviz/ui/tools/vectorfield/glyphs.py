"""How an equilibrium looks: one glyph per type, the same in the domain, the diagram and the list.

Filled means stable, open means unstable, as in the phase portraits of textbooks; the shape
says the type: a cross for a saddle, a disc for a node, a spiral for a spiral, a ring with
a dot for a centre, a square for a degenerate equilibrium. The colours are Okabe & Ito's
(2008), distinct under the common colour-vision deficiencies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPainterPathStroker, QPixmap

from jacviz.core.figure.theme import CENTRE, DEGENERATE, OUTLINE, SADDLE, STABLE, UNSTABLE, WHITE

if TYPE_CHECKING:
    from jacviz.core.lab.dynamics import Kind

SIZE = 17  # pixels


def _stroked(path: QPainterPath, width: float) -> QPainterPath:
    """The outline of ``path`` drawn with a pen ``width`` wide, as a path that can be filled."""
    stroker = QPainterPathStroker()
    stroker.setWidth(width)
    stroker.setCapStyle(Qt.PenCapStyle.RoundCap)
    stroker.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return stroker.createStroke(path).simplified()


def _cross() -> QPainterPath:
    path = QPainterPath()
    path.moveTo(-0.36, -0.36)
    path.lineTo(0.36, 0.36)
    path.moveTo(-0.36, 0.36)
    path.lineTo(0.36, -0.36)
    return _stroked(path, 0.2)


def _spiral() -> QPainterPath:
    path = QPainterPath()
    turns = 1.75
    for i, t in enumerate(np.linspace(0.0, 1.0, 60)):
        r = 0.06 + 0.36 * t
        a = 2 * math.pi * turns * t
        point = QPointF(r * math.cos(a), -r * math.sin(a))
        if i == 0:
            path.moveTo(point)
        else:
            path.lineTo(point)
    return _stroked(path, 0.15)


def _ring() -> QPainterPath:
    circle = QPainterPath()
    circle.addEllipse(QPointF(0, 0), 0.36, 0.36)
    path = _stroked(circle, 0.13)
    path.addEllipse(QPointF(0, 0), 0.1, 0.1)
    return path


@dataclass(frozen=True)
class Glyph:
    symbol: object  # a pyqtgraph symbol name or a QPainterPath in the unit square
    fill: tuple[int, int, int]
    outline: tuple[int, int, int]
    outline_width: float = 1.2


def _glyphs() -> dict[Kind, Glyph]:
    from jacviz.core.lab.dynamics import Kind  # the tool is built at start-up; its numbers when on
    cross, spiral, ring = _cross(), _spiral(), _ring()
    return {
        Kind.SADDLE: Glyph(cross, SADDLE, WHITE, 0.8),
        Kind.STABLE_NODE: Glyph("o", STABLE, OUTLINE),
        Kind.UNSTABLE_NODE: Glyph("o", WHITE, UNSTABLE, 2.5),
        Kind.STABLE_SPIRAL: Glyph(spiral, STABLE, WHITE, 0.6),
        Kind.UNSTABLE_SPIRAL: Glyph(spiral, UNSTABLE, WHITE, 0.6),
        Kind.CENTRE: Glyph(ring, CENTRE, WHITE, 0.6),
        Kind.DEGENERATE: Glyph("s", DEGENERATE, OUTLINE),
    }


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
