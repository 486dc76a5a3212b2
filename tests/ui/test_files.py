"""Export, sessions and autosave, through the window's own actions and through the command line."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QFileDialog
from uihelpers import APPLY_TIMEOUT_MS, apply, wait_idle

from jacviz.core.persistence import session as sessions
from jacviz.core.persistence.presets import load_presets
from jacviz.ui import files as files_module


def _show_fold(qtbot, window):
    preset = next(p for p in load_presets() if p.name == "Whitney fold")
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        window.load_preset(preset)
    wait_idle(qtbot, window)


def _pixels(path: Path) -> np.ndarray:
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    assert not img.isNull(), path
    arr = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    return arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3].reshape(
        img.height(), img.width(), 3
    ).astype(int)


def _red_blue(pixels: np.ndarray) -> tuple[float, float]:
    r, b = pixels[..., 0], pixels[..., 2]
    return float(np.mean(r - b > 40)), float(np.mean(b - r > 40))


def _choose_export(monkeypatch, path: Path, view: str, scale: str):
    """Answer the export dialog and the file dialog as a user would."""

    def fake_exec(dialog):
        for button in dialog.view_group.buttons():
            button.setChecked(button.property("view") == view)
        for button in dialog.size_group.buttons():
            button.setChecked(button.property("scale") == scale)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(files_module.ExportDialog, "exec", fake_exec)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_export_action_writes_an_image_with_the_heatmap_signs(qtbot, window, tmp_path, monkeypatch, suffix):
    _show_fold(qtbot, window)
    window.model.set_cursor(None)
    out = tmp_path / f"fold{suffix}"
    _choose_export(monkeypatch, out, "domain", "2")
    window.files.export_action.trigger()
    assert out.exists(), window.statusBar().currentMessage()
    px = _pixels(out)
    w, h = window.domain.width(), window.domain.height()
    assert px.shape[:2] == (2 * h, 2 * w)
    assert px.std() > 20  # not blank
    # det J = 2y: warm above the x axis, blue below, read midway between grid lines
    from jacviz.core.figure import layout_figure
    from jacviz.ui.export import window_figure

    frame = layout_figure(window_figure(window), "domain", (2 * w, 2 * h)).frames["domain"]
    grid = window.scene.grid
    ys = np.unique(grid.horizontal[:, 1][np.isfinite(grid.horizontal[:, 1])])
    xs = np.unique(grid.vertical[:, 0][np.isfinite(grid.vertical[:, 0])])
    mid_x, mid_y = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2
    x = mid_x[np.argmin(np.abs(mid_x - 0.3))]
    for y in (mid_y[np.argmin(np.abs(mid_y - 1.0))], mid_y[np.argmin(np.abs(mid_y + 1.0))]):
        col, row = frame.point(x, y)
        r, _g, b = px[round(row), round(col)]
        if y > 0:
            assert r - b > 40, (y, r, b)
        else:
            assert b - r > 40, (y, r, b)


def test_export_action_writes_svg_with_vector_paths(qtbot, window, tmp_path, monkeypatch):
    _show_fold(qtbot, window)
    out = tmp_path / "figure.svg"
    _choose_export(monkeypatch, out, "both", "1")
    window.files.export_action.trigger()
    root = ET.parse(out).getroot()  # well-formed XML
    assert root.tag.endswith("svg")
    ns = "{http://www.w3.org/2000/svg}"
    paths = root.findall(f".//{ns}path") + root.findall(f".//{ns}polyline")
    assert len(paths) > 20  # grid lines, critical curve, arrows ... as vectors
    assert root.findall(f".//{ns}image")  # the heatmap
    assert "</text>" in out.read_text()  # labels stay text


def test_export_sizes(qtbot, window, tmp_path):
    from jacviz.ui.export import export

    export(window, tmp_path / "c.png", view="codomain", size=(1000, 300))
    assert _pixels(tmp_path / "c.png").shape[:2] == (300, 1000)
    w = window.splitter.width()
    export(window, tmp_path / "four.png", view="both", size=(4 * w, 4 * window.splitter.height()))
    assert _pixels(tmp_path / "four.png").shape[1] == 4 * w
    # the window is laid out as before afterwards
    assert window.splitter.width() == w


def test_export_refuses_bad_names(qtbot, window, tmp_path):
    assert not window.files.export_to(tmp_path / "figure.bmp")
    assert "use a .png, .jpg, .svg or .pdf" in window.statusBar().currentMessage()
    assert not window.files.export_to(tmp_path / "missing" / "figure.png")


def test_copy_image_to_clipboard(qtbot, window):
    from PySide6.QtGui import QGuiApplication

    window.files.copy_action.trigger()
    image = QGuiApplication.clipboard().image()
    assert image.width() == 2 * window.splitter.width()


def _run_cli(*args, cwd):
    env = dict(os.environ)
    env.pop("DISPLAY", None)  # jacviz export needs no display
    env.pop("QT_QPA_PLATFORM", None)  # ... and chooses the offscreen platform itself
    return subprocess.run([sys.executable, "-m", "jacviz", *args], capture_output=True, text=True,
                          timeout=180, cwd=cwd, env=env)


def test_export_command_png_jpeg_svg(tmp_path):
    for name in ("fold.png", "fold.jpg", "fold.svg"):
        out = tmp_path / name
        res = _run_cli("export", "x, y^2", "-o", str(out), "--size", "1200x800", "--range", "-2,2,-2,2",
                       "--view", "domain", "--at", "0.5,1", cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert out.exists()
        if name.endswith(".svg"):
            root = ET.parse(out).getroot()
            assert root.findall(".//{http://www.w3.org/2000/svg}path")
            continue
        px = _pixels(out)
        assert px.shape[:2] == (800, 1200)
        # det J = 2y: the upper half of the plot is warm, the lower half blue
        from jacviz.core.figure import layout_figure
        from jacviz.core.figure.build import figure_spec

        spec = figure_spec("x, y^2", rect=(-2, 2, -2, 2), at=(0.5, 1))
        box = layout_figure(spec, "domain", (1200, 800)).frames["domain"].box
        left, right = round(box.x + 0.1 * box.w), round(box.x + 0.9 * box.w)
        top_red, top_blue = _red_blue(px[round(box.y + 0.05 * box.h):round(box.y + 0.45 * box.h), left:right])
        bottom_red, bottom_blue = _red_blue(px[round(box.y + 0.55 * box.h):round(box.y + 0.95 * box.h),
                                               left:right])
        # (the grid lines, purple and orange, read as "blue" or "red" on a few per cent of the pixels)
        assert top_red > 0.5 and top_blue < 0.15, (top_red, top_blue)
        assert bottom_blue > 0.5 and bottom_red < 0.15, (bottom_red, bottom_blue)


@pytest.mark.parametrize("args, message", [
    (["sine(x), y", "-o", "x.png"], "unknown function 'sine'"),
    (["x, y", "-o", "x.bmp"], "use a .png, .jpg, .svg or .pdf"),
    (["x, y", "-o", "x.png", "--size", "big"], "WIDTHxHEIGHT"),
    (["x, y", "-o", "x.png", "--size", "100000x10"], "between 16 and"),
    (["x, y", "-o", "x.png", "--range", "2,1,0,1"], "x0 < x1"),
    (["x, y", "-o", "x.png", "--at", "1"], "--at needs two numbers"),
    (["a x, y", "-o", "x.png", "--param", "b=2"], "unknown parameter 'b'"),
    (["x, y", "-o", "nowhere/x.png"], "does not exist"),
    (["x, y"], "say where to write"),
])
def test_export_command_bad_input(tmp_path, args, message):
    res = _run_cli("export", *args, cwd=tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("jacviz: error:"), res.stderr
    assert message in lines[0]
    assert "Traceback" not in res.stderr


# ---------------------------------------------------------------------------------------
# sessions


def test_session_round_trip_restores_the_same_state(qtbot, window, app, tmp_path):
    from jacviz.ui.main_window import MainWindow

    apply(qtbot, window, "a x + sin(y), y + a sin(x)")
    window.parameters.controls["a"].set_value(1.75)
    window.add_pin(0.25, -0.5)
    window.add_pin(-1.0, 0.75)
    window.set_mode("log")
    window.set_h(0.2)
    window.move_cursor(0.4, 0.3)
    window.codomain.viewbox.setRange(xRange=(-3, 3), yRange=(-2, 2), padding=0)
    window.codomain.rangeChangedByUser.emit()  # as a pan or zoom there by hand does
    wait_idle(qtbot, window)
    before = window.current_session()
    path = tmp_path / "state.jacviz"
    assert window.files.save_to(path)

    other = MainWindow()
    qtbot.addWidget(other)
    other.resize(window.size())
    with qtbot.waitSignal(other.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        other.show()
    with qtbot.waitSignal(other.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        assert other.files.open_path(path)
    wait_idle(qtbot, other)
    after = other.current_session()
    assert after.mapping == before.mapping
    assert after.params == before.params
    assert after.pins == before.pins
    assert after.heatmap_mode == "log" and other.domain.mode == "log"
    assert after.h == pytest.approx(0.2)
    assert after.cursor == pytest.approx(before.cursor)
    assert after.codomain_follows is False
    # a view with a locked aspect ratio shows at least the saved rectangle; the window's
    # layout may differ by a few pixels, so allow a few per cent more
    for saved, shown in ((before.codomain_range, after.codomain_range),
                         (before.domain_range, after.domain_range)):
        x0, x1, y0, y1 = saved
        a0, a1, b0, b1 = shown
        tol_x, tol_y = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
        assert a0 <= x0 + 1e-9 and a1 >= x1 - 1e-9 and b0 <= y0 + 1e-9 and b1 >= y1 - 1e-9
        assert (a1 - a0) <= (x1 - x0) + 2 * tol_x and (b1 - b0) <= (y1 - y0) + 2 * tol_y
    assert other.readout.labels["det"].text() == window.readout.labels["det"].text()
    other.close()


def test_a_hostile_session_file_leaves_the_current_session_alone(qtbot, window, tmp_path):
    apply(qtbot, window, "z^2")
    wait_idle(qtbot, window)  # the first resample for the window's aspect ratio has landed
    before = window.current_session()
    canary = tmp_path / "CANARY"
    for i, text in enumerate([
        "not json",
        json.dumps({"version": 1, "app": "jacviz", "mapping": f"__import__('os').system('touch {canary}')"}),
        json.dumps({"version": 99, "app": "jacviz", "mapping": "x, y"}),
        '{"version": 1, "app": "jacviz", "mapping": "x, y", "h": NaN}',
        "[" * 50000,
    ]):
        bad = tmp_path / f"bad{i}.jacviz"
        bad.write_text(text)
        assert not window.files.open_path(bad)
        assert "could not open" in window.statusBar().currentMessage()
        assert window.compiler.is_idle()  # refused before anything was compiled
        assert window.current_session() == before
    assert not canary.exists()


def test_session_file_from_the_command_line_is_checked_first(tmp_path):
    bad = tmp_path / "bad.jacviz"
    bad.write_text("{}")
    res = _run_cli(str(bad), cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.startswith("jacviz: error:")
    res = _run_cli(str(tmp_path / "missing.jacviz"), cwd=tmp_path)
    assert res.returncode == 2 and "missing.jacviz" in res.stderr


CHILD = textwrap.dedent("""
    import os, sys, time, json
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from jacviz.ui.app import make_application
    app = make_application()
    from jacviz.ui.main_window import MainWindow
    w = MainWindow(restore=True)
    w.show()
    w.wait_until_drawn(60)
    mode = sys.argv[1]
    if mode == "work":
        edit = w.mapping_bar.edit
        edit.selectAll()
        QTest.keyClicks(edit, "x + k sin(y), y")
        QTest.keyClick(edit, Qt.Key.Key_Return)
        w.wait_until_drawn(60)
        w.parameters.controls["k"].set_value(2.25)
        w.add_pin(0.5, 0.5)
        w.set_mode("sign")
        edit.selectAll()
        QTest.keyClicks(edit, "x^2, y + unfinished(")  # typed, never applied
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        print("READY", flush=True)
        while True:
            app.processEvents()
            time.sleep(0.01)
    else:
        w.wait_until_drawn(60)
        s = w.current_session()
        print(json.dumps({"mapping": s.mapping, "k": w.current_params().get("k"), "pins": s.pins,
                          "mode": s.heatmap_mode, "text": w.mapping_bar.edit.text()}), flush=True)
""")


def test_kill_and_restart_loses_nothing(tmp_path):
    env = dict(os.environ, JACVIZ_CONFIG_DIR=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen")
    child = subprocess.Popen([sys.executable, "-c", CHILD, "work"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "READY", child.stderr.read()
        time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)  # no chance to save on the way out
        child.wait()
    assert child.returncode == -signal.SIGKILL
    (autosave,) = (tmp_path / "config").glob("autosave-*.jacviz")  # the killed instance's own file
    saved = sessions.load(autosave)
    assert saved.mapping == "x + k sin(y), y"

    again = subprocess.run([sys.executable, "-c", CHILD, "check"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    state = json.loads(again.stdout.strip().splitlines()[-1])
    assert state["mapping"] == "x + k sin(y), y"
    assert state["k"] == pytest.approx(2.25)
    assert state["pins"] == [[0.5, 0.5]]
    assert state["mode"] == "sign"
    assert state["text"] == "x^2, y + unfinished("  # even the text that was never applied


# ---------------------------------------------------------------------------------------
# all or nothing, and a burst of changes


def test_opening_a_session_whose_mapping_fails_changes_nothing(qtbot, window, tmp_path):
    """The file passes the strict reader but its mapping cannot be computed: nothing switches."""
    apply(qtbot, window, "x^2 - y^2, 2xy")
    window.add_pin(0.5, 0.5)
    window.set_mode("log")
    good = tmp_path / "good.jacviz"
    assert window.files.save_to(good)
    before = window.current_session()
    bad = tmp_path / "tower.jacviz"
    text = sessions.to_json(sessions.Session(mapping="9**9**9", pins=((9.0, 9.0),), heatmap_mode="sign"))
    bad.write_text(text)
    with qtbot.waitSignal(window.mappingFailed, timeout=APPLY_TIMEOUT_MS) as failed:
        window.files.open_path(bad)
    assert "too large" in failed.args[0]
    assert window.current_session() == before
    assert window.files.path == good  # Ctrl+S still writes the file that is shown
    assert bad.read_text() == text
    assert "could not open tower.jacviz" in window.statusBar().currentMessage()


def test_a_long_burst_of_changes_is_autosaved_at_least_every_two_seconds(qtbot, window, monkeypatch):
    from jacviz.core.persistence import settings

    saved = []
    monkeypatch.setattr(settings, "write_autosave", lambda session: saved.append(session.cursor))
    window.files.autosave_enabled = True
    deadline = time.monotonic() + 4.6
    x = 0.0
    while time.monotonic() < deadline:  # a change every 50 ms: the 400 ms delay never runs out
        x += 0.001
        window.move_cursor(x, 0.25)
        qtbot.wait(50)
    during = len(saved)
    assert during >= 2, saved  # the 2 s maximum wait fired in the burst
    window.files.autosave_now()
    assert saved[-1] == (x, 0.25)  # the cursor is saved too


@pytest.mark.parametrize("text", ["x y, y/x", "x y, x/y", "x^2/y, y", "x/y, x y", "1/x + y, x y"])
def test_export_of_rational_mappings_in_process(app, tmp_path, capsys, text):
    """jacviz export returns instead of ending the process, so it runs here; these used to fail."""
    from jacviz.cli import main

    out = tmp_path / "r.png"
    rc = main(["export", text, "-o", str(out), "--size", "320x160"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert captured.out.strip() == str(out) and captured.err == ""
    assert _pixels(out).shape[:2] == (160, 320)


def test_export_command_print_options(app, tmp_path, capsys):
    """--transparent, --dpi, .pdf, --no-readout, --theme, --font-scale: the files say so."""
    import shutil

    from jacviz.cli import main

    png = tmp_path / "t.png"
    assert main(["export", "z^2", "-o", str(png), "--size", "800x400", "--transparent", "--dpi", "200"]) == 0
    img = QImage(str(png))
    assert img.hasAlphaChannel() and img.pixelColor(2, 2).alpha() == 0  # nothing behind the plots
    assert round(img.dotsPerMeterX() * 0.0254) == 200  # the pHYs chunk
    pdf = tmp_path / "t.pdf"
    assert main(["export", "z^2", "-o", str(pdf), "--size", "1500x720", "--dpi", "300", "--no-readout",
                 "--theme", "dark", "--font-scale", "1.5"]) == 0
    head = pdf.read_bytes()
    assert head.startswith(b"%PDF-") and b"/MediaBox" in head
    if shutil.which("pdfinfo"):
        import subprocess

        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "360 x 173 pts" in info  # 1500 × 720 px at 300 dpi, whole points rounded up
    capsys.readouterr()
    assert main(["export", "z^2", "-o", str(tmp_path / "x.png"), "--dpi", "5"]) == 2
    assert "--dpi must be between" in capsys.readouterr().err
    gif = tmp_path / "m.gif"
    assert main(["export", "z^2", "--morph", str(gif), "--size", "16000x9000", "--frames", "20"]) == 2
    err = capsys.readouterr().err
    assert "GB" in err and "frames" in err and not gif.exists()
