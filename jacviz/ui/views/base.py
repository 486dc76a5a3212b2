"""What both views share: a PlotWidget with a locked aspect ratio and no auto-range."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

from jacviz.ui import style


def consume_hover(event) -> bool:
    """Keep a plain mouse move (no button held) from pyqtgraph's hover machinery.

    It searches the scene for items under the pointer on every move, which cost about as
    much as everything jacviz does for the move; nothing in the views needs hover (drags
    start from a press, and moves with a button held still go to pyqtgraph).
    """
    return event.buttons() == Qt.MouseButton.NoButton



class PlotView(pg.PlotWidget):
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
