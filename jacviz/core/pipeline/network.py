"""A trained network as a :class:`~jacviz.core.pipeline.prepared.Prepared` mapping, and its scene.

The window, ``jacviz export`` and sessions handle a typed mapping as a ``Prepared``; a
network goes the same way: :func:`prepare_network` reads an ``.onnx`` file with
:func:`jacviz.core.network.mapping.open_model` and wraps the :class:`NetworkMapping` in a
:class:`PreparedNetwork`, a ``Prepared`` with no formulas and no parameters, that also says
where the model came from (:class:`ModelSource`: the resolved path and the sha256 of the
file, or the shipped preset), so a session can open it again and notice a changed file.

A 2 → 2 model is drawn like any mapping (det J, the critical curve, the grid and its image).
A model of another shape has no det J: :func:`sample_network_scene` samples instead the
fields of :func:`network_fields` (the class of the largest output, ``classes``, and one
output's value, ``output``) and leaves the image of the grid undefined, so the right view
stays empty; for a single output its zero level set (a binary classifier's decision
boundary) takes the place of the critical curve.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from jacviz.core.errors import ModelError
from jacviz.core.network.catalog import ModelPreset, load_model_presets, open_model_preset
from jacviz.core.pipeline.prepared import Prepared
from jacviz.core.pipeline.scene import DEFAULT_QUALITY, FieldRequest, Quality, Scene, expand, sample_scene
from jacviz.core.sampling.contours import critical_segments
from jacviz.core.sampling.fields import cell_centres
from jacviz.core.sampling.grid import sample_grid
from jacviz.core.sampling.limits import robust_level

if TYPE_CHECKING:
    from jacviz.core.network.mapping import NetworkMapping

# The interpreter (jacviz.core.network.mapping, .layers) is imported where it is used: the
# window imports this module at start-up for its Presets menu and modes, and loading the
# interpreter there was ~45 ms of a cold start for a feature used once a model is opened.

MODEL_SUFFIX = ".onnx"
CLASSES = "classes"  # heatmap mode: the index of the largest output
OUTPUT = "output"  # heatmap mode: the value of the chosen output
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelSource:
    """Where a shown model came from: a file (its resolved path and sha256) or a shipped preset."""

    path: str | None = None  # absolute, resolved
    sha256: str | None = None
    preset: str | None = None  # the file name inside resources/models
    output: str | None = None  # the graph output shown (None: the first)

    def as_dict(self) -> dict:
        """The session's ``model`` field."""
        return {"path": self.path, "sha256": self.sha256, "preset": self.preset, "output": self.output}

    @property
    def label(self) -> str:
        return Path(self.path).name if self.path else (self.preset or "model")


def is_model_path(text: str | os.PathLike) -> bool:
    """True for a name that jacviz opens as a network (``.onnx``; pickles are refused by the reader)."""
    from jacviz.core.network.reader import PICKLE_SUFFIXES

    suffix = Path(os.fspath(text)).suffix.lower()
    return suffix == MODEL_SUFFIX or suffix in PICKLE_SUFFIXES


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file, read in chunks (a model is at most 128 MiB)."""
    import hashlib  # here, not at the top: its OpenSSL binding costs ~5 ms of every start-up

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class PreparedNetwork(Prepared):
    """A network ready to draw: ``compiled`` is the :class:`NetworkMapping`, ``formulas`` None."""

    source: ModelSource = field(default_factory=ModelSource)
    description: str = ""  # one sentence (a preset's), or ""

    @property
    def network(self) -> NetworkMapping:
        return self.compiled  # type: ignore[return-value]

    @property
    def kind(self) -> str:
        net = self.network
        return f"ONNX model, 2 → {net.n_outputs}"

    @property
    def is_planar(self) -> bool:
        """A network of the plane is drawn on the two planar views whatever its k outputs are
        (decision regions or one output on the left, see jacviz.ui.network), not as a shape."""
        return True

    @property
    def square(self) -> bool:
        """True for a 2 → 2 model: det J, the critical curve and the image plane exist."""
        return self.network.n_outputs == 2

    def lines(self) -> tuple[str, ...]:
        """What the readout and figures say instead of formulas: the model and its layers."""
        return model_lines(self.network, self.source)


def _prepared(net: NetworkMapping, source: ModelSource, start: float,
              description: str = "") -> PreparedNetwork:
    net.jacobian_at(0.0, 0.0)  # evaluable: a model that fails on a point fails here, not on screen
    return PreparedNetwork(
        text=source.label, variables=tuple(net.variables), parameters=(), compiled=net,  # type: ignore[arg-type]
        formulas=None, is_complex=False, seconds=time.perf_counter() - start,  # type: ignore[arg-type]
        source=source, description=description,
    )


def prepare_network(path: str | os.PathLike, *, output: str | None = None) -> PreparedNetwork:
    """Read, check and compile the model at ``path``; ModelError (one line) if it cannot be shown."""
    from jacviz.core.network.mapping import open_model

    start = time.perf_counter()
    path = Path(path)
    net = open_model(path, output=output)
    resolved = path.resolve()
    try:
        digest = file_sha256(resolved)
    except OSError as err:
        raise ModelError(f"cannot read {path.name!r}: {err.strerror or err}") from None
    source = ModelSource(str(resolved), digest, None, output)
    return _prepared(net, source, start)


def find_model_preset(file: str) -> ModelPreset:
    """The shipped model whose file is ``file``; ModelError if there is none."""
    for preset in load_model_presets():
        if preset.file == file:
            return preset
    raise ModelError(f"jacviz ships no model {file!r}")


def prepare_network_preset(preset: ModelPreset | str, *, output: str | None = None) -> PreparedNetwork:
    """A shipped model (by its preset or its file name), through the same reader as any file."""
    from jacviz.core.network.mapping import NetworkMapping

    start = time.perf_counter()
    if isinstance(preset, str):
        preset = find_model_preset(preset)
    net = open_model_preset(preset)
    if output is not None and output != net.output:
        net = NetworkMapping(net.graph, output, source=net.source)
    return _prepared(net, ModelSource(None, None, preset.file, output), start, preset.description)


def prepare_source(source: ModelSource | dict) -> tuple[PreparedNetwork, str]:
    """Open the model a session recorded; (prepared, note). The note says when the file changed."""
    if isinstance(source, dict):
        source = ModelSource(source.get("path"), source.get("sha256"), source.get("preset"),
                             source.get("output"))
    if source.preset and not source.path:
        return prepare_network_preset(source.preset, output=source.output), ""
    if not source.path:
        raise ModelError("the session names no model file")
    prepared = prepare_network(source.path, output=source.output)
    note = ""
    if source.sha256 and prepared.source.sha256 != source.sha256:
        note = f"{prepared.source.label} has changed since the session was saved (its sha256 differs)"
    return prepared, note


def model_domain(prepared: PreparedNetwork,
                 default=(-2.0, 2.0, -2.0, 2.0)) -> tuple[float, float, float, float]:
    """The domain to show a model on: its preset's, also for a copy of a shipped file (same sha256)."""
    for preset in load_model_presets():
        if preset.file == prepared.source.preset:
            return preset.domain
        if prepared.source.sha256:
            from jacviz.core.network.catalog import model_preset_bytes

            try:
                import hashlib

                if hashlib.sha256(model_preset_bytes(preset)).hexdigest() == prepared.source.sha256:
                    return preset.domain
            except OSError:
                continue
    return tuple(default)  # type: ignore[return-value]


def default_mode(prepared: PreparedNetwork, mode: str) -> str:
    """``mode`` if the model has it, else its decision regions (k ≥ 2) or its output (k = 1)."""
    from jacviz.core.sampling.heatmap import NETWORK_MODES

    k = prepared.network.n_outputs
    if k == 2 or (mode in NETWORK_MODES and not (mode == CLASSES and k == 1)):
        return mode
    return CLASSES if k >= 2 else OUTPUT


# -- what is said about a model


def model_kind(net: NetworkMapping) -> str:
    """In words: "normalizing flow", "classifier (logits)", "classifier (probabilities)",
    "scalar field" or "mapping", from the graph (a log-det output, a Softmax, the names)."""
    from jacviz.core.network.layers import log_det_output, outputs_probabilities

    k = net.n_outputs
    if k == 1:
        return "scalar field"
    if outputs_probabilities(net):
        return "classifier (probabilities)"
    if k == 2 and log_det_output(net) is not None:
        return "normalizing flow"
    if k > 2 or any(word in net.output.lower() for word in ("logit", "class", "score")):
        return "classifier (logits)"
    return "mapping"


def model_lines(net: NetworkMapping, source: ModelSource | None = None) -> tuple[str, ...]:
    """The model's name, its shape and its layers, one per line (the readout's formulas section)."""
    from jacviz.core.network.layers import network_layers

    k = net.n_outputs
    what = model_kind(net)
    name = source.label if source is not None else (net.name or "model")
    title = f"model {name}" + (f" ({net.name})" if net.name and net.name != name else "")
    lines = [title, f"2 → {k}, {what}; output {net.output!r}"
             + (f" (also: {', '.join(net.extra_outputs)})" if net.extra_outputs else "")]
    for lay in network_layers(net):
        lines.append(f"layer {lay.index}: {lay.name}, {lay.input_size} → {lay.output_size}")
    return tuple(lines)


# -- fields of a model of any shape


def _grid_values(net: NetworkMapping, rect, n: int) -> np.ndarray:
    """All k outputs at the n×n cell centres of ``rect``: an (n, n, k) float32 array."""
    xs, ys = cell_centres(rect, n)
    gx = np.broadcast_to(xs[None, :], (n, n))
    gy = np.broadcast_to(ys[:, None], (n, n))
    ev = net.evaluate((gx, gy), jacobian=False, dtype=np.float32)
    return np.stack(ev.values, axis=-1)


def class_field(net: NetworkMapping, rect, n: int, params=None) -> np.ndarray:
    """The index of the largest output at the n×n cell centres (NaN where undefined)."""
    values = _grid_values(net, rect, n)
    ok = np.isfinite(values).all(axis=-1)
    out = np.argmax(np.where(np.isfinite(values), values, -np.inf), axis=-1).astype(np.float32)
    out[~ok] = np.nan
    return out


def output_field(index: int):
    """A field function for output ``index`` of the model (``compute`` of a FieldRequest)."""

    def compute(net: NetworkMapping, rect, n: int, params=None) -> np.ndarray:
        xs, ys = cell_centres(rect, n)
        ev = net.evaluate((xs[None, :], ys[:, None]), jacobian=False, dtype=np.float32)
        return np.broadcast_to(ev.values[index], (n, n))

    return compute


def network_fields(net: NetworkMapping, output_index: int = 0) -> tuple[FieldRequest, ...]:
    """The heatmap fields of a model: ``classes`` (k ≥ 2) and ``output`` (the chosen one)."""
    k = net.n_outputs
    index = min(max(int(output_index), 0), k - 1)
    fields = [FieldRequest(OUTPUT, output_field(index), (OUTPUT, id(net), index))]
    if k >= 2:
        fields.insert(0, FieldRequest(CLASSES, class_field, (CLASSES, id(net), k)))
    return tuple(fields)


class _DomainGrid:
    """The grid's lines for a model whose outputs are not a plane: the images are undefined."""

    variables = ("x", "y")
    parameters = ()
    n_outputs = 2

    def values(self, x, y, params=None, dtype=np.float64):
        nan = np.full(np.broadcast(x, y).shape, np.nan)
        return nan, nan


def sample_network_scene(net: NetworkMapping, rect, quality: Quality = DEFAULT_QUALITY, params=None, *,
                         fields: tuple[FieldRequest, ...] = (), margin: float = 0.0) -> Scene:
    """The scene of a model with k ≠ 2 outputs: its fields, the grid, no det J and no image.

    ``fields`` default to :func:`network_fields` (output 0); with one output, its zero level
    set is drawn where the critical curve would be.
    """
    start = time.perf_counter()
    visible = tuple(float(v) for v in rect)
    rect = expand(visible, margin) if margin > 0 else visible
    n = round(quality.heatmap * (1 + 2 * margin))
    requests = tuple(fields) or network_fields(net)
    extra = {r.mode: np.asarray(r.compute(net, rect, max(round(n * r.resolution), 16), params),
                                dtype=np.float32) for r in requests}
    det = np.full((n, n), np.nan, dtype=np.float32)
    grid = sample_grid(_DomainGrid(), rect, quality, None, visible=visible)  # type: ignore[arg-type]
    critical = np.empty((0, 2))
    if net.n_outputs == 1:
        values = extra.get(OUTPUT)
        if values is None or values.shape != (n, n):
            values = output_field(0)(net, rect, n)
        critical = critical_segments(np.asarray(values, dtype=np.float64), rect, 0.0)
    return Scene(
        rect=rect, visible=visible, samples=n, det=det, level=1.0, grid=grid, critical=critical,
        critical_image=np.full(critical.shape, np.nan), image_limits=((-1.0, -1.0), (1.0, 1.0)),
        seconds=time.perf_counter() - start, fields=extra, field_keys=tuple(r.key for r in requests),
    )


def output_level(values: np.ndarray) -> float:
    """The symmetric colour level of an output's field (a pole or an outlier does not set it)."""
    level = robust_level(values)
    return level if math.isfinite(level) and level > 0 else 1.0


def sample_mapping_scene(compiled, rect, quality: Quality = DEFAULT_QUALITY, params=None, *,
                         fields: tuple[FieldRequest, ...] = (), margin: float = 0.0) -> Scene:
    """:func:`~jacviz.core.pipeline.scene.sample_scene` for a planar mapping, and
    :func:`sample_network_scene` for a model whose J is not 2×2."""
    if getattr(compiled, "n_outputs", 2) != 2:
        from jacviz.core.network.mapping import NetworkMapping  # only a model gets here

        if isinstance(compiled, NetworkMapping):
            return sample_network_scene(compiled, rect, quality, params, fields=fields, margin=margin)
    return sample_scene(compiled, rect, quality, params, fields=fields, margin=margin)


# -- the numbers at one point of a model of any shape


def _fmt(x: float) -> str:
    x = float(x)
    if not math.isfinite(x):
        return "—"
    return "0" if x == 0 else f"{x:.4g}".replace("-", "−")


def _vector_text(v) -> str:
    return "(" + ", ".join(_fmt(x) for x in np.asarray(v, dtype=float).reshape(-1)) + ")"


@dataclass(frozen=True)
class NetworkPoint:
    """F, its k×2 Jacobian and what they mean at one point of a model (any k)."""

    point: np.ndarray
    value: np.ndarray  # k
    jacobian: np.ndarray  # k × 2
    singular_values: np.ndarray  # min(k, 2)
    probabilities: np.ndarray | None  # k ≥ 2: softmax of logits, or the outputs themselves
    predicted: int | None  # the class of the largest output

    def reading(self) -> str:
        """One sentence, as the readout's for a typed mapping."""
        if not (np.isfinite(self.value).all() and np.isfinite(self.jacobian).all()):
            return "the model's output is undefined here"
        k = self.value.size
        if k == 1:
            grad = self.jacobian[0]
            rate = float(np.linalg.norm(grad))
            return (f"the output is {_fmt(self.value[0])} and grows fastest along "
                    f"{_vector_text(grad / max(rate, 1e-300))}, at rate {_fmt(rate)}")
        assert self.probabilities is not None and self.predicted is not None
        return (f"class {self.predicted} here (probability {_fmt(self.probabilities[self.predicted])}); "
                f"J is {k}×2 of rank ≤ 2, singular values {', '.join(_fmt(s) for s in self.singular_values)}")

    def rows(self) -> tuple[tuple[str, str], ...]:
        """The readout's rows (label, text): p, F(p), J's k rows, the singular values, the class."""
        out = [("p", f"{_vector_text(self.point)} [x, y]"), ("F(p)", _vector_text(self.value))]
        for i, row in enumerate(self.jacobian):
            out.append(("J(p)" if i == 0 else "", "\t".join(_fmt(e) for e in row)))
        out.append(("singular values", ", ".join(_fmt(s) for s in self.singular_values)))
        if self.probabilities is not None:
            out.append(("probabilities", _vector_text(self.probabilities)))
        return tuple(out)


def network_point(net: NetworkMapping, p) -> NetworkPoint:
    """F and J at p for a model of any shape, with singular values and, for k ≥ 2, the class."""
    from jacviz.core.network.layers import outputs_probabilities

    p = np.asarray(p, dtype=float).reshape(2)
    ev = net.evaluate((np.array(p[0]), np.array(p[1])), jacobian=True)
    value = np.array([float(v) for v in ev.values])
    jac = np.array([[float(e) for e in row] for row in ev.jacobian])
    finite = np.isfinite(jac).all()
    svals = np.linalg.svd(jac, compute_uv=False) if finite else np.full(min(jac.shape), np.nan)
    probs, predicted = None, None
    if value.size >= 2 and np.isfinite(value).all():
        if outputs_probabilities(net):
            probs = value.copy()
        else:
            e = np.exp(value - value.max())
            probs = e / e.sum()
        predicted = int(np.argmax(value))
    return NetworkPoint(p, value, jac, svals, probs, predicted)
