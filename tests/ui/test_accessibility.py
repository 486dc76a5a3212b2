"""What is painted can be read: Qt's accessibility interface carries the readout's numbers, the
sentence, the lens labels, the pins and the colour caption; every control has a name and Tab
goes through the window in reading order."""

from __future__ import annotations

import math

import pytest
from uihelpers import wait_idle


def _text(widget, kind: str = "Description") -> str:
    from PySide6.QtGui import QAccessible

    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None and interface.isValid()
    return interface.text(getattr(QAccessible.Text, kind))


def _rest(qtbot, window) -> None:
    """Let the cursor rest: the accessible text is written on a short idle timer after moves."""
    wait_idle(qtbot, window)
    qtbot.wait(400)


def test_the_readout_says_j_and_det_j_at_the_cursor(window, qtbot):
    # the default preset: F = (x + a sin y, y + a sin x), a = 1.5, so det J = 1 − a² cos x cos y
    a = window.model.param_values()["a"]
    x, y = 0.7, 0.4
    window.model.set_cursor((x, y))
    _rest(qtbot, window)
    text = _text(window.readout.table)
    det = 1 - a * a * math.cos(x) * math.cos(y)
    j01, j10 = a * math.cos(y), a * math.cos(x)
    assert "J(p)" in text and "det J" in text
    assert f"det J: {det:.4g}" in text
    assert f"{j01:.4g}" in text and f"{j10:.4g}" in text
    sentence = _text(window.readout.reading)
    assert f"{abs(det):.3g}" in sentence and "reversed" in sentence  # det < 0 here

    window.model.set_cursor((0.0, 3.0))  # moved: the text follows
    _rest(qtbot, window)
    det = 1 - a * a * math.cos(0.0) * math.cos(3.0)
    assert f"det J: {det:.4g}" in _text(window.readout.table)


def test_the_lens_labels_and_the_colour_caption_are_readable(window, qtbot):
    window.model.set_cursor((0.7, 0.4))
    _rest(qtbot, window)
    lens = _text(window.codomain.lens)
    sigma = window._cursor_state.info.singular_values
    assert "σ₁" in lens and f"{sigma[0]:.4g}" in lens
    caption = _text(window.domain)
    assert "scale" in caption and caption == window.scale_caption.text()


def test_pins_are_readable(window, qtbot):
    window.add_pin(0.5, -0.25)
    _rest(qtbot, window)
    assert "(0.5, -0.25)" in _text(window.pin_section.list)


def _chain(window) -> list:
    from PySide6.QtCore import Qt

    start = window.mapping_bar.edit
    seen, widget = [start], start
    for _ in range(200):
        widget = widget.nextInFocusChain()
        if widget is start:
            break
        if (widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
                and widget.objectName() != "qt_spinbox_lineedit"):
            seen.append(widget)
    return seen


def test_every_control_has_a_name(window, qtbot):
    window.tool("region").button.setChecked(True)
    window.tool("vectors").box.setChecked(True)
    wait_idle(qtbot, window)
    nameless = [f"{type(w).__name__} {w.objectName()}" for w in _chain(window)
                if not _text(w, "Name").strip()]
    assert nameless == []


def test_tab_goes_through_the_window_in_reading_order(window, qtbot):
    chain = _chain(window)
    params = window.parameters.controls["a"]

    def at(widget) -> int:
        return chain.index(widget)

    assert at(window.mapping_bar.edit) == 0
    assert at(window.mapping_bar.edit) < at(params.minimum) < at(params.slider) < at(params.value_box)
    assert at(params.value_box) < at(window.mode_box) < at(window.h_box) < at(window.lens_box)
    assert at(window.lens_box) < at(window.tool("region").button) < at(window.domain) < at(window.codomain)
    assert at(window.codomain) < at(window.pin_section.list)


@pytest.mark.parametrize("text", ["x + a y, y", "x + a y + b, y"])
def test_new_parameter_rows_join_the_tab_order(window, qtbot, text):
    from uihelpers import apply

    apply(qtbot, window, text)
    chain = _chain(window)
    for control in window.parameters.controls.values():
        assert chain.index(window.mapping_bar.edit) < chain.index(control.slider)
        assert chain.index(control.slider) < chain.index(window.mode_box)
