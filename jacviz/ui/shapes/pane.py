"""The pane that shows a mapping of any shape other than the plane's: fields, curves, surfaces, space.

It takes the place of the two linked views when the mapping bar's text is a scalar field, a
curve, a surface or a map of space (:func:`show_shape`, called by the main window), and goes
away again for a map of the plane (:meth:`ShapesPane.leave`). What it draws, per shape:

* **scalar field** f(x, y): left, the heatmap of f with its contour lines (labelled with
  their values), a sparse field of gradient arrows, and at the cursor ∇f(p) with the level
  line through p (perpendicular to it); right, the graph z = f(x, y) in 3D with the tangent
  plane f(p) + J(p)·d at p;
* **curve** F(t): left, the speed |F'(t)| over t; right, the curve (in the plane, a 2D plot;
  in space, the 3D view), coloured by speed, with the tangent vector J(t) at the cursor's t;
* **surface** F(u, v): left, the heatmap of the area element √det(JᵀJ) with the grid; right,
  the surface with the image of the grid and, at F(p), the tangent parallelogram spanned by
  h·J's columns next to the true image of the h-circle;
* **map of space** F(x, y, z): left, det J on the slice at the third variable's value (a
  slider) with the critical surface's trace det J = 0; right, the image of the slice's grid
  and, at F(p), the image of a small sphere next to the ellipsoid J(p) predicts.

The readout below shows J (m×n) and the numbers of the shape (:func:`readout_text`). The
numbers come from :mod:`jacviz.core.lab.shapes`; the model's parameters drive the pane like
the planar views. The 3D view exists only where OpenGL does (:mod:`jacviz.ui.shapes.gl`).

Below the readout, what the lab tools do for these shapes (the tools themselves are planar):

* a scalar field's **descent path**: Shift- or Ctrl-click the heatmap and gradient descent
  p ← p − η∇f runs from there (:mod:`jacviz.core.lab.descent`, η in a spin box), drawn as
  dots on a polyline in the heatmap and on the graph; a plain click or a new mapping clears it;
* a scalar field's **directional derivative** ∇f·v = J(p)·v along the vectors tool's v (the
  model's ``vectors.v``), which a "direction v" field here sets too;
* a surface's **area** ∬_R √det(JᵀJ) dA over the visible domain (or a typed rectangle), next
  to the area of the mapped mesh (:func:`jacviz.core.lab.shapes.surface_area`, computed in
  the background: the cubature can take half a second).
"""

from __future__ import annotations

import math
import re

import contourpy
import numpy as np
import pyqtgraph as pg
from contourpy import LineType
from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from jacviz.core.errors import JacvizError, UsageError
from jacviz.core.figure.build import number
from jacviz.core.lab import descent
from jacviz.core.lab import shapes as core
from jacviz.core.persistence.presets import ranges_for
from jacviz.core.sampling.fields import cell_centres
from jacviz.core.sampling.framing import shape_domain
from jacviz.core.sampling.geometry import check_rect
from jacviz.ui import style
from jacviz.ui.background import LatestWorker
from jacviz.ui.guard import guarded
from jacviz.ui.items.overlay import Overlay
from jacviz.ui.items.static_curve import drop_cache
from jacviz.ui.panels.readout import PaintedText, mono_label
from jacviz.ui.shapes.gl import Scene3D, gl_available, message_label
from jacviz.ui.views.base import consume_hover

SAMPLES = 192  # heatmap samples per side
# how the cursor's marks are drawn: the level line as polylines broken at NaN, the arrow as segments
MARK_CONNECT = {"level": "finite", "gradient": "pairs"}
LEVEL_HALF_CELLS = 24  # the level line through p is drawn within this many cells of p (1/8 of the view)
DRAG_SAMPLES = 64  # while the slice slider is dragged: a coarse slice at display rate, refined on release
RESAMPLE_AFTER_MS = 150  # a pan or zoom resamples once the view has rested this long
GRID_LINES = 13  # grid lines per family on a surface or a slice
MESH = 48  # vertices per side of a 3D mesh
SLIDER_STEPS = 200
READOUT_CHARS = 46  # the readout's width in characters: what a QLabel chose for these lines
DESCENT_STEPS = 200  # the descent path's step budget
PATH_COLOR = (220, 20, 60)  # crimson: clear on viridis' purple and on its yellow


def _vec(values) -> str:
    return "(" + ", ".join(number(v) for v in values) + ")"


def _matrix(jac: np.ndarray) -> list[str]:
    cells = [[number(e) for e in row] for row in jac]
    width = max(len(c) for row in cells for c in row)
    return ["[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells]


def readout_text(info: core.ShapeInfo, variables: tuple[str, ...], direction=None) -> str:
    """The readout's lines for one point: p, F(p), J with its shape, and the shape's numbers.

    For a scalar field ``direction`` is the vectors tool's v (or None): the readout gives the
    directional derivative J(p)·v = ∇f·v, and ∇f·v/|v| along its unit vector.
    """
    m, n = info.shape
    lines = [f"p = ({', '.join(variables)}) = {_vec(info.point)}",
             f"F(p) = {_vec(info.value)}" if m > 1 else f"f(p) = {number(info.value[0])}",
             f"J(p), {m}×{n}:", *("  " + row for row in _matrix(info.jacobian))]
    if info.gradient is not None:
        lines.append(f"∇f = Jᵀ = {_vec(info.gradient)}")
        lines.append(f"|∇f| = {number(info.slope)}")
        ascent = _vec(info.ascent) if info.ascent is not None else "none (∇f = 0)"
        lines.append(f"steepest ascent: {ascent}")
        if direction is not None:
            v = np.asarray(direction, dtype=float)
            with np.errstate(all="ignore"):
                dv = float(np.dot(info.gradient, v))
                size = float(np.hypot(*v))
            lines.append(f"∇f·v = J(p)·v = {number(dv)} for v = {_vec(v)}")
            if size > 0:
                lines.append(f"  per unit length along v: {number(dv / size)}")
        else:
            lines.append("∇f·v: type a direction v below (or set v with the vectors tool)")
    if info.speed is not None:
        lines.append(f"speed |J| = {number(info.speed)}")
    if info.area_element is not None:
        lines.append(f"normal J₁ × J₂ = {_vec(info.normal)}")
        lines.append(f"area element √det(JᵀJ) = {number(info.area_element)}")
    if info.det is not None:
        lines.append(f"det J = {number(info.det)}")
    lines.append("singular values: " + ", ".join(number(s) for s in info.singular_values))
    lines.extend(info.notes)
    return "\n".join(lines)


def parse_direction(text: str) -> tuple[float, float] | None:
    """"3, 4" (or "(3, 4)", "3 4") as v = (3.0, 4.0); empty text is None; raises UsageError.

    Plain numbers only: the text is data, never evaluated.
    """
    parts = [p for p in re.split(r"[\s,;]+", text.strip().strip("()[]").strip()) if p]
    if not parts:
        return None
    try:
        values = tuple(float(p.replace("−", "-")) for p in parts)
    except ValueError:
        raise UsageError(f"the direction v needs two numbers such as 3, 4 (got '{text.strip()}')") from None
    if len(values) != 2 or not all(math.isfinite(c) for c in values):
        raise UsageError(f"the direction v needs two finite numbers such as 3, 4 (got '{text.strip()}')")
    return values  # type: ignore[return-value]


_PI_TERM = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)?)\s*\*?\s*(?:pi|π)\s*(?:/\s*(\d+\.?\d*))?$")


def _rect_number(text: str) -> float:
    """A number, or a multiple of π written as π, 2pi, pi/2, -3π/4 (never evaluated)."""
    t = text.strip().replace("−", "-")
    match = _PI_TERM.match(t)
    if match:
        k = match.group(1)
        factor = -1.0 if k == "-" else 1.0 if k in ("", "+") else float(k)
        return factor * math.pi / (float(match.group(2)) if match.group(2) else 1.0)
    return float(t)


def parse_rect(text: str) -> tuple[float, float, float, float]:
    """"u0, u1, v0, v1" (numbers or multiples of π) as a checked rectangle; raises UsageError."""
    parts = [p for p in text.split(",") if p.strip()]
    try:
        values = tuple(_rect_number(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise UsageError(f"the region needs four numbers u0, u1, v0, v1 such as 0, 2π, 0, π "
                         f"(got '{text.strip()}')")
    return check_rect(values, "the region")  # type: ignore[return-value]


def _region_text(rect) -> str:
    x0, x1, y0, y1 = rect
    return f"[{number(x0)}, {number(x1)}] × [{number(y0)}, {number(y1)}]"


def surface_area_text(report: core.SurfaceReport) -> str:
    """The surface area's lines: the integral with its error, the mapped mesh's area, the region."""
    lines = [f"∬ √det(JᵀJ) dA = {report.surface_area:.10g} ± {report.error_estimate:.2g}"
             + ("" if report.converged else " (not converged: the estimate is rough)"),
             f"mapped mesh ({report.mesh_cells}² cells): {report.mesh_area:.10g}",
             f"over {_region_text(report.rect)}, of area {number(report.domain_area)}"]
    return "\n".join(lines)


def _arrow_segments(bases: np.ndarray, vectors: np.ndarray, head: float = 0.3) -> np.ndarray:
    """Each arrow as three segments (shaft and two barbs), pairs of rows for connect='pairs'."""
    tips = bases + vectors
    ang = np.arctan2(vectors[:, 1], vectors[:, 0])
    size = head * np.hypot(vectors[:, 0], vectors[:, 1])
    out = [bases, tips]
    for turn in (2.6, -2.6):
        barb = tips + size[:, None] * np.stack([np.cos(ang + turn), np.sin(ang + turn)], -1)
        out += [tips, barb]
    pairs = np.stack(out, axis=1).reshape(-1, 2, 2)
    return pairs[np.isfinite(pairs).all(axis=(1, 2))].reshape(-1, 2)


def _speed_colors(speed: np.ndarray) -> np.ndarray:
    """RGBA in [0, 1] for each speed, from the viridis map over the speeds' range."""
    finite = speed[np.isfinite(speed)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    t = np.clip((speed - lo) / (hi - lo), 0, 1) if hi > lo else np.full_like(speed, 0.5)
    cmap = pg.colormap.get("viridis")
    return cmap.map(np.nan_to_num(t), mode="float")


def label_positions(levels, contours, rect, margin: float = 0.08, spacing: float = 0.09):
    """Where the contour labels go: one point per level, away from the frame and from each other.

    Each candidate is a point of the level's segments inside the rectangle shrunk by ``margin``
    (a fraction of each side), so no label sits on the view's edge where clipped lines end; the
    levels take, in turn, their point farthest from the labels already placed, and a level whose
    best point is closer than ``spacing`` (a fraction of the diagonal) to another label gets none.
    Distances are measured in units of the rectangle's sides, so a tall domain spreads the same.
    """
    x0, x1, y0, y1 = rect
    w, h = (x1 - x0) or 1.0, (y1 - y0) or 1.0
    placed: list[np.ndarray] = []
    out = []
    for level, seg in zip(levels, contours, strict=True):
        if not len(seg):
            continue
        unit = (np.asarray(seg, float) - (x0, y0)) / (w, h)
        inside = unit[np.all((unit >= margin) & (unit <= 1 - margin), axis=1)]
        if not len(inside):
            continue
        if placed:
            gap = np.min(np.linalg.norm(inside[:, None, :] - np.array(placed)[None], axis=2), axis=1)
            best = int(np.argmax(gap))
            if gap[best] < spacing * np.sqrt(2):
                continue
        else:
            best = int(np.argmax(inside[:, 0] + inside[:, 1]))  # the first towards the upper right
        placed.append(inside[best])
        out.append((level, (x0 + inside[best][0] * w, y0 + inside[best][1] * h)))
    return out


def local_level_line(field: np.ndarray, rect, point, level: float,
                     half: int = LEVEL_HALF_CELLS) -> np.ndarray:
    """The level line f = ``level`` within ``half`` cells of ``point``: (n, 2) points, its
    pieces separated by a row of NaN (a path with connect='finite'); squares touching NaN
    (a pole) are left out.

    Only the piece near p is drawn at each cursor move: marching squares on a (2·half)² window
    of the field costs a tenth of the whole, and the repainted region is a small square, not
    most of the view (a whole-view level line made a scalar field's cursor move three times the
    planar one's). contourpy does the marching squares: 0.14 ms where jacviz's own numpy
    version (:mod:`jacviz.core.sampling.contours`, for the critical curve) took 0.37 ms, and
    whole polylines are cheaper to stroke than the same line as separate segments.
    """
    rows, cols = field.shape
    x0, x1, y0, y1 = rect
    dx, dy = (x1 - x0) / cols, (y1 - y0) / rows
    j, i = int((point[0] - x0) / dx), int((point[1] - y0) / dy)
    j0, j1 = max(j - half, 0), min(j + half, cols)
    i0, i1 = max(i - half, 0), min(i + half, rows)
    if j1 - j0 < 2 or i1 - i0 < 2:
        return np.empty((0, 2))
    xs = cell_centres(rect, cols)[0][j0:j1]  # the field's samples are at cell centres
    ys = cell_centres(rect, rows)[1][i0:i1]
    generator = contourpy.contour_generator(xs, ys, field[i0:i1, j0:j1], name="serial",
                                            corner_mask=False, line_type=LineType.ChunkCombinedNan)
    (chunk,) = generator.lines(level)[0]
    return np.empty((0, 2)) if chunk is None else chunk


def needs_resample(sampled, visible, slack: float = 0.02, zoom: float = 2.0) -> bool:
    """True when the visible rectangle is not covered by the sampled one (beyond ``slack`` of
    its size on any side), or is more than ``zoom`` times smaller in width or height."""
    sx0, sx1, sy0, sy1 = sampled
    vx0, vx1, vy0, vy1 = visible
    w, h = sx1 - sx0, sy1 - sy0
    outside = (vx0 < sx0 - slack * w or vx1 > sx1 + slack * w
               or vy0 < sy0 - slack * h or vy1 > sy1 + slack * h)
    return outside or (vx1 - vx0) * zoom < w or (vy1 - vy0) * zoom < h


def _named_edit(parent: QWidget, label: QLabel, name: str, accessible: str, tooltip: str) -> QLineEdit:
    """A line edit with its object name, accessible name and tooltip, and ``label`` as its buddy."""
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setToolTip(tooltip)
    label.setBuddy(edit)
    return edit


class ShapesPane(QWidget):
    """The views, readout and slider for a mapping that is not a map of the plane."""

    def __init__(self, window=None) -> None:
        super().__init__(window)
        self.setObjectName("shapesPane")
        self.window_ = window
        self.prepared = None
        self.params: dict[str, float] = {}
        self.rect = (-2.0, 2.0, -2.0, 2.0)
        self.third = (-1.0, 1.0)
        self.slice_value = 0.0
        self.cursor: tuple[float, ...] | None = None
        self.info: core.ShapeInfo | None = None
        self.field: core.DomainField | None = None
        self.curve: core.CurveSamples | None = None
        self.path: descent.DescentPath | None = None  # the descent path shown, if any
        self.path_start: tuple[float, float] | None = None
        self._z_scale = 1.0  # the 3D graph's height scale (see _graph_scale)
        self._direction: tuple[float, float] | None = None  # v, where there is no model to keep it
        self.area: core.SurfaceReport | None = None
        self._area_worker: LatestWorker | None = None
        self._area_prepared = None  # the mapping the pending surface area is for
        self._area_rect: tuple[float, float, float, float] | None = None  # the visible domain, exact
        self._area_typed = False  # True once the region's text was typed over

        self.domain = pg.PlotWidget(self)
        self.domain.setObjectName("shapeDomain")
        self.domain.setBackground("w")
        self.domain.setAspectLocked(False)
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.domain.addItem(self.heat)
        self.contours = pg.PlotCurveItem(pen=style.pen((40, 40, 40), 1.0, alpha=170), connect="pairs")
        self.grid = pg.PlotCurveItem(pen=style.pen((90, 90, 90), 0.8, alpha=110), connect="pairs")
        self.arrows = pg.PlotCurveItem(pen=style.pen((20, 20, 20), 1.0, alpha=140), connect="pairs")
        self.speed_curve = pg.PlotCurveItem(pen=style.pen((30, 90, 200), 2.0))
        # What follows the cursor (the level line through p, ∇f(p), the dot) is one overlay item,
        # as in the planar views: three pyqtgraph items updated and painted on every move were
        # most of a scalar field's cursor time (jacviz.bench.shapes).
        self.cursor_marks = Overlay()
        self._mark_pens = {"level": style.pen((230, 120, 0), 2.2), "gradient": style.pen((0, 120, 40), 2.4)}
        self._dot = (pg.mkPen("w"), pg.mkBrush(0, 0, 0))
        self.cursor_strokes: dict[str, np.ndarray] = {}  # what the overlay draws, by name
        self.t_line = pg.InfiniteLine(angle=90, pen=style.pen((200, 0, 0), 1.5))
        self.path_line = pg.PlotCurveItem(pen=style.pen(PATH_COLOR, 2.0))
        self.path_dots = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(*PATH_COLOR),
                                            pen=pg.mkPen("w", width=0.8))
        self.labels: list[pg.TextItem] = []
        for item in (self.contours, self.grid, self.arrows, self.speed_curve, self.path_line, self.path_dots,
                     self.cursor_marks):
            self.domain.addItem(item, ignoreBounds=True)
        self.domain.addItem(self.t_line, ignoreBounds=True)
        # What is drawn once per mapping is cached as pixmaps (as the planar views' static layers,
        # jacviz.ui.views.base): a cursor move repaints most of the view, since the level line
        # spans it, and re-stroking the contours and arrows cost ~8 ms a move (jacviz.bench.shapes).
        self.static_items = (self.heat, self.contours, self.grid, self.arrows, self.speed_curve)
        for item in self.static_items:
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        # Plain moves straight from the viewport, as in the planar views (jacviz.ui.views.base):
        # pyqtgraph's sigMouseMoved drops a move within 10 ms of the last and never delivers the
        # final one, and its hover search cost ~1 ms a move. Moves with a button held (a pan)
        # still go through pyqtgraph, and its signal.
        self.domain.viewport().installEventFilter(self)
        self.domain.scene().sigMouseMoved.connect(self._on_mouse)
        self.domain.scene().sigMouseClicked.connect(self._on_click)
        self.domain.getPlotItem().vb.sigRangeChanged.connect(self._on_range)
        # a pan or zoom that leaves the sampled rectangle (or zooms far into it) resamples the
        # visible domain once the view rests, instead of showing blank beyond the old samples
        self._resample_timer = QTimer(self)
        self._resample_timer.setSingleShot(True)
        self._resample_timer.setInterval(RESAMPLE_AFTER_MS)
        self._resample_timer.timeout.connect(self._resample_visible)

        self.plane = pg.PlotWidget(self)  # the plane curve's own view
        self.plane.setObjectName("shapePlaneCurve")
        self.plane.setBackground("w")
        self.plane.setAspectLocked(True)
        self.plane_points = pg.ScatterPlotItem(size=3, pen=None)
        self.plane_tangent = pg.PlotCurveItem(pen=style.pen((200, 0, 0), 2.4), connect="pairs")
        self.plane_marker = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(0, 0, 0))
        for item in (self.plane_points, self.plane_tangent, self.plane_marker):
            self.plane.addItem(item)

        self.scene3d: Scene3D | None = Scene3D(self) if gl_available() else None
        self.no_gl = None if self.scene3d is not None else message_label(self)

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("sliceSlider")
        self.slider.setAccessibleName("value of the third variable")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.slider_label = QLabel("", self)
        self.slider_label.setObjectName("sliceLabel")
        self.readout = PaintedText("shapeReadout", hint_chars=READOUT_CHARS)
        self.readout.setAccessibleName("readout")
        self.title = QLabel("", self)
        self.title.setObjectName("shapeTitle")
        self.title.setWordWrap(True)
        self.descent_box = self._descent_controls()
        self.direction_box = self._direction_controls()
        self.area_box = self._area_controls()

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.domain, 1)
        slider_row = QHBoxLayout()
        slider_row.addWidget(self.slider_label)
        slider_row.addWidget(self.slider, 1)
        left_layout.addLayout(slider_row)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.plane, 1)
        right_layout.addWidget(self.scene3d.widget if self.scene3d else self.no_gl, 1)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.title)
        side_layout.addWidget(self.readout)
        for box in (self.direction_box, self.descent_box, self.area_box):
            side_layout.addWidget(box)
        side_layout.addStretch(1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.addWidget(side)
        self.splitter.setSizes([440, 440, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        if window is not None and hasattr(window, "model"):
            window.model.paramsChanged.connect(self._on_params)
            window.model.vectorsChanged.connect(self._on_vectors)

    # -- the controls under the readout
    def _descent_controls(self) -> QWidget:
        box = QWidget(self)
        box.setObjectName("descentControls")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 6, 0, 0)
        row = QHBoxLayout()
        label = QLabel("descent step η", box)
        self.eta_spin = QDoubleSpinBox(box)
        self.eta_spin.setObjectName("descentRate")
        self.eta_spin.setAccessibleName("gradient descent step size η")
        self.eta_spin.setToolTip("The step size η of gradient descent p ← p − η∇f (Shift- or Ctrl-click "
                                 "the heatmap to run it)")
        self.eta_spin.setDecimals(4)
        self.eta_spin.setRange(descent.MIN_ETA, descent.MAX_ETA)
        self.eta_spin.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.eta_spin.setValue(descent.DEFAULT_ETA)
        self.eta_spin.setKeyboardTracking(False)  # typing "0.05" runs once, not for "0" and "0.0"
        self.eta_spin.valueChanged.connect(self._on_eta)
        label.setBuddy(self.eta_spin)
        row.addWidget(label)
        row.addWidget(self.eta_spin, 1)
        layout.addLayout(row)
        self.descent_label = QLabel("Shift- or Ctrl-click the heatmap: gradient descent p ← p − η∇f from "
                                    "there. A plain click clears it.", box)
        self.descent_label.setObjectName("descentResult")
        self.descent_label.setWordWrap(True)
        self.descent_label.setAccessibleName("descent path")
        layout.addWidget(self.descent_label)
        return box

    def _direction_controls(self) -> QWidget:
        box = QWidget(self)
        box.setObjectName("directionControls")
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 6, 0, 0)
        label = QLabel("direction v =", box)
        self.direction_edit = _named_edit(
            box, label, "directionEdit", "direction v for the directional derivative",
            "The vector v of ∇f·v = J(p)·v, e.g. 3, 4; it is the vectors tool's v too. Empty clears it.")
        self.direction_edit.setPlaceholderText("a, b")
        self.direction_edit.editingFinished.connect(self._on_direction_typed)
        row.addWidget(label)
        row.addWidget(self.direction_edit, 1)
        return box

    def _area_controls(self) -> QWidget:
        box = QWidget(self)
        box.setObjectName("surfaceAreaControls")
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 6, 0, 0)
        heading = QLabel("surface area over the region u0, u1, v0, v1:", box)
        layout.addWidget(heading)
        row = QHBoxLayout()
        self.area_rect_edit = _named_edit(
            box, heading, "surfaceAreaRect", "region u0, u1, v0, v1 of the surface area",
            "The rectangle of parameters u0, u1, v0, v1 (numbers, or multiples of π such as 2π); it follows "
            "the visible domain until you type")
        self.area_rect_edit.textEdited.connect(self._on_area_rect_typed)
        self.area_rect_edit.returnPressed.connect(self.compute_surface_area)
        self.area_button = QPushButton("Surface area", box)
        self.area_button.setObjectName("surfaceAreaButton")
        self.area_button.setToolTip("∬ √det(JᵀJ) dA over the region, next to the area of the mapped mesh")
        self.area_button.clicked.connect(self.compute_surface_area)
        row.addWidget(self.area_rect_edit, 1)
        row.addWidget(self.area_button)
        layout.addLayout(row)
        self.area_label = mono_label("surfaceAreaResult")
        self.area_label.setAccessibleName("surface area")
        layout.addWidget(self.area_label)
        return box

    # -- what is shown
    @property
    def shape(self) -> tuple[int, int] | None:
        """(m, n) of the mapping shown, or None."""
        return self.prepared.compiled.shape if self.prepared is not None else None

    @property
    def has_3d(self) -> bool:
        return self.scene3d is not None

    def show_mapping(self, prepared, params: dict[str, float], rect, third=None, state=None) -> None:
        """Draw ``prepared`` (not planar) over ``rect`` (for a curve, its first two numbers are t).

        ``state`` (a :class:`~jacviz.ui.model.ShapeState`, from a session) puts back the cursor,
        the slice, η and the descent path; without it they start where the pane puts them.
        """
        self.prepared = prepared
        self.params = dict(params)
        self.rect = tuple(float(v) for v in rect)  # type: ignore[assignment]
        self._publish_rect()
        m, n = prepared.compiled.shape
        x0, x1, y0, y1 = self.rect
        self.third = tuple(third) if third is not None else (y0, y1)  # type: ignore[assignment]
        # the middle of the third variable's range: spherical coordinates' polar angle over
        # [0, π] is then π/2, not the axis p = 0 where det J = r² sin p vanishes everywhere
        self.slice_value = (self.third[0] + self.third[1]) / 2
        lo, hi = self.third
        if state is not None and state.slice is not None and lo <= state.slice <= hi:
            self.slice_value = float(state.slice)
        space = (m, n) == (3, 3)
        for w in (self.slider, self.slider_label):
            w.setVisible(space)
        if space:
            self.slider.blockSignals(True)
            self.slider.setValue(round((self.slice_value - self.third[0]) / (self.third[1] - self.third[0])
                                       * SLIDER_STEPS))
            self.slider.blockSignals(False)
        self.plane.setVisible(n == 1 and m == 2)
        right_3d = self.scene3d.widget if self.scene3d else self.no_gl
        right_3d.setVisible(not (n == 1 and m == 2))
        self.title.setText(prepared.label)
        self._show_direction()
        self.descent_box.setVisible(m == 1)
        self.direction_box.setVisible(m == 1)
        self.area_box.setVisible((m, n) == (3, 2))
        if state is not None and state.eta is not None:
            with QSignalBlocker(self.eta_spin):  # no descent to rerun yet: the path is cleared below
                self.eta_spin.setValue(state.eta)
        self.clear_path()
        self._reset_area()
        self.redraw()
        self._fill_area_rect()
        if space:
            self.slider_label.setText(f"{prepared.variables[-1]} = {number(self.slice_value)}")
        self._publish_shape(slice=self.slice_value if space else None,
                            eta=self.eta_spin.value() if m == 1 else None)
        saved = state.cursor if state is not None else None
        if saved is not None and len(saved) == n:
            self.move_cursor(*saved)
        elif n == 1:
            self.move_cursor(x0 + 0.37 * (x1 - x0))
        else:
            point = (x0 + (x1 - x0) * 0.637, y0 + (y1 - y0) * 0.593)
            self.move_cursor(*point, *((self.slice_value,) if space else ()))
        if m == 1 and n == 2 and state is not None and state.descent_from is not None:
            self.descend_from(*state.descent_from, announce=False)

    def is_idle(self) -> bool:
        """No resample of the visible domain pending (for MainWindow.wait_until_drawn)."""
        return not self._resample_timer.isActive()

    def leave(self) -> None:
        """A map of the plane is shown again: hide, and forget the mapping."""
        self.prepared = None
        self._resample_timer.stop()
        self._publish_shape(cursor=None, slice=None, eta=None, descent_from=None)
        self.hide()

    def redraw(self) -> None:
        """Resample what depends on the mapping, its parameters and the slice."""
        if self.prepared is None:
            return
        compiled = self.prepared.compiled
        m, n = compiled.shape
        for item in self.labels:
            self.domain.removeItem(item)
        self.labels = []
        self.heat.setVisible(n > 1)
        # a scalar field keeps equal scales, so that ∇f looks perpendicular to its level lines
        self.domain.setAspectLocked(m == 1, ratio=1.0)
        self.t_line.setVisible(n == 1)
        self.speed_curve.setVisible(n == 1)
        for item in (self.contours, self.grid, self.arrows):
            item.setData([], [])
        try:
            if n == 1:
                self._draw_curve(compiled)
            else:
                self._draw_field(compiled, m, n)
        except JacvizError as err:
            self.title.setText(f"{self.prepared.label}: {err}")
        for item in self.static_items:
            drop_cache(item)  # new content: never the old pixmap, shifted (see drop_cache)
        if self.scene3d is not None:
            self._draw_3d(compiled, m, n)
        if self.path is not None:
            self._draw_path()  # the 3D scene was cleared, and the graph's height scale may differ

    def _draw_field(self, compiled, m: int, n: int) -> None:
        rect = self.rect
        x0, x1, y0, y1 = rect
        if m == 1:
            field = core.scalar_field(compiled, rect, self.params, SAMPLES)
        else:
            samples = DRAG_SAMPLES if self.slider.isSliderDown() else SAMPLES
            field = core.quantity_field(compiled, rect, self.params, samples,
                                        self.slice_value if n == 3 else None)
        self.field = field
        lo, hi = field.limits()
        if field.quantity == "det J":
            bound = max(abs(lo), abs(hi)) or 1.0
            lo, hi, cmap = -bound, bound, style.det_colormap()
        else:
            cmap = pg.colormap.get("viridis")
        self.heat.setLookupTable(cmap.getLookupTable(nPts=256))
        self.heat.setImage(field.field, levels=(lo, hi), rect=pg.QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
        if field.contours:
            segs = np.concatenate([c for c in field.contours if len(c)] or [np.empty((0, 2))])
            self.contours.setData(segs[:, 0], segs[:, 1], connect="pairs")
            if m == 1:
                for level, (px, py) in label_positions(field.levels, field.contours, rect):
                    label = pg.TextItem(number(level), color=(30, 30, 30), anchor=(0.5, 0.5),
                                        fill=(255, 255, 255, 150))
                    label.setPos(px, py)
                    # its text is laid out and drawn once, not at every cursor move under the level line
                    label.textItem.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                    self.domain.addItem(label, ignoreBounds=True)
                    self.labels.append(label)
        if field.arrows is not None:
            segs = _arrow_segments(*field.arrows)
            self.arrows.setData(segs[:, 0], segs[:, 1], connect="pairs")
        if m > 1:
            gx, gy = np.linspace(x0, x1, GRID_LINES), np.linspace(y0, y1, GRID_LINES)
            v = np.stack([np.repeat(gx, 2), np.tile([y0, y1], GRID_LINES)], -1)
            h = np.stack([np.tile([x0, x1], GRID_LINES), np.repeat(gy, 2)], -1)
            segs = np.concatenate([v, h])
            self.grid.setData(segs[:, 0], segs[:, 1], connect="pairs")
        self.domain.setLabel("bottom", self.prepared.variables[0])
        self.domain.setLabel("left", self.prepared.variables[1])
        self.domain.setTitle(field.quantity if n == 2 else
                             f"det J on the slice {self.prepared.variables[2]} = {number(self.slice_value)}")
        self.domain.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def _draw_curve(self, compiled) -> None:
        t0, t1 = self.rect[0], self.rect[1]
        curve = core.curve_samples(compiled, (t0, t1), self.params)
        self.curve = curve
        self.field = None
        self.speed_curve.setData(curve.t, np.nan_to_num(curve.speed, nan=np.nan))
        finite = curve.speed[np.isfinite(curve.speed)]
        top = float(finite.max()) if finite.size else 1.0
        self.domain.setLabel("bottom", self.prepared.variables[0])
        self.domain.setLabel("left", "speed |F′|")
        self.domain.setTitle("speed along the curve")
        self.domain.setRange(xRange=(t0, t1), yRange=(0, 1.1 * top if top > 0 else 1), padding=0.02)
        if curve.points.shape[1] == 2:
            colors = (_speed_colors(curve.speed) * 255).astype(int)
            self.plane_points.setData(curve.points[:, 0], curve.points[:, 1],
                                      brush=[pg.mkBrush(*c) for c in colors])

    def _draw_3d(self, compiled, m: int, n: int) -> None:
        scene = self.scene3d
        assert scene is not None
        scene.clear()
        x0, x1, y0, y1 = self.rect
        if n == 1:
            if m == 3 and self.curve is not None:
                scene.colored_strip(self.curve.points, _speed_colors(self.curve.speed))
                scene.frame(self.curve.points)
            return
        us, vs = np.linspace(x0, x1, MESH), np.linspace(y0, y1, MESH)
        gu, gv = np.meshgrid(us, vs)
        if m == 1:
            (f,) = compiled.evaluate((gu, gv), self.params, jacobian=False).values
            f = np.broadcast_to(f, gu.shape)
            self._z_scale = self._graph_scale(f, max(x1 - x0, y1 - y0))
            grid = np.stack([gu, gv, f * self._z_scale], -1)
            scene.mesh(grid, colors=self._height_colors(f))
            scene.frame(grid.reshape(-1, 3))
            return
        coords = (gu, gv) if n == 2 else (gu, gv, np.full_like(gu, self.slice_value))
        values = compiled.evaluate(coords, self.params, jacobian=False).values
        grid = np.stack([np.broadcast_to(v, gu.shape) for v in values], -1)
        if n == 2:
            scene.mesh(grid)
        step = max(1, MESH // GRID_LINES)
        rows = [np.repeat(grid[i], 2, axis=0)[1:-1] for i in range(0, MESH, step)]
        cols = [np.repeat(grid[:, j], 2, axis=0)[1:-1] for j in range(0, MESH, step)]
        scene.lines(np.concatenate(rows + cols), color=(0.25, 0.25, 0.35, 0.8))
        scene.frame(grid.reshape(-1, 3))

    @staticmethod
    def _graph_scale(f: np.ndarray, extent: float) -> float:
        """Height scale for the graph of f: z spans 0.6 of the domain's width (f itself is in the readout)."""
        finite = f[np.isfinite(f)]
        if finite.size == 0:
            return 1.0
        span = float(np.percentile(finite, 98) - np.percentile(finite, 2))
        return 1.0 if span <= 0 else 0.6 * extent / span

    def _height_colors(self, f: np.ndarray) -> np.ndarray:
        """Viridis by height, a little translucent: the tangent plane lies under a convex graph."""
        colors = _speed_colors(f.reshape(-1)).reshape(*f.shape, 4)
        colors[..., 3] = 0.7
        return colors

    # -- the cursor
    def move_cursor(self, *coords: float) -> None:
        """Put the cursor at ``coords`` (n numbers; for a map of space the third is the slice)."""
        if self.prepared is None:
            return
        compiled = self.prepared.compiled
        m, n = compiled.shape
        if len(coords) == 2 and n == 3:
            coords = (*coords, self.slice_value)
        self.cursor = tuple(float(c) for c in coords)
        self._publish_shape(cursor=self.cursor)
        info = core.shape_info(compiled, self.cursor, self.params)
        self.info = info
        self.readout.setText(readout_text(info, self.prepared.variables, self.direction if m == 1 else None))
        self.readout.setAccessibleDescription(self.readout.text())
        self._draw_cursor(info, m, n)

    def _draw_cursor(self, info: core.ShapeInfo, m: int, n: int) -> None:
        x0, x1, y0, y1 = self.rect
        size = 0.12 * min(x1 - x0, y1 - y0) if n > 1 else 0.1 * (x1 - x0)
        strokes: dict[str, np.ndarray] = {}
        if n == 1:
            t = self.cursor[0]
            self.t_line.setValue(t)
            dot = (t, info.speed if info.speed is not None else 0.0)
            if m == 2:
                p, v = np.array(info.value), info.jacobian[:, 0]
                self.plane_marker.setData([p[0]], [p[1]])
                seg = np.array([p, p + v * size / max(info.speed or 1.0, 1e-300)])
                self.plane_tangent.setData(seg[:, 0], seg[:, 1], connect="pairs")
        else:
            px, py = self.cursor[0], self.cursor[1]
            dot = (px, py)
            if m == 1 and info.ascent is not None and self.field is not None:
                grad = np.array(info.gradient)
                vec = grad / np.hypot(*grad) * size
                if math.isfinite(info.value[0]):
                    level = local_level_line(self.field.field, self.field.rect, (px, py), info.value[0])
                    if len(level):
                        strokes["level"] = level
                strokes["gradient"] = _arrow_segments(np.array([[px, py]]), vec[None, :])
        self.cursor_strokes = strokes
        pen, brush = self._dot
        self.cursor_marks.set_strokes([(self._mark_pens[k], pts, MARK_CONNECT[k])
                                       for k, pts in strokes.items()],
                                      [(pen, brush, float(dot[0]), float(dot[1]), 9.0)])
        if self.scene3d is not None:
            self._draw_cursor_3d(info, m, n, size)

    def _draw_cursor_3d(self, info: core.ShapeInfo, m: int, n: int, size: float) -> None:
        scene = self.scene3d
        assert scene is not None
        scene.clear_marks()
        jac = info.jacobian
        if not np.isfinite(jac).all() or not all(math.isfinite(v) for v in info.value):
            return
        if m == 1:
            s = getattr(self, "_z_scale", 1.0)
            px, py = self.cursor[0], self.cursor[1]
            a, b = jac[0]
            corners = np.array([[dx, dy] for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1))]) * size
            plane = np.stack([px + corners[:, 0], py + corners[:, 1],
                              (info.value[0] + a * corners[:, 0] + b * corners[:, 1]) * s], -1)
            scene.mesh(plane[[0, 1, 3, 2]].reshape(2, 2, 3), mark=True, color=(1.0, 0.55, 0.1, 0.6))
            scene.point((px, py, info.value[0] * s))
            return
        p = np.array(info.value)
        scene.point(p)
        if n == 1:
            v = jac[:, 0]
            scene.lines(np.array([p, p + v * size / max(info.speed or 1.0, 1e-300)]), color=(0.8, 0, 0, 1),
                        width=3, mark=True)
            return
        theta = np.linspace(0, 2 * np.pi, 73)
        h = 0.5 * size
        if n == 2:
            c1, c2 = jac[:, 0] * h, jac[:, 1] * h
            quad = np.array([[p - c1 - c2, p + c1 - c2], [p - c1 + c2, p + c1 + c2]])
            scene.mesh(quad, mark=True, color=(1.0, 0.4, 0.6, 0.55))
            cu, cv = self.cursor[0] + h * np.cos(theta), self.cursor[1] + h * np.sin(theta)
            true = np.stack(self.prepared.compiled.evaluate((cu, cv), self.params, jacobian=False).values, -1)
            scene.lines(true, color=(0, 0, 0, 1), width=2, mark=True, strip=True)
            return
        # a map of space: three great circles of the h-sphere, their images and J's prediction
        circles = [np.stack([np.cos(theta), np.sin(theta), 0 * theta], -1),
                   np.stack([np.cos(theta), 0 * theta, np.sin(theta)], -1),
                   np.stack([0 * theta, np.cos(theta), np.sin(theta)], -1)]
        centre = np.array(self.cursor)
        for circle in circles:
            pts = centre + h * circle
            ev = self.prepared.compiled.evaluate(tuple(pts.T), self.params, jacobian=False)
            true = np.stack(ev.values, -1)
            scene.lines(true, color=(0, 0, 0, 1), width=2, mark=True, strip=True)
            scene.lines(p + h * circle @ jac.T, color=(0.9, 0.2, 0.5, 1), width=1.5, mark=True, strip=True)

    # -- the descent path
    def descend_from(self, x: float, y: float, announce: bool = True) -> descent.DescentPath:
        """Run gradient descent from (x, y) with the pane's η and draw it (a scalar field only)."""
        if self.prepared is None or self.prepared.compiled.shape != (1, 2):
            raise UsageError("gradient descent needs a scalar field f(x, y)")
        path = descent.gradient_descent(self.prepared.compiled, self.params, (x, y), self.eta_spin.value(),
                                        DESCENT_STEPS)
        self.path, self.path_start = path, (float(x), float(y))
        self._publish_shape(descent_from=self.path_start)
        self._draw_path()
        text = (f"Gradient descent from ({number(x)}, {number(y)}) with η = {number(path.eta)}: "
                f"{path.message}")
        self.descent_label.setText(text)
        self.descent_label.setAccessibleDescription(text)
        if announce:
            self._announce(text, error=path.status in ("diverged", "undefined"))
        return path

    def clear_path(self) -> None:
        """Take the descent path away (a plain click, a new mapping)."""
        self.path = self.path_start = None
        self._publish_shape(descent_from=None)
        self.path_line.setData([], [])
        self.path_dots.setData([], [])
        if self.scene3d is not None:
            self.scene3d.clear_path()

    def _draw_path(self) -> None:
        path = self.path
        assert path is not None
        ok = np.isfinite(path.points).all(axis=1) & np.isfinite(path.values)
        pts, values = path.points[ok], path.values[ok]
        self.path_line.setData(pts[:, 0], pts[:, 1])
        sizes = np.full(len(pts), 6.0)
        sizes[:1] = 10.0  # the start is the bigger dot
        self.path_dots.setData(pts[:, 0], pts[:, 1], size=sizes)
        if self.scene3d is not None:
            # on the graph as it is drawn: z = f·(the graph's height scale), a little above it
            x0, x1, y0, y1 = self.rect
            lift = 0.01 * max(x1 - x0, y1 - y0)
            self.scene3d.path(np.column_stack([pts, values * self._z_scale + lift]),
                              color=(*(c / 255 for c in PATH_COLOR), 1.0))

    def graph_points(self) -> np.ndarray:
        """The descent path's finite iterates as the 3D graph shows them: (x, y, f·height scale)."""
        if self.path is None:
            return np.empty((0, 3))
        ok = np.isfinite(self.path.points).all(axis=1) & np.isfinite(self.path.values)
        return np.column_stack([self.path.points[ok], self.path.values[ok] * self._z_scale])

    @guarded
    def _on_click(self, event) -> None:
        if self.prepared is None or self.prepared.compiled.shape != (1, 2):
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return  # the right button is the view's menu
        vb = self.domain.getPlotItem().vb
        pos = event.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        point = vb.mapSceneToView(pos)
        if event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
            event.accept()
            self.descend_from(point.x(), point.y())
        elif self.path is not None:
            self.clear_path()
            self.descent_label.setText("Descent path cleared. Shift- or Ctrl-click the heatmap to run "
                                       "gradient descent again.")

    @guarded
    def _on_eta(self, value: float) -> None:
        self._publish_shape(eta=float(value))
        if self.path_start is not None and self.prepared is not None:
            self.descend_from(*self.path_start)

    # -- the direction v
    @property
    def direction(self) -> tuple[float, float] | None:
        """The vectors tool's v (the model's ``vectors.v``), or the pane's own without a model."""
        if self.window_ is not None and hasattr(self.window_, "model"):
            return self.window_.model.vectors.v
        return self._direction

    def set_direction(self, v: tuple[float, float] | None) -> None:
        """Set v (as the vectors tool would); the readout shows ∇f·v."""
        v = None if v is None else (float(v[0]), float(v[1]))
        if self.window_ is not None and hasattr(self.window_, "model"):
            self.window_.model.set_vectors(v=v)  # comes back through _on_vectors
        else:
            self._direction = v
            self._show_direction()

    @guarded
    def _on_direction_typed(self) -> None:
        try:
            v = parse_direction(self.direction_edit.text())
        except UsageError:
            self._show_direction(force=True)  # put the current v back
            raise
        self.set_direction(v)

    @guarded
    def _on_vectors(self, _vectors) -> None:
        self._show_direction()

    def _show_direction(self, force: bool = False) -> None:
        v = self.direction
        text = "" if v is None else f"{v[0]:.6g}, {v[1]:.6g}"
        if self.direction_edit.text() != text and (force or not self.direction_edit.hasFocus()):
            self.direction_edit.blockSignals(True)
            self.direction_edit.setText(text)
            self.direction_edit.blockSignals(False)
        if self.prepared is not None and self.cursor is not None and self.prepared.compiled.shape[0] == 1:
            self.move_cursor(*self.cursor)

    # -- the surface area
    def _reset_area(self) -> None:
        if self._area_worker is not None:
            self._area_worker.cancel()
        self.area = None
        self._area_prepared = None
        self._area_typed = False
        self.area_label.setText("")
        self.area_button.setEnabled(True)

    def _fill_area_rect(self) -> None:
        """Show the visible domain as the region, unless the user typed one."""
        if self.prepared is None or self.prepared.compiled.shape != (3, 2) or self._area_typed:
            return
        (x0, x1), (y0, y1) = self.domain.getPlotItem().vb.viewRange()
        self._area_rect = (float(x0), float(x1), float(y0), float(y1))
        self.area_rect_edit.setText(", ".join(f"{v:.10g}" for v in self._area_rect))

    @guarded
    def _on_range(self, *_args) -> None:
        self._fill_area_rect()
        if self.prepared is not None and self.shape is not None and self.shape[1] > 1:
            (x0, x1), (y0, y1) = self.domain.getPlotItem().vb.viewRange()
            if needs_resample(self.rect, (x0, x1, y0, y1)):
                self._resample_timer.start()

    @guarded
    def _resample_visible(self) -> None:
        """Sample the visible domain: the view came to rest outside (or far inside) the samples."""
        (x0, x1), (y0, y1) = self.domain.getPlotItem().vb.viewRange()
        try:
            rect = check_rect((x0, x1, y0, y1), "the visible domain")
        except JacvizError:
            return  # zoomed beyond what double precision resolves: keep the last samples
        self.rect = rect
        self._publish_rect()
        self.redraw()
        if self.cursor is not None:
            self.move_cursor(*self.cursor)  # the 3D scene was cleared with its cursor marks

    def _publish_shape(self, **changes) -> None:
        """The cursor, slice, η and descent start are the session's too (saved, restored)."""
        if self.window_ is not None and hasattr(self.window_, "model"):
            self.window_.model.set_shape(**changes)

    def _publish_rect(self) -> None:
        """The shown domain is the session's domain range: saved, and restored with the session."""
        if self.window_ is not None and hasattr(self.window_, "model"):
            self.window_.model.set("domain_range", self.rect)

    @guarded
    def _on_area_rect_typed(self, _text: str) -> None:
        self._area_typed = True

    def area_region(self) -> tuple[float, float, float, float]:
        """The region of the surface area: the rectangle typed, or else the visible domain."""
        if self._area_typed or self._area_rect is None:
            return parse_rect(self.area_rect_edit.text())
        return check_rect(self._area_rect, "the visible domain")

    @guarded
    def compute_surface_area(self, *_args) -> None:
        """∬ √det(JᵀJ) dA over :meth:`area_region`, in the background; the label shows it."""
        if self.prepared is None or self.prepared.compiled.shape != (3, 2):
            return
        rect = self.area_region()
        if self._area_worker is None:
            self._area_worker = LatestWorker("surface-area", self)
            self._area_worker.finished.connect(self._on_area_done)
            self._area_worker.failed.connect(self._on_area_failed)
        self._area_prepared = self.prepared
        self.area = None
        self.area_label.setText(f"computing ∬ √det(JᵀJ) dA over {_region_text(rect)} …")
        self._area_worker.submit(core.surface_area, self.prepared.compiled, rect, dict(self.params))

    def _area_current(self, generation: int) -> bool:
        worker = self._area_worker
        return (worker is not None and generation == worker.generation and self.prepared is not None
                and self._area_prepared is self.prepared)

    @guarded
    def _on_area_done(self, generation: int, report: core.SurfaceReport) -> None:
        if not self._area_current(generation):
            return
        self.area = report
        text = surface_area_text(report)
        self.area_label.setText(text)
        self.area_label.setAccessibleDescription(text)
        self._announce(f"Surface area over {_region_text(report.rect)}: {report.surface_area:.10g}")

    @guarded
    def _on_area_failed(self, generation: int, error: JacvizError) -> None:
        if self._area_current(generation):
            self.area_label.setText(f"⚠ {error}")
            self._announce(str(error), error=True)

    def close_workers(self) -> None:
        """Stop the surface area's thread (the window calls it when it closes)."""
        if self._area_worker is not None:
            self._area_worker.close()

    def _announce(self, text: str, error: bool = False) -> None:
        show = getattr(self.window_, "show_message", None)
        if callable(show):
            show(text, error=error, timeout_ms=0)

    # -- input
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.MouseMove and obj is self.domain.viewport() and consume_hover(event):
            self._on_mouse(self.domain.mapToScene(event.position().toPoint()))
            return True
        return super().eventFilter(obj, event)

    @guarded
    def _on_mouse(self, pos) -> None:
        vb = self.domain.getPlotItem().vb
        if self.prepared is None or not vb.sceneBoundingRect().contains(pos):
            return
        point = vb.mapSceneToView(pos)
        n = self.prepared.compiled.shape[1]
        if n == 1:
            self.move_cursor(point.x())
        else:
            self.move_cursor(point.x(), point.y())

    @guarded
    def _on_slider(self, value: int) -> None:
        lo, hi = self.third
        self.slice_value = lo + (hi - lo) * value / SLIDER_STEPS
        self._publish_shape(slice=self.slice_value)
        if self.prepared is not None:
            name = self.prepared.variables[-1]
            self.slider_label.setText(f"{name} = {number(self.slice_value)}")
            self.redraw()
            if self.cursor is not None:
                self.move_cursor(self.cursor[0], self.cursor[1], self.slice_value)

    @guarded
    def _on_slider_released(self) -> None:
        if self.prepared is not None:
            self.redraw()  # the full slice after the coarse ones drawn while dragging
            if self.cursor is not None:
                self.move_cursor(*self.cursor)  # the 3D scene was cleared with its cursor marks

    def set_slice(self, value: float) -> None:
        """Move the third variable's slider to ``value`` (clipped to its range)."""
        lo, hi = self.third
        self.slider.setValue(round((min(max(value, lo), hi) - lo) / (hi - lo) * SLIDER_STEPS))

    @guarded
    def _on_params(self, _params) -> None:
        if self.prepared is None or self.window_ is None:
            return
        values = self.window_.model.param_values()
        if values == self.params:
            return
        self.params = values
        start, self.path = self.path_start, None  # f changed: the path is run again below
        if self._area_prepared is not None:  # a surface area shown or pending is for the old F
            if self._area_worker is not None:
                self._area_worker.cancel()
            self.area, self._area_prepared = None, None
            self.area_label.setText("The parameters changed: press Surface area again.")
        self.redraw()
        if self.cursor is not None:
            self.move_cursor(*self.cursor)
        if start is not None:
            self.descend_from(*start, announce=False)


def show_shape(window, prepared, values: dict[str, float], job) -> None:
    """Show a mapping that is not planar in ``window``: the model, the bar, the pane, the signals.

    Called by the main window in place of drawing a planar scene. The planar views keep the
    last map of the plane (hidden) and ``window.prepared`` stays that one, so the lab tools,
    which are planar, never see this mapping.
    """
    ranges = ranges_for(prepared.parameters, values, job.ranges, window.model.params)
    preset = next((p for p in window.presets if p.mapping == prepared.text), None)
    rect = job.rect or (preset.domain if preset is not None else window.home_rect)
    third = preset.third if preset is not None else None
    framed = shape_domain(prepared.variables) if preset is None and job.rect is None else None
    if framed is not None:  # polar-like names: r ≥ 0, the angles over one turn (and half a turn)
        rect, third = framed
    m = window.model
    with m.batch():
        if job.session is not None:
            m.load_session(job.session)  # the vectors' v, the shapes pane's cursor, slice and η
        m.update(mapping=prepared.text, variables=job.variables, params=ranges)
        if job.session is None:
            m.set("draft", window.mapping_bar.text())
    state = m.shape if job.session is not None else None
    window.mapping_bar.show_error(None)
    window.splitter.hide()
    window.set_planar_controls(False)
    window.shapes.show()
    window.shapes.show_mapping(prepared, dict(values), rect, third, state)
    window.status_label.setText(f"{prepared.label} · compiled in {prepared.seconds * 1000:.0f} ms")
    window.show_message(job.note or f"Applied: {prepared.text} ({prepared.label})", timeout_ms=0)
    window.setWindowTitle(f"jacviz — {prepared.text}")
    if callable(job.on_applied):
        job.on_applied()
    window.mappingApplied.emit(prepared.text)
