"""The readout: the numbers at the cursor, the formulas, and one sentence saying what they mean."""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QFont, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from jacviz.core.lab.pointinfo import PointInfo
from jacviz.ui.guard import guarded
from jacviz.ui.panels.fold import FoldingSection

ACCESSIBLE_DELAY_MS = 150
# The numbers at the cursor for a planar mapping; a network with k ≠ 2 outputs gets its own rows.
STANDARD_ROWS = (
    ("p", ["point"]), ("F(p)", ["value"]), ("J(p)", ["j00", "j01"]), ("", ["j10", "j11"]),
    ("det J", ["det"]), ("log|det J|", ["logdet"]), ("trace J", ["trace"]),
    ("eigenvalues", ["eigenvalues"]), ("singular values", ["singular"]),
)


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


def mono_label(name: str, text: str = "") -> QLabel:
    """A wrapped, selectable monospace label: numbers and formulas people copy from."""
    label = QLabel(text)
    label.setObjectName(name)
    label.setFont(_mono())
    label.setWordWrap(True)
    label.setTextInteractionFlags(label.textInteractionFlags().TextSelectableByMouse)
    return label


class _Cell:
    """One number in a :class:`NumberTable`; reads like a QLabel (text, setText)."""

    __slots__ = ("_table", "_text", "key")

    def __init__(self, table: NumberTable, key: str) -> None:
        self._table = table
        self._text = "—"
        self.key = key

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - the QLabel name, on purpose
        if text != self._text:
            self._text = text
            self._table.update()


class NumberTable(QWidget):
    """The numbers at the cursor, painted in one pass.

    Fourteen QLabels cost a layout pass and fourteen repaints on every mouse move; this
    widget has a fixed size and repaints itself once. Right-click copies the numbers.
    """

    def __init__(self, rows: list[tuple[str, list[str]]], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("readoutNumbers")
        self.setFont(_mono())
        self.cells: dict[str, _Cell] = {}
        metrics = self.fontMetrics()
        self._line = metrics.height() + 4
        self._cell_width = metrics.horizontalAdvance("−0.00000e+000") + 6
        # The widest text a row can hold (a pair of 4-digit numbers with 3-digit exponents):
        # the table is never narrower, so nothing it paints is cut off.
        self._value_width = max(2 * self._cell_width,
                                metrics.horizontalAdvance("(-1.235e-100, -1.235e-100)") + 6)
        self.set_rows(rows)
        # It paints its whole rectangle itself, so its parents need not repaint under it.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QAction("Copy these numbers", self)
        copy.triggered.connect(self._copy)
        self.addAction(copy)

    def set_rows(self, rows: list[tuple[str, list[str]]]) -> None:
        """Lay the table out for other rows (a network's k×2 Jacobian has k rows); cells start at '—'."""
        self.rows = rows
        self.cells.clear()
        self.cells.update({key: _Cell(self, key) for _, keys in rows for key in keys})
        self._title_width = max(self.fontMetrics().horizontalAdvance(title) for title, _ in rows) + 14
        self.setMinimumHeight(self._line * len(rows) + 4)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(self._title_width + self._value_width, self._line * len(self.rows) + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return self.sizeHint()

    def as_text(self) -> str:
        return "\n".join(
            f"{title}: " + "  ".join(self.cells[k].text() for k in keys) for title, keys in self.rows
        )

    @guarded
    def _copy(self, *_args) -> None:
        QGuiApplication.clipboard().setText(self.as_text())

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        ascent = self.fontMetrics().ascent()
        for r, (title, keys) in enumerate(self.rows):
            y = 2 + r * self._line + ascent
            painter.drawText(4, y, title)
            if len(keys) == 1:
                painter.drawText(self._title_width, y, self.cells[keys[0]].text())
            else:
                for c, key in enumerate(keys):
                    painter.drawText(self._title_width + c * self._cell_width, y, self.cells[key].text())
        painter.end()


class Sentence(QWidget):
    """One bold sentence, wrapped over at most two lines, painted in one pass.

    A QLabel whose text changes asks its parents to lay out and repaint the whole panel;
    this widget has a fixed height, is opaque and repaints only itself.
    """

    def __init__(self, text: str, parent=None) -> None:
        super().__init__(parent)
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        self._text = text
        self.setFixedHeight(2 * self.fontMetrics().height() + 6)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - the QLabel name, on purpose
        if text != self._text:
            self._text = text
            self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        painter.drawText(self.rect().adjusted(2, 2, -2, -2), int(flags), self._text)
        painter.end()


class PaintedText(QWidget):
    """Wrapped monospace text painted in one pass, reading like a QLabel (text, setText).

    A word-wrapped QLabel whose text changes makes the whole side panel lay itself out
    again on every cursor move, and its parents repaint under it (measured on the shapes
    pane's readout: 0.9 ms of a 3 ms cursor move). This widget only changes its height when
    the wrapped text needs another number of lines, and it is opaque: it paints its whole
    rectangle, so nothing under it is repainted. Right-click copies the text.

    ``hint_chars`` asks the layout for a width of that many characters; without it the
    widget takes the width it is given. It is never narrower than its widest word.
    """

    def __init__(self, name: str, parent=None, hint_chars: int | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self._text = ""
        self.setFont(_mono())
        self._hint_chars = hint_chars
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(0)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QAction("Copy this text", self)
        copy.triggered.connect(self._copy)
        self.addAction(copy)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        hint = super().sizeHint()
        if self._hint_chars is None:
            return hint
        return QSize(self.fontMetrics().horizontalAdvance("0" * self._hint_chars) + 4, self.height())

    @guarded
    def _copy(self, *_args) -> None:
        QGuiApplication.clipboard().setText(self._text)

    def text(self) -> str:
        return self._text

    def _flags(self) -> int:
        return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)

    def setText(self, text: str) -> None:  # noqa: N802 - the QLabel name, on purpose
        if text == self._text:
            return
        self._text = text
        self._fit()
        self.update()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        """As narrow as its widest word (a QLabel's minimum), so no word is cut off.

        Measured when a layout asks, not on every setText (the cursor's hot path)."""
        metrics = self.fontMetrics()
        return QSize(max(metrics.horizontalAdvance(w) for w in self._text.split() or [""]) + 4, self.height())

    def _fit(self) -> None:
        # measured at the width it is painted at (before its first layout it has none yet)
        width = self.width() if self.width() > 4 else 120
        box = self.fontMetrics().boundingRect(0, 0, width - 4, 100000, self._flags(), self._text)
        height = box.height() + 4 if self._text else 0
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Window))
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        painter.drawText(self.rect().adjusted(2, 2, -2, -2), self._flags(), self._text)
        painter.end()


class Readout(QWidget):
    """Shows a :class:`PointInfo` and the symbolic Jacobian; copies formulas on request."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("readout")
        self._names = ("x", "y")
        self._image_names = ("u", "v")
        self._symbolic = None  # the mapping's Formulas
        self._simplified: dict = {}
        self._description: tuple[str, ...] = ()  # a network's lines, shown instead of formulas

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)

        self.reading = Sentence("Move the mouse over the left view.", self)
        self.reading.setObjectName("readout_reading")
        layout.addWidget(self.reading)

        numbers = QGroupBox("At the cursor p = (x, y)")
        self.numbers = numbers
        box = QVBoxLayout(numbers)
        box.setContentsMargins(6, 4, 6, 4)
        self.table = NumberTable(list(STANDARD_ROWS), numbers)
        self.labels = self.table.cells
        box.addWidget(self.table)
        layout.addWidget(numbers)

        formulas = QWidget()
        fl = QVBoxLayout(formulas)
        fl.setContentsMargins(6, 0, 6, 4)
        self.formula = mono_label("readout_formula")
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
        self.formulas_section = FoldingSection("Formulas", formulas, "formulasSection")
        layout.addWidget(self.formulas_section)
        layout.addStretch(1)
        # What the painted numbers and sentence say, for screen readers and tests: set a moment
        # after the cursor stops rather than on every move (the move's budget is 3 ms).
        self.table.setAccessibleName("numbers at the cursor")
        self.reading.setAccessibleName("what J does near the cursor")
        self._accessible = QTimer(self)
        self._accessible.setSingleShot(True)
        self._accessible.setInterval(ACCESSIBLE_DELAY_MS)
        self._accessible.timeout.connect(self.update_accessible_text)

    @guarded
    def _copy_text(self, *_args) -> None:
        QGuiApplication.clipboard().setText(self.formulas_text())

    @guarded
    def _copy_latex(self, *_args) -> None:
        QGuiApplication.clipboard().setText(self.formulas_latex())

    # -- numbers
    def set_names(self, variables: tuple[str, str], image_names: tuple[str, str]) -> None:
        self._names = variables
        self._image_names = image_names
        self.numbers.setTitle(f"At the cursor p = ({variables[0]}, {variables[1]})")

    def show_rows(self, rows, reading: str) -> None:
        """Numbers given as (label, text) rows, a tab between columns: a network whose J is k×2.

        The table takes these rows' layout (one row of J per output) until the next
        :meth:`show_point`.
        """
        layout = [(label, [f"r{i}c{j}" for j in range(len(text.split("\t")))]) for i, (label, text) in
                  enumerate(rows)]
        if [(t, k) for t, k in self.table.rows] != layout:
            self.table.set_rows(layout)
        for i, (_label, text) in enumerate(rows):
            for j, part in enumerate(text.split("\t")):
                self.labels[f"r{i}c{j}"].setText(part)
        self.reading.setText(reading)
        self._accessible.start()

    def show_point(self, info: PointInfo | None) -> None:
        if self.table.rows != list(STANDARD_ROWS):
            self.table.set_rows(list(STANDARD_ROWS))
        lab = self.labels
        if info is None:
            for label in lab.values():
                label.setText("—")
            self.reading.setText("Move the mouse over the left view.")
            self._accessible.start()
            return
        (x, y), (u, v) = info.point, info.value
        lab["point"].setText(f"({fmt(x)}, {fmt(y)})")
        lab["value"].setText(f"({fmt(u)}, {fmt(v)})")
        for i in range(2):
            for j in range(2):
                lab[f"j{i}{j}"].setText(fmt(info.jacobian[i, j]))
        lab["det"].setText(fmt(info.det))
        lab["logdet"].setText(fmt(info.log_abs_det) if info.det != 0 else "−∞")
        lab["trace"].setText(fmt(info.trace))
        lab["eigenvalues"].setText(eigenvalues_text(info.eigenvalues))
        lab["singular"].setText(", ".join(fmt(s) for s in info.singular_values))
        reading = info.reading()
        extra = [note for note in info.notes if note not in reading]
        self.reading.setText(reading + (" · " + "; ".join(extra) if extra else ""))
        self._accessible.start()

    @guarded
    def update_accessible_text(self) -> None:
        """Put the painted numbers and sentence where Qt's accessibility interface reads them."""
        self.table.setAccessibleDescription(self.table.as_text())
        self.reading.setAccessibleDescription(self.reading.text())

    # -- formulas
    def set_symbolic(self, rendered, simplified: dict | None = None) -> None:
        """Raw renderings from the mapping; simplified forms replace them as they arrive."""
        self._symbolic = rendered
        self._simplified = simplified or {}
        self._description = ()
        self._show_formulas()

    def set_description(self, lines) -> None:
        """Lines shown (and copied) instead of formulas: a trained network's name and layers."""
        self._symbolic = None
        self._simplified = {}
        self._description = tuple(lines)
        self.formula.setText("\n".join(self._description))
        self.formula.setAccessibleName("the model and its layers")
        self.formula.setAccessibleDescription(self.formula.text())

    @property
    def description(self) -> tuple[str, ...]:
        return self._description

    @property
    def simplified(self) -> dict:
        """The simplified forms shown (key -> SimplifiedForm), for figures."""
        return dict(self._simplified)

    def set_simplified(self, simplified: dict) -> None:
        self._simplified = simplified
        self._show_formulas()

    def _entry(self, key: str, latex: bool = False) -> str:
        form = self._simplified.get(key)
        if form is not None:
            return form.latex if latex else form.text
        if self._symbolic is None:
            return ""
        return self._symbolic.get(key, latex)

    def formulas_text(self) -> str:
        if self._symbolic is None:
            return "\n".join(self._description)
        e = self._entry
        return (
            f"J = [[{e('j00')}, {e('j01')}], [{e('j10')}, {e('j11')}]]\n"
            f"det J = {e('det')}"
        )

    def formulas_latex(self) -> str:
        if self._symbolic is None:
            return "\n".join(self._description)

        def e(key: str) -> str:
            return self._entry(key, latex=True)

        return (
            "J = \\begin{pmatrix} " + e("j00") + " & " + e("j01") + " \\\\ "
            + e("j10") + " & " + e("j11") + " \\end{pmatrix}, \\qquad "
            "\\det J = " + e("det")
        )

    def _show_formulas(self) -> None:
        if self._symbolic is None:
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
