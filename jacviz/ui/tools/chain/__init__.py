"""The chain tool: for a mapping of several stages, each layer's Jacobian at the point it sees.

Shown only for a chain ``S1; S2; ...``: each stage's J at its own input, their product (the
chain rule) and Σ log|det Jᵢ|, which equals log|det J| as in a normalizing flow.
"""

from __future__ import annotations

from jacviz.ui.tools.base import CursorState, Tool
from jacviz.ui.tools.chain.panel import ChainPanel


class ChainTool(Tool):
    """The layers of a chain at the cursor (see the module docstring)."""

    name = "chain"

    def __init__(self, host) -> None:
        super().__init__(host)
        self.panel = ChainPanel()
        self.panel.setVisible(False)
        host.add_panel(self.panel)

    def cursor_moved(self, state: CursorState) -> None:
        prepared = self.host.prepared
        chain = prepared.chain if prepared is not None else None
        if chain is None:
            if not self.panel.isHidden():
                self.panel.setVisible(False)
            return
        from jacviz.core.lab.chain import chain_at

        self.panel.show_report(chain_at(chain, state.point, state.params))
        if self.panel.isHidden():
            self.panel.setVisible(True)
