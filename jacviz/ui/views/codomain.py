"""The codomain view: the deformed grid, the image of the critical curve, and F near F(p)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, Signal

from jacviz.core.pipeline.scene import Scene
from jacviz.core.sampling.linearization import Linearization
from jacviz.ui import style
from jacviz.ui.items.curves import arrow_segments, curve, direction, handle, marker, set_pairs, set_path
from jacviz.ui.items.lens import Lens
from jacviz.ui.items.overlay import Overlay
from jacviz.ui.items.static_curve import StaticCurve
from jacviz.ui.views.base import PlotView, consume_hover
from jacviz.ui.views.paths import scene_paths


class CodomainView(PlotView):
    """The deformed grid, the image of the critical curve, and F near F(p)."""

    def __init__(self, parent=None) -> None:
        super().__init__("codomainView", parent)
        self.grid_vertical = self.add(StaticCurve(style.pen(style.VERTICAL, 1.0, 170)), 0, static=True)
        self.grid_horizontal = self.add(StaticCurve(style.pen(style.HORIZONTAL, 1.0, 170)), 0, static=True)
        self.critical = self.add(StaticCurve(style.pen(style.CRITICAL, 2.5)), 5, static=True)
        self.overlay = self.add(Overlay(), 11)
        self._pens = {
            "true": style.pen(style.TRUE_IMAGE, 2.0),
            "linear": style.pen(style.LINEAR_IMAGE, 2.0, style=Qt.PenStyle.DashLine),
            "je1": style.pen(style.HORIZONTAL, 2.5),
            "je2": style.pen(style.VERTICAL, 2.5),
        }
        self.pins = self.add(
            pg.ScatterPlotItem(size=11, symbol="d", pen=pg.mkPen("k"), brush=pg.mkBrush(*style.PIN)), 15
        )
        # laboratory overlays
        self.coverage = self.add(pg.ImageItem(axisOrder="row-major"), -5)
        self.region_image = self.add(curve(style.REGION, dashed=True), 20)
        self.hover = self.add(
            pg.ScatterPlotItem(size=13, symbol="+", pen=pg.mkPen(style.PREIMAGE, width=2.5)), 16
        )
        self.pushforward = self.add(curve(style.TANGENT), 13)
        self.covector = self.add(curve(style.COVECTOR), 13)
        self.gradient = self.add(curve(style.GRADIENT, 2.0, dashed=True), 13)
        self.covector_handle = self.add(handle(style.COVECTOR), 17)
        self.covector_handle.sigPositionChanged.connect(self._on_handle)
        self._setting_handle = False
        self.lens = Lens(self)
        self.follow = True  # follow the domain until the user pans or zooms here by hand
        self.viewbox.sigRangeChangedManually.connect(self._on_manual_range)
        self.viewport().installEventFilter(self)  # every move; see DomainView

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if "lens" not in self.__dict__:  # pyqtgraph calls this from inside __init__
            return
        w, h = self.width(), self.height()
        side = int(max(150, min(0.42 * w, 0.5 * h)))
        self.lens.setGeometry(w - side - 6, 6, side, side)

    def set_lens_visible(self, visible: bool) -> None:
        self.lens.setVisible(visible)

    def _on_manual_range(self, *_args) -> None:
        self.follow = False

    def show_scene(self, scene: Scene, paths: dict | None = None) -> None:
        """Draw a scene's images; see DomainView.show_scene for ``paths``."""
        paths = paths or scene_paths(scene)
        if self.follow:
            (u0, v0), (u1, v1) = paths.get("image_limits", scene.image_limits)
            self.viewbox.setRange(xRange=(u0, u1), yRange=(v0, v1), padding=0.0)
        self.grid_vertical.set_path(*paths["image_vertical"])
        self.grid_horizontal.set_path(*paths["image_horizontal"])
        self.critical.set_path(*paths["image_critical"])

    def show_linearization(self, lin: Linearization | None) -> None:
        """The true image of the circle, the ellipse J(p) predicts, and J's columns (times h)."""
        if lin is None or not np.isfinite(lin.value).all():
            self.overlay.clear()
            self.lens.clear()
            return
        fp, h, jac = lin.value, lin.h, lin.jacobian
        arrow1 = arrow_segments(fp, h * jac[:, 0])
        arrow2 = arrow_segments(fp, h * jac[:, 1])
        pens = self._pens
        self.overlay.set_strokes([
            (pens["true"], lin.true_image, "finite"),
            (pens["linear"], lin.linear_image, "finite"),
            (pens["je1"], arrow1, "pairs"),
            (pens["je2"], arrow2, "pairs"),
        ], [marker(fp[0], fp[1])])
        if self.lens.isVisible():
            self.lens.show_linearization(lin, arrow1, arrow2)

    def show_pins(self, images: np.ndarray) -> None:
        ok = images[np.isfinite(images).all(axis=1)] if images.size else images
        if ok.size:
            self.pins.setData(ok[:, 0], ok[:, 1])
        else:
            self.pins.setData([], [])

    # -- laboratory tools
    hoverMoved = Signal(float, float)
    covectorDragged = Signal(float, float)  # the tip of g, in data coordinates

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.MouseMove and obj is self.viewport():
            pos = event.position().toPoint()
            if not (self.lens.isVisible() and self.lens.geometry().contains(pos)):
                scene_pos = self.mapToScene(pos)
                if self.viewbox.sceneBoundingRect().contains(scene_pos):
                    q = self.viewbox.mapSceneToView(scene_pos)
                    self.hoverMoved.emit(float(q.x()), float(q.y()))
            return consume_hover(event)
        return False

    def show_hover(self, q) -> None:
        if q is None:
            self.hover.setData([], [])
        else:
            self.hover.setData([q[0]], [q[1]])

    def show_region_image(self, boundary: np.ndarray | None, coverage: np.ndarray | None = None,
                          extent=None) -> None:
        """F(∂R) and, shaded by how many times, the parts of F(R) covered more than once."""
        if boundary is None or boundary.size == 0:
            self.region_image.setData([], [])
        else:
            set_path(self.region_image, boundary)
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

    def show_vectors(self, q, jv, g, gradient, scale: float) -> None:
        """J·v and g at F(p) (g's tip draggable), and the direction of ∇L (length ``scale``)."""
        if q is None or not np.isfinite(q).all():
            for item in (self.pushforward, self.covector, self.gradient):
                item.setData([], [])
            self.covector_handle.setVisible(False)
            return
        q = np.asarray(q, dtype=float)
        set_pairs(self.pushforward, arrow_segments(q, jv))
        set_pairs(self.covector, arrow_segments(q, g))
        set_pairs(self.gradient, arrow_segments(q, direction(gradient) * scale))
        self._setting_handle = True
        try:
            self.covector_handle.setPos(*(q + np.asarray(g, dtype=float)))
        finally:
            self._setting_handle = False
        self.covector_handle.setVisible(True)

    def _on_handle(self, *_args) -> None:
        if self._setting_handle:
            return
        pos = self.covector_handle.pos()
        self.covectorDragged.emit(float(pos.x()), float(pos.y()))
