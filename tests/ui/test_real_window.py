"""A real window on a virtual X screen, driven with the real (X11) mouse by xdotool.

CI installs Xvfb and xdotool (.ci/run); elsewhere the test is skipped when they are missing.
"""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = [
    pytest.mark.xvfb,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("xdotool")), reason="needs Xvfb and xdotool"
    ),
]


def _free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists():
            return n
    pytest.skip("no free X display number")


@pytest.fixture
def xserver():
    n = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not Path(f"/tmp/.X11-unix/X{n}").exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("Xvfb did not start")
        time.sleep(0.05)
    yield f":{n}"
    proc.kill()
    proc.wait()


def _xdotool(env, *args: str) -> str:
    out = subprocess.run(["xdotool", *args], env=env, capture_output=True, text=True, timeout=30)
    return out.stdout.strip()


def _screenshot(env, path: Path) -> np.ndarray:
    code = (
        "import sys\n"
        "from PySide6.QtGui import QGuiApplication\n"
        "app = QGuiApplication([])\n"
        "ok = app.primaryScreen().grabWindow(0).save(sys.argv[1])\n"
        "sys.exit(0 if ok else 1)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], env=env, check=True, timeout=60)
    from PySide6.QtGui import QImage

    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes())
    return arr.reshape(img.height(), img.bytesPerLine())[:, : img.width() * 3].reshape(
        img.height(), img.width(), 3
    ).copy()


def _require_xcb(env) -> None:
    """Qt's xcb plugin needs system libraries (libxcb-icccm4, ...); .ci/run installs them."""
    probe = subprocess.run(
        [sys.executable, "-c", "from PySide6.QtWidgets import QApplication; QApplication([])"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    if probe.returncode != 0 and "xcb" in probe.stderr:
        pytest.skip("Qt's xcb platform plugin cannot load here (missing system libraries)")


def test_real_mouse_over_the_domain_changes_the_readout(xserver, tmp_path):
    env = dict(os.environ, DISPLAY=xserver, QT_QPA_PLATFORM="xcb", HOME=str(tmp_path),
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"))
    _require_xcb(env)
    app = subprocess.Popen([sys.executable, "-m", "jacviz", "x^2 - y^2, 2xy"], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wid = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            wid = _xdotool(env, "search", "--name", "x\\^2 - y\\^2, 2xy")
            if wid:
                break
            assert app.poll() is None, app.stdout.read().decode(errors="replace")
            time.sleep(0.2)
        assert wid, "the window never showed the mapping in its title"
        wid = wid.splitlines()[0]
        geo = dict(
            line.split("=") for line in _xdotool(env, "getwindowgeometry", "--shell", wid).splitlines()
        )
        x, y, w, h = (int(geo[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
        assert w >= 800 and h >= 500
        readout = (slice(y + int(0.15 * h), y + int(0.6 * h)), slice(x + int(0.75 * w), x + w))

        def shot_when(done, name: str) -> np.ndarray:
            """Screenshots until ``done(picture)`` holds (no fixed wait for a paint), or fail."""
            deadline = time.monotonic() + 30
            while True:
                picture = _screenshot(env, tmp_path / name)
                if done(picture):
                    return picture
                assert app.poll() is None, "jacviz died while the mouse moved"
                assert time.monotonic() < deadline, f"the screen never showed what {name} waits for"

        def readout_changed(before: np.ndarray):
            return lambda now: np.any(before[readout] != now[readout], axis=2).sum() > 200

        # the first paint: a real window, not a blank screen
        shown = shot_when(lambda now: now[y : y + h, x : x + w].std() > 20, "shown.png")
        _xdotool(env, "mousemove", "--sync", str(x + int(0.12 * w)), str(y + int(0.55 * h)))
        first = shot_when(readout_changed(shown), "a.png")
        _xdotool(env, "mousemove", "--sync", str(x + int(0.25 * w)), str(y + int(0.35 * h)))
        shot_when(readout_changed(first), "b.png")  # the readout follows the real pointer again
        assert app.poll() is None, "jacviz died while the mouse moved"
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
