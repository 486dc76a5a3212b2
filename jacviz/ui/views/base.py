"""What both views share: a PlotWidget with a locked aspect ratio, no auto-range, and input.

A view knows nothing of the laboratory. Tools put their items in with :meth:`PlotView.add`
and listen to the view's input signals: ``pointerMoved`` (every mouse move, in data
coordinates), ``clicked`` (with the keyboard modifiers and whether it was a double click)
and, while a tool has asked for them with :meth:`PlotView.capture_drags`, left-button drags.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem

from jacviz.core.sampling.framing import fit_aspect
from jacviz.core.sampling.geometry import MAX_COORDINATE, MIN_EXTENT
from jacviz.ui import style

MIN_VIEW = 1e6 * MIN_EXTENT  # a view is at least this wide (the scene samples it with margins)


def consume_hover(event) -> bool:
    """Keep a plain mouse move (no button held) from pyqtgraph's hover machinery.

    It searches the scene for items under the pointer on every move, which cost about as
    much as everything jacviz does for the move; nothing in the views needs hover (drags
    start from a press, and moves with a button held still go to pyqtgraph).
    """
    return event.buttons() == Qt.MouseButton.NoButton


class _ViewBox(pg.ViewBox):
    """A ViewBox whose left drag goes to a tool while one has captured drags."""

    def __init__(self) -> None:
        super().__init__()
        self.drag_handler = None  # callable(start, end, finished) or None: pan as usual

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph override
        if self.drag_handler is not None and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            a = self.mapSceneToView(ev.buttonDownScenePos())
            b = self.mapSceneToView(ev.scenePos())
            self.drag_handler((float(a.x()), float(a.y())), (float(b.x()), float(b.y())), bool(ev.isFinish()))
            return
        super().mouseDragEvent(ev, axis)


class PlotView(pg.PlotWidget):
    """A PlotWidget with a locked aspect ratio (circles stay circles) and no auto-range."""

    pointerMoved = Signal(float, float)  # every move over the plot, in data coordinates
    clicked = Signal(float, float, object, bool)  # x, y, keyboard modifiers, double click
    visibleRectChanged = Signal(object)

    def __init__(self, name: str, parent=None) -> None:
        self._box = _ViewBox()
        super().__init__(parent=parent, background=style.BACKGROUND, viewBox=self._box)
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
        # Views stay where double precision can sample them (jacviz.core.sampling.geometry):
        # zoomed out to 1e307 or in to 1e-320, every redraw used to fail.
        self.viewbox.setLimits(xMin=-MAX_COORDINATE, xMax=MAX_COORDINATE, yMin=-MAX_COORDINATE,
                               yMax=MAX_COORDINATE, minXRange=MIN_VIEW, minYRange=MIN_VIEW)
        self._drag_owner = None
        # Every mouse move, straight from the viewport: pyqtgraph's sigMouseMoved drops moves
        # that come within 10 ms of the previous one (its mouseRateLimit) and never delivers
        # the last of them, so a fast flick would leave the readout at a stale point.
        self.viewport().installEventFilter(self)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.viewbox.sigRangeChanged.connect(self._on_range_changed)

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

    # -- input
    def capture_drags(self, owner, handler) -> None:
        """Left-button drags go to ``handler(start, end, finished)`` until :meth:`release_drags`."""
        self._drag_owner = owner
        self._box.drag_handler = handler
        self.setCursor(Qt.CursorShape.CrossCursor)

    def release_drags(self, owner) -> None:
        if self._drag_owner is owner:
            self._drag_owner = None
            self._box.drag_handler = None
            self.setCursor(Qt.CursorShape.ArrowCursor)

    @property
    def drags_captured(self) -> bool:
        return self._box.drag_handler is not None

    def _inside(self, scene_pos) -> bool:
        return self.viewbox.sceneBoundingRect().contains(scene_pos)

    def accepts_pointer(self, pos) -> bool:
        """Whether a move at widget position ``pos`` is over the plot (not over an inset)."""
        return True

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.MouseMove and obj is self.viewport():
            pos = event.position().toPoint()
            scene_pos = self.mapToScene(pos)
            if self.accepts_pointer(pos) and self._inside(scene_pos):
                p = self.viewbox.mapSceneToView(scene_pos)
                self.pointerMoved.emit(float(p.x()), float(p.y()))
            return consume_hover(event)
        return False

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self._inside(event.scenePos()):
            return
        event.accept()
        p = self.viewbox.mapSceneToView(event.scenePos())
        self.clicked.emit(float(p.x()), float(p.y()), event.modifiers(), bool(event.double()))

    def _on_range_changed(self, *_args) -> None:
        self.visibleRectChanged.emit(self.visible_rect())

    # -- geometry
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

    def name_for_screen_readers(self, name: str) -> None:
        """Name the view and its viewport (which Tab also stops at) for the accessibility interface."""
        self.setAccessibleName(name)
        self.viewport().setAccessibleName(name)

    def aspect(self) -> float | None:
        """Width over height of the plot area in pixels (None before it is laid out)."""
        w, h = self.viewbox.width(), self.viewbox.height()
        return w / h if w > 0 and h > 0 else None

    def fitted_rect(self, rect) -> tuple[float, float, float, float]:
        """The rectangle this view shows when asked for ``rect``: the aspect lock widens one side."""
        return fit_aspect(rect, self.aspect())

    def data_to_widget(self, x: float, y: float):
        """Widget pixel coordinates of a data point (for tests and pointer automation)."""
        scene_pt = self.viewbox.mapViewToScene(pg.Point(x, y))
        return self.mapFromScene(scene_pt)
