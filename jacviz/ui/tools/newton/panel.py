"""The Newton tool's panel: how the run from the cursor ended, and every iterate with |F| and its digits.

Both change on every cursor move, so both paint themselves at a fixed size, as the readout's
numbers do: a QLabel whose text changes lays out the whole side panel again, which cost
about 5 ms a move here. Each keeps its text for screen readers (the accessible description)
and for tests (``text()``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from jacviz.ui.panels.readout import mono_label
from jacviz.ui.panels.section import Section

ROWS = 16  # iterates listed: the first ROWS − 4, a gap, the last 3 (a run has at most 51)
STATUS_LINES = 4
LINE_CHARS = 41  # the widest line of iterate_rows


def _g(x: float | None, spec: str) -> str:
    return "—" if x is None else format(x, spec).replace("-", "−")


def iterate_rows(run) -> list[str]:
    """A header and one line per iterate: k, pₖ, |F(pₖ)| and the correct digits (which double
    near a simple root); long runs keep their first and last iterates."""
    lines = []
    for it in run.iterates:
        x, y = it.point
        point = f"({_g(x, '.6g')}, {_g(y, '.6g')})"
        lines.append(f"{it.k:>2} {point:<23}{_g(it.residual, '.1e'):>8} {_g(it.digits, '.1f'):>6}")
    if len(lines) > ROWS:
        lines = [*lines[: ROWS - 4], " ⋮", *lines[-3:]]
    return [f"{'k':>2} {'pₖ':<23}{'|F(pₖ)|':>8} digits", *lines]


class _Painted(QWidget):
    """Text painted in one pass at a fixed height (see the module docstring)."""

    def __init__(self, name: str, lines: int, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._text = ""
        self._lines = lines
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def _fix_height(self) -> None:
        self.setFixedHeight(self._lines * self.fontMetrics().height() + 6)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - the QLabel name, on purpose
        if text != self._text:
            self._text = text
            self.setAccessibleDescription(text)
            self.update()

    def _begin(self) -> QPainter:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        return painter


class Paragraph(_Painted):
    """A few wrapped lines of plain text."""

    def __init__(self, name: str, lines: int, parent=None) -> None:
        super().__init__(name, lines, parent)
        self._fix_height()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = self._begin()
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        painter.drawText(self.rect().adjusted(2, 2, -2, -2), int(flags), self._text)
        painter.end()


class IterateTable(_Painted):
    """The iterates, one monospace line each."""

    def __init__(self, name: str, parent=None) -> None:
        super().__init__(name, ROWS + 1, parent)
        self.setFont(mono_label("_").font())
        self._fix_height()
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0" * LINE_CHARS) + 6)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = self._begin()
        metrics = self.fontMetrics()
        for i, line in enumerate(self._text.splitlines()):
            painter.drawText(2, 3 + i * metrics.height() + metrics.ascent(), line)
        painter.end()


class NewtonPanel(Section):
    """Newton's method from the cursor (see :mod:`jacviz.ui.tools.newton`)."""

    def __init__(self, parent=None) -> None:
        super().__init__("Newton's method from the cursor: p ← p − J(p)⁻¹F(p)", "newtonPanel", parent)
        layout = QVBoxLayout(self)
        hint = QLabel("Left: the iterates p₀, p₁, … Right: F(pₖ), and the tangent plane's target 0 "
                      "each step aims at (dashed).")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.status = Paragraph("newtonStatus", STATUS_LINES)
        self.status.setAccessibleName("how Newton's method from the cursor ended")
        layout.addWidget(self.status)
        self.table = IterateTable("newtonIterates")
        self.table.setAccessibleName("Newton's iterates with |F| and their correct digits")
        layout.addWidget(self.table)

    def show_run(self, run) -> None:
        text = run.message()
        if run.converged and len(run.iterates) > 2:
            text += ". Near a simple root the correct digits double at every step (quadratic convergence)."
        self.status.setText(text[0].upper() + text[1:])
        self.table.setText("\n".join(iterate_rows(run)))

    def show_error(self, message: str) -> None:
        self.status.setText(message)
        self.table.setText("")
