"""Jacobians of every shape: what J says at one point, its fields, and the integrals it gives.

For F: Rⁿ → Rᵐ the Jacobian is m×n, and what it measures depends on the shape:

* a scalar field f: R² → R has J = ∇fᵀ, a row: |∇f| is the steepest slope and ∇f/|∇f| its
  direction (the level line through p is perpendicular to it);
* a curve F: R → Rᵐ has J = F'(t), a column: the velocity, and |F'(t)| the speed;
* a surface F: R² → R³ has two columns F_u, F_v spanning the tangent plane: the normal
  F_u × F_v, and the area element √det(JᵀJ) = |F_u × F_v|;
* a map of space F: R³ → R³ has det J, the volume scale factor of the change of variables.

One number covers them all: √det(JᵀJ) (the Gram determinant) is the factor by which F scales
length, area or volume at p when n ≤ m; it is |det J| when J is square. :func:`volume_element`
computes it on arrays, and the two integrals built on it use scipy's adaptive cubature
(``scipy.integrate.cubature``, vectorised Gauss–Kronrod with an error estimate) rather than
a hand-written one: :func:`surface_area` (∬_R √det(JᵀJ) dA, with the area of the mapped
mesh next to it) and :func:`volume_report` (∭_B det J dV and ∭_B |det J| dV over a box).

Everything is numpy and scipy; nothing here knows about Qt or sympy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError, UsageError
from jacviz.core.numbers import json_matrix, json_number, json_vector
from jacviz.core.numeric.protocol import NumericMapping, Params
from jacviz.core.numeric.small import singular_values_small
from jacviz.core.sampling.geometry import MAX_COORDINATE, MIN_EXTENT, MIN_RELATIVE_EXTENT, check_rect

Box = tuple[float, float, float, float, float, float]

# The cubature's work is capped at about this many evaluations of F and J (about 1 s in the
# worst case on a 2-core machine): each subdivision splits a region into 2ⁿ, and each new
# region costs one Gauss–Kronrod rule of 15ⁿ points, so a box gets 37 subdivisions and a
# rectangle 1111. Smooth integrands converge long before (the ball: 1 subdivision).
MAX_EVALUATIONS = 1_000_000


def max_subdivisions(dimensions: int) -> int:
    """The subdivision cap that keeps the cubature within :data:`MAX_EVALUATIONS`."""
    return max(1, MAX_EVALUATIONS // (2**dimensions * 15**dimensions))
DEFAULT_RTOL = 1e-9
MESH_CELLS = 256  # per side, for the area of the mapped mesh


def kind_of(shape: tuple[int, int]) -> str:
    """The shape's name for J of shape (m, n): "scalar field", "curve", "surface", ..."""
    m, n = shape
    if m == 1:
        return "scalar field"
    if n == 1:
        return "curve"
    if (m, n) == (3, 2):
        return "surface"
    if (m, n) == (3, 3):
        return "map of space"
    return "map of the plane" if (m, n) == (2, 2) else f"{n} -> {m}"


def _gram_root(jac: np.ndarray) -> np.ndarray:
    """√det(JᵀJ) for J of shape (..., m, n) with n ≤ m, |∇f| for a row (m = 1)."""
    m, n = jac.shape[-2:]
    with np.errstate(all="ignore"):
        if m == 1:
            return np.sqrt(np.sum(jac[..., 0, :] ** 2, axis=-1))
        if n == 1:
            return np.sqrt(np.sum(jac[..., :, 0] ** 2, axis=-1))
        if m == n:
            return np.abs(np.linalg.det(jac)) if m > 2 else np.abs(
                jac[..., 0, 0] * jac[..., 1, 1] - jac[..., 0, 1] * jac[..., 1, 0])
        # n = 2, m = 3: |F_u × F_v|, which is √det(JᵀJ) without the cancellation of E G − F²
        normal = np.cross(jac[..., :, 0], jac[..., :, 1])
        return np.sqrt(np.sum(normal**2, axis=-1))


def volume_element(compiled: NumericMapping, coords, params: Params = None) -> np.ndarray:
    """√det(JᵀJ) at the points ``coords`` (n arrays that broadcast): speed, area element, |det J|.

    For a scalar field it is |∇f|. NaN wherever F or J is undefined.
    """
    jac = compiled.evaluate(tuple(coords), params, jacobian=True).matrix()
    out = _gram_root(jac)
    out[~np.isfinite(out)] = np.nan
    return out


def det_field(compiled: NumericMapping, coords, params: Params = None) -> np.ndarray:
    """det J at the points ``coords`` for a square J of any size (NaN where undefined)."""
    m, n = compiled.n_outputs, len(compiled.variables)
    if m != n:
        raise MappingError(f"det J needs a square Jacobian; this one is {m}×{n}")
    jac = compiled.evaluate(tuple(coords), params, jacobian=True).matrix()
    with np.errstate(all="ignore"):
        det = np.linalg.det(np.nan_to_num(jac, nan=0.0, posinf=0.0, neginf=0.0))
    det[~np.isfinite(jac).all(axis=(-2, -1))] = np.nan
    return det


# ---------------------------------------------------------------------------------------
# One point


@dataclass(frozen=True)
class ShapeInfo:
    """F and J at one point, with the numbers its shape is about (None where they do not apply)."""

    kind: str
    point: tuple[float, ...]
    value: tuple[float, ...]
    jacobian: np.ndarray  # m×n
    singular_values: tuple[float, ...]
    det: float | None = None  # m = n
    gradient: tuple[float, ...] | None = None  # m = 1: ∇f = Jᵀ
    slope: float | None = None  # m = 1: |∇f|
    ascent: tuple[float, ...] | None = None  # m = 1: ∇f/|∇f|, the direction of steepest ascent
    speed: float | None = None  # n = 1: |F'(t)|
    area_element: float | None = None  # 3×2: √det(JᵀJ)
    normal: tuple[float, ...] | None = None  # 3×2: F_u × F_v
    notes: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        return self.jacobian.shape  # type: ignore[return-value]

    def as_dict(self) -> dict[str, object]:
        """The numbers as JSON-ready values (null where undefined), keys only where they apply.

        ``jacobian`` (m rows, n columns) and ``singular_values`` always; ``det`` for m = n,
        ``gradient``, ``slope`` and ``steepest_ascent`` for m = 1, ``speed`` for n = 1,
        ``area_element`` and ``normal`` for 3×2.
        """
        out: dict[str, object] = {
            "value": json_vector(self.value),
            "jacobian": json_matrix(self.jacobian),
            "singular_values": json_vector(self.singular_values),
        }
        if self.det is not None:
            out["det"] = json_number(self.det)
        if self.gradient is not None:
            out["gradient"] = json_vector(self.gradient)
            out["slope"] = json_number(self.slope)
            out["steepest_ascent"] = json_vector(self.ascent) if self.ascent is not None else None
        if self.speed is not None:
            out["speed"] = json_number(self.speed)
        if self.area_element is not None:
            out["area_element"] = json_number(self.area_element)
            out["normal"] = json_vector(self.normal)
        return out


def shape_info(compiled: NumericMapping, point, params: Params = None) -> ShapeInfo:
    """What J says at ``point`` (n coordinates) for a mapping of any shape."""
    n, m = len(compiled.variables), compiled.n_outputs
    p = tuple(float(c) for c in np.asarray(point, dtype=float).reshape(-1))
    if len(p) != n:
        raise UsageError(f"a point of this mapping needs {n} coordinates, not {len(p)}")
    value, rows = compiled.point_values_and_jacobian(p, params)
    jac = np.array(rows, dtype=float).reshape(m, n)
    finite = all(math.isfinite(e) for row in rows for e in row)
    notes: list[str] = []
    if not all(math.isfinite(v) for v in value):
        notes.append("F is undefined here")
    elif not finite:
        notes.append("not differentiable here: J is infinite or undefined")
    if finite:
        # closed forms for the shapes the pane shows at every mouse move (LAPACK's first call
        # after an idle frame costs a tenth of a millisecond), numpy for a map of space
        singular = (singular_values_small(rows)
                    or tuple(float(s) for s in np.linalg.svd(jac, compute_uv=False)))
    else:
        singular = (math.nan,) * min(m, n)
    extra: dict[str, object] = {}
    if m == n:
        extra["det"] = float(np.linalg.det(jac)) if finite else math.nan
    if m == 1:
        grad = jac[0]
        slope = float(np.hypot.reduce(grad)) if finite else math.nan
        extra["gradient"] = tuple(float(g) for g in grad)
        extra["slope"] = slope
        extra["ascent"] = tuple(float(g / slope) for g in grad) if finite and slope > 0 else None
        if finite and slope == 0:
            notes.append("∇f = 0: a critical point (no direction of steepest ascent)")
    if n == 1:
        extra["speed"] = float(np.hypot.reduce(jac[:, 0])) if finite else math.nan
    if (m, n) == (3, 2):
        normal = np.cross(jac[:, 0], jac[:, 1]) if finite else np.full(3, np.nan)
        extra["normal"] = tuple(float(c) for c in normal)
        extra["area_element"] = float(np.hypot.reduce(normal)) if finite else math.nan
    return ShapeInfo(kind_of((m, n)), p, value, jac, singular, notes=tuple(notes), **extra)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Integrals


def check_box(box, what: str = "the box") -> Box:
    """``box`` as six floats x0, x1, y0, y1, z0, z1 after checking it; raises :class:`UsageError`."""
    try:
        values = tuple(float(v) for v in box)
    except (TypeError, ValueError):
        raise UsageError(f"{what} needs six numbers x0, x1, y0, y1, z0, z1") from None
    if len(values) != 6:
        raise UsageError(f"{what} needs six numbers x0, x1, y0, y1, z0, z1 (got {len(values)})")
    if not all(math.isfinite(v) for v in values):
        raise UsageError(f"{what} needs finite numbers")
    for k, axis in enumerate("xyz"):
        lo, hi = values[2 * k], values[2 * k + 1]
        if not lo < hi:
            raise UsageError(f"{what} has no volume: it needs {axis}0 < {axis}1 "
                             f"(got {axis}0 = {lo:g}, {axis}1 = {hi:g})")
        size = max(abs(lo), abs(hi))
        if size > MAX_COORDINATE:
            raise UsageError(f"{what} is too far out in {axis}: coordinates are at most {MAX_COORDINATE:g}")
        if hi - lo < max(MIN_EXTENT, MIN_RELATIVE_EXTENT * size):
            raise UsageError(f"{what} is too thin in {axis} ({hi - lo:.3g} wide at {size:.3g}) to be "
                             "sampled in double precision")
    return values  # type: ignore[return-value]


def _cubature(integrand, lower, upper, rtol: float, max_subdivisions: int):
    """scipy's adaptive cubature (Gauss–Kronrod 15 in each direction) of a vectorised integrand."""
    from scipy.integrate import cubature  # scipy >= 1.15; imported here: it takes 0.1 s

    return cubature(integrand, np.asarray(lower, dtype=float), np.asarray(upper, dtype=float),
                    rule="gk15", rtol=rtol, atol=0.0, max_subdivisions=max_subdivisions)


@dataclass(frozen=True)
class VolumeReport:
    """Both sides of the change of variables in space over a box B.

    ``integral_abs_det`` = ∭_B |det J| dV is the volume of F(B) when F is injective on B;
    ``error_estimate`` is the cubature's estimate for it, ``converged`` whether the relative
    tolerance was met within the subdivision cap, ``undefined_fraction`` the share of B where
    det J is undefined (left out of both integrals).
    """

    box: Box
    box_volume: float
    integral_det: float
    integral_abs_det: float
    error_estimate: float
    converged: bool
    undefined_fraction: float

    def as_dict(self) -> dict[str, object]:
        return {
            "box": list(self.box), "box_volume": json_number(self.box_volume),
            "integral_det": json_number(self.integral_det),
            "integral_abs_det": json_number(self.integral_abs_det),
            "error_estimate": json_number(self.error_estimate), "converged": self.converged,
            "undefined_fraction": json_number(self.undefined_fraction),
        }


def volume_report(compiled: NumericMapping, box, params: Params = None, *, rtol: float = DEFAULT_RTOL,
                  subdivisions: int | None = None) -> VolumeReport:
    """∭_B det J dV and ∭_B |det J| dV for F: R³ → R³ over the box B = [x0, x1]×[y0, y1]×[z0, z1]."""
    if (compiled.n_outputs, len(compiled.variables)) != (3, 3):
        raise MappingError("the volume integral needs a map of space (three variables, three components)")
    box = check_box(box)
    lower, upper = box[0::2], box[1::2]

    def integrand(pts: np.ndarray) -> np.ndarray:
        det = det_field(compiled, (pts[:, 0], pts[:, 1], pts[:, 2]), params)
        bad = ~np.isfinite(det)
        det = np.where(bad, 0.0, det)
        return np.stack([det, np.abs(det), bad.astype(float)], axis=-1)

    res = _cubature(integrand, lower, upper, rtol, subdivisions or max_subdivisions(3))
    volume = float(np.prod(np.subtract(upper, lower)))
    est, err = np.asarray(res.estimate, dtype=float), np.asarray(res.error, dtype=float)
    return VolumeReport(box, volume, float(est[0]), float(est[1]), float(err[1]),
                        res.status == "converged", float(est[2] / volume) if volume > 0 else math.nan)


@dataclass(frozen=True)
class SurfaceReport:
    """The area of a surface F: R² → R³ over a rectangle R of its parameters.

    ``surface_area`` = ∬_R √det(JᵀJ) dA (adaptive cubature, with ``error_estimate``);
    ``mesh_area`` is the area of the mapped mesh (a grid of ``mesh_cells``² cells, two flat
    triangles each), which approaches it from below as the mesh gets finer; where the surface
    covers itself twice both count it twice.
    """

    rect: tuple[float, float, float, float]
    domain_area: float
    surface_area: float
    error_estimate: float
    converged: bool
    mesh_area: float
    mesh_cells: int

    def as_dict(self) -> dict[str, object]:
        return {
            "rect": list(self.rect), "domain_area": json_number(self.domain_area),
            "surface_area": json_number(self.surface_area),
            "error_estimate": json_number(self.error_estimate), "converged": self.converged,
            "mesh_area": json_number(self.mesh_area), "mesh_cells": self.mesh_cells,
        }


def mesh_area(compiled: NumericMapping, rect, params: Params = None, cells: int = MESH_CELLS) -> float:
    """The area of F applied to a cells × cells grid over ``rect``, each cell as two triangles."""
    x0, x1, y0, y1 = rect
    u, v = np.meshgrid(np.linspace(x0, x1, cells + 1), np.linspace(y0, y1, cells + 1), indexing="xy")
    pts = np.stack(compiled.evaluate((u, v), params, jacobian=False).values, axis=-1)
    a, b, c, d = pts[:-1, :-1], pts[:-1, 1:], pts[1:, 1:], pts[1:, :-1]
    with np.errstate(all="ignore"):
        t1 = np.linalg.norm(np.cross(b - a, c - a), axis=-1) / 2
        t2 = np.linalg.norm(np.cross(c - a, d - a), axis=-1) / 2
    return float(np.nansum(t1) + np.nansum(t2))


def surface_area(compiled: NumericMapping, rect, params: Params = None, *, rtol: float = DEFAULT_RTOL,
                 subdivisions: int | None = None, mesh_cells: int = MESH_CELLS) -> SurfaceReport:
    """∬_R √det(JᵀJ) dA for a surface F: R² → R³, with the mapped mesh's area next to it."""
    if (compiled.n_outputs, len(compiled.variables)) != (3, 2):
        raise MappingError("the surface area needs a surface (two variables, three components)")
    rect = check_rect(rect)

    def integrand(pts: np.ndarray) -> np.ndarray:
        element = volume_element(compiled, (pts[:, 0], pts[:, 1]), params)
        return np.where(np.isfinite(element), element, 0.0)[:, None]

    res = _cubature(integrand, rect[0::2], rect[1::2], rtol, subdivisions or max_subdivisions(2))
    area = float((rect[1] - rect[0]) * (rect[3] - rect[2]))
    return SurfaceReport(rect, area, float(np.asarray(res.estimate).reshape(-1)[0]),
                         float(np.asarray(res.error).reshape(-1)[0]), res.status == "converged",
                         mesh_area(compiled, rect, params, mesh_cells), mesh_cells)


# ---------------------------------------------------------------------------------------
# What the window draws: fields over a rectangle of the domain


@dataclass(frozen=True)
class DomainField:
    """A field over ``rect`` sampled at the centres of an n×n grid (row-major: field[iy, ix]).

    ``quantity`` names it ("f", "area element", "det J", ...); ``levels`` are the contour
    values chosen for it and ``contours`` their segments (pairs of endpoints, one array per
    level, for connect='pairs'); ``arrows`` are the sparse gradient field of a scalar field as
    (bases (k, 2), vectors (k, 2)) scaled to fit their cells, or None.
    """

    quantity: str
    rect: tuple[float, float, float, float]
    field: np.ndarray
    levels: tuple[float, ...] = ()
    contours: tuple[np.ndarray, ...] = ()
    arrows: tuple[np.ndarray, np.ndarray] | None = None

    def limits(self) -> tuple[float, float]:
        """Colour limits from the 2nd and 98th percentiles (a pole does not wash out the rest)."""
        finite = self.field[np.isfinite(self.field)]
        if finite.size == 0:
            return (0.0, 1.0)
        lo, hi = (float(v) for v in np.percentile(finite, [2, 98]))
        if not hi > lo:
            lo, hi = lo - 0.5, hi + 0.5
        return lo, hi


def contour_levels(field: np.ndarray, count: int) -> tuple[float, ...]:
    """About ``count`` contour levels at round values (1, 2 or 5 times a power of ten apart,
    as an axis's ticks) strictly between the field's 2nd and 98th percentiles: the labels
    then read 200, 400, 600 rather than 152.1, 304.2, 456.4.

    Each level is rounded to a tenth of the step's decade, which takes off the float noise
    of k × step (0.30000000000000004) and keeps levels apart however far from 0 the field
    lies (1e12 + 0.1 x); levels that float cannot tell apart are given once."""
    # imported here: the figure package is not needed to open the window (cold start)
    from jacviz.core.figure.geometry import nice_ticks

    finite = field[np.isfinite(field)]
    if count < 1 or finite.size == 0:
        return ()
    lo, hi = (float(v) for v in np.percentile(finite, [2, 98]))
    if not hi > lo:
        return ()
    ticks = nice_ticks(lo, hi, count + 1, 1.0)
    step = (ticks[-1] - ticks[0]) / (len(ticks) - 1) if len(ticks) > 1 else 0.0
    rounded = (round(v, 1 - math.floor(math.log10(step))) for v in ticks) if step > 0 else ticks
    return tuple(dict.fromkeys(v for v in rounded if lo < v < hi))


def scalar_field(compiled: NumericMapping, rect, params: Params = None, samples: int = 256,
                 levels: int = 12, arrows: int = 15) -> DomainField:
    """f over ``rect`` with ``levels`` contour lines and an ``arrows`` × ``arrows`` field of ∇f."""
    from jacviz.core.sampling.contours import critical_segments
    from jacviz.core.sampling.fields import cell_centres

    rect = check_rect(rect)
    xs, ys = cell_centres(rect, samples)
    (f,) = compiled.evaluate((xs[None, :], ys[:, None]), params, jacobian=False).values
    f = np.array(np.broadcast_to(f, (samples, samples)), dtype=float)
    chosen = contour_levels(f, levels)
    contours = tuple(critical_segments(f, rect, level) for level in chosen)
    ax, ay = cell_centres(rect, arrows)
    gx, gy = np.meshgrid(ax, ay)
    ev = compiled.evaluate((gx, gy), params, jacobian=True)
    grad = np.stack([np.broadcast_to(ev.jacobian[0][k], gx.shape) for k in (0, 1)], axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):
        norm = np.hypot(grad[:, 0], grad[:, 1])
        longest = np.nanpercentile(norm, 95) if np.isfinite(norm).any() else np.nan
        cell = 0.8 * min(rect[1] - rect[0], rect[3] - rect[2]) / arrows
        vectors = np.where(np.isfinite(grad), grad, np.nan) * (cell / longest if longest > 0 else 0.0)
        too_long = np.hypot(vectors[:, 0], vectors[:, 1]) > cell
        vectors[too_long] *= (cell / np.hypot(vectors[too_long, 0], vectors[too_long, 1]))[:, None]
    bases = np.stack([gx.reshape(-1), gy.reshape(-1)], axis=-1)
    return DomainField("f", rect, f, chosen, contours, (bases, vectors))


def quantity_field(compiled: NumericMapping, rect, params: Params = None, samples: int = 256,
                   slice_value: float | None = None) -> DomainField:
    """The heatmap of a surface (area element √det(JᵀJ)) or a map of space (det J on a slice).

    For a map of space the third variable is ``slice_value``; the contour is the critical
    surface's trace det J = 0 on that slice.
    """
    from jacviz.core.sampling.contours import critical_segments
    from jacviz.core.sampling.fields import cell_centres

    rect = check_rect(rect)
    m, n = compiled.n_outputs, len(compiled.variables)
    xs, ys = cell_centres(rect, samples)
    gx, gy = xs[None, :], ys[:, None]
    if (m, n) == (3, 3):
        third = np.array(0.0 if slice_value is None else float(slice_value))
        field = np.array(np.broadcast_to(det_field(compiled, (gx, gy, third), params), (samples, samples)))
        return DomainField("det J", rect, field, (0.0,), (critical_segments(field, rect, 0.0),))
    if (m, n) == (3, 2):
        field = np.array(np.broadcast_to(volume_element(compiled, (gx, gy), params), (samples, samples)))
        return DomainField("area element", rect, field)
    raise MappingError(f"no domain heatmap for a {kind_of((m, n))}")


@dataclass(frozen=True)
class CurveSamples:
    """A curve F(t) sampled at ``t``: its points (k, m) and its speed |F'(t)| (k,)."""

    t: np.ndarray
    points: np.ndarray
    speed: np.ndarray


def curve_samples(compiled: NumericMapping, interval, params: Params = None,
                  samples: int = 600) -> CurveSamples:
    """F and |F'| at ``samples`` values of t in ``interval`` = (t0, t1)."""
    t0, t1 = (float(v) for v in interval)
    if not (math.isfinite(t0) and math.isfinite(t1) and t0 < t1):
        raise UsageError("the curve's interval needs t0 < t1, both finite")
    t = np.linspace(t0, t1, samples)
    ev = compiled.evaluate((t,), params, jacobian=True)
    pts = np.stack([np.broadcast_to(v, t.shape) for v in ev.values], axis=-1)
    jac = ev.matrix()
    return CurveSamples(t, pts, _gram_root(np.broadcast_to(jac, (*t.shape, *jac.shape[-2:]))))
