"""The vectors tool (V): a tangent vector pushed forward and a covector pulled back.

A tangent v at p (drag its green handle) and its pushforward J·v at F(p); a covector g at
F(p) (drag the blue handle) and its pullback Jᵀ·g at p: one step of backpropagation. A loss
L(u, v) typed in the panel gives ∇L at F(p) and ∇(L∘F)(p) = Jᵀ∇L, checked against finite
differences. The state (on, v, g, the loss) is the model's ``vectors`` field; the loss is
compiled in the background, through the same pipeline as a mapping.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QCheckBox

from jacviz.core.errors import JacvizError
from jacviz.core.lab.backprop import DEFAULT_LOSS
from jacviz.ui import style
from jacviz.ui.background import LatestWorker
from jacviz.ui.guard import guarded
from jacviz.ui.items.curves import arrow_segments, curve, direction, handle, set_pairs
from jacviz.ui.tools.base import CursorState, Tool
from jacviz.ui.tools.vectors.panel import BackpropPanel


class VectorsTool(Tool):
    """J·v, Jᵀ·g and a loss's gradient at the cursor (see the module docstring)."""

    name = "vectors"

    def __init__(self, host) -> None:
        super().__init__(host)
        self.loss = None
        self._state: CursorState | None = None
        self.worker = LatestWorker("loss", self)
        self.worker.finished.connect(self._on_loss_done)
        self.worker.failed.connect(self._on_loss_failed)
        d, c = host.domain, host.codomain
        self.tangent = d.add(curve(style.TANGENT), 13)
        self.pullback = d.add(curve(style.COVECTOR), 13)
        self.gradient = d.add(curve(style.GRADIENT, 2.0, dashed=True), 13)
        self.tangent_handle = d.add(handle(style.TANGENT), 17)
        self.pushforward = c.add(curve(style.TANGENT), 13)
        self.covector = c.add(curve(style.COVECTOR), 13)
        self.loss_gradient = c.add(curve(style.GRADIENT, 2.0, dashed=True), 13)
        self.covector_handle = c.add(handle(style.COVECTOR), 17)
        self._placing = False  # True while the handles are moved by the tool itself
        self.tangent_handle.sigPositionChanged.connect(self._on_tangent_handle)
        self.covector_handle.sigPositionChanged.connect(self._on_covector_handle)

        self.box = QCheckBox("Vectors")
        self.box.setObjectName("showVectors")
        self.box.setToolTip("J·v and Jᵀ·g at the cursor, and the gradient of a loss (V)")
        host.add_control(self.box)
        self.panel = BackpropPanel()
        self.panel.setVisible(False)
        host.add_panel(self.panel)
        self.box.toggled.connect(self._on_box)
        self.panel.lossChanged.connect(self._on_loss_text)
        host.model.vectorsChanged.connect(self._on_model)
        host.add_shortcut("V", self.box.toggle, "vectors")

    @property
    def on(self) -> bool:
        return self.host.model.vectors.on

    def close(self) -> None:
        self.worker.close()

    # -- model -> widgets
    @guarded
    def _on_model(self, vectors) -> None:
        if self.box.isChecked() != vectors.on:
            self.box.setChecked(vectors.on)
        self.panel.setVisible(vectors.on)
        text = vectors.loss or DEFAULT_LOSS
        if vectors.on and (self.loss is None or self.loss.text != text):
            self.panel.set_loss_text(text)
            self._compile_loss(text)
        if not vectors.on:
            self._clear()
        self.host.refresh_cursor()

    @guarded
    def _on_box(self, on: bool) -> None:
        self.host.model.set_vectors(on=on)

    @guarded
    def _on_loss_text(self, text: str) -> None:
        self.host.model.set_vectors(loss=text)
        self._compile_loss(text)

    def _compile_loss(self, text: str) -> None:
        from jacviz.core.lab.backprop import Loss

        self.panel.show_loss_error(None)
        self.worker.submit(Loss.from_text, text, isolated=True)

    @guarded
    def _on_loss_done(self, generation: int, loss) -> None:
        if generation == self.worker.generation:
            self.loss = loss
            self.host.refresh_cursor()

    @guarded
    def _on_loss_failed(self, generation: int, error: JacvizError) -> None:
        if generation == self.worker.generation:
            self.panel.show_loss_error(str(error))

    # -- the handles
    @guarded
    def _on_tangent_handle(self, *_args) -> None:
        p = self.host.model.cursor
        if self._placing or p is None:
            return
        pos = self.tangent_handle.pos()
        self.host.model.set_vectors(v=(float(pos.x()) - p[0], float(pos.y()) - p[1]))

    @guarded
    def _on_covector_handle(self, *_args) -> None:
        state = self._state
        if self._placing or state is None:
            return
        q = np.asarray(state.info.value, dtype=float)
        if not np.isfinite(q).all():
            return
        pos = self.covector_handle.pos()
        self.host.model.set_vectors(g=(float(pos.x()) - q[0], float(pos.y()) - q[1]))

    def drag_tangent_to(self, x: float, y: float) -> None:
        """Put the tip of v at (x, y), as dragging the green handle there does."""
        p = self.host.model.cursor
        if p is not None:
            self.host.model.set_vectors(v=(x - p[0], y - p[1]))

    # -- the hook
    def cursor_moved(self, state: CursorState) -> None:
        self._state = state
        if not self.on:
            return
        from jacviz.core.lab.backprop import chain_rule_check

        info, p, params = state.info, state.point, state.params
        h = self.host.model.h
        jac = info.jacobian
        vectors = self.host.model.vectors
        v = np.array(vectors.v) if vectors.v is not None else np.array([1.6 * h, 1.2 * h])
        if vectors.g is not None:
            g = np.array(vectors.g)
        else:
            s = max(float(np.nanmax(np.abs(jac))) if np.isfinite(jac).any() else 1.0, 1e-12)
            g = np.array([-1.2 * h * s, 1.6 * h * s])
        q = np.asarray(info.value, dtype=float)
        with np.errstate(all="ignore"):
            jv = jac @ v
            jtg = jac.T @ g
        grad_loss = np.full(2, np.nan)
        pull = np.full(2, np.nan)
        check = None
        if self.loss is not None and np.isfinite(q).all():
            grad_loss = self.loss.gradient(q, params)
            with np.errstate(all="ignore"):
                pull = jac.T @ grad_loss
            check = chain_rule_check(state.numeric, self.loss, p, params)
        self.panel.show_values(v, jv, g, jtg, grad_loss, pull, check)
        set_pairs(self.tangent, arrow_segments(p, v))
        set_pairs(self.pullback, arrow_segments(p, jtg))
        set_pairs(self.gradient, arrow_segments(p, direction(pull) * 3 * h))
        sigma = info.singular_values[0] if np.isfinite(info.singular_values[0]) else 1.0
        self._placing = True
        try:
            self.tangent_handle.setPos(*(p + v))
            self.tangent_handle.setVisible(True)
            if np.isfinite(q).all():
                set_pairs(self.pushforward, arrow_segments(q, jv))
                set_pairs(self.covector, arrow_segments(q, g))
                scale = 3 * h * max(sigma, 1e-12)
                set_pairs(self.loss_gradient, arrow_segments(q, direction(grad_loss) * scale))
                self.covector_handle.setPos(*(q + g))
                self.covector_handle.setVisible(True)
            else:
                for item in (self.pushforward, self.covector, self.loss_gradient):
                    item.setData([], [])
                self.covector_handle.setVisible(False)
        finally:
            self._placing = False

    def _clear(self) -> None:
        for item in (self.tangent, self.pullback, self.gradient, self.pushforward, self.covector,
                     self.loss_gradient):
            item.setData([], [])
        self.tangent_handle.setVisible(False)
        self.covector_handle.setVisible(False)
