"""Correct and sharp at device pixel ratios 1, 1.5 and 2 (QT_SCALE_FACTOR): the window drawn at
a higher ratio, brought back to the logical size, is the same picture; and it has the detail of
a real high-resolution drawing, not of the 1× picture blown up."""

from __future__ import annotations

import numpy as np
import pytest
from test_themes import render

LOGICAL = (1280, 720)


def _crop(pixels, rect, ratio=1.0):
    x, y, w, h = (round(v * ratio) for v in rect)
    return pixels[y: y + h, x: x + w]


def _detail(pixels) -> float:
    """Mean step between neighbouring pixels: text and lines drawn at full resolution have more."""
    return float(np.abs(np.diff(pixels.mean(axis=2), axis=1)).mean())


@pytest.mark.parametrize("ratio", [1.5, 2.0])
def test_the_window_is_the_same_picture_and_sharp_at_a_higher_pixel_ratio(app, tmp_path, ratio):
    base, seen = render(tmp_path, "light", 1)
    assert base.shape == (LOGICAL[1], LOGICAL[0], 3) and seen["dpr"] == 1.0

    sharp, seen_hi = render(tmp_path, "light", ratio)
    assert seen_hi["dpr"] == ratio
    assert sharp.shape == (round(LOGICAL[1] * ratio), round(LOGICAL[0] * ratio), 3)
    assert seen_hi["codomain_plot"] == seen["codomain_plot"]  # the same layout, in logical pixels

    back, _ = render(tmp_path, "light", ratio, size=LOGICAL)
    difference = np.abs(back - base)
    assert difference.mean() < 10  # antialiasing and hinting differ a little; the picture does not
    heatmap = _crop(difference, seen["domain_plot"])  # the det J colours, from the same samples
    assert np.median(heatmap) <= 3

    blown_up, _ = render(tmp_path, "light", 1, size=(sharp.shape[1], sharp.shape[0]))
    numbers = seen["readout_numbers"]
    assert _detail(_crop(sharp, numbers, ratio)) > 1.2 * _detail(_crop(blown_up, numbers, ratio))
