"""The lens: a magnified view of F near F(p), inset in the codomain view's corner."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QWidget

from jacviz.core.sampling.linearization import Linearization
from jacviz.ui import style
from jacviz.ui.items.curves import marker_pen_and_brush


class Lens(QWidget):
    """A magnified view of F near F(p), inset in the codomain view's corner.

    At the scale of the whole codomain the small circle's image is a few pixels wide; here
    it fills the frame, so the true image and the ellipse J(p) predicts can be compared.
    What it draws is moved to F(p) = 0 and scaled to fit a fixed square, so it needs no axes
    (the scale is written underneath). It is a plain widget painting with QPainter: on every
    cursor move it repaints itself, and a graphics view would cost several times more.
    """

    EXTENT = 1.3

    def __init__(self, parent) -> None:
        super().__init__(parent)
        self.setObjectName("lens")
        # Opaque, so that repainting the lens does not repaint the codomain view under it.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._strokes: list[tuple[QPen, QPainterPath]] = []
        self._markers: list[tuple[float, float]] = []
        self._labels: list[tuple[QColor, float, float, str]] = []
        self.setAccessibleName("lens: near F(p), magnified")
        self._accessible = QTimer(self)
        self._accessible.setSingleShot(True)
        self._accessible.setInterval(150)
        self._accessible.timeout.connect(self._update_accessible)
        self._pens = {
            "true": style.pen(style.TRUE_IMAGE, 2.0),
            "linear": style.pen(style.LINEAR_IMAGE, 2.0, style=Qt.PenStyle.DashLine),
            "je1": style.pen(style.HORIZONTAL, 2.5),
            "je2": style.pen(style.VERTICAL, 2.5),
            "axes": style.pen(style.AXES, 1.5),
        }
        self._background_pixmap = QPixmap()
        self._background_key: tuple | None = None
        self._data_to_local = QTransform()  # F(p) to 0, the farthest point drawn to distance 1

    def clear(self) -> None:
        self._strokes, self._markers, self._labels = [], [], []
        self.update()

    def _set(self, strokes, markers, labels) -> None:
        self._strokes = [(pen, path) for pen, path in strokes if path is not None]
        self._markers = markers
        self._labels = [(QColor(*c), x, y, t) for c, x, y, t in labels]
        self.update()
        self._accessible.start()  # the labels, for screen readers, once the cursor rests

    def _update_accessible(self) -> None:
        texts = [t for _c, _x, _y, t in self._labels]
        self.setAccessibleDescription("true image of the circle next to the ellipse J(p) predicts; "
                                      + "; ".join(texts) if texts else "")

    def _frame(self) -> tuple[QRectF, QTransform]:
        """The square plot area under the title, and the map from local units to pixels."""
        title = self.fontMetrics().height() + 6
        side = max(min(self.width() - 8, self.height() - title - 6), 10)
        area = QRectF((self.width() - side) / 2, title, side, side)
        scale = side / (2 * self.EXTENT)
        transform = QTransform()
        transform.translate(area.center().x(), area.center().y())
        transform.scale(scale, -scale)
        return area, transform

    def _background(self) -> QPixmap:
        """The paper, the frame and the title: drawn once per size, not on every cursor move."""
        ratio = self.devicePixelRatioF()
        key = (self.width(), self.height(), ratio, self.font().key())
        if self._background_key != key:
            pixmap = QPixmap(max(1, round(self.width() * ratio)), max(1, round(self.height() * ratio)))
            pixmap.setDevicePixelRatio(ratio)
            painter = QPainter(pixmap)
            painter.setFont(self.font())
            painter.fillRect(self.rect(), QColor(*style.PAPER))
            painter.setPen(QColor(*style.FRAME))
            painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
            painter.setPen(QColor(*style.FOREGROUND))
            painter.drawText(QRectF(0, 2, self.width(), self.fontMetrics().height() + 2),
                             int(Qt.AlignmentFlag.AlignHCenter), "near F(p), magnified")
            painter.end()
            self._background_pixmap, self._background_key = pixmap, key
        return self._background_pixmap

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._background())
        area, transform = self._frame()
        painter.setClipRect(area)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setTransform(self._data_to_local * transform)
        for pen, path in self._strokes:
            painter.setPen(pen)
            painter.drawPath(path)
        painter.resetTransform()
        painter.setClipping(False)
        pen, brush = marker_pen_and_brush()
        painter.setPen(pen)
        painter.setBrush(brush)
        for x, y in self._markers:
            painter.drawEllipse(transform.map(QPointF(x, y)), 3.5, 3.5)
        metrics = painter.fontMetrics()
        for colour, x, y, text in self._labels:
            anchor = transform.map(QPointF(x, y))
            painter.setPen(colour)
            painter.drawText(QPointF(anchor.x() - metrics.horizontalAdvance(text) / 2, anchor.y() - 4), text)
        painter.end()

    def show_linearization(self, lin: Linearization, paths: dict[str, tuple[QPainterPath | None, QRectF]]
                           ) -> None:
        """Draw the neighbourhood's images about F(p), scaled to the frame.

        ``paths`` are the codomain view's own, in data coordinates, by name ("true", "linear",
        "je1", "je2"; see :meth:`CodomainView.show_linearization`): the lens moves F(p) to its
        centre and scales by the largest distance from F(p) in its painter's transform rather
        than building every path a second time.
        """
        fx, fy, h = float(lin.value[0]), float(lin.value[1]), lin.h
        radius = 0.0
        for path, rect in paths.values():
            if path is not None:  # the bounds of the finite points, as max |x − F(p)| over them
                radius = max(radius, fx - rect.left(), rect.right() - fx, fy - rect.top(), rect.bottom() - fy)
        if not (math.isfinite(radius) and radius > 0):
            self.clear()
            return
        self._data_to_local = QTransform(1 / radius, 0.0, 0.0, 1 / radius, -fx / radius, -fy / radius)
        pens = self._pens
        strokes = [(pens[name], paths[name][0]) for name in ("true", "linear", "je1", "je2")]
        labels = [(style.FOREGROUND, 0.0, -self.EXTENT + 0.12, f"frame: F(p) ± {radius * self.EXTENT:.3g}")]
        st = lin.stretches
        if np.isfinite(st.singular_values).all():
            s, u = st.singular_values, st.image_axes
            axes = QPainterPath()
            for k in (0, 1):
                dx, dy = h * s[k] * float(u[0, k]), h * s[k] * float(u[1, k])
                axes.moveTo(fx - dx, fy - dy)
                axes.lineTo(fx + dx, fy + dy)
                # each label sits beyond the end of its axis that points up
                tx, ty = (dx, dy) if dy >= 0 else (-dx, -dy)
                labels.append((style.AXES, tx / radius, ty / radius, f"σ{'₁₂'[k]} = {s[k]:.4g}"))
            strokes.insert(0, (pens["axes"], axes))
        self._set(strokes, [(0.0, 0.0)], labels)
