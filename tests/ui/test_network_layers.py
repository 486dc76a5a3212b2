"""The layer panel at the cursor: each layer's J (painted), the chain rule, log-dets, backprop."""

import re

import numpy as np
import pytest
from network_models import W3, write_linear3
from uihelpers import APPLY_TIMEOUT_MS, apply, wait_idle

from jacviz.core.network.catalog import load_model_presets
from jacviz.core.network.layers import backprop_at, cross_entropy, layers_at
from jacviz.ui.panels.readout import fmt
from jacviz.ui.tools.layers.panel import vector_text


@pytest.fixture
def window(small_window):
    return small_window


def _preset(qtbot, window, kind):
    preset = next(p for p in load_model_presets() if p.kind == kind)
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.network.open_preset(preset)
    wait_idle(qtbot, window)
    return window.prepared.network


def _panel(window):
    return window.tool("layers").panel


def _settled(qtbot, window):
    """The panel follows the cursor at most every 40 ms, ending at its last position: wait for it."""
    qtbot.waitUntil(lambda: not window.tool("layers").pending, timeout=5000)


def _number(pattern, text):
    m = re.search(pattern, text)
    assert m, (pattern, text)
    return float(m.group(1).replace("−", "-"))


def test_the_layers_of_a_classifier_at_the_cursor(qtbot, window):
    net = _preset(qtbot, window, "classifier")
    panel = _panel(window)
    assert panel.isVisible()
    p = (0.35, -0.2)
    window.model.set_cursor(p)
    _settled(qtbot, window)
    text = panel.as_text()
    # what is painted is also there for screen readers, a moment after the cursor stops
    qtbot.waitUntil(lambda: panel.accessibleDescription() == text, timeout=5000)
    assert panel.strip.accessibleDescription().count("layer ") == 3
    assert _number(r"max relative difference ([-−\d.e+]+)", text) < 1e-12
    report = layers_at(net, p)
    assert f"log|det J2| = {fmt(report.layers[1].log_abs_det)}" in text
    # backprop of cross-entropy for class 0, as the core computes it, checked by finite differences
    bp = backprop_at(net, p, cross_entropy(net, 0))
    assert f"∇ₓL = {vector_text(bp.input_gradient)}" in text
    assert _number(r"\(relative ([-−\d.e+]+)\)", text) < 1e-5


def test_each_layer_s_jacobian_is_painted_cell_by_cell(qtbot, window):
    _preset(qtbot, window, "classifier")
    panel = _panel(window)
    window.side_scroll.ensureWidgetVisible(panel)
    window.model.set_cursor((0.35, -0.2))
    _settled(qtbot, window)
    strip = panel.strip
    image = strip.grab().toImage()
    first = strip.layers[0]
    jac = first.jacobian  # 16 × 2
    level = float(np.abs(jac).max())
    cell, _ = strip._rows[0]
    top = strip._line
    for i, j in ((int(np.argmax(np.abs(jac[:, 0]))), 0), (int(np.argmin(np.abs(jac[:, 1]))), 1)):
        x, y = 4 + j * cell + cell // 2, top + i * cell + cell // 2
        expected = strip.cell_colour(float(jac[i, j]), level)
        got = image.pixelColor(x, y)
        assert abs(got.red() - expected.red()) + abs(got.blue() - expected.blue()) <= 6, (i, j)
    # the largest entry takes an end of the map (dark), the smallest |entry| is near white
    big = strip.cell_colour(float(jac[np.argmax(np.abs(jac[:, 0])), 0]), level)
    assert min(big.red(), big.blue()) < 120


def test_the_losses_of_the_backprop_chooser(qtbot, window):
    net = _preset(qtbot, window, "classifier")
    panel = _panel(window)
    names = [panel.loss_box.itemText(i) for i in range(panel.loss_box.count())]
    assert names[:2] == ["cross-entropy, class 0", "cross-entropy, class 1"]
    p = (0.1, 0.6)
    window.model.set_cursor(p)
    _settled(qtbot, window)
    panel.loss_box.setCurrentIndex(names.index("½‖F‖²"))
    _settled(qtbot, window)
    value = net.point_value(p)
    assert f"∇L at the output: {vector_text(value)}" in panel.backprop.text()
    # the linear loss ⟨g, F⟩ uses the vectors tool's covector g: ∇ₓL = Jᵀ g
    window.model.set_vectors(g=(0.5, -1.0))
    _settled(qtbot, window)
    panel.loss_box.setCurrentIndex(len(names) - 1)
    _settled(qtbot, window)
    jac = net.jacobian_at(*p)
    text = panel.backprop.text()
    assert "g = (0.5, -1)" in text
    assert f"∇ₓL = {vector_text(jac.T @ [0.5, -1.0])}" in text


def test_a_flow_adds_up_its_log_determinants(qtbot, window):
    net = _preset(qtbot, window, "flow")
    window.model.set_cursor((0.3, 0.2))
    _settled(qtbot, window)
    text = _panel(window).checks.text()
    report = layers_at(net, (0.3, 0.2))
    total = _number(r"Σ log\|det Jᵢ\| = ([-−\d.e+]+)", text)
    whole = _number(r"log\|det J\|\s+= ([-−\d.e+]+)", text)
    own = _number(r"the model's log_det = ([-−\d.e+]+)", text)
    assert total == pytest.approx(whole, rel=1e-3) and own == pytest.approx(whole, rel=1e-3)
    assert total == pytest.approx(report.sum_log_abs_det, rel=1e-3)
    assert len(_panel(window).strip.layers) == 7


def test_a_three_class_model_backpropagates_cross_entropy(qtbot, window, tmp_path):
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.network.open_path(write_linear3(tmp_path / "three.onnx"))
    wait_idle(qtbot, window)
    panel = _panel(window)
    panel.loss_box.setCurrentIndex(2)  # cross-entropy, class 2
    _settled(qtbot, window)
    p = np.array([0.4, -0.3])
    window.model.set_cursor(tuple(p))
    _settled(qtbot, window)
    q = W3 @ p
    e = np.exp(q - q.max())
    grad = W3.T @ (e / e.sum() - np.eye(3)[2])  # softmax − e₂, pulled back by Wᵀ
    assert f"∇ₓL = {vector_text(grad)}" in panel.backprop.text()
    assert len(panel.strip.layers) == 1 and panel.strip.layers[0].layer.name == "Gemm"


def test_the_panel_is_only_there_for_networks(qtbot, window):
    _preset(qtbot, window, "flow")
    panel = _panel(window)
    assert panel.isVisible()
    window.tool("layers").action.setChecked(False)
    assert not panel.isVisible()
    window.tool("layers").action.setChecked(True)
    assert panel.isVisible()
    apply(qtbot, window, "z^2")
    assert not panel.isVisible()
