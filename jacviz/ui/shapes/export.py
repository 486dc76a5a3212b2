"""``jacviz export`` for a mapping that is not a map of the plane: the pane's 2D view as an image.

The figure of a map of the plane is drawn from data (:mod:`jacviz.core.figure`); the other
shapes are drawn by the :class:`~jacviz.ui.shapes.pane.ShapesPane` itself, laid out in an
invisible window at the size asked for and grabbed (PNG, JPEG), or painted by QPainter into
Qt's SVG and PDF devices (lines and text stay vectors; SVG's cosmetic strokes are baked by
:mod:`jacviz.core.figure.svgbake` so that librsvg and cairosvg draw them too). The 3D view needs
OpenGL: where there is none (Qt's offscreen platform, which jacviz export uses without a
display), ``--view codomain`` is refused in one line and ``--view both`` writes the 2D view
with the readout and says on stderr that the 3D view was left out.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jacviz.core.errors import ExportError

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg")
VECTOR_SUFFIXES = (".svg", ".pdf")  # drawn by Qt's SVG and PDF painters: lines and text stay vectors
DEFAULT_SIZE = (1280, 720)
NOTE_NO_GL = ("jacviz: note: the 3D view needs OpenGL, which is not available here (no display); "
              "the image shows the 2D view and the readout")


def export_shape(prepared, params: dict[str, float], output: Path, *, rect=None, at=None,
                 view: str = "both", size: tuple[int, int] | None = None, third=None) -> Path:
    """Write the pane for ``prepared`` to ``output`` (.png or .jpg); returns the path written."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from jacviz.ui.shapes.gl import gl_available
    from jacviz.ui.shapes.pane import ShapesPane

    suffix = output.suffix.lower()
    if suffix not in RASTER_SUFFIXES + VECTOR_SUFFIXES:
        raise ExportError(f"a {prepared.kind} is exported as a .png, .jpg, .svg or .pdf file (not {suffix})")
    if view == "codomain" and not gl_available():
        raise ExportError("the 3D view needs OpenGL, which is not available here (no display); "
                          "use --view domain, or run under a display or Xvfb")
    pane = ShapesPane(None)
    w, h = size or DEFAULT_SIZE
    # Laid out at the size asked for and painted by grab(), never shown: showing a widget on
    # the offscreen platform prints "This plugin does not support propagateSizeHints()".
    pane.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    pane.resize(w, h)
    pane.ensurePolished()
    pane.layout().activate()
    QApplication.processEvents()
    pane.show_mapping(prepared, params, rect or (-2.0, 2.0, -2.0, 2.0), third)
    if at is not None:
        pane.move_cursor(*at)
    target = pane_target(pane, view)
    if target is pane and not gl_available() and prepared.compiled.shape != (2, 1):
        sys.stderr.write(NOTE_NO_GL + "\n")
    gl_target = pane.scene3d is not None and target is pane.scene3d.widget  # write_widget refuses SVG/PDF
    if target is not pane and not gl_target:
        # one 2D view alone, laid out at the size asked for (not the pane's view stretched to it)
        target.setParent(None)
        target.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        target.resize(w, h)
        target.ensurePolished()
    QApplication.processEvents()
    try:
        return write_widget(target, output, (w, h))
    finally:
        pane.close()


def pane_target(pane, view: str):
    """The widget of ``pane`` that ``view`` (both, domain, codomain) exports."""
    if view == "domain":
        return pane.domain
    if view == "codomain":
        return pane.scene3d.widget if pane.scene3d is not None else pane.plane
    return pane


def write_widget(widget, output: Path, size: tuple[int, int] | None = None) -> Path:
    """``widget`` as it is drawn now, written to ``output`` (.png, .jpg, .svg or .pdf) atomically.

    SVG and PDF are painted by QPainter (vectors, page ``size`` or the widget's own); a raster is
    the widget grabbed, scaled to ``size`` if given. An OpenGL view is pixels only.
    """
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    from jacviz.core.figure.files import write_atomically

    suffix = output.suffix.lower()
    if suffix not in RASTER_SUFFIXES + VECTOR_SUFFIXES:
        raise ExportError(f"cannot export to '{output.name}': use a .png, .jpg, .svg or .pdf file name")
    gl = isinstance(widget, QOpenGLWidget)
    if gl and suffix in VECTOR_SUFFIXES:
        raise ExportError("the 3D view is drawn by OpenGL as pixels: export it as .png or .jpg, or use "
                          "--view domain for a vector figure of the 2D view")
    w, h = size or (widget.width(), widget.height())
    if suffix in VECTOR_SUFFIXES:
        fmt = suffix[1:]
        return write_atomically(output, fmt, lambda tmp: _write_vector(widget, tmp, fmt, (w, h)))
    image = widget.grab()
    if (image.width(), image.height()) != (w, h):
        image = image.scaled(w, h)
    fmt = "png" if suffix == ".png" else "jpeg"

    def write(tmp: Path) -> None:
        if not image.save(str(tmp), "PNG" if fmt == "png" else "JPG"):
            raise ExportError(f"could not write '{output}'")

    return write_atomically(output, fmt, write)


def _write_vector(widget, tmp: Path, fmt: str, size: tuple[int, int]) -> None:
    """``widget`` painted by QPainter into an SVG (QSvgGenerator) or a PDF page (QPdfWriter).

    pyqtgraph draws with QPainter, so the axes, grid, contours, arrows and text come out as
    vectors and the heatmap as one embedded image; the page is ``size`` in CSS pixels (96 dpi),
    and the widget is scaled to fill it.
    """
    from PySide6.QtCore import QMarginsF, QPoint, QRect, QSize, QSizeF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter
    from PySide6.QtWidgets import QWidget

    w, h = size
    if fmt == "svg":
        from PySide6.QtSvg import QSvgGenerator

        device = QSvgGenerator()
        device.setFileName(str(tmp))
        device.setSize(QSize(w, h))
        device.setViewBox(QRect(0, 0, w, h))
        device.setResolution(96)
        device.setTitle("jacviz")
    else:
        device = QPdfWriter(str(tmp))
        device.setResolution(96)
        device.setPageLayout(QPageLayout(QPageSize(QSizeF(w * 0.75, h * 0.75), QPageSize.Unit.Point),
                                         QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
        device.setCreator("jacviz")
    painter = QPainter()
    if not painter.begin(device):
        raise ExportError(f"could not write the {fmt.upper()} file")
    try:
        sx, sy = w / max(widget.width(), 1), h / max(widget.height(), 1)
        painter.scale(sx, sy)
        QWidget.render(widget, painter, QPoint(0, 0))  # the widget as shown (QGraphicsView overrides render)
    finally:
        painter.end()
    if fmt == "svg":  # librsvg and cairosvg ignore Qt's non-scaling strokes: bake them (see svgbake)
        from jacviz.core.figure.svgbake import bake_cosmetic_strokes

        tmp.write_text(bake_cosmetic_strokes(tmp.read_text(encoding="utf-8")), encoding="utf-8")
