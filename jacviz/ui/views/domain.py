"""The domain view: the det J heatmap, the grid, the critical curve, the cursor and its neighbourhood.

The views only draw: they are handed core objects (a :class:`~jacviz.core.pipeline.scene.Scene`,
a :class:`~jacviz.core.sampling.linearization.Linearization`) and put them on screen. Static
layers (the heatmap, the grid, the critical curve) change when the scene changes; the overlay
(the neighbourhood, its images, the arrows) changes on every cursor move and is kept to a few
small items so that a move repaints little.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFontMetricsF

from jacviz.core.pipeline.scene import Scene, heatmap_scale
from jacviz.core.sampling.heatmap import HEATMAP_LABELS
from jacviz.core.sampling.linearization import Linearization
from jacviz.ui import style
from jacviz.ui.items.curves import arrow_segments, marker, set_points
from jacviz.ui.items.overlay import Overlay
from jacviz.ui.items.static_curve import StaticCurve, drop_cache
from jacviz.ui.views.base import PlotView
from jacviz.ui.views.paths import scene_paths

# The end ticks of a log bar sit this fraction of the bar inside its ends, so that their
# labels, centred on the tick, fit inside the view ("2.3e2" was cut in half at the top).
BAR_END_INSET = 0.03


def _bar_ticks(lo: float, hi: float) -> np.ndarray:
    """Seven tick positions on a log colour bar: evenly spaced, the two ends moved inside."""
    ticks = np.linspace(lo, hi, 7)
    inset = BAR_END_INSET * (hi - lo)
    ticks[0], ticks[-1] = lo + inset, hi - inset
    return ticks


def _short(value: float) -> str:
    """A colour-bar tick: two significant digits, a true minus sign."""
    return "0" if value == 0 else f"{value:.2g}".replace("e+0", "e").replace("e-0", "e-").replace("-", "−")


class DomainView(PlotView):
    """det J heatmap, the grid, the critical curve, the cursor and its neighbourhood."""

    scaleChanged = Signal(str, str)  # the colour scale's title and what it means (its caption)

    def __init__(self, parent=None) -> None:
        super().__init__("domainView", parent)
        self.name_for_screen_readers("domain view: the det J heatmap, the critical curve and the cursor")
        self.image = self.add(pg.ImageItem(axisOrder="row-major"), -10, static=True)
        self.colorbar = pg.ColorBarItem(
            values=(-1, 1), colorMap=style.det_colormap(), label=HEATMAP_LABELS["det"],
            interactive=False, width=14,
        )
        self.colorbar.setImageItem(self.image, insert_in=self.getPlotItem())
        # A label that would pass the end of the bar is left out, not cut by the view's edge.
        self.colorbar.axis.setStyle(hideOverlappingLabels=True)
        # pyqtgraph fixes the bar's axis at 45 px, room for "−100" but too little for a log
        # bar's "−1.7e2", which was left out. The first log bar widens it by the difference,
        # and it stays so: an axis that followed its labels' width resized the view, which
        # resampled, which changed the labels, and a slider's change never settled.
        metrics = QFontMetricsF(self.colorbar.axis.style["tickFont"] or self.font())
        extra = metrics.horizontalAdvance("−8.8e-88") - metrics.horizontalAdvance("−100")
        self._log_bar_width = (self.colorbar.axis.fixedWidth or 45) + max(0, math.ceil(extra))
        # Drawn over the heatmap, whose colour maps are light where det J is small: the curves
        # keep their light-background colours in either theme, so the critical curve shows.
        ink = style.LIGHT
        self.grid_vertical = self.add(StaticCurve(style.pen(ink["VERTICAL"], 1.0, 150)), 0, static=True)
        self.grid_horizontal = self.add(StaticCurve(style.pen(ink["HORIZONTAL"], 1.0, 150)), 0, static=True)
        self.critical = self.add(StaticCurve(style.pen(ink["CRITICAL"], 2.5)), 5, static=True)
        self.overlay = self.add(Overlay(), 11)
        self._pens = {
            "circle": style.pen(ink["TRUE_IMAGE"], 2.0),
            "e1": style.pen(ink["HORIZONTAL"], 2.5),
            "e2": style.pen(ink["VERTICAL"], 2.5),
            "directions": style.pen(style.AXES, 1.5, style=Qt.PenStyle.DashLine),
        }
        pins = pg.ScatterPlotItem(size=11, symbol="d", pen=pg.mkPen(ink["INK"]), brush=pg.mkBrush(*style.PIN))
        self.pins = self.add(pins, 15)
        set_points(self.pins, [], [])
        self.mode = "auto"
        self.scale = None  # the HeatmapScale drawn
        self._scene: Scene | None = None

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
        scale = heatmap_scale(scene, self.mode)
        if scale.kind == "categorical" or (self.scale is not None and self.scale.kind == "categorical"):
            # one colour per class (a network's decision regions), or back to the mode's map
            self.colorbar.setColorMap(style.scale_colormap(scale, self.mode))
        self.scale = scale
        drop_cache(self.image)
        if scale.levels is None:
            # a categorical RGBA image (the Newton basins) is drawn in its own colours: no
            # lookup table (the colour bar's would be applied to it) and no colour bar;
            # the colour bar puts its table back when the mode changes (set_mode)
            self.image.setLookupTable(None)
            self.image.setImage(scale.values, autoLevels=False, levels=(0, 255))
            self.colorbar.setVisible(False)
        else:
            self.colorbar.setVisible(True)
            self.image.setImage(scale.values, autoLevels=False, levels=scale.levels)
        x0, x1, y0, y1 = scene.rect
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        if scale.levels is None:
            self.scaleChanged.emit(scale.title, scale.note)
            return
        self.colorbar.setLevels(scale.levels)
        self.colorbar.setLabel("left", scale.title)
        axis = self.colorbar.axis
        if scale.kind == "categorical":  # one tick per class, in the middle of its band
            axis.setTicks([[(float(i), str(i)) for i in range(round(scale.levels[1] + 0.5))], []])
        elif scale.kind in ("symlog", "log-one-sided"):  # ticks labelled with the det J they stand for
            lo, hi = scale.levels
            ticks = [(t, _short(scale.value_at(t))) for t in _bar_ticks(lo, hi)]
            if (axis.fixedWidth or 0) < self._log_bar_width:
                axis.setWidth(self._log_bar_width)
            axis.setTicks([ticks, []])
        else:
            axis.setTicks(None)
        self.scaleChanged.emit(scale.title, scale.note)

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

    def show_pins(self, points) -> None:
        if len(points):
            arr = np.asarray(points, dtype=float)
            set_points(self.pins, arr[:, 0], arr[:, 1])
        else:
            set_points(self.pins, [], [])
