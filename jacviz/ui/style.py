"""Colours and pens shared by the views, the colour bar and exported images.

One family of grid lines (x = const, "vertical") and everything that belongs to it (the
arrow J·e₂ that is tangent to its images) is drawn in one colour, the other family
(y = const) and J·e₁ in another, so the eye can follow a line from the domain to the
codomain. Colours are chosen to stay distinct for the common forms of colour blindness.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

# Diverging map for det J: blue where orientation is reversed (det < 0), white at 0,
# red where it is kept (det > 0). Stops follow K. Moreland's "cool to warm" map, lightened
# a little so that the grid drawn on top stays readable.
DET_STOPS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
DET_COLORS = np.array([
    (59, 76, 192), (141, 176, 254), (247, 247, 247), (244, 154, 123), (180, 4, 38),
], dtype=np.ubyte)
# log10|det J|: purple where area shrinks, white where it is kept, green where it grows.
LOG_COLORS = np.array([
    (118, 42, 131), (175, 141, 195), (247, 247, 247), (127, 191, 123), (27, 120, 55),
], dtype=np.ubyte)

# Linearization error: white where the linear picture is exact, dark red where it fails.
LINERR_STOPS = np.array([0.0, 0.35, 0.7, 1.0])
LINERR_COLORS = np.array([(255, 255, 255), (253, 187, 132), (227, 74, 51), (127, 0, 0)], dtype=np.ubyte)

VERTICAL = (94, 60, 153)  # lines x = const, and J·e2
HORIZONTAL = (230, 97, 1)  # lines y = const, and J·e1
CRITICAL = (20, 20, 20)
TRUE_IMAGE = (0, 0, 0)
LINEAR_IMAGE = (216, 27, 96)
AXES = (0, 114, 178)
PIN = (0, 158, 115)
BACKGROUND = "w"
FOREGROUND = (40, 40, 40)


def det_colormap() -> pg.ColorMap:
    return pg.ColorMap(DET_STOPS, DET_COLORS, name="jacviz-det")


def log_colormap() -> pg.ColorMap:
    return pg.ColorMap(DET_STOPS, LOG_COLORS, name="jacviz-log")


def colormap_for(mode: str) -> pg.ColorMap:
    if mode == "linerr":
        return pg.ColorMap(LINERR_STOPS, LINERR_COLORS, name="jacviz-linerr")
    return log_colormap() if mode == "log" else det_colormap()


# The laboratory tools
REGION = (255, 193, 7)  # the region R and its image
FOLD = (255, 214, 0)  # where F reverses orientation inside R / where F(R) is covered twice
TANGENT = (0, 150, 60)  # v and J·v
COVECTOR = (0, 90, 200)  # g and Jᵀ·g
GRADIENT = (120, 120, 120)  # ∇L and ∇(L∘F)
PREIMAGE = (200, 0, 120)


def pen(color, width: float = 1.0, alpha: int = 255, style=None) -> pg.QtGui.QPen:
    p = pg.mkPen((*color, alpha), width=width)
    p.setCosmetic(True)
    if style is not None:
        p.setStyle(style)
    return p
