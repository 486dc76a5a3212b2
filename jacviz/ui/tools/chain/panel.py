"""The chain tool's panel: each stage's Jacobian at the point it sees, and their product."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QVBoxLayout,
)

from jacviz.ui.panels.readout import fmt, mono_label
from jacviz.ui.panels.section import Section, mat_text, vec_text


class ChainPanel(Section):
    """Each stage's Jacobian at the point it sees, their product, and Σ log|det J_i|."""

    def __init__(self, parent=None) -> None:
        super().__init__("Layers: the chain rule", "chainPanel", parent)
        layout = QVBoxLayout(self)
        self.text = mono_label("chainText")
        layout.addWidget(self.text)

    def show_report(self, report) -> None:
        lines = []
        for s in report.stages:
            lines.append(f"S{s.index} at {vec_text(s.point)}:")
            lines.append(f"  J{s.index} = {mat_text(s.jacobian)}")
            lines.append(f"  log|det J{s.index}| = {fmt(s.log_abs_det)}")
        names = " · ".join(f"J{s.index}" for s in reversed(report.stages))
        lines.append(f"{names} = {mat_text(report.product)}")
        lines.append(f"Σ log|det Jᵢ| = {fmt(report.sum_log_abs_det)}")
        lines.append(f"log|det J|    = {fmt(report.log_abs_det_product)}")
        self.text.setText("\n".join(lines))
