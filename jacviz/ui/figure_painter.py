"""Drawing a figure (:mod:`jacviz.core.figure`) with QPainter: PNG, JPEG and PDF, and the one export call.

The figure is laid out from data by the Qt-free layer; this module only draws its primitives
(strokes, shapes, images, gradients, text), the same list the SVG writer writes, so the
formats agree. PDF goes through ``QPdfWriter``: a page of the figure's size in points for
its dpi, curves as paths, text as text (with the font embedded), the heatmap as the one
image. :func:`export_figure` is what the window and ``jacviz export`` call.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QLinearGradient,
    QPageSize,
    QPainter,
    QPainterPath,
    QPdfWriter,
    QPen,
    QPolygonF,
)

from jacviz.core.errors import ExportError
from jacviz.core.figure import (
    FigureOptions,
    FigureSpec,
    format_for,
    layout_figure,
    write_atomically,
    write_svg,
)
from jacviz.core.figure.png import PngStream
from jacviz.core.figure.primitives import MONO, SANS, Figure, Gradient, Image, Polyline, Shape, Stroke, Text

BAND_PIXELS = 16_000_000  # a PNG above this many pixels is drawn in bands of about this many (64 MB)
CSS_DPI = 96.0  # a PDF page for a figure without a dpi: one pixel is one CSS pixel, 1/96 inch


def ensure_application():
    """The running Qt application, or a new one (offscreen when there is no display).

    Text needs a QGuiApplication; a QApplication is made rather than a bare
    QGuiApplication so that the window can still be opened later in the same process.
    """
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not os.environ.get("QT_QPA_PLATFORM") and not (os.environ.get("DISPLAY")
                                                         or os.environ.get("WAYLAND_DISPLAY")):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication([sys.argv[0] if sys.argv else "jacviz"])
    return app


def _qcolor(rgba) -> QColor:
    return QColor(int(rgba[0]), int(rgba[1]), int(rgba[2]), int(rgba[3]) if len(rgba) > 3 else 255)


def _pen(stroke: Stroke | None) -> QPen:
    if stroke is None:
        return QPen(Qt.PenStyle.NoPen)
    pen = QPen(_qcolor(stroke.color))
    pen.setWidthF(stroke.width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    if stroke.dash:
        pen.setDashPattern([d / stroke.width for d in stroke.dash])  # Qt counts in pen widths
    return pen


def _polygon(points: np.ndarray) -> QPolygonF:
    return QPolygonF([QPointF(float(x), float(y)) for x, y in np.asarray(points, dtype=float).tolist()])


def _font(item: Text, device) -> QFont:
    font = QFont()
    font.setFamilies(list(MONO if item.mono else SANS))
    font.setBold(item.bold)
    # in points for the device's resolution, so that a 300 dpi page gets the same pixels
    font.setPointSizeF(item.size * 72.0 / device.logicalDpiY())
    if hasattr(font, "setFeature"):  # Qt 6.7+: no "fi" ligature, so a PDF's text reads "magnified"
        font.setFeature(QFont.Tag("liga"), 0)
    return font


def _draw_text(painter: QPainter, item: Text) -> None:
    font = _font(item, painter.device())
    painter.setFont(font)
    width = QFontMetricsF(font, painter.device()).horizontalAdvance(item.text)
    dx = {"start": 0.0, "middle": -width / 2, "end": -width}[item.anchor]
    painter.setPen(_qcolor(item.color))
    if item.rotation:
        painter.save()
        painter.translate(item.x, item.y)
        painter.rotate(-item.rotation)
        painter.drawText(QPointF(dx, 0.0), item.text)
        painter.restore()
    else:
        painter.drawText(QPointF(item.x + dx, item.y), item.text)


def _rgba_image(rgba: np.ndarray) -> QImage:
    data = np.ascontiguousarray(rgba, dtype=np.uint8)
    rows, cols = data.shape[:2]
    image = QImage(data.tobytes(), cols, rows, cols * 4, QImage.Format.Format_RGBA8888)
    return image.copy()  # own the pixels: the bytes object above is temporary


def _polylines(painter: QPainter, item: Polyline, fig: Figure, vector: bool,
               rows: tuple[int, int] | None = None) -> None:
    """One family of curves, composited as one stroke, as an SVG ``<path>`` is.

    For a PDF (``vector``) that is one path with many subpaths. On an image Qt strokes such a
    path several times slower than the same runs drawn one by one, so there the runs are
    drawn one by one: straight onto the image when the colour is opaque (overlaps change
    nothing), onto a transparent layer and then composited at the stroke's alpha when it is
    not, so that where two runs of one family cross the colour is not laid on twice.
    """
    painter.setBrush(Qt.BrushStyle.NoBrush)
    if vector:
        path = QPainterPath()
        for run in item.runs:
            path.addPolygon(_polygon(run))  # an open polygon: moveTo, then lineTo
        painter.setPen(_pen(item.stroke))
        painter.drawPath(path)
        return
    alpha = item.stroke.color[3]
    if alpha == 255:
        painter.setPen(_pen(item.stroke))
        for run in item.runs:
            painter.drawPolyline(_polygon(run))
        return
    pad = item.stroke.width + 2
    if item.clip is not None:
        b = fig.clips[item.clip]
        x0, y0, x1, y1 = b.x - pad, b.y - pad, b.right + pad, b.bottom + pad
    else:
        pts = np.concatenate(item.runs)
        (x0, y0), (x1, y1) = pts.min(axis=0) - pad, pts.max(axis=0) + pad
    top, bottom = rows if rows is not None else (0, fig.height)  # a band: its rows only
    x0, y0 = max(math.floor(x0), 0), max(math.floor(y0), top)
    x1, y1 = min(math.ceil(x1), fig.width), min(math.ceil(y1), bottom)
    if x1 <= x0 or y1 <= y0:
        return
    layer = QImage(x1 - x0, y1 - y0, QImage.Format.Format_ARGB32_Premultiplied)
    layer.fill(Qt.GlobalColor.transparent)
    opaque = replace(item.stroke, color=(*item.stroke.color[:3], 255))
    inner = QPainter(layer)
    try:
        inner.setRenderHint(QPainter.RenderHint.Antialiasing)
        inner.translate(-x0, -y0)
        inner.setPen(_pen(opaque))
        for run in item.runs:
            inner.drawPolyline(_polygon(run))
    finally:
        inner.end()
    painter.save()
    painter.setOpacity(alpha / 255)
    painter.drawImage(QPointF(x0, y0), layer)
    painter.restore()


def paint_figure(fig: Figure, painter: QPainter, *, vector: bool = False,
                 rows: tuple[int, int] | None = None) -> None:
    """Draw every primitive of ``fig`` with ``painter`` (whose coordinates are the figure's pixels).

    ``vector``: the device is a PDF, where every curve stays a path. ``rows``: only the band of
    rows [top, bottom) is on the device (a tiled PNG), so layers are made for that band only.
    """
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    # a PDF keeps the heatmap's samples exactly (Flate) instead of Qt's default JPEG
    painter.setRenderHint(QPainter.RenderHint.LosslessImageRendering)
    if fig.background is not None:
        painter.fillRect(QRectF(0, 0, fig.width, fig.height), _qcolor(fig.background))
    for item in fig.items:
        clip = getattr(item, "clip", None)
        if clip is None:
            painter.setClipping(False)
        else:
            box = fig.clips[clip]
            painter.setClipRect(QRectF(box.x, box.y, box.w, box.h))
        if isinstance(item, Polyline):
            _polylines(painter, item, fig, vector, rows)
        elif isinstance(item, Shape):
            painter.setPen(_pen(item.stroke))
            painter.setBrush(QBrush(_qcolor(item.fill)) if item.fill is not None else Qt.BrushStyle.NoBrush)
            if item.radius is not None:
                cx, cy = (float(v) for v in np.asarray(item.points, dtype=float).reshape(2))
                painter.drawEllipse(QPointF(cx, cy), item.radius, item.radius)
            else:
                painter.drawPolygon(_polygon(item.points))
        elif isinstance(item, Image):
            b = item.box
            painter.drawImage(QRectF(b.x, b.y, b.w, b.h), _rgba_image(item.rgba))
        elif isinstance(item, Gradient):
            b = item.box
            gradient = QLinearGradient(QPointF(b.x, b.bottom), QPointF(b.x, b.y))
            for offset, rgb in item.stops:
                gradient.setColorAt(offset, _qcolor(rgb))
            painter.setPen(_pen(item.stroke))
            painter.setBrush(QBrush(gradient))
            painter.drawRect(QRectF(b.x, b.y, b.w, b.h))
        elif isinstance(item, Text):
            _draw_text(painter, item)
        else:  # pragma: no cover - a new primitive without a painter
            raise TypeError(f"cannot paint {type(item).__name__}")
    painter.setClipping(False)


def render_image(fig: Figure) -> QImage:
    """``fig`` as an ARGB image of exactly its size (transparent where it has no background)."""
    ensure_application()
    image = QImage(fig.width, fig.height, QImage.Format.Format_ARGB32_Premultiplied)
    if image.isNull():
        raise ExportError(f"not enough memory for a {fig.width}×{fig.height} image")
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    try:
        paint_figure(fig, painter)
    finally:
        painter.end()  # a painter left open on a deleted device crashes Qt
    if fig.dpi is not None:
        per_metre = round(float(fig.dpi) / 0.0254)
        image.setDotsPerMeterX(per_metre)  # the PNG's pHYs chunk, and JPEG's JFIF density
        image.setDotsPerMeterY(per_metre)
    return image


def _render_band(fig: Figure, top: int, bottom: int) -> np.ndarray:
    """Rows [top, bottom) of ``fig`` as (rows, width, 4) uint8 RGBA (not premultiplied)."""
    band = QImage(fig.width, bottom - top, QImage.Format.Format_ARGB32_Premultiplied)
    if band.isNull():
        raise ExportError(f"not enough memory for a {fig.width}×{bottom - top} band of the image")
    band.fill(Qt.GlobalColor.transparent)
    painter = QPainter(band)
    try:
        painter.translate(0, -top)
        paint_figure(fig, painter, rows=(top, bottom))
    finally:
        painter.end()
    band = band.convertToFormat(QImage.Format.Format_RGBA8888)
    data = np.frombuffer(band.constBits(), dtype=np.uint8, count=band.sizeInBytes())
    # a copy: the view's memory belongs to the QImage, freed when this function returns
    return data.reshape(band.height(), band.bytesPerLine())[:, : fig.width * 4].reshape(
        band.height(), fig.width, 4).copy()


def write_png_in_bands(fig: Figure, path: Path, band_pixels: int = BAND_PIXELS) -> None:
    """Write ``fig`` as a PNG drawn band by band (:class:`~jacviz.core.figure.png.PngStream`):
    memory holds one band of about ``band_pixels`` pixels, not the whole image."""
    rows = max(1, band_pixels // fig.width)
    with open(path, "wb") as f:
        stream = PngStream(f, fig.width, fig.height, dpi=fig.dpi)
        for top in range(0, fig.height, rows):
            stream.write_rows(_render_band(fig, top, min(fig.height, top + rows)))
        stream.close()


def write_raster(fig: Figure, path: Path, fmt: str) -> None:
    """Write ``fig`` as PNG or JPEG ("png" or "jpeg") to ``path``.

    A PNG larger than :data:`BAND_PIXELS` is drawn and written band by band, so that the largest
    figure (16384² pixels, 1 GB as one image) needs about 64 MB; JPEG needs the whole image
    (Qt's encoder takes one buffer), so its size is bounded by the export's pixel budget.
    """
    if fmt == "png" and fig.width * fig.height > BAND_PIXELS:
        write_png_in_bands(fig, path)
        return
    image = render_image(fig)
    if fmt == "jpeg":
        image = image.convertToFormat(QImage.Format.Format_RGB32)
    # PNG at Qt's middle compression: a 4K figure saves in about half the time of the
    # default setting, for a file a few per cent larger.
    if not image.save(str(path), "JPEG" if fmt == "jpeg" else "PNG", 95 if fmt == "jpeg" else 50):
        raise ExportError(f"could not write '{path.name}' (is the folder writable?)")


def page_points(fig: Figure) -> tuple[int, int]:
    """The PDF page for ``fig`` in points: its size at its dpi (96 if none), rounded up.

    Qt's PDF engine writes the page's MediaBox in whole points, so a figure of 720 pixels at
    300 dpi (172.8 pt) gets a page of 173 pt; the figure is drawn at its true size from the
    top left, and its background (if any) covers the fraction of a point left over.
    """
    dpi = float(fig.dpi) if fig.dpi is not None else CSS_DPI
    return (math.ceil(fig.width * 72.0 / dpi - 1e-6), math.ceil(fig.height * 72.0 / dpi - 1e-6))


def write_pdf(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a one-page vector PDF whose page is the figure at its dpi (96 if none)."""
    ensure_application()
    dpi = float(fig.dpi) if fig.dpi is not None else CSS_DPI
    resolution = max(round(dpi), 1)
    writer = QPdfWriter(str(path))
    writer.setCreator("jacviz")
    writer.setTitle(fig.description or fig.title)
    writer.setResolution(resolution)
    page = QPageSize(QSizeF(*page_points(fig)), QPageSize.Unit.Point, "jacviz",
                     QPageSize.SizeMatchPolicy.ExactMatch)
    writer.setPageSize(page)
    writer.setPageMargins(QMarginsF(0, 0, 0, 0))
    painter = QPainter()
    if not painter.begin(writer):
        raise ExportError(f"could not write '{path.name}' (is the folder writable?)")
    try:
        if resolution != dpi:
            painter.scale(resolution / dpi, resolution / dpi)
        if fig.background is not None:  # the whole page, up to its last whole point
            w, h = page_points(fig)
            painter.fillRect(QRectF(0, 0, w * dpi / 72.0 + 1, h * dpi / 72.0 + 1), _qcolor(fig.background))
        paint_figure(fig, painter, vector=True)
    finally:
        painter.end()


def figure_for(spec: FigureSpec, *, view: str = "both", size: tuple[int, int] | None = None,
               options: FigureOptions | None = None, fmt: str = "png") -> Figure:
    """The laid-out figure for ``spec`` (with ``options`` instead of its own, when given)."""
    if options is not None:
        spec = replace(spec, options=options)
    if fmt == "jpeg" and spec.options.transparent:
        spec = spec.with_options(transparent=False)  # JPEG has no alpha: keep the paper
    return layout_figure(spec, view, size)


def export_figure(spec: FigureSpec, path: str | Path, *, view: str = "both",
                  size: tuple[int, int] | None = None, options: FigureOptions | None = None) -> Path:
    """Write the figure to ``path``: PNG, JPEG, SVG or PDF by its extension. Returns the path.

    The file is written to a temporary file in the same folder, checked and renamed, so a
    failed export leaves nothing half-written. ``size`` is the figure in pixels (default
    :func:`jacviz.core.figure.default_size`); ``options`` replace ``spec.options``.
    Raises ExportError (or UsageError for a bad size or view).
    """
    path = Path(path)
    fmt = format_for(path)
    fig = figure_for(spec, view=view, size=size, options=options, fmt=fmt)
    if fmt == "svg":
        return write_atomically(path, fmt, lambda tmp: write_svg(fig, tmp))
    if fmt == "pdf":
        return write_atomically(path, fmt, lambda tmp: write_pdf(fig, tmp))
    return write_atomically(path, fmt, lambda tmp: write_raster(fig, tmp, fmt))


def render_qimage(spec: FigureSpec, *, view: str = "both", size: tuple[int, int] | None = None,
                  options: FigureOptions | None = None) -> QImage:
    """The figure as a QImage (for the clipboard)."""
    return render_image(figure_for(spec, view=view, size=size, options=options))
