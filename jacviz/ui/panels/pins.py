"""The pins panel: the points pinned by clicking, with det J at each; Delete removes one."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QListWidget, QPushButton, QVBoxLayout

from jacviz.ui.guard import guarded
from jacviz.ui.panels.readout import fmt


class PinPanel(QGroupBox):
    """Lists the model's pins; removing one writes to the model, which redraws everything."""

    pinSelected = Signal(int)

    def __init__(self, model, parent=None) -> None:
        super().__init__("Pinned points (click in the left view to pin)", parent)
        self.setObjectName("pinSection")
        self.model = model
        layout = QVBoxLayout(self)
        self.list = QListWidget(self)
        self.list.setObjectName("pinList")
        self.list.setMaximumHeight(130)
        self.list.setAccessibleName("pinned points")
        layout.addWidget(self.list)
        buttons = QHBoxLayout()
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removePin")
        self.clear_button = QPushButton("Remove all")
        self.clear_button.setObjectName("clearPins")
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.clear_button)
        layout.addLayout(buttons)
        self.remove_button.clicked.connect(self._on_remove)
        self.clear_button.clicked.connect(self._on_clear)
        self.list.currentRowChanged.connect(self._on_row)
        QShortcut(QKeySequence.StandardKey.Delete, self.list).activated.connect(self._on_remove)

    def show_pins(self, pins, dets) -> None:
        """Fill the list: one row per pin with det J there (``dets`` may be empty before a mapping)."""
        with QSignalBlocker(self.list):
            row = self.list.currentRow()
            self.list.clear()
            for i, (x, y) in enumerate(pins):
                det = f"   det J = {fmt(float(dets[i]))}" if i < len(dets) else ""
                self.list.addItem(f"({fmt(x)}, {fmt(y)}){det}")
            if pins:
                self.list.setCurrentRow(min(max(row, 0), len(pins) - 1))
        rows = [self.list.item(i).text() for i in range(self.list.count())]
        self.list.setAccessibleDescription("; ".join(rows) if rows else "no pinned points")

    def select_last(self) -> None:
        with QSignalBlocker(self.list):
            self.list.setCurrentRow(self.list.count() - 1)

    @guarded
    def _on_remove(self, *_args) -> None:
        row = self.list.currentRow()
        if row < 0 and self.model.pins:
            row = len(self.model.pins) - 1
        self.model.remove_pin(row)

    @guarded
    def _on_clear(self, *_args) -> None:
        self.model.set("pins", ())

    @guarded
    def _on_row(self, row: int) -> None:
        if 0 <= row < len(self.model.pins):
            self.pinSelected.emit(row)
