"""How an equilibrium is drawn: one glyph per type, the same in the window and in figures.

Filled means stable, open means unstable, as in the phase portraits of textbooks; the shape
says the type: a cross for a saddle, a disc for a node, a spiral for a spiral, a ring with
a dot for a centre, a square for a degenerate equilibrium. The colours are Okabe & Ito's
(2008), distinct under the common colour-vision deficiencies (:mod:`.theme`).

Shapes are given in units of the glyph's size, centred on 0, with y pointing down as on a
screen: the window's vector field tool (jacviz.ui.tools.vectorfield.glyphs) builds Qt paths
from them, and :mod:`.layout` draws them as polylines and shapes in exported figures.

The eigenvalue labels next to the glyphs are placed here too (:func:`place_labels`), by one
rule for the window and for figures: each caller measures its own labels (Qt's font metrics,
or the figure's text widths), so the two leave out about the same ones where they would
overlap, not always exactly the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jacviz.core.figure.theme import CENTRE, DEGENERATE, OUTLINE, RGB, SADDLE, STABLE, UNSTABLE, WHITE

SIZE = 17.0  # pixels, in the window's view at scale 1
CROSS_HALF, CROSS_WIDTH = 0.36, 0.2  # each arm from -half to +half, as a stroke this wide
SPIRAL_TURNS, SPIRAL_INNER, SPIRAL_OUTER, SPIRAL_WIDTH = 1.75, 0.06, 0.42, 0.15
RING_RADIUS, RING_WIDTH, DOT_RADIUS = 0.36, 0.13, 0.1
DISC_RADIUS = 0.5  # pyqtgraph's "o" and "s" symbols fill the unit square
SQUARE_HALF = 0.5

# Eigenvalue labels: at most this many in a view; each box's height in pixels at scale 1
# (the window's 8 pt label with its padding), and its gap from the point as a fraction of
# its width (the window's TextItem anchor -0.08 or 1.08)
MAX_LABELS = 30
LABEL_HEIGHT_PX = 16.0
LABEL_GAP = 0.08


@dataclass(frozen=True)
class GlyphStyle:
    """A glyph: its ``shape`` (cross, disc, spiral, ring or square), fill and outline colours,
    and the outline's width in pixels."""

    shape: str
    fill: RGB
    outline: RGB
    outline_width: float


# by the value of jacviz.core.lab.dynamics.Kind
GLYPHS: dict[str, GlyphStyle] = {
    "saddle": GlyphStyle("cross", SADDLE, WHITE, 0.8),
    "stable node": GlyphStyle("disc", STABLE, OUTLINE, 1.2),
    "unstable node": GlyphStyle("disc", WHITE, UNSTABLE, 2.5),
    "stable spiral": GlyphStyle("spiral", STABLE, WHITE, 0.6),
    "unstable spiral": GlyphStyle("spiral", UNSTABLE, WHITE, 0.6),
    "centre": GlyphStyle("ring", CENTRE, WHITE, 0.6),
    "degenerate": GlyphStyle("square", DEGENERATE, OUTLINE, 1.2),
}


def glyph_style(kind) -> GlyphStyle:
    """The style of an equilibrium of type ``kind`` (a Kind or its value)."""
    return GLYPHS.get(str(kind), GLYPHS["degenerate"])


def cross_arms() -> tuple[np.ndarray, np.ndarray]:
    """The saddle's two arms, each a (2, 2) segment."""
    h = CROSS_HALF
    return np.array([[-h, -h], [h, h]]), np.array([[-h, h], [h, -h]])


def spiral_points(n: int = 60) -> np.ndarray:
    """The spiral as an (n, 2) polyline from the centre out, turning anticlockwise on screen."""
    t = np.linspace(0.0, 1.0, n)
    r = SPIRAL_INNER + (SPIRAL_OUTER - SPIRAL_INNER) * t
    a = 2 * math.pi * SPIRAL_TURNS * t
    return np.stack([r * np.cos(a), -r * np.sin(a)], axis=1)


def square_corners() -> np.ndarray:
    h = SQUARE_HALF
    return np.array([[-h, -h], [h, -h], [h, h], [-h, h]])


def place_labels(points_px: Sequence[tuple[float, float]], widths_px: Sequence[float],
                 limit: int = MAX_LABELS, height_px: float = LABEL_HEIGHT_PX,
                 right: float | None = None) -> list[tuple[int, bool]]:
    """The labels to draw, in order, as (index, on the left).

    Label i is a box ``widths_px[i]`` wide and ``height_px`` high whose bottom is at its
    point's y (pixels, y down). It sits right of the point, a gap of :data:`LABEL_GAP` of its
    width away, or left of it where it would pass ``right`` (the view's right edge) and fits
    on the left. One that would cover a label already placed is left out (every equilibrium
    is listed in the panel anyway), as is every label past ``limit``."""
    taken: list[tuple[float, float, float, float]] = []
    chosen: list[tuple[int, bool]] = []
    for i, ((px, py), width) in enumerate(zip(points_px, widths_px, strict=True)):
        if len(chosen) >= limit:
            break
        if not (math.isfinite(px) and math.isfinite(py)):
            continue
        gap = LABEL_GAP * width
        left = right is not None and px + gap + width > right and px - gap - width >= 0
        x0 = px - gap - width if left else px + gap
        box = (x0, py - height_px, x0 + width, py)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken):
            continue
        taken.append(box)
        chosen.append((i, left))
    return chosen
