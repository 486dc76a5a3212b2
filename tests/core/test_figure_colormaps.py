"""The colour maps for print: centred on det J = 0, warm above, cool below, uniform, colour-blind safe."""

import numpy as np
import pytest

from jacviz.core.figure.colormaps import COLORMAPS, DEFAULT_COLORMAP, DET_COLORMAPS, heatmap_colormap


def _linear(rgb: np.ndarray) -> np.ndarray:
    c = np.asarray(rgb, dtype=float) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB colours, from the published formulas."""
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = _linear(rgb) @ m.T / np.array([0.95047, 1.0, 1.08883])
    eps = (6 / 29) ** 3
    f = np.where(xyz > eps, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    fx, fy, fz = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], axis=-1)


# Machado, Oliveira and Fernandes (2009), severity 1.0, applied to linear RGB.
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])


def _simulate(rgb: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    lin = np.clip(_linear(rgb) @ matrix.T, 0, 1)
    srgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return srgb * 255


def test_the_default_is_a_diverging_map_for_det():
    assert DEFAULT_COLORMAP == "vik"
    assert set(DET_COLORMAPS) == {"vik", "coolwarm"}
    assert heatmap_colormap("det").name == "vik"
    assert heatmap_colormap("sign", "coolwarm").name == "coolwarm"
    assert heatmap_colormap("log", "coolwarm").name == "log"
    assert heatmap_colormap("linerr").name == "linerr"
    with pytest.raises(KeyError):
        heatmap_colormap("det", "jet")


@pytest.mark.parametrize("name", DET_COLORMAPS)
def test_warm_above_zero_cool_below_and_lightest_at_zero(name):
    cmap = COLORMAPS[name]
    levels = (-5.0, 5.0)
    values = np.linspace(-5, 5, 41)
    rgb = cmap.rgba(values, levels)[:, :3].astype(int)
    above, below = rgb[values > 0.5], rgb[values < -0.5]
    assert (above[:, 0] > above[:, 2] + 10).all()  # red above the fold
    assert (below[:, 2] > below[:, 0] + 10).all()  # blue below
    lightness = _lab(rgb)[:, 0]
    assert np.argmax(lightness) in (19, 20, 21)  # the middle, det J = 0
    # darker step by step away from 0 on both sides
    assert (np.diff(lightness[20:]) < 0.5).all() and (np.diff(lightness[:21]) > -0.5).all()


def test_vik_is_perceptually_even():
    """Equal steps in det J give nearly equal steps in lightness on each side of 0."""
    cmap = COLORMAPS["vik"]
    t = np.linspace(0, 1, 65)
    lightness = _lab(cmap.rgb(t))[:, 0]
    steps = np.abs(np.diff(lightness))
    assert steps.max() < 1.6 * np.median(steps)
    # and the two sides are nearly as light as each other at equal |det J| (vik's warm half
    # is a little lighter by design; the window's old map differs by as much)
    assert np.abs(lightness - lightness[::-1]).max() < 10.0
    # the old red/blue map, by comparison, is far from even
    old = np.abs(np.diff(_lab(COLORMAPS["coolwarm"].rgb(t))[:, 0]))
    assert old.max() > 1.6 * np.median(old)


@pytest.mark.parametrize("matrix", [DEUTERANOPIA, PROTANOPIA], ids=["deuteranopia", "protanopia"])
def test_vik_keeps_the_two_signs_apart_for_colour_blind_readers(matrix):
    cmap = COLORMAPS["vik"]
    for level in (0.3, 0.6, 1.0):
        warm = _lab(_simulate(cmap.rgb(0.5 + level / 2), matrix))
        cool = _lab(_simulate(cmap.rgb(0.5 - level / 2), matrix))
        # the same lightness, so what tells them apart is the hue that survives
        assert np.linalg.norm(warm - cool) > 25 * level


def test_rgba_maps_levels_and_makes_nan_transparent():
    cmap = COLORMAPS["vik"]
    values = np.array([[-10.0, -2.0, 0.0], [2.0, 10.0, np.nan]])
    out = cmap.rgba(values, (-2.0, 2.0))
    assert out.shape == (2, 3, 4) and out.dtype == np.uint8
    assert tuple(out[0, 0, :3]) == cmap.colors[0] == tuple(out[0, 1, :3])  # clipped below
    assert tuple(out[1, 1, :3]) == cmap.colors[-1] == tuple(out[1, 0, :3])  # clipped above
    assert tuple(out[0, 2, :3]) == cmap.colors[len(cmap.colors) // 2]  # 0 is the middle stop
    assert out[1, 2, 3] == 0 and (out[..., 3].ravel()[:5] == 255).all()
    assert cmap.color_at(0.0, (-1.0, 1.0)) == cmap.colors[16]


def test_every_map_is_well_formed():
    for cmap in COLORMAPS.values():
        assert len(cmap.stops) == len(cmap.colors) >= 2
        assert cmap.stops[0] == 0.0 and cmap.stops[-1] == 1.0
        assert np.all(np.diff(cmap.stops) > 0)
        assert all(0 <= c <= 255 for col in cmap.colors for c in col)
