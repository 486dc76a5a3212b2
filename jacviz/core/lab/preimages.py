"""Every point of a rectangle where F(p) = q: preimages, and (with q = 0) equilibria and roots.

Where det J ≠ 0 the inverse function theorem says the solutions are isolated, and their
number changes only when q crosses the image of the critical curve: 2 for z² away from
0, 1 or 3 for the Whitney cusp. They are found by Newton's method on F(p) − q = 0 from a
grid of seeds, all seeds at once (:func:`solve_seeded`, shared by the preimages of the
codomain's cursor and by the equilibria of a vector field, :mod:`jacviz.core.lab.dynamics`):

* the step solves J·δ = −(F(p) − q) (Cramer's rule, :func:`newton_step`, which the plain
  Newton iteration of :mod:`jacviz.core.lab.newton` uses too); where J is nearly singular
  it is the Levenberg–Marquardt step δ = −(JᵀJ + λI)⁻¹Jᵀr instead;
* a backtracking line search halves the step until ½‖F − q‖² decreases (Armijo's
  condition; Dennis & Schnabel, *Numerical Methods for Unconstrained Optimization*, §6.3);
* converged points are kept if they lie in the rectangle and ‖F(p) − q‖ is small, then
  merged with a tolerance relative to the rectangle's size (:func:`merge_points`).

A seed grid finds every root whose basin of attraction contains a seed; 24×24 seeds plus
the 23×23 cell centres are plenty for the rectangles a person looks at.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.numeric.protocol import NumericMapping, Params
from jacviz.core.sampling.geometry import Rect

MAX_ITERATIONS = 60
MAX_HALVINGS = 12
# |det J| ≤ SINGULAR_RATIO·‖J‖²_F counts as singular: then σ_min/σ_max is below about
# 1e-10 and the Newton step would be dominated by rounding.
SINGULAR_RATIO = 1e-10


@dataclass(frozen=True)
class RootSet:
    """The solutions of F(p) = q found in a rectangle.

    ``points`` is (k, 2), sorted by x then y; ``residuals`` holds ‖F(p) − q‖ at each and
    ``steps`` the length of the last Newton step that reached it: an estimate of how far
    the point may still be from the true root (large at a multiple root, where Newton
    converges only linearly).
    """

    points: np.ndarray
    residuals: np.ndarray
    steps: np.ndarray

    def __len__(self) -> int:
        return len(self.points)


def seed_grid(rect: Rect, n: int = 24) -> np.ndarray:
    """n×n points spanning ``rect`` (edges included) and the (n−1)² centres between them."""
    x0, x1, y0, y1 = rect
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    cx, cy = np.meshgrid((xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2)
    return np.concatenate([np.stack([gx.ravel(), gy.ravel()], 1), np.stack([cx.ravel(), cy.ravel()], 1)])


def check_rect(rect: Rect) -> tuple[float, float, float, float]:
    """The rectangle as four floats; :class:`MappingError` unless finite with x0 < x1, y0 < y1."""
    try:
        x0, x1, y0, y1 = (float(v) for v in rect)
    except (TypeError, ValueError):
        raise MappingError("the rectangle needs four numbers x0, x1, y0, y1") from None
    if not (np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1):
        raise MappingError("the rectangle needs finite x0 < x1 and y0 < y1")
    return x0, x1, y0, y1


def check_planar(mapping: NumericMapping, what: str) -> None:
    """:class:`MappingError` unless F maps two variables to two components."""
    if len(mapping.variables) != 2 or mapping.n_outputs != 2:
        raise MappingError(f"{what} needs a mapping of two variables to two components "
                           f"(this one has {len(mapping.variables)} and {mapping.n_outputs})")


def newton_step(a, b, c, d, det, r0, r1, ratio: float = SINGULAR_RATIO):
    """The Newton step δ = −J⁻¹r for J = [[a, b], [c, d]] (Cramer's rule), on arrays.

    Returns (δx, δy, singular): ``singular`` is True where J is undefined or |det J| ≤
    ``ratio``·‖J‖²_F (J = 0 included); δ is not to be trusted there. The damped solver
    switches to Levenberg–Marquardt below the default ratio; plain Newton passes a
    smaller one, since near a double root J is nearly singular and Newton still works. δ can still
    overflow where J is not singular but r is huge: callers check that it is finite.
    This runs on every sample of the Newton basins, so it is kept to a few operations.
    """
    with np.errstate(all="ignore"):
        inv = 1.0 / det
        dx = (b * r1 - d * r0) * inv
        dy = (c * r0 - a * r1) * inv
        scale = a * a + b * b + c * c + d * d
        singular = ~(np.abs(det) > ratio * scale)
    return dx, dy, singular


def preimages(compiled: NumericMapping, q, rect: Rect, params: Params = None,
              seeds: int | np.ndarray = 24, *, tol: float | None = None) -> np.ndarray:
    """Every p in ``rect`` with F(p) = q, as a (k, 2) array sorted by x then y (k may be 0).

    See :func:`solve_seeded` for ``seeds`` and ``tol``. Raises :class:`MappingError` for a
    bad rectangle or q.
    """
    return solve_seeded(compiled, q, rect, params, seeds, tol=tol).points


def solve_seeded(mapping: NumericMapping, q, rect: Rect, params: Params = None,
                 seeds: int | np.ndarray = 24, *, tol: float | None = None) -> RootSet:
    """The solutions of F(p) = q in ``rect``, by damped Newton from a grid of seeds.

    ``seeds`` is the side of the seed grid (see :func:`seed_grid`) or an explicit (m, 2)
    array of starting points. A point counts when ‖F(p) − q‖ ≤ ``tol`` (default
    1e-9·max(1, ‖q‖)). Points closer than 1e-6 of the rectangle's diagonal are one
    solution. Raises :class:`MappingError` for a bad rectangle or q.
    """
    x0, x1, y0, y1 = check_rect(rect)
    q = np.asarray(q, dtype=float).reshape(-1)
    if q.shape != (2,) or not np.isfinite(q).all():
        raise MappingError("the target point q needs two finite numbers")
    if isinstance(seeds, (int, np.integer)):
        if seeds < 2:
            raise MappingError("the seed grid needs at least 2 points per side")
        start = seed_grid((x0, x1, y0, y1), int(seeds))
    else:
        start = np.asarray(seeds, dtype=float).reshape(-1, 2)
    size = max(x1 - x0, y1 - y0)
    diag = float(np.hypot(x1 - x0, y1 - y0))
    if tol is None:
        tol = 1e-9 * max(1.0, float(np.hypot(*q)))
    empty = RootSet(np.empty((0, 2)), np.empty(0), np.empty(0))
    roots, residuals, steps = _newton(mapping, start, q, params, tol, (x0, x1, y0, y1), size)
    if roots.size == 0:
        return empty
    margin = 1e-9 * size
    inside = ((roots[:, 0] >= x0 - margin) & (roots[:, 0] <= x1 + margin)
              & (roots[:, 1] >= y0 - margin) & (roots[:, 1] <= y1 + margin))
    roots, residuals, steps = roots[inside], residuals[inside], steps[inside]
    if roots.size == 0:
        return empty
    keep = merge_points(roots, residuals, steps, 1e-6 * diag)
    roots, residuals, steps = roots[keep], residuals[keep], steps[keep]
    order = np.lexsort((roots[:, 1], roots[:, 0]))
    return RootSet(roots[order], residuals[order], steps[order])


def _residual(compiled, p: np.ndarray, q: np.ndarray, params) -> np.ndarray:
    u, v = compiled.values(p[:, 0], p[:, 1], params)
    return np.stack([u - q[0], v - q[1]], 1)


def _newton(compiled, p: np.ndarray, q: np.ndarray, params, tol: float, rect, size: float):
    """Damped Newton from every seed at once.

    Returns the points with ‖F(p) − q‖ ≤ tol, their residuals and their last step lengths.
    A point keeps iterating after its residual is small until its step is below
    1e-10 of the rectangle: at a multiple root (q on the image of the critical curve)
    Newton converges only linearly, and the last step then estimates the distance left.
    """
    x0, x1, y0, y1 = rect
    p = p.copy()
    r = _residual(compiled, p, q, params)
    norm = np.hypot(r[:, 0], r[:, 1])
    last = np.full(len(p), np.inf)
    active = np.isfinite(norm) & (norm > 0)
    far = 1.0 * size  # a seed this far outside the rectangle has gone looking elsewhere
    small = 1e-10 * size
    for _ in range(MAX_ITERATIONS):
        idx = np.nonzero(active)[0]
        if idx.size == 0:
            break
        pa, ra, na = p[idx], r[idx], norm[idx]
        a, b, c, d, det = compiled.jacobian(pa[:, 0], pa[:, 1], params)
        with np.errstate(all="ignore"):
            dx, dy, singular = newton_step(a, b, c, d, det, ra[:, 0], ra[:, 1])
            singular |= ~np.isfinite(dx) | ~np.isfinite(dy)
            # Levenberg–Marquardt where J is nearly singular: δ = −(JᵀJ + λI)⁻¹ Jᵀ r
            if singular.any():
                scale = a * a + b * b + c * c + d * d
                lam = 1e-6 * scale + 1e-12
                g0 = a * ra[:, 0] + c * ra[:, 1]
                g1 = b * ra[:, 0] + d * ra[:, 1]
                m00, m01, m11 = a * a + c * c + lam, a * b + c * d, b * b + d * d + lam
                mdet = m00 * m11 - m01 * m01
                lx = -(m11 * g0 - m01 * g1) / mdet
                ly = -(-m01 * g0 + m00 * g1) / mdet
                dx = np.where(singular, lx, dx)
                dy = np.where(singular, ly, dy)
        step_ok = np.isfinite(dx) & np.isfinite(dy)
        alpha = np.ones(idx.size)
        new_p = pa.copy()
        new_r = ra.copy()
        new_n = na.copy()
        pending = step_ok.copy()
        for _ in range(MAX_HALVINGS):
            sub = np.nonzero(pending)[0]
            if sub.size == 0:
                break
            trial = pa[sub] + alpha[sub, None] * np.stack([dx[sub], dy[sub]], 1)
            tr = _residual(compiled, trial, q, params)
            tn = np.hypot(tr[:, 0], tr[:, 1])
            # Armijo on ½‖r‖²: accept when it drops by at least 1e-4·α·‖r‖²
            with np.errstate(all="ignore"):
                accept = np.isfinite(tn) & (tn * tn <= (1 - 2e-4 * alpha[sub]) * na[sub] ** 2)
            acc = sub[accept]
            new_p[acc], new_r[acc], new_n[acc] = trial[accept], tr[accept], tn[accept]
            pending[acc] = False
            alpha[sub[~accept]] *= 0.5
        moved = ~pending & step_ok
        step = np.where(moved, alpha * np.hypot(dx, dy), last[idx])
        # a step that lands exactly on a root says nothing about an error left: there is none
        step = np.where(new_n == 0, 0.0, step)
        p[idx], r[idx], norm[idx], last[idx] = new_p, new_r, new_n, step
        converged = (new_n <= tol) & ((step <= small) | (new_n == 0))
        outside = ((new_p[:, 0] < x0 - far) | (new_p[:, 0] > x1 + far)
                   | (new_p[:, 1] < y0 - far) | (new_p[:, 1] > y1 + far))
        # no step decreased the residual: a root to rounding, or a local minimum of ‖F − q‖
        stuck = ~moved
        active[idx[converged | outside | stuck]] = False
    keep = np.isfinite(norm) & (norm <= tol)
    return p[keep], norm[keep], np.where(np.isfinite(last[keep]), last[keep], 0.0)


def merge_points(points: np.ndarray, residuals: np.ndarray, steps: np.ndarray | None,
                 radius: float) -> np.ndarray:
    """The indices of one representative (the smallest residual) per group of points that are one root.

    Two points are one root when closer than ``radius``, or than 4× the larger of their
    last Newton steps (``steps``; they estimate the distance from a slowly converging
    root). The indices are in the order of increasing residual.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    steps = np.zeros(len(points)) if steps is None else np.asarray(steps, dtype=float)
    order = np.argsort(residuals, kind="stable")
    pts, stp = points[order], steps[order]
    taken = np.zeros(len(pts), dtype=bool)
    out = []
    for i in range(len(pts)):
        if taken[i]:
            continue
        reach = np.maximum(radius, 4.0 * np.maximum(stp, stp[i]))
        near = np.hypot(pts[:, 0] - pts[i, 0], pts[:, 1] - pts[i, 1]) <= reach
        taken |= near
        out.append(order[i])
    return np.asarray(out, dtype=np.intp)
