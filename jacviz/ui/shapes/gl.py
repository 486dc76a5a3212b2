"""The 3D view (pyqtgraph.opengl), and what to show where no OpenGL context can be made.

A ``GLViewWidget`` needs an OpenGL context. Under X11 (a real display, or Xvfb with Mesa's
``libgl1-mesa-dri``) Qt makes one; Qt's offscreen platform cannot ("QOpenGLWidget: Failed
to create context"), and a GLViewWidget made there paints nothing or aborts. So
:func:`gl_available` asks first, and :func:`make_view` returns a plain message in its place
when the answer is no. pyqtgraph.opengl (and PyOpenGL) are imported only when a view is made.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

NO_GL_PLATFORMS = ("offscreen", "minimal", "vnc")
NO_GL_MESSAGE = ("The 3D view needs OpenGL, which this display cannot provide (Qt's offscreen "
                 "platform has none); run jacviz on a desktop, or under Xvfb with Mesa, to see it.")

_AVAILABLE: bool | None = None


def gl_available() -> bool:
    """True when a GLViewWidget can draw here: a platform with OpenGL, PyOpenGL, a context that works."""
    global _AVAILABLE
    if _AVAILABLE is None:
        _AVAILABLE = _probe()
    return _AVAILABLE


def _probe() -> bool:
    app = QGuiApplication.instance()
    if app is None or QGuiApplication.platformName() in NO_GL_PLATFORMS:
        return False
    try:
        import OpenGL.GL  # noqa: F401 - PyOpenGL, which pyqtgraph.opengl draws with
        from PySide6.QtGui import QOffscreenSurface, QOpenGLContext
    except Exception:  # ImportError, or a PyOpenGL that finds no libGL
        return False
    context = QOpenGLContext()
    if not context.create():
        return False
    surface = QOffscreenSurface()
    surface.create()
    ok = context.makeCurrent(surface)
    context.doneCurrent()
    return bool(ok)


def message_label(parent: QWidget | None = None) -> QLabel:
    """The plain message shown instead of the 3D view."""
    label = QLabel(NO_GL_MESSAGE, parent)
    label.setObjectName("shape3dMessage")
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setAccessibleName("3D view unavailable")
    return label


class Scene3D:
    """A GLViewWidget and the items of one picture, replaced as a whole by each ``show_*``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        import pyqtgraph.opengl as gl

        self.gl = gl
        self.widget = gl.GLViewWidget(parent)
        self.widget.setObjectName("shape3d")
        self.widget.setAccessibleName("3D view")
        self.widget.setBackgroundColor("w")
        self._items: list = []
        self._marks: list = []
        self._path: list = []  # the descent path: kept while the cursor moves

    # -- helpers
    def _add(self, item, mark: bool = False) -> None:
        self.widget.addItem(item)
        (self._marks if mark else self._items).append(item)

    def clear(self) -> None:
        for item in self._items + self._marks + self._path:
            self.widget.removeItem(item)
        self._items, self._marks, self._path = [], [], []

    def clear_path(self) -> None:
        for item in self._path:
            self.widget.removeItem(item)
        self._path = []

    def path(self, points: np.ndarray, color=(0.9, 0.1, 0.2, 1.0), width: float = 2.5,
             size: float = 6.0) -> None:
        """A polyline with a dot at each of ``points`` (k, 3), replacing the previous path.

        Drawn without the depth test, after everything else: the path lies on the graph, and
        half of it would otherwise be hidden in the (translucent) surface it runs along.
        """
        from OpenGL import GL

        self.clear_path()
        pts = np.asarray(points, dtype=float).reshape(-1, 3)
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) == 0:
            return
        on_top = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True,
                  "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
        items = [self.gl.GLScatterPlotItem(pos=pts, color=color, size=size, pxMode=True, glOptions=on_top)]
        if len(pts) > 1:
            items.insert(0, self.gl.GLLinePlotItem(pos=pts, color=color, width=width, mode="line_strip",
                                                   antialias=True, glOptions=on_top))
        for item in items:
            item.setDepthValue(10)  # painted after the graph and the cursor's marks
            self.widget.addItem(item)
            self._path.append(item)

    def clear_marks(self) -> None:
        for item in self._marks:
            self.widget.removeItem(item)
        self._marks = []

    def frame(self, points: np.ndarray) -> None:
        """Point the camera at the finite ``points`` (k, 3), at a distance that shows them all."""
        pts = points[np.isfinite(points).all(axis=1)]
        if pts.size == 0:
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        centre = (lo + hi) / 2
        size = float(np.max(hi - lo)) or 1.0
        from pyqtgraph import Vector

        self.widget.opts["center"] = Vector(*centre)
        self.widget.setCameraPosition(distance=1.7 * size, elevation=28, azimuth=-60)

    def lines(self, segments: np.ndarray, color=(0.3, 0.3, 0.3, 1.0), width: float = 1.0,
              mark: bool = False, strip: bool = False) -> None:
        """Segments as pairs of rows of (2k, 3) (or one polyline with ``strip``); NaN rows dropped."""
        seg = np.asarray(segments, dtype=float)
        if strip:
            seg = seg[np.isfinite(seg).all(axis=1)]
            mode = "line_strip"
        else:
            pairs = seg.reshape(-1, 2, 3)
            seg = pairs[np.isfinite(pairs).all(axis=(1, 2))].reshape(-1, 3)
            mode = "lines"
        if len(seg) < 2:
            return
        self._add(self.gl.GLLinePlotItem(pos=seg, color=color, width=width, mode=mode, antialias=True), mark)

    def colored_strip(self, points: np.ndarray, colors: np.ndarray, width: float = 3.0) -> None:
        ok = np.isfinite(points).all(axis=1)
        self._add(self.gl.GLLinePlotItem(pos=points[ok], color=colors[ok], width=width, mode="line_strip",
                                         antialias=True))

    def mesh(self, grid: np.ndarray, colors: np.ndarray | None = None, mark: bool = False,
             color=(0.55, 0.65, 0.9, 0.85)) -> None:
        """A surface through ``grid`` (rows, cols, 3) as triangles; cells touching NaN are left out."""
        rows, cols = grid.shape[:2]
        verts = grid.reshape(-1, 3)
        idx = np.arange(rows * cols).reshape(rows, cols)
        a, b, c, d = idx[:-1, :-1], idx[:-1, 1:], idx[1:, 1:], idx[1:, :-1]
        faces = np.concatenate([np.stack([a, b, c], -1).reshape(-1, 3),
                                np.stack([a, c, d], -1).reshape(-1, 3)])
        good = np.isfinite(verts).all(axis=1)
        faces = faces[good[faces].all(axis=1)]
        verts = np.where(good[:, None], verts, 0.0)
        kwargs = {"vertexColors": colors.reshape(-1, 4)} if colors is not None else {"color": color}
        item = self.gl.GLMeshItem(vertexes=verts, faces=faces, smooth=False, drawEdges=False,
                                  glOptions="translucent", **kwargs)
        self._add(item, mark)

    def point(self, p, color=(0, 0, 0, 1), size: float = 9.0) -> None:
        pos = np.asarray(p, dtype=float).reshape(1, 3)
        if np.isfinite(pos).all():
            self._add(self.gl.GLScatterPlotItem(pos=pos, color=color, size=size, pxMode=True), True)
