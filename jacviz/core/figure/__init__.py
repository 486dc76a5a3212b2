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

# Everything but the colour maps loads on first use (PEP 562): the window imports the colour
# maps at start-up, and the print options, the figure's primitives, the layout and the SVG
# writer are needed only once a figure is exported or its options are read (their imports
# were ~80 ms of a cold start, python -m jacviz.bench).
_LAZY = {
    "FORMATS": "files", "format_for": "files", "write_atomically": "files",
    "Figure": "primitives",
    "THEMES": "spec", "VIEWS": "spec", "FigureOptions": "spec", "FigureSpec": "spec",
    "default_size": "layout", "layout_figure": "layout", "svg_text": "svg", "write_svg": "svg",
}


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


def export_svg(spec, path, *, view: str = "both", size: tuple[int, int] | None = None):
    """Lay ``spec`` out and write it as SVG at ``path`` (atomically); no Qt needed."""
    from jacviz.core.figure.files import write_atomically
    from jacviz.core.figure.layout import layout_figure
    from jacviz.core.figure.svg import write_svg

    fig = layout_figure(spec, view, size)
    return write_atomically(path, "svg", lambda tmp: write_svg(fig, tmp))
