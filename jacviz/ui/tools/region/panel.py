"""The region tool's panel: both sides of the change-of-variables formula, and a verdict."""

from __future__ import annotations

import math

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from jacviz.ui.guard import guarded
from jacviz.ui.panels.readout import fmt
from jacviz.ui.panels.section import Section


class RegionPanel(Section):
    """Both sides of the change-of-variables formula for the region the user drew."""

    clearRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__("Region R (change of variables)", "regionPanel", parent)
        layout = QVBoxLayout(self)
        self.hint = QLabel("Drag a rectangle in the left view, or click the corners of a polygon "
                           "and double-click to close it.")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        for key, title in [
            ("area", "area(R)"), ("det", "∬_R det J dA"), ("absdet", "∬_R |det J| dA"),
            ("image", "area F(R)"), ("error", "error estimate"),
        ]:
            self.row(key, title)
        layout.addLayout(self.grid)
        self.verdict = QLabel("")
        self.verdict.setObjectName("regionVerdict")
        self.verdict.setWordWrap(True)
        layout.addWidget(self.verdict)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton("Clear region (Esc)")
        self.clear_button.setObjectName("clearRegion")
        self.clear_button.clicked.connect(self._on_clear)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    @guarded
    def _on_clear(self, *_args) -> None:
        self.clearRequested.emit()

    def show_busy(self) -> None:
        for label in self.labels.values():
            label.setText("…")
        self.verdict.setText("Integrating…")

    def show_report(self, report) -> None:
        lab = self.labels
        lab["area"].setText(fmt(report.domain_area))
        lab["det"].setText(fmt(report.integral_det))
        lab["absdet"].setText(fmt(report.integral_abs_det))
        if math.isfinite(report.image_area):
            lab["image"].setText(f"{fmt(report.image_area)} ± {fmt(report.image_area_error)}")
        else:
            lab["image"].setText("no finite area")
        lab["error"].setText(fmt(report.error_estimate) + ("" if report.converged else " (not converged)"))
        self.verdict.setText(region_verdict(report))

    def show_error(self, message: str) -> None:
        for label in self.labels.values():
            label.setText("—")
        self.verdict.setText(f"⚠ {message}")


def region_verdict(report) -> str:
    """The change-of-variables formula, checked in words."""
    if not report.converged and not math.isfinite(report.integral_abs_det):
        return "F is not bounded on R (a pole?): the integrals diverge."
    if not math.isfinite(report.image_area):
        note = getattr(report, "image_area_note", None) or "F(R) has no finite area that jacviz can measure"
        return f"{note[:1].upper()}{note[1:]}{'' if note.endswith('.') else '.'}"
    parts = []
    if report.undefined_fraction > 0:
        parts.append(f"F is undefined on {report.undefined_fraction:.1%} of R; that part is left out.")
    abs_det, area = report.integral_abs_det, report.image_area
    tolerance = max(3 * (report.image_area_error + report.error_estimate), 1e-3 * max(area, 1e-12))
    agree = abs(abs_det - area) <= tolerance
    if report.folds or report.max_preimages > 1:
        sheets = report.max_preimages
        where = (f"det J < 0 on {report.negative_fraction:.1%} of R (shaded)"
                 if report.folds else "det J keeps its sign, but F wraps around")
        parts.append(
            f"F is not one-to-one on R: {where}. Part of F(R) is covered {sheets} times "
            f"(shaded on the right), so ∬|det J| counts that area {sheets}× and exceeds area F(R)."
        )
    elif agree:
        parts.append("F is one-to-one on R: area F(R) = ∬_R |det J| dA, as the change of variables says.")
    else:
        parts.append("The two sides differ by more than their error estimates.")
    if not report.converged:
        parts.append("The integration stopped before reaching its tolerance.")
    return " ".join(parts)
