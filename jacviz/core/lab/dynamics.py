"""F read as a vector field (x', y') = F(x, y): equilibria, their types, the flow.

What the Jacobian says about a differential equation, as numbers the window, the command
line and the tests share:

* **Classification** (:func:`classify`): at an equilibrium p* the flow near p* looks like
  the flow of the linear system v' = J(p*)·v (Hartman–Grobman, when no eigenvalue has zero
  real part). With τ = trace J, Δ = det J and the discriminant τ² − 4Δ the type is read off
  the trace–determinant diagram (Strogatz, *Nonlinear Dynamics and Chaos*, §5.2):

  ======================  =========================================
  Δ < 0                   saddle
  Δ > 0, τ² − 4Δ ≥ 0      node (stable if τ < 0, unstable if τ > 0)
  Δ > 0, τ² − 4Δ < 0      spiral (stable if τ < 0, unstable if τ > 0)
  Δ > 0, τ = 0            centre
  Δ = 0                   degenerate (an eigenvalue is 0)
  ======================  =========================================

  Ties are decided with tolerances relative to s = ‖J‖_F (the Frobenius norm), because J
  at a computed equilibrium carries the rounding of the equilibrium's position: Δ counts
  as 0 when |Δ| ≤ 1e-9·s², τ when |τ| ≤ 1e-9·s, the discriminant when |τ² − 4Δ| ≤
  1e-9·s² (``TIE``). For a computed equilibrium each tolerance is also at least the spread
  of that number over the equilibrium's own uncertainty (J evaluated a distance 4× the last
  Newton step away on either side, in x and in y): at a double root, where Newton creeps in
  linearly, det J is then 0 within what the numbers can tell, and the equilibrium is
  degenerate rather than a saddle or a node by the luck of the last step. They are
  checked in this order: J undefined or J = 0 → degenerate;
  Δ ≈ 0 → degenerate (this includes τ = Δ = 0); Δ < 0 → saddle; τ ≈ 0 → centre; then the
  discriminant: > 0 node, < 0 spiral, ≈ 0 node with a repeated eigenvalue (a star or
  degenerate node, the border between nodes and spirals, counted with the nodes). A centre
  and a degenerate equilibrium are where the linear picture does not decide: the nonlinear
  terms may turn a linear centre into a slow spiral.

* **The trace–determinant diagram** as data (:data:`REGIONS`, :func:`region_of`,
  :func:`region_polygons`, :func:`parabola`): which region a (τ, Δ) lies in, a sentence for
  each to show on hover, and the regions as polygons clipped to the diagram's box.

* **Equilibria** in a rectangle (:func:`find_equilibria`): F = 0 solved with the seeded,
  damped Newton solver the preimages use (:func:`jacviz.core.lab.preimages.solve_seeded`),
  duplicates merged, each classified from J.

* **The arrow field** (:func:`arrow_field`): F at the centres of a grid of cells, scaled
  for display by a robust maximum of |F|.

* **Evenly spaced streamlines** (:func:`streamlines`), after the occupancy-grid method of
  Jobard & Lefer ("Creating evenly-spaced streamlines of arbitrary density", 1997) in the
  variant matplotlib's ``streamplot`` uses: the rectangle is divided into cells, seeds are
  tried coarse to fine, and a streamline stops when it enters a cell another one already
  crosses, or comes back to a cell it crossed itself. It is written here because the one
  well-kept implementation, matplotlib's ``streamplot``, needs an Axes (and matplotlib as a
  runtime dependency, with 0.2 s to import) and integrates one point at a time in Python:
  it takes about 105 ms on this project's machine for the pendulum at its default density,
  twice the 50 ms budget. Here every seed of a round is traced at once with numpy (a
  midpoint Runge–Kutta step on the unit direction field, bilinearly interpolated from one
  sampling of F), and only the acceptance, which must see the lines accepted before, runs
  line by line.

* **Trajectories** (:func:`trajectory`) forward and backward in time from a point, with
  ``scipy.integrate.solve_ivp`` (DOP853), bounded in time and in evaluations of F, stopping
  where F is undefined or the path leaves the neighbourhood of the rectangle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.lab.preimages import check_planar, check_rect, seed_grid, solve_seeded
from jacviz.core.numeric.protocol import NumericMapping, Params
from jacviz.core.sampling.geometry import Rect

TIE = 1e-9  # relative tolerance for τ = 0, Δ = 0 and τ² = 4Δ (see the module docstring)
ARROWS = 24  # arrows along each side of the visible domain (the window's default density)
STREAMLINE_CELLS = 30  # cells along each side for the streamlines' spacing (matplotlib's density 1)
MAX_EQUILIBRIA = 100  # more than this in one rectangle: F = 0 on a curve, not at points


# ---------------------------------------------------------------------------------------------
# Classification
class Kind(str, Enum):
    """The type of an equilibrium (the value is the name shown to people)."""

    SADDLE = "saddle"
    STABLE_NODE = "stable node"
    UNSTABLE_NODE = "unstable node"
    STABLE_SPIRAL = "stable spiral"
    UNSTABLE_SPIRAL = "unstable spiral"
    CENTRE = "centre"
    DEGENERATE = "degenerate"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Region:
    """A region (or border) of the trace–determinant diagram, for drawing and hover text."""

    key: str  # stable identifier, e.g. "stable spiral" or "repeated stable"
    name: str  # what the diagram labels it
    kind: Kind  # the type of an equilibrium whose (τ, Δ) lies here
    sentence: str  # one sentence for the hover text
    area: bool  # True for an open region, False for a border (a line or the parabola)


REGIONS: dict[str, Region] = {r.key: r for r in (
    Region("saddle", "saddle", Kind.SADDLE,
           "det J < 0: one eigenvalue is positive and one negative, so trajectories come in along "
           "one eigenvector and leave along the other.", True),
    Region("stable node", "stable node", Kind.STABLE_NODE,
           "det J > 0, trace < 0 and trace² > 4 det: two negative real eigenvalues, so trajectories "
           "fall straight in, tangent to the slower eigenvector.", True),
    Region("unstable node", "unstable node", Kind.UNSTABLE_NODE,
           "det J > 0, trace > 0 and trace² > 4 det: two positive real eigenvalues, so trajectories "
           "leave without turning, tangent to the slower eigenvector.", True),
    Region("stable spiral", "stable spiral", Kind.STABLE_SPIRAL,
           "trace < 0 and trace² < 4 det: complex eigenvalues with a negative real part, so "
           "trajectories spiral in.", True),
    Region("unstable spiral", "unstable spiral", Kind.UNSTABLE_SPIRAL,
           "trace > 0 and trace² < 4 det: complex eigenvalues with a positive real part, so "
           "trajectories spiral out.", True),
    Region("centre", "centre", Kind.CENTRE,
           "trace = 0 and det J > 0: purely imaginary eigenvalues, so the linearization's orbits are "
           "closed ellipses; the nonlinear terms decide whether the true orbits close.", False),
    Region("degenerate", "degenerate", Kind.DEGENERATE,
           "det J = 0: an eigenvalue is zero, so the linearization has a whole line of equilibria "
           "and cannot decide what the flow does.", False),
    Region("repeated stable", "star or degenerate node", Kind.STABLE_NODE,
           "trace² = 4 det with trace < 0: one repeated negative eigenvalue, the border where "
           "stable nodes turn into stable spirals.", False),
    Region("repeated unstable", "star or degenerate node", Kind.UNSTABLE_NODE,
           "trace² = 4 det with trace > 0: one repeated positive eigenvalue, the border where "
           "unstable nodes turn into unstable spirals.", False),
)}


def region_of(trace: float, det: float, *, trace_tol: float = 0.0, det_tol: float = 0.0,
              disc_tol: float = 0.0) -> Region | None:
    """The region of the trace–determinant diagram that (trace, det) lies in.

    A value within its tolerance of a border is on that border: |det| ≤ ``det_tol`` is the
    line det = 0, |trace| ≤ ``trace_tol`` (with det > 0) the centre line, |trace² − 4 det|
    ≤ ``disc_tol`` the parabola. :func:`classify` passes tolerances relative to ‖J‖; the
    diagram's hover passes a few pixels' worth. None if either number is not finite.
    """
    if not (math.isfinite(trace) and math.isfinite(det)):
        return None
    if abs(det) <= det_tol:
        return REGIONS["degenerate"]
    if det < 0:
        return REGIONS["saddle"]
    if abs(trace) <= trace_tol:
        return REGIONS["centre"]
    stable = trace < 0
    disc = trace * trace - 4.0 * det
    if abs(disc) <= disc_tol:
        return REGIONS["repeated stable" if stable else "repeated unstable"]
    if disc > 0:
        return REGIONS["stable node" if stable else "unstable node"]
    return REGIONS["stable spiral" if stable else "unstable spiral"]


@dataclass(frozen=True)
class Linearization:
    """What J says about the flow near a point: v' = J·v, its eigenvalues and its type."""

    jacobian: np.ndarray  # 2×2
    trace: float
    det: float
    discriminant: float  # trace² − 4 det
    eigenvalues: tuple[complex, complex]  # real part descending, then imaginary part (+i first)
    eigenvectors: tuple[tuple[float, tuple[float, float]], ...]  # (λ, unit direction) for real λ
    kind: Kind
    region: Region | None

    @property
    def point(self) -> tuple[float, float]:
        """The point of the trace–determinant diagram: (trace, det)."""
        return self.trace, self.det

    def eigenvalue_text(self) -> str:
        """The eigenvalues as a short label: "λ = −0.25 ± 0.968i", "λ = 3, 2", "λ = 2 (twice)"."""
        l1, l2 = self.eigenvalues
        if not all(math.isfinite(v) for z in (l1, l2) for v in (z.real, z.imag)):
            return "λ undefined"
        if l1.imag != 0:
            return f"λ = {_num(l1.real)} ± {_num(abs(l1.imag))}i"
        if l1.real == l2.real:
            return f"λ = {_num(l1.real)} (twice)"
        return f"λ = {_num(l1.real)}, {_num(l2.real)}"

    def as_dict(self) -> dict:
        """JSON-ready numbers (NaN becomes None; eigenvalues as [re, im] pairs)."""
        return {
            "jacobian": [[_json(v) for v in row] for row in self.jacobian],
            "trace": _json(self.trace),
            "det": _json(self.det),
            "discriminant": _json(self.discriminant),
            "eigenvalues": [[_json(z.real), _json(z.imag)] for z in self.eigenvalues],
            "eigenvectors": [{"eigenvalue": _json(lam), "direction": [_json(vx), _json(vy)]}
                             for lam, (vx, vy) in self.eigenvectors],
            "type": self.kind.value,
            "region": self.region.key if self.region is not None else None,
        }


def classify(jacobian, *, trace_tol: float = 0.0, det_tol: float = 0.0,
             disc_tol: float = 0.0) -> Linearization:
    """Trace, det, discriminant, eigenvalues, real eigenvector directions and type of a 2×2 J.

    Ties and near-zero values are decided as the module docstring says: tolerance ``TIE``
    relative to ‖J‖_F, or the absolute tolerances given if they are larger. An undefined
    J (any NaN) is degenerate with NaN numbers.
    """
    jac = np.asarray(jacobian, dtype=float).reshape(2, 2)
    nan = complex(math.nan, math.nan)
    if not np.isfinite(jac).all():
        return Linearization(jac, math.nan, math.nan, math.nan, (nan, nan), (), Kind.DEGENERATE, None)
    (a, b), (c, d) = jac.tolist()
    tr, det = a + d, a * d - b * c
    disc = tr * tr - 4.0 * det
    s = math.sqrt(a * a + b * b + c * c + d * d)
    region = region_of(tr, det, trace_tol=max(TIE * s, trace_tol), det_tol=max(TIE * s * s, det_tol),
                       disc_tol=max(TIE * s * s, disc_tol))
    kind = Kind.DEGENERATE if s == 0 or region is None else region.kind
    repeated = region is not None and region.key.startswith("repeated")
    eigenvalues = _eigenvalues(tr, det, disc, repeated)
    vectors: list[tuple[float, tuple[float, float]]] = []
    if eigenvalues[0].imag == 0:
        for lam in dict.fromkeys(z.real for z in eigenvalues):  # each distinct value once
            for v in _eigenvectors(a, b, c, d, lam, s):
                vectors.append((lam, v))
    return Linearization(jac, tr, det, disc, eigenvalues, tuple(vectors), kind, region)


def _eigenvalues(tr: float, det: float, disc: float, repeated: bool) -> tuple[complex, complex]:
    if repeated:
        return complex(tr / 2), complex(tr / 2)
    if disc >= 0:
        root = math.sqrt(disc)
        # the larger in size first, the other from the product (no cancellation)
        big = (tr + math.copysign(root, tr)) / 2 if tr != 0 else root / 2
        small = det / big if big != 0 else 0.0
        hi, lo = max(big, small), min(big, small)
        return complex(hi), complex(lo)
    im = math.sqrt(-disc) / 2
    return complex(tr / 2, im), complex(tr / 2, -im)


def _eigenvectors(a: float, b: float, c: float, d: float, lam: float, s: float) -> list[tuple[float, float]]:
    """Unit vectors spanning the null space of J − λI (two when J = λI), first component ≥ 0."""
    # (b, λ − a) is orthogonal to the first row of J − λI, (λ − d, c) to the second
    candidates = [(b, lam - a), (lam - d, c)]
    vx, vy = max(candidates, key=lambda v: math.hypot(*v))
    norm = math.hypot(vx, vy)
    if norm <= 1e-7 * max(s, 1e-300):  # J − λI ≈ 0: every direction is an eigenvector
        return [(1.0, 0.0), (0.0, 1.0)]
    vx, vy = vx / norm, vy / norm
    if vx < 0 or (vx == 0 and vy < 0):
        vx, vy = -vx, -vy
    return [(vx + 0.0, vy + 0.0)]


# ---------------------------------------------------------------------------------------------
# The trace–determinant diagram
def parabola(trace0: float, trace1: float, n: int = 201) -> np.ndarray:
    """Points of det = trace²/4 for trace in [trace0, trace1], as an (n, 2) array."""
    t = np.linspace(trace0, trace1, n)
    return np.stack([t, t * t / 4.0], 1)


def region_polygons(box: Rect, n: int = 101) -> list[tuple[Region, np.ndarray]]:
    """The open regions of the diagram inside ``box`` = (trace0, trace1, det0, det1) as polygons.

    Each polygon is an (m, 2) array of (trace, det) vertices, counter-clockwise, for
    shading; regions that miss the box are left out. The borders are the lines det = 0,
    trace = 0 (for det > 0) and :func:`parabola`.
    """
    t0, t1, d0, d1 = check_rect(box)
    out: list[tuple[Region, np.ndarray]] = []

    def band(key: str, ta: float, tb: float, lower, upper) -> None:
        ta, tb = max(ta, t0), min(tb, t1)
        if ta >= tb:
            return
        t = np.linspace(ta, tb, n)
        lo = np.clip(lower(t), d0, d1)
        hi = np.clip(upper(t), d0, d1)
        if not (hi > lo).any():
            return
        hi = np.maximum(hi, lo)
        poly = np.concatenate([np.stack([t, lo], 1), np.stack([t[::-1], hi[::-1]], 1)])
        out.append((REGIONS[key], poly))

    zero = np.zeros_like
    para = lambda t: t * t / 4.0  # noqa: E731 - the parabola's height, used four times
    top = lambda t: np.full_like(t, d1)  # noqa: E731
    band("saddle", t0, t1, lambda t: np.full_like(t, d0), zero)
    band("stable node", t0, 0.0, zero, para)
    band("unstable node", 0.0, t1, zero, para)
    band("stable spiral", t0, 0.0, para, top)
    band("unstable spiral", 0.0, t1, para, top)
    return out


# ---------------------------------------------------------------------------------------------
# Equilibria
@dataclass(frozen=True)
class Equilibrium:
    """A point where F = 0, with its linearization."""

    point: tuple[float, float]
    residual: float  # ‖F(point)‖
    linear: Linearization

    @property
    def kind(self) -> Kind:
        return self.linear.kind

    def as_dict(self) -> dict:
        """JSON-ready: the point and ‖F‖ there, then :meth:`Linearization.as_dict`."""
        return {"point": [_json(self.point[0]), _json(self.point[1])], "residual": _json(self.residual),
                **self.linear.as_dict()}


@dataclass(frozen=True)
class EquilibriumSet:
    """The equilibria found in a rectangle, sorted by x then y.

    ``complete`` is False when more than ``limit`` were found: then F vanishes along a
    curve (a continuum of equilibria) and only the first ``limit`` are kept.
    """

    rect: tuple[float, float, float, float]
    items: tuple[Equilibrium, ...]
    complete: bool = True

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, i: int) -> Equilibrium:
        return self.items[i]

    def as_dict(self) -> dict:
        return {"range": list(self.rect), "complete": self.complete,
                "equilibria": [e.as_dict() for e in self.items]}


def find_equilibria(mapping: NumericMapping, rect: Rect, params: Params = None, *,
                    seeds: int = 24, limit: int = MAX_EQUILIBRIA) -> EquilibriumSet:
    """Every equilibrium F(p) = 0 in ``rect``, classified from J(p).

    Uses :func:`~jacviz.core.lab.preimages.solve_seeded` with q = 0 and a residual
    tolerance of 1e-9 × max(1, the median |F| over the seeds), so a field measured in
    large units is not held to an absolute 1e-9. Ties in the classification allow for the
    equilibrium's uncertainty (see the module docstring). Raises :class:`MappingError`
    for a mapping that is not planar or a bad rectangle.
    """
    check_planar(mapping, "finding equilibria")
    x0, x1, y0, y1 = check_rect(rect)
    start = seed_grid((x0, x1, y0, y1), seeds)
    u, v = mapping.evaluate((start[:, 0], start[:, 1]), params, jacobian=False).values
    speed = np.hypot(u, v)
    scale = float(np.nanmedian(speed)) if np.isfinite(speed).any() else 1.0
    roots = solve_seeded(mapping, (0.0, 0.0), (x0, x1, y0, y1), params, start,
                         tol=1e-9 * max(1.0, scale))
    complete = len(roots) <= limit
    points, residuals = roots.points[:limit], roots.residuals[:limit]
    if len(points) == 0:
        return EquilibriumSet((x0, x1, y0, y1), (), complete)
    # J at each point and at 4 neighbours a distance e (its uncertainty) away
    e = np.maximum(4.0 * roots.steps[:limit], 1e-12 * max(x1 - x0, y1 - y0))
    offsets = np.array([[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]], dtype=float)
    probe = points[:, None, :] + offsets[None, :, :] * e[:, None, None]
    jac = mapping.evaluate((probe[..., 0], probe[..., 1]), params, jacobian=True).matrix()
    tr = jac[..., 0, 0] + jac[..., 1, 1]
    det = jac[..., 0, 0] * jac[..., 1, 1] - jac[..., 0, 1] * jac[..., 1, 0]
    disc = tr * tr - 4.0 * det

    def spread(a: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(np.nanmax(np.abs(a[:, 1:] - a[:, :1]), axis=1), nan=0.0)

    tr_tol, det_tol, disc_tol = spread(tr), spread(det), spread(disc)
    items = tuple(
        Equilibrium((float(p[0]), float(p[1])), float(r),
                    classify(jac[i, 0], trace_tol=float(tr_tol[i]), det_tol=float(det_tol[i]),
                             disc_tol=float(disc_tol[i])))
        for i, (p, r) in enumerate(zip(points, residuals, strict=True)))
    return EquilibriumSet((x0, x1, y0, y1), items, complete)


# ---------------------------------------------------------------------------------------------
# The arrow field
@dataclass(frozen=True)
class ArrowField:
    """F at the centres of an nx × ny grid of cells over a rectangle.

    ``positions`` and ``vectors`` are (k, 2), ``speed`` is |F| (k,), NaN where F is
    undefined; ``cell`` is the cell's width and height in data units.
    """

    positions: np.ndarray
    vectors: np.ndarray
    speed: np.ndarray
    cell: tuple[float, float]

    def reference_speed(self) -> float:
        """A robust maximum of |F| in cells per unit (the 95th percentile): what one cell long means."""
        cw, ch = self.cell
        in_cells = np.hypot(self.vectors[:, 0] / cw, self.vectors[:, 1] / ch)
        finite = in_cells[np.isfinite(in_cells)]
        if finite.size == 0:
            return 0.0
        return float(np.percentile(finite, 95))

    def display(self, fill: float = 0.9) -> np.ndarray:
        """Arrows for drawing: F scaled by one factor so that the 95th percentile of |F| is
        ``fill`` of a cell long, and capped at ``fill`` of a cell (poles, fast corners).

        The direction is F's own in data units, and the length grows with |F| up to the cap.
        """
        ref = self.reference_speed()
        if not ref > 0:
            return np.zeros_like(self.vectors)
        cw, ch = self.cell
        out = self.vectors * (fill / ref)
        length = np.hypot(out[:, 0] / cw, out[:, 1] / ch)
        with np.errstate(all="ignore"):
            shrink = np.where(length > fill, fill / length, 1.0)
        return out * shrink[:, None]

    def levels(self) -> tuple[float, float]:
        """The 2nd and 98th percentiles of |F|: colour limits that ignore a pole."""
        finite = self.speed[np.isfinite(self.speed)]
        if finite.size == 0:
            return 0.0, 1.0
        lo, hi = np.percentile(finite, [2, 98])
        return float(lo), float(max(hi, lo + 1e-300))


def arrow_field(mapping: NumericMapping, rect: Rect, params: Params = None,
                shape: int | tuple[int, int] = ARROWS) -> ArrowField:
    """F at the centres of the cells of a grid over ``rect``.

    ``shape`` is (nx, ny), or one number for the longer side (the other follows the
    rectangle's aspect in data units; the window passes its pixel aspect instead).
    """
    check_planar(mapping, "the vector field")
    x0, x1, y0, y1 = check_rect(rect)
    nx, ny = _grid_shape(shape, x1 - x0, y1 - y0)
    cw, ch = (x1 - x0) / nx, (y1 - y0) / ny
    xs = x0 + (np.arange(nx) + 0.5) * cw
    ys = y0 + (np.arange(ny) + 0.5) * ch
    u, v = mapping.evaluate((xs[None, :], ys[:, None]), params, jacobian=False).values
    gx, gy = np.meshgrid(xs, ys)
    vectors = np.stack([np.broadcast_to(u, gx.shape).ravel(), np.broadcast_to(v, gx.shape).ravel()], 1)
    return ArrowField(np.stack([gx.ravel(), gy.ravel()], 1), vectors, np.hypot(vectors[:, 0], vectors[:, 1]),
                      (cw, ch))


def _grid_shape(shape, width: float, height: float) -> tuple[int, int]:
    if isinstance(shape, (int, np.integer)):
        n = int(shape)
        if width >= height:
            nx, ny = n, max(2, round(n * height / width))
        else:
            nx, ny = max(2, round(n * width / height)), n
    else:
        nx, ny = (int(s) for s in shape)
    if not (2 <= nx <= 4096 and 2 <= ny <= 4096):
        raise MappingError("the grid needs between 2 and 4096 cells per side")
    return nx, ny


# ---------------------------------------------------------------------------------------------
# Evenly spaced streamlines
STEP = 0.5  # integration step, in cells
MIN_LENGTH = 3  # shortest streamline kept, in steps (1.5 cells)
REVISIT_LAG = 6  # steps after which coming back into one's own cell ends a streamline


@dataclass(frozen=True)
class Streamlines:
    """Evenly spaced streamlines, each an (m, 2) array of points in the direction of the flow."""

    lines: tuple[np.ndarray, ...]

    def __len__(self) -> int:
        return len(self.lines)

    def polyline(self) -> tuple[np.ndarray, np.ndarray]:
        """x and y of all lines joined with a NaN between two lines (one curve, connect='finite')."""
        if not self.lines:
            return np.empty(0), np.empty(0)
        gap = np.full((1, 2), np.nan)
        joined = np.concatenate([part for line in self.lines for part in (line, gap)][:-1])
        return joined[:, 0].copy(), joined[:, 1].copy()

    def arrows(self) -> tuple[np.ndarray, np.ndarray]:
        """One arrowhead per line at its middle: positions (k, 2) and unit directions (k, 2)."""
        pos, dirs = [], []
        for line in self.lines:
            i = len(line) // 2
            d = line[min(i + 1, len(line) - 1)] - line[max(i - 1, 0)]
            n = float(np.hypot(*d))
            if n > 0:
                pos.append(line[i])
                dirs.append(d / n)
        return np.array(pos).reshape(-1, 2), np.array(dirs).reshape(-1, 2)


def streamlines(mapping: NumericMapping, rect: Rect, params: Params = None,
                cells: int | tuple[int, int] = STREAMLINE_CELLS) -> Streamlines:
    """Evenly spaced streamlines of F over ``rect`` (see the module docstring for the method).

    ``cells`` is (nx, ny) or one number for the longer side: streamlines are about one
    cell apart, and the window passes a cell shape that is square on screen. Lines are
    traced in cell units, so their spacing and step are even on screen whatever the
    rectangle's aspect.
    """
    check_planar(mapping, "streamlines")
    x0, x1, y0, y1 = check_rect(rect)
    nx, ny = _grid_shape(cells, x1 - x0, y1 - y0)
    field = _CellField(mapping, (x0, x1, y0, y1), nx, ny, params)
    occupied = np.zeros(nx * ny, dtype=bool)
    tried = np.zeros(nx * ny, dtype=bool)
    lines: list[np.ndarray] = []
    for stride in (4, 2, 1):  # seeds coarse to fine: long lines first, then the gaps
        ii, jj = np.meshgrid(np.arange(nx), np.arange(ny))
        pick = (ii % stride == stride // 2) & (jj % stride == stride // 2)
        cell = (jj * nx + ii)[pick]
        cell = cell[~occupied[cell] & ~tried[cell]]
        if cell.size == 0:
            continue
        tried[cell] = True
        seeds = (cell % nx + 0.5) + 1j * (cell // nx + 0.5)
        paths, cellpaths = field.trace(seeds, occupied)
        for k in range(seeds.size):
            line = _accept(paths, cellpaths, k, seeds.size, occupied)
            if line is not None:
                lines.append(field.to_data(line))
    return Streamlines(tuple(lines))


class _CellField:
    """F sampled once on nodes half a cell apart, in cell units, interpolated as u + iv."""

    def __init__(self, mapping: NumericMapping, rect, nx: int, ny: int, params: Params) -> None:
        x0, x1, y0, y1 = rect
        self.rect, self.nx, self.ny = rect, nx, ny
        self.mx, self.my = 2 * nx + 1, 2 * ny + 1  # nodes per row and column
        xs = np.linspace(x0, x1, self.mx)
        ys = np.linspace(y0, y1, self.my)
        u, v = mapping.evaluate((xs[None, :], ys[:, None]), params, jacobian=False).values
        u = np.broadcast_to(u, (self.my, self.mx)) * (nx / (x1 - x0))
        v = np.broadcast_to(v, (self.my, self.mx)) * (ny / (y1 - y0))
        w = (u + 1j * v).ravel()
        self.w = w
        speed = np.abs(w)
        finite = speed[np.isfinite(speed)]
        # below this F counts as zero: a streamline that reaches an equilibrium ends there
        self.rest = 1e-9 * float(finite.max()) if finite.size else math.inf

    def direction(self, p: np.ndarray) -> np.ndarray:
        """The unit direction of F at points p = u + iv in cell units (NaN where none)."""
        with np.errstate(all="ignore"):
            known = np.isfinite(p)
            if not known.all():  # a NaN position must not become an index: give it NaN F
                p = np.where(known, p, 0.0)
            gx, gy = 2.0 * p.real, 2.0 * p.imag
            i = np.clip(np.floor(gx), 0, self.mx - 2).astype(np.intp)
            j = np.clip(np.floor(gy), 0, self.my - 2).astype(np.intp)
            fx, fy = gx - i, gy - j
            k = j * self.mx + i
            w = self.w
            w00, w10 = w[k], w[k + 1]
            w01, w11 = w[k + self.mx], w[k + self.mx + 1]
            val = w00 + fx * (w10 - w00) + fy * ((w01 - w00) + fx * (w11 - w01 - w10 + w00))
            speed = np.abs(val)
            return np.where(known & (speed > self.rest), val / speed, np.nan)

    def trace(self, seeds: np.ndarray, occupied: np.ndarray):
        """Trace every seed forward and backward at once.

        Returns the paths as a (steps + 1, 2k) complex array (forward tracers first, NaN after
        each one's end) and the cells they cross (−1 after the end). A tracer ends when it
        leaves the rectangle, meets undefined or zero F, enters an occupied cell, or returns
        to a cell it crossed more than ``REVISIT_LAG`` steps before.
        """
        nx, ny = self.nx, self.ny
        k = seeds.size
        pos = np.concatenate([seeds, seeds])
        sign = np.concatenate([np.ones(k), -np.ones(k)])
        max_steps = int(4 * (nx + ny) / STEP)
        paths = [pos.copy()]
        cell0 = _cells(pos, nx, ny)
        cellpaths = [cell0]
        visited = np.full((2 * k, nx * ny), -1, dtype=np.int32)
        tracer = np.arange(2 * k)
        visited[tracer, cell0] = 0
        active = tracer.copy()
        for step in range(1, max_steps + 1):
            p = pos[active]
            s = sign[active] * STEP
            k1 = self.direction(p)
            k2 = self.direction(p + (0.5 * s) * k1)
            q = p + s * k2
            alive = np.isfinite(q) & (q.real >= 0) & (q.real <= nx) & (q.imag >= 0) & (q.imag <= ny)
            c = np.where(alive, _cells(np.where(alive, q, 0), nx, ny), 0)
            first = visited[active, c]
            alive &= ~occupied[c] & ~((first >= 0) & (step - first > REVISIT_LAG))
            new_pos = np.full(2 * k, np.nan, dtype=complex)
            new_cell = np.full(2 * k, -1, dtype=np.intp)
            live = active[alive]
            new_pos[live] = q[alive]
            new_cell[live] = c[alive]
            fresh = alive & (first < 0)
            visited[active[fresh], c[fresh]] = step
            pos[live] = q[alive]
            paths.append(new_pos)
            cellpaths.append(new_cell)
            active = live
            if active.size == 0:
                break
        return np.array(paths), np.array(cellpaths)

    def to_data(self, line: np.ndarray) -> np.ndarray:
        x0, x1, y0, y1 = self.rect
        return np.stack([x0 + line.real * ((x1 - x0) / self.nx), y0 + line.imag * ((y1 - y0) / self.ny)], 1)


def _cells(p: np.ndarray, nx: int, ny: int) -> np.ndarray:
    """The index of the cell of each point (a point on the far edge belongs to the last cell)."""
    i = np.minimum(p.real.astype(np.intp), nx - 1)
    j = np.minimum(p.imag.astype(np.intp), ny - 1)
    return j * nx + i


def _accept(paths: np.ndarray, cellpaths: np.ndarray, k: int, n: int, occupied: np.ndarray):
    """Seed k's streamline, cut where it meets lines accepted before, or None if too short.

    Marks the cells of an accepted line as occupied. The forward half is cut at its first
    occupied cell; the backward half also at the first cell the forward half crosses
    (other than the seed's own), so that a closed orbit is drawn once.
    """
    fwd_cells, bwd_cells = cellpaths[:, k], cellpaths[:, n + k]
    seed_cell = fwd_cells[0]
    if occupied[seed_cell]:
        return None
    fwd_len = _run_length(fwd_cells, occupied)
    mine = np.zeros(occupied.shape, dtype=bool)
    mine[fwd_cells[:fwd_len]] = True
    mine[seed_cell] = False
    bwd_len = _run_length(bwd_cells, occupied | mine)
    if fwd_len + bwd_len - 1 < MIN_LENGTH:
        return None
    occupied[fwd_cells[:fwd_len]] = True
    occupied[bwd_cells[:bwd_len]] = True
    return np.concatenate([paths[bwd_len - 1:0:-1, n + k], paths[:fwd_len, k]])


def _run_length(cells: np.ndarray, blocked: np.ndarray) -> int:
    """How many leading entries of ``cells`` are valid (≥ 0) and not blocked (the first always is)."""
    valid = cells >= 0
    stop = ~valid
    stop[1:] |= blocked[np.where(valid[1:], cells[1:], 0)]
    stop[0] = False
    hit = np.flatnonzero(stop)
    return int(hit[0]) if hit.size else len(cells)


# ---------------------------------------------------------------------------------------------
# Trajectories
T_MAX = 50.0  # time bound in each direction
MAX_STEPS = 2000  # integrator steps in each direction (each is 12 evaluations of F for DOP853)
MARGIN = 0.5  # a trajectory stops when it leaves the rectangle grown by this fraction of its size


@dataclass(frozen=True)
class Trajectory:
    """A solution of p' = F(p) through ``start``, forward and backward in time.

    ``forward`` and ``backward`` are (m, 2) arrays of points starting at ``start``
    (``backward`` goes back in time), with their times in ``forward_t`` (≥ 0) and
    ``backward_t`` (≤ 0). ``forward_stop`` and ``backward_stop`` say why each ended:
    "time" (reached the time bound), "left" (left the neighbourhood of the rectangle),
    "undefined" (F is undefined ahead), "steps" (the step budget ran out) or "failed"
    (the integrator gave up, e.g. near a singularity).
    """

    start: tuple[float, float]
    forward: np.ndarray
    forward_t: np.ndarray
    forward_stop: str
    backward: np.ndarray
    backward_t: np.ndarray
    backward_stop: str

    def path(self) -> np.ndarray:
        """The whole curve in the direction of time: the backward part reversed, then forward."""
        return np.concatenate([self.backward[:0:-1], self.forward])

    def as_dict(self) -> dict:
        return {
            "start": list(self.start),
            "forward": {"t": self.forward_t.tolist(), "points": self.forward.tolist(),
                        "stop": self.forward_stop},
            "backward": {"t": self.backward_t.tolist(), "points": self.backward.tolist(),
                         "stop": self.backward_stop},
        }


def trajectory(mapping: NumericMapping, start, rect: Rect, params: Params = None, *,
               t_max: float = T_MAX, max_steps: int = MAX_STEPS, margin: float = MARGIN,
               rtol: float = 1e-8, samples_per_step: int = 8) -> Trajectory:
    """Integrate p' = F(p) from ``start`` forward and backward with ``solve_ivp`` (DOP853).

    Each direction stops at |t| = ``t_max``, after about ``max_steps`` steps, where F is
    undefined, or when the path leaves ``rect`` grown by ``margin`` × its size on every
    side. Tolerances: ``rtol`` (1e-8 keeps a rotation's orbit on its circle to about 2e-8
    over a period, at three quarters of the cost of 1e-9) and an absolute 1e-12 × the
    rectangle's size. The points are the integrator's dense output, ``samples_per_step``
    per step, so the curve is smooth where the steps are long.
    """
    check_planar(mapping, "a trajectory")
    x0, x1, y0, y1 = check_rect(rect)
    p0 = np.asarray(start, dtype=float).reshape(-1)
    if p0.shape != (2,) or not np.isfinite(p0).all():
        raise MappingError("the starting point needs two finite numbers")
    if not (math.isfinite(t_max) and t_max > 0 and max_steps >= 1):
        raise MappingError("a trajectory needs a positive time bound and step budget")
    size = max(x1 - x0, y1 - y0)
    box = (x0 - margin * size, x1 + margin * size, y0 - margin * size, y1 + margin * size)
    parts = [_integrate(mapping, p0, sign * t_max, box, params, max_steps, rtol, 1e-12 * size,
                        samples_per_step) for sign in (1.0, -1.0)]
    (fp, ft, fs), (bp, bt, bs) = parts
    return Trajectory((float(p0[0]), float(p0[1])), fp, ft, fs, bp, bt, bs)


def _integrate(mapping, p0, t_end, box, params, max_steps, rtol, atol, per_step):
    from scipy.integrate import solve_ivp  # scipy costs 0.1 s to import; only trajectories need it

    bx0, bx1, by0, by1 = box
    budget = 12 * max_steps + 50  # DOP853: 12 evaluations a step, plus step-size retries
    state = {"calls": 0, "stop": None}

    def rhs(_t, y):
        state["calls"] += 1
        if state["calls"] > budget:
            state["stop"] = state["stop"] or "steps"
            return np.array([np.nan, np.nan])
        u, v = mapping.evaluate((float(y[0]), float(y[1])), params, jacobian=False).values
        f = np.array([float(u), float(v)])
        if not np.isfinite(f).all():
            state["stop"] = state["stop"] or "undefined"
        return f

    def leaving(_t, y):
        return min(y[0] - bx0, bx1 - y[0], y[1] - by0, by1 - y[1])

    leaving.terminal = True  # type: ignore[attr-defined]
    if leaving(0.0, p0) <= 0 or not np.isfinite(rhs(0.0, p0)).all():
        return p0[None, :].copy(), np.zeros(1), "left" if leaving(0.0, p0) <= 0 else "undefined"
    sol = solve_ivp(rhs, (0.0, t_end), p0, method="DOP853", rtol=rtol, atol=atol, events=leaving,
                    dense_output=True)
    ts = sol.t
    if sol.status == 1:
        stop = "left"
    elif sol.status == 0:
        stop = "time"
    else:
        stop = state["stop"] or "failed"
    if ts.size >= 2 and sol.sol is not None:
        frac = np.arange(per_step) / per_step
        t = np.concatenate([(ts[:-1, None] + frac[None, :] * np.diff(ts)[:, None]).ravel(), ts[-1:]])
        pts = sol.sol(t).T
        pts[0] = p0
        pts[-1] = sol.y[:, -1]
    else:
        t, pts = ts, sol.y.T
    return np.ascontiguousarray(pts), t, stop


# ---------------------------------------------------------------------------------------------
def _json(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _num(x: float) -> str:
    """A number for a label: 3 significant digits, a true minus sign, no "-0"."""
    if abs(x) < 5e-13:
        x = 0.0
    text = f"{x:.3g}"
    return text.replace("-", "−")
