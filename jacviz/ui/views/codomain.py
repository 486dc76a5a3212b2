"""The codomain view: the deformed grid, the image of the critical curve, and F near F(p)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath

from jacviz.core.pipeline.scene import Scene
from jacviz.core.sampling.linearization import Linearization
from jacviz.ui import style
from jacviz.ui.items.curves import arrow_segments, marker, set_points
from jacviz.ui.items.lens import Lens
from jacviz.ui.items.overlay import Overlay
from jacviz.ui.items.static_curve import StaticCurve, polyline_path
from jacviz.ui.views.base import PlotView
from jacviz.ui.views.paths import scene_paths


def linearization_paths(lin: Linearization) -> dict[str, tuple[QPainterPath | None, QRectF]]:
    """The paths of what the codomain view draws at F(p), with their bounds, in data coordinates:
    the true image of the circle, the ellipse J(p) predicts, and J's columns times h as arrows.

    Each is built once per cursor move: the lens draws the same paths, moved and scaled by its
    painter's transform.
    """
    fp, h, jac = lin.value, lin.h, lin.jacobian
    return {
        "true": polyline_path(lin.true_image, "finite"),
        "linear": polyline_path(lin.linear_image, "finite"),
        "je1": polyline_path(arrow_segments(fp, h * jac[:, 0]), "pairs"),
        "je2": polyline_path(arrow_segments(fp, h * jac[:, 1]), "pairs"),
    }


class CodomainView(PlotView):
    """The deformed grid, the image of the critical curve, and F near F(p)."""

    def __init__(self, parent=None) -> None:
        super().__init__("codomainView", parent)
        self.name_for_screen_readers("codomain view: the deformed grid, the fold and F near F(p)")
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
            pg.ScatterPlotItem(size=11, symbol="d", pen=pg.mkPen(style.INK), brush=pg.mkBrush(*style.PIN)), 15
        )
        set_points(self.pins, [], [])
        self._lens_corner = (1, 0)  # top right, until F(p) is there
        self.lens_wanted = True
        self.lens = Lens(self)
        self.follow = True  # follow the domain until the user pans or zooms here by hand
        self.viewbox.sigRangeChangedManually.connect(self._on_manual_range)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if "lens" not in self.__dict__:  # pyqtgraph calls this from inside __init__
            return
        self._place_lens(self._lens_corner, force=True)

    def set_lens_visible(self, visible: bool) -> None:
        self.lens_wanted = bool(visible)
        self.lens.setVisible(self.lens_wanted)

    def _place_lens(self, corner: tuple[int, int], force: bool = False) -> None:
        """Put the lens in ``corner`` ((0 or 1, 0 or 1): left/right, top/bottom) of the plot."""
        if corner == self._lens_corner and not force:
            return
        self._lens_corner = corner
        w, h = self.width(), self.height()
        side = int(max(150, min(0.42 * w, 0.5 * h)))
        area = self.viewbox.sceneBoundingRect().toRect() if self.viewbox.scene() else None
        left, top = (area.left(), area.top()) if area is not None and area.width() > 0 else (0, 0)
        right = area.right() if area is not None and area.width() > 0 else w
        bottom = area.bottom() if area is not None and area.height() > 0 else h
        x = right - side - 6 if corner[0] else left + 6
        y = bottom - side - 6 if corner[1] else top + 6
        self.lens.setGeometry(int(x), int(y), side, side)

    def _lens_away_from(self, fp) -> None:
        """Move the lens to the corner farthest from F(p), so it never covers what it magnifies."""
        pos = self.data_to_widget(float(fp[0]), float(fp[1]))
        corner = (int(pos.x() < self.width() / 2), int(pos.y() < self.height() / 2))
        self._place_lens(corner)

    rangeChangedByUser = Signal()

    def _on_manual_range(self, *_args) -> None:
        self.follow = False
        self.rangeChangedByUser.emit()

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
        fp = lin.value
        paths = linearization_paths(lin)
        pens = self._pens
        strokes = [(pens[name], *built) for name, built in paths.items()]
        self.overlay.set_paths(strokes, [marker(fp[0], fp[1])])
        if self.lens_wanted:
            self._lens_away_from(fp)
            self.lens.show_linearization(lin, paths)

    def show_pins(self, images: np.ndarray) -> None:
        ok = images[np.isfinite(images).all(axis=1)] if images.size else images
        if ok.size:
            set_points(self.pins, ok[:, 0], ok[:, 1])
        else:
            set_points(self.pins, [], [])

    def accepts_pointer(self, pos) -> bool:
        """Moves over the lens are not moves over the plot."""
        return not (self.lens.isVisible() and self.lens.geometry().contains(pos))
