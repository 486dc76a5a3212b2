"""The main window: the mapping bar, the two linked views, the readout and the pins.

Flow of work:

* Enter in the mapping bar -> the *compiler* worker parses, differentiates, compiles and
  samples on a background thread -> :meth:`MainWindow._on_compiled` draws the result and
  emits ``mappingApplied``. A result overtaken by a newer request is dropped.
* Pan, zoom or a parameter change -> the *sampler* worker resamples the visible domain;
  the newest finished result is drawn, older ones are dropped.
* A mouse move -> the readout and the overlays are computed right here on the GUI thread
  (one point and one small circle: well under a millisecond) so that every position,
  including the last one of a fast movement, is shown.

Every slot is wrapped by :func:`guarded`: an exception becomes a message in the status
bar instead of escaping into Qt's event loop, where PySide6 may end the process.
"""

from __future__ import annotations

import math
import sys
import threading
import time
import traceback

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDoubleSpinBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from jacviz.core.errors import MappingError
from jacviz.core.lab.pointinfo import point_info
from jacviz.core.persistence.presets import ParameterRange, Preset, load_presets
from jacviz.core.pipeline.prepare import prepare
from jacviz.core.pipeline.scene import DEFAULT_QUALITY, Quality, sample_scene
from jacviz.core.sampling.heatmap import HEATMAP_LABELS, HEATMAP_MODES, HEATMAP_NAMES
from jacviz.core.sampling.linearization import linearization
from jacviz.ui.background import LatestWorker
from jacviz.ui.guard import guarded
from jacviz.ui.panels.help import HelpDialog
from jacviz.ui.panels.mapping_bar import MappingBar
from jacviz.ui.panels.parameters import ParameterPanel
from jacviz.ui.panels.readout import Readout, fmt
from jacviz.ui.views.codomain import CodomainView
from jacviz.ui.views.domain import DomainView

DEFAULT_PRESET = "Sine lattice, folded"
DEFAULT_RECT = (-2.0, 2.0, -2.0, 2.0)
SIMPLIFY_TIMEOUT = 8.0
# Scenes are sampled this fraction of the view's size beyond each side (at the view's own
# density), so that panning by up to that much shows samples already there.
PAN_MARGIN = 0.25


def image_names(variables: tuple[str, str]) -> tuple[str, str]:
    """Names for the codomain axes: u, v, unless the domain variables already use them."""
    return ("F₁", "F₂") if {"u", "v"} & set(variables) else ("u", "v")


class _SimplifyRelay(QObject):
    """Carries simplified formulas from a plain thread back to the GUI thread."""

    done = Signal(int, object)


class MainWindow(QMainWindow):
    """jacviz's window. ``MainWindow()`` shows the default preset; see also :meth:`apply_mapping`."""

    mappingApplied = Signal(str)
    sceneDrawn = Signal()
    mappingFailed = Signal(str)

    def __init__(self, mapping: str | None = None, *, variables: tuple[str, str] | None = None,
                 params: dict[str, float] | None = None, quality: Quality = DEFAULT_QUALITY,
                 rect: tuple[float, float, float, float] | None = None, restore: bool = False,
                 parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("jacviz")
        self.resize(1280, 720)
        self.quality = quality
        self.presets = load_presets()
        self.prepared = None
        self.scene = None
        self.cursor: tuple[float, float] | None = None
        self.pins: list[tuple[float, float]] = []
        self.h = 0.1
        self.mode = "det"
        self.home_rect = DEFAULT_RECT
        self.default_variables: tuple[str, str] | None = None
        self._pending: dict[int, dict] = {}
        self._drawn_sample = 0
        self._scene_key = None
        self._warmed = False
        self._simplify_token = 0
        self._simplify_job = None
        self._simplify_pending = 0
        self._simplify_lock = threading.Lock()
        self._help: HelpDialog | None = None

        self.compiler = LatestWorker("compile", self)
        self.compiler.finished.connect(self._on_compiled)
        self.compiler.failed.connect(self._on_compile_failed)
        self.sampler = LatestWorker("sample", self)
        self.sampler.finished.connect(self._on_sampled)
        self.sampler.failed.connect(self._on_sample_failed)
        self.imager = LatestWorker("images", self)
        self.imager.finished.connect(self._on_images)
        self.imager.failed.connect(self._on_sample_failed)
        self._relay = _SimplifyRelay(self)
        self._relay.done.connect(self._on_simplified)

        self._build_widgets()
        self._build_menus()
        from jacviz.ui.files import FileActions

        self.files = FileActions(self)
        # Only the interactive app restores and autosaves; a window made by a test or by
        # jacviz export must not overwrite the user's last session.
        self.files.autosave_enabled = restore
        self._connect()

        restored = None
        if mapping is None and restore:
            from jacviz.core.persistence import settings

            restored = settings.read_autosave()

        def first_mapping() -> None:
            if restored is not None:
                self.apply_session(restored)
                self.show_message("Restored your last session")
            elif mapping is None:
                preset = next((p for p in self.presets if p.name == DEFAULT_PRESET), self.presets[0])
                self.load_preset(preset)
            else:
                self.open_mapping(mapping, variables=variables, params=params or {}, rect=rect)

        # The first mapping is compiled once the window is shown and laid out: the domain
        # view's shape decides the rectangle that is sampled, and sampling a guess first
        # would only have to be done again.
        self._first_mapping = first_mapping

    # ------------------------------------------------------------------ construction
    def _build_widgets(self) -> None:
        self.mapping_bar = MappingBar(self.presets, self)
        self.parameters = ParameterPanel(self)
        self.domain = DomainView(self)
        self.codomain = CodomainView(self)
        self.readout = Readout(self)

        side = QWidget(self)
        side.setObjectName("sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.readout)
        self.pin_section = QGroupBox("Pinned points (click in the left view to pin)", side)
        self.pin_section.setObjectName("pinSection")
        pin_layout = QVBoxLayout(self.pin_section)
        self.pin_list = QListWidget(self.pin_section)
        self.pin_list.setObjectName("pinList")
        self.pin_list.setMaximumHeight(130)
        pin_layout.addWidget(self.pin_list)
        pin_buttons = QHBoxLayout()
        self.remove_pin_button = QPushButton("Remove")
        self.remove_pin_button.setObjectName("removePin")
        self.clear_pins_button = QPushButton("Remove all")
        self.clear_pins_button.setObjectName("clearPins")
        pin_buttons.addWidget(self.remove_pin_button)
        pin_buttons.addWidget(self.clear_pins_button)
        pin_layout.addLayout(pin_buttons)
        side_layout.addWidget(self.pin_section)
        self._side_layout = side_layout
        scroll = QScrollArea(self)
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(300)

        controls = QHBoxLayout()
        controls.setContentsMargins(4, 0, 4, 0)
        controls.addWidget(QLabel("Heatmap:"))
        self.mode_box = QComboBox(self)
        self.mode_box.setObjectName("heatmapMode")
        for mode in HEATMAP_MODES:
            self.mode_box.addItem(HEATMAP_NAMES[mode], mode)
        controls.addWidget(self.mode_box)
        controls.addSpacing(16)
        controls.addWidget(QLabel("Neighbourhood radius h:"))
        self.h_box = QDoubleSpinBox(self)
        self.h_box.setObjectName("neighbourhoodSize")
        self.h_box.setDecimals(5)
        self.h_box.setRange(1e-6, 1e6)
        self.h_box.setValue(self.h)
        self.h_box.setKeyboardTracking(False)
        self.h_box.setToolTip("radius of the small circle around the cursor ([ and ] change it)")
        controls.addWidget(self.h_box)
        controls.addSpacing(16)
        from jacviz.ui.tools.laboratory import Laboratory

        self.lab = Laboratory(self)
        controls.addWidget(self.lab.controls)
        controls.addStretch(1)
        self.view_note = QLabel("")
        self.view_note.setObjectName("viewNote")
        controls.addWidget(self.view_note)

        for panel in (self.lab.chain_panel, self.lab.region_panel, self.lab.backprop_panel):
            self._side_layout.insertWidget(1, panel)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("viewSplitter")
        self.splitter.addWidget(self.domain)
        self.splitter.addWidget(self.codomain)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([440, 440, 330])

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.mapping_bar)
        layout.addWidget(self.parameters)
        layout.addLayout(controls)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)
        self.status_label = QLabel("")
        self.status_label.setObjectName("statusInfo")
        self.statusBar().addPermanentWidget(self.status_label)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self._on_quit)
        self.file_menu.addAction(self.quit_action)

        view = bar.addMenu("&View")
        group = QActionGroup(self)
        self.mode_actions: dict[str, QAction] = {}
        for i, mode in enumerate(HEATMAP_MODES, start=1):
            action = QAction(f"Heatmap: {HEATMAP_NAMES[mode]}", self, checkable=True)
            action.setShortcut(QKeySequence(f"Ctrl+{i}"))
            action.setToolTip(HEATMAP_LABELS[mode])
            action.triggered.connect(lambda _=False, m=mode: self._on_mode_action(m))
            group.addAction(action)
            view.addAction(action)
            self.mode_actions[mode] = action
        self.mode_actions["det"].setChecked(True)
        view.addSeparator()
        home = QAction("Show the whole domain", self, shortcut=QKeySequence("Home"))
        home.triggered.connect(self._on_home)
        view.addAction(home)
        follow = QAction("Right view follows the left", self, shortcut=QKeySequence("Ctrl+F"))
        follow.triggered.connect(self._on_follow)
        view.addAction(follow)
        view.addSeparator()
        smaller = QAction("Smaller neighbourhood", self, shortcut=QKeySequence("["))
        smaller.triggered.connect(self._on_smaller)
        larger = QAction("Larger neighbourhood", self, shortcut=QKeySequence("]"))
        larger.triggered.connect(self._on_larger)
        view.addAction(smaller)
        view.addAction(larger)
        focus = QAction("Go to the mapping bar", self, shortcut=QKeySequence("Ctrl+L"))
        focus.triggered.connect(self._on_focus_mapping)
        view.addAction(focus)

        bar.addMenu(self.mapping_bar.presets_menu)

        help_menu = bar.addMenu("&Help")
        self.help_action = QAction("What am I looking at?", self, shortcut=QKeySequence("F1"))
        self.help_action.triggered.connect(self._on_help)
        help_menu.addAction(self.help_action)

    def _connect(self) -> None:
        self.mapping_bar.applyRequested.connect(self._on_apply_requested)
        self.lab.morphChanged.connect(self._on_morph)
        self.mapping_bar.edit.textEdited.connect(self._on_state_changed)
        self.codomain.viewbox.sigRangeChangedManually.connect(self._on_state_changed)
        self.mapping_bar.presetChosen.connect(self._on_preset)
        self.parameters.parameterChanged.connect(self._on_parameter)
        self.domain.cursorMoved.connect(self._on_cursor)
        self.domain.pointClicked.connect(self._on_click)
        self.domain.visibleRectChanged.connect(self._on_domain_range)
        self.mode_box.currentIndexChanged.connect(self._on_mode_box)
        self.h_box.valueChanged.connect(self._on_h_box)
        self.remove_pin_button.clicked.connect(self._on_remove_pin)
        self.clear_pins_button.clicked.connect(self._on_clear_pins)
        self.pin_list.currentRowChanged.connect(self._on_pin_selected)
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.pin_list)
        delete.activated.connect(self._on_remove_pin)
        clear = QShortcut(QKeySequence("Ctrl+Shift+Delete"), self)
        clear.activated.connect(self._on_clear_pins)

    # ------------------------------------------------------------------ public API
    def show_message(self, text: str, error: bool = False, timeout_ms: int = 0) -> None:
        """A message in the status bar (errors stay until the next message)."""
        self.statusBar().showMessage(("⚠ " if error else "") + text, 0 if error else timeout_ms)

    def load_preset(self, preset: Preset) -> None:
        """Show a preset: its mapping, its domain and its parameter ranges."""
        self.home_rect = preset.domain
        self.default_variables = None
        self.mapping_bar.set_text(preset.mapping)
        self.mapping_bar.edit.remember(preset.mapping)
        self.apply_mapping(preset.mapping, rect=preset.domain, ranges=preset.params, note=preset.note)

    def open_mapping(self, text: str, *, variables: tuple[str, str] | None = None,
                     params: dict[str, float] | None = None,
                     rect: tuple[float, float, float, float] | None = None) -> None:
        """Show a mapping given from outside (command line, session); presets keep their domain."""
        preset = next((p for p in self.presets if p.mapping == text), None)
        ranges = dict(preset.params) if preset else {}
        for name, value in (params or {}).items():
            old = ranges.get(name, ParameterRange())
            ranges[name] = ParameterRange(value, min(old.minimum, value), max(old.maximum, value))
        rect = rect or (preset.domain if preset else DEFAULT_RECT)
        self.home_rect = rect
        self.default_variables = variables
        self.mapping_bar.default_variables = variables
        self.mapping_bar.set_text(text)
        self.mapping_bar.edit.remember(text)
        self.apply_mapping(text, rect=rect, ranges=ranges, note=preset.note if preset else "",
                           strict_params=params or {})

    def apply_mapping(self, text: str, *, rect=None, ranges: dict | None = None, note: str = "",
                      strict_params: dict | None = None, after=None) -> int:
        """Compile ``text`` in the background; ``mappingApplied`` follows when it is drawn.

        ``after`` is called once the mapping is drawn, before ``mappingApplied`` (a session
        uses it to put back the cursor, h and the codomain's range).
        """
        new_domain = rect is not None
        requested = tuple(rect) if rect is not None else None
        if requested is not None:
            # Show the new domain now, so the job samples the rectangle that will be on
            # screen (the locked aspect ratio widens one side), and only once.
            self.domain.viewbox.blockSignals(True)
            self.domain.show_rect(requested)
            self.domain.viewbox.blockSignals(False)
            self.codomain.follow = True
        rect = self.domain.visible_rect()
        job = dict(rect=rect, requested=requested, ranges=ranges or {}, note=note, text=text,
                   new_domain=new_domain, after=after)
        generation = self.compiler.submit(
            _compile_job, text, self.default_variables, self.parameters.values(),
            dict(ranges or {}), rect, self.quality, dict(strict_params or {}), self.lab.t,
        )
        self._pending = {generation: job}
        self.show_message("Compiling…")
        return generation

    def set_mode(self, mode: str) -> None:
        if mode not in HEATMAP_MODES:
            raise MappingError(f"unknown heatmap mode '{mode}' (choose det, log or sign)")
        self.mode = mode
        self.mode_actions[mode].setChecked(True)
        index = HEATMAP_MODES.index(mode)
        if self.mode_box.currentIndex() != index:
            self.mode_box.setCurrentIndex(index)
        self.domain.set_mode(mode)
        if mode == "linerr" and (self.scene is None or self.scene.h != self.h):
            self.request_resample()
        self.files.changed()

    def set_h(self, h: float) -> None:
        if not (math.isfinite(h) and h > 0):
            return
        self.h = float(h)
        if abs(self.h_box.value() - self.h) > 1e-12 * self.h:
            self.h_box.blockSignals(True)
            self.h_box.setValue(self.h)
            self.h_box.blockSignals(False)
        self._update_overlay()
        if self.mode == "linerr":
            self.request_resample()
        self.files.changed()

    def move_cursor(self, x: float, y: float) -> None:
        """Put the cursor at (x, y), as a mouse move there would."""
        self._on_cursor(x, y)

    def add_pin(self, x: float, y: float) -> None:
        self.pins.append((float(x), float(y)))
        self._refresh_pins()
        self.pin_list.setCurrentRow(len(self.pins) - 1)
        self.files.changed()

    def remove_pin(self, index: int) -> None:
        if 0 <= index < len(self.pins):
            del self.pins[index]
            self._refresh_pins()
            self.files.changed()

    def clear_pins(self) -> None:
        self.pins.clear()
        self._refresh_pins()
        self.files.changed()

    def reset_view(self) -> None:
        self.domain.show_rect(self.home_rect)
        self.follow_domain()

    def follow_domain(self) -> None:
        self.codomain.follow = True
        if self.scene is not None:
            from jacviz.ui.views.paths import image_paths

            self.codomain.show_scene(self.scene, image_paths(self.scene, self.domain.visible_rect()))

    def show_help(self) -> None:
        if self._help is None:
            self._help = HelpDialog(self)
        self._help.show()
        self._help.raise_()

    def current_params(self) -> dict[str, float]:
        return self.parameters.values()

    # ------------------------------------------------------------------ sessions
    def current_session(self):
        """The state worth keeping, as a :class:`~jacviz.core.persistence.session.Session` (or None)."""
        from jacviz.core.persistence.session import Session

        if self.prepared is None:
            return None
        (u0, u1), (v0, v1) = self.codomain.viewbox.viewRange()
        draft = self.mapping_bar.text()
        return Session(
            mapping=self.prepared.text,
            variables=self.prepared.variables,
            params=self.parameters.ranges(),
            domain_range=self.domain.visible_rect(),
            codomain_range=(float(u0), float(u1), float(v0), float(v1)),
            codomain_follows=self.codomain.follow,
            pins=tuple(self.pins),
            heatmap_mode=self.mode,
            h=self.h,
            cursor=self.cursor,
            draft=draft if draft != self.prepared.text else "",
        )

    def apply_session(self, s) -> int:
        """Show a session (checked by jacviz.core.persistence.session); returns the job's generation."""
        self.default_variables = s.variables
        self.mapping_bar.default_variables = s.variables
        self.mapping_bar.set_text(s.mapping)
        self.mapping_bar.edit.remember(s.mapping)
        self.home_rect = s.domain_range
        self.pins = [tuple(p) for p in s.pins]
        self.set_mode(s.heatmap_mode)

        def after() -> None:
            self.set_h(s.h)
            if s.cursor is not None:
                self.cursor = tuple(s.cursor)
            if not s.codomain_follows and s.codomain_range is not None:
                u0, u1, v0, v1 = s.codomain_range
                self.codomain.follow = False
                self.codomain.viewbox.setRange(xRange=(u0, u1), yRange=(v0, v1), padding=0.0)
            if s.draft:
                self.mapping_bar.set_text(s.draft)
                self.mapping_bar.validate_now()
            self._update_overlay()

        return self.apply_mapping(s.mapping, rect=s.domain_range, ranges=dict(s.params), after=after)

    def _idle(self) -> bool:
        return self.compiler.is_idle() and self.sampler.is_idle() and self.imager.is_idle()

    @property
    def formulas_pending(self) -> bool:
        """True while formulas are being simplified in the background."""
        with self._simplify_lock:
            return self._simplify_pending > 0

    def wait_until_drawn(self, timeout: float = 60.0) -> bool:
        """Process events until no compile or resample is pending and its result is drawn.

        For commands and benchmarks that drive the window without a user (jacviz export);
        an interactive session never needs to wait.
        """
        app = QApplication.instance()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            app.processEvents()
            if self._first_mapping is not None:
                continue  # the first mapping starts when the window has been shown
            if self._idle():
                app.processEvents()  # deliver the queued result, which may ask for more
                if self._idle():
                    return True
            time.sleep(0.002)
        return False

    # ------------------------------------------------------------------ slots
    @guarded
    def _on_quit(self, *_args) -> None:
        self.close()

    @guarded
    def _on_home(self, *_args) -> None:
        self.reset_view()

    @guarded
    def _on_follow(self, *_args) -> None:
        self.follow_domain()

    @guarded
    def _on_help(self, *_args) -> None:
        self.show_help()

    @guarded
    def _on_clear_pins(self, *_args) -> None:
        self.clear_pins()

    @guarded
    def _on_smaller(self, *_args) -> None:
        self.set_h(self.h / 1.25)

    @guarded
    def _on_larger(self, *_args) -> None:
        self.set_h(self.h * 1.25)

    @guarded
    def _on_focus_mapping(self, *_args) -> None:
        self.mapping_bar.edit.setFocus()
        self.mapping_bar.edit.selectAll()

    @guarded
    def _on_mode_action(self, mode: str) -> None:
        self.set_mode(mode)

    @guarded
    def _on_state_changed(self, *_args) -> None:
        self.files.changed()

    @guarded
    def _on_apply_requested(self, text: str) -> None:
        self.apply_mapping(text)

    @guarded
    def _on_preset(self, preset: Preset) -> None:
        self.load_preset(preset)

    @guarded
    def _on_compiled(self, generation: int, result) -> None:
        job = self._pending.pop(generation, None)
        if job is None or generation != self.compiler.generation:
            return  # overtaken by a newer mapping
        prepared, params, scene = result
        self.prepared = prepared
        self.mapping_bar.show_error(None)
        ranges = dict(job["ranges"])
        for name, value in params.items():
            if name not in ranges:
                old = self.parameters.controls.get(name)
                lo, hi = old.range if old else (min(-5.0, value), max(5.0, value))
                ranges[name] = ParameterRange(value, lo, hi)
        self.parameters.blockSignals(True)
        self.parameters.set_parameters(prepared.parameters, ranges)
        self.parameters.blockSignals(False)
        a, b = prepared.variables
        u, v = image_names(prepared.variables)
        self.domain.set_axis_names(a, b)
        self.codomain.set_axis_names(u, v)
        self.readout.set_names(prepared.variables, (u, v))
        self.readout.set_symbolic(prepared.formulas)
        x0, x1, y0, y1 = job["requested"] or job["rect"]
        if job["new_domain"] or self.cursor is None:
            # a new domain: start the cursor off-centre (the centre is often a special point)
            self.cursor = (x0 + (x1 - x0) * 0.637, y0 + (y1 - y0) * 0.593)
            self.set_h(0.035 * max(x1 - x0, y1 - y0))
        self._draw_scene(scene)
        self._refresh_pins()
        self._update_overlay()
        self.lab.mapping_changed()
        self._start_simplify(prepared)
        kind = "complex form" if prepared.is_complex else f"{prepared.stages}-stage chain" \
            if prepared.stages > 1 else "real form"
        self.status_label.setText(f"{kind} · compiled in {prepared.seconds * 1000:.0f} ms")
        self.show_message(job["note"] or f"Applied: {prepared.text}", timeout_ms=0)
        self.setWindowTitle(f"jacviz — {prepared.text}")
        if job["after"] is not None:
            job["after"]()
        self._scene_key = (prepared.compiled, _params_key(params), self.lab.t, None)
        # The first scene of a mapping is sampled without a margin, to be drawn sooner; the
        # margin that makes small pans free follows from the worker right after.
        self.request_resample(add_margin=True)
        self.files.changed()
        if not self._warmed:
            # the next mapping typed should not wait for a worker to import sympy
            self._warmed = True
            from jacviz.core.pipeline import worker

            threading.Thread(target=worker.COMPILE.warm_up, name="jacviz-warm-up", daemon=True).start()
        self.mappingApplied.emit(prepared.text)

    @guarded
    def _on_compile_failed(self, generation: int, error: MappingError) -> None:
        if generation != self.compiler.generation:
            return
        self._pending.pop(generation, None)
        self.mapping_bar.show_error(error)
        self.show_message(f"{error} — the previous mapping stays drawn", error=True)
        self.mappingFailed.emit(str(error))

    def request_resample(self, add_margin: bool = False) -> None:
        """Make the drawn scene cover the visible domain for the current mapping and values.

        Scenes are sampled with a margin around the view (PAN_MARGIN), so a pan that stays
        inside it needs no new samples: the scene is already current and ``sceneDrawn`` is
        emitted at once. Anything else is resampled on the worker thread.
        """
        if self.prepared is None:
            return
        compiled = self.prepared.compiled
        params = self.parameters.values()
        rect = self.domain.visible_rect()
        linerr_h = self.h if self.mode == "linerr" else None
        key = (compiled, _params_key(params), self.lab.t, linerr_h)
        scene = self.scene
        needs_margin = add_margin and scene is not None and scene.rect == scene.visible
        if (scene is not None and key == self._scene_key and self.sampler.is_idle()
                and scene.covers(rect, self.quality) and not needs_margin):
            # No new samples needed. The right view is redrawn for the image of the new
            # view on a worker thread (its paths take a few milliseconds to build).
            if rect != scene.visible:
                self.imager.submit(_image_job, scene, rect)
            self.sceneDrawn.emit()
            return
        self.sampler.submit(_sample_job, compiled, self.lab.numeric(compiled), rect, self.quality,
                            params, linerr_h, key)

    @guarded
    def _on_sampled(self, generation: int, result) -> None:
        compiled, params, scene = result
        current = self.prepared.compiled if self.prepared is not None else None
        if generation <= self._drawn_sample or compiled is not current:
            return
        self._drawn_sample = generation
        self._scene_key = scene.extra.get("key")
        self._draw_scene(scene)
        self._refresh_pins()
        if params != self.parameters.values():
            return
        self._update_overlay()

    @guarded
    def _on_images(self, generation: int, result) -> None:
        scene, _rect, paths = result
        if scene is self.scene and generation == self.imager.generation:
            self.codomain.show_scene(scene, paths)

    @guarded
    def _on_sample_failed(self, generation: int, error: MappingError) -> None:
        self.show_message(str(error), error=True)

    @guarded
    def _on_parameter(self, _name: str, _value: float) -> None:
        self._update_overlay()
        self.request_resample()
        self.lab.mapping_changed()
        self.files.changed()

    @guarded
    def _on_morph(self, _t: float) -> None:
        self._update_overlay()
        self.request_resample()
        self.lab.mapping_changed()

    @guarded
    def _on_domain_range(self, _rect) -> None:
        self.request_resample()
        self.files.changed()

    @guarded
    def _on_cursor(self, x: float, y: float) -> None:
        self.cursor = (float(x), float(y))
        self._update_overlay()

    @guarded
    def _on_click(self, x: float, y: float) -> None:
        self.add_pin(x, y)
        self.show_message(f"Pinned ({fmt(x)}, {fmt(y)}); remove it with Delete in the list")

    @guarded
    def _on_remove_pin(self) -> None:
        row = self.pin_list.currentRow()
        if row < 0 and self.pins:
            row = len(self.pins) - 1
        self.remove_pin(row)

    @guarded
    def _on_pin_selected(self, row: int) -> None:
        if 0 <= row < len(self.pins):
            self._on_cursor(*self.pins[row])

    @guarded
    def _on_mode_box(self, index: int) -> None:
        self.set_mode(HEATMAP_MODES[index])

    @guarded
    def _on_h_box(self, value: float) -> None:
        self.set_h(value)

    @guarded
    def _on_simplified(self, token: int, forms: dict) -> None:
        if token == self._simplify_token and forms:
            self.readout.set_simplified(forms)
            _token, text, variables = self._simplify_for
            from jacviz.core.pipeline import cache

            cache.store_simplified(text, forms, None, variables)

    # ------------------------------------------------------------------ drawing
    def _draw_scene(self, scene) -> None:
        self.scene = scene
        paths = scene.extra.get("paths")
        self.domain.show_scene(scene, paths)
        self.codomain.show_scene(scene, paths)
        nan = np.isnan(scene.det)
        note = ""
        if nan.all():
            note = "F or J is undefined on the whole visible domain"
        elif nan.mean() > 0.5:
            note = "F or J is undefined on much of the visible domain (shown transparent)"
        self.view_note.setText(note)
        self.sceneDrawn.emit()

    def _update_overlay(self) -> None:
        if self.prepared is None or self.cursor is None:
            return
        x, y = self.cursor
        params = self.parameters.values()
        numeric = self.lab.numeric(self.prepared.compiled)
        info = point_info(numeric, x, y, params)
        lin = linearization(numeric, (x, y), self.h, params, jacobian=info.jacobian)
        self.domain.show_linearization(lin)
        self.codomain.show_linearization(lin)
        self.readout.show_point(info)
        self._value = np.asarray(info.value, dtype=float)
        self.lab.update_at(np.array([x, y], dtype=float), numeric, params, info)

    def refresh_cursor(self) -> None:
        """Redraw everything that depends on the cursor (after a tool changed)."""
        self._update_overlay()

    def current_value(self) -> np.ndarray | None:
        """F(p) at the cursor, as last shown."""
        value = getattr(self, "_value", None)
        return None if value is None or not np.isfinite(value).all() else value

    def _refresh_pins(self) -> None:
        self.domain.show_pins(self.pins)
        self.pin_list.blockSignals(True)
        row = self.pin_list.currentRow()
        self.pin_list.clear()
        images = np.empty((0, 2))
        if self.prepared is not None and self.pins:
            arr = np.asarray(self.pins, dtype=float)
            params = self.parameters.values()
            u, v = self.prepared.compiled.values(arr[:, 0], arr[:, 1], params)
            det = self.prepared.compiled.det(arr[:, 0], arr[:, 1], params)
            images = np.stack([u, v], axis=1)
            for (x, y), d in zip(self.pins, det, strict=True):
                item = QListWidgetItem(f"({fmt(x)}, {fmt(y)})   det J = {fmt(float(d))}")
                self.pin_list.addItem(item)
        self.codomain.show_pins(images)
        if self.pins:
            self.pin_list.setCurrentRow(min(max(row, 0), len(self.pins) - 1))
        self.pin_list.blockSignals(False)

    # ------------------------------------------------------------------ simplification
    def _start_simplify(self, prepared) -> None:
        """Simplify the formulas in a killable process; show them when (if) they arrive.

        A mapping read from the compiled-code cache brings its simplified formulas along.
        """
        self._simplify_token += 1
        token = self._simplify_token
        old, self._simplify_job = self._simplify_job, None
        if old is not None:
            old.cancel()
        if prepared.simplified:
            self.readout.set_simplified(dict(prepared.simplified))
            return
        text, variables = prepared.text, self.default_variables
        self._simplify_for = (token, text, variables)

        def work() -> None:
            from jacviz.core.pipeline import formulas as simplify

            try:
                job = simplify.start(text, None, variables)
                self._simplify_job = job
                forms = job.results(SIMPLIFY_TIMEOUT)
            except Exception:  # simplification is best effort
                forms = {}
            try:
                self._relay.done.emit(token, forms)
            except RuntimeError:  # the window is gone
                pass

        with self._simplify_lock:
            self._simplify_pending += 1

        def work_and_count() -> None:
            try:
                work()
            finally:
                with self._simplify_lock:
                    self._simplify_pending -= 1

        threading.Thread(target=work_and_count, name="jacviz-simplify", daemon=True).start()

    # ------------------------------------------------------------------ lifecycle
    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self._first_mapping is not None:
            QTimer.singleShot(0, self._start_first_mapping)

    @guarded
    def _start_first_mapping(self) -> None:
        first, self._first_mapping = self._first_mapping, None
        if first is not None:
            first()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        try:
            self.files.autosave_now()
        except Exception:  # closing must always work
            traceback.print_exc(file=sys.stderr)
        self.compiler.close()
        self.sampler.close()
        self.imager.close()
        self.lab.close()
        job = self._simplify_job
        if job is not None:
            job.cancel()
        super().closeEvent(event)


def _compile_job(text, default_variables, old_values, ranges, rect, quality, strict, t=1.0):
    """Background: parse, differentiate, compile, choose parameter values, sample."""
    # sympy's part runs in a worker process, killed if it takes too long (core/worker.py)
    prepared = prepare(text, default_variables=default_variables)
    unknown = [name for name in strict if name not in prepared.parameters]
    if unknown:
        known = ", ".join(prepared.parameters) or "none"
        raise MappingError(f"unknown parameter '{unknown[0]}' (this mapping's parameters: {known})")
    params = {}
    for name in prepared.parameters:
        if name in strict:
            params[name] = float(strict[name])
        elif name in ranges:
            params[name] = float(ranges[name].value)
        else:
            params[name] = float(old_values.get(name, 1.0))
    numeric = prepared.compiled
    if t < 1.0:
        from jacviz.core.numeric.morph import MorphedMapping

        numeric = MorphedMapping(prepared.compiled, t)
    scene = sample_scene(numeric, rect, quality, params)  # no margin yet: see _on_compiled
    return prepared, params, _with_paths(scene)


def _sample_job(compiled, numeric, rect, quality, params, linerr_h=None, key=None):
    """Background: resample the visible domain (``numeric`` is F, or F morphing)."""
    scene = sample_scene(numeric, rect, quality, params, linerr_h=linerr_h, margin=PAN_MARGIN)
    scene.extra["key"] = key
    return compiled, params, _with_paths(scene)


def _image_job(scene, rect):
    """Background: the codomain's paths for the image of the visible rectangle ``rect``."""
    from jacviz.ui.views.paths import image_paths

    return scene, rect, image_paths(scene, rect)


def _params_key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def _with_paths(scene):
    """Attach the static curves' QPainterPaths, built here rather than on the GUI thread."""
    from jacviz.ui.views.paths import scene_paths

    scene.extra["paths"] = scene_paths(scene)
    return scene
