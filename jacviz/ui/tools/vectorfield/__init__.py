"""The vector field tool (View → Read F as a vector field, or D): F as (x′, y′) = F(x, y).

When it is on, the domain view shows F as a phase portrait over the heatmap, which is
veiled so that the flow reads first: an arrow field scaled and coloured by |F|, evenly
spaced streamlines, and every equilibrium in the visible domain with a glyph for its type,
its real eigenvector directions and its eigenvalues. Ctrl+click starts a trajectory,
integrated forward (solid) and backward (dashed) in time. The panel lists the equilibria
with J, trace, det, discriminant and type, next to the trace–determinant diagram where the
cursor's J moves as a dot.

The portrait is recomputed on a background thread (:func:`.portrait.phase_portrait`,
newest request first) after every pan, zoom, parameter or mapping change; trajectories
have a worker of their own, since ``solve_ivp`` takes tens of milliseconds for each. The
state (on or off, the trajectories' starting points) is the model's ``dynamics`` field;
a preset whose ``view`` is "vector field" turns the mode on.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsRectItem

from jacviz.core.errors import JacvizError
from jacviz.core.figure.glyphs import LABEL_GAP, place_labels
from jacviz.core.figure.theme import (
    DEGENERATE,
    LABEL_BACKGROUND,
    LABEL_TEXT,
    SPEED_COLOURS,
    STABLE,
    TRAJECTORY,
    UNSTABLE,
    VEIL_ALPHA,
)
from jacviz.core.lab.portrait import SPEED_BINS, heads, phase_portrait, trajectories
from jacviz.ui import style
from jacviz.ui.background import LatestWorker
from jacviz.ui.guard import guarded
from jacviz.ui.items.static_curve import drop_cache, polyline_path
from jacviz.ui.tools.base import CursorState, Tool
from jacviz.ui.tools.vectorfield import glyphs
from jacviz.ui.tools.vectorfield.layers import LayeredPaths, ensure_pixmap_cache
from jacviz.ui.tools.vectorfield.panel import VectorFieldPanel

STREAMLINE = (60, 60, 60)
MAX_TRAJECTORIES = 20
# The layers of the three LayeredPaths items, in the order they are drawn
FLOW_LAYERS = ("streamlines", "streamline heads", *(f"arrows {k}" for k in range(SPEED_BINS)))
EIGEN_LAYERS = ("stable", "unstable", "zero")  # eigenvector directions by the eigenvalue's sign
TRAJECTORY_LAYERS = ("forward", "backward", "heads")


def speed_colours() -> list[tuple[int, int, int]]:
    """Arrow colours by |F|, slow to fast (:data:`jacviz.core.figure.theme.SPEED_COLOURS`, which
    exported figures use too)."""
    return list(SPEED_COLOURS)


_LABEL_MARGIN_PX = 4.0  # QTextDocument's default documentMargin, which TextItem keeps

class VectorFieldTool(Tool):
    """F read as a vector field (see the module docstring)."""

    name = "vectorfield"
    portraitDrawn = Signal()
    trajectoriesDrawn = Signal()

    def __init__(self, host) -> None:
        super().__init__(host)
        self.portrait = None
        self.trajectories: tuple = ()
        self._drawn = 0  # the generation of the portrait on screen
        self._version = 0  # bumped when F changes: trajectories computed before are stale
        self._paths: dict[tuple[float, float], object] = {}
        self._labels: list[pg.TextItem] = []
        self._was_on = False
        self._label_font = QFont()
        self._label_font.setPointSizeF(8.0)
        self.worker = LatestWorker("vector field", self)
        self.worker.finished.connect(self._on_portrait)
        self.worker.failed.connect(self._on_failed)
        self.integrator = LatestWorker("trajectories", self)
        self.integrator.finished.connect(self._on_trajectories)
        self.integrator.failed.connect(self._on_failed)

        d = host.domain
        self.veil = QGraphicsRectItem()
        self.veil.setBrush(QBrush(QColor(255, 255, 255, VEIL_ALPHA)))
        self.veil.setPen(QPen(Qt.PenStyle.NoPen))
        d.add(self.veil, 1)
        # The portrait's lines: paths built on the worker thread, a few items each cached as one
        # pixmap, so that a cursor move over them costs a blit (as the grid and the critical curve do)
        ensure_pixmap_cache()
        stream = style.pen(STREAMLINE, 1.1)
        def flow_pens() -> list[QPen]:
            return [stream, stream, *(style.pen(c, 1.4) for c in speed_colours())]

        self.flow = d.add(LayeredPaths(flow_pens, layers=len(FLOW_LAYERS)), 3, static=True)
        self.eigen = d.add(LayeredPaths([style.pen(STABLE, 2.2), style.pen(UNSTABLE, 2.2),
                                         style.pen(DEGENERATE, 2.2, style=Qt.PenStyle.DashLine)]), 6,
                           static=True)
        self.trajectory_lines = d.add(LayeredPaths([style.pen(TRAJECTORY, 2.2),
                                         style.pen(TRAJECTORY, 1.8, style=Qt.PenStyle.DashLine),
                                         style.pen(TRAJECTORY, 2.2)]), 7, static=True)
        start_pen = pg.mkPen(*TRAJECTORY, width=2)
        self.trajectory_starts = d.add(
            pg.ScatterPlotItem(size=8, symbol="o", pen=start_pen, brush=pg.mkBrush("w")), 7, static=True)
        self.equilibrium_spots = d.add(pg.ScatterPlotItem(), 8, static=True)
        self._show(False)

        self.action = QAction("Read F as a vector field\tD", self, checkable=True)
        self.action.setObjectName("readAsVectorField")
        self.action.setToolTip("Draw F as the vector field of (x′, y′) = F(x, y): arrows, streamlines, "
                               "equilibria and their types (D)")
        host.add_menu_action("View", self.action)
        host.add_shortcut("D", self.action.toggle, "vector_field")
        self.panel = VectorFieldPanel()
        self.panel.setVisible(False)
        host.add_panel(self.panel)

        self.action.toggled.connect(self._on_action)
        self.panel.equilibriumChosen.connect(self._on_chosen)
        self.panel.clearTrajectories.connect(self._on_clear)
        d.clicked.connect(self._on_click)
        host.model.dynamicsChanged.connect(self._on_model)
        host.model.domainRangeChanged.connect(self._on_range)

    # -- state
    @property
    def on(self) -> bool:
        return self.host.model.dynamics.vector_field

    def set_on(self, on: bool) -> None:
        self.host.model.set_dynamics(vector_field=bool(on))

    def add_trajectory(self, x: float, y: float) -> None:
        """Start a trajectory at (x, y), as a Ctrl+click there does."""
        starts = (*self.host.model.dynamics.trajectories, (float(x), float(y)))[-MAX_TRAJECTORIES:]
        self.host.model.set_dynamics(trajectories=starts)

    def is_idle(self) -> bool:
        return self.worker.is_idle() and self.integrator.is_idle()

    # -- hooks
    def preset_loaded(self, preset) -> None:
        self.host.model.set_dynamics(vector_field=preset.view == "vector field", trajectories=())

    def mapping_changed(self) -> None:
        self._version += 1
        self._paths = {}
        if self.on:
            self._request()
            self._request_trajectories()

    def cursor_moved(self, state: CursorState) -> None:
        if self.on:
            self.panel.diagram.show_cursor(state.info.trace, state.info.det)

    def close(self) -> None:
        self.worker.close()
        self.integrator.close()

    # -- requests
    def _request(self) -> None:
        numeric = self.host.numeric()
        if numeric is None:
            return
        rect = self.host.domain.visible_rect()
        self._place_veil(rect)
        self.worker.submit(_portrait_job, self.host.prepared, numeric, rect, self.host.model.param_values())

    def _request_trajectories(self) -> None:
        starts = self.host.model.dynamics.trajectories
        numeric = self.host.numeric()
        if numeric is None:
            return
        missing = [p for p in starts if p not in self._paths]
        if not missing:
            self._draw_trajectories()
            return
        rect = self.host.domain.visible_rect()
        self.integrator.submit(_trajectory_job, self._version, numeric, missing, rect,
                               self.host.model.param_values())

    # -- slots
    @guarded
    def _on_action(self, on: bool) -> None:
        self.set_on(on)

    @guarded
    def _on_model(self, dynamics) -> None:
        if self.action.isChecked() != dynamics.vector_field:
            with QSignalBlocker(self.action):
                self.action.setChecked(dynamics.vector_field)
        was_on, self._was_on = self._was_on, dynamics.vector_field
        self.panel.setVisible(dynamics.vector_field)
        if not dynamics.vector_field:
            self._show(False)
            return
        self._show(True)
        self.panel.diagram  # noqa: B018 - built on first use, and shown with the panel
        if not was_on:
            self.host.show_message("F as a vector field: Ctrl+click to start a trajectory", timeout_ms=6000)
            self._request()
            self.host.refresh_cursor()
        self._request_trajectories()

    @guarded
    def _on_range(self, rect) -> None:
        if self.on:
            self._place_veil(rect)
            self._request()

    @guarded
    def _on_click(self, x: float, y: float, modifiers, double: bool) -> None:
        if double or not self.on or not modifiers & Qt.KeyboardModifier.ControlModifier:
            return
        self.add_trajectory(x, y)
        self.host.show_message(f"Trajectory through ({x:.4g}, {y:.4g}): forward in time solid, "
                               "backward dashed")

    @guarded
    def _on_chosen(self, index: int) -> None:
        if self.portrait is not None and 0 <= index < len(self.portrait.equilibria):
            self.host.model.set_cursor(self.portrait.equilibria[index].point)

    @guarded
    def _on_clear(self, *_args) -> None:
        self.host.model.set_dynamics(trajectories=())

    @guarded
    def _on_failed(self, _generation: int, error: JacvizError) -> None:
        self.host.show_message(str(error), error=True)

    @guarded
    def _on_portrait(self, generation: int, result) -> None:
        prepared, portrait, flow, eigen = result
        if generation <= self._drawn or prepared is not self.host.prepared or not self.on:
            return  # overtaken, or drawn for another mapping
        self._drawn = generation
        self.portrait = portrait
        self.flow.set_paths(flow, [portrait.streamlines, portrait.stream_heads, *portrait.arrows])
        self.eigen.set_paths(eigen, [portrait.eigen[key] for key in EIGEN_LAYERS])
        items = portrait.equilibria.items
        _scatter(self.equilibrium_spots, spots=[glyphs.spot(eq.kind, *eq.point) for eq in items])
        self._place_labels(items)
        self.panel.show_levels(*portrait.speed_levels)
        diagram = self.panel.diagram
        points = [eq.linear.point for eq in items]
        if not points and diagram.cursor_point is not None:
            points = [diagram.cursor_point]
        diagram.fit(points)
        self.panel.show_equilibria(portrait.equilibria)
        self.portraitDrawn.emit()

    @guarded
    def _on_trajectories(self, _generation: int, result) -> None:
        version, found = result
        if version != self._version:
            return  # F changed while they were integrated
        self._paths.update(found)
        if self.on:
            self._draw_trajectories()

    # -- drawing
    def _show(self, on: bool) -> None:
        items = [self.veil, self.flow, self.eigen, self.trajectory_lines, self.trajectory_starts,
                 self.equilibrium_spots, *self._labels]
        for item in items:
            item.setVisible(on)

    def _place_veil(self, rect) -> None:
        """The veil covers the view and one view's size beyond it on every side, so a pan keeps
        it: it is moved only when the view comes within half a view of its edge or the zoom
        changes (moving it dirties the whole view and drops its cached pixmap)."""
        x0, x1, y0, y1 = rect
        w, h = x1 - x0, y1 - y0
        now = self.veil.rect()
        if not now.isNull() and math.isclose(now.width(), 3 * w, rel_tol=0.05) \
                and math.isclose(now.height(), 3 * h, rel_tol=0.05) \
                and now.left() + 0.5 * w <= x0 and x1 <= now.right() - 0.5 * w \
                and now.top() + 0.5 * h <= y0 and y1 <= now.bottom() - 0.5 * h:
            return
        drop_cache(self.veil)
        self.veil.setRect(QRectF(x0 - w, y0 - h, 3 * w, 3 * h))

    def _place_labels(self, items) -> None:
        view = self.host.domain
        for label in self._labels:
            view.getPlotItem().removeItem(label)
        self._labels = []
        x0, x1, y0, y1 = view.visible_rect()
        sx = view.viewbox.width() / (x1 - x0)
        sy = view.viewbox.height() / (y1 - y0)
        points = [((eq.point[0] - x0) * sx, (y1 - eq.point[1]) * sy) for eq in items]
        texts = [eq.linear.eigenvalue_text() for eq in items]
        metrics = QFontMetricsF(self._label_font)  # a TextItem is its text plus a 4 px margin each side
        widths = [metrics.horizontalAdvance(text) + 2 * _LABEL_MARGIN_PX for text in texts]
        for i, left in place_labels(points, widths, right=view.viewbox.width()):
            anchor = (1 + LABEL_GAP if left else -LABEL_GAP, 1.1)
            label = pg.TextItem(texts[i], color=LABEL_TEXT, anchor=anchor, fill=pg.mkBrush(*LABEL_BACKGROUND))
            label.setFont(self._label_font)
            label.setPos(*items[i].point)
            view.add(label, 9)
            self._labels.append(label)

    def _draw_trajectories(self) -> None:
        starts = self.host.model.dynamics.trajectories
        shown = [self._paths[p] for p in starts if p in self._paths]
        self.trajectories = tuple(shown)
        gap = np.full((1, 2), np.nan)

        def joined(parts):
            parts = [part for path in parts for part in (path, gap)]
            return np.concatenate(parts[:-1]) if parts else np.empty((0, 2))

        tips, dirs = [], []
        for t in shown:  # one arrowhead a third of the way along the forward part
            f = t.forward
            if len(f) >= 3:
                i = max(1, len(f) // 3)
                tips.append(f[i])
                dirs.append(f[i] - f[i - 1])
        x0, x1, y0, y1 = self.host.domain.visible_rect()
        size = 0.022 * max(x1 - x0, y1 - y0)
        tips_, dirs_ = np.array(tips).reshape(-1, 2), np.array(dirs).reshape(-1, 2)
        self.trajectory_lines.set_points([(joined([t.forward for t in shown]), "finite"),
                               (joined([t.backward for t in shown]), "finite"),
                               (heads(tips_, dirs_, size), "pairs")])
        if starts:
            arr = np.asarray(starts, dtype=float)
            _scatter(self.trajectory_starts, arr[:, 0], arr[:, 1])
        else:
            _scatter(self.trajectory_starts, [], [])
        self.trajectoriesDrawn.emit()


def _portrait_job(prepared, numeric, rect, params):
    """Background: the phase portrait of ``rect`` and its paths (the prepared mapping tells a stale
    result); QPainterPaths are plain values, built here off the GUI thread."""
    portrait = phase_portrait(numeric, rect, params)
    flow = [polyline_path(portrait.streamlines, "finite"), polyline_path(portrait.stream_heads, "pairs"),
            *(polyline_path(a, "pairs") for a in portrait.arrows)]
    eigen = [polyline_path(portrait.eigen[key], "pairs") for key in EIGEN_LAYERS]
    return prepared, portrait, flow, eigen


def _trajectory_job(version, numeric, starts, rect, params):
    """Background: the trajectories through ``starts`` for the F of ``version``."""
    return version, dict(zip(starts, trajectories(numeric, starts, rect, params), strict=True))


# The glyphs and starting points are cached as pixmaps too (PlotView.add(static=True)); a cached
# item's pixmap must be dropped when its data change (jacviz.ui.items.static_curve.drop_cache).
def _scatter(item, *args, **kwargs) -> None:
    drop_cache(item)
    item.setData(*args, **kwargs)
