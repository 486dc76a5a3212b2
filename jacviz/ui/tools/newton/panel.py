"""The Newton tool's panel: how the run from the cursor ended, and every iterate with |F| and its digits."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout

from jacviz.ui.panels.readout import mono_label
from jacviz.ui.panels.section import Section


def _g(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec).replace("-", "−")


def iterates_text(run) -> str:
    """One line per iterate: k, pₖ, |F(pₖ)| and the correct digits (which double near a simple root)."""
    lines = [f"{'k':>2}  {'pₖ':<24}{'|F(pₖ)|':>9}  digits"]
    for it in run.iterates:
        x, y = it.point
        point = f"({_g(x, '.6g')}, {_g(y, '.6g')})"
        lines.append(f"{it.k:>2}  {point:<24}{_g(it.residual, '.1e'):>9}  {_g(it.digits, '.1f'):>6}")
    return "\n".join(lines)


class NewtonPanel(Section):
    """Newton's method from the cursor (see :mod:`jacviz.ui.tools.newton`)."""

    def __init__(self, parent=None) -> None:
        super().__init__("Newton's method from the cursor: p ← p − J(p)⁻¹F(p)", "newtonPanel", parent)
        layout = QVBoxLayout(self)
        hint = QLabel("Left: the iterates p₀, p₁, … Right: F(pₖ), and the tangent plane's target 0 "
                      "each step aims at (dashed).")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.status = QLabel("")
        self.status.setObjectName("newtonStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.table = mono_label("newtonIterates")
        self.table.setWordWrap(False)
        layout.addWidget(self.table)

    def show_run(self, run) -> None:
        text = run.message()
        if run.converged and len(run.iterates) > 2:
            text += ". Near a simple root the correct digits double at every step (quadratic convergence)."
        self.status.setText(text[0].upper() + text[1:])
        self.table.setText(iterates_text(run))

    def show_error(self, message: str) -> None:
        self.status.setText(message)
        self.table.setText("")
