"""The domain view: the det J heatmap, the grid, the critical curve, the cursor and its neighbourhood.

The views only draw: they are handed core objects (a :class:`~jacviz.core.pipeline.scene.Scene`,
a :class:`~jacviz.core.sampling.linearization.Linearization`) and put them on screen. Static
layers (the heatmap, the grid, the critical curve) change when the scene changes; the overlay
(the neighbourhood, its images, the arrows) changes on every cursor move and is kept to a few
small items so that a move repaints little.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, Signal

from jacviz.core.pipeline.scene import Scene, heatmap_values
from jacviz.core.sampling.heatmap import HEATMAP_LABELS
from jacviz.core.sampling.linearization import Linearization
from jacviz.ui import style
from jacviz.ui.items.curves import arrow_segments, curve, direction, handle, marker, set_pairs, set_path
from jacviz.ui.items.overlay import Overlay
from jacviz.ui.items.static_curve import StaticCurve, drop_cache
from jacviz.ui.views.base import PlotView, consume_hover
from jacviz.ui.views.paths import scene_paths


class _DomainViewBox(pg.ViewBox):
    """A ViewBox whose left drag draws a rectangle instead of panning in region mode."""

    def __init__(self, owner: DomainView) -> None:
        super().__init__()
        self._owner = owner
        self.region_mode = False

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph override
        if self.region_mode and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            a = self.mapSceneToView(ev.buttonDownScenePos())
            b = self.mapSceneToView(ev.scenePos())
            self._owner.regionDragged.emit(
                (min(a.x(), b.x()), max(a.x(), b.x()), min(a.y(), b.y()), max(a.y(), b.y())),
                bool(ev.isFinish()),
            )
            return
        super().mouseDragEvent(ev, axis)


class DomainView(PlotView):
    """det J heatmap, the grid, the critical curve, the cursor and its neighbourhood."""

    cursorMoved = Signal(float, float)
    pointClicked = Signal(float, float)
    visibleRectChanged = Signal(object)
    regionDragged = Signal(object, bool)  # (x0, x1, y0, y1), finished
    polygonPoint = Signal(float, float)
    polygonClosed = Signal()
    vectorDragged = Signal(float, float)  # the tip of the tangent vector v, in data coordinates

    def __init__(self, parent=None) -> None:
        self._viewbox = _DomainViewBox(self)
        super().__init__("domainView", parent, viewbox=self._viewbox)
        self.image = self.add(pg.ImageItem(axisOrder="row-major"), -10, static=True)
        self.colorbar = pg.ColorBarItem(
            values=(-1, 1), colorMap=style.det_colormap(), label=HEATMAP_LABELS["det"],
            interactive=False, width=14,
        )
        self.colorbar.setImageItem(self.image, insert_in=self.getPlotItem())
        self.grid_vertical = self.add(StaticCurve(style.pen(style.VERTICAL, 1.0, 150)), 0, static=True)
        self.grid_horizontal = self.add(StaticCurve(style.pen(style.HORIZONTAL, 1.0, 150)), 0, static=True)
        self.critical = self.add(StaticCurve(style.pen(style.CRITICAL, 2.5)), 5, static=True)
        self.overlay = self.add(Overlay(), 11)
        self._pens = {
            "circle": style.pen(style.TRUE_IMAGE, 2.0),
            "e1": style.pen(style.HORIZONTAL, 2.5),
            "e2": style.pen(style.VERTICAL, 2.5),
            "directions": style.pen(style.AXES, 1.5, style=Qt.PenStyle.DashLine),
        }
        self.pins = self.add(
            pg.ScatterPlotItem(size=11, symbol="d", pen=pg.mkPen("k"), brush=pg.mkBrush(*style.PIN)), 15
        )
        # laboratory overlays
        self.fold_overlay = self.add(pg.ImageItem(axisOrder="row-major"), -5)
        self.region_outline = self.add(curve(style.REGION, dashed=True), 20)
        self.preimages = self.add(
            pg.ScatterPlotItem(size=13, symbol="o", pen=pg.mkPen(style.PREIMAGE, width=2.5),
                               brush=pg.mkBrush(255, 255, 255, 120)), 16
        )
        self.tangent = self.add(curve(style.TANGENT), 13)
        self.pullback = self.add(curve(style.COVECTOR), 13)
        self.gradient = self.add(curve(style.GRADIENT, 2.0, dashed=True), 13)
        self.tangent_handle = self.add(handle(style.TANGENT), 17)
        self.tangent_handle.sigPositionChanged.connect(self._on_handle)
        self._setting_handle = False
        self.mode = "det"
        self._scene: Scene | None = None
        # Every mouse move, straight from the viewport: pyqtgraph's sigMouseMoved drops moves
        # that come within 10 ms of the previous one (its mouseRateLimit) and never delivers
        # the last of them, so a fast flick would leave the readout at a stale point.
        self.viewport().installEventFilter(self)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.viewbox.sigRangeChanged.connect(self._on_range_changed)

    # -- static layers
    def show_scene(self, scene: Scene, paths: dict | None = None) -> None:
        """Draw a scene; ``paths`` (from :func:`scene_paths`, built off the GUI thread) saves time."""
        self._scene = scene
        self._show_heatmap()
        paths = paths or scene_paths(scene)
        self.grid_vertical.set_path(*paths["domain_vertical"])
        self.grid_horizontal.set_path(*paths["domain_horizontal"])
        self.critical.set_path(*paths["domain_critical"])

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.colorbar.setColorMap(style.colormap_for(mode))
        self.colorbar.setLabel("left", HEATMAP_LABELS[mode])
        if self._scene is not None:
            self._show_heatmap()

    def _show_heatmap(self) -> None:
        scene = self._scene
        assert scene is not None
        img, levels = heatmap_values(scene, self.mode)
        drop_cache(self.image)
        self.image.setImage(img, autoLevels=False, levels=levels)
        x0, x1, y0, y1 = scene.rect
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.colorbar.setLevels(levels)

    # -- overlay
    def show_linearization(self, lin: Linearization | None) -> None:
        """The circle of radius h around p, e₁ and e₂ scaled by h, and J's principal directions."""
        if lin is None:
            self.overlay.clear()
            return
        p, h = lin.point, lin.h
        pens = self._pens
        strokes = [
            (pens["circle"], lin.circle, "finite"),
            (pens["e1"], arrow_segments(p, (h, 0.0)), "pairs"),
            (pens["e2"], arrow_segments(p, (0.0, h)), "pairs"),
        ]
        v = lin.stretches.domain_axes
        if np.isfinite(v).all():
            seg = np.array([p - h * v[:, 0], p + h * v[:, 0], p - h * v[:, 1], p + h * v[:, 1]])
            strokes.append((pens["directions"], seg, "pairs"))
        self.overlay.set_strokes(strokes, [marker(p[0], p[1])])

    def show_pins(self, points: list[tuple[float, float]]) -> None:
        if points:
            arr = np.asarray(points, dtype=float)
            self.pins.setData(arr[:, 0], arr[:, 1])
        else:
            self.pins.setData([], [])

    # -- input
    def _inside(self, scene_pos) -> bool:
        return self.viewbox.sceneBoundingRect().contains(scene_pos)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.MouseMove and obj is self.viewport():
            scene_pos = self.mapToScene(event.position().toPoint())
            if self._inside(scene_pos):
                p = self.viewbox.mapSceneToView(scene_pos)
                self.cursorMoved.emit(float(p.x()), float(p.y()))
            return consume_hover(event)
        return False

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._inside(event.scenePos()):
            return
        p = self.viewbox.mapSceneToView(event.scenePos())
        if self._viewbox.region_mode:
            event.accept()
            if event.double():
                self.polygonClosed.emit()
            else:
                self.polygonPoint.emit(float(p.x()), float(p.y()))
            return
        if event.double():
            return
        event.accept()
        self.pointClicked.emit(float(p.x()), float(p.y()))

    # -- laboratory tools
    def set_region_mode(self, on: bool) -> None:
        self._viewbox.region_mode = on
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def show_region(self, outline: np.ndarray | None, fold: np.ndarray | None = None,
                    fold_rect=None) -> None:
        """The region's outline (a closed polyline) and, shaded, where det J < 0 inside it."""
        if outline is None or outline.size == 0:
            self.region_outline.setData([], [])
        else:
            set_path(self.region_outline, outline)
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

    def show_preimages(self, points: np.ndarray | None) -> None:
        if points is None or len(points) == 0:
            self.preimages.setData([], [])
        else:
            self.preimages.setData(points[:, 0], points[:, 1])

    def show_vectors(self, p, v, pullback, gradient, h: float) -> None:
        """v at p (draggable tip), Jᵀ·g at p, and the direction of ∇(L∘F) (length 3h)."""
        if p is None:
            for item in (self.tangent, self.pullback, self.gradient):
                item.setData([], [])
            self.tangent_handle.setVisible(False)
            return
        p = np.asarray(p, dtype=float)
        set_pairs(self.tangent, arrow_segments(p, v))
        set_pairs(self.pullback, arrow_segments(p, pullback))
        set_pairs(self.gradient, arrow_segments(p, direction(gradient) * 3 * h))
        self._setting_handle = True
        try:
            self.tangent_handle.setPos(*(p + np.asarray(v, dtype=float)))
        finally:
            self._setting_handle = False
        self.tangent_handle.setVisible(True)

    def _on_handle(self, *_args) -> None:
        if self._setting_handle:
            return
        pos = self.tangent_handle.pos()
        self.vectorDragged.emit(float(pos.x()), float(pos.y()))

    def _on_range_changed(self, *_args) -> None:
        self.visibleRectChanged.emit(self.visible_rect())
