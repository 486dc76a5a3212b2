"""The application model: the state a session saves, evented, with no widgets in it.

Everything a person would miss after a restart lives here: the applied mapping and its
variables, the text left in the mapping bar, the parameters with their slider ranges, both
views' ranges, the cursor, h, the pins, the heatmap mode, the region, the vectors, the
dynamics (vector field, trajectories, Newton) and, for a mapping that is not a map of the
plane, the shapes pane's cursor, slice, η and descent start. The
views, the readout, the tools, the autosave and the session writer subscribe; none of them
keeps a copy, and nobody calls "changed" by hand.

Habits (napari's EventedModel, superqt's signal blocking):

* one signal per field (``cursorChanged``, ``pinsChanged``, ...) plus ``changed(name)`` for
  listeners that care about any change (the autosave);
* a setter emits only on a real change, so a view that writes back what the model just told
  it ends the loop there;
* :meth:`AppModel.batch` defers and coalesces the signals of several changes (loading a
  session sets a dozen fields and emits each at most once, after all are set);
* :meth:`AppModel.blocker` is the model's own blocker (a ``QSignalBlocker`` on the model).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, QSignalBlocker, Signal

from jacviz.core.persistence.presets import ParameterRange
from jacviz.core.persistence.session import DEFAULT_DOMAIN, DEFAULT_H, Session
from jacviz.core.sampling.heatmap import HEATMAP_MODES

Point = tuple[float, float]
Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class Vectors:
    """The vectors tool's state: whether it is on, the tangent v at p, the covector g at F(p), the loss."""

    on: bool = False
    v: Point | None = None
    g: Point | None = None
    loss: str = ""


@dataclass(frozen=True)
class Dynamics:
    """The vector field and Newton tools' state: F read as a vector field (with the starting
    points of its trajectories), and Newton's method from the cursor."""

    vector_field: bool = False
    trajectories: tuple[Point, ...] = ()
    newton: bool = False


@dataclass(frozen=True)
class ShapeState:
    """The shapes pane's state for a mapping that is not a map of the plane: the cursor (n
    numbers), the third variable's slice value, gradient descent's η and its starting point.
    None where the pane's default applies."""

    cursor: tuple[float, ...] | None = None
    slice: float | None = None
    eta: float | None = None
    descent_from: Point | None = None


FIELDS = ("mapping", "variables", "draft", "params", "domain_range", "codomain_range",
          "codomain_follows", "cursor", "h", "pins", "heatmap_mode", "region", "vectors", "morph_t",
          "network", "dynamics", "shape")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


class AppModel(QObject):
    """The evented state of one window (see the module docstring)."""

    mappingChanged = Signal(str)
    variablesChanged = Signal(object)
    draftChanged = Signal(str)
    paramsChanged = Signal(object)  # dict name -> ParameterRange
    domainRangeChanged = Signal(object)
    codomainRangeChanged = Signal(object)
    codomainFollowsChanged = Signal(bool)
    cursorChanged = Signal(object)  # (x, y) or None
    hChanged = Signal(float)
    pinsChanged = Signal(object)
    heatmapModeChanged = Signal(str)
    regionChanged = Signal(object)  # {"rect": ...} / {"polygon": ...} or None
    vectorsChanged = Signal(object)
    morphTChanged = Signal(float)
    networkChanged = Signal(object)  # the shown model's source (a session's "model" dict) or None
    dynamicsChanged = Signal(object)
    shapeChanged = Signal(object)  # ShapeState
    changed = Signal(str)  # the name of the field that changed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._values: dict[str, object] = {
            "mapping": "", "variables": None, "draft": "", "params": {}, "domain_range": DEFAULT_DOMAIN,
            "codomain_range": None, "codomain_follows": True, "cursor": None, "h": DEFAULT_H, "pins": (),
            "heatmap_mode": "auto", "region": None, "vectors": Vectors(), "morph_t": 1.0,
            "network": None,
            "dynamics": Dynamics(),
            "shape": ShapeState(),
        }
        self._deferred: list[str] | None = None
        self._signals = {
            "mapping": self.mappingChanged, "variables": self.variablesChanged, "draft": self.draftChanged,
            "params": self.paramsChanged, "domain_range": self.domainRangeChanged,
            "codomain_range": self.codomainRangeChanged, "codomain_follows": self.codomainFollowsChanged,
            "cursor": self.cursorChanged, "h": self.hChanged, "pins": self.pinsChanged,
            "heatmap_mode": self.heatmapModeChanged, "region": self.regionChanged,
            "vectors": self.vectorsChanged, "morph_t": self.morphTChanged, "network": self.networkChanged,
            "dynamics": self.dynamicsChanged, "shape": self.shapeChanged,
        }

    # -- the general mechanism
    def get(self, name: str):
        return self._values[name]

    def set(self, name: str, value) -> bool:
        """Set one field; emit its signal and ``changed`` if the value really changed."""
        if name not in self._values:
            raise KeyError(name)
        if _same(self._values[name], value):
            return False
        self._values[name] = value
        if self._deferred is not None:
            if name not in self._deferred:
                self._deferred.append(name)
        else:
            self._emit(name)
        return True

    def update(self, **fields) -> None:
        """Set several fields as one change: each field's signal is emitted at most once, at the end."""
        with self.batch():
            for name, value in fields.items():
                self.set(name, value)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Defer every signal until the block ends, then emit each changed field once."""
        if self._deferred is not None:  # nested: the outer batch emits
            yield
            return
        self._deferred = []
        try:
            yield
        finally:
            names, self._deferred = self._deferred, None
            for name in names:
                self._emit(name)

    @contextmanager
    def blocker(self) -> Iterator[None]:
        """No signal at all while the block runs (the model's own QSignalBlocker)."""
        blocker = QSignalBlocker(self)
        try:
            yield
        finally:
            blocker.unblock()

    def _emit(self, name: str) -> None:
        self._signals[name].emit(self._values[name])
        self.changed.emit(name)

    # -- typed access
    @property
    def mapping(self) -> str:
        return self._values["mapping"]  # type: ignore[return-value]

    @property
    def variables(self) -> tuple[str, str] | None:
        return self._values["variables"]  # type: ignore[return-value]

    @property
    def draft(self) -> str:
        return self._values["draft"]  # type: ignore[return-value]

    @property
    def params(self) -> dict[str, ParameterRange]:
        return dict(self._values["params"])  # type: ignore[arg-type]

    def param_values(self) -> dict[str, float]:
        """The parameters' current values, as the numeric mapping takes them."""
        return {name: spec.value for name, spec in self._values["params"].items()}  # type: ignore[union-attr]

    @property
    def domain_range(self) -> Rect:
        return self._values["domain_range"]  # type: ignore[return-value]

    @property
    def codomain_range(self) -> Rect | None:
        return self._values["codomain_range"]  # type: ignore[return-value]

    @property
    def codomain_follows(self) -> bool:
        return bool(self._values["codomain_follows"])

    @property
    def cursor(self) -> Point | None:
        return self._values["cursor"]  # type: ignore[return-value]

    @property
    def h(self) -> float:
        return float(self._values["h"])  # type: ignore[arg-type]

    @property
    def pins(self) -> tuple[Point, ...]:
        return self._values["pins"]  # type: ignore[return-value]

    @property
    def heatmap_mode(self) -> str:
        return self._values["heatmap_mode"]  # type: ignore[return-value]

    @property
    def region(self) -> dict | None:
        return self._values["region"]  # type: ignore[return-value]

    @property
    def vectors(self) -> Vectors:
        return self._values["vectors"]  # type: ignore[return-value]

    @property
    def network(self) -> dict | None:
        """Where the shown network came from ({path, sha256, preset, output}), or None for a typed mapping."""
        return self._values["network"]  # type: ignore[return-value]

    @property
    def morph_t(self) -> float:
        return float(self._values["morph_t"])  # type: ignore[arg-type]

    @property
    def dynamics(self) -> Dynamics:
        return self._values["dynamics"]  # type: ignore[return-value]

    # -- setters that check their values
    def set_cursor(self, point: Point | None) -> None:
        if point is not None:
            x, y = (float(c) for c in point)
            if not (math.isfinite(x) and math.isfinite(y)):
                return
            point = (x, y)
        self.set("cursor", point)

    def set_h(self, h: float) -> None:
        h = float(h)
        if math.isfinite(h) and h > 0:
            self.set("h", h)

    def set_heatmap_mode(self, mode: str) -> None:
        if mode not in HEATMAP_MODES:
            from jacviz.core.errors import UsageError

            raise UsageError(f"unknown heatmap mode '{mode}' (choose {', '.join(HEATMAP_MODES)})")
        self.set("heatmap_mode", mode)

    def set_param_value(self, name: str, value: float) -> None:
        """One parameter's value; the slider range widens to hold it."""
        params = self.params
        old = params.get(name)
        value = float(value)
        if old is None or not math.isfinite(value):
            return
        params[name] = ParameterRange(value, min(old.minimum, value), max(old.maximum, value))
        self.set("params", params)

    def set_param_range(self, name: str, lo: float, hi: float) -> None:
        """One parameter's slider range; the value is clamped into it."""
        params = self.params
        old = params.get(name)
        if old is None or not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            return
        params[name] = ParameterRange(min(max(old.value, lo), hi), float(lo), float(hi))
        self.set("params", params)

    def add_pin(self, point: Point) -> None:
        x, y = (float(c) for c in point)
        if math.isfinite(x) and math.isfinite(y):
            self.set("pins", (*self.pins, (x, y)))

    def remove_pin(self, index: int) -> None:
        pins = list(self.pins)
        if 0 <= index < len(pins):
            del pins[index]
            self.set("pins", tuple(pins))

    def set_vectors(self, **changes) -> None:
        self.set("vectors", replace(self.vectors, **changes))

    @property
    def shape(self) -> ShapeState:
        return self._values["shape"]  # type: ignore[return-value]

    def set_shape(self, **changes) -> None:
        self.set("shape", replace(self.shape, **changes))

    def set_dynamics(self, **changes) -> None:
        self.set("dynamics", replace(self.dynamics, **changes))

    def set_morph_t(self, t: float) -> None:
        t = float(t)
        if math.isfinite(t):
            self.set("morph_t", min(max(t, 0.0), 1.0))

    # -- sessions
    def to_session(self) -> Session:
        """The state as a :class:`~jacviz.core.persistence.session.Session` (not yet checked)."""
        v = self.vectors
        vectors = None
        if v.on or v.v is not None or v.g is not None or v.loss:
            vectors = {"on": v.on, "v": v.v, "g": v.g, "loss": v.loss}
        d = self.dynamics
        dynamics = None
        if d != Dynamics():
            dynamics = {"vector_field": d.vector_field, "trajectories": list(d.trajectories),
                        "newton": d.newton}
        sh = self.shape
        shape = None
        if sh != ShapeState():
            shape = {"cursor": list(sh.cursor) if sh.cursor is not None else None, "slice": sh.slice,
                     "eta": sh.eta, "descent_from": sh.descent_from}
        return Session(
            mapping=self.mapping,
            variables=self.variables,
            params=self.params,
            domain_range=self.domain_range,
            codomain_range=self.codomain_range,
            codomain_follows=self.codomain_follows,
            pins=self.pins,
            heatmap_mode=self.heatmap_mode,
            h=self.h,
            cursor=self.cursor,
            draft=self.draft if self.draft != self.mapping else "",
            region=self.region,
            vectors=vectors,
            model=dict(self.network) if self.network else None,
            dynamics=dynamics,
            shape=shape,
        )

    def load_session(self, s: Session) -> None:
        """Take every field of a checked session at once (each signal at most once)."""
        vectors = Vectors()
        if s.vectors:
            vec = s.vectors
            vectors = Vectors(bool(vec.get("on")), _point(vec.get("v")), _point(vec.get("g")),
                              str(vec.get("loss") or ""))
        dynamics = Dynamics()
        if s.dynamics:
            dyn = s.dynamics
            starts = tuple(p for p in (_point(q) for q in dyn.get("trajectories") or ()) if p is not None)
            dynamics = Dynamics(bool(dyn.get("vector_field")), starts, bool(dyn.get("newton")))
        shape = ShapeState()
        if s.shape:
            sh = s.shape
            shape = ShapeState(tuple(sh["cursor"]) if sh.get("cursor") else None, sh.get("slice"),
                               sh.get("eta"), _point(sh.get("descent_from")))
        self.update(
            mapping=s.mapping, variables=s.variables, draft=s.draft or s.mapping, params=dict(s.params),
            domain_range=tuple(s.domain_range), codomain_range=s.codomain_range,
            codomain_follows=s.codomain_follows, cursor=s.cursor, h=s.h, pins=tuple(s.pins),
            heatmap_mode=s.heatmap_mode, region=s.region, vectors=vectors, dynamics=dynamics,
            network=dict(s.model) if s.model else None, shape=shape,
        )


def _point(value) -> Point | None:
    if value is None:
        return None
    arr = np.asarray(value, dtype=float).reshape(-1)
    return (float(arr[0]), float(arr[1])) if arr.size == 2 and np.isfinite(arr).all() else None
