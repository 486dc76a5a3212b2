"""One control per parameter: a slider for dragging, a spin box for typing, an editable range."""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QWidget,
)

from jacviz.core.persistence.presets import ParameterRange
from jacviz.ui.guard import guarded

SLIDER_STEPS = 1000
LIMIT = 1e100  # the size a session file allows (jacviz.core.persistence.session.MAX_PARAMETER_SIZE)


def _spin(value: float, width: int = 80) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setDecimals(4)
    box.setRange(-LIMIT, LIMIT)
    box.setValue(value)
    box.setKeyboardTracking(False)  # typing "2.5" must not apply 2, then 2.5
    box.setFixedWidth(width)
    return box


class ParameterControl(QWidget):
    """Slider + value box + min/max boxes for one parameter; emits ``valueChanged``."""

    valueChanged = Signal(str, float)
    rangeChanged = Signal(str, float, float)

    def __init__(self, name: str, spec: ParameterRange, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self.setObjectName(f"param_{name}")
        self._min, self._max = spec.minimum, spec.maximum
        if not self._min < self._max:
            self._min, self._max = spec.value - 1.0, spec.value + 1.0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        title = QLabel(f"<b>{name}</b>")
        layout.addWidget(title)
        self.minimum = _spin(self._min, 64)
        self.minimum.setToolTip(f"smallest value of {name} on the slider")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setMinimumWidth(120)
        self.slider.setToolTip(f"drag to change {name}; everything redraws as you drag")
        self.maximum = _spin(self._max, 64)
        self.maximum.setToolTip(f"largest value of {name} on the slider")
        self.value_box = _spin(spec.value)
        self.value_box.setToolTip(f"value of {name}")
        self.minimum.setAccessibleName(f"{name} minimum")
        self.slider.setAccessibleName(f"{name}")
        self.maximum.setAccessibleName(f"{name} maximum")
        self.value_box.setAccessibleName(f"{name} value")
        layout.addWidget(self.minimum)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.maximum)
        layout.addWidget(QLabel("="))
        layout.addWidget(self.value_box)
        self._value = float(spec.value)
        self._sync_slider()
        self.slider.valueChanged.connect(self._on_slider)
        self.value_box.valueChanged.connect(self._on_box)
        self.minimum.valueChanged.connect(self._on_range)
        self.maximum.valueChanged.connect(self._on_range)

    @property
    def value(self) -> float:
        return self._value

    @property
    def range(self) -> tuple[float, float]:
        return self._min, self._max

    def show_spec(self, spec: ParameterRange) -> None:
        """Show a value and range from the model, emitting nothing."""
        self._min, self._max = spec.minimum, spec.maximum
        self._value = float(spec.value)
        with QSignalBlocker(self.minimum), QSignalBlocker(self.maximum), QSignalBlocker(self.value_box):
            self.minimum.setValue(self._min)
            self.maximum.setValue(self._max)
            self.value_box.setValue(self._value)
        self._sync_slider()

    def set_value(self, value: float) -> None:
        """Set the value (extending the range if needed) and emit ``valueChanged`` if it changed."""
        if not math.isfinite(value):
            return
        if value < self._min or value > self._max:
            self._min, self._max = min(self._min, value), max(self._max, value)
            with QSignalBlocker(self.minimum), QSignalBlocker(self.maximum):
                self.minimum.setValue(self._min)
                self.maximum.setValue(self._max)
            self.rangeChanged.emit(self.name, self._min, self._max)
        changed = value != self._value
        self._value = float(value)
        with QSignalBlocker(self.value_box):
            self.value_box.setValue(value)
        self._sync_slider()
        if changed:
            self.valueChanged.emit(self.name, self._value)

    def _sync_slider(self) -> None:
        span = self._max - self._min
        # Fix (tests/ui/test_window.py): a range of ±1e308 has an infinite span, and the
        # slider's position came out NaN ("ValueError: cannot convert float NaN to integer").
        t = (self._value - self._min) / span if math.isfinite(span) and span > 0 else 0.0
        pos = round(t * SLIDER_STEPS) if math.isfinite(t) else 0
        with QSignalBlocker(self.slider):
            self.slider.setValue(max(0, min(SLIDER_STEPS, pos)))

    @guarded
    def _on_slider(self, pos: int) -> None:
        value = self._min + (self._max - self._min) * pos / SLIDER_STEPS
        if not math.isfinite(value):
            value = self._min / 2 + self._max / 2 if pos == SLIDER_STEPS // 2 else (
                self._min if pos < SLIDER_STEPS // 2 else self._max)
        value = float(f"{value:.6g}")  # no 0.30000000000000004 in the readout
        if value != self._value:
            self._value = value
            with QSignalBlocker(self.value_box):
                self.value_box.setValue(value)
            self.valueChanged.emit(self.name, value)

    @guarded
    def _on_box(self, value: float) -> None:
        self.set_value(value)

    @guarded
    def _on_range(self, *_args) -> None:
        lo, hi = self.minimum.value(), self.maximum.value()
        if lo >= hi:  # refuse an empty range; put the boxes back
            with QSignalBlocker(self.minimum), QSignalBlocker(self.maximum):
                self.minimum.setValue(self._min)
                self.maximum.setValue(self._max)
            return
        self._min, self._max = lo, hi
        self.rangeChanged.emit(self.name, lo, hi)
        if not lo <= self._value <= hi:
            self.set_value(min(max(self._value, lo), hi))
        else:
            self._sync_slider()


class ParameterPanel(QWidget):
    """The row of parameter controls, one per parameter of the model; rebuilt when the names change.

    The values and ranges live in the model (``params``): a control that is dragged or typed
    into writes there, and the panel follows the model, with the controls' signals blocked
    while it fills them, so nothing loops.
    """

    rebuilt = Signal()  # the controls were made anew (the window puts them in its tab order)

    def __init__(self, model, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("parameterPanel")
        self.model = model
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 0, 4, 0)
        self.controls: dict[str, ParameterControl] = {}
        self.setVisible(False)
        model.paramsChanged.connect(self._on_model)

    @guarded
    def _on_model(self, params: dict) -> None:
        if tuple(self.controls) != tuple(params):
            self._rebuild(params)
            return
        for name, spec in params.items():
            control = self.controls[name]
            with QSignalBlocker(control):
                control.show_spec(spec)

    def _rebuild(self, params: dict) -> None:
        for control in self.controls.values():
            self._layout.removeWidget(control)
            control.deleteLater()
        self.controls = {}
        for name, spec in params.items():
            control = ParameterControl(name, spec, self)
            control.valueChanged.connect(self._on_value)
            control.rangeChanged.connect(self._on_range)
            self._layout.addWidget(control)
            self.controls[name] = control
        self.setVisible(bool(params))
        self.rebuilt.emit()

    @guarded
    def _on_value(self, name: str, value: float) -> None:
        self.model.set_param_value(name, value)

    @guarded
    def _on_range(self, name: str, lo: float, hi: float) -> None:
        self.model.set_param_range(name, lo, hi)

    def values(self) -> dict[str, float]:
        return self.model.param_values()

    def ranges(self) -> dict[str, ParameterRange]:
        return self.model.params
