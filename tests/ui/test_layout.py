"""The window fits its screen: placement and memory, a readout that never clips, panels in
view without scrolling, and the lens out of the way of what it magnifies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from uihelpers import APPLY_TIMEOUT_MS, wait_idle

from jacviz.core.persistence import settings
from jacviz.core.sampling.framing import POLAR_DOMAIN


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("JACVIZ_CONFIG_DIR", str(tmp_path))
    return tmp_path


def _new_window(qtbot, size):
    from jacviz.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(*size)
    with qtbot.waitSignal(w.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        w.show()
    wait_idle(qtbot, w)
    return w


SCREEN = {"synchronousWindowSystemEvents": False, "windowFrameMargins": False,
          "screens": [{"name": "desk", "x": 0, "y": 0, "width": 1920, "height": 1080,
                       "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}
PROBE = Path(__file__).parent / "probes" / "placement_probe.py"


def _probe(tmp_path, config, *args) -> dict:
    """Run the window as the app does, on a 1920×1080 offscreen screen, in a child process."""
    screen = tmp_path / "screen.json"
    screen.write_text(json.dumps(SCREEN))
    out = tmp_path / "seen.json"
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screen}", JACVIZ_CONFIG_DIR=str(config))
    done = subprocess.run([sys.executable, str(PROBE), str(out), *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def test_first_run_takes_85_percent_of_the_screen_centred(tmp_path, config):
    seen = _probe(tmp_path, config)
    assert seen["restored"] is False
    x, y, w, h = seen["geometry"]
    ax, ay, aw, ah = seen["available"]
    assert (aw, ah) == (1920, 1080)
    assert abs(w - 0.85 * aw) <= 2 and abs(h - 0.85 * ah) <= 2
    assert abs((x + w / 2) - (ax + aw / 2)) <= 2 and abs((y + h / 2) - (ay + ah / 2)) <= 2


def test_geometry_and_splitter_are_remembered(tmp_path, config):
    first = _probe(tmp_path, config, 1200, 700, 300, 420, 400)
    assert first["closed_size"] == [1200, 700]
    doc = json.loads((config / settings.LAYOUT_NAME).read_text())
    assert doc["splitter"] == first["closed_splitter"]
    again = _probe(tmp_path, config)
    assert again["restored"] is True
    assert again["geometry"][2:] == [1200, 700]
    assert again["splitter"] == first["closed_splitter"]


BROKEN = [b"", b"{", b"[1, 2]", b'{"version": 1, "geometry": "!!", "splitter": [1]}',
          b'{"version": 99, "geometry": "", "splitter": []}', b"\xff\xfe" * 10,
          b" " * (settings.MAX_LAYOUT_BYTES + 1)]


@pytest.mark.parametrize("content", BROKEN)
def test_a_broken_layout_file_opens_at_the_default_size(content, tmp_path, config):
    assert settings.read_window_layout() is None or content == b""  # read in this process too
    (config / settings.LAYOUT_NAME).write_bytes(content)
    assert settings.read_window_layout() is None
    seen = _probe(tmp_path, config)
    assert seen["restored"] is False
    assert abs(seen["geometry"][2] - 0.85 * 1920) <= 2


def test_an_unwritable_config_folder_does_not_stop_closing(tmp_path, config):
    (config / settings.LAYOUT_NAME).mkdir()  # writing the file now fails with OSError
    seen = _probe(tmp_path, config)
    assert seen["restored"] is False
    assert (config / settings.LAYOUT_NAME).is_dir()


def _row_needs(table, title: str, keys: list[str]) -> int:
    metrics = table.fontMetrics()
    if len(keys) == 1:
        return table._title_width + metrics.horizontalAdvance(table.cells[keys[0]].text())
    last = len(keys) - 1
    width = metrics.horizontalAdvance(table.cells[keys[last]].text())
    return table._title_width + last * table._cell_width + width


@pytest.mark.parametrize("size", [(1280, 720), (1600, 900), (1920, 1080)])
@pytest.mark.parametrize("point", [(0.7, 0.4), (-3.123456, -5.987654), (1e-7, -2.5e12)])
def test_the_readout_never_clips(app, qtbot, size, point):
    w = _new_window(qtbot, size)
    w.model.set_cursor(point)
    wait_idle(qtbot, w)
    table = w.readout.table
    viewport = w.side_scroll.viewport()
    right_edge = table.mapTo(viewport, table.rect().topRight()).x()
    assert right_edge <= viewport.width()
    for title, keys in table.rows:
        assert _row_needs(table, title, keys) <= table.width(), (title, [table.cells[k].text() for k in keys])
    sentence = w.readout.reading
    from PySide6.QtCore import Qt

    lines = sentence.fontMetrics().boundingRect(sentence.rect().adjusted(2, 2, -2, -2),
                                                int(Qt.TextFlag.TextWordWrap), sentence.text())
    assert lines.height() <= sentence.height()
    w.close()


@pytest.mark.parametrize("tool", ["region", "vectors"])
def test_a_tool_panel_is_in_view_without_scrolling(app, qtbot, tool):
    w = _new_window(qtbot, (1280, 720))
    if tool == "region":
        w.tool("region").button.setChecked(True)
    else:
        w.tool("vectors").box.setChecked(True)
    panel = w.tool(tool).panel
    qtbot.waitUntil(panel.isVisible)
    viewport = w.side_scroll.viewport()

    def in_view() -> bool:
        top = panel.mapTo(viewport, panel.rect().topLeft()).y()
        return 0 <= top and top + min(panel.height(), 120) <= viewport.height()

    qtbot.waitUntil(in_view)
    assert w.readout.formulas_section.folded
    w.close()


def test_the_lens_moves_away_from_f_of_p_and_can_be_hidden(app, qtbot):
    w = _new_window(qtbot, (1280, 720))
    view = w.codomain
    for point in [(2.5, 3.0), (-2.5, -3.0), (2.5, -3.0), (-2.5, 3.0)]:
        w.model.set_cursor(point)
        wait_idle(qtbot, w)
        fp = w._cursor_state.info.value if w._cursor_state is not None else None
        assert fp is not None
        at = view.data_to_widget(float(fp[0]), float(fp[1]))
        lens = view.lens.geometry()
        assert not lens.contains(int(at.x()), int(at.y()))
        # farthest corner: on the other side of the middle in both directions
        assert (lens.center().x() < view.width() / 2) == (at.x() >= view.width() / 2)
        assert (lens.center().y() < view.height() / 2) == (at.y() >= view.height() / 2)
    assert view.lens.isVisible()
    w.lens_box.setChecked(False)
    assert not view.lens.isVisible()
    w.model.set_cursor((0.1, 0.2))
    wait_idle(qtbot, w)
    assert not view.lens.isVisible()
    w.lens_box.setChecked(True)
    assert view.lens.isVisible()
    w.close()


def _shows(window, rect, tol=1e-6) -> bool:
    x0, x1, y0, y1 = window.domain.visible_rect()
    a0, a1, b0, b1 = rect
    return x0 <= a0 + tol and x1 >= a1 - tol and y0 <= b0 + tol and y1 >= b1 - tol


def _framed_at(window, rect) -> bool:
    """The view shows ``rect`` and no more than its aspect requires."""
    from jacviz.core.sampling.framing import fit_aspect

    want = fit_aspect(rect, window.domain.aspect())
    return window.domain.visible_rect() == pytest.approx(want, rel=1e-3, abs=1e-3)


def _wheel(view, steps: int = 1) -> None:
    """A real wheel turn over the middle of the view (a zoom, as the user makes it)."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    target = view.viewport()
    at = QPointF(target.width() / 2, target.height() / 2)
    event = QWheelEvent(at, target.mapToGlobal(at), QPoint(0, 0), QPoint(0, 120 * steps),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                        False)
    QApplication.sendEvent(target, event)


def test_a_typed_mapping_frames_itself_until_the_user_moves_the_view(app, qtbot):
    from uihelpers import apply

    w = _new_window(qtbot, (1280, 720))
    assert not _framed_at(w, POLAR_DOMAIN)  # the default preset shows -4 .. 4
    apply(qtbot, w, "(r, t) -> r cos(t), r sin(t)")
    assert _framed_at(w, POLAR_DOMAIN)

    apply(qtbot, w, "log(x), y")  # defined for x > 0: framed there
    framed = w.domain.visible_rect()
    assert w.home_rect[0] == pytest.approx(0.0, abs=0.06) and w.home_rect[1] == 2.0  # not -2 .. 2
    assert _framed_at(w, w.home_rect)

    _wheel(w.domain)  # the user zooms: from now on, a typed mapping keeps the view
    qtbot.waitUntil(lambda: w.domain.visible_rect() != framed)
    zoomed = w.domain.visible_rect()
    apply(qtbot, w, "x^2 - y^2, 2 x y")
    x0, x1, y0, y1 = w.domain.visible_rect()
    # the same view; its height may differ by the caption under it, which the aspect lock follows
    assert (x0, x1, (y0 + y1) / 2) == pytest.approx((zoomed[0], zoomed[1], (zoomed[2] + zoomed[3]) / 2))

    w.reset_view()  # Home: the mapping's own domain, and typing frames again
    apply(qtbot, w, "(r, t) -> r cos(t), r sin(t)")
    assert _framed_at(w, POLAR_DOMAIN)
    w.close()


def test_a_preset_formula_typed_takes_the_preset_domain(app, qtbot):
    from uihelpers import apply

    w = _new_window(qtbot, (1280, 720))
    preset = next(p for p in w.presets if p.name == "Lotka–Volterra")
    assert not _framed_at(w, preset.domain)
    apply(qtbot, w, preset.mapping)
    assert _framed_at(w, preset.domain)
    w.close()
