"""The trace–determinant diagram: where J sits among the types of equilibria.

A small plot of (trace J, det J) with the parabola det = trace²/4 and the lines det = 0 and
trace = 0 that divide it (:mod:`jacviz.core.lab.dynamics`: :data:`REGIONS`,
:func:`region_polygons`, :func:`parabola`), the regions shaded and named, each
equilibrium as a fixed dot with its glyph, and the cursor's J as a moving dot. Hovering a
region explains it in one sentence, under the plot and as a tooltip.

The cursor's dot is on the cursor's path, so it is one QGraphicsEllipseItem that ignores
the view's transformation (a fixed size in pixels): a move only sets its position. The
box, the shading and the names change only when the equilibria do.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPolygonItem,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from jacviz.core.lab.dynamics import REGIONS, Region, parabola, region_of, region_polygons
from jacviz.ui import style
from jacviz.ui.guard import guarded
from jacviz.ui.tools.vectorfield import glyphs

SHADES = {  # light tints: blue for stable, orange for unstable, darker for nodes than for spirals
    "saddle": (232, 232, 232), "stable node": (196, 222, 240), "stable spiral": (222, 236, 248),
    "unstable node": (248, 214, 192), "unstable spiral": (252, 234, 222),
}
HOVER_PX = 4.0  # the borders (parabola, det = 0, trace = 0) are this many pixels wide to the hover
DOT_PX = 11.0


class TraceDeterminantDiagram(QWidget):
    """(trace J, det J) with the regions named, the equilibria, and the cursor's J."""

    regionHovered = Signal(object)  # the Region under the pointer, or None

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("traceDetDiagram")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(background=style.BACKGROUND)
        self.plot.setObjectName("traceDetPlot")
        self.plot.setAccessibleName("trace–determinant diagram")
        # read with the pointer, not the keyboard: Tab passes it by (the list beside it says
        # the same in words); its viewport is named too, for the accessibility interface
        self.plot.viewport().setAccessibleName("trace–determinant diagram")
        self.plot.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot.viewport().setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot.setFixedHeight(230)
        item = self.plot.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        item.setMouseEnabled(False, False)
        item.disableAutoRange()
        item.setLabel("bottom", "trace J")
        item.setLabel("left", "det J")
        for axis in ("left", "bottom"):
            ax = item.getAxis(axis)
            ax.setPen(pg.mkPen(style.FOREGROUND))
            ax.setTextPen(pg.mkPen(style.FOREGROUND))
        layout.addWidget(self.plot)
        self.explanation = QLabel("Hover over the diagram: each region is a type of equilibrium.")
        self.explanation.setObjectName("traceDetExplanation")
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)

        self._shading: list[QGraphicsPolygonItem] = []
        self._names: list[pg.TextItem] = []
        self.curve = pg.PlotCurveItem(pen=style.pen(style.FOREGROUND, 1.6))
        self.axes = pg.PlotCurveItem(pen=style.pen(style.FOREGROUND, 1.0))
        self.equilibria = pg.ScatterPlotItem()
        self.cursor_dot = QGraphicsEllipseItem(-DOT_PX / 2, -DOT_PX / 2, DOT_PX, DOT_PX)
        self.cursor_dot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self._inside_brush = QBrush(QColor(255, 255, 255))
        self._outside_brush = QBrush(Qt.BrushStyle.NoBrush)
        pen = QPen(QColor(0, 0, 0))
        pen.setWidthF(2.2)
        pen.setCosmetic(True)
        self.cursor_dot.setPen(pen)
        self.cursor_dot.setBrush(self._inside_brush)
        self.cursor_dot.setVisible(False)
        self.cursor_dot.setToolTip("the cursor's J")
        for z, it in ((2, self.curve), (2, self.axes), (5, self.equilibria), (6, self.cursor_dot)):
            it.setZValue(z)
            item.addItem(it, ignoreBounds=True)
        self._inside = True
        self.cursor_point: tuple[float, float] | None = None  # (trace, det) last shown, unclamped
        self.box = (0.0, 0.0, 0.0, 0.0)
        self.set_box(-2.0, 2.0, -1.0, 2.0)
        self.plot.scene().sigMouseMoved.connect(self._on_hover)

    # -- the box
    def fit(self, points) -> None:
        """A box that shows the parabola and every (trace, det) in ``points`` with room to spare."""
        pts = np.asarray([p for p in points if all(math.isfinite(c) for c in p)], dtype=float).reshape(-1, 2)
        t_max, d_top, d_bottom = 1.0, 0.0, 0.0
        if len(pts):
            t_max = max(t_max, 1.25 * float(np.abs(pts[:, 0]).max()),
                        1.25 * 2 * math.sqrt(max(float(pts[:, 1].max()), 0.0)))
            d_top = 1.25 * max(float(pts[:, 1].max()), 0.0)
            d_bottom = 1.25 * min(float(pts[:, 1].min()), 0.0)
        top = max(1.2 * t_max * t_max / 4, d_top)
        bottom = min(-0.45 * top, d_bottom)
        self.set_box(-t_max, t_max, bottom, top)

    def set_box(self, t0: float, t1: float, d0: float, d1: float) -> None:
        box = (float(t0), float(t1), float(d0), float(d1))
        if box == self.box:
            return
        self.box = box
        item = self.plot.getPlotItem()
        for it in self._shading + self._names:
            item.removeItem(it)
        self._shading, self._names = [], []
        for region, poly in region_polygons(box):
            shade = QGraphicsPolygonItem(QPolygonF([QPointF(float(x), float(y)) for x, y in poly]))
            shade.setBrush(QColor(*SHADES[region.key]))
            shade.setPen(QPen(Qt.PenStyle.NoPen))
            shade.setZValue(0)
            item.addItem(shade, ignoreBounds=True)
            self._shading.append(shade)
        para = parabola(t0, t1)
        self.curve.setData(para[:, 0], para[:, 1])
        self.axes.setData([t0, t1, 0.0, 0.0], [0.0, 0.0, 0.0, d1], connect="pairs")
        font = QFont()
        font.setPointSizeF(7.5)
        node = min(0.42 * 0.72 * t1 * t1 / 4, 0.3 * d1)  # under the parabola at trace = ±0.85·t1
        places = (("saddle", 0.55 * t1, 0.5 * d0), ("stable node", -0.8 * t1, node),
                  ("unstable node", 0.8 * t1, node),
                  ("stable spiral", -0.42 * t1, 0.82 * d1), ("unstable spiral", 0.42 * t1, 0.82 * d1))
        for key, x, y in places:
            name = pg.TextItem(REGIONS[key].name.replace(" ", "\n"), color=(70, 70, 70), anchor=(0.5, 0.5))
            name.setFont(font)
            name.setPos(x, y)
            name.setZValue(3)
            item.addItem(name, ignoreBounds=True)
            self._names.append(name)
        item.setXRange(t0, t1, padding=0)
        item.setYRange(d0, d1, padding=0)
        if self.cursor_point is not None:
            self.show_cursor(*self.cursor_point)

    def _clamp(self, trace: float, det: float) -> tuple[float, float, bool]:
        t0, t1, d0, d1 = self.box
        inside = t0 <= trace <= t1 and d0 <= det <= d1
        return min(max(trace, t0), t1), min(max(det, d0), d1), inside

    # -- what is shown
    def show_equilibria(self, items) -> None:
        """Each equilibrium as a fixed dot with its glyph (clamped to the box)."""
        spots = []
        for eq in items:
            lin = eq.linear
            if math.isfinite(lin.trace) and math.isfinite(lin.det):
                x, y, _inside = self._clamp(lin.trace, lin.det)
                spots.append(glyphs.spot(lin.kind, x, y, size=13))
        self.equilibria.setData(spots=spots)

    def show_cursor(self, trace: float, det: float) -> None:
        """The cursor's J as a dot: the cheap path, run on every cursor move (a position, no layout)."""
        if not (math.isfinite(trace) and math.isfinite(det)):
            self.cursor_point = None
            self.cursor_dot.setVisible(False)
            return
        self.cursor_point = (trace, det)
        x, y, inside = self._clamp(trace, det)
        if inside != self._inside:  # outside the box: a hollow dot on its edge
            self._inside = inside
            self.cursor_dot.setBrush(self._inside_brush if inside else self._outside_brush)
        self.cursor_dot.setPos(x, y)
        if not self.cursor_dot.isVisible():
            self.cursor_dot.setVisible(True)

    def cursor_position(self) -> tuple[float, float] | None:
        """Where the cursor's dot is drawn, in (trace, det) (for tests)."""
        if not self.cursor_dot.isVisible():
            return None
        pos = self.cursor_dot.pos()
        return float(pos.x()), float(pos.y())

    # -- hover
    def region_at(self, trace: float, det: float) -> Region | None:
        """The region a pointer at (trace, det) is over, borders a few pixels wide."""
        t0, t1, d0, d1 = self.box
        vb = self.plot.getPlotItem().getViewBox()
        px = (t1 - t0) / max(vb.width(), 1.0)
        py = (d1 - d0) / max(vb.height(), 1.0)
        trace_tol, det_tol = HOVER_PX * px, HOVER_PX * py
        return region_of(trace, det, trace_tol=trace_tol, det_tol=det_tol,
                         disc_tol=2 * abs(trace) * trace_tol + 4 * det_tol)

    def explain(self, trace: float, det: float) -> Region | None:
        """Show the sentence for the region at (trace, det); what hovering there does."""
        region = self.region_at(trace, det)
        text = f"{region.name}: {region.sentence}" if region is not None else ""
        self.explanation.setText(text)
        self.plot.setToolTip(text)
        self.regionHovered.emit(region)
        return region

    @guarded
    def _on_hover(self, scene_pos) -> None:
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return
        p = vb.mapSceneToView(scene_pos)
        self.explain(float(p.x()), float(p.y()))
