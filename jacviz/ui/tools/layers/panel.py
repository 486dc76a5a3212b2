"""The layer panel: each layer's Jacobian as a small matrix of colours, its singular values as bars.

:class:`LayerStrip` paints every layer in one pass (a cursor move repaints one widget, not
a label per number): a row per layer with its name and shape, Jᵢ as a grid of cells
coloured by the diverging map of the heatmap (red > 0, blue < 0, white 0, scaled by the
layer's largest |entry|), and its singular values as bars (scaled by the largest). Under it
the chain-rule check and, for a flow, the log-determinants; then backpropagation step by
step. What is painted is also set, as text, as the widgets' accessible descriptions (a
moment after the cursor stops, as the readout does).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from jacviz.core.figure.colormaps import COLORMAPS
from jacviz.ui.guard import guarded
from jacviz.ui.panels.readout import ACCESSIBLE_DELAY_MS, PaintedText, fmt

MATRIX_WIDTH = 132  # pixels for the widest matrix
MAX_CELL = 14
MIN_CELL = 2
SPECTRUM_WIDTH = 84
ROW_GAP = 6
_MAP = COLORMAPS["vik"]


def vector_text(v, limit: int = 6) -> str:
    """A vector as (a, b, …), the first ``limit`` entries and how many more."""
    v = np.asarray(v, dtype=float).reshape(-1)
    shown = ", ".join(fmt(x) for x in v[:limit])
    return f"({shown}{f', … {v.size - limit} more' if v.size > limit else ''})"


def matrix_text(m, limit: int = 4) -> str:
    m = np.asarray(m, dtype=float)
    if m.shape[0] > limit or m.shape[1] > limit:
        return f"{m.shape[0]}×{m.shape[1]} matrix"
    return "[" + ", ".join("[" + ", ".join(fmt(x) for x in row) + "]" for row in m) + "]"


def layer_text(r) -> str:
    """One layer at the point, in words and numbers (the accessible description)."""
    lay = r.layer
    parts = [f"layer {lay.index}: {lay.name}, {lay.input_size} → {lay.output_size}"]
    if r.jacobian is None:
        parts.append("J too large to form")
    else:
        parts.append(f"J{lay.index} = {matrix_text(r.jacobian)}")
        parts.append("singular values " + vector_text(r.singular_values))
    if r.log_abs_det is not None:
        parts.append(f"log|det J{lay.index}| = {fmt(r.log_abs_det)}")
    return "; ".join(parts)


def matrix_colours(m: np.ndarray, level: float | None = None) -> np.ndarray:
    """(rows, cols, 3) uint8 colours of a matrix: the diverging map, ±``level`` (default the
    largest |entry|) at its ends, 0 white, undefined grey."""
    m = np.asarray(m, dtype=float)
    finite = np.isfinite(m)
    if level is None:
        level = float(np.abs(m[finite]).max()) if finite.any() else 0.0
    with np.errstate(all="ignore"):
        t = 0.5 + 0.5 * np.clip(m / level, -1.0, 1.0) if level > 0 else np.full(m.shape, 0.5)
    out = np.rint(_MAP.rgb(np.where(finite, t, 0.5))).astype(np.uint8)
    out[~finite] = 200
    return out


def matrix_image(m: np.ndarray) -> QImage:
    """The matrix as a QImage, one pixel per entry (it owns a copy of its bytes)."""
    rgb = np.ascontiguousarray(matrix_colours(m))
    rows, cols = rgb.shape[:2]
    return QImage(rgb.tobytes(), cols, rows, 3 * cols, QImage.Format.Format_RGB888).copy()


class LayerStrip(QWidget):
    """Every layer's Jacobian and spectrum at the cursor, painted in one pass."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("layerStrip")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.layers: tuple = ()
        self._line = self.fontMetrics().height() + 2
        self._rows: list[tuple[int, int]] = []  # (cell size, height) per layer
        self._images: list[QImage | None] = []
        self.setFixedHeight(self._line)
        self.setAccessibleName("the layers' Jacobians at the cursor")

    def set_layers(self, layers) -> None:
        """Show the LayerAtPoint reports of :func:`jacviz.core.network.layers.layers_at`."""
        shapes = [(r.layer.output_size, r.layer.input_size) for r in layers]
        if shapes != [(r.layer.output_size, r.layer.input_size) for r in self.layers]:
            self._rows = []
            for m, n in shapes:
                cell = int(max(MIN_CELL, min(MAX_CELL, MATRIX_WIDTH // max(n, 1))))
                self._rows.append((cell, self._line + max(cell * m, self._line) + ROW_GAP))
            self.setFixedHeight(max(sum(h for _, h in self._rows), self._line))
        self.layers = tuple(layers)
        # one small image per layer, a pixel per entry, scaled up without smoothing when painted:
        # colouring 300 cells one by one cost more than the rest of a cursor move
        self._images = [None if r.jacobian is None else matrix_image(r.jacobian) for r in self.layers]
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(MATRIX_WIDTH + SPECTRUM_WIDTH + 24, self.height())

    @staticmethod
    def cell_colour(value: float, level: float) -> QColor:
        """The colour of one entry of a layer's J whose largest |entry| is ``level``."""
        r, g, b = (int(c) for c in matrix_colours(np.array([[value]]), level)[0, 0])
        return QColor(r, g, b)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        text = pal.color(QPalette.ColorRole.Text)
        ascent = self.fontMetrics().ascent()
        y = 0
        for index, (r, (cell, height)) in enumerate(zip(self.layers, self._rows, strict=False)):
            lay = r.layer
            painter.setPen(text)
            title = f"{lay.index}  {lay.name}  {lay.input_size}→{lay.output_size}"
            if r.log_abs_det is not None:
                title += f"  log|det| {fmt(r.log_abs_det)}"
            painter.drawText(2, y + ascent, title)
            top = y + self._line
            jac = r.jacobian
            if jac is None:
                painter.drawText(4, top + ascent, "(too large to form)")
            else:
                image = self._images[index]
                painter.drawImage(QRectF(4, top, jac.shape[1] * cell, jac.shape[0] * cell), image)
                painter.setPen(pal.color(QPalette.ColorRole.Mid))
                painter.drawRect(QRectF(4, top, jac.shape[1] * cell, jac.shape[0] * cell))
                self._spectrum(painter, r.singular_values, 4 + MATRIX_WIDTH + 12, top, height - self._line
                               - ROW_GAP, text)
            y += height
        painter.end()

    def _spectrum(self, painter, svals, x, top, height, text) -> None:
        s = np.asarray(svals, dtype=float)
        if s.size == 0 or not np.isfinite(s).all():
            return
        top_s = float(s.max())
        height = max(height, self._line)
        width = max(2.0, min(10.0, SPECTRUM_WIDTH / s.size))
        painter.setPen(Qt.PenStyle.NoPen)
        base = top + height
        for k, value in enumerate(s):
            h = (height - 2) * (value / top_s) if top_s > 0 else 0.0
            painter.fillRect(QRectF(x + k * width, base - h, max(width - 1, 1), h), QColor(0, 114, 178))
        painter.setPen(text)
        label_y = int(top + self.fontMetrics().ascent())
        painter.drawText(int(x + s.size * width + 4), label_y, f"σ₁ {fmt(top_s)}")


class LayersPanel(QGroupBox):
    """The layers at the cursor, the chain rule and backpropagation, for a trained network."""

    lossChosen = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__("Layers of the network", parent)
        self.setObjectName("layersPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.strip = LayerStrip(self)
        layout.addWidget(self.strip)
        self.checks = PaintedText("layersChecks")
        layout.addWidget(self.checks)
        row = QHBoxLayout()
        row.addWidget(QLabel("Backprop of:"))
        self.loss_box = QComboBox(self)
        self.loss_box.setObjectName("layersLoss")
        self.loss_box.setAccessibleName("the loss backpropagated through the layers")
        self.loss_box.currentIndexChanged.connect(self._on_loss)
        row.addWidget(self.loss_box, 1)
        layout.addLayout(row)
        self.backprop = PaintedText("layersBackprop")
        layout.addWidget(self.backprop)
        self.checks.setAccessibleName("the chain rule checked")
        self.backprop.setAccessibleName("backpropagation step by step")
        self._accessible = QTimer(self)
        self._accessible.setSingleShot(True)
        self._accessible.setInterval(ACCESSIBLE_DELAY_MS)
        self._accessible.timeout.connect(self.update_accessible_text)

    @guarded
    def _on_loss(self, index: int) -> None:
        self.lossChosen.emit(index)

    def set_losses(self, names: list[str], current: int = 0) -> None:
        blocked = self.loss_box.blockSignals(True)
        try:
            self.loss_box.clear()
            self.loss_box.addItems(names)
            self.loss_box.setCurrentIndex(min(max(current, 0), len(names) - 1))
        finally:
            self.loss_box.blockSignals(blocked)

    def show_report(self, report, backprop=None, loss_name: str = "") -> None:
        """Show a LayersReport and a BackpropReport (or None)."""
        self.strip.set_layers(report.layers)
        self.checks.setText("\n".join(check_lines(report)))
        self.backprop.setText("\n".join(backprop_lines(backprop, loss_name)) if backprop is not None else "")
        self._accessible.start()

    def clear(self) -> None:
        self.strip.set_layers(())
        self.checks.setText("")
        self.backprop.setText("")
        self._accessible.start()

    def as_text(self) -> str:
        """Everything the panel says (what a screen reader and a test read)."""
        parts = [layer_text(r) for r in self.strip.layers]
        return "\n".join([*parts, self.checks.text(), self.backprop.text()]).strip()

    @guarded
    def update_accessible_text(self) -> None:
        self.strip.setAccessibleDescription("\n".join(layer_text(r) for r in self.strip.layers))
        self.checks.setAccessibleDescription(self.checks.text())
        self.backprop.setAccessibleDescription(self.backprop.text())
        self.setAccessibleDescription(self.as_text())


def relative_chain_difference(report) -> float | None:
    """max |Jₗ ⋯ J₁ − J| / max |J|: how well the layers' product reproduces the model's J."""
    if report.product is None:
        return None
    with np.errstate(all="ignore"):
        scale = float(np.nanmax(np.abs(report.jacobian))) if np.isfinite(report.jacobian).any() else math.nan
        diff = float(np.max(np.abs(report.product - report.jacobian)))
    if not (math.isfinite(diff) and math.isfinite(scale)):
        return math.nan
    return diff / scale if scale > 0 else diff


def check_lines(report) -> list[str]:
    names = " · ".join(f"J{r.layer.index}" for r in reversed(report.layers))
    lines = []
    rel = relative_chain_difference(report)
    if rel is None:
        lines.append("chain rule: a layer's J is too large to form")
    else:
        lines.append(f"chain rule: {names} = J, max relative difference {rel:.1e}")
    if report.sum_log_abs_det is not None:
        lines.append(f"Σ log|det Jᵢ| = {fmt(report.sum_log_abs_det)}")
    if report.log_abs_det is not None:
        lines.append(f"log|det J|    = {fmt(report.log_abs_det)}")
    if report.model_log_det is not None:
        lines.append(f"the model's {report.model_log_det_output} = {fmt(report.model_log_det)}")
    return lines


def backprop_lines(bp, loss_name: str) -> list[str]:
    lines = [f"L = {loss_name} = {fmt(bp.loss)} at F(p)",
             f"∇L at the output: {vector_text(bp.output_gradient)}"]
    for step in bp.steps:
        lay = step.layer
        if step.input_gradient is None:
            lines.append(f"← layer {lay.index} ({lay.name}): its J is too large to form")
            continue
        back = vector_text(step.input_gradient)
        lines.append(f"← layer {lay.index} ({lay.name}): J{lay.index}ᵀ g = {back}")
    lines.append(f"∇ₓL = {vector_text(bp.input_gradient)}")
    lines.append(f"finite differences: {vector_text(bp.finite_difference)}")
    scale = float(np.max(np.abs(bp.input_gradient))) if np.isfinite(bp.input_gradient).all() else math.nan
    diff = bp.max_abs_difference
    rel = diff / scale if math.isfinite(scale) and scale > 0 else diff
    lines.append(f"max |difference| {bp.max_abs_difference:.1e} (relative {rel:.1e})")
    return lines
