"""The mapping bar: where a mapping is typed, checked as you type, and applied with Enter."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from jacviz.core.errors import MappingError
from jacviz.core.language import validate
from jacviz.core.persistence.presets import Preset
from jacviz.ui.guard import guarded

VALIDATE_DELAY_MS = 250
HISTORY_LIMIT = 100


class MappingEdit(QLineEdit):
    """A line edit with a history: Up and Down recall earlier mappings, as in a shell."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mappingEdit")
        self.setAccessibleName("mapping F")
        self.setAccessibleDescription("type F as two components, or f(z); Enter applies it")
        self.history: list[str] = []
        self._index = 0  # len(history) means "the line being typed"
        self._draft = ""

    def remember(self, text: str) -> None:
        if text and (not self.history or self.history[-1] != text):
            self.history.append(text)
            del self.history[:-HISTORY_LIMIT]
        self._index = len(self.history)
        self._draft = ""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        if key == Qt.Key.Key_Up and self.history:
            if self._index == len(self.history):
                self._draft = self.text()
            self._index = max(0, self._index - 1)
            self.setText(self.history[self._index])
            return
        if key == Qt.Key.Key_Down and self.history:
            self._index = min(len(self.history), self._index + 1)
            self.setText(self._draft if self._index == len(self.history) else self.history[self._index])
            return
        super().keyPressEvent(event)


class MappingBar(QWidget):
    """Line edit, Apply button, presets menu, and an inline error line under them."""

    applyRequested = Signal(str)
    presetChosen = Signal(object)

    def __init__(self, presets: list[Preset], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mappingBar")
        self.default_variables: tuple[str, str] | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 0)
        outer.setSpacing(2)
        row = QHBoxLayout()
        label = QLabel("F =")
        label.setToolTip("Type u, v (two components), or one complex expression in z")
        row.addWidget(label)
        self.edit = MappingEdit(self)
        self.edit.setPlaceholderText("u, v   such as  x^2 - y^2, 2xy   or a complex function such as  z^2")
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self._on_return)
        self.edit.textEdited.connect(self._on_edited)
        row.addWidget(self.edit, 1)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("applyButton")
        self.apply_button.setToolTip("Apply the mapping (Enter)")
        self.apply_button.clicked.connect(self._on_return)
        row.addWidget(self.apply_button)
        self.presets_button = QToolButton()
        self.presets_button.setObjectName("presetsButton")
        self.presets_button.setText("Presets")
        self.presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.presets_menu = QMenu("Presets", self)
        self.presets_menu.setObjectName("presetsMenu")
        for preset in presets:
            action = self.presets_menu.addAction(preset.name)
            action.setToolTip(f"{preset.mapping}\n{preset.note}")
            action.setData(preset)
            action.triggered.connect(lambda _=False, p=preset: self.presetChosen.emit(p))
        self.presets_menu.setToolTipsVisible(True)
        self.presets_button.setMenu(self.presets_menu)
        row.addWidget(self.presets_button)
        outer.addLayout(row)
        self.error = QLabel("")
        self.error.setObjectName("mappingError")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        outer.addWidget(self.error)
        # What the views show when it is not the text above: an opened model. The typed text
        # stays (it is the session's draft), and this line says it is not what is drawn.
        self.note = QLabel("")
        self.note.setObjectName("mappingNote")
        self.note.setWordWrap(True)
        font = self.note.font()
        font.setItalic(True)
        self.note.setFont(font)
        self.note.setVisible(False)
        outer.addWidget(self.note)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(VALIDATE_DELAY_MS)
        self._timer.timeout.connect(self.validate_now)

    def text(self) -> str:
        return self.edit.text()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)
        self.show_error(None)

    @guarded
    def _on_edited(self, _text: str) -> None:
        self._timer.start()  # restart: one check after the typing pauses

    @guarded
    def validate_now(self) -> MappingError | None:
        """Check the text (parser only: cheap, no sympy) and show the first problem inline."""
        text = self.edit.text()
        if not text.strip():
            self.show_error(None)
            return None
        err = validate(text, default_variables=self.default_variables)
        self.show_error(err)
        return err

    def show_model(self, name: str | None) -> None:
        """Say that the views show the model ``name``, not the mapping typed in the bar
        (None: they show what was typed, and the line goes)."""
        text = "" if name is None else (f"The views show the model {name}, not the mapping typed above; "
                                        "Enter (or Apply) draws the typed mapping instead.")
        if self.note.text() != text:
            self.note.setText(text)
            self.note.setVisible(bool(text))

    def show_error(self, err: MappingError | str | None) -> None:
        if err is None:
            self.error.setVisible(False)
            self.error.setText("")
            self.edit.setStyleSheet("")
            return
        message = str(err)
        column = getattr(err, "column", None)
        text = self.edit.text()
        if column and 0 < column <= len(text) + 1:
            pointer = text[: column - 1]
            self.error.setText(f"⚠ {message}   ·   {pointer}▸{text[column - 1:column]}")
        else:
            self.error.setText(f"⚠ {message}")
        self.error.setVisible(True)
        self.edit.setStyleSheet("QLineEdit#mappingEdit { border: 1px solid #b00020; }")

    @guarded
    def _on_return(self, *_args) -> None:
        self._timer.stop()
        text = self.edit.text()
        self.edit.remember(text)
        self.applyRequested.emit(text)
