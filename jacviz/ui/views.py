"""The two linked plots: the domain (where the mouse is) and the codomain (where F sends it).

The views only draw: they are handed core objects (a :class:`~jacviz.core.pipeline.scene.Scene`,
a :class:`~jacviz.core.sampling.linearization.Linearization`) and put them on screen. Static layers (the
heatmap, the grid, the critical curve) change when the scene changes; the overlay (the
neighbourhood, its images, the arrows) changes on every cursor move and is kept to a few
small items so that a move repaints little.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QWidget

from jacviz.core.pipeline.scene import Scene, heatmap_values, image_limits, visible_images
from jacviz.core.sampling.heatmap import HEATMAP_LABELS
from jacviz.core.sampling.linearization import Linearization
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


def _set_pairs(item: pg.PlotCurveItem, segments: np.ndarray) -> None:
    if segments.size == 0:
        item.setData([], [])
    else:
        item.setData(segments[:, 0], segments[:, 1], connect="pairs")


def _set_path(item: pg.PlotCurveItem, points: np.ndarray) -> None:
    if points.size == 0:
        item.setData([], [])
    else:
        item.setData(points[:, 0], points[:, 1], connect="finite")


class Overlay(pg.GraphicsObject):
    """Everything that follows the cursor in one view, drawn by one item in one paint call.

    A cursor move replaces the strokes (polylines with a pen) and markers (dots of a fixed
    size in pixels) and repaints only this item's small bounding rectangle. One item instead
    of one pyqtgraph curve per arrow avoids most of the per-item bookkeeping on every move.
    """

    MARGIN_PX = 10.0
    LABEL_MARGIN_PX = 70.0  # room for a label's text around its anchor

    def __init__(self) -> None:
        super().__init__()
        self._strokes: list[tuple[QPen, QPainterPath]] = []
        self._markers: list[tuple[QPen, QBrush, float, float, float]] = []
        self._labels: list[tuple[QColor, float, float, str]] = []
        self._rect = QRectF()

    def clear(self) -> None:
        self.set_strokes([], [])

    def set_strokes(self, strokes, markers=(), labels=()) -> None:
        """``strokes``: (pen, (n, 2) points, connect) with connect 'finite' or 'pairs';
        ``markers``: (pen, brush, x, y, diameter in pixels); ``labels``: (colour, x, y, text),
        drawn just above and centred on (x, y)."""
        self._labels = [(QColor(*c), float(x), float(y), t) for c, x, y, t in labels
                        if np.isfinite(x) and np.isfinite(y)]
        self.prepareGeometryChange()
        self._strokes = []
        boxes = []
        for pen, pts, connect in strokes:
            pts = np.asarray(pts, dtype=float)
            if pts.size == 0:
                continue
            finite = pts[np.isfinite(pts).all(axis=1)]
            if finite.size == 0:
                continue
            path = pg.functions.arrayToQPath(pts[:, 0], pts[:, 1], connect=connect)
            self._strokes.append((pen, path))
            boxes.append((finite.min(axis=0), finite.max(axis=0)))
        self._markers = [m for m in markers if np.isfinite(m[2]) and np.isfinite(m[3])]
        for m in self._markers:
            boxes.append((np.array([m[2], m[3]]), np.array([m[2], m[3]])))
        for _c, x, y, _t in self._labels:
            boxes.append((np.array([x, y]), np.array([x, y])))
        if not boxes:
            self._rect = QRectF()
        else:
            lo = np.min([b[0] for b in boxes], axis=0)
            hi = np.max([b[1] for b in boxes], axis=0)
            px, py = self._pixel_size()
            margin = self.LABEL_MARGIN_PX if self._labels else self.MARGIN_PX
            mx, my = margin * px, margin * py
            self._rect = QRectF(lo[0] - mx, lo[1] - my, hi[0] - lo[0] + 2 * mx, hi[1] - lo[1] + 2 * my)
        self.update()

    def _pixel_size(self) -> tuple[float, float]:
        vb = self.getViewBox()
        if vb is None:
            return 0.0, 0.0
        size = vb.viewPixelSize()
        return abs(size[0]), abs(size[1])

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter, *_args) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for pen, path in self._strokes:
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        if self._markers or self._labels:
            transform = painter.transform()
            painter.save()
            painter.resetTransform()
            for pen, brush, x, y, size in self._markers:
                centre = transform.map(QPointF(x, y))
                painter.setPen(pen)
                painter.setBrush(brush)
                painter.drawEllipse(centre, size / 2, size / 2)
            metrics = painter.fontMetrics()
            for colour, x, y, text in self._labels:
                anchor = transform.map(QPointF(x, y))
                width = metrics.horizontalAdvance(text)
                painter.setPen(colour)
                painter.drawText(QPointF(anchor.x() - width / 2, anchor.y() - 4), text)
            painter.restore()


def polyline_path(points: np.ndarray, connect: str) -> tuple[QPainterPath | None, QRectF]:
    """A QPainterPath for (n, 2) points ('finite': NaN breaks; 'pairs': segments), and its bounds.

    Safe to call off the GUI thread (QPainterPath is a plain value), which is where the
    window builds the paths of a freshly sampled scene.
    """
    pts = np.asarray(points, dtype=float)
    if pts.size == 0:
        return None, QRectF()
    finite = np.isfinite(pts).all(axis=1)
    if not finite.any():
        return None, QRectF()
    lo = pts[finite].min(axis=0)
    hi = pts[finite].max(axis=0)
    path = pg.functions.arrayToQPath(pts[:, 0], pts[:, 1], connect=connect)
    return path, QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])


def scene_paths(scene: Scene, visible=None) -> dict[str, tuple[QPainterPath | None, QRectF]]:
    """The paths of a scene's static curves, for DomainView/CodomainView.show_scene.

    The codomain's paths show the image of ``visible`` (default: what was visible when the
    scene was sampled), not of the margin sampled around it.
    """
    g = scene.grid
    return {
        "domain_vertical": polyline_path(g.vertical, "finite"),
        "domain_horizontal": polyline_path(g.horizontal, "finite"),
        "domain_critical": polyline_path(scene.critical, "pairs"),
        **image_paths(scene, visible or scene.visible),
    }


def image_paths(scene: Scene, visible) -> dict[str, tuple[QPainterPath | None, QRectF]]:
    """The codomain's paths for the visible domain ``visible``, and its robust limits."""
    vertical, horizontal, critical = visible_images(scene, visible)
    return {
        "image_vertical": polyline_path(vertical, "finite"),
        "image_horizontal": polyline_path(horizontal, "finite"),
        "image_critical": polyline_path(critical, "pairs"),
        "image_limits": image_limits(vertical, horizontal),
    }


def _drop_cache(item: QGraphicsItem) -> None:
    """Throw away a cached item's pixmap now that its content changes.

    update() alone is not enough: when the content changed while the view was also
    panned, Qt reused the old DeviceCoordinateCache pixmap, shifted, and the grid was
    drawn where the previous scene's lines had been (tests/ui/test_pixels.py caught it).
    """
    mode = item.cacheMode()
    if mode != QGraphicsItem.CacheMode.NoCache:
        item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        item.setCacheMode(mode)


class StaticCurve(pg.GraphicsObject):
    """A family of many polylines (a grid, a critical curve) drawn from one prebuilt path.

    The path is made on the worker thread that sampled it (:func:`scene_paths`), so the
    GUI thread only swaps it in; pyqtgraph's PlotCurveItem would rebuild it and rescan the
    data for NaN and bounds on the GUI thread at every update.
    """

    def __init__(self, pen: QPen, antialias: bool = True) -> None:
        super().__init__()
        self._pen = pen
        self._antialias = antialias
        self._path: QPainterPath | None = None
        self._rect = QRectF()

    def set_path(self, path: QPainterPath | None, rect: QRectF) -> None:
        _drop_cache(self)
        self.prepareGeometryChange()
        self._path = path
        vb = self.getViewBox()
        if path is not None and vb is not None:
            px, py = (abs(v) for v in vb.viewPixelSize())
            w = self._pen.widthF() + 2
            rect = rect.adjusted(-w * px, -w * py, w * px, w * py)
        self._rect = rect if path is not None else QRectF()
        self.update()

    def set_points(self, points: np.ndarray, connect: str) -> None:
        self.set_path(*polyline_path(points, connect))

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt override
        return self._rect

    def paint(self, painter, *_args) -> None:
        if self._path is None:
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, self._antialias)
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)


def _marker(x: float, y: float, size: float = 7.0):
    return (pg.mkPen("k", width=1.5), pg.mkBrush("w"), float(x), float(y), size)


def _consume_hover(event) -> bool:
    """Keep a plain mouse move (no button held) from pyqtgraph's hover machinery.

    It searches the scene for items under the pointer on every move, which cost about as
    much as everything jacviz does for the move; nothing in the views needs hover (drags
    start from a press, and moves with a button held still go to pyqtgraph).
    """
    return event.buttons() == Qt.MouseButton.NoButton


def _curve(colour, width: float = 2.5, dashed: bool = False) -> pg.PlotCurveItem:
    """An arrow or outline of the laboratory tools."""
    return pg.PlotCurveItem(pen=style.pen(colour, width, style=Qt.PenStyle.DashLine if dashed else None))


def _handle(colour) -> pg.TargetItem:
    """A draggable round handle, hidden until a tool shows it."""
    item = pg.TargetItem(pos=(0, 0), size=11, symbol="o", pen=pg.mkPen(colour, width=2),
                         brush=pg.mkBrush(255, 255, 255, 200), movable=True)
    item.setVisible(False)
    return item


class _View(pg.PlotWidget):
    """A PlotWidget with a locked aspect ratio (circles stay circles) and no auto-range."""

    def __init__(self, name: str, parent=None, viewbox: pg.ViewBox | None = None) -> None:
        if viewbox is None:
            super().__init__(parent=parent, background=style.BACKGROUND)
        else:
            super().__init__(parent=parent, background=style.BACKGROUND, viewBox=viewbox)
        self.setObjectName(name)
        item = self.getPlotItem()
        item.setAspectLocked(True)
        item.disableAutoRange()
        item.hideButtons()  # auto-range would chase the outliers near a pole
        item.setMenuEnabled(False)
        for axis in ("left", "bottom"):
            ax = item.getAxis(axis)
            ax.setPen(pg.mkPen(style.FOREGROUND))
            ax.setTextPen(pg.mkPen(style.FOREGROUND))
        self.setMinimumSize(260, 240)

    @property
    def viewbox(self) -> pg.ViewBox:
        return self.getPlotItem().getViewBox()

    def add(self, item, z: float, bounds: bool = False, static: bool = False):
        """Add an item; ``static`` ones (heatmap, grid, critical curve) are cached as pixmaps.

        A cursor move repaints the small region around the overlay; with the cache, the
        static layers under it are blitted instead of re-stroking thousands of segments.
        The cache is rebuilt when the item or the view range changes (pan, zoom, resample).
        """
        item.setZValue(z)
        if static:
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.getPlotItem().addItem(item, ignoreBounds=not bounds)
        return item

    def set_axis_names(self, horizontal: str, vertical: str) -> None:
        item = self.getPlotItem()
        item.setLabel("bottom", horizontal)
        item.setLabel("left", vertical)

    def visible_rect(self) -> tuple[float, float, float, float]:
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        return (float(x0), float(x1), float(y0), float(y1))

    def show_rect(self, rect, padding: float = 0.0) -> None:
        x0, x1, y0, y1 = rect
        self.viewbox.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=padding)

    def data_to_widget(self, x: float, y: float):
        """Widget pixel coordinates of a data point (for tests and pointer automation)."""
        scene_pt = self.viewbox.mapViewToScene(pg.Point(x, y))
        return self.mapFromScene(scene_pt)


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


class DomainView(_View):
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
        self.region_outline = self.add(_curve(style.REGION, dashed=True), 20)
        self.preimages = self.add(
            pg.ScatterPlotItem(size=13, symbol="o", pen=pg.mkPen(style.PREIMAGE, width=2.5),
                               brush=pg.mkBrush(255, 255, 255, 120)), 16
        )
        self.tangent = self.add(_curve(style.TANGENT), 13)
        self.pullback = self.add(_curve(style.COVECTOR), 13)
        self.gradient = self.add(_curve(style.GRADIENT, 2.0, dashed=True), 13)
        self.tangent_handle = self.add(_handle(style.TANGENT), 17)
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
        _drop_cache(self.image)
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
        self.overlay.set_strokes(strokes, [_marker(p[0], p[1])])

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
            return _consume_hover(event)
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
            _set_path(self.region_outline, outline)
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
        _set_pairs(self.tangent, arrow_segments(p, v))
        _set_pairs(self.pullback, arrow_segments(p, pullback))
        _set_pairs(self.gradient, arrow_segments(p, _direction(gradient) * 3 * h))
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


class _Lens(QWidget):
    """A magnified view of F near F(p), inset in the codomain view's corner.

    At the scale of the whole codomain the small circle's image is a few pixels wide; here
    it fills the frame, so the true image and the ellipse J(p) predicts can be compared.
    What it draws is moved to F(p) = 0 and scaled to fit a fixed square, so it needs no axes
    (the scale is written underneath). It is a plain widget painting with QPainter: on every
    cursor move it repaints itself, and a graphics view would cost several times more.
    """

    EXTENT = 1.3

    def __init__(self, parent) -> None:
        super().__init__(parent)
        self.setObjectName("lens")
        # Opaque, so that repainting the lens does not repaint the codomain view under it.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._strokes: list[tuple[QPen, QPainterPath]] = []
        self._markers: list[tuple[float, float]] = []
        self._labels: list[tuple[QColor, float, float, str]] = []
        self._pens = {
            "true": style.pen(style.TRUE_IMAGE, 2.0),
            "linear": style.pen(style.LINEAR_IMAGE, 2.0, style=Qt.PenStyle.DashLine),
            "je1": style.pen(style.HORIZONTAL, 2.5),
            "je2": style.pen(style.VERTICAL, 2.5),
            "axes": style.pen(style.AXES, 1.5),
        }

    def clear(self) -> None:
        self._strokes, self._markers, self._labels = [], [], []
        self.update()

    def _set(self, strokes, markers, labels) -> None:
        self._strokes = []
        for pen, pts, connect in strokes:
            path, _rect = polyline_path(pts, connect)
            if path is not None:
                self._strokes.append((pen, path))
        self._markers = markers
        self._labels = [(QColor(*c), x, y, t) for c, x, y, t in labels]
        self.update()

    def _frame(self) -> tuple[QRectF, QTransform]:
        """The square plot area under the title, and the map from local units to pixels."""
        title = self.fontMetrics().height() + 6
        side = max(min(self.width() - 8, self.height() - title - 6), 10)
        area = QRectF((self.width() - side) / 2, title, side, side)
        scale = side / (2 * self.EXTENT)
        transform = QTransform()
        transform.translate(area.center().x(), area.center().y())
        transform.scale(scale, -scale)
        return area, transform

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(255, 255, 255))
        painter.setPen(QColor(153, 153, 153))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        painter.setPen(QColor(*style.FOREGROUND))
        painter.drawText(QRectF(0, 2, self.width(), self.fontMetrics().height() + 2),
                         int(Qt.AlignmentFlag.AlignHCenter), "near F(p), magnified")
        area, transform = self._frame()
        painter.setClipRect(area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setTransform(transform)
        for pen, path in self._strokes:
            painter.setPen(pen)
            painter.drawPath(path)
        painter.resetTransform()
        painter.setClipping(False)
        painter.setPen(pg.mkPen("k", width=1.5))
        painter.setBrush(QColor(255, 255, 255))
        for x, y in self._markers:
            painter.drawEllipse(transform.map(QPointF(x, y)), 3.5, 3.5)
        metrics = painter.fontMetrics()
        for colour, x, y, text in self._labels:
            anchor = transform.map(QPointF(x, y))
            painter.setPen(colour)
            painter.drawText(QPointF(anchor.x() - metrics.horizontalAdvance(text) / 2, anchor.y() - 4), text)
        painter.end()

    def show_linearization(self, lin: Linearization, arrow1: np.ndarray, arrow2: np.ndarray) -> None:
        """Draw the neighbourhood's images about F(p), scaled to the frame."""
        fp, h = lin.value, lin.h
        pts = [p for p in (lin.linear_image, lin.true_image, arrow1, arrow2) if p.size]
        pts = np.concatenate(pts) if pts else np.empty((0, 2))
        pts = pts[np.isfinite(pts).all(axis=1)]
        radius = float(np.max(np.abs(pts - fp))) if pts.size else 0.0
        if not (np.isfinite(radius) and radius > 0):
            self.clear()
            return

        def local(a: np.ndarray) -> np.ndarray:
            return (a - fp) / radius if a.size else a

        pens = self._pens
        strokes = [
            (pens["true"], local(lin.true_image), "finite"),
            (pens["linear"], local(lin.linear_image), "finite"),
            (pens["je1"], local(arrow1), "pairs"),
            (pens["je2"], local(arrow2), "pairs"),
        ]
        labels = [(style.FOREGROUND, 0.0, -self.EXTENT + 0.12, f"frame: F(p) ± {radius * self.EXTENT:.3g}")]
        st = lin.stretches
        if np.isfinite(st.singular_values).all():
            s, u = st.singular_values, st.image_axes
            a1, a2 = h * s[0] * u[:, 0] / radius, h * s[1] * u[:, 1] / radius
            strokes.insert(0, (pens["axes"], np.array([-a1, a1, -a2, a2]), "pairs"))
            # each label sits beyond the end of its axis that points up
            for k, axis in ((1, a1), (2, a2)):
                tip = axis if axis[1] >= 0 else -axis
                labels.append((style.AXES, tip[0], tip[1], f"σ{'₁₂'[k - 1]} = {s[k - 1]:.4g}"))
        self._set(strokes, [(0.0, 0.0)], labels)


class CodomainView(_View):
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
        self.region_image = self.add(_curve(style.REGION, dashed=True), 20)
        self.hover = self.add(
            pg.ScatterPlotItem(size=13, symbol="+", pen=pg.mkPen(style.PREIMAGE, width=2.5)), 16
        )
        self.pushforward = self.add(_curve(style.TANGENT), 13)
        self.covector = self.add(_curve(style.COVECTOR), 13)
        self.gradient = self.add(_curve(style.GRADIENT, 2.0, dashed=True), 13)
        self.covector_handle = self.add(_handle(style.COVECTOR), 17)
        self.covector_handle.sigPositionChanged.connect(self._on_handle)
        self._setting_handle = False
        self.lens = _Lens(self)
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
        ], [_marker(fp[0], fp[1])])
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
            return _consume_hover(event)
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
            _set_path(self.region_image, boundary)
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
        _set_pairs(self.pushforward, arrow_segments(q, jv))
        _set_pairs(self.covector, arrow_segments(q, g))
        _set_pairs(self.gradient, arrow_segments(q, _direction(gradient) * scale))
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


def _direction(vector) -> np.ndarray:
    """The unit vector along ``vector`` (zero if it has no direction)."""
    v = np.asarray(vector, dtype=float)
    n = float(np.hypot(*v)) if np.isfinite(v).all() else 0.0
    return v / n if n > 0 else np.zeros(2)
