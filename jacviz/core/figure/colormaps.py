"""Colour maps for the heatmap and its colour bar, as data: stops and sRGB colours.

Qt-free, so the figure writers, the tests and (later) the window's ``style.py`` share one
table. A map is piecewise linear in sRGB between its stops; the SVG colour bar is a
``<linearGradient>`` with the same stops, so bar and heatmap agree exactly.

Maps for det J (and its sign) are diverging and centred on det J = 0: the middle of the map
is the level 0, warm colours are det J > 0 (orientation kept), cool ones det J < 0
(orientation reversed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Colormap:
    """A colour map: ``colors[k]`` (sRGB, 0–255) at ``stops[k]`` (0 to 1, increasing)."""

    name: str
    stops: tuple[float, ...]
    colors: tuple[tuple[int, int, int], ...]
    title: str  # what a person calls it, for menus and help

    def rgb(self, t: np.ndarray) -> np.ndarray:
        """Colours (..., 3) as floats 0–255 at positions ``t`` in [0, 1] (clipped)."""
        t = np.clip(np.asarray(t, dtype=float), 0.0, 1.0)
        table = np.asarray(self.colors, dtype=float)
        stops = np.asarray(self.stops, dtype=float)
        return np.stack([np.interp(t, stops, table[:, k]) for k in range(3)], axis=-1)

    def rgba(self, values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
        """An (..., 4) uint8 image of ``values`` mapped over ``levels``; NaN is transparent.

        Values below the low level take the first colour, above the high level the last,
        as pyqtgraph's ImageItem does in the window.
        """
        values = np.asarray(values, dtype=float)
        lo, hi = float(levels[0]), float(levels[1])
        span = hi - lo if hi > lo else 1.0
        finite = np.isfinite(values)
        with np.errstate(invalid="ignore"):
            t = np.where(finite, (values - lo) / span, 0.0)
        out = np.empty((*values.shape, 4), dtype=np.uint8)
        out[..., :3] = np.rint(self.rgb(t)).astype(np.uint8)
        out[..., 3] = np.where(finite, 255, 0)
        out[~finite, :3] = 0
        return out

    def color_at(self, value: float, levels: tuple[float, float]) -> tuple[int, int, int]:
        """The colour one value gets (what a test expects at a pixel)."""
        return tuple(int(c) for c in self.rgba(np.array([value]), levels)[0, :3])  # type: ignore[return-value]


def _even(colors) -> tuple[float, ...]:
    return tuple(float(s) for s in np.linspace(0.0, 1.0, len(colors)))


# Crameri's "vik" (Scientific colour maps 8.0: F. Crameri, doi:10.5281/zenodo.8035877; the
# design in F. Crameri, G. E. Shephard and P. J. Heron, "The misuse of colour in science
# communication", Nature Communications 11, 5444 (2020)): perceptually uniform and readable
# with the common colour-vision deficiencies. These are 33 even samples of its central 80 %
# (positions 25.5 to 229.5 of the 256-entry table shipped as cmcrameri's vik.txt, MIT
# licence): the darkest ends are left out so that the grid drawn over the heatmap stays
# readable, as the window's map is lightened for the same reason. A sub-range of a
# uniform map is still uniform, and its middle is still the middle: det J = 0.
_VIK = (
    (2, 58, 122), (3, 68, 129), (4, 78, 135), (8, 88, 142), (17, 100, 150), (31, 112, 158),
    (47, 124, 166), (66, 138, 175), (86, 151, 184), (106, 164, 193), (126, 176, 201),
    (146, 189, 210), (167, 201, 218), (187, 213, 226), (207, 224, 232), (224, 230, 233),
    (236, 229, 225),
    (238, 221, 211), (235, 209, 194), (230, 196, 177), (225, 184, 160), (220, 171, 143),
    (215, 159, 127), (210, 147, 111), (205, 136, 96), (200, 125, 81), (195, 114, 67),
    (190, 102, 52), (183, 90, 38), (174, 75, 24), (161, 60, 12), (147, 46, 6), (134, 35, 6),
)

# K. Moreland, "Diverging Color Maps for Scientific Visualization" (ISVC 2009), the
# "cool to warm" map at five stops, lightened a little: the window's map until now.
_COOLWARM = ((59, 76, 192), (141, 176, 254), (247, 247, 247), (244, 154, 123), (180, 4, 38))

# log10|det J|: ColorBrewer's PRGn (C. Brewer, colorbrewer2.org, marked colour-blind safe)
# at five classes: purple where area shrinks, white where it is kept, green where it grows.
_LOG = ((118, 42, 131), (175, 141, 195), (247, 247, 247), (127, 191, 123), (27, 120, 55))

# Linearization error, sequential from 0: white where the linear picture is exact, then
# ColorBrewer OrRd's orange and red to dark red where it fails.
_LINERR_STOPS = (0.0, 0.35, 0.7, 1.0)
_LINERR = ((255, 255, 255), (253, 187, 132), (227, 74, 51), (127, 0, 0))

COLORMAPS: dict[str, Colormap] = {
    "vik": Colormap("vik", _even(_VIK), _VIK, "diverging, colour-blind safe (Crameri vik)"),
    "coolwarm": Colormap("coolwarm", _even(_COOLWARM), _COOLWARM, "red/blue (Moreland cool to warm)"),
    "log": Colormap("log", _even(_LOG), _LOG, "purple/green (ColorBrewer PRGn)"),
    "linerr": Colormap("linerr", _LINERR_STOPS, _LINERR, "white to dark red (ColorBrewer OrRd)"),
}
DET_COLORMAPS = ("vik", "coolwarm")  # the choices for det J and its sign
DEFAULT_COLORMAP = "vik"


# Classes of a network (the "classes" heatmap mode): Okabe and Ito's palette ("Color
# Universal Design", 2002, distinct for the common colour-vision deficiencies), mixed 35 %
# with white so that the grid and the boundaries drawn over it stay readable.
_CLASSES = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66), (0, 114, 178),
            (213, 94, 0), (204, 121, 167), (153, 153, 153))
_CLASS_STEP = 1e-6  # the width of the jump between two classes' bands, in map position


def class_color(index: int) -> tuple[int, int, int]:
    """The colour of class ``index`` (the palette repeats after eight classes)."""
    r, g, b = _CLASSES[int(index) % len(_CLASSES)]
    return tuple(round(0.65 * c + 0.35 * 255) for c in (r, g, b))  # type: ignore[return-value]


def categorical_colormap(k: int) -> Colormap:
    """k bands of constant colour over [0, 1]: class i fills [i/k, (i+1)/k), drawn at levels
    (−0.5, k − 0.5), so the value i falls in the middle of its band."""
    k = max(int(k), 1)
    stops, colors = [], []
    for i in range(k):
        lo, hi = i / k, (i + 1) / k
        stops += [lo if i == 0 else lo + _CLASS_STEP, hi]
        colors += [class_color(i)] * 2
    return Colormap(f"classes{k}", tuple(stops), tuple(colors), "one colour per class (Okabe–Ito)")


def scale_colormap(scale, mode: str, det_colormap: str = DEFAULT_COLORMAP) -> Colormap:
    """The map a drawn :class:`~jacviz.core.sampling.heatmap.HeatmapScale` needs: one band per
    class for a categorical scale, else the mode's map."""
    if scale is not None and scale.kind == "categorical":
        return categorical_colormap(round(scale.levels[1] + 0.5))
    return heatmap_colormap(mode, det_colormap)


def heatmap_colormap(mode: str, det_colormap: str = DEFAULT_COLORMAP) -> Colormap:
    """The map a heatmap mode is drawn with; ``det_colormap`` is used for det J and its sign."""
    if mode == "log":
        return COLORMAPS["log"]
    if mode == "linerr":
        return COLORMAPS["linerr"]
    if det_colormap not in DET_COLORMAPS:
        raise KeyError(det_colormap)
    return COLORMAPS[det_colormap]
