"""The region tool (R): the change of variables, checked live over a rectangle or a polygon.

Drag a rectangle in the left view, or click the corners of a polygon and double-click. The
panel shows area(R), ∬ det J, ∬ |det J| and the area of F(R); where F folds inside R the part
with det J < 0 is shaded on the left and the part of F(R) covered several times on the right.
The region is the model's ``region`` field; integrating runs on a background thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtWidgets import QPushButton

from jacviz.core.errors import JacvizError
from jacviz.core.sampling.geometry import point_in_polygon
from jacviz.ui import style
from jacviz.ui.background import LatestWorker
from jacviz.ui.guard import guarded
from jacviz.ui.items.curves import curve, set_path
from jacviz.ui.tools.base import Tool
from jacviz.ui.tools.region.panel import RegionPanel

BOUNDARY_SAMPLES = 2000
FOLD_RASTER = 256


def outline(region: dict) -> np.ndarray:
    """The region's boundary as a closed polyline."""
    if "rect" in region:
        x0, x1, y0, y1 = region["rect"]
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])
    pts = np.asarray(region["polygon"], dtype=float)
    return np.vstack([pts, pts[:1]])


class RegionTool(Tool):
    """Region, its integrals and its image (see the module docstring)."""

    name = "region"
    regionComputed = Signal(object)

    def __init__(self, host) -> None:
        super().__init__(host)
        self.report = None
        self.draft: list[tuple[float, float]] = []
        self.worker = LatestWorker("region", self)
        self.worker.finished.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)

        d, c = host.domain, host.codomain
        self.fold_overlay = d.add(pg.ImageItem(axisOrder="row-major"), -5)
        self.outline_curve = d.add(curve(style.REGION, dashed=True), 20)
        self.coverage = c.add(pg.ImageItem(axisOrder="row-major"), -5)
        self.image_curve = c.add(curve(style.REGION, dashed=True), 20)

        self.button = QPushButton("Region")
        self.button.setObjectName("regionTool")
        self.button.setCheckable(True)
        self.button.setToolTip(
            "Region tool (R): drag a rectangle, or click a polygon and double-click to close it;\n"
            "then compare ∬|det J| with the area of F(R)"
        )
        host.add_control(self.button)
        self.panel = RegionPanel()
        self.panel.setVisible(False)
        host.add_panel(self.panel)

        self.button.toggled.connect(self._on_tool_toggled)
        self.panel.clearRequested.connect(self._on_clear)
        d.clicked.connect(self._on_click)
        host.model.regionChanged.connect(self._on_region_changed)
        host.add_shortcut("R", self.button.toggle, "region")
        host.add_shortcut("Escape", self._on_clear, "clear_region")

    # -- the tool's state lives in the model
    @property
    def region(self) -> dict | None:
        return self.host.model.region

    def set_region(self, region: dict | None) -> None:
        self.host.model.set("region", region)

    @property
    def active(self) -> bool:
        return self.button.isChecked()

    # -- hooks
    def mapping_changed(self) -> None:
        if self.region is not None:
            self._compute()

    def close(self) -> None:
        self.worker.close()

    # -- slots
    @guarded
    def _on_tool_toggled(self, on: bool) -> None:
        domain = self.host.domain
        if on:
            domain.capture_drags(self, self._on_drag)
            self.host.show_message("Region tool: drag a rectangle, or click corners and double-click "
                                   "to close a polygon")
        else:
            domain.release_drags(self)
            self.draft = []
            if self.region is None:
                self._show_outline(None)
        self.panel.setVisible(on or self.region is not None)

    def _on_drag(self, start, end, finished: bool) -> None:
        x0, x1 = sorted((start[0], end[0]))
        y0, y1 = sorted((start[1], end[1]))
        self.draft = []
        if not finished:
            self._show_outline(outline({"rect": (x0, x1, y0, y1)}))
            return
        if x1 > x0 and y1 > y0:
            self.set_region({"rect": (x0, x1, y0, y1)})

    @guarded
    def _on_click(self, x: float, y: float, _modifiers, double: bool) -> None:
        if not self.active:
            return
        if double:
            corners = list(dict.fromkeys(self.draft))  # a double-click repeats the last corner
            self.draft = []
            if len(corners) < 3:
                self.host.show_message("a polygon needs at least three corners", error=True)
                return
            self.set_region({"polygon": corners})
            return
        self.draft.append((x, y))
        self._show_outline(np.array(self.draft))
        n = len(self.draft)
        self.host.show_message(f"Polygon: {n} corner{'s' if n != 1 else ''}; double-click to close it")

    @guarded
    def _on_clear(self, *_args) -> None:
        self.draft = []
        self.set_region(None)

    @guarded
    def _on_region_changed(self, region) -> None:
        if region is None:
            self.report = None
            self._show_outline(None)
            self._show_image(None)
            self.panel.setVisible(self.active)
            return
        self.panel.setVisible(True)
        self._show_outline(outline(region))
        self._compute()

    def _compute(self) -> None:
        host = self.host
        numeric = host.numeric()
        if numeric is None or self.region is None:
            return
        self.panel.show_busy()
        self.worker.submit(_region_job, numeric, dict(self.region), host.model.param_values())

    @guarded
    def _on_done(self, generation: int, result) -> None:
        if generation != self.worker.generation or self.region is None:
            return
        report, line, fold, fold_rect, image_boundary = result
        self.report = report
        self.panel.show_report(report)
        self._show_outline(line, fold, fold_rect)
        self._show_image(image_boundary, report.coverage, report.image_extent)
        self.regionComputed.emit(report)

    @guarded
    def _on_failed(self, generation: int, error: JacvizError) -> None:
        if generation == self.worker.generation:
            self.panel.show_error(str(error))

    # -- drawing
    def _show_outline(self, line, fold=None, fold_rect=None) -> None:
        if line is None or line.size == 0:
            self.outline_curve.setData([], [])
        else:
            set_path(self.outline_curve, line)
        if fold is None or not fold.any():
            self.fold_overlay.clear()
            self.fold_overlay.setVisible(False)
            return
        rgba = np.zeros((*fold.shape, 4), dtype=np.ubyte)
        rgba[fold] = (*style.FOLD, 150)
        self.fold_overlay.setImage(rgba, autoLevels=False)
        x0, x1, y0, y1 = fold_rect
        self.fold_overlay.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.fold_overlay.setVisible(True)

    def _show_image(self, boundary, coverage=None, extent=None) -> None:
        """F(∂R) and, shaded by how many times, the parts of F(R) covered more than once."""
        if boundary is None or boundary.size == 0:
            self.image_curve.setData([], [])
        else:
            set_path(self.image_curve, boundary)
        if coverage is None or extent is None or not (coverage > 1).any():
            self.coverage.clear()
            self.coverage.setVisible(False)
            return
        rgba = np.zeros((*coverage.shape, 4), dtype=np.ubyte)
        sheets = np.clip(coverage, 0, 4)
        for k, alpha in ((2, 110), (3, 170), (4, 220)):
            rgba[sheets == k] = (*style.FOLD, alpha)
        self.coverage.setImage(rgba, autoLevels=False)
        u0, u1, v0, v1 = extent
        self.coverage.setRect(QRectF(u0, v0, u1 - u0, v1 - v0))
        self.coverage.setVisible(True)


def _region_job(numeric, region: dict, params):
    """Background: integrate over the region, find where it folds, map its boundary."""
    from jacviz.core.lab.region import fold_mask, region_report
    from jacviz.core.sampling.fields import cell_centres
    from jacviz.core.sampling.grid import break_jumps

    line = outline(region)
    if "rect" in region:
        report = region_report(numeric, rect=region["rect"], params=params)
        fold_rect = tuple(region["rect"])
    else:
        report = region_report(numeric, polygon=region["polygon"], params=params)
        fold_rect = (float(line[:, 0].min()), float(line[:, 0].max()),
                     float(line[:, 1].min()), float(line[:, 1].max()))
    fold = fold_mask(numeric, fold_rect, FOLD_RASTER, params)
    if "polygon" in region:
        xs, ys = cell_centres(fold_rect, FOLD_RASTER)
        fold &= point_in_polygon(xs[None, :], ys[:, None], line[:-1])
    # F(∂R), densely sampled, with breaks where it jumps (a pole on the boundary)
    seg = np.diff(line, axis=0)
    lengths = np.hypot(seg[:, 0], seg[:, 1])
    counts = np.maximum(2, np.round(BOUNDARY_SAMPLES * lengths / lengths.sum()).astype(int))
    pts = np.concatenate([
        line[i] + np.linspace(0, 1, c, endpoint=False)[:, None] * seg[i] for i, c in enumerate(counts)
    ] + [line[-1:]])
    u, v = numeric.values(pts[:, 0], pts[:, 1], params)
    u, v = break_jumps(u[None, :], v[None, :])
    return report, line, fold, fold_rect, np.stack([u[0], v[0]], axis=1)

