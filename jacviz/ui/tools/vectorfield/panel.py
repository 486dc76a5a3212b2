"""The vector field tool's panel: the equilibria in view, the trace–determinant diagram, trajectories.

Each equilibrium is one entry of a list, with its glyph, its type, J, trace, det, the
discriminant trace² − 4 det and the eigenvalues; choosing one puts the cursor on it (so the
readout shows J there). Under the list: the diagram, what the arrows' colours mean, and a
button that clears the trajectories.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout

from jacviz.ui.guard import guarded
from jacviz.ui.panels.readout import fmt
from jacviz.ui.panels.section import Section, mat_text
from jacviz.ui.tools.vectorfield import glyphs

if TYPE_CHECKING:
    from jacviz.core.lab.dynamics import EquilibriumSet

MAX_LISTED = 40


def equilibrium_text(eq) -> str:
    """An equilibrium in four lines: where and what, J, its three numbers, its eigenvalues."""
    lin = eq.linear
    x, y = eq.point
    return (f"({fmt(x)}, {fmt(y)})  {lin.kind.value}\n"
            f"J = {mat_text(lin.jacobian)}\n"
            f"trace {fmt(lin.trace)} · det {fmt(lin.det)} · trace² − 4 det {fmt(lin.discriminant)}\n"
            f"{lin.eigenvalue_text()}")


class VectorFieldPanel(Section):
    """Equilibria, the trace–determinant diagram and the trajectories' controls."""

    equilibriumChosen = Signal(int)
    clearTrajectories = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__("F as a vector field: (x′, y′) = F(x, y)", "vectorFieldPanel", parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel("Looking for equilibria…")
        self.summary.setObjectName("equilibriaSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.list = QListWidget()
        self.list.setObjectName("equilibriaList")
        self.list.setAccessibleName("equilibria in the visible domain")
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(150)
        self.list.itemActivated.connect(self._on_item)
        self.list.itemClicked.connect(self._on_item)
        layout.addWidget(self.list)
        self._layout = layout
        self._diagram = None  # built when first needed: see diagram
        self.legend = QLabel("")
        self.legend.setObjectName("arrowLegend")
        self.legend.setWordWrap(True)
        layout.addWidget(self.legend)
        row = QHBoxLayout()
        hint = QLabel("Ctrl+click: a trajectory")
        hint.setWordWrap(True)
        row.addWidget(hint, 1)
        self.clear_button = QPushButton("Clear trajectories")
        self.clear_button.setObjectName("clearTrajectories")
        self.clear_button.clicked.connect(self._on_clear)
        row.addWidget(self.clear_button)
        layout.addLayout(row)

    @property
    def diagram(self):
        """The trace–determinant diagram, under the list; built the first time it is needed.

        The panel exists from the start, hidden until the mode is turned on, and the diagram's
        plot was a fifth of building the window (``python -m jacviz.bench``, cold start).
        """
        if self._diagram is None:
            from jacviz.ui.tools.vectorfield.diagram import TraceDeterminantDiagram

            self._diagram = TraceDeterminantDiagram()
            self._layout.insertWidget(self._layout.indexOf(self.list) + 1, self._diagram)
        return self._diagram

    def show_equilibria(self, equilibria: EquilibriumSet) -> None:
        self.list.clear()
        n = len(equilibria)
        if n == 0:
            self.summary.setText("No equilibrium (F = 0) in the visible domain.")
        elif not equilibria.complete:
            self.summary.setText(f"More than {n} equilibria: F vanishes along a curve here; "
                                 f"the first {min(n, MAX_LISTED)} are listed.")
        else:
            self.summary.setText(f"{n} equilibri{'um' if n == 1 else 'a'} (F = 0) in the visible domain; "
                                 "choose one to put the cursor on it.")
        for i, eq in enumerate(equilibria.items[:MAX_LISTED]):
            item = QListWidgetItem(glyphs.icon(eq.kind), equilibrium_text(eq))
            item.setData(Qt.ItemDataRole.UserRole, i)
            self.list.addItem(item)
        self.diagram.show_equilibria(equilibria.items)

    def show_levels(self, lo: float, hi: float) -> None:
        self.legend.setText(f"Arrows: direction of F, length and colour by |F|, from {fmt(lo)} (dark purple) "
                            f"to {fmt(hi)} (orange).")

    def texts(self) -> list[str]:
        """The entries of the list as text (what a screen reader and a test read)."""
        return [self.list.item(i).text() for i in range(self.list.count())]

    @guarded
    def _on_item(self, item: QListWidgetItem) -> None:
        self.equilibriumChosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))

    @guarded
    def _on_clear(self, *_args) -> None:
        self.clearTrajectories.emit()
