"""The Newton tool: Newton's method p ← p − J(p)⁻¹F(p) from the cursor, and the basins heatmap.

With the "Newton" box checked, every cursor move runs Newton's method from the cursor
(:func:`jacviz.core.lab.newton.newton_iterates`, up to 50 steps or until converged; about
half a millisecond for z³ − 1, so it runs on the GUI thread and the last position is always
the one shown). The domain shows the iterates p₀, p₁, …; the codomain shows F(pₖ) and, for
each step, the target the tangent plane aims at (F(pₖ) + J(pₖ)·δₖ = 0), so the gap between
that target and the next F(pₖ₊₁) is what the linearization missed. The panel lists the
iterates with |F| and their correct digits, and says where J is singular (on the critical
curve, where the step is undefined).

The tool also supplies the heatmap mode ``basins`` (Ctrl+6): each sample coloured by the root
its iteration reaches, darker the more steps it took, grey where it does not converge,
computed vectorised with the scene on the worker thread
(:func:`jacviz.core.lab.newton.field_request`). Whether the tool is on is the model's
``dynamics.newton``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QCheckBox

from jacviz.core.errors import JacvizError
from jacviz.ui import style
from jacviz.ui.guard import guarded
from jacviz.ui.items.overlay import Overlay
from jacviz.ui.tools.base import CursorState, Tool
from jacviz.ui.tools.newton.panel import NewtonPanel

NEWTON = (136, 34, 85)  # Paul Tol's "wine": apart from the grid's purple and orange
TARGET = (0, 114, 178)
LABELLED = 4  # p₀ … p₃ get a label (the later ones crowd onto the root)
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class NewtonTool(Tool):
    """Newton's iterates from the cursor and the basins heatmap (see the module docstring)."""

    name = "newton"

    def __init__(self, host) -> None:
        super().__init__(host)
        self.run = None
        self.shown: dict[str, np.ndarray] = {}  # what the views draw: iterates, values, targets
        # one overlay item per view (as the cursor's own overlay): a move swaps its strokes
        self.domain_overlay = host.domain.add(Overlay(), 12)
        self.codomain_overlay = host.codomain.add(Overlay(), 12)
        self._pens = {"path": style.pen(NEWTON, 1.8), "values": style.pen(NEWTON, 1.6),
                      "steps": style.pen(TARGET, 1.4, style=Qt.PenStyle.DashLine)}
        self._dot = (pg.mkPen("w", width=1), pg.mkBrush(*NEWTON))
        self._target = (pg.mkPen(*TARGET, width=2.5), pg.mkBrush(255, 255, 255, 0))

        self.box = QCheckBox("Newton")
        self.box.setObjectName("newtonTool")
        self.box.setToolTip("Newton's method from the cursor: the iterates on the left, F(pₖ) and each "
                            "step's target 0 on the right (the basins heatmap is Ctrl+6)")
        self.box.setAccessibleName("Newton's method from the cursor")
        host.add_control(self.box)
        self.panel = NewtonPanel()
        self.panel.setVisible(False)
        host.add_panel(self.panel)
        self.box.toggled.connect(self._on_box)
        host.model.dynamicsChanged.connect(self._on_model)
        self._clear()

    @property
    def on(self) -> bool:
        return self.host.model.dynamics.newton

    # -- hooks
    def heatmap_fields(self, mode: str) -> list:
        if mode != "basins":  # jacviz.core.lab.newton.MODE, not imported until it is needed
            return []
        from jacviz.core.lab import newton

        return [newton.field_request()]

    def mapping_changed(self) -> None:
        if not self.on:
            self._clear()

    def cursor_moved(self, state: CursorState) -> None:
        if not self.on:
            return
        from jacviz.core.lab import newton  # the window builds the tool at start-up; numbers when on

        try:
            run = newton.newton_iterates(state.numeric, state.point, state.params)
        except JacvizError as err:  # not a mapping of the plane
            self.run = None
            self._clear()
            self.panel.show_error(str(err))
            return
        self.run = run
        self._draw(run)
        self.panel.show_run(run)

    # -- slots
    @guarded
    def _on_box(self, on: bool) -> None:
        self.host.model.set_dynamics(newton=bool(on))

    @guarded
    def _on_model(self, dynamics) -> None:
        if self.box.isChecked() != dynamics.newton:
            with QSignalBlocker(self.box):
                self.box.setChecked(dynamics.newton)
        self.panel.setVisible(dynamics.newton)
        if not dynamics.newton:
            self.run = None
            self._clear()
        self.host.refresh_cursor()

    # -- drawing
    def _draw(self, run) -> None:
        pts = run.points()
        pen, brush = self._dot
        markers = [(pen, brush, x, y, 7.0) for x, y in pts]
        labels = []
        for k in range(min(LABELLED, len(pts))):
            if k < 2 or np.hypot(*(pts[k] - pts[k - 1])) > 0:  # not on top of the one before
                labels.append((NEWTON, pts[k][0], pts[k][1], f"p{str(k).translate(SUBSCRIPTS)}"))
        self.domain_overlay.set_strokes([(self._pens["path"], pts, "finite")], markers, labels)
        values = run.values()
        finite = values[np.isfinite(values).all(axis=1)]
        markers = [(pen, brush, u, v, 7.0) for u, v in finite]
        strokes = [(self._pens["values"], values, "finite")]
        # each step k aims from F(pₖ) at its tangent plane's target F(pₖ) + J(pₖ)·δₖ (0 up to rounding)
        stepped = [it for it in run.iterates if it.target is not None]
        if stepped:
            pairs = np.array([p for it in stepped for p in (it.value, it.target)], dtype=float)
            strokes.append((self._pens["steps"], pairs, "pairs"))
            tpen, tbrush = self._target
            markers += [(tpen, tbrush, u, v, 13.0) for u, v in run.targets()]
        self.codomain_overlay.set_strokes(strokes, markers)
        self.shown = {"iterates": pts, "values": values, "targets": run.targets()}

    def _clear(self) -> None:
        self.domain_overlay.clear()
        self.codomain_overlay.clear()
        self.shown = {}
