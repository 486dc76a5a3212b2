"""The layers tool: a trained network's layers at the cursor, and backpropagation step by step.

Shown while a network is on screen (:mod:`jacviz.ui.network`; Tools → Layer panel hides it).
At the cursor, :func:`jacviz.core.network.layers.layers_at` gives every layer's Jacobian Jᵢ
at the point that layer sees; the panel draws each as a small matrix of colours with its
singular values as bars, writes log|det Jᵢ| where Jᵢ is square, checks the chain rule
(Jₗ ⋯ J₁ against the model's J, as a relative difference) and, for a flow,
Σ log|det Jᵢ| = log|det J| next to the model's own log-det output.

Backpropagation (:func:`jacviz.core.network.layers.backprop_at`) starts from a loss chosen in
the panel: cross-entropy for one class (a classifier), ½‖F‖², or the linear loss ⟨g, F⟩ whose
gradient is the vectors tool's covector g; the panel shows ∇L at the output, each layer's
vector–Jacobian product on the way back, ∇ₓL, and the finite-difference check.

**Throttled at the GUI edge.** The panel's numbers cost a forward pass per layer and another
for backprop (about 4 ms for the shipped flow's seven layers, more on a loaded machine), so
the panel follows the cursor at most every :data:`THROTTLE_MS`, and always ends at the last
position of a burst; the move itself (the overlay and the readout) is never delayed.

The tool also gives the heatmap fields of a network (``classes``, ``output``,
:func:`jacviz.core.pipeline.network.network_fields`) to the window's sampler.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction

from jacviz.ui.guard import guarded
from jacviz.ui.tools.base import CursorState, Tool
from jacviz.ui.tools.layers.panel import LayersPanel

THROTTLE_MS = 40


class LayersTool(Tool):
    """Each layer's Jacobian at the cursor, the chain rule checked, and backprop."""

    name = "layers"

    def __init__(self, host) -> None:
        super().__init__(host)
        self.panel = LayersPanel()
        self.panel.setVisible(False)
        host.add_panel(self.panel)
        self.panel.lossChosen.connect(self._on_loss)
        self.action = QAction("Layer panel (trained networks)", self)
        self.action.setObjectName("layerPanelAction")
        self.action.setCheckable(True)
        self.action.setChecked(True)
        self.action.toggled.connect(self._on_action)
        if hasattr(host, "add_menu_action"):
            host.add_menu_action("Tools", self.action)
        host.model.vectorsChanged.connect(self._on_vectors)
        self._losses: list[tuple[str, object]] = []
        self._loss_index = 0
        self._point: np.ndarray | None = None
        self._pending: np.ndarray | None = None
        self._net_id: int | None = None
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)

    # -- what is shown
    def _network(self):
        from jacviz.core.pipeline.network import PreparedNetwork

        prepared = self.host.prepared
        return prepared if isinstance(prepared, PreparedNetwork) else None

    @property
    def active(self) -> bool:
        return self._network() is not None and self.action.isChecked()

    def heatmap_fields(self, mode: str) -> list:
        net = self._network()
        if net is None:
            return []
        from jacviz.core.pipeline.network import network_fields

        support = getattr(self.host, "network", None)
        index = support.output_index if support is not None else 0
        return [r for r in network_fields(net.network, index) if r.mode == mode]

    def mapping_changed(self) -> None:
        net = self._network()
        if net is None:
            self._net_id = None
            self.panel.setVisible(False)
            return
        if id(net.network) != self._net_id:
            self._net_id = id(net.network)
            self._losses = self._loss_choices(net.network)
            self._loss_index = 0
            self.panel.set_losses([name for name, _ in self._losses], 0)
            self.panel.setTitle(f"Layers of {net.source.label}")
        self.panel.setVisible(self.action.isChecked())

    def _loss_choices(self, net) -> list[tuple[str, object]]:
        from jacviz.core.network.layers import HalfSquaredError, cross_entropy

        k = net.n_outputs
        out: list[tuple[str, object]] = []
        if k >= 2:
            out += [(f"cross-entropy, class {c}", cross_entropy(net, c)) for c in range(k)]
            out.append(("½‖F‖²", HalfSquaredError()))
        else:
            out.append(("½F²", HalfSquaredError()))
        if k <= 2:
            out.append(("⟨g, F⟩, g the covector of Vectors", None))  # filled from model.vectors
        return out

    def _linear_loss(self):
        from jacviz.core.network.layers import LinearLoss

        net = self._network()
        k = net.network.n_outputs if net is not None else 2
        g = self.host.model.vectors.g
        if k == 1:
            return LinearLoss(np.array([1.0])), "F (g = 1)"
        if g is None:
            return LinearLoss(np.array([1.0, 0.0])), "⟨g, F⟩ with g = (1, 0) (turn on Vectors to drag g)"
        return LinearLoss(np.asarray(g, dtype=float)), f"⟨g, F⟩ with g = ({g[0]:.4g}, {g[1]:.4g})"

    # -- the cursor
    def cursor_moved(self, state: CursorState) -> None:
        if self.active:
            self._request(state.point)

    def network_cursor(self, info) -> None:
        """The cursor of a network whose J is not 2×2 (called by jacviz.ui.network)."""
        if self.active:
            self._request(info.point)

    def _request(self, point) -> None:
        """Update now, or at the end of the throttle interval with the newest point."""
        self._pending = np.asarray(point, dtype=float)
        wait = THROTTLE_MS - (time.monotonic() - self._last) * 1000.0
        if wait <= 0 and not self._timer.isActive():
            self._flush()
        elif not self._timer.isActive():
            self._timer.start(max(int(wait), 1))

    @guarded
    def _on_timer(self) -> None:
        self._flush()

    @property
    def pending(self) -> bool:
        """True while a cursor position waits for the throttle (tests wait on it)."""
        return self._timer.isActive()

    def _flush(self) -> None:
        point, self._pending = self._pending, None
        self._last = time.monotonic()
        if point is not None:
            self._update(point)

    def close(self) -> None:
        self._timer.stop()

    def _update(self, point) -> None:
        from jacviz.core.errors import JacvizError
        from jacviz.core.network.layers import backprop_at, layers_at

        net = self._network()
        if net is None:
            return
        self._point = np.asarray(point, dtype=float)
        if not np.isfinite(self._point).all():
            return
        network = net.network
        report = layers_at(network, self._point)
        backprop, name = None, ""
        if self._losses:
            name, loss = self._losses[min(self._loss_index, len(self._losses) - 1)]
            if loss is None:
                loss, name = self._linear_loss()
            try:
                backprop = backprop_at(network, self._point, loss)
            except JacvizError:
                backprop = None
        self.panel.show_report(report, backprop, name)

    # -- controls
    @guarded
    def _on_loss(self, index: int) -> None:
        self._loss_index = index
        self.host.refresh_cursor()

    @guarded
    def _on_vectors(self, _vectors) -> None:
        if self.active and self._losses and self._losses[self._loss_index][1] is None:
            self.host.refresh_cursor()

    @guarded
    def _on_action(self, on: bool) -> None:
        self.panel.setVisible(on and self._network() is not None)
        if on:
            self.host.refresh_cursor()


__all__ = ["LayersTool"]
