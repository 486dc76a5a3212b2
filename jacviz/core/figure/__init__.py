"""Figures drawn from data: what a figure shows, where everything goes, and SVG written by hand.

A :class:`~.spec.FigureSpec` (the scene, the views' rectangles, the cursor's linearization, the
pins, the readout's text, the print options) is laid out by :func:`~.layout.layout_figure`
into a :class:`~.primitives.Figure`: a short list of strokes, shapes, images, gradients and
text in the figure's pixels. :func:`~.svg.svg_text` writes it as SVG; the QPainter backend
(``jacviz.ui.figure_painter``) draws the same list for PNG, JPEG and PDF. Colour maps for
print live in :mod:`.colormaps`. Nothing here imports Qt.
"""

from __future__ import annotations

from jacviz.core.figure.colormaps import (
    COLORMAPS,
    DEFAULT_COLORMAP,
    DET_COLORMAPS,
    Colormap,
    heatmap_colormap,
)
from jacviz.core.figure.files import FORMATS, format_for, write_atomically
from jacviz.core.figure.layout import default_size, layout_figure
from jacviz.core.figure.primitives import Figure
from jacviz.core.figure.spec import THEMES, VIEWS, FigureOptions, FigureSpec
from jacviz.core.figure.svg import svg_text, write_svg

__all__ = [
    "COLORMAPS", "DEFAULT_COLORMAP", "DET_COLORMAPS", "FORMATS", "THEMES", "VIEWS", "Colormap", "Figure",
    "FigureOptions", "FigureSpec", "default_size", "export_svg", "format_for", "heatmap_colormap",
    "layout_figure", "svg_text", "write_atomically", "write_svg",
]


def export_svg(spec: FigureSpec, path, *, view: str = "both", size: tuple[int, int] | None = None):
    """Lay ``spec`` out and write it as SVG at ``path`` (atomically); no Qt needed."""
    fig = layout_figure(spec, view, size)
    return write_atomically(path, "svg", lambda tmp: write_svg(fig, tmp))
