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
from jacviz.core.figure.primitives import Figure
from jacviz.core.figure.spec import THEMES, VIEWS, FigureOptions, FigureSpec

# The layout and the SVG writer load on first use (PEP 562): the window imports this package
# for its colour maps and print options at start-up, and laying out a figure is only needed
# when one is exported (their imports were ~70 ms of a cold start).
_LAZY = {"default_size": "layout", "layout_figure": "layout", "svg_text": "svg", "write_svg": "svg"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"jacviz.core.figure.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "COLORMAPS", "DEFAULT_COLORMAP", "DET_COLORMAPS", "FORMATS", "THEMES", "VIEWS", "Colormap", "Figure",
    "FigureOptions", "FigureSpec", "default_size", "export_svg", "format_for", "heatmap_colormap",
    "layout_figure", "svg_text", "write_atomically", "write_svg",
]


def export_svg(spec: FigureSpec, path, *, view: str = "both", size: tuple[int, int] | None = None):
    """Lay ``spec`` out and write it as SVG at ``path`` (atomically); no Qt needed."""
    from jacviz.core.figure.layout import layout_figure
    from jacviz.core.figure.svg import write_svg

    fig = layout_figure(spec, view, size)
    return write_atomically(path, "svg", lambda tmp: write_svg(fig, tmp))
