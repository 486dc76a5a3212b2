"""``jacviz export`` for a mapping that is not a map of the plane: the pane's 2D view as an image.

The figure of a map of the plane is drawn from data (:mod:`jacviz.core.figure`); the other
shapes are drawn by the :class:`~jacviz.ui.shapes.pane.ShapesPane` itself, laid out in an
invisible window at the size asked for and grabbed. PNG and JPEG only. The 3D view needs
OpenGL: where there is none (Qt's offscreen platform, which jacviz export uses without a
display), ``--view codomain`` is refused in one line and ``--view both`` writes the 2D view
with the readout and says on stderr that the 3D view was left out.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jacviz.core.errors import ExportError

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg")
DEFAULT_SIZE = (1280, 720)
NOTE_NO_GL = ("jacviz: note: the 3D view needs OpenGL, which is not available here (no display); "
              "the image shows the 2D view and the readout")


def export_shape(prepared, params: dict[str, float], output: Path, *, rect=None, at=None,
                 view: str = "both", size: tuple[int, int] | None = None, third=None) -> Path:
    """Write the pane for ``prepared`` to ``output`` (.png or .jpg); returns the path written."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from jacviz.core.figure.files import write_atomically
    from jacviz.ui.shapes.gl import gl_available
    from jacviz.ui.shapes.pane import ShapesPane

    suffix = output.suffix.lower()
    if suffix not in RASTER_SUFFIXES:
        raise ExportError(f"a {prepared.kind} is exported as a .png or .jpg image (not {suffix})")
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
    if view == "domain":
        target = pane.domain
    elif view == "codomain":
        target = pane.scene3d.widget if pane.scene3d is not None else pane.plane
    else:
        target = pane
        if not gl_available() and prepared.compiled.shape != (2, 1):
            sys.stderr.write(NOTE_NO_GL + "\n")
    QApplication.processEvents()
    image = target.grab()
    if size is not None and target is not pane:
        image = image.scaled(w, h)
    fmt = "png" if suffix == ".png" else "jpeg"

    def write(tmp: Path) -> None:
        if not image.save(str(tmp), "PNG" if fmt == "png" else "JPG"):
            raise ExportError(f"could not write '{output}'")

    path = write_atomically(output, fmt, write)
    pane.close()
    return path
