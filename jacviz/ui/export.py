"""Exporting what the window shows: PNG, JPEG, SVG or PDF, the whole figure or one view.

A figure is drawn from data, not by rendering widgets: :func:`window_figure` reads the
window's state (the drawn scene, both views' rectangles, the cursor, the pins, the readout's
numbers and formulas) into a :class:`~jacviz.core.figure.spec.FigureSpec`, and the figure
layer lays it out and writes every format from one list of primitives
(:func:`jacviz.ui.figure_painter.export_figure`). So the SVG, the PDF and the PNG show the
same picture, and other programs draw the SVG as Qt does. Files are written to a temporary
file in the same folder, checked, and then renamed over the target.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication, QImage

from jacviz.core.errors import ExportError, UsageError
from jacviz.core.figure import FORMATS, FigureOptions, FigureSpec
from jacviz.core.figure.build import at_cursor, formula_lines, network_at_cursor, pin_images
from jacviz.core.language.names import image_names

VIEWS = ("both", "domain", "codomain")
MAX_PIXELS = 16384  # per side
MAX_AREA = 120_000_000  # pixels in one image (about 11000 × 11000): above it the memory is refused up front


def parse_size(text: str) -> tuple[int, int]:
    """'1920x1080' -> (1920, 1080); anything else is a clear error."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise UsageError(f"size '{text}' must be WIDTHxHEIGHT in pixels, such as 1920x1080") from None
    _check_sides(w, h)
    return w, h


def _check_sides(w: int, h: int) -> None:
    if not (16 <= w <= MAX_PIXELS and 16 <= h <= MAX_PIXELS):
        raise UsageError(f"an exported image must be between 16 and {MAX_PIXELS} pixels on each side")


def check_size(w: int, h: int, frames: int = 1, fmt: str | None = None) -> None:
    """Refuse an image (or an animation of ``frames``) too large to hold in memory, before drawing it.

    A PNG (``fmt="png"``) is drawn and written in bands (``figure_painter.write_png_in_bands``),
    so any size up to MAX_PIXELS a side fits; JPEG, GIF frames and the clipboard need the whole
    image at once and keep the MAX_AREA budget.
    """
    _check_sides(w, h)
    if not (fmt == "png" and frames == 1) and w * h * frames > MAX_AREA:
        what = "image" if frames == 1 else f"animation ({frames} frames)"
        raise UsageError(
            f"a {w} × {h} {what} needs about {w * h * frames * 4 / 1e9:.1f} GB; jacviz draws at most "
            f"{MAX_AREA / 1e6:.0f} million pixels at once (make it smaller, or use fewer frames)"
        )
    # the layout loads on first use: the window imports this module at start-up (jacviz.core.figure)
    from jacviz.core.figure.layout import check_size as check_figure_size

    check_figure_size(w, h)


def window_figure(window, options: FigureOptions | None = None) -> FigureSpec:
    """The figure the window shows now, as data (a map of the plane; the shapes pane is not one)."""
    pane = window.shown_shape()
    if pane is not None:
        raise ExportError(f"this is a {pane.prepared.kind}: export it as an image of the pane "
                          "(File → Export image); the figure layout and the morph are for maps of the plane")
    prepared = window.prepared
    scene = window.scene
    if prepared is None or scene is None:
        raise ExportError("there is nothing to export yet: the mapping is still being drawn")
    numeric = window.numeric()
    model = window.model
    params = model.param_values()
    lin, rows, reading = None, (), ""
    lines = getattr(prepared, "lines", None)  # a trained network (jacviz.core.pipeline.network)
    if model.cursor is not None and callable(lines) and numeric.n_outputs != 2:
        lin, rows, reading = network_at_cursor(numeric, model.cursor, model.h)
    elif model.cursor is not None:
        lin, rows, reading = at_cursor(numeric, model.cursor, model.h, params, prepared.variables)
    names = image_names(prepared.variables)
    flow = window.tools.get("vectorfield")  # F read as a vector field: what the view draws goes in too
    portrait = flow.portrait if flow is not None and flow.on else None
    return FigureSpec(
        scene=scene,
        domain_rect=window.domain.visible_rect(),
        codomain_rect=window.codomain.visible_rect(),
        mode=model.heatmap_mode,
        linearization=lin,
        pins=tuple(model.pins),
        pin_images=pin_images(numeric, model.pins, params),
        axis_names=tuple(prepared.variables),
        image_names=names,
        readout=rows,
        reading=reading,
        formulas=tuple(lines()) if callable(lines) else formula_lines(prepared.formulas, names,
                                                                      window.readout.simplified),
        mapping_text=prepared.text,
        options=options or FigureOptions(),
        portrait=portrait,
        trajectories=tuple(flow.trajectories) if portrait is not None else (),
    )


def export(window, path: str | Path, view: str = "both", size: tuple[int, int] | None = None,
           options: FigureOptions | None = None) -> Path:
    """Export to ``path``; the format follows the extension (.png, .jpg, .jpeg, .svg, .pdf)."""
    from jacviz.ui.figure_painter import export_figure

    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ExportError(f"cannot export to '{path.name}': use a .png, .jpg, .svg or .pdf file name")
    if view not in VIEWS:
        raise UsageError(f"unknown view '{view}' (choose both, domain or codomain)")
    if not path.parent.exists():
        raise ExportError(f"the folder '{path.parent}' does not exist")
    if size is not None:
        # the whole-image budget here too, PNG included: the window exports on its GUI thread,
        # and a banded 16384² PNG (jacviz export) takes half a minute
        check_size(*size)
    pane = window.shown_shape()
    if pane is not None:  # a scalar field, curve, surface or map of space: the pane as it is drawn
        from jacviz.ui.shapes.export import pane_target, write_widget

        return write_widget(pane_target(pane, view), path, size)
    spec = window_figure(window, options)
    try:
        return export_figure(spec, path, view=view, size=size)
    except OSError as err:
        raise ExportError(f"could not write '{path.name}': {err.strerror or err}") from None


def render_image(window, view: str = "both", size: tuple[int, int] | None = None,
                 options: FigureOptions | None = None) -> QImage:
    """The figure as an image of exactly ``size`` pixels (the GIF's frames, the clipboard)."""
    from jacviz.ui.figure_painter import render_qimage

    if size is not None:
        check_size(*size)
    return render_qimage(window_figure(window, options), view=view, size=size)


def copy_to_clipboard(window, view: str = "both") -> QImage:
    """Put the figure on the clipboard as an image, at twice the window's resolution."""
    pane = window.shown_shape()
    if pane is not None:  # the shapes pane as drawn (its 3D view included where there is OpenGL)
        from jacviz.ui.shapes.export import pane_target

        image = pane_target(pane, view).grab().toImage()
        QGuiApplication.clipboard().setImage(image)
        return image
    widget = window.splitter if view == "both" else (window.domain if view == "domain" else window.codomain)
    image = render_image(window, view, (widget.width() * 2, widget.height() * 2))
    QGuiApplication.clipboard().setImage(image)
    return image
