"""Exporting what the window shows: PNG, JPEG or SVG, the whole figure or one view.

The figure is painted through a scaled QPainter rather than grabbed and enlarged, so a 4×
export has text and lines drawn at 4× (sharp and readable), and an SVG keeps every curve
as a vector path. For a width×height whose shape differs from the widget's, the widget is
laid out at that shape for the duration of the export and put back afterwards.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QRectF, QSize, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import QApplication, QGraphicsItem, QWidget

from jacviz.core.errors import MappingError

FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".svg": "SVG"}
VIEWS = ("both", "domain", "codomain")
MAX_PIXELS = 16384  # per side; larger images are refused before memory is spent on them


def export_widget(window, view: str) -> QWidget:
    """The widget that a view name stands for: the whole figure, or one of the views."""
    if view == "both":
        return window.splitter
    if view == "domain":
        return window.domain
    if view == "codomain":
        return window.codomain
    raise MappingError(f"unknown view '{view}' (choose both, domain or codomain)")


def parse_size(text: str) -> tuple[int, int]:
    """'1920x1080' -> (1920, 1080); anything else is a clear error."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        w, h = (int(p) for p in parts)
    except ValueError:
        raise MappingError(f"size '{text}' must be WIDTHxHEIGHT in pixels, such as 1920x1080") from None
    check_size(w, h)
    return w, h


def check_size(w: int, h: int) -> None:
    if not (16 <= w <= MAX_PIXELS and 16 <= h <= MAX_PIXELS):
        raise MappingError(f"an exported image must be between 16 and {MAX_PIXELS} pixels on each side")


class _Layout:
    """Lay a widget out at a given logical size for the duration of an export.

    An empty list of pins is hidden meanwhile: in a figure it is only a blank box.
    """

    def __init__(self, widget: QWidget, size: QSize, window=None) -> None:
        self.widget = widget
        self.size = size
        self.old = widget.size()
        section = getattr(window, "pin_section", None)
        self.hidden = section if section is not None and not window.pins and section.isVisible() else None
        # Static layers are cached as screen-sized pixmaps (see views.py); an export paints
        # at another scale, and a scaled cache comes out blurred or dotted, so it is off.
        self.cached = [
            item for view in (getattr(window, "domain", None), getattr(window, "codomain", None))
            if view is not None for item in view.items()
            if item.cacheMode() != QGraphicsItem.CacheMode.NoCache
        ]

    def __enter__(self):
        for item in self.cached:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        if self.hidden is not None:
            self.hidden.setVisible(False)
        if self.size != self.old or self.hidden is not None:
            self.widget.resize(self.size)
            QApplication.processEvents()
        return self

    def __exit__(self, *exc) -> None:
        for item in self.cached:
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if self.hidden is not None:
            self.hidden.setVisible(True)
        if self.size != self.old:
            self.widget.resize(self.old)
            parent = self.widget.parentWidget()
            if parent is not None and parent.layout() is not None:
                parent.layout().activate()
            QApplication.processEvents()


def _logical_size(widget: QWidget, size: tuple[int, int] | None) -> tuple[QSize, float]:
    """The size to lay the widget out at, and the scale from it to the output pixels."""
    current = widget.size()
    if size is None:
        return current, 1.0
    w, h = size
    scale = w / max(current.width(), 1)
    scale = max(scale, 0.25)
    return QSize(max(1, round(w / scale)), max(1, round(h / scale))), scale


def render_image(window, view: str = "both", size: tuple[int, int] | None = None) -> QImage:
    """Paint the chosen part of the window into an image of exactly ``size`` pixels."""
    widget = export_widget(window, view)
    logical, _scale = _logical_size(widget, size)
    out_w, out_h = size if size is not None else (logical.width(), logical.height())
    check_size(out_w, out_h)
    with _Layout(widget, logical, window):
        image = QImage(out_w, out_h, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.scale(out_w / logical.width(), out_h / logical.height())
            QWidget.render(widget, painter, QPoint())
        finally:
            painter.end()  # a painter left open on a deleted device crashes Qt
    return image


def render_svg(window, path: Path, view: str = "both", size: tuple[int, int] | None = None) -> None:
    """Write an SVG: curves and text as vectors, the heatmap as an embedded image."""
    from PySide6.QtSvg import QSvgGenerator

    widget = export_widget(window, view)
    logical, _scale = _logical_size(widget, size)
    with _Layout(widget, logical, window):
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(logical)
        generator.setViewBox(QRectF(0, 0, logical.width(), logical.height()))
        generator.setTitle("jacviz")
        generator.setDescription(f"jacviz figure: {window.prepared.text if window.prepared else ''}")
        painter = QPainter(generator)
        try:
            QWidget.render(widget, painter, QPoint())
        finally:
            painter.end()


def export(window, path: str | Path, view: str = "both", size: tuple[int, int] | None = None) -> Path:
    """Export to ``path``; the format follows the extension (.png, .jpg, .jpeg, .svg)."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise MappingError(f"cannot export to '{path.name}': use a .png, .jpg or .svg file name")
    if view not in VIEWS:
        raise MappingError(f"unknown view '{view}' (choose both, domain or codomain)")
    if not path.parent.exists():
        raise MappingError(f"the folder '{path.parent}' does not exist")
    if fmt == "SVG":
        render_svg(window, path, view, size)
        if not path.exists():
            raise MappingError(f"could not write '{path}'")
        return path
    image = render_image(window, view, size)
    if fmt == "JPEG":
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    # PNG at Qt's middle compression: a 4K figure saves in about half the time of the
    # default setting, for a file a few per cent larger.
    if not image.save(str(path), fmt, 95 if fmt == "JPEG" else 50):
        raise MappingError(f"could not write '{path}' (is the folder writable?)")
    return path


def copy_to_clipboard(window, view: str = "both") -> QImage:
    """Put the figure on the clipboard as an image, at twice the window's resolution."""
    widget = export_widget(window, view)
    image = render_image(window, view, (widget.width() * 2, widget.height() * 2))
    QGuiApplication.clipboard().setImage(image)
    return image
