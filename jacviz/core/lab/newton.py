"""Newton's method p ← p − J(p)⁻¹F(p): the iterates from one point, and the basins of a grid.

Newton's step replaces F near pₖ by its tangent plane (the linearization F(pₖ) + J(pₖ)·δ)
and jumps to where that plane is 0. Near a simple root r (det J(r) ≠ 0) the error then
squares at every step, eₖ₊₁ ≈ C·eₖ² with C = ‖J⁻¹F''‖/2: the number of correct digits
doubles. Where J is singular (on the critical curve det J = 0) the tangent plane is
degenerate and the step is undefined.

* :func:`newton_iterates` runs the plain (undamped) iteration from one point, up to 50
  steps, and keeps for every iterate pₖ: F(pₖ), ‖F(pₖ)‖, J(pₖ), the step δₖ, the tangent
  plane's prediction F(pₖ) + J(pₖ)·δₖ (the target 0, up to rounding) and, once converged,
  the error ‖pₖ − root‖ and its correct digits. A singular J, an undefined F or a run
  that escapes is a result with a status and a sentence, not an exception.
* :func:`newton_basins` runs the same iteration from every sample of an n×n grid at once
  (in blocks of rows, for the cache), merges the end points into roots and gives each
  sample the index of its root and the number of iterations it took: the Newton fractal.
  :meth:`Basins.rgba` colours it, and :func:`field_request` makes it the heatmap mode
  ``basins``.

Both use the Newton step of :func:`jacviz.core.lab.preimages.newton_step` (the preimages'
damped solver is built on it too), undamped here: the basins are those of Newton's method
itself, and a line search would redraw them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.lab.preimages import check_planar, check_rect, newton_step
from jacviz.core.numeric.protocol import NumericMapping, Params
from jacviz.core.sampling.fields import cell_centres
from jacviz.core.sampling.geometry import Rect

MAX_ITERATIONS = 50
XTOL = 1e-13  # converged when the step is below XTOL·max(1, ‖p‖)
BASIN_XTOL = 1e-9  # the same for the basins, where only which root matters
ESCAPE = 1e8  # an iterate this many rectangle sizes (or units) away has escaped
MAX_ROOTS = 64  # distinct roots the basins keep; samples reaching others count as not converged
# Samples per block of the basins' iteration: big enough that numpy's per-call overhead (an
# iteration is ~40 calls) is spread over many samples, small enough that the arrays stay near
# the CPU. For z³ − 1 at 512², medians: on a 2-core Xeon (AVX-512) 8k 115 ms, 16k 85, 32k 90,
# all at once 100; on a 2-core AMD EPYC 8k 150, 16k 112, 32k 90, 64k 83, 128k 85, all 94.
BLOCK_SAMPLES = 65536
DIGITS_CAP = 16.0  # a float64 holds about 16 significant digits
# J counts as singular when |det J| ≤ SINGULAR·‖J‖²_F, i.e. σ_min/σ_max below about 1e-14:
# the step then has no correct digit. Newton closing in on a double root still steps (its
# J is singular only at the root itself), so this is far below the damped solver's 1e-10.
SINGULAR = 1e-14


@dataclass(frozen=True)
class NewtonIterate:
    """One iterate pₖ and what Newton's method computes there.

    ``step`` is δₖ = −J(pₖ)⁻¹F(pₖ) and ``target`` the tangent plane's prediction
    F(pₖ) + J(pₖ)·δₖ (which is 0 up to rounding); both are None for the last iterate and
    where J is singular or undefined. ``error`` is ‖pₖ − root‖ and ``digits`` the number of
    correct significant digits, −log₁₀(error / max(1, ‖root‖)) capped at 16, when the run
    converged (None otherwise, and for the root itself).
    """

    k: int
    point: tuple[float, float]
    value: tuple[float, float]
    residual: float
    jacobian: np.ndarray | None
    det: float
    step: tuple[float, float] | None
    target: tuple[float, float] | None
    error: float | None = None
    digits: float | None = None

    def as_dict(self) -> dict:
        def pair(p):
            return None if p is None else [_json(p[0]), _json(p[1])]
        return {
            "k": self.k, "point": pair(self.point), "value": pair(self.value),
            "residual": _json(self.residual),
            "jacobian": None if self.jacobian is None else [[_json(v) for v in r] for r in self.jacobian],
            "det": _json(self.det), "step": pair(self.step), "target": pair(self.target),
            "error": None if self.error is None else _json(self.error),
            "digits": None if self.digits is None else _json(self.digits),
        }


@dataclass(frozen=True)
class NewtonRun:
    """The iterates p₀, p₁, … of Newton's method from one point, and how the run ended.

    ``status`` is "converged", "singular" (J is singular at the last iterate: it lies on
    the critical curve det J = 0), "undefined" (F or J is undefined there), "escaped" (the
    iterates ran off), or "max iterations". ``root`` is the last iterate when converged.
    """

    iterates: tuple[NewtonIterate, ...]
    status: str
    root: tuple[float, float] | None

    @property
    def converged(self) -> bool:
        return self.status == "converged"

    def points(self) -> np.ndarray:
        """p₀, p₁, … as a (k, 2) array (for the domain view)."""
        return np.array([it.point for it in self.iterates], dtype=float).reshape(-1, 2)

    def values(self) -> np.ndarray:
        """F(p₀), F(p₁), … as a (k, 2) array (for the codomain view)."""
        return np.array([it.value for it in self.iterates], dtype=float).reshape(-1, 2)

    def targets(self) -> np.ndarray:
        """The tangent-plane predictions F(pₖ) + J(pₖ)·δₖ, one per step taken, as a (k, 2) array."""
        return np.array([it.target for it in self.iterates if it.target is not None],
                        dtype=float).reshape(-1, 2)

    def message(self) -> str:
        """One sentence for the readout or the terminal."""
        last = self.iterates[-1]
        where = f"p{_sub(last.k)} = ({_num(last.point[0])}, {_num(last.point[1])})"
        steps = len(self.iterates) - 1
        noun = "step" if steps == 1 else "steps"
        if self.status == "converged":
            return f"converged to {where} in {steps} {noun}, |F| = {last.residual:.1e}"
        if self.status == "singular":
            return (f"J is singular at {where} (det J = {_num(last.det)}): the tangent plane has no "
                    "zero to step to; this point is on the critical curve det J = 0")
        if self.status == "undefined":
            return f"F or J is not defined at {where}: Newton's method stops"
        if self.status == "escaped":
            return f"the iterates ran off to {where}: no root in sight"
        return f"not converged after {steps} {noun}; last {where}, |F| = {last.residual:.1e}"

    def as_dict(self) -> dict:
        return {"status": self.status, "message": self.message(),
                "root": None if self.root is None else [_json(v) for v in self.root],
                "iterates": [it.as_dict() for it in self.iterates]}


def newton_iterates(mapping: NumericMapping, start, params: Params = None, *,
                    max_iterations: int = MAX_ITERATIONS, xtol: float = XTOL) -> NewtonRun:
    """Newton's method p ← p − J(p)⁻¹F(p) from ``start``, undamped, one iterate at a time.

    Stops when the step is below ``xtol``·max(1, ‖p‖) (the next iterate is the root),
    when F(p) = 0 exactly, when the step is below 1e-8·max(1, ‖p‖) and ‖F‖ no longer
    decreases (rounding has the last word), when J is singular (|det J| ≤ 1e-14·‖J‖²_F) or
    undefined, when ‖p‖ exceeds 1e8·max(1, ‖p₀‖), or after ``max_iterations`` steps.
    """
    check_planar(mapping, "Newton's method")
    p = np.asarray(start, dtype=float).reshape(-1)
    if p.shape != (2,) or not np.isfinite(p).all():
        raise MappingError("Newton's method needs a starting point of two finite numbers")
    if not 1 <= max_iterations <= 1000:
        raise MappingError("Newton's method takes between 1 and 1000 iterations")
    escape = ESCAPE * max(1.0, float(np.hypot(*p)))
    rows: list[dict] = []
    status = "max iterations"
    previous = math.inf
    for k in range(max_iterations + 1):
        ev = mapping.evaluate((np.array(p[0]), np.array(p[1])), params, jacobian=True)
        f = np.array([float(v) for v in ev.values])
        jac = np.array([[float(e) for e in row] for row in ev.jacobian])
        (a, b), (c, d) = jac
        det = a * d - b * c
        residual = float(np.hypot(*f))
        row = {"k": k, "point": (float(p[0]), float(p[1])), "value": (float(f[0]), float(f[1])),
               "residual": residual, "jacobian": jac, "det": float(det), "step": None, "target": None}
        rows.append(row)
        if not (np.isfinite(f).all() and np.isfinite(jac).all()):
            status = "undefined"
            row["jacobian"] = None if not np.isfinite(jac).all() else jac
            break
        if residual == 0.0:
            status = "converged"
            break
        if float(np.hypot(*p)) > escape:
            status = "escaped"
            break
        if k == max_iterations:
            break
        dx, dy, singular = newton_step(a, b, c, d, det, f[0], f[1], SINGULAR)
        if bool(singular):
            status = "singular"
            break
        step = np.array([float(dx), float(dy)])
        row["step"] = (float(step[0]), float(step[1]))
        row["target"] = tuple(float(t) for t in f + jac @ step)
        size = float(np.hypot(*step))
        scale = max(1.0, float(np.hypot(*p)))
        p = p + step
        if size <= xtol * scale or (size <= 1e-8 * scale and residual >= previous):
            # one more row for the point the last step reached: the root
            ev = mapping.evaluate((np.array(p[0]), np.array(p[1])), params, jacobian=True)
            f = np.array([float(v) for v in ev.values])
            jac = np.array([[float(e) for e in r] for r in ev.jacobian])
            rows.append({"k": k + 1, "point": (float(p[0]), float(p[1])), "value": (float(f[0]), float(f[1])),
                         "residual": float(np.hypot(*f)), "jacobian": jac,
                         "det": float(jac[0, 0] * jac[1, 1] - jac[0, 1] * jac[1, 0]),
                         "step": None, "target": None})
            status = "converged" if np.isfinite(f).all() else "undefined"
            break
        previous = residual
    root = rows[-1]["point"] if status == "converged" else None
    iterates = []
    for row in rows:
        error = digits = None
        if root is not None and row is not rows[-1]:
            error = float(math.hypot(row["point"][0] - root[0], row["point"][1] - root[1]))
            rel = error / max(1.0, math.hypot(*root))
            digits = DIGITS_CAP if rel == 0 else float(min(DIGITS_CAP, max(0.0, -math.log10(rel))))
        iterates.append(NewtonIterate(error=error, digits=digits, **row))
    return NewtonRun(tuple(iterates), status, root)


# ---------------------------------------------------------------------------------------------
# Basins
@dataclass(frozen=True)
class Basins:
    """Where Newton's method goes from each sample of an n×n grid of cells over ``rect``.

    ``root_index`` is (n, n), row-major like the det J heatmap (row i is y = y0 + (i + ½)·dy),
    the index into ``roots`` of the root the iteration from that sample reached, or −1 when
    it did not converge (singular or undefined J, escaped, or still moving after
    ``max_iterations``). ``iterations`` is (n, n) float: the Newton steps that brought the
    sample within the tolerance of its root (0 for a sample on a root, 1 everywhere for a
    linear F; the step that confirms convergence is not counted), NaN where ``root_index``
    is −1. ``roots`` is (k, 2), sorted by x then y, so a root keeps its
    colour when the view moves; it may hold roots outside ``rect``. ``complete`` is False
    when more than MAX_ROOTS distinct end points were found (the extra samples are −1).
    """

    rect: tuple[float, float, float, float]
    root_index: np.ndarray
    iterations: np.ndarray
    roots: np.ndarray
    max_iterations: int
    complete: bool = True

    def rgba(self, colours=None, grey=(150, 150, 150)) -> np.ndarray:
        """An (n, n, 4) uint8 image: each root's colour, darker the more iterations it took.

        ``colours`` is a list of RGB triples used in turn (default :data:`BASIN_COLOURS`);
        samples that did not converge are ``grey``. The shade runs from full colour at the
        fewest iterations to 35 % at the 98th percentile of the counts (or more).
        """
        palette = np.asarray(BASIN_COLOURS if colours is None else colours, dtype=float).reshape(-1, 3)
        idx = self.root_index
        ok = idx >= 0
        out = np.empty((*idx.shape, 4), dtype=np.uint8)
        out[..., 3] = 255
        out[..., :3] = np.asarray(grey, dtype=np.uint8)
        if ok.any():
            its = self.iterations[ok]
            lo, hi = float(its.min()), float(np.percentile(its, 98))
            span = max(hi - lo, 1.0)
            shade = 1.0 - 0.65 * np.clip((its - lo) / span, 0.0, 1.0)
            rgb = palette[idx[ok] % len(palette)] * shade[:, None]
            out[ok, :3] = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
        return out

    def as_dict(self) -> dict:
        """A summary for the command line: the roots, and the fraction of samples in each basin."""
        total = self.root_index.size
        counts = np.bincount(self.root_index[self.root_index >= 0].ravel(), minlength=len(self.roots))
        return {"range": list(self.rect), "samples": list(self.root_index.shape),
                "roots": [[float(x), float(y)] for x, y in self.roots],
                "fractions": [float(c / total) for c in counts],
                "not_converged": float(np.count_nonzero(self.root_index < 0) / total),
                "max_iterations": self.max_iterations, "complete": self.complete}


# Distinct, colour-blind-friendly hues (Okabe & Ito, 2008) for the roots, in order.
BASIN_COLOURS = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66),
                 (0, 114, 178), (213, 94, 0), (204, 121, 167), (120, 94, 240))


def newton_basins(mapping: NumericMapping, rect: Rect, n: int = 512, params: Params = None, *,
                  max_iterations: int = MAX_ITERATIONS, xtol: float = BASIN_XTOL) -> Basins:
    """Newton's method from the centre of every cell of an n×n grid over ``rect``, vectorised.

    A sample converges when its step falls below ``xtol``·max(1, ‖p‖); end points closer
    than 1e-6 of the rectangle's diagonal (or than a few of their last steps) are one root.
    """
    check_planar(mapping, "Newton basins")
    x0, x1, y0, y1 = check_rect(rect)
    if not 2 <= int(n) <= 4096:
        raise MappingError("the basins need between 2 and 4096 samples per side")
    if not 1 <= max_iterations <= 1000:
        raise MappingError("Newton's method takes between 1 and 1000 iterations")
    n = int(n)
    xs, ys = cell_centres((x0, x1, y0, y1), n)
    size = max(x1 - x0, y1 - y0)
    escape = ESCAPE * max(1.0, size, abs(x0), abs(x1), abs(y0), abs(y1))
    radius = 1e-6 * float(np.hypot(x1 - x0, y1 - y0))
    ends = np.full((n * n, 2), np.nan)
    counts = np.full(n * n, -1, dtype=np.int32)
    last_step = np.zeros(n * n)
    rows = max(1, BLOCK_SAMPLES // n)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        gx, gy = np.meshgrid(xs, ys[start:stop])
        block = slice(start * n, stop * n)
        e, c, s = _newton_block(mapping, gx.ravel(), gy.ravel(), params, max_iterations, xtol, escape)
        ends[block], counts[block], last_step[block] = e, c, s
    done = counts >= 0
    roots, index = _assign_roots(ends, done, last_step, radius)
    complete = roots.shape[0] <= MAX_ROOTS
    if not complete:
        index[index >= MAX_ROOTS] = -1
        roots = roots[:MAX_ROOTS]
    # sort the roots by x then y, so colours do not depend on the order they were met
    order = np.lexsort((roots[:, 1], roots[:, 0])) if len(roots) else np.empty(0, dtype=np.intp)
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    root_index = np.where(index >= 0, rank[np.maximum(index, 0)] if len(order) else -1, -1).astype(np.int32)
    iterations = np.where(root_index >= 0, counts, np.nan).astype(np.float32)
    return Basins((x0, x1, y0, y1), root_index.reshape(n, n), iterations.reshape(n, n),
                  roots[order].reshape(-1, 2), max_iterations, complete)


def _newton_block(mapping, x: np.ndarray, y: np.ndarray, params, max_iterations: int, xtol: float,
                  escape: float):
    """Plain Newton from every (x, y) at once; returns end points, iteration counts (−1: not
    converged) and last step lengths. Samples leave the arrays as soon as they finish, so
    each iteration works only on the samples still moving."""
    m = x.size
    px, py = np.array(x, dtype=float), np.array(y, dtype=float)
    counts = np.full(m, -1, dtype=np.int32)
    steps = np.zeros(m)
    active = np.arange(m)
    ax, ay = px.copy(), py.copy()  # the active samples' positions
    tol2, esc2 = xtol * xtol, escape * escape
    for k in range(1, max_iterations + 1):
        ev = mapping.evaluate((ax, ay), params, jacobian=True)
        (a, b), (c, d) = ev.jacobian
        r0, r1 = ev.values
        with np.errstate(all="ignore"):
            dx, dy, singular = newton_step(a, b, c, d, a * d - b * c, r0, r1, SINGULAR)
            nx, ny = ax + dx, ay + dy
            s2 = dx * dx + dy * dy
            converged = s2 <= tol2 * np.maximum(ax * ax + ay * ay, 1.0)  # False where NaN
            failed = singular | ~(nx * nx + ny * ny <= esc2)  # True where NaN
            if singular.any():  # F = 0 exactly at a singular J (a multiple root hit dead on)
                zero = singular & (r0 == 0) & (r1 == 0)
                failed &= ~zero
                converged |= zero
                nx, ny = np.where(zero, ax, nx), np.where(zero, ay, ny)
                s2 = np.where(zero, 0.0, s2)
            converged &= ~failed
        finished = converged | failed
        if finished.any():
            idx = active[finished]
            px[idx], py[idx] = nx[finished], ny[finished]
            # p_{k−1} was already within the tolerance of the root: k − 1 steps reached it
            counts[idx] = np.where(converged[finished], k - 1, -1)
            steps[idx] = np.sqrt(np.where(np.isfinite(s2[finished]), s2[finished], 0.0))
            keep = ~finished
            active, ax, ay = active[keep], nx[keep], ny[keep]
            if active.size == 0:
                break
        else:
            ax, ay = nx, ny
    # samples still moving after the last iteration did not converge (their count stays −1)
    if active.size:
        px[active], py[active] = ax, ay
    return np.stack([px, py], 1), counts, steps


def _assign_roots(ends: np.ndarray, done: np.ndarray, steps: np.ndarray, radius: float):
    """Merge converged end points into roots; returns the roots (k, 2) and each sample's index.

    Greedy, one root at a time: the unassigned end point with the smallest last step is a
    new root, and every unassigned end point closer to it than ``radius`` or 4× the larger
    of their last steps (the rule of :func:`~jacviz.core.lab.preimages.merge_points`) joins
    it. Each round looks only at what is left, so a few roots cost a few passes. At most
    MAX_ROOTS + 1 roots are made; samples left over keep −1.
    """
    index = np.full(len(ends), -1, dtype=np.int32)
    left = np.flatnonzero(done)
    roots = []
    while left.size and len(roots) <= MAX_ROOTS:
        st = steps[left]
        best = int(np.argmin(st))
        rx, ry = ends[left[best]]
        reach = np.maximum(radius, 4.0 * np.maximum(st, st[best]))
        near = np.hypot(ends[left, 0] - rx, ends[left, 1] - ry) <= reach
        near[best] = True
        index[left[near]] = len(roots)
        roots.append((rx, ry))
        left = left[~near]
    return np.array(roots, dtype=float).reshape(-1, 2), index


MODE = "basins"  # the heatmap mode (jacviz.core.sampling.heatmap.HEATMAP_MODES)


def _basins_image(numeric, rect, n: int, params) -> np.ndarray:
    return newton_basins(numeric, rect, n, params).rgba()


def field_request(resolution: float = 1.0):
    """The Newton basins as a heatmap field sampled with a scene: an RGBA image (one colour per root).

    The window's Newton tool and ``jacviz export --mode basins`` both ask for it.
    """
    from jacviz.core.pipeline.scene import FieldRequest

    return FieldRequest(MODE, _basins_image, (MODE,), resolution=float(resolution), rgba=True)


def _json(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _num(x: float) -> str:
    return f"{x:.6g}".replace("-", "−")


def _sub(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
