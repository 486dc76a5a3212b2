"""Trained networks in the window: opening them, and what changes when one is shown.

A network reaches the screen by the same road as a typed mapping: it is read and checked on
the compiler thread (:func:`jacviz.core.pipeline.network.prepare_network`), its first scene
is sampled there too, and :meth:`MainWindow._on_compiled` shows it all at once; if the file
is refused, its one-line error goes to the status bar and nothing else changes. The ways in:

* File → Open model… (:meth:`NetworkSupport.open_dialog`, ``Ctrl+Shift+O``) and
  :meth:`NetworkSupport.open_path`;
* Presets → Networks, the models shipped in ``resources/models``;
* dropping an ``.onnx`` file (or a ``.jacviz`` session) on the window;
* ``jacviz model.onnx`` on the command line, and a session that names a model.

What differs once a model is shown, and only then:

* the readout's formulas section lists the model and its layers;
* a model whose J is not 2×2 (a classifier of k ≠ 2 classes, a scalar field) has no det J
  and no image plane: the heatmap modes are *decision regions* (``classes``) and *one output*
  (``output``), the readout shows all k rows of J and its singular values, the right view
  stays empty, and the tools that need a planar F are not asked;
* the chooser *Gradient of* draws the gradient field of one output (row i of J) as arrows
  over the domain, and picks the output the ``output`` heatmap shows.

Pickled PyTorch files are refused by the reader with the command that exports them to ONNX.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QFileDialog, QLabel

from jacviz.core.network.catalog import load_model_presets, model_preset_bytes
from jacviz.core.pipeline.network import (
    CLASSES,
    OUTPUT,
    PreparedNetwork,
    file_sha256,
    is_model_path,
    network_point,
    prepare_network,
    prepare_network_preset,
    prepare_source,
    sample_mapping_scene,
)
from jacviz.core.sampling.heatmap import HEATMAP_MODES, NETWORK_MODES
from jacviz.core.sampling.linearization import probe_points
from jacviz.ui import style
from jacviz.ui.guard import guarded
from jacviz.ui.items.curves import marker
from jacviz.ui.views.paths import scene_paths

MODEL_FILTER = "ONNX models (*.onnx);;All files (*)"
DEFAULT_MODEL_RECT = (-2.0, 2.0, -2.0, 2.0)
ARROWS_PER_SIDE = 21  # the gradient field's lattice over the visible domain
GRADIENT = (40, 40, 40)


def _open_job(opener, rect, quality, tools):
    """Background: read and check a model (``opener()``), then sample its first scene."""
    prepared = opener()
    numeric = prepared.compiled
    if prepared.square:
        for tool in tools:
            numeric = tool.transform(numeric)
    scene = sample_mapping_scene(numeric, rect, quality, {})  # no margin yet, as for a typed mapping
    return prepared, {}, scene, scene_paths(scene), None  # None: no framing, the model's domain is given


def allowed_modes(prepared) -> tuple[str, ...]:
    """The heatmap modes that exist for what is shown."""
    if not isinstance(prepared, PreparedNetwork):
        return tuple(m for m in HEATMAP_MODES if m not in NETWORK_MODES)
    if prepared.square:
        return HEATMAP_MODES
    return NETWORK_MODES if prepared.network.n_outputs >= 2 else (OUTPUT,)


def gradient_arrows(net, rect, index: int, n: int = ARROWS_PER_SIDE) -> np.ndarray:
    """Segments (pairs of points) drawing ∇Fᵢ as arrows on an n×n lattice over ``rect``.

    The longest arrow (98th percentile, so one steep spot does not shrink the rest) is 0.9
    of the lattice spacing; the lengths of the others are in proportion.
    """
    x0, x1, y0, y1 = rect
    xs = x0 + (np.arange(n) + 0.5) * (x1 - x0) / n
    ys = y0 + (np.arange(n) + 0.5) * (y1 - y0) / n
    gx, gy = np.meshgrid(xs, ys)
    ev = net.evaluate((gx.ravel(), gy.ravel()), jacobian=True)
    g = np.stack([ev.jacobian[index][0], ev.jacobian[index][1]], axis=1)
    ok = np.isfinite(g).all(axis=1)
    if not ok.any():
        return np.empty((0, 2))
    norms = np.hypot(g[:, 0], g[:, 1])
    top = float(np.percentile(norms[ok], 98))
    spacing = min(x1 - x0, y1 - y0) / n
    if not top > 0:
        return np.empty((0, 2))
    scale = 0.9 * spacing / top
    v = g * scale
    length = np.minimum(np.hypot(v[:, 0], v[:, 1]), 0.9 * spacing * 1.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = g / norms[:, None]
    v = unit * length[:, None]
    origin = np.stack([gx.ravel(), gy.ravel()], axis=1) - 0.5 * v
    tip = origin + v
    head = 0.3 * length[:, None]
    c, s = np.cos(np.radians(25)), np.sin(np.radians(25))
    back = -unit * head
    left = np.stack([c * back[:, 0] - s * back[:, 1], s * back[:, 0] + c * back[:, 1]], axis=1)
    right = np.stack([c * back[:, 0] + s * back[:, 1], -s * back[:, 0] + c * back[:, 1]], axis=1)
    keep = ok & (length > 0.05 * spacing)
    seg = np.stack([origin, tip, tip, tip + left, tip, tip + right], axis=1)[keep]
    return seg.reshape(-1, 2)


class NetworkSupport(QObject):
    """Opening trained networks in a MainWindow, and the window's hooks for showing one."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.presets = load_model_presets()
        self._folder: Path | None = None
        self._names: tuple[str, ...] | None = None
        self._forced = False  # the shown model had no det J, so its mode was chosen for it

        menu = window.file_menu
        self.open_action = QAction("Open &model (.onnx)…", window)
        self.open_action.setObjectName("openModelAction")
        self.open_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.open_action.setToolTip("a trained network with 2 inputs, exported to ONNX")
        self.open_action.triggered.connect(self._on_open_action)
        menu.insertAction(window.files.recent_menu.menuAction(), self.open_action)

        self.presets_menu = window.mapping_bar.presets_menu.addMenu("Networks")
        self.presets_menu.setObjectName("networkPresetsMenu")
        self.presets_menu.setToolTipsVisible(True)
        for preset in self.presets:
            action = self.presets_menu.addAction(preset.name)
            action.setToolTip(preset.description)
            action.triggered.connect(lambda _=False, p=preset: self._on_preset(p))

        # Gradient of: none / output i. Drawn over the domain, recomputed with each scene.
        self.output_label = QLabel("Gradient of:")
        self.output_box = QComboBox()
        self.output_box.setObjectName("networkOutput")
        self.output_box.setAccessibleName("the output whose gradient is drawn")
        self.output_box.setToolTip("draw ∇Fᵢ (row i of J) as arrows; the heatmap 'one output' shows Fᵢ")
        self.output_box.currentIndexChanged.connect(self._on_output_box)
        for widget in (self.output_label, self.output_box):
            window.add_control(widget)
            widget.setVisible(False)
        self.arrows = window.domain.add(pg.PlotCurveItem(pen=style.pen(GRADIENT, 1.2)), 8)
        self.cursor_arrow_pen = style.pen(GRADIENT, 2.5)

        window.setAcceptDrops(True)
        window.installEventFilter(self)
        window.sceneDrawn.connect(self._on_scene_drawn)

    # ------------------------------------------------------------------ what is shown
    @property
    def prepared(self) -> PreparedNetwork | None:
        p = self.window.prepared
        return p if isinstance(p, PreparedNetwork) else None

    @property
    def output_index(self) -> int:
        """The output whose gradient (and, in the 'output' heatmap, value) is shown."""
        return max(self.output_box.currentIndex() - 1, 0) if self.output_box.count() else 0

    @property
    def gradient_shown(self) -> bool:
        return self.output_box.currentIndex() > 0

    # ------------------------------------------------------------------ opening
    @guarded
    def _on_open_action(self, *_args) -> None:
        self.open_dialog()

    def open_dialog(self) -> None:
        start = str(self._folder or Path.home())
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a trained network", start, MODEL_FILTER,
                                              options=QFileDialog.Option.DontUseNativeDialog)
        if path:
            self.open_path(path)

    def open_path(self, path, *, rect=None, output: str | None = None, on_applied=None,
                  on_failed=None) -> int:
        """Open the model at ``path`` in the background; a refusal is shown and nothing changes.

        Without ``rect``, a copy of a shipped model gets its preset's domain (matched by sha256,
        for files up to 1 MiB, read here), anything else DEFAULT_MODEL_RECT.
        """
        path = Path(path)
        self._folder = path.parent
        rect = tuple(rect) if rect is not None else self._domain_for(path)
        self.window.home_rect = rect
        return self.window.apply_prepared(
            _open_job, lambda: prepare_network(path, output=output), text=path.name, rect=rect,
            note=f"Opened the model {path.name}", on_applied=on_applied, on_failed=on_failed)

    def _domain_for(self, path: Path) -> tuple[float, float, float, float]:
        try:
            if path.is_file() and path.stat().st_size <= 1 << 20:
                digest = file_sha256(path)
                for preset in self.presets:
                    if hashlib.sha256(model_preset_bytes(preset)).hexdigest() == digest:
                        return preset.domain
        except OSError:
            pass  # the reader reports an unreadable file, on the compiler thread
        return DEFAULT_MODEL_RECT

    def open_preset(self, preset, *, on_applied=None, on_failed=None) -> int:
        """Show a shipped model, with the domain its entry gives."""
        self.window.home_rect = preset.domain
        return self.window.apply_prepared(
            _open_job, lambda: prepare_network_preset(preset), text=preset.file, rect=preset.domain,
            note=preset.description, on_applied=on_applied, on_failed=on_failed)

    def apply_session(self, s, *, on_applied=None, on_failed=None) -> int:
        """A session that names a model: the file is read and checked first, then everything switches."""
        holder: list[str] = []

        def opener():
            prepared, note = prepare_source(s.model)
            holder.append(note)
            return prepared

        def applied() -> None:
            if callable(on_applied):
                on_applied()
            if holder and holder[-1]:
                self.window.show_message(holder[-1], error=True)

        return self.window.apply_prepared(_open_job, opener, text=Path(s.mapping).name or "model",
                                          rect=s.domain_range, session=s, on_applied=applied,
                                          on_failed=on_failed)

    @guarded
    def _on_preset(self, preset) -> None:
        self.open_preset(preset)

    # ------------------------------------------------------------------ drag and drop
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if obj is self.window and kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            path = self._dropped_path(event)
            if path is None:
                return False
            event.acceptProposedAction()
            if kind == QEvent.Type.Drop:
                self.drop(path)
            return True
        return False

    @staticmethod
    def _dropped_path(event) -> Path | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if is_model_path(path) or path.suffix.lower() == ".jacviz":
                    return path
        return None

    @guarded
    def drop(self, path) -> None:
        """A file dropped on the window: a model is opened, a session too."""
        path = Path(path)
        if path.suffix.lower() == ".jacviz":
            self.window.files.open_path(path)
        else:
            self.open_path(path)

    # ------------------------------------------------------------------ hooks of the window
    def shape_shown(self) -> None:
        """A typed mapping of another shape is about to be shown (the shapes pane): no model is.

        Without this, a session saved then recorded both the typed mapping and the model
        shown before it, and opened as the model."""
        self.window.model.set("network", None)
        self.window.mapping_bar.show_model(None)

    def mapping_shown(self, prepared) -> None:
        """A new mapping or model is about to be drawn (MainWindow._on_compiled)."""
        window, model = self.window, self.window.model
        net = prepared if isinstance(prepared, PreparedNetwork) else None
        model.set("network", net.source.as_dict() if net is not None else None)
        window.mapping_bar.show_model(prepared.text if net is not None else None)
        allowed = allowed_modes(prepared)
        for mode, action in window.mode_actions.items():
            action.setEnabled(mode in allowed)
        items = window.mode_box.model()
        for i, mode in enumerate(HEATMAP_MODES):
            item = items.item(i)
            if item is not None:
                item.setEnabled(mode in allowed)
        mode = model.heatmap_mode
        if mode not in allowed:
            model.set_heatmap_mode(CLASSES if CLASSES in allowed else allowed[0])
        elif net is not None and net.square and mode in NETWORK_MODES and self._forced:
            model.set_heatmap_mode("auto")  # the previous model had no det J; this one has
        self._forced = net is not None and not net.square
        for widget in (self.output_label, self.output_box):
            widget.setVisible(net is not None)
        # no image plane, so no lens to magnify it (and no checkbox that would bring one back)
        window.lens_box.setEnabled(net is None or net.square)
        window.codomain.set_lens_visible(window.lens_box.isChecked() and (net is None or net.square))
        if net is None:
            self.arrows.setData([], [])
            return
        window.readout.set_description(net.lines())
        names = net.network.output_names
        blocked = self.output_box.blockSignals(True)
        try:
            keep = self.output_box.currentIndex() if self._names == names else -1
            self.output_box.clear()
            self.output_box.addItem("none")
            for i, name in enumerate(names):
                self.output_box.addItem(f"{i}: {name}")
            # a model without an image plane shows its first output's gradient at once
            self.output_box.setCurrentIndex(keep if keep >= 0 else (0 if net.square else 1))
        finally:
            self.output_box.blockSignals(blocked)
        self._names = names
        self.arrows.setData([], [])

    def view_note(self, scene, note: str) -> str:
        """The note under the views: a model with no image plane says so instead of 'undefined'."""
        net = self.prepared
        if net is None or net.square:
            return note
        values = scene.fields.get(CLASSES, scene.fields.get(OUTPUT))
        if values is not None and np.isnan(values).all():
            return "the model's output is undefined on the whole visible domain"
        k = net.network.n_outputs
        return f"2 → {k} model: J is {k}×2, no det J, no image plane"

    def update_overlay(self, numeric, cursor) -> bool:
        """For a model whose J is not 2×2, draw the cursor's numbers here; True when done."""
        net = self.prepared
        if net is None or net.square:
            if net is not None:
                self._cursor_gradient(None)
                if numeric is net.network:
                    # the readout, the lens and the layer panel read their numbers from one run
                    net.network.prefetch_values(*probe_points(cursor, self.window.model.h))
            return False
        window = self.window
        info = network_point(net.network, cursor)
        window.codomain.show_linearization(None)
        self._cursor_gradient(info)
        window.readout.show_rows(info.rows(), info.reading())
        tool = window.tools.get("layers")
        if tool is not None:
            tool.network_cursor(info)
        return True

    def _cursor_gradient(self, info) -> None:
        """The cursor and, for a non-planar model, ∇Fᵢ at it in the domain's overlay."""
        if info is None:
            return
        domain = self.window.domain
        p = info.point
        strokes = []
        grad = info.jacobian[self.output_index]
        x0, x1, y0, y1 = domain.visible_rect()
        norm = float(np.hypot(*grad))
        if np.isfinite(grad).all() and norm > 0:
            from jacviz.ui.items.curves import arrow_segments

            length = 0.08 * min(x1 - x0, y1 - y0)
            strokes.append((self.cursor_arrow_pen, arrow_segments(p, grad / norm * length), "pairs"))
        domain.overlay.set_strokes(strokes, [marker(p[0], p[1])])

    # ------------------------------------------------------------------ the gradient field
    @guarded
    def _on_output_box(self, _index: int) -> None:
        self._draw_arrows()
        if self.window.model.heatmap_mode == OUTPUT:
            self.window.redraw()
        else:
            self.window.refresh_cursor()

    @guarded
    def _on_scene_drawn(self) -> None:
        self._draw_arrows()

    def _draw_arrows(self) -> None:
        net = self.prepared
        if net is None or not self.gradient_shown:
            self.arrows.setData([], [])
            return
        seg = gradient_arrows(net.network, self.window.domain.visible_rect(), self.output_index)
        if seg.size:
            self.arrows.setData(seg[:, 0], seg[:, 1], connect="pairs")
        else:
            self.arrows.setData([], [])


__all__ = ["NetworkSupport", "allowed_modes", "gradient_arrows"]
