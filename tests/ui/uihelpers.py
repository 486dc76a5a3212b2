"""Helpers shared by the window tests (imported by name; fixtures live in conftest.py).

They wait on conditions, never for a fixed time: the machines are shared and noisy.
"""

APPLY_TIMEOUT_MS = 20_000  # generous: the machines are shared; nothing here measures speed


def apply(qtbot, window, text: str):
    """Type ``text`` into the mapping bar, press Enter, wait until it is drawn and settled.

    After mappingApplied the window still finishes in the background: it adds the margin
    that makes pans free, and resamples if the parameter row came or went.
    """
    from PySide6.QtCore import Qt

    edit = window.mapping_bar.edit
    edit.clear()
    with qtbot.waitSignal(window.mappingApplied, timeout=APPLY_TIMEOUT_MS):
        qtbot.keyClicks(edit, text)
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    wait_idle(qtbot, window)


def settled(window) -> bool:
    """No background work pending, after delivering what is queued (a result may ask for more)."""
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        if not window._idle():
            return False
        QApplication.processEvents()
    return window._idle()


def wait_idle(qtbot, window):
    """Wait until no background sampling is pending and its result has been drawn."""
    qtbot.waitUntil(lambda: settled(window), timeout=APPLY_TIMEOUT_MS)


def run_gl_script(script: str, tmp_path) -> dict:
    """Run ``script`` in a child under Xvfb with Mesa (Qt's xcb platform) and return its JSON.

    The 3D views need an OpenGL context, which Qt's offscreen platform cannot make. Skips when
    Qt's xcb platform cannot start or no GL context comes up; the script prints one JSON object
    with a ``"gl"`` key saying whether it had one.
    """
    import json
    import os
    import subprocess
    import sys

    import pytest

    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="xcb", LIBGL_ALWAYS_SOFTWARE="1", JACVIZ_CONFIG_DIR=str(tmp_path))
    res = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1400x900x24", sys.executable, "-c", script],
                         capture_output=True, text=True, timeout=180, env=env)
    if res.returncode != 0 and "xcb" in res.stderr and "could not" in res.stderr.lower():
        pytest.skip(f"Qt's xcb platform cannot start here: {res.stderr.strip().splitlines()[-1]}")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    if not data["gl"]:
        pytest.skip("no OpenGL context under Xvfb (is libgl1-mesa-dri installed?)")
    return data
