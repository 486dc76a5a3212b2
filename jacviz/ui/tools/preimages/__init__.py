"""The preimage probe: hover over the right view and every preimage in the visible domain is circled.

Newton's method from a grid of seeds (:func:`jacviz.core.lab.preimages.preimages`) runs on a
background thread, the newest hover first; z² shows two, and across a fold the count changes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from jacviz.core.errors import JacvizError
from jacviz.ui import style
from jacviz.ui.background import LatestWorker
from jacviz.ui.guard import guarded
from jacviz.ui.items.curves import set_points
from jacviz.ui.tools.base import Tool


class PreimageTool(Tool):
    """Circles F⁻¹(q) ∩ the visible domain for the q under the pointer (see the module docstring)."""

    name = "preimages"

    def __init__(self, host) -> None:
        super().__init__(host)
        self.points = np.empty((0, 2))
        self.worker = LatestWorker("preimages", self)
        self.worker.finished.connect(self._on_done)
        self.worker.failed.connect(self._on_failed)
        self.markers = host.domain.add(
            pg.ScatterPlotItem(size=13, symbol="o", pen=pg.mkPen(style.PREIMAGE, width=2.5),
                               brush=pg.mkBrush(*style.PAPER, 120)), 16
        )
        self.hover = host.codomain.add(
            pg.ScatterPlotItem(size=13, symbol="+", pen=pg.mkPen(style.PREIMAGE, width=2.5)), 16
        )
        set_points(self.markers, [], [])
        set_points(self.hover, [], [])
        host.codomain.pointerMoved.connect(self._on_hover)

    def mapping_changed(self) -> None:
        self.points = np.empty((0, 2))
        set_points(self.markers, [], [])
        set_points(self.hover, [], [])

    def close(self) -> None:
        self.worker.close()

    @guarded
    def _on_hover(self, u: float, v: float) -> None:
        numeric = self.host.numeric()
        if numeric is None:
            return
        from jacviz.core.lab.preimages import preimages

        rect = self.host.domain.visible_rect()
        params = self.host.model.param_values()
        q = (u, v)
        set_points(self.hover, [u], [v])
        self.worker.submit(lambda: (q, preimages(numeric, q, rect, params)))

    @guarded
    def _on_done(self, generation: int, result) -> None:
        if generation != self.worker.generation:
            return
        q, points = result
        self.points = points
        if len(points):
            set_points(self.markers, points[:, 0], points[:, 1])
        else:
            set_points(self.markers, [], [])
        n = len(points)
        noun = "preimage" if n == 1 else "preimages"
        self.host.show_message(f"({q[0]:.4g}, {q[1]:.4g}) has {n} {noun} in the visible domain "
                               "(circled on the left)")

    @guarded
    def _on_failed(self, generation: int, error: JacvizError) -> None:
        if generation == self.worker.generation:
            self.host.show_message(str(error), error=True)
