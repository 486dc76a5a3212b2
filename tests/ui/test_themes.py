"""The window follows the desktop's palette: on a dark one the plots turn dark and their lines
stay legible; on a light one they stay light. Checked on the pixels of a rendered window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

PROBE = Path(__file__).parent / "probes" / "window_probe.py"


def render(tmp_path, theme: str, scale: float | None = None, size=None):
    """The window as a child process drew it (pixels as an int array, and what it measured).

    ``scale`` sets QT_SCALE_FACTOR (the device pixel ratio); ``size`` resamples the picture.
    """
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    png, info = tmp_path / f"{theme}-{scale}.png", tmp_path / f"{theme}-{scale}.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("JACVIZ_THEME", None)
    env.pop("QT_SCALE_FACTOR", None)
    if scale is not None:
        env["QT_SCALE_FACTOR"] = str(scale)
    if not png.exists():  # one child process per theme and ratio, however often it is looked at
        done = subprocess.run([sys.executable, str(PROBE), theme, str(png), str(info)], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB888)
    if size is not None:
        image = image.scaled(*size, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    width, height = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(height, image.bytesPerLine())
    pixels = pixels[:, : width * 3].reshape(height, width, 3).astype(int)
    return pixels, json.loads(info.read_text())


def _area(pixels, rect, dpr=1.0):
    x, y, w, h = (round(v * dpr) for v in rect)
    return pixels[y + 4: y + h - 4, x + 4: x + w - 4]


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_the_plots_follow_the_desktop_palette(app, tmp_path, theme):
    pixels, seen = render(tmp_path, theme)
    assert seen["dark"] is (theme == "dark")
    plot = _area(pixels, seen["codomain_plot"], seen["dpr"])
    lightness = plot.mean(axis=2)
    background = np.median(lightness)  # most of the codomain is background between grid lines
    numbers = np.median(_area(pixels, seen["readout_numbers"], seen["dpr"]).mean(axis=2))
    if theme == "dark":
        assert background < 60 and numbers < 80
        # the fold's image is drawn in near-white on the dark background: there, and plenty
        assert (plot.min(axis=2) > 225).sum() > 200
    else:
        assert background > 230 and numbers > 200
        assert (plot.max(axis=2) < 40).sum() > 200  # the fold's image in near-black
