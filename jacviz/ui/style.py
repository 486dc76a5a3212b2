"""Colours and pens shared by the views, the colour bar and exported images.

One family of grid lines (x = const, "vertical") and everything that belongs to it (the
arrow J·e₂ that is tangent to its images) is drawn in one colour, the other family
(y = const) and J·e₁ in another, so the eye can follow a line from the domain to the
codomain. Colours are chosen to stay distinct for the common forms of colour blindness.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from jacviz.core.figure.colormaps import COLORMAPS, DEFAULT_COLORMAP, heatmap_colormap

# The heatmap's colour maps are the figure layer's (jacviz.core.figure.colormaps), so the
# window and every export show the same colours: by default Crameri's vik for det J
# (perceptually uniform and readable with colour-blindness: warm where orientation is
# kept, blue where it is reversed, light at 0), ColorBrewer's PRGn for log10|det J|.
VERTICAL = (94, 60, 153)  # lines x = const, and J·e2
HORIZONTAL = (230, 97, 1)  # lines y = const, and J·e1
CRITICAL = (20, 20, 20)
TRUE_IMAGE = (0, 0, 0)
LINEAR_IMAGE = (216, 27, 96)
AXES = (0, 114, 178)
PIN = (0, 158, 115)
BACKGROUND = (255, 255, 255)
FOREGROUND = (40, 40, 40)
INK = (0, 0, 0)  # the outline of markers (the cursor, iterates)
PAPER = (255, 255, 255)  # the fill of markers and the lens's background
FRAME = (153, 153, 153)  # the lens's border



def _pg(colormap) -> pg.ColorMap:
    return pg.ColorMap(np.asarray(colormap.stops), np.asarray(colormap.colors, dtype=np.ubyte),
                       name=f"jacviz-{colormap.name}")


def det_colormap(name: str = DEFAULT_COLORMAP) -> pg.ColorMap:
    return _pg(COLORMAPS[name])


def colormap_for(mode: str, det_name: str = DEFAULT_COLORMAP) -> pg.ColorMap:
    return _pg(heatmap_colormap(mode, det_name))


# The laboratory tools
REGION = (255, 193, 7)  # the region R and its image
FOLD = (255, 214, 0)  # where F reverses orientation inside R / where F(R) is covered twice
TANGENT = (0, 150, 60)  # v and J·v
COVECTOR = (0, 90, 200)  # g and Jᵀ·g
GRADIENT = (120, 120, 120)  # ∇L and ∇(L∘F)
PREIMAGE = (200, 0, 120)


# The plots' colours on a dark desktop: the same roles, lightened where a colour would sink
# into the dark background (the heatmap's colour maps stay: they are an image, and the
# same map must mean the same thing in the window and in an exported figure).
DARK = {
    "BACKGROUND": (30, 30, 32), "FOREGROUND": (222, 222, 222), "INK": (235, 235, 235),
    "PAPER": (45, 45, 48), "FRAME": (110, 110, 110), "CRITICAL": (245, 245, 245),
    "TRUE_IMAGE": (255, 255, 255), "VERTICAL": (178, 171, 210), "HORIZONTAL": (253, 174, 97),
    "LINEAR_IMAGE": (255, 110, 160), "AXES": (86, 180, 233), "COVECTOR": (100, 170, 255),
    "GRADIENT": (170, 170, 170), "PREIMAGE": (255, 90, 190),
}
LIGHT = {name: globals()[name] for name in DARK}
dark = False  # which of the two is in use; see use_theme


def is_dark_palette(palette) -> bool:
    """True for a palette whose window background is dark (the desktop's dark mode)."""
    from PySide6.QtGui import QPalette

    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def use_theme(dark_theme: bool) -> None:
    """Use the plots' dark or light colours for every view made from now on.

    Called once, when the application starts (jacviz.ui.app.make_application), from the
    desktop's palette: the views read these names when they are made. Exports keep the
    figure layer's own light colours, which are what papers and slides want.
    """
    global dark
    dark = bool(dark_theme)
    globals().update(DARK if dark else LIGHT)


def pen(color, width: float = 1.0, alpha: int = 255, style=None) -> pg.QtGui.QPen:
    p = pg.mkPen((*color, alpha), width=width)
    p.setCosmetic(True)
    if style is not None:
        p.setStyle(style)
    return p
