"""A titled side-panel section of labelled numbers, and how vectors and matrices are written."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
)

from jacviz.ui.panels.readout import fmt, mono_label


def vec_text(v) -> str:
    v = np.asarray(v, dtype=float)
    return f"({fmt(v[0])}, {fmt(v[1])})"


def mat_text(m) -> str:
    m = np.asarray(m, dtype=float)
    return f"[[{fmt(m[0, 0])}, {fmt(m[0, 1])}], [{fmt(m[1, 0])}, {fmt(m[1, 1])}]]"


class Section(QGroupBox):
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
