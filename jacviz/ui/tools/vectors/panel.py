"""The vectors tool's panel: J·v, Jᵀ·g, a loss's gradient and the finite-difference check."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from jacviz.core.lab.backprop import DEFAULT_LOSS
from jacviz.ui.guard import guarded
from jacviz.ui.panels.readout import fmt
from jacviz.ui.panels.section import Section, vec_text


class BackpropPanel(Section):
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

    def set_loss_text(self, text: str) -> None:
        if self.loss_edit.text() != text:
            self.loss_edit.setText(text)

    def show_loss_error(self, message: str | None) -> None:
        self.loss_error.setVisible(bool(message))
        self.loss_error.setText(f"⚠ {message}" if message else "")

    def show_values(self, v, jv, g, jtg, grad_loss, grad_pullback, check) -> None:
        lab = self.labels
        lab["v"].setText(vec_text(v))
        lab["jvp"].setText(vec_text(jv))
        lab["g"].setText(vec_text(g))
        lab["vjp"].setText(vec_text(jtg))
        lab["grad_loss"].setText(vec_text(grad_loss))
        lab["grad_pullback"].setText(vec_text(grad_pullback))
        if check is None:
            lab["check"].setText("—")
        else:
            gap = fmt(check.max_abs_difference)
            lab["check"].setText(f"{vec_text(check.finite_difference)}  (differs by {gap})")
