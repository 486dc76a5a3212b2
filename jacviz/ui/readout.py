"""The readout: the numbers at the cursor, the formulas, and one sentence saying what they mean."""

from __future__ import annotations

import math

from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from jacviz.core.pointinfo import PointInfo
from jacviz.ui.guard import guarded


def fmt(x: float) -> str:
    """A number to 4 significant digits; '—' when it is undefined."""
    if x is None or not math.isfinite(x):
        return "—"
    if x == 0:
        return "0"
    return f"{x:.4g}"


def fmt_complex(z: complex) -> str:
    if not (math.isfinite(z.real) and math.isfinite(z.imag)):
        return "—"
    if abs(z.imag) <= 1e-12 * max(1.0, abs(z.real)):
        return fmt(z.real)
    sign = "+" if z.imag >= 0 else "−"
    return f"{fmt(z.real)} {sign} {fmt(abs(z.imag))}i"


def eigenvalues_text(eigenvalues) -> str:
    """Two real eigenvalues as "a, b"; a complex pair (always conjugate for a real J) as "a ± bi"."""
    z1, z2 = eigenvalues
    if math.isfinite(z1.imag) and abs(z1.imag) > 1e-12 * max(1.0, abs(z1.real)):
        return f"{fmt(z1.real)} ± {fmt(abs(z1.imag))}i"
    return f"{fmt_complex(z1)}, {fmt_complex(z2)}"


def _mono() -> QFont:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class Readout(QWidget):
    """Shows a :class:`PointInfo` and the symbolic Jacobian; copies formulas on request."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("readout")
        self._names = ("x", "y")
        self._image_names = ("u", "v")
        self._symbolic: dict = {}
        self._simplified: dict = {}
        self.labels: dict[str, QLabel] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        self.reading = QLabel("Move the mouse over the left view.")
        self.reading.setObjectName("readout_reading")
        self.reading.setWordWrap(True)
        font = self.reading.font()
        font.setBold(True)
        self.reading.setFont(font)
        layout.addWidget(self.reading)

        numbers = QGroupBox("At the cursor")
        grid = QGridLayout(numbers)
        grid.setHorizontalSpacing(10)
        rows = [
            ("point", "p"), ("value", "F(p)"), ("det", "det J"), ("logdet", "log|det J|"),
            ("trace", "trace J"), ("eigenvalues", "eigenvalues"), ("singular", "singular values"),
        ]
        for r, (key, title) in enumerate(rows):
            grid.addWidget(QLabel(title), r, 0)
            label = self._label(key)
            grid.addWidget(label, r, 1, 1, 2)
        r = len(rows)
        grid.addWidget(QLabel("J(p)"), r, 0, 2, 1)
        for i in range(2):
            for j in range(2):
                grid.addWidget(self._label(f"j{i}{j}"), r + i, 1 + j)
        layout.addWidget(numbers)

        formulas = QGroupBox("Formulas")
        fl = QVBoxLayout(formulas)
        self.formula = QLabel("")
        self.formula.setObjectName("readout_formula")
        self.formula.setFont(_mono())
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(self.formula.textInteractionFlags().TextSelectableByMouse)
        self.formula.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        fl.addWidget(self.formula)
        buttons = QHBoxLayout()
        self.copy_text = QPushButton("Copy as text")
        self.copy_text.setObjectName("copyText")
        self.copy_latex = QPushButton("Copy as LaTeX")
        self.copy_latex.setObjectName("copyLatex")
        self.copy_text.clicked.connect(self._copy_text)
        self.copy_latex.clicked.connect(self._copy_latex)
        buttons.addWidget(self.copy_text)
        buttons.addWidget(self.copy_latex)
        fl.addLayout(buttons)
        layout.addWidget(formulas)
        layout.addStretch(1)

    @guarded
    def _copy_text(self, *_args) -> None:
        QGuiApplication.clipboard().setText(self.formulas_text())

    @guarded
    def _copy_latex(self, *_args) -> None:
        QGuiApplication.clipboard().setText(self.formulas_latex())

    def _label(self, key: str) -> QLabel:
        label = QLabel("—")
        label.setObjectName(f"readout_{key}")
        label.setFont(_mono())
        label.setTextInteractionFlags(label.textInteractionFlags().TextSelectableByMouse)
        self.labels[key] = label
        return label

    # -- numbers
    def set_names(self, variables: tuple[str, str], image_names: tuple[str, str]) -> None:
        self._names = variables
        self._image_names = image_names

    def show_point(self, info: PointInfo | None) -> None:
        lab = self.labels
        if info is None:
            for label in lab.values():
                label.setText("—")
            self.reading.setText("Move the mouse over the left view.")
            return
        (x, y), (u, v) = info.point, info.value
        a, b = self._names
        lab["point"].setText(f"({fmt(x)}, {fmt(y)})   [{a}, {b}]")
        lab["value"].setText(f"({fmt(u)}, {fmt(v)})")
        for i in range(2):
            for j in range(2):
                lab[f"j{i}{j}"].setText(fmt(info.jacobian[i, j]))
        lab["det"].setText(fmt(info.det))
        lab["logdet"].setText(fmt(info.log_abs_det) if info.det != 0 else "−∞")
        lab["trace"].setText(fmt(info.trace))
        lab["eigenvalues"].setText(eigenvalues_text(info.eigenvalues))
        lab["singular"].setText(", ".join(fmt(s) for s in info.singular_values))
        self.reading.setText(info.reading())

    # -- formulas
    def set_symbolic(self, rendered: dict, simplified: dict | None = None) -> None:
        """Raw renderings from the mapping; simplified forms replace them as they arrive."""
        self._symbolic = rendered
        self._simplified = simplified or {}
        self._show_formulas()

    def set_simplified(self, simplified: dict) -> None:
        self._simplified = simplified
        self._show_formulas()

    def _entry(self, key: str, latex: bool = False) -> str:
        form = self._simplified.get(key)
        if form is not None:
            return form.latex if latex else form.text
        s = self._symbolic
        if not s:
            return ""
        if key.startswith("j"):
            i, j = int(key[1]), int(key[2])
            return s["jacobian_latex" if latex else "jacobian"][i][j]
        return s[f"{key}_latex" if latex else key]

    def formulas_text(self) -> str:
        if not self._symbolic:
            return ""
        e = self._entry
        return (
            f"J = [[{e('j00')}, {e('j01')}], [{e('j10')}, {e('j11')}]]\n"
            f"det J = {e('det')}"
        )

    def formulas_latex(self) -> str:
        if not self._symbolic:
            return ""

        def e(key: str) -> str:
            return self._entry(key, latex=True)

        return (
            "J = \\begin{pmatrix} " + e("j00") + " & " + e("j01") + " \\\\ "
            + e("j10") + " & " + e("j11") + " \\end{pmatrix}, \\qquad "
            "\\det J = " + e("det")
        )

    def _show_formulas(self) -> None:
        if not self._symbolic:
            self.formula.setText("")
            return
        e = self._entry
        a, b = self._names
        u, v = self._image_names
        self.formula.setText(
            f"{u} = {e('u')}\n{v} = {e('v')}\n\n"
            f"∂{u}/∂{a} = {e('j00')}\n∂{u}/∂{b} = {e('j01')}\n"
            f"∂{v}/∂{a} = {e('j10')}\n∂{v}/∂{b} = {e('j11')}\n\n"
            f"det J = {e('det')}"
        )
