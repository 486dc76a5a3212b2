"""Side-panel sections for the laboratory tools: the region, backprop, and layer chains.

Each section only shows numbers it is handed (a RegionReport, a ChainReport, vectors);
the window computes them and decides when a section is visible.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from jacviz.core.lab.backprop import DEFAULT_LOSS
from jacviz.ui.guard import guarded
from jacviz.ui.panels.readout import fmt, mono_label


def _vec(v) -> str:
    v = np.asarray(v, dtype=float)
    return f"({fmt(v[0])}, {fmt(v[1])})"


def _mat(m) -> str:
    m = np.asarray(m, dtype=float)
    return f"[[{fmt(m[0, 0])}, {fmt(m[0, 1])}], [{fmt(m[1, 0])}, {fmt(m[1, 1])}]]"


class _Section(QGroupBox):
    def __init__(self, title: str, name: str, parent=None) -> None:
        super().__init__(title, parent)
        self.setObjectName(name)
        self.labels: dict[str, QLabel] = {}
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(8)

    def row(self, key: str, title: str) -> QLabel:
        r = self.grid.rowCount()
        self.grid.addWidget(QLabel(title), r, 0)
        label = mono_label(f"{self.objectName()}_{key}", "—")
        self.grid.addWidget(label, r, 1)
        self.labels[key] = label
        return label


class RegionPanel(_Section):
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
        lab["image"].setText(f"{fmt(report.image_area)} ± {fmt(report.image_area_error)}")
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


class BackpropPanel(_Section):
    """A tangent vector pushed forward, a covector pulled back, and a loss's gradient."""

    lossChanged = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__("Backprop: J·v and Jᵀ·g at the cursor", "backpropPanel", parent)
        layout = QVBoxLayout(self)
        hint = QLabel("Drag the green handle on the left to set v, the blue handle on the right to set g.")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        loss_row = QHBoxLayout()
        loss_row.addWidget(QLabel("loss L(u, v) ="))
        self.loss_edit = QLineEdit(DEFAULT_LOSS)
        self.loss_edit.setObjectName("lossEdit")
        self.loss_edit.setToolTip("A scalar function of u and v; Enter applies it")
        self.loss_edit.returnPressed.connect(self._on_loss)
        loss_row.addWidget(self.loss_edit, 1)
        layout.addLayout(loss_row)
        self.loss_error = QLabel("")
        self.loss_error.setObjectName("lossError")
        self.loss_error.setStyleSheet("color: #b00020;")
        self.loss_error.setVisible(False)
        layout.addWidget(self.loss_error)
        for key, title in [
            ("v", "v"), ("jvp", "J·v (forward)"), ("g", "g"), ("vjp", "Jᵀ·g (backward)"),
            ("grad_loss", "∇L at F(p)"), ("grad_pullback", "∇(L∘F)(p) = Jᵀ∇L"),
            ("check", "finite differences"),
        ]:
            self.row(key, title)
        layout.addLayout(self.grid)

    @guarded
    def _on_loss(self, *_args) -> None:
        self.lossChanged.emit(self.loss_edit.text())

    def show_loss_error(self, message: str | None) -> None:
        self.loss_error.setVisible(bool(message))
        self.loss_error.setText(f"⚠ {message}" if message else "")

    def show_values(self, v, jv, g, jtg, grad_loss, grad_pullback, check) -> None:
        lab = self.labels
        lab["v"].setText(_vec(v))
        lab["jvp"].setText(_vec(jv))
        lab["g"].setText(_vec(g))
        lab["vjp"].setText(_vec(jtg))
        lab["grad_loss"].setText(_vec(grad_loss))
        lab["grad_pullback"].setText(_vec(grad_pullback))
        if check is None:
            lab["check"].setText("—")
        else:
            gap = fmt(check.max_abs_difference)
            lab["check"].setText(f"{_vec(check.finite_difference)}  (differs by {gap})")


class ChainPanel(_Section):
    """Each stage's Jacobian at the point it sees, their product, and Σ log|det J_i|."""

    def __init__(self, parent=None) -> None:
        super().__init__("Layers: the chain rule", "chainPanel", parent)
        layout = QVBoxLayout(self)
        self.text = mono_label("chainText")
        layout.addWidget(self.text)

    def show_report(self, report) -> None:
        lines = []
        for s in report.stages:
            lines.append(f"S{s.index} at {_vec(s.point)}:")
            lines.append(f"  J{s.index} = {_mat(s.jacobian)}")
            lines.append(f"  log|det J{s.index}| = {fmt(s.log_abs_det)}")
        names = " · ".join(f"J{s.index}" for s in reversed(report.stages))
        lines.append(f"{names} = {_mat(report.product)}")
        lines.append(f"Σ log|det Jᵢ| = {fmt(report.sum_log_abs_det)}")
        lines.append(f"log|det J|    = {fmt(report.log_abs_det_product)}")
        self.text.setText("\n".join(lines))
