"""The laboratory: change of variables over a region, backprop vectors, morphing, preimages,
and the layers of a chain.

:class:`Laboratory` owns the tools' state and widgets and talks to the window through a
few calls: :meth:`numeric` (the mapping the views should draw, morphed or not),
:meth:`update_at` (the cursor moved), :meth:`mapping_changed` (a new mapping or new
parameter values). Work that can take longer than a frame (integrating over a region,
finding preimages, compiling a loss) runs on background threads, newest request first.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from jacviz.core.errors import MappingError
from jacviz.ui.background import LatestWorker
from jacviz.ui.guard import guarded
from jacviz.ui.tools.lab_panels import BackpropPanel, ChainPanel, RegionPanel

MORPH_STEPS = 1000
MORPH_FRAME_MS = 40
MORPH_SECONDS = 2.5
REGION_BOUNDARY_SAMPLES = 2000


class Laboratory(QObject):
    """Region, vectors, morph, preimages and chain read-outs for one MainWindow."""

    morphChanged = Signal(float)
    regionComputed = Signal(object)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.t = 1.0
        self.region: dict | None = None  # {"rect": (x0, x1, y0, y1)} or {"polygon": [(x, y), ...]}
        self.polygon_draft: list[tuple[float, float]] = []
        self.vectors_on = False
        self.v: np.ndarray | None = None
        self.g: np.ndarray | None = None
        self.loss = None
        self.region_report = None
        self.preimage_points = np.empty((0, 2))

        self.region_worker = LatestWorker("region", self)
        self.region_worker.finished.connect(self._on_region_done)
        self.region_worker.failed.connect(self._on_region_failed)
        self.probe = LatestWorker("probe", self)
        self.probe.finished.connect(self._on_probe_done)
        self.probe.failed.connect(self._on_probe_failed)

        # controls, placed in the window's control row
        self.controls = QWidget(window)
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(0, 0, 0, 0)
        self.region_button = QPushButton("Region")
        self.region_button.setObjectName("regionTool")
        self.region_button.setCheckable(True)
        self.region_button.setToolTip(
            "Region tool (R): drag a rectangle, or click a polygon and double-click to close it;\n"
            "then compare ∬|det J| with the area of F(R)"
        )
        row.addWidget(self.region_button)
        self.vectors_box = QCheckBox("Vectors")
        self.vectors_box.setObjectName("showVectors")
        self.vectors_box.setToolTip("J·v and Jᵀ·g at the cursor, and the gradient of a loss (V)")
        row.addWidget(self.vectors_box)
        row.addSpacing(12)
        row.addWidget(QLabel("morph t:"))
        self.morph_slider = QSlider(Qt.Orientation.Horizontal)
        self.morph_slider.setObjectName("morphSlider")
        self.morph_slider.setRange(0, MORPH_STEPS)
        self.morph_slider.setValue(MORPH_STEPS)
        self.morph_slider.setFixedWidth(110)
        self.morph_slider.setToolTip("t = 0 is the identity, t = 1 is F: p + t·(F(p) − p)")
        row.addWidget(self.morph_slider)
        self.morph_label = QLabel("1.00")
        self.morph_label.setObjectName("morphValue")
        row.addWidget(self.morph_label)
        self.play_button = QPushButton("▶")
        self.play_button.setObjectName("morphPlay")
        self.play_button.setCheckable(True)
        self.play_button.setFixedWidth(34)
        self.play_button.setToolTip("Play the morph from the identity to F (Space)")
        row.addWidget(self.play_button)

        # panels, placed in the side panel
        self.region_panel = RegionPanel(window)
        self.region_panel.setVisible(False)
        self.backprop_panel = BackpropPanel(window)
        self.backprop_panel.setVisible(False)
        self.chain_panel = ChainPanel(window)
        self.chain_panel.setVisible(False)

        self._timer = QTimer(self)
        self._timer.setInterval(MORPH_FRAME_MS)
        self._timer.timeout.connect(self._on_frame)

        self.region_button.toggled.connect(self._on_region_tool)
        self.vectors_box.toggled.connect(self._on_vectors)
        self.morph_slider.valueChanged.connect(self._on_slider)
        self.play_button.toggled.connect(self._on_play)
        self.region_panel.clearRequested.connect(self._on_clear_region)
        self.backprop_panel.lossChanged.connect(self._on_loss_text)
        d, c = window.domain, window.codomain
        d.regionDragged.connect(self._on_region_dragged)
        d.polygonPoint.connect(self._on_polygon_point)
        d.polygonClosed.connect(self._on_polygon_closed)
        d.vectorDragged.connect(self._on_vector_dragged)
        c.covectorDragged.connect(self._on_covector_dragged)
        c.hoverMoved.connect(self._on_hover)
        for key, slot in (("R", self._toggle_region_tool), ("V", self._toggle_vectors),
                          ("Escape", self._on_clear_region), ("Space", self._toggle_play)):
            shortcut = QShortcut(QKeySequence(key), window)
            shortcut.setObjectName(f"shortcut_{key}")
            shortcut.activated.connect(slot)

    @staticmethod
    def _typing() -> bool:
        """Single-key shortcuts must not act while the user types a mapping or a loss."""
        from PySide6.QtWidgets import QApplication, QLineEdit

        return isinstance(QApplication.focusWidget(), QLineEdit)

    # ------------------------------------------------------------------ the mapping to draw
    def numeric(self, compiled):
        """The mapping the views show: F, or p + t·(F(p) − p) while morphing."""
        if compiled is None or self.t >= 1.0:
            return compiled
        from jacviz.core.numeric.morph import MorphedMapping

        return MorphedMapping(compiled, self.t)

    def set_t(self, t: float) -> None:
        t = float(min(max(t, 0.0), 1.0))
        if t == self.t:
            return
        self.t = t
        self.morph_label.setText(f"{t:.2f}")
        pos = round(t * MORPH_STEPS)
        if self.morph_slider.value() != pos:
            self.morph_slider.blockSignals(True)
            self.morph_slider.setValue(pos)
            self.morph_slider.blockSignals(False)
        self.morphChanged.emit(t)

    # ------------------------------------------------------------------ cursor
    def update_at(self, p, numeric, params, info) -> None:
        """The cursor is at p: vectors, loss gradient, chain read-out."""
        w = self.window
        h = w.h
        prepared = w.prepared
        if prepared is not None and getattr(prepared, "chain", None) is not None:
            from jacviz.core.lab.chain import chain_at

            self.chain_panel.show_report(chain_at(prepared.chain, p, params))
            if self.chain_panel.isHidden():
                self.chain_panel.setVisible(True)
        elif not self.chain_panel.isHidden():
            self.chain_panel.setVisible(False)
        if not self.vectors_on:
            return
        from jacviz.core.lab.backprop import chain_rule_check

        jac = info.jacobian
        if self.v is None:
            self.v = np.array([1.6 * h, 1.2 * h])
        if self.g is None:
            s = max(float(np.nanmax(np.abs(jac))) if np.isfinite(jac).any() else 1.0, 1e-12)
            self.g = np.array([-1.2 * h * s, 1.6 * h * s])
        q = np.asarray(info.value, dtype=float)
        with np.errstate(all="ignore"):
            jv = jac @ self.v
            jtg = jac.T @ self.g
        grad_loss = np.full(2, np.nan)
        pull = np.full(2, np.nan)
        check = None
        if self.loss is not None and np.isfinite(q).all():
            grad_loss = self.loss.gradient(q, params)
            with np.errstate(all="ignore"):
                pull = jac.T @ grad_loss
            check = chain_rule_check(numeric, self.loss, p, params)
        self.backprop_panel.show_values(self.v, jv, self.g, jtg, grad_loss, pull, check)
        w.domain.show_vectors(p, self.v, jtg, pull, h)
        sigma = info.singular_values[0] if np.isfinite(info.singular_values[0]) else 1.0
        w.codomain.show_vectors(q, jv, self.g, grad_loss, 3 * h * max(sigma, 1e-12))

    # ------------------------------------------------------------------ new mapping / values
    def mapping_changed(self) -> None:
        """Recompute what depends on F: the region's numbers; drop stale preimages."""
        self.preimage_points = np.empty((0, 2))
        self.window.domain.show_preimages(None)
        self.window.codomain.show_hover(None)
        if self.region is not None:
            self._compute_region()

    # ------------------------------------------------------------------ slots
    @guarded
    def _toggle_region_tool(self) -> None:
        if not self._typing():
            self.region_button.toggle()

    @guarded
    def _toggle_vectors(self) -> None:
        if not self._typing():
            self.vectors_box.toggle()

    @guarded
    def _toggle_play(self) -> None:
        if not self._typing():
            self.play_button.toggle()

    @guarded
    def _on_region_tool(self, on: bool) -> None:
        self.window.domain.set_region_mode(on)
        self.region_panel.setVisible(on or self.region is not None)
        if on:
            self.window.show_message(
                "Region tool: drag a rectangle, or click corners and double-click to close a polygon"
            )
        else:
            self.polygon_draft = []
            if self.region is None:
                self.window.domain.show_region(None)

    @guarded
    def _on_vectors(self, on: bool) -> None:
        self.vectors_on = on
        self.backprop_panel.setVisible(on)
        if on and self.loss is None:
            self._on_loss_text(self.backprop_panel.loss_edit.text())
        if not on:
            self.window.domain.show_vectors(None, None, None, None, 0)
            self.window.codomain.show_vectors(None, None, None, None, 0)
        self.window.refresh_cursor()

    @guarded
    def _on_slider(self, pos: int) -> None:
        self.set_t(pos / MORPH_STEPS)

    @guarded
    def _on_play(self, on: bool) -> None:
        self.play_button.setText("⏸" if on else "▶")
        if on:
            if self.t >= 1.0:
                self.set_t(0.0)
            self._timer.start()
        else:
            self._timer.stop()

    @guarded
    def _on_frame(self) -> None:
        step = MORPH_FRAME_MS / 1000.0 / MORPH_SECONDS
        t = min(1.0, self.t + step)
        self.set_t(t)
        if t >= 1.0:
            self.play_button.setChecked(False)

    @guarded
    def _on_vector_dragged(self, x: float, y: float) -> None:
        if self.window.cursor is None:
            return
        self.v = np.array([x, y]) - np.asarray(self.window.cursor)
        self.window.refresh_cursor()

    @guarded
    def _on_covector_dragged(self, u: float, v: float) -> None:
        q = self.window.current_value()
        if q is None:
            return
        self.g = np.array([u, v]) - q
        self.window.refresh_cursor()

    @guarded
    def _on_loss_text(self, text: str) -> None:
        from jacviz.core.lab.backprop import Loss

        self.backprop_panel.show_loss_error(None)
        self.probe.submit(lambda: ("loss", Loss.from_text(text, isolated=True)))

    # -- preimages
    @guarded
    def _on_hover(self, u: float, v: float) -> None:
        w = self.window
        if w.prepared is None:
            return
        from jacviz.core.lab.preimages import preimages

        numeric = self.numeric(w.prepared.compiled)
        rect = w.domain.visible_rect()
        params = w.current_params()
        q = (u, v)
        w.codomain.show_hover(q)
        self.probe.submit(lambda: ("preimages", q, preimages(numeric, q, rect, params)))

    @guarded
    def _on_probe_done(self, generation: int, result) -> None:
        kind = result[0]
        if kind == "loss":
            self.loss = result[1]
            self.window.refresh_cursor()
            return
        if generation != self.probe.generation:
            return
        _, q, points = result
        self.preimage_points = points
        self.window.domain.show_preimages(points)
        n = len(points)
        noun = "preimage" if n == 1 else "preimages"
        self.window.show_message(
            f"({q[0]:.4g}, {q[1]:.4g}) has {n} {noun} in the visible domain (circled on the left)"
        )

    @guarded
    def _on_probe_failed(self, generation: int, error: MappingError) -> None:
        message = str(error)
        if message.startswith("loss"):
            self.backprop_panel.show_loss_error(message)
        else:
            self.window.show_message(message, error=True)

    # -- the region
    @guarded
    def _on_region_dragged(self, rect, finished: bool) -> None:
        x0, x1, y0, y1 = rect
        outline = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])
        self.polygon_draft = []
        if not finished:
            self.window.domain.show_region(outline)
            return
        if x1 - x0 <= 0 or y1 - y0 <= 0:
            return
        self.set_region({"rect": (x0, x1, y0, y1)})

    @guarded
    def _on_polygon_point(self, x: float, y: float) -> None:
        self.polygon_draft.append((x, y))
        pts = np.array(self.polygon_draft)
        self.window.domain.show_region(pts)
        self.window.show_message(
            f"Polygon: {len(pts)} corner{'s' if len(pts) != 1 else ''}; double-click to close it"
        )

    @guarded
    def _on_polygon_closed(self) -> None:
        pts = list(dict.fromkeys(self.polygon_draft))  # a double-click repeats the last corner
        self.polygon_draft = []
        if len(pts) < 3:
            self.window.show_message("a polygon needs at least three corners", error=True)
            return
        self.set_region({"polygon": pts})

    @guarded
    def _on_clear_region(self, *_args) -> None:
        if self._typing():
            return
        self.region = None
        self.region_report = None
        self.polygon_draft = []
        self.window.domain.show_region(None)
        self.window.codomain.show_region_image(None)
        self.region_panel.setVisible(self.region_button.isChecked())

    def set_region(self, region: dict) -> None:
        """Use ``region`` ({"rect": ...} or {"polygon": [...]}) and integrate over it."""
        self.region = region
        self.region_panel.setVisible(True)
        self.window.domain.show_region(_outline(region))
        self._compute_region()

    def _compute_region(self) -> None:
        w = self.window
        if w.prepared is None or self.region is None:
            return
        self.region_panel.show_busy()
        numeric = self.numeric(w.prepared.compiled)
        self.region_worker.submit(_region_job, numeric, dict(self.region), w.current_params())

    @guarded
    def _on_region_done(self, generation: int, result) -> None:
        if generation != self.region_worker.generation or self.region is None:
            return
        report, outline, fold, fold_rect, image_boundary = result
        self.region_report = report
        self.region_panel.show_report(report)
        self.window.domain.show_region(outline, fold, fold_rect)
        self.window.codomain.show_region_image(image_boundary, report.coverage, report.image_extent)
        self.regionComputed.emit(report)

    @guarded
    def _on_region_failed(self, generation: int, error: MappingError) -> None:
        if generation == self.region_worker.generation:
            self.region_panel.show_error(str(error))

    def close(self) -> None:
        self._timer.stop()
        self.region_worker.close()
        self.probe.close()


def _outline(region: dict) -> np.ndarray:
    if "rect" in region:
        x0, x1, y0, y1 = region["rect"]
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])
    pts = np.asarray(region["polygon"], dtype=float)
    return np.vstack([pts, pts[:1]])


def _inside(px: np.ndarray, py: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test, vectorised over the points."""
    inside = np.zeros(px.shape, dtype=bool)
    n = len(poly)
    for i in range(n):
        x0, y0 = poly[i]
        x1, y1 = poly[(i + 1) % n]
        crosses = (y0 > py) != (y1 > py)
        with np.errstate(all="ignore"):
            xi = x0 + (py - y0) * (x1 - x0) / (y1 - y0)
        inside ^= crosses & (px < xi)
    return inside


def _region_job(numeric, region: dict, params):
    """Background: integrate over the region, find where it folds, map its boundary."""
    from jacviz.core.lab.region import fold_mask, region_report
    from jacviz.core.sampling.fields import cell_centres
    from jacviz.core.sampling.grid import break_jumps

    outline = _outline(region)
    if "rect" in region:
        report = region_report(numeric, rect=region["rect"], params=params)
        x0, x1, y0, y1 = region["rect"]
    else:
        report = region_report(numeric, polygon=region["polygon"], params=params)
        x0, x1 = float(outline[:, 0].min()), float(outline[:, 0].max())
        y0, y1 = float(outline[:, 1].min()), float(outline[:, 1].max())
    fold_rect = (x0, x1, y0, y1)
    fold = fold_mask(numeric, fold_rect, 256, params)
    if "polygon" in region:
        xs, ys = cell_centres(fold_rect, 256)
        fold &= _inside(xs[None, :] + 0 * ys[:, None], ys[:, None] + 0 * xs[None, :], outline[:-1])
    # F(∂R), densely sampled, with breaks where it jumps (a pole on the boundary)
    seg = np.diff(outline, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    counts = np.maximum(2, np.round(REGION_BOUNDARY_SAMPLES * lengths / lengths.sum()).astype(int))
    pts = np.concatenate([
        outline[i] + np.linspace(0, 1, c, endpoint=False)[:, None] * seg[i] for i, c in enumerate(counts)
    ] + [outline[-1:]])
    u, v = numeric.values(pts[:, 0], pts[:, 1], params)
    u, v = break_jumps(u[None, :], v[None, :])
    boundary = np.stack([u[0], v[0]], axis=1)
    return report, outline, fold, fold_rect, boundary
