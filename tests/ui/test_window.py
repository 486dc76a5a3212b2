"""The main window, driven as a user drives it: typing, moving the mouse, clicking."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from uihelpers import APPLY_TIMEOUT_MS, apply, wait_idle

from jacviz.core.persistence.presets import load_presets


def readout_number(window, key: str) -> float:
    return float(window.readout.labels[key].text().replace("−", "-"))


def hover(qtbot, window, x: float, y: float):
    """Move the real (synthetic) mouse over data point (x, y) of the domain view."""
    view = window.domain
    pos = view.data_to_widget(x, y)
    qtbot.mouseMove(view.viewport(), pos)
    qtbot.waitUntil(lambda: window.cursor is not None and abs(window.cursor[0] - x) < 0.05 * 4, timeout=5000)
    return window.cursor


def test_window_contract(window):
    """The objects the issue names exist, and the default mapping is drawn with a readout."""
    from PySide6.QtWidgets import QLineEdit

    from jacviz.ui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    assert isinstance(window.findChild(QLineEdit, "mappingEdit"), QLineEdit)
    for name in ("domainView", "codomainView", "readout"):
        assert window.findChild(object, name) is not None, name
    assert window.prepared is not None and window.scene is not None
    assert window.readout.labels["det"].text() != "—"


def test_typing_a_mapping_and_enter_applies_it(qtbot, window):
    apply(qtbot, window, "x^2 - y^2, 2xy")
    assert window.prepared.text == "x^2 - y^2, 2xy"
    # z^2 at the cursor: det J = 4(x^2 + y^2)
    x, y = window.cursor
    assert readout_number(window, "det") == pytest.approx(4 * (x * x + y * y), rel=1e-3)


def test_mouse_move_puts_the_right_jacobian_in_the_readout(qtbot, window):
    apply(qtbot, window, "x^2 - y^2, 2xy")
    x, y = hover(qtbot, window, 1.0, 0.5)
    # J = [[2x, -2y], [2y, 2x]], det = 4(x^2 + y^2), at whatever point the pixel maps to
    expected = {"j00": 2 * x, "j01": -2 * y, "j10": 2 * y, "j11": 2 * x, "det": 4 * (x * x + y * y)}
    for key, value in expected.items():
        assert readout_number(window, key) == pytest.approx(value, rel=2e-3, abs=2e-3), key
    assert abs(x - 1.0) < 0.05 and abs(y - 0.5) < 0.05
    assert "orientation kept" in window.readout.reading.text()


def test_last_position_of_a_fast_movement_is_shown(qtbot, window):
    apply(qtbot, window, "(r, t) -> r cos(t), r sin(t)")
    view = window.domain
    for x in np.linspace(-1.5, 1.2, 25):
        qtbot.mouseMove(view.viewport(), view.data_to_widget(float(x), 0.7))
    x, y = window.cursor  # every move is handled as it comes, the last one included
    assert x == pytest.approx(1.2, abs=0.05) and y == pytest.approx(0.7, abs=0.05)
    assert readout_number(window, "det") == pytest.approx(x, rel=2e-3)  # det J = r


def test_clicking_pins_a_point_and_it_can_be_removed(qtbot, window):
    view = window.domain
    # with no pins, the pin markers are hidden (an empty scatter item still costs a paint)
    assert not window.domain.pins.isVisible() and not window.codomain.pins.isVisible()
    pos = view.data_to_widget(0.5, -0.25)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: len(window.pins) == 1, timeout=5000)
    px, py = window.pins[0]
    assert px == pytest.approx(0.5, abs=0.05) and py == pytest.approx(-0.25, abs=0.05)
    assert window.pin_section.list.count() == 1
    xs, _ys = window.domain.pins.getData()
    assert len(xs) == 1
    cx, cy = window.codomain.pins.getData()
    fx, fy = window.prepared.compiled.value_at(px, py, window.current_params())
    assert cx[0] == pytest.approx(fx) and cy[0] == pytest.approx(fy)
    assert window.domain.pins.isVisible() and window.codomain.pins.isVisible()
    window.pin_section.remove_button.click()
    assert window.pins == [] and window.pin_section.list.count() == 0
    qtbot.waitUntil(lambda: not window.domain.pins.isVisible(), timeout=5000)
    assert not window.codomain.pins.isVisible()


def _planar(preset) -> bool:
    from jacviz.core.language import parse

    return parse(preset.mapping).shape.is_planar


# The presets of the other shapes (scalar fields, curves, surfaces, maps of space) are drawn by
# the shapes pane: tests/ui/test_shapes_window.py.
@pytest.mark.parametrize("preset", [p for p in load_presets() if _planar(p)], ids=lambda p: p.name)
def test_every_preset_applies_and_draws(qtbot, window, preset):
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(preset)
    assert window.prepared.text == preset.mapping
    assert not window.mapping_bar.error.isVisible()
    wait_idle(qtbot, window)  # a preset with other parameters changes the layout: resampled
    det = window.scene.det
    scene = window.scene
    assert det.shape == (scene.samples, scene.samples) and scene.samples >= 512
    # the heatmap covers the whole visible domain, with at least 512 samples across it
    assert scene.covers(window.domain.visible_rect(), window.quality)
    assert np.isfinite(det).mean() > 0.5
    assert np.isfinite(window.scene.grid.vertical_image).any()
    for name, spec in preset.params.items():
        assert window.current_params()[name] == pytest.approx(spec.value)
    assert window.readout.labels["det"].text() != ""


def test_broken_mapping_shows_a_message_and_keeps_the_drawing(qtbot, window):
    apply(qtbot, window, "x^2 - y^2, 2xy")
    before = window.scene
    edit = window.mapping_bar.edit
    edit.clear()
    with qtbot.waitSignal(window.mappingFailed, timeout=APPLY_TIMEOUT_MS) as blocker:
        qtbot.keyClicks(edit, "sine(x), y")
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert "unknown function 'sine' at column 1; did you mean sin?" in blocker.args[0]
    assert window.mapping_bar.error.isVisible()
    assert "did you mean sin?" in window.mapping_bar.error.text()
    assert "sine" in window.statusBar().currentMessage()
    assert window.scene is before and window.prepared.text == "x^2 - y^2, 2xy"


def test_typing_is_validated_inline_before_enter(qtbot, window):
    edit = window.mapping_bar.edit
    edit.clear()
    qtbot.keyClicks(edit, "x, y, x + y, y")  # three components are a surface; four no shape
    qtbot.waitUntil(lambda: window.mapping_bar.error.isVisible(), timeout=3000)
    assert "4 components of 2 variables is not a shape jacviz draws" in window.mapping_bar.error.text()
    edit.clear()
    qtbot.keyClicks(edit, "x, y")
    qtbot.waitUntil(lambda: not window.mapping_bar.error.isVisible(), timeout=3000)


def test_history_recalls_earlier_mappings(qtbot, window):
    apply(qtbot, window, "x, y^2")
    apply(qtbot, window, "z^2")
    edit = window.mapping_bar.edit
    edit.clear()
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.text() == "z^2"
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.text() == "x, y^2"
    qtbot.keyClick(edit, Qt.Key.Key_Down)
    assert edit.text() == "z^2"


def test_parameter_change_reaches_the_jacobian(qtbot, window):
    apply(qtbot, window, "a x, y")
    control = window.findChild(object, "param_a")
    assert control is not None
    window.move_cursor(0.3, 0.2)
    # a keeps the value it had in the previous mapping (1.5 in the default preset)
    assert readout_number(window, "det") == pytest.approx(control.value)
    control.set_value(2.5)
    assert readout_number(window, "j00") == pytest.approx(2.5)
    assert readout_number(window, "det") == pytest.approx(2.5)
    # the slider too: dragging it to the far end sets the top of the range
    control.slider.setValue(control.slider.maximum())
    assert readout_number(window, "det") == pytest.approx(control.range[1])
    wait_idle(qtbot, window)
    # and the heatmap was resampled with the new value: det J = a everywhere
    assert np.nanmax(np.abs(window.scene.det - control.range[1])) < 1e-4


def test_pole_draws_and_grid_lines_break_there(qtbot, window):
    apply(qtbot, window, "1/z")
    window.domain.show_rect((-2, 2, -2, 2))
    wait_idle(qtbot, window)
    grid = window.scene.grid
    # the horizontal line through the pole (y = 0) must be broken near x = 0, not bridged
    pts = grid.horizontal.reshape(-1, 2)
    img = grid.horizontal_image
    on_axis = np.isclose(pts[:, 1], 0.0) & (np.abs(pts[:, 0]) < 0.3)
    assert on_axis.any()
    assert np.isnan(img[on_axis]).any()
    # no drawn segment is longer than the visible codomain: nothing bridges the pole
    (u0, v0), (u1, v1) = window.scene.image_limits
    span = max(u1 - u0, v1 - v0)
    for family in (grid.vertical_image, grid.horizontal_image):
        seg = np.diff(family, axis=0)
        length = np.hypot(seg[:, 0], seg[:, 1])
        assert np.nanmax(length) < span
    assert window.readout.labels["det"].text()  # readout survived
    window.move_cursor(0.0, 0.0)  # exactly at the pole
    assert window.readout.labels["det"].text() == "—"
    assert "not defined" in window.readout.reading.text()


def test_axes_are_named_after_the_variables(qtbot, window):
    apply(qtbot, window, "(r, t) -> r cos(t), r sin(t)")
    item = window.domain.getPlotItem()
    assert item.getAxis("bottom").labelText == "r"
    assert item.getAxis("left").labelText == "t"
    assert window.codomain.getPlotItem().getAxis("bottom").labelText == "u"


def test_heatmap_modes(qtbot, window):
    apply(qtbot, window, "x, y^2")
    for mode in ("log", "sign", "det"):
        window.set_mode(mode)
        assert window.domain.mode == mode
    window.set_mode("sign")
    levels = window.domain.image.getLevels()
    assert tuple(levels) == (-1.0, 1.0)


def test_help_explains_the_screen(qtbot, window):
    window.help_action.trigger()
    text = window._help.browser.toPlainText().lower()
    for phrase in ("linearization", "det j", "orientation", "critical curve", "backpropagation",
                   "jacobian-vector product", "jᵀ·g"):
        assert phrase in text, phrase


def test_exception_in_a_slot_becomes_a_message(qtbot, window, monkeypatch):
    """A bug in drawing must show up in the status bar, not kill the process."""
    def boom(*_a, **_k):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(window.readout, "show_point", boom)
    window.move_cursor(0.1, 0.1)
    assert "simulated failure" in window.statusBar().currentMessage()


def test_small_pan_needs_no_new_samples_and_the_codomain_follows(qtbot, window):
    """Scenes carry a margin: a 5 % pan redraws at once, and the right view then shows the
    image of exactly what is visible on the left."""
    from jacviz.core.pipeline.scene import visible_images

    apply(qtbot, window, "x^2 - y^2, 2xy")
    wait_idle(qtbot, window)
    scene, generation = window.scene, window.sampler.generation
    x0, x1, _y0, _y1 = window.domain.visible_rect()
    shift = 0.05 * (x1 - x0)
    with qtbot.waitSignal(window.sceneDrawn, timeout=APPLY_TIMEOUT_MS):
        window.domain.viewbox.translateBy(x=shift)
    wait_idle(qtbot, window)  # the right view's paths are rebuilt on a worker thread
    visible = window.domain.visible_rect()
    assert window.scene is scene and window.sampler.generation == generation  # no resample
    assert scene.covers(visible, window.quality)
    vertical, _, _ = visible_images(scene, visible)
    drawn = window.codomain.grid_vertical.boundingRect()
    finite = vertical[np.isfinite(vertical).all(axis=1)]
    assert drawn.left() <= finite[:, 0].min() and drawn.right() >= finite[:, 0].max()
    # every drawn image point comes from a visible domain point: u = x² − y² ≤ max over view
    assert finite[:, 0].max() <= max(visible[0] ** 2, visible[1] ** 2) + 1e-9
    # a pan far beyond the margin does resample
    with qtbot.waitSignal(window.sceneDrawn, timeout=APPLY_TIMEOUT_MS):
        window.domain.viewbox.translateBy(x=2 * (x1 - x0))
    wait_idle(qtbot, window)
    assert window.scene is not scene and window.scene.covers(window.domain.visible_rect(), window.quality)


def test_a_moving_parameter_draws_coarse_scenes_then_the_full_one(window, qtbot):
    """Progressive refinement: each step of a dragged slider gets a coarse scene, the rest a full one."""
    from uihelpers import wait_idle

    from jacviz.ui.main_window import MOVING_QUALITY

    wait_idle(qtbot, window)  # the first scene's margin is added after it is drawn
    slider = window.parameters.controls["a"].slider
    coarse_seen = []
    window.sceneDrawn.connect(lambda: coarse_seen.append(window.scene.samples))
    window._refine_timer.setInterval(600_000)  # the slider "rests" only when this test says so
    slider.setSliderDown(True)
    for _step in range(5):
        slider.setValue(slider.value() + 7)
        qtbot.waitUntil(lambda: window.sampler.is_idle() and window.scene.samples == MOVING_QUALITY.heatmap)
    assert coarse_seen.count(MOVING_QUALITY.heatmap) >= 3 and coarse_seen[-1] == MOVING_QUALITY.heatmap
    slider.setSliderDown(False)
    window._refine_timer.setInterval(10)
    window._refine_timer.start()
    wait_idle(qtbot, window)  # waits for the rest, too
    # rested: the full scene again, covering the view at the window's quality
    assert window.scene.covers(window.domain.visible_rect(), window.quality)
    a = window.model.param_values()["a"]
    x0, x1, y0, y1 = window.scene.rect
    # the full scene is of the current value: det J = 1 − a² cos x cos y at its centre sample
    n = window.scene.samples
    xs = x0 + (x1 - x0) * (n // 2 + 0.5) / n
    ys = y0 + (y1 - y0) * (n // 2 + 0.5) / n
    import math

    assert float(window.scene.det[n // 2, n // 2]) == pytest.approx(1 - a * a * math.cos(xs) * math.cos(ys),
                                                                     abs=1e-4)


def test_the_axes_follow_a_preset_s_domain(window, qtbot):
    """A new domain shown from the program (a preset) moves the axes' ticks too, not only the view."""
    from uihelpers import APPLY_TIMEOUT_MS, wait_idle

    preset = next(p for p in window.presets if p.name == "Damped pendulum")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(preset)
    wait_idle(qtbot, window)
    x0, x1, y0, y1 = window.domain.visible_rect()
    assert x1 - x0 >= 14 - 1e-6  # the pendulum's -7 .. 7, not the default preset's -4 .. 4
    item = window.domain.getPlotItem()
    assert item.getAxis("bottom").range == pytest.approx([x0, x1])
    assert item.getAxis("left").range == pytest.approx([y0, y1])


def test_a_zoom_draws_a_coarse_scene_then_the_full_one(window, qtbot):
    from uihelpers import wait_idle

    from jacviz.ui.main_window import MOVING_QUALITY

    wait_idle(qtbot, window)
    window._refine_timer.setInterval(600_000)  # the wheel "rests" only when this test says so
    x0, x1, y0, y1 = window.domain.visible_rect()
    cx, cy, w, h = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.45, (y1 - y0) * 0.45
    window.model.set("domain_range", (cx - w, cx + w, cy - h, cy + h))  # zoomed in by 10 %
    qtbot.waitUntil(lambda: window.sampler.is_idle() and window.scene.samples == MOVING_QUALITY.heatmap)
    assert not window.scene.covers(window.domain.visible_rect(), window.quality)
    window._refine_timer.setInterval(10)
    window._refine_timer.start()
    wait_idle(qtbot, window)
    assert window.scene.covers(window.domain.visible_rect(), window.quality)


def test_a_mapping_that_fails_brings_back_the_scene_its_arrival_dropped(window, qtbot):
    """Typing a mapping drops the old one's pending resample; if the new one fails, the old one
    is resampled for the view the user moved to, so nothing stays stale."""
    from uihelpers import APPLY_TIMEOUT_MS, wait_idle

    wait_idle(qtbot, window)
    x0, x1, y0, y1 = window.domain.visible_rect()
    shift = 0.6 * (x1 - x0)  # beyond the scene's margin: a resample is needed
    window.domain.show_rect((x0 + shift, x1 + shift, y0, y1))
    # a session whose mapping fails: no error appears under the mapping bar, so no layout change
    # resamples by accident
    from dataclasses import replace

    broken = replace(window.current_session(), mapping="x +* y, y", domain_range=window.domain.visible_rect())
    with qtbot.waitSignal(window.mappingFailed, timeout=APPLY_TIMEOUT_MS):
        window.apply_session(broken)
    wait_idle(qtbot, window)
    assert window.scene.covers(window.domain.visible_rect(), window.quality)


def test_the_heatmap_shortcuts_in_help_and_readme_match_the_modes(window):
    """Ctrl+1 … Ctrl+N are numbered from the list of modes; help and the README must say so."""
    from pathlib import Path

    from jacviz.core.sampling.heatmap import HEATMAP_MODES
    from jacviz.ui.panels.help import SHORTCUTS

    n = len(HEATMAP_MODES)
    assert [a.shortcut().toString() for a in window.mode_actions.values()] == [f"Ctrl+{i}" for i in
                                                                                 range(1, n + 1)]
    assert any(keys == f"Ctrl+1 … Ctrl+{n}" for keys, _ in SHORTCUTS)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`Ctrl+1` … `Ctrl+{n}`" in readme


def test_a_mapping_asked_for_before_the_first_show_is_not_replaced_by_the_default(app, qtbot):
    """The first mapping (default preset or restored session) waits for the window to be shown; a
    mapping asked for before that (a script, a command) must win, not be dropped for the default."""
    from uihelpers import APPLY_TIMEOUT_MS, wait_idle

    from jacviz.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    applied: list[str] = []
    w.mappingApplied.connect(applied.append)
    w.apply_mapping("x^3 - 3x y^2, 3x^2 y - y^3")
    with qtbot.waitSignal(w.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        w.show()
    wait_idle(qtbot, w)
    qtbot.wait(50)  # a default queued behind it would arrive here
    assert applied == ["x^3 - 3x y^2, 3x^2 y - y^3"]
    assert w.model.mapping == "x^3 - 3x y^2, 3x^2 y - y^3"
    w.close()
