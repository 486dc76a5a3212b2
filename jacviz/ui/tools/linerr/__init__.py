"""The linearization-error heatmap (Ctrl+5): where to trust the linear picture.

A heatmap mode of its own: max over directions u of ‖F(p + h·u) − F(p) − J(p)·h·u‖ / h for
the current h (:func:`jacviz.core.lab.linerror.linearization_error_field`), sampled with the
scene on the background thread, at half the heatmap's resolution per side (it costs 16
evaluations of F per sample).
"""

from __future__ import annotations

from jacviz.core.lab.linerror import MODE, field_request
from jacviz.ui.tools.base import Tool


class LinearizationErrorTool(Tool):
    """Adds the heatmap mode ``linerr`` (see the module docstring)."""

    name = "linerr"

    def __init__(self, host) -> None:
        super().__init__(host)
        host.model.hChanged.connect(self._on_h)

    def heatmap_fields(self, mode: str) -> list:
        if mode != MODE:
            return []
        return [field_request(self.host.model.h)]

    def _on_h(self, _h: float) -> None:
        if self.host.model.heatmap_mode == MODE:
            self.host.redraw()
