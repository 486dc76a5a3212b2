"""The drawing primitives a figure is made of, in the figure's pixels (origin top left, y down).

A :class:`Figure` is a short list of these: polylines with a stroke (never filled), filled
shapes, images, vertical gradients and text, each optionally clipped to one of the
figure's named rectangles. Every backend (the SVG writer here, the QPainter backend in
``jacviz.ui.figure_painter``) draws exactly this list, so the formats agree by
construction rather than by what a renderer forgives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class Box:
    """A rectangle in figure pixels: left, top, width, height."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)

    def grown(self, d: float) -> Box:
        return Box(self.x - d, self.y - d, self.w + 2 * d, self.h + 2 * d)

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.right and self.y <= y <= self.bottom


@dataclass(frozen=True)
class Stroke:
    """A pen: colour with alpha, width and an optional dash pattern, all in pixels."""

    color: RGBA
    width: float
    dash: tuple[float, ...] = ()


@dataclass(frozen=True)
class Polyline:
    """Open polylines drawn with one stroke and no fill (one SVG ``<path>``).

    ``runs`` are (n, 2) arrays of at least two points each, free of NaN and of repeated
    points: the layout splits curves at their breaks before they get here.
    """

    runs: tuple[np.ndarray, ...]
    stroke: Stroke
    clip: str | None = None


@dataclass(frozen=True)
class Shape:
    """A closed polygon or a circle (``radius`` set, ``points`` its centre), filled and/or stroked."""

    points: np.ndarray
    fill: RGBA | None = None
    stroke: Stroke | None = None
    radius: float | None = None
    clip: str | None = None


@dataclass(frozen=True)
class Image:
    """An RGBA image (rows top to bottom) stretched over ``box``; smooth between samples."""

    box: Box
    rgba: np.ndarray  # (rows, cols, 4) uint8, straight (not premultiplied) alpha
    clip: str | None = None
    role: str = "heatmap"


@dataclass(frozen=True)
class Gradient:
    """A rectangle filled with a vertical gradient: ``stops`` from the bottom (0) to the top (1)."""

    box: Box
    stops: tuple[tuple[float, tuple[int, int, int]], ...]
    stroke: Stroke | None = None


@dataclass(frozen=True)
class Text:
    """One line of text; (x, y) is on its baseline, at its start, middle or end (``anchor``).

    ``rotation`` in degrees, counter-clockwise, about (x, y).
    """

    x: float
    y: float
    text: str
    size: float  # pixels
    color: RGBA
    anchor: str = "start"  # start | middle | end
    rotation: float = 0.0
    bold: bool = False
    mono: bool = False
    clip: str | None = None


SANS = ("DejaVu Sans", "Arial", "sans-serif")
MONO = ("DejaVu Sans Mono", "Consolas", "Menlo", "monospace")


@dataclass(frozen=True)
class PlotFrame:
    """A plot area: its box in pixels and the data rectangle it shows (equal scales)."""

    box: Box
    rect: tuple[float, float, float, float]  # x0, x1, y0, y1 in data units

    def to_px(self, points: np.ndarray) -> np.ndarray:
        """Data (n, 2) -> figure pixels (n, 2); NaN stays NaN."""
        x0, x1, y0, y1 = self.rect
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        sx = self.box.w / (x1 - x0)
        sy = self.box.h / (y1 - y0)
        return np.stack([self.box.x + (pts[:, 0] - x0) * sx, self.box.bottom - (pts[:, 1] - y0) * sy], axis=1)

    def to_data(self, px: float, py: float) -> tuple[float, float]:
        """Figure pixels -> data coordinates (the inverse of :meth:`point`)."""
        x0, x1, y0, y1 = self.rect
        return (x0 + (px - self.box.x) / self.box.w * (x1 - x0),
                y0 + (self.box.bottom - py) / self.box.h * (y1 - y0))

    def point(self, x: float, y: float) -> tuple[float, float]:
        px = self.to_px(np.array([[x, y]]))[0]
        return float(px[0]), float(px[1])


Primitive = Polyline | Shape | Image | Gradient | Text


@dataclass
class Figure:
    """A finished figure: its size in pixels, what to draw, and where its plots are.

    ``clips`` names the rectangles that primitives are clipped to; ``frames`` maps
    "domain", "codomain" and "lens" to their plot areas and data rectangles (for tests, and
    for anyone who wants to find a data point in the picture); ``regions`` holds other
    boxes of the layout ("colorbar", "readout", "lens_box").
    """

    width: int
    height: int
    background: tuple[int, int, int] | None  # None: transparent
    items: list[Primitive] = field(default_factory=list)
    clips: dict[str, Box] = field(default_factory=dict)
    frames: dict[str, PlotFrame] = field(default_factory=dict)
    regions: dict[str, Box] = field(default_factory=dict)
    dpi: float | None = None
    title: str = "jacviz"
    description: str = ""
