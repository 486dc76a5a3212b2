"""The morph tool (the t slider, Space to play): p + t·(F(p) − p) from the identity to F.

The grid, the heatmap and the critical curve follow t, so you see where folds are born.
It is a tool like the others that changes the mapping every view draws
(:meth:`~jacviz.ui.tools.base.Tool.transform`); t is the model's ``morph_t`` field.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from jacviz.ui.guard import guarded
from jacviz.ui.tools.base import Tool

STEPS = 1000
FRAME_MS = 16  # about 60 frames per second; each frame draws a coarse scene (MainWindow.redraw)
SECONDS = 2.5


class MorphTool(Tool):
    """The homotopy from the identity to F (see the module docstring)."""

    name = "morph"

    def __init__(self, host) -> None:
        super().__init__(host)
        controls = QWidget()
        row = QHBoxLayout(controls)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("morph t:"))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("morphSlider")
        self.slider.setRange(0, STEPS)
        self.slider.setValue(STEPS)
        self.slider.setMinimumWidth(60)  # it grows with the window; small screens still fit
        self.slider.setMaximumWidth(160)
        self.slider.setToolTip("t = 0 is the identity, t = 1 is F: p + t·(F(p) − p)")
        self.slider.setAccessibleName("morph t")
        row.addWidget(self.slider)
        self.label = QLabel("1.00")
        self.label.setObjectName("morphValue")
        row.addWidget(self.label)
        self.play_button = QPushButton("▶")
        self.play_button.setObjectName("morphPlay")
        self.play_button.setCheckable(True)
        self.play_button.setFixedWidth(34)
        self.play_button.setToolTip("Play the morph from the identity to F (Space)")
        self.play_button.setAccessibleName("play the morph")
        row.addWidget(self.play_button)
        host.add_control(controls)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_frame)
        self.slider.valueChanged.connect(self._on_slider)
        self.play_button.toggled.connect(self._on_play)
        host.model.morphTChanged.connect(self._on_t)
        host.add_shortcut("Space", self.play_button.toggle, "play")

    @property
    def t(self) -> float:
        return self.host.model.morph_t

    def transform(self, numeric):
        if self.t >= 1.0:
            return numeric
        from jacviz.core.numeric.morph import MorphedMapping

        return MorphedMapping(numeric, self.t)

    def transform_key(self) -> object:
        return self.t

    def close(self) -> None:
        self._timer.stop()

    @guarded
    def _on_t(self, t: float) -> None:
        self.label.setText(f"{t:.2f}")
        with QSignalBlocker(self.slider):
            self.slider.setValue(round(t * STEPS))
        self.host.redraw(moving=True)

    @guarded
    def _on_slider(self, pos: int) -> None:
        self.host.model.set_morph_t(pos / STEPS)

    @guarded
    def _on_play(self, on: bool) -> None:
        self.play_button.setText("⏸" if on else "▶")
        if on:
            if self.t >= 1.0:
                self.host.model.set_morph_t(0.0)
            self._timer.start()
        else:
            self._timer.stop()

    @guarded
    def _on_frame(self) -> None:
        t = min(1.0, self.t + FRAME_MS / 1000.0 / SECONDS)
        self.host.model.set_morph_t(t)
        if t >= 1.0:
            self.play_button.setChecked(False)
