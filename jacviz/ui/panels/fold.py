"""A side-panel section that folds: a header with an arrow, and its content shown or hidden.

The side panel holds the readout, the formulas, the pins and each tool's panel; at 1280×720
they do not all fit, so the sections fold, and a tool's panel folds the others away when it
opens (the window does that), so it is visible without scrolling.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QToolButton, QVBoxLayout, QWidget

from jacviz.ui.guard import guarded


class FoldingSection(QWidget):
    """``title`` over ``content``; clicking the title folds or unfolds it."""

    foldedChanged = Signal(bool)

    def __init__(self, title: str, content: QWidget, name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.content = content
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.header = QToolButton(self)
        self.header.setObjectName(f"{name}Header")
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setChecked(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setArrowType(Qt.ArrowType.DownArrow)
        self.header.setAutoRaise(True)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setAccessibleName(f"{title} (fold or unfold)")
        self.header.toggled.connect(self._on_toggled)
        layout.addWidget(self.header)
        layout.addWidget(content)

    @property
    def folded(self) -> bool:
        return not self.header.isChecked()

    def set_folded(self, folded: bool) -> None:
        self.header.setChecked(not folded)

    @guarded
    def _on_toggled(self, open_: bool) -> None:
        self.header.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        self.content.setVisible(open_)
        self.foldedChanged.emit(not open_)
