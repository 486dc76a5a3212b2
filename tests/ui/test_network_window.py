"""Trained networks in the real window: opening, drawing, the readout, sessions, export, drops.

The window is driven offscreen: models are opened through the same methods the menus call,
the cursor moves through the model, and numbers are read back from the readout, the scene
and pixels of the grabbed views, against the closed forms of small linear models.
"""

import hashlib
import json

import numpy as np
import pytest
from network_models import write_linear3, write_scalar, write_shipped, write_three_inputs
from uihelpers import APPLY_TIMEOUT_MS, apply, wait_idle

from jacviz.core.figure.colormaps import class_color
from jacviz.core.network.catalog import load_model_presets
from jacviz.core.pipeline.network import PreparedNetwork
from jacviz.ui.panels.readout import fmt


@pytest.fixture
def window(small_window):
    return small_window


def _open(qtbot, window, path, **kwargs):
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.network.open_path(path, **kwargs)
    wait_idle(qtbot, window)


def _settle_text(qtbot, widget_text, timeout=5000):
    """Wait for the readout's accessible text, set a moment after the cursor stops."""
    qtbot.waitUntil(lambda: bool(widget_text()), timeout=timeout)


def _midpoints(values):
    lines = np.unique(values[np.isfinite(values)])
    return (lines[:-1] + lines[1:]) / 2


def _patch_colour(image, view, x, y):
    pt = view.data_to_widget(x, y)
    c = image.pixelColor(pt.x(), pt.y())
    return np.array([c.red(), c.green(), c.blue()])


def test_a_flow_opens_and_is_drawn_as_a_mapping(qtbot, window, tmp_path):
    path = write_shipped(tmp_path / "moons.onnx")
    _open(qtbot, window, path)
    prepared = window.prepared
    assert isinstance(prepared, PreparedNetwork) and prepared.square
    assert prepared.source.path == str(path.resolve())
    assert "moons.onnx" in window.windowTitle()
    assert "coupling block" in window.readout.formulas_text()
    net = prepared.network
    window.model.set_cursor((0.3, 0.2))
    jac = net.jacobian_at(0.3, 0.2)
    det = jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]
    assert window.readout.labels["det"].text() == fmt(det)
    assert window.readout.labels["j01"].text() == fmt(jac[0, 1])
    # the heatmap is det J of the model: one sampled cell against the model at its centre
    scene = window.scene
    x0, x1, y0, y1 = scene.rect
    n = scene.samples
    i, j = n // 3, n // 2
    cx, cy = x0 + (j + 0.5) * (x1 - x0) / n, y0 + (i + 0.5) * (y1 - y0) / n
    assert scene.det[i, j] == pytest.approx(float(net.det(np.array(cx), np.array(cy))), rel=1e-3)
    assert (scene.det[np.isfinite(scene.det)] > 0).all()  # a flow never folds
    assert scene.grid.vertical_image.size and np.isfinite(scene.grid.vertical_image).any()


def test_a_cursor_move_runs_a_planar_model_once(qtbot, window, tmp_path, monkeypatch):
    """The readout's F and J and the lens's circle come from one run of the whole model."""
    from jacviz.core.network.plan import Plan

    _open(qtbot, window, write_shipped(tmp_path / "moons.onnx"))
    net = window.prepared.network
    runs = []
    real_run = Plan.run

    def counting_run(self, stack, route, start=0, **kw):
        if start == 0 and net.output_slot in route.targets:
            runs.append(stack.shape[1])  # points in the run
        return real_run(self, stack, route, start, **kw)

    points = [(0.3, 0.2), (-0.5, 0.1), (0.7, -0.4)]
    shown = []
    monkeypatch.setattr(Plan, "run", counting_run)
    for k, p in enumerate(points):
        window.model.set_cursor(p)
        assert runs == [98] * (k + 1)  # p and the 97 points of the h-circle
        shown.append((window.readout.labels["value"].text(), window.readout.labels["det"].text()))
    monkeypatch.undo()
    for p, (value, det) in zip(points, shown, strict=True):
        u, v = net.value_at(*p)
        assert value == f"({fmt(u)}, {fmt(v)})" and det == fmt(float(net.det(np.array(p[0]), np.array(p[1]))))


def test_decision_regions_are_coloured_by_class(qtbot, window, tmp_path):
    _open(qtbot, window, write_linear3(tmp_path / "three.onnx"))
    assert window.model.heatmap_mode == "classes"
    assert not window.mode_actions["det"].isEnabled() and window.mode_actions["output"].isEnabled()
    window.network.output_box.setCurrentIndex(0)  # no gradient arrows over the pixels
    window.model.set_cursor(None)
    wait_idle(qtbot, window)
    image = window.domain.grab().toImage()
    grid = window.scene.grid
    xs, ys = _midpoints(grid.vertical[:, 0]), _midpoints(grid.horizontal[:, 1])

    def near(values, v):
        return values[np.argmin(np.abs(values - v))]

    for (x, y), cls in (((1.5, -0.3), 0), ((-0.3, 1.5), 1), ((-1.2, -1.2), 2)):
        colour = _patch_colour(image, window.domain, near(xs, x), near(ys, y))
        assert np.abs(colour - np.array(class_color(cls))).max() <= 8, (cls, colour)
    assert "2 → 3 model" in window.view_note.text()


def test_the_readout_shows_the_whole_k_by_2_jacobian(qtbot, window, tmp_path):
    _open(qtbot, window, write_linear3(tmp_path / "three.onnx"))
    window.model.set_cursor((0.5, 0.25))
    text = window.readout.table.as_text()
    assert "J(p): 1  0" in text and ": 0  1" in text and ": −1  −1" in text
    assert "singular values: 1.732, 1" in text  # W'W = [[2, 1], [1, 2]]: eigenvalues 3 and 1
    assert "(0.5, 0.25, −0.75)" in text  # F(p) = W p
    assert window.readout.reading.text().startswith("class 0 here")
    assert window.current_value() is None  # no planar F(p) for the tools


def test_the_gradient_field_is_row_i_of_j(qtbot, window, tmp_path):
    _open(qtbot, window, write_linear3(tmp_path / "three.onnx"))
    box = window.network.output_box
    for index, direction in ((2, (0.0, 1.0)), (3, (-1.0, -1.0))):
        box.setCurrentIndex(index)  # "1: logits[1]", "2: logits[2]"
        x, y = window.network.arrows.getData()
        shafts = np.stack([x, y], axis=1).reshape(-1, 6, 2)[:, :2]
        d = shafts[:, 1] - shafts[:, 0]
        d /= np.hypot(d[:, 0], d[:, 1])[:, None]
        assert len(d) > 100
        assert np.allclose(d, np.array(direction) / np.hypot(*direction), atol=1e-9)
    # the 'output' heatmap shows the chosen output: F₂ = −x − y
    window.model.set_heatmap_mode("output")
    wait_idle(qtbot, window)
    scene = window.scene
    field = scene.fields["output"]
    x0, x1, y0, y1 = scene.rect
    n = field.shape[0]
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    assert np.allclose(field, -xs[None, :] - ys[:, None], atol=1e-5)


def test_a_scalar_field_shows_its_value_and_zero_set(qtbot, window, tmp_path):
    _open(qtbot, window, write_scalar(tmp_path / "plane.onnx"))
    assert window.model.heatmap_mode == "output"
    assert not window.mode_actions["classes"].isEnabled()
    crit = window.scene.critical
    assert crit.size > 0
    cell = (window.scene.rect[1] - window.scene.rect[0]) / window.scene.samples
    assert np.abs(crit[:, 0] + 2 * crit[:, 1] - 0.5).max() < 3 * cell  # the line x + 2y = 1/2
    window.model.set_cursor((0.2, 0.1))
    assert "grows fastest along (0.4472, 0.8944), at rate 2.236" in window.readout.reading.text()


def _file(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("maker, words", [
    (lambda p: _file(p / "garbage.onnx", b"not a model"), "is not an ONNX model"),
    (lambda p: _file(p / "weights.pt", b"\x80\x02}q\x00."), "torch.onnx.export"),
    (lambda p: write_three_inputs(p / "three_inputs.onnx"), "whose input is [batch, 2]"),
], ids=["garbage", "pickle", "three-inputs"])
def test_a_bad_model_leaves_the_session_untouched(qtbot, window, tmp_path, maker, words):
    apply(qtbot, window, "x^2 - y^2, 2xy")
    window.model.set_cursor((0.4, 0.3))
    before = (window.prepared, window.scene, window.domain.visible_rect(), window.model.mapping,
              window.readout.table.as_text(), window.model.to_session())
    with qtbot.waitSignal(window.mappingFailed, timeout=APPLY_TIMEOUT_MS) as failed:
        window.network.open_path(maker(tmp_path))
    wait_idle(qtbot, window)
    assert words in failed.args[0]
    assert words in window.statusBar().currentMessage()
    assert "\n" not in failed.args[0]
    after = (window.prepared, window.scene, window.domain.visible_rect(), window.model.mapping,
             window.readout.table.as_text(), window.model.to_session())
    assert after == before
    assert window.mapping_bar.error.text() == ""  # a model's error is not the typed mapping's


def test_a_session_records_the_model_by_path_and_hash(qtbot, window, tmp_path, app):
    path = write_shipped(tmp_path / "moons.onnx")
    _open(qtbot, window, path)
    window.model.set_cursor((0.25, 0.5))
    session = tmp_path / "flow.jacviz"
    assert window.files.save_to(session)
    data = json.loads(session.read_text())
    assert data["model"]["path"] == str(path.resolve())
    assert data["model"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    apply(qtbot, window, "z^2")
    assert not isinstance(window.prepared, PreparedNetwork) and window.model.network is None
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        assert window.files.open_path(session)
    wait_idle(qtbot, window)
    assert isinstance(window.prepared, PreparedNetwork)
    assert window.prepared.source.path == str(path.resolve())
    assert window.model.cursor == (0.25, 0.5)
    # the file changes: the session still opens it, and says so
    write_shipped(path, "spirals_mlp.onnx")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        assert window.files.open_path(session)
    wait_idle(qtbot, window)
    app.processEvents()
    assert "has changed since the session was saved" in window.statusBar().currentMessage()
    assert window.model.network["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_scalar_field_typed_after_a_model_is_saved_and_reopened_as_itself(qtbot, window, tmp_path):
    """The session of a typed mapping of another shape, shown after a model, records no model:
    it used to record both and open as the model."""
    _open(qtbot, window, write_shipped(tmp_path / "moons.onnx"))
    apply(qtbot, window, "x^2 + y^2")
    session = tmp_path / "field.jacviz"
    assert window.files.save_to(session)
    data = json.loads(session.read_text())
    assert data["mapping"] == "x^2 + y^2" and data["model"] is None
    apply(qtbot, window, "x, y")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        assert window.files.open_path(session)
    wait_idle(qtbot, window)
    assert not isinstance(window.prepared, PreparedNetwork)
    assert window.model.mapping == "x^2 + y^2" and window.model.network is None
    assert window.shapes.isVisible() and "moons" not in window.windowTitle()


def test_the_mapping_bar_says_when_the_views_show_a_model(qtbot, window, tmp_path):
    """The typed text stays in the bar (it is the draft), and a line under it says that the
    views show the model instead; it goes when a typed mapping is drawn again."""
    apply(qtbot, window, "x^2 - y^2, 2xy")
    note = window.mapping_bar.note
    assert not note.isVisible()
    _open(qtbot, window, write_shipped(tmp_path / "moons.onnx"))
    assert window.mapping_bar.text() == "x^2 - y^2, 2xy"
    assert note.isVisible() and "moons.onnx" in note.text() and "Enter" in note.text()
    apply(qtbot, window, "x^2 + y^2")  # a scalar field: the shapes pane
    assert not note.isVisible()
    _open(qtbot, window, write_shipped(tmp_path / "moons.onnx"))
    assert note.isVisible()
    apply(qtbot, window, "x^2 - y^2, 2xy")
    assert not note.isVisible() and note.text() == ""


def test_export_of_a_model_from_the_window(qtbot, window, tmp_path):
    from PySide6.QtGui import QImage

    _open(qtbot, window, write_shipped(tmp_path / "moons.onnx"))
    window.model.set_cursor((0.3, 0.2))
    png, svg = tmp_path / "flow.png", tmp_path / "flow.svg"
    window.files.export_to(png, size=(800, 400))
    window.files.export_to(svg)
    image = QImage(str(png))
    assert (image.width(), image.height()) == (800, 400)
    text = svg.read_text()
    assert "coupling block" in text and "det J" in text


def test_export_of_decision_regions_has_the_class_colours(qtbot, window, tmp_path):
    from PySide6.QtGui import QImage

    _open(qtbot, window, write_linear3(tmp_path / "three.onnx"))
    png = tmp_path / "classes.png"
    window.files.export_to(png, view="domain")
    image = QImage(str(png))
    colours = {image.pixelColor(x, y).rgb() & 0xFFFFFF for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    for cls in range(3):
        r, g, b = class_color(cls)
        assert (r << 16 | g << 8 | b) in colours, cls


def test_dropping_a_model_on_the_window_opens_it(qtbot, window, tmp_path, app):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    path = write_linear3(tmp_path / "three.onnx")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    pos = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(pos.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    app.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        app.sendEvent(window, drop)
    assert window.prepared.source.path == str(path.resolve())


def test_presets_networks_lists_the_shipped_models(qtbot, window):
    presets = load_model_presets()
    actions = window.network.presets_menu.actions()
    assert [a.text() for a in actions] == [p.name for p in presets]
    flow = next(i for i, p in enumerate(presets) if p.kind == "flow")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        actions[flow].trigger()
    assert window.prepared.source.preset == presets[flow].file
    assert window.network.open_action in window.file_menu.actions()


def test_a_typed_mapping_after_a_model_gets_the_planar_modes_back(qtbot, window, tmp_path):
    _open(qtbot, window, write_linear3(tmp_path / "three.onnx"))
    apply(qtbot, window, "x^2 - y^2, 2xy")
    assert window.model.heatmap_mode == "auto"
    assert window.mode_actions["det"].isEnabled() and not window.mode_actions["classes"].isEnabled()
    assert not window.network.output_box.isVisible()
    window.model.set_cursor((0.5, 0.25))
    assert window.readout.labels["det"].text() == fmt(4 * (0.25 + 0.0625))


def test_the_window_opens_a_model_given_at_start(qtbot, app, tmp_path):
    from jacviz.ui.main_window import MainWindow

    path = write_scalar(tmp_path / "plane.onnx")
    w = MainWindow(model=str(path))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        w.show()
    try:
        assert w.prepared.source.path == str(path.resolve())
    finally:
        w.close()
