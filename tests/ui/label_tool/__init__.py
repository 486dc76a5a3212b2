"""A trivial laboratory tool, written as a new tool would be: it labels F(p) in the right view.

It lives in its own folder and uses only the ToolHost interface; tests/ui/test_tools.py
registers it with one line and checks that the window runs it.
"""

from __future__ import annotations

import pyqtgraph as pg

from jacviz.ui.tools.base import CursorState, Tool


class ValueLabelTool(Tool):
    """Writes F(p) next to F(p) in the codomain."""

    name = "value_label"

    def __init__(self, host) -> None:
        super().__init__(host)
        self.label = host.codomain.add(pg.TextItem("", anchor=(0, 1)), 30)

    def cursor_moved(self, state: CursorState) -> None:
        u, v = state.info.value
        self.label.setText(f"F(p) = ({u:.3f}, {v:.3f})")
        self.label.setPos(u, v)
