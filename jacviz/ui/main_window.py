"""The main window: lays out the views, panels and tools, and wires them to the model.

The state lives in :class:`~jacviz.ui.model.AppModel`; the window owns what is computed
from it (the prepared mapping and the drawn scene) and the background work that computes it:

* a new mapping -> the *compiler* thread prepares it (:func:`jacviz.core.pipeline.prepare.prepare`:
  the cache, or sympy in a killable process) and samples its first scene -> :meth:`_on_compiled`
  puts it in the model and draws it, all at once, or nothing changes if it fails;
* a pan, zoom, parameter or morph change -> the *sampler* thread resamples the visible
  domain (scenes carry a margin, so a small pan needs nothing), newest request first;
* a mouse move -> the numbers at the cursor are computed right here on the GUI thread (one
  point and one small circle) so that every position, the last one of a flick included, is
  shown; every tool then draws what follows the cursor.

Every slot is wrapped by :func:`guarded`: an exception becomes a message in the status
bar instead of escaping into Qt's event loop, where PySide6 may end the process.
"""

from __future__ import annotations

import itertools
import sys
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from jacviz.core.errors import JacvizError
from jacviz.core.lab.pointinfo import point_info
from jacviz.core.language import choose_parameter_values
from jacviz.core.language.names import image_names
from jacviz.core.persistence.presets import ParameterRange, Preset, load_presets, ranges_for
from jacviz.core.pipeline.network import sample_mapping_scene
from jacviz.core.pipeline.prepare import prepare
from jacviz.core.pipeline.scene import DEFAULT_QUALITY, Quality, sample_scene
from jacviz.core.sampling.framing import DEFAULT_DOMAIN, fit_aspect, natural_domain
from jacviz.core.sampling.geometry import check_rect
from jacviz.core.sampling.heatmap import HEATMAP_LABELS, HEATMAP_MODES, HEATMAP_NAMES
from jacviz.core.sampling.linearization import linearization
from jacviz.ui import tools as tool_registry
from jacviz.ui.background import LatestWorker
from jacviz.ui.guard import guarded
from jacviz.ui.model import AppModel
from jacviz.ui.panels.help import HelpDialog
from jacviz.ui.panels.mapping_bar import MappingBar
from jacviz.ui.panels.parameters import ParameterPanel
from jacviz.ui.panels.pins import PinPanel
from jacviz.ui.panels.readout import Readout, fmt
from jacviz.ui.tools.base import CursorState
from jacviz.ui.views.codomain import CodomainView
from jacviz.ui.views.domain import DomainView
from jacviz.ui.views.paths import image_paths, scene_paths

DEFAULT_PRESET = "Sine lattice, folded"
DEFAULT_RECT = DEFAULT_DOMAIN
FRAME = object()  # apply_mapping's rect: "the mapping's natural domain, found on the worker"
SIMPLIFY_TIMEOUT = 8.0
# Scenes are sampled this fraction of the view's size beyond each side (at the view's own
# density), so that panning by up to that much shows samples already there.
PAN_MARGIN = 0.25
# While a parameter moves (a slider dragged, the morph playing, the wheel turning), scenes are
# sampled this coarsely: 16× fewer heatmap samples, half the grid lines and a quarter of their
# samples (stroking the grid is most of a new scene's paint), and no margin. The full scene
# follows REFINE_AFTER_MS after the last step.
MOVING_QUALITY = Quality(heatmap=128, lines=21, samples=100)
REFINE_AFTER_MS = 150


@dataclass
class _Job:
    """A mapping on its way to the screen, and what to do when it arrives (or fails)."""

    text: str
    variables: tuple[str, str] | None
    rect: tuple | None  # the domain to show, or None to keep the view
    ranges: dict = field(default_factory=dict)
    note: str = ""
    session: object = None  # a Session to take over once the mapping is ready
    on_applied: object = None
    on_failed: object = None
    kind: str = "mapping"  # or "model": a network's errors do not belong under the mapping bar


class MainWindow(QMainWindow):
    """jacviz's window. ``MainWindow()`` shows the default preset; see also :meth:`apply_mapping`."""

    mappingApplied = Signal(str)
    sceneDrawn = Signal()
    mappingFailed = Signal(str)

    def __init__(self, mapping: str | None = None, *, variables: tuple[str, str] | None = None,
                 params: dict[str, float] | None = None, quality: Quality = DEFAULT_QUALITY,
                 rect: tuple[float, float, float, float] | None = None, restore: bool = False,
                 session=None, model: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("jacviz")
        self.resize(1280, 720)
        self.model = AppModel(self)
        self.quality = quality
        self.presets = load_presets()
        self._prepared = None
        self.scene = None
        self._scene_key = None
        self._drawn_sample = 0
        self._sample_floor = 0  # results of this generation or older are for what was replaced
        self.home_rect = DEFAULT_RECT
        self._pending: dict[int, _Job] = {}
        self._simplify_holder: list = []
        self._warmed = False
        self._help: HelpDialog | None = None
        self._cursor_state: CursorState | None = None
        self._view_touched = False  # the user panned or zoomed the domain since it was last framed
        self._refine_timer = QTimer(self)
        self._refine_timer.setSingleShot(True)
        self._refine_timer.setInterval(REFINE_AFTER_MS)
        self._refine_timer.timeout.connect(self._refine)

        self.compiler = LatestWorker("compile", self)
        self.compiler.finished.connect(self._on_compiled)
        self.compiler.failed.connect(self._on_compile_failed)
        self.sampler = LatestWorker("sample", self)
        self.sampler.finished.connect(self._on_sampled)
        self.sampler.failed.connect(self._on_sample_failed)
        self.imager = LatestWorker("images", self)
        self.imager.finished.connect(self._on_images)
        self.imager.failed.connect(self._on_sample_failed)
        self.formulas = LatestWorker("formulas", self)
        self.formulas.finished.connect(self._on_simplified)

        self._build_widgets()
        self._build_menus()
        self.tools = {cls.name: cls(self) for cls in tool_registry.TOOLS}
        from jacviz.ui.files import FileActions

        self.files = FileActions(self)
        from jacviz.ui.network import NetworkSupport

        self.network = NetworkSupport(self)  # File → Open model…, Presets → Networks, drops, sessions
        # Only the interactive app restores and autosaves; a window made by a test or by
        # jacviz export must not overwrite the user's last session.
        self.files.autosave_enabled = restore
        self._connect()
        self._update_tab_order()

        restored = session
        if mapping is None and session is None and restore:
            from jacviz.core.persistence import settings

            restored = settings.read_autosave()

        def first_mapping() -> None:
            if model is not None:
                self.network.open_path(model, rect=rect)
            elif restored is not None:
                note = "Restored your last session" if session is None else "Opened the session"
                self.apply_session(restored, on_applied=lambda: self._restored(note))
            elif mapping is None:
                preset = next((p for p in self.presets if p.name == DEFAULT_PRESET), self.presets[0])
                self.load_preset(preset)
            else:
                self.open_mapping(mapping, variables=variables, params=params or {}, rect=rect)

        # The first mapping is compiled once the window is shown and laid out: the domain
        # view's shape decides the rectangle that is sampled, and sampling a guess first
        # would only have to be done again.
        self._first_mapping = first_mapping

    def _restored(self, note: str) -> None:
        self.files.refresh_restore()
        others = len(self.files.restore_menu.actions())
        if others:
            note += f"; {others} more autosaved session{'s' if others > 1 else ''} in File → Restore"
        self.show_message(note)

    # ------------------------------------------------------------------ construction
    def _build_widgets(self) -> None:
        self.mapping_bar = MappingBar(self.presets, self)
        self.parameters = ParameterPanel(self.model, self)
        self.domain = DomainView(self)
        self.codomain = CodomainView(self)
        self.readout = Readout(self)
        self.pin_section = PinPanel(self.model, self)

        side = QWidget(self)
        side.setObjectName("sidePanel")
        self._side_layout = QVBoxLayout(side)
        self._side_layout.setContentsMargins(0, 0, 0, 0)
        self._side_layout.addWidget(self.readout)
        self._side_layout.addWidget(self.pin_section)
        scroll = QScrollArea(self)
        scroll.setObjectName("sideScroll")
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Wide enough for the readout's numbers: its right column used to be cut off at 1280×720.
        self._side_width = max(330, self.readout.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 8)
        scroll.setMinimumWidth(self._side_width)
        self.side_scroll = scroll
        scroll.setAccessibleName("side panel: the numbers at the cursor, formulas, tools and pins")

        self._controls = QHBoxLayout()
        self._controls.setContentsMargins(4, 0, 4, 0)
        self._controls.addWidget(QLabel("Heatmap:"))
        self.mode_box = QComboBox(self)
        self.mode_box.setObjectName("heatmapMode")
        self.mode_box.setAccessibleName("heatmap mode")
        for mode in HEATMAP_MODES:
            self.mode_box.addItem(HEATMAP_NAMES[mode], mode)
        # The longest mode name would set the window's minimum width; the list shows it in full.
        self.mode_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.mode_box.setMinimumContentsLength(20)
        self._controls.addWidget(self.mode_box)
        self._controls.addSpacing(16)
        self._controls.addWidget(QLabel("Radius h:"))
        self.h_box = QDoubleSpinBox(self)
        self.h_box.setObjectName("neighbourhoodSize")
        self.h_box.setAccessibleName("neighbourhood radius h")
        self.h_box.setDecimals(5)
        self.h_box.setRange(1e-6, 1e6)
        self.h_box.setValue(self.model.h)
        self.h_box.setKeyboardTracking(False)
        self.h_box.setMinimumWidth(96)  # its range's widest text would widen the window for nothing
        self.h_box.setToolTip("radius of the small circle around the cursor ([ and ] change it)")
        self._controls.addWidget(self.h_box)
        self._controls.addSpacing(16)
        self.lens_box = QCheckBox("Lens")
        self.lens_box.setObjectName("showLens")
        self.lens_box.setChecked(True)
        self.lens_box.setToolTip(
            "the magnified view of F near F(p), in the corner farthest from it"
        )
        self.lens_box.toggled.connect(self._on_lens_box)
        self._controls.addWidget(self.lens_box)
        self._controls.addSpacing(8)
        self._tool_controls = QHBoxLayout()
        self._controls.addLayout(self._tool_controls)
        self._controls.addStretch(1)
        self.view_note = QLabel("")
        self.view_note.setObjectName("viewNote")
        self._controls.addWidget(self.view_note)

        left = QWidget(self)
        left.setObjectName("domainPane")
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(0)
        left_layout.addWidget(self.domain, 1)
        self.scale_caption = QLabel("")
        self.scale_caption.setObjectName("scaleCaption")
        self.scale_caption.setWordWrap(True)
        self.scale_caption.setContentsMargins(6, 0, 6, 2)
        font = self.scale_caption.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.scale_caption.setFont(font)
        left_layout.addWidget(self.scale_caption)
        self.domain.scaleChanged.connect(self._on_scale_changed)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("viewSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.codomain)
        self.splitter.addWidget(scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([440, 440, self._side_width])

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.mapping_bar)
        layout.addWidget(self.parameters)
        layout.addLayout(self._controls)
        layout.addWidget(self.splitter, 1)
        self._central_layout = layout
        self._shapes = None  # built on first use: see shapes
        self.setCentralWidget(central)
        self.status_label = QLabel("")
        self.status_label.setObjectName("statusInfo")
        self.statusBar().addPermanentWidget(self.status_label)

    @property
    def shapes(self):
        """The pane that draws scalar fields, curves, surfaces and maps of space instead of the views.

        It is built the first time a mapping needs it (or something asks for it): most sessions
        are maps of the plane, and building it, with its plots and 3D view, was a tenth of the
        cold start (``python -m jacviz.bench``).
        """
        if self._shapes is None:
            from jacviz.ui.shapes.pane import ShapesPane

            self._shapes = ShapesPane(self)
            self._shapes.hide()
            self._central_layout.addWidget(self._shapes, 1)
        return self._shapes

    def shown_shape(self):
        """The shapes pane while it, not the planar views, shows the mapping; None otherwise."""
        return self._shapes if self._shapes is not None and self._shapes.prepared is not None else None

    def _showing_shape(self) -> bool:
        return self.shown_shape() is not None

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.quit_action = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self._on_quit)
        self.file_menu.addAction(self.quit_action)

        view = bar.addMenu("&View")
        self.view_menu = view
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
        self.mode_actions["auto"].setChecked(True)
        view.addSeparator()
        for text, key, slot in (
            ("Show the whole domain", "Home", self._on_home),
            ("Right view follows the left", "Ctrl+F", self._on_follow),
            (None, None, None),
            ("Smaller neighbourhood", "[", self._on_smaller),
            ("Larger neighbourhood", "]", self._on_larger),
            ("Go to the mapping bar", "Ctrl+L", self._on_focus_mapping),
        ):
            if text is None:
                view.addSeparator()
                continue
            action = QAction(text, self, shortcut=QKeySequence(key))
            action.triggered.connect(slot)
            view.addAction(action)

        bar.addMenu(self.mapping_bar.presets_menu)
        self.tools_menu = bar.addMenu("&Tools")

        help_menu = bar.addMenu("&Help")
        self.help_action = QAction("What am I looking at?", self, shortcut=QKeySequence("F1"))
        self.help_action.triggered.connect(self._on_help)
        help_menu.addAction(self.help_action)

    def _connect(self) -> None:
        m = self.model
        m.cursorChanged.connect(self._on_model_cursor)
        m.hChanged.connect(self._on_model_h)
        m.paramsChanged.connect(self._on_model_params)
        m.heatmapModeChanged.connect(self._on_model_mode)
        m.pinsChanged.connect(self._on_model_pins)
        m.domainRangeChanged.connect(self._on_model_domain)
        m.codomainFollowsChanged.connect(self._on_model_follows)
        m.codomainRangeChanged.connect(self._on_model_codomain)
        m.draftChanged.connect(self._on_model_draft)
        m.variablesChanged.connect(self._on_model_variables)

        self.mapping_bar.applyRequested.connect(self._on_apply_requested)
        self.parameters.rebuilt.connect(self._update_tab_order)
        self.mapping_bar.edit.textEdited.connect(self._on_draft_typed)
        self.mapping_bar.presetChosen.connect(self._on_preset)
        self.domain.pointerMoved.connect(self._on_pointer)
        self.domain.clicked.connect(self._on_domain_click)
        self.domain.visibleRectChanged.connect(self._on_domain_range)
        self.domain.viewbox.sigRangeChangedManually.connect(self._on_domain_touched)
        self.codomain.rangeChangedByUser.connect(self._on_codomain_range)
        self.mode_box.currentIndexChanged.connect(self._on_mode_box)
        self.h_box.valueChanged.connect(self._on_h_box)
        self.pin_section.pinSelected.connect(self._on_pin_selected)
        clear = QShortcut(QKeySequence("Ctrl+Shift+Delete"), self)
        clear.activated.connect(self._on_clear_pins)

    def _update_tab_order(self) -> None:
        """Tab goes through the window as it reads: the mapping bar, the parameters, the
        controls row, the two views, then the side panel, top to bottom.

        Qt's default order is the order widgets were made in, which puts the parameter rows
        (made anew for every mapping) last.
        """
        order: list[QWidget] = []
        for part in (self.mapping_bar, self.parameters, self._controls, self.domain, self.codomain,
                     self.side_scroll):
            order.extend(w for w in _focusables(part) if w.window() is self)  # not a combo's popup
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    # ------------------------------------------------------------------ the tool host
    @property
    def prepared(self):
        """The mapping on screen (a :class:`~jacviz.core.pipeline.prepared.Prepared`), or None."""
        return self._prepared

    def numeric(self):
        """The mapping the views draw: the prepared one, through every tool's transform."""
        if self._prepared is None:
            return None
        numeric = self._prepared.compiled
        if not getattr(self._prepared, "square", True):
            return numeric  # a network of 2 → k outputs: no tool transforms a non-planar mapping
        for tool in self.tools.values():
            numeric = tool.transform(numeric)
        return numeric

    def _transform_key(self) -> tuple:
        return tuple(tool.transform_key() for tool in self.tools.values())

    def add_control(self, widget) -> None:
        self._tool_controls.addWidget(widget)

    def set_planar_controls(self, enabled: bool) -> None:
        """Grey out the controls row (heatmap mode, h, lens, the tools' buttons) while the shapes
        pane shows a mapping that is not a map of the plane: none of them acts on it."""
        def walk(layout):
            for i in range(layout.count()):
                item = layout.itemAt(i)
                if item.widget() is not None:
                    item.widget().setEnabled(enabled)
                elif item.layout() is not None:
                    walk(item.layout())
        walk(self._controls)

    def add_panel(self, widget) -> None:
        self._side_layout.insertWidget(self._side_layout.count() - 1, widget)
        widget.installEventFilter(self)  # when a tool's panel opens, the formulas fold away

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Show and obj is not self.readout:
            self.readout.formulas_section.set_folded(True)
            QTimer.singleShot(0, lambda: self.side_scroll.ensureWidgetVisible(obj, 0, 0))
        return False

    def add_menu_action(self, menu: str, action) -> None:
        """A tool's action in the window's menu ``menu`` ("View" or "Tools")."""
        target = self.view_menu if menu == "View" else self.tools_menu
        target.addAction(action)

    def add_shortcut(self, key: str, slot, name: str) -> None:
        """A single-key shortcut for a tool; it does nothing while the user types in a text box."""
        shortcut = QShortcut(QKeySequence(key), self)
        shortcut.setObjectName(f"shortcut_{name}")
        shortcut.activated.connect(lambda: self._run_shortcut(slot))

    @guarded
    def _run_shortcut(self, slot) -> None:
        if not isinstance(QApplication.focusWidget(), QLineEdit):
            slot()

    def tool(self, name: str):
        """The tool registered under ``name`` (see :mod:`jacviz.ui.tools`)."""
        return self.tools[name]

    def redraw(self, moving: bool = False) -> None:
        """What the views draw changed (a tool's transform or field): resample and redraw the cursor.

        ``moving``: the change is one step of many (a morph playing, a slider dragged), so a
        coarse scene is drawn at once and the full one when the steps rest.
        """
        self._update_overlay()
        if moving:
            self._resample_moving()
        else:
            self.request_resample()
        for tool in self.tools.values():
            tool.mapping_changed()

    def refresh_cursor(self) -> None:
        """Redraw everything that depends on the cursor (after a tool changed)."""
        self._update_overlay()

    # ------------------------------------------------------------------ public API
    def show_message(self, text: str, error: bool = False, timeout_ms: int = 0) -> None:
        """A message in the status bar (errors stay until the next message)."""
        self.statusBar().showMessage(("⚠ " if error else "") + text, 0 if error else timeout_ms)

    @property
    def cursor(self):
        return self.model.cursor

    @property
    def pins(self) -> list:
        return list(self.model.pins)

    @property
    def h(self) -> float:
        return self.model.h

    @property
    def mode(self) -> str:
        return self.model.heatmap_mode

    def current_params(self) -> dict[str, float]:
        return self.model.param_values()

    def load_preset(self, preset: Preset) -> None:
        """Show a preset: its mapping, its domain and its parameter ranges."""
        self.home_rect = preset.domain
        self.mapping_bar.set_text(preset.mapping)
        self.mapping_bar.edit.remember(preset.mapping)
        self.apply_mapping(preset.mapping, rect=preset.domain, ranges=preset.params, note=preset.note,
                           variables=None)
        for tool in self.tools.values():
            tool.preset_loaded(preset)  # e.g. a vector-field preset turns that reading on

    def apply_typed(self, text: str) -> int:
        """Apply a mapping typed in the bar, framed as a new user expects.

        A preset's formula takes the preset's domain. Otherwise the view stays where the
        user panned or zoomed it; an untouched view takes the mapping's natural domain
        (:func:`jacviz.core.sampling.framing.natural_domain`), which Home then returns to.
        """
        preset = next((p for p in self.presets if p.mapping == text.strip()), None)
        if preset is not None and not self._view_touched:
            self.home_rect = preset.domain
            return self.apply_mapping(text, rect=preset.domain, ranges=preset.params, note=preset.note)
        return self.apply_mapping(text, rect=None if self._view_touched else FRAME)

    def open_mapping(self, text: str, *, variables: tuple[str, str] | None = None,
                     params: dict[str, float] | None = None,
                     rect: tuple[float, float, float, float] | None = None) -> None:
        """Show a mapping given from outside (command line); presets keep their domain."""
        preset = next((p for p in self.presets if p.mapping == text), None)
        ranges = dict(preset.params) if preset else {}
        for name, value in (params or {}).items():
            old = ranges.get(name, ParameterRange())
            ranges[name] = ParameterRange(value, min(old.minimum, value), max(old.maximum, value))
        rect = rect or (preset.domain if preset else DEFAULT_RECT)
        self.home_rect = rect
        self.mapping_bar.set_text(text)
        self.mapping_bar.edit.remember(text)
        self.apply_mapping(text, rect=rect, ranges=ranges, note=preset.note if preset else "",
                           strict_params=params or {}, variables=variables)

    def apply_mapping(self, text: str, *, rect=None, ranges: dict | None = None, note: str = "",
                      strict_params: dict | None = None, variables=..., session=None,
                      on_applied=None, on_failed=None) -> int:
        """Prepare ``text`` in the background; it replaces what is shown only once it is ready.

        ``mappingApplied`` (and ``on_applied``) follow when it is drawn; if it fails,
        ``mappingFailed`` (and ``on_failed(message)``) and nothing else changes. ``variables``
        name the variables when the text has no head (default: those of the current mapping,
        so a preset's r, t stay while the formula is edited).
        """
        self._first_mapping = None  # asked for before the window was first shown: this one wins
        if variables is ...:
            variables = self.model.variables
        if rect is not None and rect is not FRAME:
            try:
                rect = check_rect(rect, "the domain")
            except JacvizError as err:
                self.show_message(f"{err} — the previous mapping stays drawn", error=True)
                if callable(on_failed):
                    on_failed(str(err))
                self.mappingFailed.emit(str(err))
                return self.compiler.generation
        if rect is FRAME:
            sample_rect = FRAME
        else:
            sample_rect = self.domain.fitted_rect(rect) if rect is not None else self.domain.visible_rect()
            rect = tuple(rect) if rect is not None else None
        job = _Job(text, variables, rect, dict(ranges or {}), note, session, on_applied, on_failed)
        self._drop_pending_draws()
        starting = {name: spec.value for name, spec in job.ranges.items()}
        generation = self.compiler.submit(
            _compile_job, text, variables, dict(strict_params or {}), starting, self.model.param_values(),
            sample_rect, self.quality, list(self.tools.values()), self.domain.aspect(),
        )
        self._pending = {generation: job}
        self.show_message("Compiling…")
        return generation

    def apply_prepared(self, job_function, *args, text: str, rect=None, note: str = "", session=None,
                       on_applied=None, on_failed=None) -> int:
        """Show what ``job_function(*args, sample_rect, quality, tools)`` prepares on the compiler thread.

        The path of :meth:`apply_mapping` for what is not typed text (a trained network, see
        :mod:`jacviz.ui.network`): the job returns (prepared, parameter values, first scene,
        its paths) and :meth:`_on_compiled` shows it, all at once, or nothing changes.
        """
        self._first_mapping = None  # as in apply_mapping: what is asked for now wins over the first
        sample_rect = self.domain.fitted_rect(rect) if rect is not None else self.domain.visible_rect()
        job = _Job(text, None, tuple(rect) if rect is not None else None, {}, note, session, on_applied,
                   on_failed, kind="model")
        self._drop_pending_draws()
        generation = self.compiler.submit(job_function, *args, sample_rect, self.quality,
                                          list(self.tools.values()))
        self._pending = {generation: job}
        self.show_message(f"Opening {text}…")
        return generation

    def _drop_pending_draws(self) -> None:
        """A new mapping is coming: resamples and images of the old one would only be drawn to be
        replaced (and stall the GUI thread while the new one arrives), so they are dropped. If the
        new mapping fails, :meth:`_on_compile_failed` asks for the old one's scene again."""
        self._sample_floor = self.sampler.cancel()
        self.imager.cancel()
        self._refine_timer.stop()

    def set_mode(self, mode: str) -> None:
        self.model.set_heatmap_mode(mode)

    def set_h(self, h: float) -> None:
        self.model.set_h(h)

    def move_cursor(self, x: float, y: float) -> None:
        """Put the cursor at (x, y), as a mouse move there would."""
        self.model.set_cursor((x, y))

    def add_pin(self, x: float, y: float) -> None:
        self.model.add_pin((x, y))
        self.pin_section.select_last()

    def remove_pin(self, index: int) -> None:
        self.model.remove_pin(index)

    def clear_pins(self) -> None:
        self.model.set("pins", ())

    def reset_view(self) -> None:
        self.domain.show_rect(self.home_rect)
        self._view_touched = False
        self.follow_domain()

    def follow_domain(self) -> None:
        self.model.set("codomain_follows", True)
        if self.scene is not None:
            self.codomain.follow = True
            self.codomain.show_scene(self.scene, image_paths(self.scene, self.domain.visible_rect()))

    def show_help(self) -> None:
        if self._help is None:
            self._help = HelpDialog(self)
        self._help.show()
        self._help.raise_()

    # ------------------------------------------------------------------ sessions
    def current_session(self):
        """The state worth keeping, as a :class:`~jacviz.core.persistence.session.Session` (or None)."""
        if self._prepared is None:
            return None
        return self.model.to_session()

    def apply_session(self, s, *, on_applied=None, on_failed=None) -> int:
        """Show a checked session, all or nothing: its mapping is prepared first, then everything switches."""
        self.home_rect = s.domain_range
        if s.model is not None:
            return self.network.apply_session(s, on_applied=on_applied, on_failed=on_failed)
        return self.apply_mapping(s.mapping, rect=s.domain_range, ranges=dict(s.params),
                                  variables=s.variables, session=s, on_applied=on_applied,
                                  on_failed=on_failed)

    # ------------------------------------------------------------------ waiting (commands, tests)
    def _idle(self) -> bool:
        return (self.compiler.is_idle() and self.sampler.is_idle() and self.imager.is_idle()
                and not self._refine_timer.isActive()
                and (self._shapes is None or self._shapes.is_idle()))

    @property
    def formulas_pending(self) -> bool:
        """True while formulas are being simplified in the background."""
        return not self.formulas.is_idle()

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

    # ------------------------------------------------------------------ the pipeline's results
    @guarded
    def _on_compiled(self, generation: int, result) -> None:
        job = self._pending.pop(generation, None)
        if job is None or generation != self.compiler.generation:
            return  # overtaken by a newer mapping
        prepared, values, scene, paths, framed = result
        if not prepared.is_planar:
            if job.rect is FRAME:
                job.rect = None  # the shapes pane frames its own domain
            from jacviz.ui.shapes.pane import show_shape

            self.network.shape_shown()
            show_shape(self, prepared, values, job)
            return
        if self._showing_shape():
            self.shapes.leave()
            self.splitter.show()
            self.set_planar_controls(True)
        if framed is not None:  # a typed mapping on a view the user had not moved: its own domain
            job.rect, why = framed
            self.home_rect = job.rect
            if why and not job.note:
                job.note = f"Applied: {prepared.text} — {why}"
        self._prepared = prepared
        ranges = ranges_for(prepared.parameters, values, job.ranges, self.model.params)
        m = self.model
        self._scene_key = None  # nothing drawn is current until the new scene is
        with m.batch():
            if job.session is not None:
                m.load_session(job.session)
            m.update(mapping=prepared.text, variables=job.variables, params=ranges)
            if job.session is None:
                m.set("draft", self.mapping_bar.text())
                x0, x1, y0, y1 = job.rect or self.domain.visible_rect()
                if job.rect is not None or m.cursor is None:
                    # a new domain: the cursor off-centre (the centre is often a special point)
                    m.set_cursor((x0 + (x1 - x0) * 0.637, y0 + (y1 - y0) * 0.593))
                    m.set_h(0.035 * max(x1 - x0, y1 - y0))
                if job.rect is not None:
                    m.update(codomain_follows=True, codomain_range=None)
        if job.rect is not None:
            with QSignalBlocker(self.domain):  # not its viewbox: the axes must follow the new range
                self.domain.show_rect(job.rect)
            self._view_touched = False
        self.codomain.follow = m.codomain_follows
        self.mapping_bar.show_error(None)
        a, b = prepared.variables
        u, v = image_names(prepared.variables)
        self.domain.set_axis_names(a, b)
        self.codomain.set_axis_names(u, v)
        self.readout.set_names(prepared.variables, (u, v))
        self.readout.set_symbolic(prepared.formulas)
        self.network.mapping_shown(prepared)
        self._scene_key = self._key()
        self._draw_scene(scene, paths)
        m.set("domain_range", self.domain.visible_rect())  # the scene covers it: nothing resamples
        self._apply_codomain_range()
        self._refresh_pins()
        self._update_overlay()
        for tool in self.tools.values():
            tool.mapping_changed()
        self._start_simplify(prepared)
        self.status_label.setText(f"{prepared.kind} · compiled in {prepared.seconds * 1000:.0f} ms")
        self.show_message(job.note or f"Applied: {prepared.text}", timeout_ms=0)
        self.setWindowTitle(f"jacviz — {prepared.text}")
        # The first scene of a mapping is sampled without a margin, to be drawn sooner; the
        # margin that makes small pans free follows from the worker right after.
        self.request_resample(add_margin=True)
        if not self._warmed:
            # the next mapping typed should not wait for a worker to import sympy
            self._warmed = True
            from jacviz.core.pipeline import worker
            from jacviz.ui.background import start_thread

            start_thread(worker.COMPILE.warm_up, "warm-up")
        if callable(job.on_applied):
            job.on_applied()
        self.mappingApplied.emit(prepared.text)

    @guarded
    def _on_compile_failed(self, generation: int, error: JacvizError) -> None:
        if generation != self.compiler.generation:
            return
        job = self._pending.pop(generation, None)
        if job is not None and job.session is None and job.kind == "mapping":
            self.mapping_bar.show_error(error)
        self.show_message(f"{error} — the previous mapping stays drawn", error=True)
        self.request_resample()  # what was dropped while the new mapping was on its way
        if job is not None and callable(job.on_failed):
            job.on_failed(str(error))
        self.mappingFailed.emit(str(error))

    def _fields(self) -> tuple:
        """The extra heatmap fields the tools compute for the current mode."""
        mode = self.model.heatmap_mode
        return tuple(r for tool in self.tools.values() for r in tool.heatmap_fields(mode))

    def _key(self) -> tuple:
        """What a drawn scene depends on: it is current while this stays the same."""
        fields = tuple(r.key for r in self._fields())
        params = tuple(sorted(self.model.param_values().items()))
        compiled = self._prepared.compiled if self._prepared is not None else None
        return (id(compiled), params, self._transform_key(), fields)

    def request_resample(self, add_margin: bool = False, coarse: bool = False) -> None:
        """Make the drawn scene cover the visible domain for the current mapping and values.

        Scenes are sampled with a margin around the view (PAN_MARGIN), so a pan that stays
        inside it needs no new samples: the scene is already current and ``sceneDrawn`` is
        emitted at once. Anything else is resampled on the worker thread. ``coarse`` samples
        at :data:`MOVING_QUALITY` with no margin, for a value that is still moving (a
        slider being dragged); the full scene follows when it rests (:meth:`_refine`).
        """
        if self._prepared is None:
            return
        rect = self.domain.visible_rect()
        try:
            check_rect(rect, "the view")
        except JacvizError as err:
            self.show_message(f"{err}; press Home to see the whole domain again", error=True)
            return
        key = self._key()
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
        fields = self._fields()
        quality, margin = (MOVING_QUALITY, 0.0) if coarse else (self.quality, PAN_MARGIN)
        self.sampler.submit(_sample_job, self._prepared.compiled, self.numeric(), rect, quality,
                            self.model.param_values(), fields, key, margin)

    @guarded
    def _on_sampled(self, generation: int, result) -> None:
        compiled, scene, paths, key = result
        current = self._prepared.compiled if self._prepared is not None else None
        if generation <= max(self._drawn_sample, self._sample_floor) or compiled is not current:
            return
        self._drawn_sample = generation
        self._scene_key = key
        self._draw_scene(scene, paths)
        self._refresh_pins()
        if key == self._key():
            self._update_overlay()

    @guarded
    def _on_images(self, generation: int, result) -> None:
        scene, _rect, paths = result
        if scene is self.scene and generation == self.imager.generation:
            self.codomain.show_scene(scene, paths)

    @guarded
    def _on_sample_failed(self, generation: int, error: JacvizError) -> None:
        self.show_message(str(error), error=True)

    # ------------------------------------------------------------------ model -> widgets
    @guarded
    def _on_model_cursor(self, _cursor) -> None:
        self._update_overlay()

    @guarded
    def _on_model_h(self, h: float) -> None:
        if abs(self.h_box.value() - h) > 1e-12 * h:
            with QSignalBlocker(self.h_box):
                self.h_box.setValue(h)
        self._update_overlay()

    @guarded
    def _on_model_params(self, _params) -> None:
        if self._prepared is None:
            return
        self._update_overlay()
        self._refresh_pins()
        if self._scene_key is not None and self._scene_key != self._key():
            # Progressive refinement: while the values keep moving (a slider dragged), a
            # coarse scene follows each step at display rate; the full one once they rest.
            self._resample_moving()
            for tool in self.tools.values():
                tool.mapping_changed()

    def _resample_moving(self) -> None:
        self.request_resample(coarse=True)
        self._refine_timer.start()

    @guarded
    def _refine(self) -> None:
        """The values rested: replace the coarse scene by a full one (nothing if already full)."""
        self.request_resample()

    @guarded
    def _on_model_mode(self, mode: str) -> None:
        self.mode_actions[mode].setChecked(True)
        index = HEATMAP_MODES.index(mode)
        if self.mode_box.currentIndex() != index:
            with QSignalBlocker(self.mode_box):
                self.mode_box.setCurrentIndex(index)
        self.domain.set_mode(mode)
        if self._scene_key is not None and self._scene_key != self._key():
            self.request_resample()

    @guarded
    def _on_model_pins(self, _pins) -> None:
        self._refresh_pins()

    @guarded
    def _on_model_domain(self, rect) -> None:
        if self._showing_shape():
            return  # the shapes pane's own domain (it set it); the hidden planar views keep theirs
        if tuple(rect) != self.domain.visible_rect():
            self.domain.show_rect(rect)
        scene = self.scene
        width = rect[1] - rect[0]
        zoomed = scene is not None and abs(width - (scene.visible[1] - scene.visible[0])) > 1e-9 * width
        if zoomed and self._scene_key is not None and self._scene_key == self._key():
            self._resample_moving()  # a wheel roll: coarse scenes while it turns, the full one at rest
        else:
            self.request_resample()

    @guarded
    def _on_model_follows(self, follows: bool) -> None:
        self.codomain.follow = follows
        if follows and self.scene is not None:
            self.codomain.show_scene(self.scene, image_paths(self.scene, self.domain.visible_rect()))

    @guarded
    def _on_model_codomain(self, _rect) -> None:
        self._apply_codomain_range()

    def _apply_codomain_range(self) -> None:
        rect = self.model.codomain_range
        follows = self.model.codomain_follows
        if not follows and rect is not None and tuple(rect) != self.codomain.visible_rect():
            self.codomain.follow = False
            with QSignalBlocker(self.codomain):
                self.codomain.show_rect(rect)

    @guarded
    def _on_model_draft(self, text: str) -> None:
        if self.mapping_bar.text() != text:
            self.mapping_bar.set_text(text)
            if text != self.model.mapping:
                self.mapping_bar.validate_now()

    @guarded
    def _on_model_variables(self, variables) -> None:
        self.mapping_bar.default_variables = variables

    @guarded
    def _on_lens_box(self, on: bool) -> None:
        self.codomain.set_lens_visible(on and self.lens_box.isEnabled())
        self._update_overlay()

    @guarded
    def _on_scale_changed(self, title: str, note: str) -> None:
        text = f"Colour: {title} — {note}" if note else f"Colour: {title}"
        if self.scale_caption.text() != text:
            self.scale_caption.setText(text)
            self.scale_caption.setAccessibleName("colour scale")
            self.scale_caption.setAccessibleDescription(text)
            self.domain.setAccessibleDescription(text)  # the colour bar is painted in the view

    # ------------------------------------------------------------------ widgets -> model
    @guarded
    def _on_pointer(self, x: float, y: float) -> None:
        self.model.set_cursor((x, y))

    @guarded
    def _on_domain_click(self, x: float, y: float, modifiers, double: bool) -> None:
        if double or self.domain.drags_captured:
            return  # a tool is taking the clicks (the region's polygon)
        if modifiers & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
                        | Qt.KeyboardModifier.AltModifier):
            return  # a modifier-click belongs to the tools (a trajectory, a descent path)
        self.add_pin(x, y)
        self.show_message(f"Pinned ({fmt(x)}, {fmt(y)}); remove it with Delete in the list")

    @guarded
    def _on_domain_range(self, rect) -> None:
        self.model.set("domain_range", tuple(rect))

    @guarded
    def _on_codomain_range(self) -> None:
        self.model.update(codomain_follows=False, codomain_range=self.codomain.visible_rect())

    @guarded
    def _on_draft_typed(self, text: str) -> None:
        self.model.set("draft", text)

    @guarded
    def _on_mode_box(self, index: int) -> None:
        self.model.set_heatmap_mode(HEATMAP_MODES[index])

    @guarded
    def _on_mode_action(self, mode: str) -> None:
        self.model.set_heatmap_mode(mode)

    @guarded
    def _on_h_box(self, value: float) -> None:
        self.model.set_h(value)

    @guarded
    def _on_pin_selected(self, row: int) -> None:
        self.model.set_cursor(self.model.pins[row])

    @guarded
    def _on_apply_requested(self, text: str) -> None:
        self.apply_typed(text)

    def _on_domain_touched(self, *_args) -> None:
        self._view_touched = True

    @guarded
    def _on_preset(self, preset: Preset) -> None:
        self.load_preset(preset)

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
        self.model.set_h(self.model.h / 1.25)

    @guarded
    def _on_larger(self, *_args) -> None:
        self.model.set_h(self.model.h * 1.25)

    @guarded
    def _on_focus_mapping(self, *_args) -> None:
        self.mapping_bar.edit.setFocus()
        self.mapping_bar.edit.selectAll()

    # ------------------------------------------------------------------ drawing
    def _draw_scene(self, scene, paths) -> None:
        self.scene = scene
        self.domain.show_scene(scene, paths)
        self.codomain.show_scene(scene, paths)
        nan = np.isnan(scene.det)
        note = ""
        if nan.all():
            note = "F or J is undefined on the whole visible domain"
        elif nan.mean() > 0.5:
            note = "F or J is undefined on much of the visible domain (shown transparent)"
        note = self.network.view_note(scene, note)
        self.view_note.setText(note)
        self.sceneDrawn.emit()

    def _update_overlay(self) -> None:
        cursor = self.model.cursor
        numeric = self.numeric()
        if numeric is None or cursor is None:
            self.domain.show_linearization(None)
            self.codomain.show_linearization(None)
            self.readout.show_point(None)
            return
        if self.network.update_overlay(numeric, cursor):
            self._cursor_state = None
            return  # a network whose J is not 2×2 (see jacviz.ui.network)
        x, y = cursor
        params = self.model.param_values()
        info = point_info(numeric, x, y, params)
        lin = linearization(numeric, (x, y), self.model.h, params, jacobian=info.jacobian,
                            stretches=info.stretches)
        self.domain.show_linearization(lin)
        self.codomain.show_linearization(lin)
        self.readout.show_point(info)
        state = CursorState(np.array([x, y], dtype=float), info, numeric, params)
        self._cursor_state = state
        for tool in self.tools.values():
            tool.cursor_moved(state)

    def current_value(self) -> np.ndarray | None:
        """F(p) at the cursor, as last shown."""
        state = self._cursor_state
        if state is None:
            return None
        value = np.asarray(state.info.value, dtype=float)
        return value if np.isfinite(value).all() else None

    def _refresh_pins(self) -> None:
        pins = self.model.pins
        self.domain.show_pins(pins)
        numeric = self.numeric()
        images, dets = np.empty((0, 2)), np.empty(0)
        if numeric is not None and pins and numeric.n_outputs != 2:
            dets = np.full(len(pins), np.nan)  # a network of 2 → k: no image plane, no det J
        elif numeric is not None and pins:
            arr = np.asarray(pins, dtype=float)
            params = self.model.param_values()
            u, v = numeric.values(arr[:, 0], arr[:, 1], params)
            dets = numeric.det(arr[:, 0], arr[:, 1], params)
            images = np.stack([u, v], axis=1)
        self.codomain.show_pins(images)
        self.pin_section.show_pins(pins, dets)

    # ------------------------------------------------------------------ simplification
    def _start_simplify(self, prepared) -> None:
        """Simplify the formulas in a killable process; show them when (if) they arrive.

        A mapping read from the compiled-code cache brings its simplified formulas along.
        """
        for job in self._simplify_holder:
            job.cancel()  # kills its worker process wherever it is inside sympy
        self._simplify_holder = []
        if prepared.formulas is None:
            return  # a network: the readout lists its layers instead
        if prepared.simplified:
            self.readout.set_simplified(dict(prepared.simplified))
            return
        self.formulas.submit(_simplify_job, prepared.text, self.model.variables, self._simplify_holder)

    @guarded
    def _on_simplified(self, generation: int, result) -> None:
        text, variables, forms = result
        if generation != self.formulas.generation or self._prepared is None or text != self._prepared.text:
            return
        if forms:
            self.readout.set_simplified(forms)
            from jacviz.core.pipeline import cache

            cache.store_simplified(text, forms, None, variables)

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
        for worker in (self.compiler, self.sampler, self.imager, self.formulas):
            worker.close()
        for tool in self.tools.values():
            tool.close()
        if self._shapes is not None:
            self._shapes.close_workers()
        for job in self._simplify_holder:
            job.cancel()
        super().closeEvent(event)


def _focusables(part) -> list:
    """The widgets Tab stops at inside ``part`` (a widget or a layout), in their own order."""
    if isinstance(part, QLayout):
        out = []
        for i in range(part.count()):
            item = part.itemAt(i)
            if item.widget() is not None:
                out.extend(_focusables(item.widget()))
            elif item.layout() is not None:
                out.extend(_focusables(item.layout()))
        return out
    found = []
    for widget in [part, *part.findChildren(QWidget)]:
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            continue
        parent = widget.parentWidget()
        if isinstance(parent, QAbstractSpinBox | QComboBox):
            continue  # the line edit inside a spin box: the box itself takes the focus
        if isinstance(parent, QAbstractScrollArea) and widget is parent.viewport():
            continue
        found.append(widget)
    return found


def _compile_job(text, variables, strict, starting, previous, rect, quality, tools, aspect=None):
    """Background: prepare the mapping (sympy in a worker process), choose its parameter values, sample.

    ``rect`` :data:`FRAME` asks for the mapping's natural domain (see
    :mod:`jacviz.core.sampling.framing`), fitted to the view's ``aspect``; the domain chosen
    is returned last (None when ``rect`` was given).
    """
    prepared = prepare(text, default_variables=variables)
    values = choose_parameter_values(prepared.parameters, given=strict, starting=starting, previous=previous)
    if not prepared.is_planar:
        return prepared, values, None, None, None  # drawn by the shapes pane (jacviz.ui.shapes)
    numeric = prepared.compiled
    for tool in tools:
        numeric = tool.transform(numeric)
    framed = None
    if rect is FRAME:
        framed = natural_domain(prepared.compiled, prepared.variables, values)
        rect = fit_aspect(framed[0], aspect)
    scene = sample_scene(numeric, rect, quality, values)  # no margin yet: see _on_compiled
    return prepared, values, scene, scene_paths(scene), framed


def _sample_job(compiled, numeric, rect, quality, params, fields, key, margin=PAN_MARGIN):
    """Background: resample the visible domain (``numeric`` is what the views draw)."""
    scene = sample_mapping_scene(numeric, rect, quality, params, fields=fields, margin=margin)
    return compiled, scene, scene_paths(scene), key


def _image_job(scene, rect):
    """Background: the codomain's paths for the image of the visible rectangle ``rect``."""
    return scene, rect, image_paths(scene, rect)


def _simplify_job(text, variables, holder: list):
    """Background: simplified formulas for the readout, within SIMPLIFY_TIMEOUT (best effort)."""
    from jacviz.core.pipeline import formulas

    try:
        job = formulas.start(text, None, variables)
        holder.append(job)
        forms = job.results(SIMPLIFY_TIMEOUT)
    except (OSError, JacvizError):
        forms = {}
    return text, variables, forms

