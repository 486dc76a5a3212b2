"""The linearization-error heatmap (Ctrl+4): where to trust the linear picture.

A heatmap mode of its own: max over directions u of ‖F(p + h·u) − F(p) − J(p)·h·u‖ / h for
the current h (:func:`jacviz.core.lab.linerror.linearization_error_field`), sampled with the
scene on the background thread, at half the heatmap's resolution per side (it costs 16
evaluations of F per sample).
"""

from __future__ import annotations

from functools import partial

from jacviz.core.pipeline.scene import FieldRequest
from jacviz.ui.tools.base import Tool

MODE = "linerr"


def _field(h: float, numeric, rect, n: int, params):
    from jacviz.core.lab.linerror import linearization_error_field

    return linearization_error_field(numeric, rect, n, h, params)


class LinearizationErrorTool(Tool):
    """Adds the heatmap mode ``linerr`` (see the module docstring)."""

    name = "linerr"

    def __init__(self, host) -> None:
        super().__init__(host)
        host.model.hChanged.connect(self._on_h)

    def heatmap_fields(self, mode: str) -> list[FieldRequest]:
        if mode != MODE:
            return []
        h = self.host.model.h
        return [FieldRequest(MODE, partial(_field, h), (MODE, h), resolution=0.5)]

    def _on_h(self, _h: float) -> None:
        if self.host.model.heatmap_mode == MODE:
            self.host.redraw()
