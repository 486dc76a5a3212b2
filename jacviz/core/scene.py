"""What the two views draw for one mapping, one visible rectangle and one set of parameters.

:func:`prepare` turns text into everything numeric the window needs (parse, Jacobian,
compile); :func:`sample_scene` samples it over the visible rectangle. Both are plain
functions of their inputs, so the window can run them on a worker thread and throw away a
result that a newer request has overtaken.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from jacviz.core.numeric import CompiledMapping
from jacviz.core.sampling import (
    GridLines,
    Rect,
    critical_curve,
    det_field,
    map_segments,
    robust_level,
    robust_limits,
)

HEATMAP_MODES = ("det", "log", "sign", "linerr")
HEATMAP_LABELS = {
    "det": "det J", "log": "log₁₀|det J|", "sign": "sign of det J",
    "linerr": "linearization error ‖F(p+hu) − F(p) − J·hu‖/h",
}
HEATMAP_NAMES = {"det": "det J", "log": "log₁₀|det J|", "sign": "sign of det J",
                 "linerr": "linearization error"}


@dataclass(frozen=True)
class Quality:
    """How finely the views are sampled. The defaults are what the benchmark measures."""

    heatmap: int = 512  # det J samples per side of the visible domain
    lines: int = 41  # grid lines per family, at least
    samples: int = 400  # samples along each grid line


@dataclass(frozen=True)
class Prepared:
    """A mapping ready to draw: its symbolic form (for the readout) and its numeric programs.

    ``symbolic`` holds plain-text and LaTeX renderings (see Mapping.rendered); the window
    never needs sympy objects after this point.
    """

    text: str
    variables: tuple[str, str]
    parameters: tuple[str, ...]
    compiled: CompiledMapping
    symbolic: dict
    is_complex: bool
    stages: int = 1
    mapping: object = None  # the sympy-backed Mapping, when it was built in this process
    seconds: float = 0.0
    chain: object = None  # a CompiledChain for a mapping of several stages
    extra: dict = field(default_factory=dict)  # "simplified" formulas, "from_cache"


def prepare(text: str, variables: tuple[str, str] | None = None, *,
            default_variables: tuple[str, str] | None = None, use_cache: bool = True) -> Prepared:
    """Parse, differentiate and compile ``text``. Raises MappingError for bad input.

    With ``use_cache``, a mapping compiled before is read from the disk cache
    (:mod:`jacviz.core.cache`) without importing sympy; the text is still parsed first, so
    a bad mapping is reported the same way either way.
    """
    start = time.perf_counter()
    if use_cache:
        from jacviz.core import cache
        from jacviz.core.language import parse

        parse(text, variables, default_variables=default_variables)
        hit = cache.load(text, variables, default_variables)
        if hit is not None:
            object.__setattr__(hit, "seconds", time.perf_counter() - start)
            return hit
    from jacviz.core.mapping import Mapping
    from jacviz.core.numeric import compile_mapping

    mapping = Mapping.from_text(text, variables, default_variables=default_variables)
    compiled = compile_mapping(mapping)
    chain = None
    if len(mapping.stage_expressions) > 1:
        from jacviz.core.chain import compile_chain

        chain = compile_chain(mapping)
    prepared = Prepared(
        text=text,
        variables=mapping.variables,
        parameters=mapping.parameters,
        compiled=compiled,
        symbolic=mapping.rendered(),
        is_complex=mapping.is_complex,
        stages=len(mapping.stage_expressions),
        mapping=mapping,
        seconds=time.perf_counter() - start,
        chain=chain,
    )
    if use_cache:
        from jacviz.core import cache

        cache.store(prepared, variables, default_variables)
    return prepared


def grid_positions(lo: float, hi: float, count: int) -> np.ndarray:
    """At least ``count`` evenly spaced positions covering [lo, hi], anchored at 0.

    The spacing is (hi − lo)/(count − 1) and positions are its integer multiples, so
    panning moves the view over fixed lines instead of dragging the lines along.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return np.linspace(-1.0, 1.0, count)
    step = (hi - lo) / (count - 1)
    first = math.floor(lo / step)
    last = math.ceil(hi / step)
    k = np.arange(first, last + 1, dtype=float)
    return k * step


def sample_grid(compiled: CompiledMapping, rect: Rect, quality: Quality, params=None) -> GridLines:
    """Grid lines over ``rect`` (see :func:`grid_positions`) and their images."""
    from jacviz.core.sampling import break_jumps, with_breaks

    x0, x1, y0, y1 = rect
    xs = grid_positions(x0, x1, quality.lines)
    ys = grid_positions(y0, y1, quality.lines)
    # each line runs over the positions' full extent, so the grid is a closed lattice
    tx = np.linspace(xs[0], xs[-1], quality.samples)
    ty = np.linspace(ys[0], ys[-1], quality.samples)
    vx = np.broadcast_to(xs[:, None], (xs.size, quality.samples))
    vy = np.broadcast_to(ty[None, :], (xs.size, quality.samples))
    hx = np.broadcast_to(tx[None, :], (ys.size, quality.samples))
    hy = np.broadcast_to(ys[:, None], (ys.size, quality.samples))
    vu, vv = compiled.values(vx, vy, params)
    hu, hv = compiled.values(hx, hy, params)
    return GridLines(
        with_breaks(vx, vy),
        with_breaks(hx, hy),
        with_breaks(*break_jumps(vu, vv)),
        with_breaks(*break_jumps(hu, hv)),
    )


@dataclass(frozen=True)
class Scene:
    """Everything the two views draw, for one rectangle of the domain."""

    rect: Rect
    det: np.ndarray  # (n, n) float32, row = y, column = x
    level: float  # symmetric colour level for det
    grid: GridLines
    critical: np.ndarray  # (2K, 2) segment endpoint pairs in the domain
    critical_image: np.ndarray  # their images
    image_limits: tuple[tuple[float, float], tuple[float, float]]
    seconds: float = 0.0
    linerr: np.ndarray | None = None  # the linearization error field, when it was asked for
    h: float | None = None  # the h it was computed for
    extra: dict = field(default_factory=dict)


def heatmap_values(scene: Scene, mode: str) -> tuple[np.ndarray, tuple[float, float]]:
    """The image and its colour levels for a heatmap mode (see HEATMAP_MODES)."""
    det, level = scene.det, scene.level
    if mode == "linerr":
        if scene.linerr is None:
            return np.full((2, 2), np.nan, dtype=np.float32), (0.0, 1.0)
        return scene.linerr, (0.0, robust_level(scene.linerr))
    with np.errstate(all="ignore"):
        if mode == "log":
            img = np.log10(np.abs(det))
            img[~np.isfinite(img)] = np.nan
            finite = img[np.isfinite(img)]
            m = float(np.percentile(np.abs(finite), 98)) if finite.size else 1.0
            m = max(m, 0.5)
            return img.astype(np.float32, copy=False), (-m, m)
        if mode == "sign":
            return np.sign(det).astype(np.float32, copy=False), (-1.0, 1.0)
    return det, (-level, level)


DEFAULT_QUALITY = Quality()


def sample_scene(compiled: CompiledMapping, rect: Rect, quality: Quality = DEFAULT_QUALITY,
                 params=None, *, linerr_h: float | None = None) -> Scene:
    """Sample det J, the grid and the critical curve over ``rect``.

    With ``linerr_h``, also the linearization error field for that h (at half the
    heatmap's resolution per side: it costs 16 evaluations of F per sample).
    """
    start = time.perf_counter()
    field_ = det_field(compiled, rect, quality.heatmap, params)
    grid = sample_grid(compiled, rect, quality, params)
    critical = critical_curve(compiled, field_, rect, params)
    critical_image = map_segments(compiled, critical, params)
    pts = np.concatenate([grid.vertical_image, grid.horizontal_image])
    limits = robust_limits(pts[:, 0], pts[:, 1])
    linerr = None
    if linerr_h is not None:
        from jacviz.core.linerror import linearization_error_field

        linerr = linearization_error_field(
            compiled, rect, max(quality.heatmap // 2, 16), linerr_h, params
        ).astype(np.float32)
    return Scene(
        rect=rect,
        det=field_,
        level=robust_level(field_),
        grid=grid,
        critical=critical,
        critical_image=critical_image,
        image_limits=limits,
        seconds=time.perf_counter() - start,
        linerr=linerr,
        h=linerr_h,
    )
