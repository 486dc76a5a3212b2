"""Change of variables over a region: ∬_R det J dA, ∬_R |det J| dA and the area of F(R).

The change-of-variables formula says area(F(R)) = ∬_R |det J| dA when F is injective on
R. When F folds (det J changes sign) or wraps around (z² on a disc about 0), the image is
covered several times and its area is smaller than ∬|det J|: the integral counts every
sheet, the area counts the union once. :func:`region_report` computes both sides so the
difference can be seen, and says how many times the image is covered.

Methods
-------
**Integrals.** Global adaptive cubature (in the spirit of QUADPACK's qag and of
Genz & Malik's adaptive cubature, but vectorised by rounds). The region is a set of
*patches*, each a bilinear image of the unit square: a rectangle is one patch, a polygon
is ear-clipped into triangles and each triangle is a quadrilateral with two equal corners,
which is the Duffy (collapsed-square) map. Every leaf cell of a patch gets the tensor
7-point Gauss–Kronrod rule (49 nodes; exact for polynomials of degree 11 in each variable)
and the embedded 3-point Gauss rule; |K − G| is the cell's error estimate. Each round the
cells with the largest estimates are split in four, just enough of them that the total
could fall below the tolerance; the rest are kept with their values cached. |det J| has a
kink on the critical curve, where the local error only falls like h³, so the refinement
gathers there by itself. The work is capped (evaluations, and wall time: each round
splits only as many cells as the time left allows at the rate measured so far), so the
call returns within about a second; ``converged`` says whether the tolerance was met.
On the cusp x, y³ + xy the estimate was 3e-7 for a true error of 7e-9: |K − G| is an
estimate of the Gauss rule's error and the Kronrod value is returned.

**Image area.** First, is there one? F must be defined on R (else F(R) is not the image of
R: no area, and ``image_area_note`` says on how much of R F is undefined) and bounded on R:
:func:`_unbounded` zooms in on the mesh points where |F| is largest and calls F unbounded
when the largest value keeps growing as the zoom shrinks (a pole, log|z| at 0). Then:

* **boundary** (F injective): det J of one sign, F continuous on R (no jump, see below) and
  F(∂R), sampled at ``boundary_samples`` points, a simple closed curve (no two segments
  cross, :func:`_polyline_is_simple`). A local homeomorphism of a disc that is injective on
  its boundary is injective, so area(F(R)) = ∬|det J| (the change of variables) = the
  shoelace area of F(∂R) (Green's theorem). The integral is reported, confirmed by the
  shoelace to 1e-3, with the cubature's error estimate; this works however thin F(R) is
  (z² on [1, 1 + 1e-7] × [0, 1], thinner than one pixel of the raster: 5.3333337e-7,
  exact to 1e-15).
* **raster** (otherwise): the images of an N×N mesh of small cells (two triangles each)
  are rasterised into an M×M occupancy grid over the image's bounding box, counting how
  many triangles cover each pixel centre (a watertight top-left fill rule, so that a
  shared edge is counted once). A cell whose image does not look like what J at its centre
  predicts, or is more curved than its corners follow, is split 4×4, three times over
  (:func:`_check_cells`; the gaps at the T-junctions this makes are filled, see
  :func:`_split`): so folds, branch points and the neighbourhood of a pole get a finer
  mesh (1/z on [1e-3, 1] × [−1, 1] sends a strip 0.01 wide around a circle of radius
  500), and a cell that straddles a jump of F (a branch cut, a step) is
  narrowed to a band 4⁻³ of a cell wide and left out, its image area (Σ |det J|·area)
  added to the error. A cut along a mesh line (the negative real axis in any rectangle
  symmetric about y = 0) is found by evaluating the parts' corners just inside each cell.
  The union's area is the number of covered pixels times the pixel area, corrected for the
  mesh's O(h²) chord error by Richardson's step against a mesh of half the lines on the
  same pixels; the error estimate is the whole of that difference, plus the pixel error
  (the difference from pixels twice as large, at least √(edge pixels) pixels), plus the
  bands left out along jumps. The area is kept between 0 and ∬|det J|; an image thinner
  than the pixels is reported as only that.

  A polygon is meshed on a lattice over its bounding box instead of through its
  triangulation: cells the boundary does not cross are kept whole when inside, crossed
  cells are split 8×8 and their sub-cells kept when their centres are inside (a staircase
  1/8 of a cell fine), because a curved F can turn the long thin triangles of an
  ear-clipped polygon inside out. The largest count is the number of preimages (sheets)
  found.

Accuracy with the defaults (256² cells, 1024² pixels), against closed forms
(tests/core/test_region.py, tests/core/test_region_edges.py): the raster union was within
2e-4 relative in every case tested (z² covering a square twice: exact; the cusp: 3.9e-6;
exp on strips that wrap: 3.7e-5 and 6.8e-5; log across its cut: 3e-6; √z across its cut:
3.6e-5; cbrt(z) across its cut: 1.4e-4), with an error estimate 1.4 to 100 times the true
error and never below it; the boundary method gives ∬|det J| to the cubature's tolerance.

Everything is numpy; nothing here knows about Qt.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from jacviz.core.errors import MappingError
from jacviz.core.numeric.protocol import NumericMapping, Params
from jacviz.core.sampling.fields import det_field
from jacviz.core.sampling.geometry import Rect

# ---------------------------------------------------------------------------------------
# Kronrod's 7-point extension of the 3-point Gauss–Legendre rule on [-1, 1] (Kronrod 1965;
# Laurie, Math. Comp. 66 (1997)), listed from the centre outwards. The K7 rule integrates
# x^k exactly for k <= 11, the G3 rule for k <= 5 (tests/core/test_region.py checks this).
_K7_X = np.array([0.0, 0.4342437493468025580020715028, 0.7745966692414833770358530799,
                  0.9604912687080202834235070925])
_K7_W = np.array([0.4509165386584741423451091034, 0.4013974147759622229050518186,
                  0.2684880898683334407285692366, 0.1046562260264672651938238262])
_G3_W = np.array([8.0 / 9.0, 0.0, 5.0 / 9.0, 0.0])  # Gauss nodes are the K7 nodes 0 and ±√(3/5)
_X1 = np.concatenate([-_K7_X[:0:-1], _K7_X])  # 7 nodes, ascending
_WK1 = np.concatenate([_K7_W[:0:-1], _K7_W])
_WG1 = np.concatenate([_G3_W[:0:-1], _G3_W])
# tensor rules on [-1, 1]², flattened to 49 nodes
_XI = np.repeat(_X1, 7)  # s direction
_ETA = np.tile(_X1, 7)  # t direction
_WK = np.outer(_WK1, _WK1).ravel()
_WG = np.outer(_WG1, _WG1).ravel()
NODES_PER_CELL = _XI.size

DEFAULT_TOL = 1e-7
MAX_EVALUATIONS = 3_000_000
TIME_BUDGET = 0.5  # seconds for the cubature; the image raster adds 0.1-0.4 s
_CHUNK = 200_000  # points per call: a compiled Program keeps every slot alive at once
MAX_POLYGON_VERTICES = 1000


# ---------------------------------------------------------------------------------------
# The region as patches


@dataclass(frozen=True)
class _Patches:
    """Bilinear patches P(s, t) = (1−s)(1−t)A + s(1−t)B + s·t·C + (1−s)·t·D, (s, t) ∈ [0, 1]²."""

    corners: np.ndarray  # (P, 4, 2): A, B, C, D
    areas: np.ndarray  # (P,)
    boundary: np.ndarray  # (K, 2) vertices of ∂R, counter-clockwise, not closed
    is_rect: bool = False

    def points(self, pid: np.ndarray, s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b, c, d = (self.corners[pid, k] for k in range(4))
        s = s[..., None]
        t = t[..., None]
        p = (1 - s) * (1 - t) * a + s * (1 - t) * b + s * t * c + (1 - s) * t * d
        return p[..., 0], p[..., 1]

    def jacobian_det(self, pid: np.ndarray, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        """|det ∂P/∂(s, t)|: the area factor of the patch map."""
        a, b, c, d = (self.corners[pid, k] for k in range(4))
        s = s[..., None]
        t = t[..., None]
        ps = (1 - t) * (b - a) + t * (c - d)
        pt = (1 - s) * (d - a) + s * (c - b)
        return np.abs(ps[..., 0] * pt[..., 1] - ps[..., 1] * pt[..., 0])


def _rect_patches(rect: Rect) -> _Patches:
    x0, x1, y0, y1 = (float(v) for v in rect)
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
        raise MappingError("the rectangle needs finite numbers")
    if not x0 < x1:
        raise MappingError(f"the rectangle needs x0 < x1 (got x0 = {x0:g}, x1 = {x1:g})")
    if not y0 < y1:
        raise MappingError(f"the rectangle needs y0 < y1 (got y0 = {y0:g}, y1 = {y1:g})")
    corners = np.array([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]])
    return _Patches(corners, np.array([(x1 - x0) * (y1 - y0)]), corners[0].copy(), is_rect=True)


def _cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ax, ay = a[..., 0] - o[..., 0], a[..., 1] - o[..., 1]
    bx, by = b[..., 0] - o[..., 0], b[..., 1] - o[..., 1]
    return ax * by - ay * bx


def _polygon_patches(polygon: Sequence) -> _Patches:
    """Check a simple polygon and ear-clip it into triangles (Duffy patches)."""
    try:
        pts = np.asarray(polygon, dtype=float)
    except (TypeError, ValueError):
        raise MappingError("the polygon needs vertices (x, y) given as numbers") from None
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise MappingError("the polygon needs vertices (x, y)")
    if not np.isfinite(pts).all():
        raise MappingError("the polygon's vertices must be finite numbers")
    if len(pts) > 1 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    # drop repeated consecutive vertices
    keep = np.any(pts != np.roll(pts, 1, axis=0), axis=1)
    pts = pts[keep] if keep.any() else pts[:1]
    if len(pts) < 3:
        raise MappingError("the polygon needs at least 3 distinct vertices")
    if len(pts) > MAX_POLYGON_VERTICES:
        raise MappingError(f"the polygon has too many vertices (the limit is {MAX_POLYGON_VERTICES})")
    if _self_intersects(pts):
        raise MappingError("the polygon crosses itself; give the vertices of a simple polygon in order")
    signed = 0.5 * float(np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1]))
    scale = float(np.ptp(pts, axis=0).max())
    if abs(signed) <= 1e-12 * scale * scale:
        raise MappingError("the polygon has no area")
    if signed < 0:
        pts = pts[::-1].copy()
    triangles = _ear_clip(pts)
    corners = np.stack([triangles[:, 0], triangles[:, 1], triangles[:, 2], triangles[:, 0]], axis=1)
    areas = 0.5 * np.abs(_cross(triangles[:, 0], triangles[:, 1], triangles[:, 2]))
    keep = areas > 0
    return _Patches(corners[keep], areas[keep], pts)


def _self_intersects(pts: np.ndarray) -> bool:
    """True when two non-adjacent edges of the closed polygon touch or cross."""
    n = len(pts)
    a, b = pts, np.roll(pts, -1, axis=0)
    i, j = np.triu_indices(n, k=2)
    adjacent = (i == 0) & (j == n - 1)
    i, j = i[~adjacent], j[~adjacent]
    if i.size == 0:
        return False
    p, q, r, s = a[i], b[i], a[j], b[j]
    d1, d2 = _cross(p, q, r), _cross(p, q, s)
    d3, d4 = _cross(r, s, p), _cross(r, s, q)
    proper = (d1 * d2 < 0) & (d3 * d4 < 0)

    def on_segment(o, e, x, d):
        # x lies on the line through o and e (d == 0) and inside the segment's box
        lo, hi = np.minimum(o, e), np.maximum(o, e)
        return (d == 0) & ((lo <= x) & (x <= hi)).all(axis=1)

    touching = (on_segment(p, q, r, d1) | on_segment(p, q, s, d2)
                | on_segment(r, s, p, d3) | on_segment(r, s, q, d4))
    return bool((proper | touching).any())


def _ear_clip(pts: np.ndarray) -> np.ndarray:
    """Triangulate a simple counter-clockwise polygon by ear clipping (O(n²) ears, O(n) test each)."""
    idx = list(range(len(pts)))
    out = []
    guard = 0
    while len(idx) > 3 and guard < 10 * len(pts) ** 2:
        guard += 1
        m = len(idx)
        clipped = False
        for k in range(m):
            i0, i1, i2 = idx[k - 1], idx[k], idx[(k + 1) % m]
            a, b, c = pts[i0], pts[i1], pts[i2]
            turn = float(_cross(a, b, c))
            if turn < 0:
                continue  # reflex vertex
            if turn == 0:
                idx.pop(k)  # a straight vertex adds nothing; drop it
                clipped = True
                break
            others = np.array([j for j in idx if j not in (i0, i1, i2)], dtype=int)
            if others.size:
                q = pts[others]
                inside = (_cross(a, b, q) >= 0) & (_cross(b, c, q) >= 0) & (_cross(c, a, q) >= 0)
                if inside.any():
                    continue
            out.append((a, b, c))
            idx.pop(k)
            clipped = True
            break
        if not clipped:
            raise MappingError("the polygon could not be triangulated; is it simple?")
    if len(idx) == 3:
        out.append(tuple(pts[i] for i in idx))
    return np.array(out, dtype=float).reshape(-1, 3, 2)


# ---------------------------------------------------------------------------------------
# Adaptive cubature


@dataclass
class _Cubature:
    integral_det: float
    integral_abs_det: float
    error_det: float
    error_abs_det: float
    negative_area: float
    positive_area: float
    undefined_area: float
    converged: bool
    evaluations: int
    cells: int


def _evaluate_det(compiled: NumericMapping, x: np.ndarray, y: np.ndarray, params) -> np.ndarray:
    out = np.empty(x.shape, dtype=float)
    xf, yf, of = x.ravel(), y.ravel(), out.reshape(-1)
    for start in range(0, xf.size, _CHUNK):
        sl = slice(start, start + _CHUNK)
        of[sl] = np.asarray(compiled.det(xf[sl], yf[sl], params), dtype=float).reshape(-1)
    return out


def _cell_rules(compiled, patches: _Patches, pid, s0, s1, t0, t1, params):
    """Kronrod and Gauss sums of det and |det| on each cell, and the area where det < 0 etc."""
    hs, ht = (s1 - s0) / 2, (t1 - t0) / 2
    s = (s0 + s1)[:, None] / 2 + hs[:, None] * _XI
    t = (t0 + t1)[:, None] / 2 + ht[:, None] * _ETA
    pidn = np.broadcast_to(pid[:, None], s.shape)
    x, y = patches.points(pidn, s, t)
    weight = patches.jacobian_det(pidn, s, t) * (hs * ht)[:, None]
    det = _evaluate_det(compiled, x, y, params)
    undefined = np.isnan(det)
    det = np.where(undefined, 0.0, det)
    wk, wg = weight * _WK, weight * _WG
    kd, gd = (wk * det).sum(1), (wg * det).sum(1)
    absdet = np.abs(det)
    ka, ga = (wk * absdet).sum(1), (wg * absdet).sum(1)
    neg = (wk * (det < 0)).sum(1)
    pos = (wk * (det > 0)).sum(1)
    und = (wk * undefined).sum(1)
    return kd, np.abs(kd - gd), ka, np.abs(ka - ga), neg, pos, und


def _cubature(compiled, patches: _Patches, params, tol: float, max_evaluations: int,
              time_budget: float | None) -> _Cubature:
    start = time.perf_counter()
    # initial cells: 8×8 on a rectangle, fewer per triangle the more triangles a polygon has
    k = max(1, math.ceil(8 / math.sqrt(len(patches.areas))))
    edges = np.linspace(0.0, 1.0, k + 1)
    s0g, t0g = np.meshgrid(edges[:-1], edges[:-1], indexing="ij")
    per = s0g.size
    pid = np.repeat(np.arange(len(patches.areas)), per)
    s0 = np.tile(s0g.ravel(), len(patches.areas))
    t0 = np.tile(t0g.ravel(), len(patches.areas))
    s1, t1 = s0 + 1.0 / k, t0 + 1.0 / k
    cells = [pid, s0, s1, t0, t1]
    vals = _cell_rules(compiled, patches, *cells, params)
    evaluations = pid.size * NODES_PER_CELL
    area = float(patches.areas.sum())
    converged = False
    while True:
        kd, ed, ka, ea, *_ = vals
        total_abs = float(ka.sum())
        scale = max(total_abs, 1e-300)
        goal = max(tol * scale, 1e-14 * scale)
        err_d, err_a = float(ed.sum()), float(ea.sum())
        if not (math.isfinite(err_d) and math.isfinite(err_a)):
            break
        if err_d <= goal and err_a <= goal:
            converged = True
            break
        room = (max_evaluations - evaluations) // (4 * NODES_PER_CELL)
        if time_budget is not None:
            # split no more cells than the time left allows, at the rate measured so far
            elapsed = time.perf_counter() - start
            rate = max(elapsed / evaluations, 1e-10)
            room = min(room, int((time_budget - elapsed) / (rate * 4 * NODES_PER_CELL)))
        if room <= 0:
            break
        err = np.maximum(ed, ea)
        excess = max(err_d, err_a) - 0.5 * goal
        order = np.argsort(-err, kind="stable")
        cum = np.cumsum(err[order])
        n_split = int(np.searchsorted(cum, excess)) + 1
        n_split = min(n_split, room, len(order))
        split = order[:n_split]
        keep = np.ones(len(err), dtype=bool)
        keep[split] = False
        p, a0, a1, b0, b1 = (c[split] for c in cells)
        am, bm = (a0 + a1) / 2, (b0 + b1) / 2
        children = [
            np.tile(p, 4),
            np.concatenate([a0, am, a0, am]), np.concatenate([am, a1, am, a1]),
            np.concatenate([b0, b0, bm, bm]), np.concatenate([bm, bm, b1, b1]),
        ]
        new_vals = _cell_rules(compiled, patches, *children, params)
        evaluations += children[0].size * NODES_PER_CELL
        cells = [np.concatenate([c[keep], ch]) for c, ch in zip(cells, children, strict=True)]
        vals = tuple(np.concatenate([v[keep], nv]) for v, nv in zip(vals, new_vals, strict=True))
    kd, ed, ka, ea, neg, pos, und = vals
    return _Cubature(
        float(kd.sum()), float(ka.sum()), float(ed.sum()), float(ea.sum()),
        float(min(neg.sum(), area)), float(min(pos.sum(), area)), float(min(und.sum(), area)),
        converged, int(evaluations), len(kd),
    )


# ---------------------------------------------------------------------------------------
# Image area: boundary (shoelace) and raster union


def _shoelace(u: np.ndarray, v: np.ndarray) -> float:
    return 0.5 * float(np.sum(u * np.roll(v, -1) - np.roll(u, -1) * v))


def _boundary_samples(boundary: np.ndarray, total: int) -> np.ndarray:
    """Points along the closed polyline ``boundary``, about ``total`` of them, spread by length."""
    a, b = boundary, np.roll(boundary, -1, axis=0)
    lengths = np.hypot(*(b - a).T)
    counts = np.maximum(2, np.ceil(total * lengths / lengths.sum())).astype(int)
    pieces = [a[i] + np.linspace(0.0, 1.0, counts[i], endpoint=False)[:, None] * (b[i] - a[i])
              for i in range(len(a))]
    return np.concatenate(pieces)


def _boundary_area(compiled, patches: _Patches, params, samples: int) -> tuple[float, float, bool]:
    """|shoelace(F(∂R))|, an error estimate from the same sum on every other sample, and
    whether F(∂R) is a simple closed curve (:func:`_polyline_is_simple`).

    ∂R is sampled twice: first evenly along ∂R, then with half of the samples spread by
    the length of the image, so that a part of ∂R that F stretches enormously (the edge
    next to a pole: 1/z on [1e-3, 1] × [−1, 1] sends y ∈ [−0.01, 0.01] around a circle of
    radius 500) is followed as closely as the rest.
    """
    first = _boundary_samples(patches.boundary, samples // 2)
    u, v = compiled.values(first[:, 0], first[:, 1], params)
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    if not (np.isfinite(u).all() and np.isfinite(v).all()):
        return math.nan, math.nan, False
    closed = np.concatenate([first, first[:1]])
    domain_steps = np.hypot(*np.diff(closed, axis=0).T)
    image_steps = np.hypot(np.diff(np.append(u, u[0])), np.diff(np.append(v, v[0])))
    weight = domain_steps / domain_steps.sum() + image_steps / max(image_steps.sum(), 1e-300)
    cumulative = np.concatenate([[0.0], np.cumsum(weight)])
    at = np.interp(np.linspace(0.0, cumulative[-1], samples, endpoint=False), cumulative,
                   np.arange(len(closed), dtype=float))
    k = np.minimum(at.astype(int), len(first) - 1)
    frac = (at - k)[:, None]
    pts = closed[k] * (1 - frac) + closed[k + 1] * frac
    # keep the corners of ∂R exactly: every sample nearest to one is moved onto it
    for corner in patches.boundary:
        pts[np.argmin(np.hypot(*(pts - corner).T))] = corner
    u, v = compiled.values(pts[:, 0], pts[:, 1], params)
    u, v = np.asarray(u, dtype=float), np.asarray(v, dtype=float)
    if not (np.isfinite(u).all() and np.isfinite(v).all()):
        return math.nan, math.nan, False
    fine = _shoelace(u, v)
    coarse = _shoelace(u[::2], v[::2])
    # the polygon's error falls like 1/n², so the fine sum's error is ~ (fine − coarse)/3
    return abs(fine), abs(fine - coarse) / 3 + 1e-15 * abs(fine), _polyline_is_simple(u, v)


def _mesh_values(compiled, patches: _Patches, params, n: int) -> tuple[np.ndarray, np.ndarray]:
    """F on a k×k grid of cells over a rectangle: (domain points, values), each (k+1, k+1, 2).

    k is n rounded up to even, so that every other grid line gives the same mesh at half the
    resolution without new evaluations.
    """
    k = max(2, n)
    k += k % 2
    grid = np.linspace(0.0, 1.0, k + 1)
    s, t = np.meshgrid(grid, grid, indexing="ij")
    pid = np.zeros(s.shape, dtype=int)
    x, y = patches.points(pid, s, t)
    u, v = compiled.values(x, y, params)
    return np.stack([x, y], axis=-1), np.stack([np.asarray(u, float), np.asarray(v, float)], axis=-1)


@dataclass(frozen=True)
class _Cells:
    """Axis-aligned cells of the domain and the images of their corners.

    Cell k is [x0, x0 + w] × [y0, y0 + h]; ``q[k]`` holds F at its corners in the order
    (x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h).
    """

    x0: np.ndarray
    y0: np.ndarray
    w: np.ndarray
    h: np.ndarray
    q: np.ndarray  # (K, 4, 2)

    def take(self, keep: np.ndarray) -> _Cells:
        return _Cells(self.x0[keep], self.y0[keep], self.w[keep], self.h[keep], self.q[keep])

    def triangles(self) -> np.ndarray:
        q = self.q
        return np.concatenate([q[:, [0, 1, 2]], q[:, [0, 2, 3]]])


def _grid_cells(points: np.ndarray, values: np.ndarray, stride: int = 1) -> _Cells:
    """The cells of a rectangle's mesh (every ``stride``-th grid line)."""
    p, q = points[::stride, ::stride], values[::stride, ::stride]
    x0, y0 = p[:-1, :-1, 0].ravel(), p[:-1, :-1, 1].ravel()
    w = (p[1:, :-1, 0] - p[:-1, :-1, 0]).ravel()
    h = (p[:-1, 1:, 1] - p[:-1, :-1, 1]).ravel()
    corners = np.stack([q[:-1, :-1], q[1:, :-1], q[1:, 1:], q[:-1, 1:]], axis=-2).reshape(-1, 4, 2)
    return _Cells(x0, y0, w, h, corners)


# A mesh cell is split SPLIT × SPLIT (its parts checked again, up to SPLIT_LEVELS times)
# where its image does not look like what J at its centre predicts: wider than JUMP_FACTOR
# times J's image of the cell, or a triangle whose area is not within a factor AREA_FACTOR
# of |det J| times its own (a fold, a branch point, a pole nearby, a jump), or F at its
# centre more than CURVE_FACTOR of the image's width from the mean of its corners (curved
# more than the mesh can follow), or J undefined at its centre. What is still too wide at
# the last level straddles a jump of F (a branch cut, a step) and is left out. The seams
# between split and unsplit cells are filled (see _split).
JUMP_FACTOR = 4.0
AREA_FACTOR = 4.0
CURVE_FACTOR = 0.05
EDGE_JUMP = 0.05
SPLIT = 4
SPLIT_LEVELS = 3
# Cells split at one level, at most (each becomes SPLIT² parts): beyond this F varies too fast on R
# for the raster to follow it, and the rest stays unsplit (the area is then not given).
MAX_SPLIT_CELLS = 40_000
# F at the corners of the parts is taken this fraction of a part inside the cell, so that a
# cell below a cut that runs along its edge sees the values from its own side.
_NUDGE = 1e-7


def _check_cells(compiled, cells: _Cells, params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(split, jump, |det J| at the centres) for each cell; see SPLIT_LEVELS."""
    if len(cells.x0) == 0:
        empty = np.zeros(0, dtype=bool)
        return empty, empty, np.zeros(0)
    xc, yc = cells.x0 + cells.w / 2, cells.y0 + cells.h / 2
    ev = compiled.evaluate((xc, yc), params, jacobian=True)
    (a, b), (c, d) = ((np.asarray(e, dtype=float) for e in row) for row in ev.jacobian)  # type: ignore[union-attr]
    with np.errstate(all="ignore"):
        det = a * d - b * c
    centre = np.stack([np.asarray(v, dtype=float) for v in ev.values], axis=1)
    w, h = cells.w, cells.h
    predicted = np.zeros(len(w))
    for vx, vy in ((w, 0.0 * h), (0.0 * w, h), (w, h), (-w, h)):
        predicted = np.maximum(predicted, np.hypot(a * vx + b * vy, c * vx + d * vy))
    q = cells.q
    actual = np.zeros(len(w))
    for i, j in ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)):
        actual = np.maximum(actual, np.hypot(*(q[:, i] - q[:, j]).T))
    with np.errstate(all="ignore"):
        jump = ~np.isfinite(predicted) | (actual > JUMP_FACTOR * predicted)
        expected = det * (w * h / 2)
        odd = np.zeros(len(w), dtype=bool)
        for tri in ((0, 1, 2), (0, 2, 3)):
            ratio = _cross(q[:, tri[0]], q[:, tri[1]], q[:, tri[2]]) / 2 / expected
            odd |= ~((ratio >= 1 / AREA_FACTOR) & (ratio <= AREA_FACTOR))
        # curved: F at the centre far from the mean of the corners (chord error; next to a
        # pole a whole half circle of F(∂R) can pass between two corners)
        bent = np.hypot(*(centre - q.mean(axis=1)).T) > CURVE_FACTOR * actual
        odd |= ~np.isfinite(centre).all(axis=1) | bent
        odd &= actual > 0  # a cell mapped to a point needs nothing
    return jump | odd, jump, np.abs(det)


def _split(compiled, cells: _Cells, params) -> tuple[_Cells, np.ndarray, np.ndarray]:
    """Each cell split SPLIT × SPLIT, with F evaluated on the new corners (nudged inside).

    Also returns, for each cell, whether F jumps along its edge: its corner values, shared
    with its neighbours, differ from the values just inside by more than 1e-6 of the cell's
    image (a continuous F moves them by about 1e-8 of it). That happens where a branch cut
    runs along a mesh line, as the negative real axis does in any rectangle about y = 0.

    And the seams: for each cell and each of its edges, the fan of triangles from the
    edge's first corner over the parts' corners along it, (k, 4·(SPLIT − 1), 3, 2). A
    neighbour that is not split meets this edge as one straight chord, and the thin gap
    between that chord and the parts' edges (a T-junction) would otherwise be counted by
    neither side: near a pole it was as large as the chord error the splitting removes.
    """
    m = SPLIT
    k = len(cells.x0)
    i, j = np.meshgrid(np.arange(m + 1), np.arange(m + 1), indexing="ij")  # (m+1, m+1)
    fi = np.clip(i, _NUDGE, m - _NUDGE) / m
    fj = np.clip(j, _NUDGE, m - _NUDGE) / m
    px = cells.x0[:, None, None] + cells.w[:, None, None] * fi
    py = cells.y0[:, None, None] + cells.h[:, None, None] * fj
    u, v = compiled.values(px, py, params)
    q = np.stack([np.asarray(u, float), np.asarray(v, float)], axis=-1)  # (k, m+1, m+1, 2)
    corners = np.stack([q[:, :-1, :-1], q[:, 1:, :-1], q[:, 1:, 1:], q[:, :-1, 1:]], axis=-2)
    x0 = cells.x0[:, None, None] + cells.w[:, None, None] * (i[:-1, :-1] / m)
    y0 = cells.y0[:, None, None] + cells.h[:, None, None] * (j[:-1, :-1] / m)
    sw, sh = np.repeat(cells.w / m, m * m), np.repeat(cells.h / m, m * m)
    inside = np.stack([q[:, 0, 0], q[:, m, 0], q[:, m, m], q[:, 0, m]], axis=1)  # (k, 4, 2)
    with np.errstate(invalid="ignore"):
        diameter = np.hypot(*(cells.q.max(axis=1) - cells.q.min(axis=1)).T)
        moved = np.hypot(*(inside - cells.q).transpose(2, 0, 1)).max(axis=1)
        # a jump moves them by a good part of the image; a continuous F by 1e-7 of it, or
        # by (1e-7)^α next to a branch point where F is only Hölder-α (α = ⅓: 5e-3)
        edge_jump = moved > EDGE_JUMP * diameter
    parts = _Cells(x0.reshape(k * m * m), y0.reshape(k * m * m), sw, sh, corners.reshape(k * m * m, 4, 2))
    # the four edges as polylines from corner to corner, with the exact corners at the ends
    edges = [q[:, :, 0], q[:, m, :], q[:, ::-1, m], q[:, 0, ::-1]]  # bottom, right, top, left
    ends = [(0, 1), (1, 2), (2, 3), (3, 0)]
    fans = []
    for line, (start, stop) in zip(edges, ends, strict=True):
        line = line.copy()
        line[:, 0], line[:, m] = cells.q[:, start], cells.q[:, stop]
        for t in range(1, m):
            fans.append(np.stack([line[:, 0], line[:, t], line[:, t + 1]], axis=1))
    return parts, edge_jump, np.stack(fans, axis=1)


@dataclass(frozen=True)
class _Mesh:
    triangles: np.ndarray  # (T, 3, 2) in the image plane
    undefined_fraction: float  # of the domain's area, cells with an undefined corner
    jump_area: float  # domain area of the cells left out because F jumps across them
    jump_image_area: float  # their estimated image area: Σ w·h·|det J(centre)|
    jump_point: tuple[float, float] | None  # the centre of one such cell
    edge_jumps: int = 0  # cells along whose edge F jumps (a cut on a mesh line)
    seams: np.ndarray = field(default_factory=lambda: np.empty((0, 3, 2)))  # gap fillers, area only
    capped: bool = False  # more cells asked to be split than MAX_SPLIT_CELLS: the mesh is rough

    @property
    def jumps(self) -> bool:
        """True when F jumps somewhere in R (so it is not continuous there)."""
        return self.jump_area > 0 or self.edge_jumps > 0


def _mesh_triangles(compiled, cells: _Cells, params) -> _Mesh:
    """Triangles of the defined cells, split where J says so and without the jumps.

    A cell with an undefined corner is left out (its area counts as undefined). A cell
    that :func:`_check_cells` questions is split, and its
    parts checked again, SPLIT_LEVELS times; the parts that are still too wide at the end
    (a band along a cut, 4⁻³ of a cell wide) are left out, and their image area, estimated
    from |det J|, is reported so that the error estimate can include it.
    """
    total = float(np.sum(cells.w * cells.h)) or 1.0
    defined = np.isfinite(cells.q).all(axis=(1, 2))
    undefined = float(np.sum((cells.w * cells.h)[~defined])) / total
    cells = cells.take(defined)
    kept = []
    jump_area = jump_image = 0.0
    jump_point: tuple[float, float] | None = None
    edge_jumps = 0
    capped = False
    seams: list[np.ndarray] = []
    for level in range(SPLIT_LEVELS + 1):
        split, jump, absdet = _check_cells(compiled, cells, params)
        if level == SPLIT_LEVELS:
            kept.append(cells.take(~jump).triangles())
            if jump.any():
                area = (cells.w * cells.h)[jump]
                jump_area = float(area.sum())
                jump_image = float(np.nansum(area * absdet[jump]))
                k = int(np.nonzero(jump)[0][0])
                jump_point = jump_point or (float(cells.x0[k] + cells.w[k] / 2),
                                            float(cells.y0[k] + cells.h[k] / 2))
            break
        if int(split.sum()) > MAX_SPLIT_CELLS:
            # Fix (tests/test_cli.py): a x, y with a = 1e308 asked every cell to be split at
            # every level and needed gigabytes; the excess stays unsplit and says so.
            excess = np.nonzero(split)[0][MAX_SPLIT_CELLS:]
            split[excess] = False
            capped = True
        kept.append(cells.take(~split).triangles())
        if not split.any():
            break
        parents = cells.take(split)
        cells, edge_jump, fans = _split(compiled, parents, params)
        seam = ~jump[split] & ~edge_jump  # no seam across a jump
        seams.append(fans[seam].reshape(-1, 3, 2))
        if edge_jump.any():
            k = int(np.nonzero(edge_jump)[0][0])
            edge_point = (float(parents.x0[k] + parents.w[k] / 2), float(parents.y0[k] + parents.h[k] / 2))
            jump_point = jump_point or edge_point
            edge_jumps += int(edge_jump.sum())
        cells = cells.take(np.isfinite(cells.q).all(axis=(1, 2)))
    tris = np.concatenate(kept) if kept else np.empty((0, 3, 2))
    fill = np.concatenate(seams) if seams else np.empty((0, 3, 2))
    fill = fill[np.isfinite(fill).all(axis=(1, 2))]
    return _Mesh(tris, undefined, jump_area, jump_image, jump_point, edge_jumps, fill, capped)


# ---------------------------------------------------------------------------------------
# Is F bounded on R?

PROBE_LEVELS = 8  # zoom steps, each 4× closer
_PROBE_OFFSETS = np.linspace(-1.0, 1.0, 9)


def _unbounded(compiled, patches: _Patches, params, seeds: np.ndarray,
               h: float) -> tuple[float, float] | None:
    """A point of R near which |F| grows without bound (a pole, log|z| at 0), or None.

    From each seed (the mesh points where |F| or |det J| is largest, and points where F is
    undefined) the probe zooms in PROBE_LEVELS times on the largest |F| of a 9 × 9 lattice
    inside R, shrinking the lattice 4-fold each time. Where F is bounded and continuous the
    largest value converges and its increments shrink with the lattice (4-fold per step
    for a smooth F, 2-fold next to √|z|); next to a pole they grow (1/|z|: 4-fold), next to
    a logarithm they stay (log 4 per step). F is called unbounded when the increase over the
    last three steps is at least half that over the three before.
    """
    if len(seeds) == 0:
        return None
    x0, y0 = patches.boundary.min(axis=0)
    x1, y1 = patches.boundary.max(axis=0)
    ox, oy = np.meshgrid(_PROBE_OFFSETS, _PROBE_OFFSETS, indexing="ij")
    ox, oy = ox.ravel(), oy.ravel()
    centres = np.asarray(seeds, dtype=float)
    half = np.full(len(centres), float(h))
    maxima = []
    for _ in range(PROBE_LEVELS):
        px = np.clip(centres[:, :1] + half[:, None] * ox, x0, x1)
        py = np.clip(centres[:, 1:] + half[:, None] * oy, y0, y1)
        u, v = compiled.values(px, py, params)
        with np.errstate(all="ignore"):
            mag = np.hypot(np.asarray(u, float), np.asarray(v, float))
        if not patches.is_rect:
            mag = np.where(_inside_polygon(px.ravel(), py.ravel(), patches.boundary).reshape(px.shape),
                           mag, np.nan)
        finite = np.isfinite(mag)
        best = np.argmax(np.where(finite, mag, -np.inf), axis=1)
        rows = np.arange(len(centres))
        maxima.append(np.where(finite.any(axis=1), mag[rows, best], np.nan))
        centres = np.where(finite.any(axis=1)[:, None], np.stack([px[rows, best], py[rows, best]], axis=1),
                           centres)
        half /= 4
    m = np.array(maxima)  # (levels, seeds)
    late, early = m[-1] - m[-4], m[-4] - m[-7]
    with np.errstate(invalid="ignore"):
        grows = (early > 0) & (late >= 0.5 * early) & (late > 1e-9 * (1 + np.abs(m[-1])))
    if not grows.any():
        return None
    k = int(np.nonzero(grows)[0][0])
    return float(centres[k, 0]), float(centres[k, 1])


def _seeds(points: np.ndarray, values: np.ndarray, count: int = 8) -> np.ndarray:
    """Mesh points where |F| is largest, and some where F is undefined."""
    points = points.reshape(-1, 2)
    with np.errstate(all="ignore"):
        mag = np.hypot(values[..., 0], values[..., 1]).reshape(-1)
    finite = np.isfinite(mag)
    out = []
    if finite.any():
        order = np.argsort(np.where(finite, mag, -np.inf))[::-1][:count]
        out.append(points[order[finite[order]]])
    undefined = np.nonzero(~finite)[0]
    if undefined.size:
        out.append(points[undefined[:: max(1, undefined.size // count)][:count]])
    return np.concatenate(out) if out else np.empty((0, 2))


# ---------------------------------------------------------------------------------------
# Is F(∂R) a simple closed curve?

_LEAF = 48  # segments compared pair by pair
_MAX_DEPTH = 40


def _polyline_is_simple(u: np.ndarray, v: np.ndarray) -> bool:
    """True when the closed polyline through (u, v) has no two non-adjacent segments that cross.

    Only proper crossings count: a curve that runs back along itself (the polar map's
    image of the edges t = 0 and t = 2π) or stops (an edge mapped to a point) is simple.
    The segments are sorted into the quadrants of their box, recursively (a quadtree), and
    compared pair by pair only in small groups; an image whose scales differ by a factor of
    10⁶ (1/z next to its pole) needs that. Where even that fails, the answer is "not simple",
    which leaves the decision to the raster.
    """
    p = np.stack([u, v], axis=1)
    q = np.roll(p, -1, axis=0)
    n = len(p)
    index = np.arange(n)
    moving = (p != q).any(axis=1)  # a segment of length 0 (an edge mapped to a point) crosses nothing
    p, q, index = p[moving], q[moving], index[moving]
    if len(p) < 4:
        return True
    lo, hi = np.minimum(p, q), np.maximum(p, q)
    stack = [(np.arange(len(p)), 0)]
    while stack:
        ids, depth = stack.pop()
        box_lo, box_hi = lo[ids].min(axis=0), hi[ids].max(axis=0)  # shrink onto the group
        if len(ids) <= _LEAF or depth == _MAX_DEPTH:
            if len(ids) > 40 * _LEAF:
                return False
            i, j = np.triu_indices(len(ids), k=1)
            a, b = ids[i], ids[j]
            ia, ib = np.minimum(index[a], index[b]), np.maximum(index[a], index[b])
            keep = (ib - ia > 1) & ~((ia == 0) & (ib == n - 1))  # neighbours share an end
            a, b = a[keep], b[keep]
            pa, qa, pb, qb = p[a], q[a], p[b], q[b]
            d1, d2 = _cross(pa, qa, pb), _cross(pa, qa, qb)
            d3, d4 = _cross(pb, qb, pa), _cross(pb, qb, qa)
            if ((d1 * d2 < 0) & (d3 * d4 < 0)).any():
                return False
            continue
        mid = 0.5 * (box_lo + box_hi)
        subs = []
        for right in (False, True):
            for top in (False, True):
                sub_lo = np.where([right, top], mid, box_lo)
                sub_hi = np.where([right, top], box_hi, mid)
                subs.append(ids[((hi[ids] >= sub_lo) & (lo[ids] <= sub_hi)).all(axis=1)])
        if all(len(sub) == len(ids) for sub in subs):
            return False  # every segment through the middle: give up, let the raster decide
        stack.extend((sub, depth + 1) for sub in subs if len(sub) > 1)
    return True


MAX_RASTER_ROWS = 40_000_000  # (triangle, pixel row) pairs; beyond this the raster is coarsened
_ROW_CHUNK = 2_000_000


def rasterize_coverage(triangles: np.ndarray, extent: Rect, size: int) -> np.ndarray:
    """How many of ``triangles`` cover each pixel centre of a size×size raster over ``extent``.

    Returns an int32 array, row = v (upwards from the extent's v0), column = u. Scanline
    rasterisation: for each triangle and pixel row, the three edge half-planes give an
    interval of pixel centres, added to a per-row difference array whose running sum is the
    count. Each edge's line is computed from its endpoints in a canonical order, so two
    triangles that share an edge see bit-for-bit the same crossing point, and a centre
    exactly on it goes to one of them by the top-left rule: a shared edge is counted once,
    never twice or not at all (watertight), as in hardware rasterisers.
    """
    u0, u1, v0, v1 = extent
    du, dv = (u1 - u0) / size, (v1 - v0) / size
    diff = np.zeros(size * (size + 1), dtype=np.int64)
    if triangles.size == 0 or not (du > 0 and dv > 0):
        return np.zeros((size, size), dtype=np.int32)
    # pixel space: pixel centres at integer coordinates
    p = np.stack([(triangles[..., 0] - u0) / du - 0.5, (triangles[..., 1] - v0) / dv - 0.5], axis=-1)
    area2 = _cross(p[:, 0], p[:, 1], p[:, 2])
    good = np.isfinite(area2) & (area2 != 0)
    p = p[good]
    flip = area2[good] < 0
    p[flip] = p[flip][:, [0, 2, 1]]  # counter-clockwise: inside is left of every edge
    ea, eb, ec, etl = [], [], [], []
    for i, j in ((0, 1), (1, 2), (2, 0)):
        a, b = p[:, i], p[:, j]
        swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
        lo = np.where(swap[:, None], b, a)
        hi = np.where(swap[:, None], a, b)
        sign = np.where(swap, -1.0, 1.0)
        ca = lo[:, 1] - hi[:, 1]
        cb = hi[:, 0] - lo[:, 0]
        cc = -(ca * lo[:, 0] + cb * lo[:, 1])
        d = b - a
        ea.append(sign * ca)  # E(x, y) = A·x + B·y + C > 0 inside
        eb.append(sign * cb)
        ec.append(sign * cc)
        etl.append((d[:, 1] > 0) | ((d[:, 1] == 0) & (d[:, 0] < 0)))
    ea_, eb_, ec_, etl_ = (np.stack(e, 1) for e in (ea, eb, ec, etl))
    iy0 = np.clip(np.ceil(p[..., 1].min(1)), 0, size).astype(np.int64)
    iy1 = np.clip(np.floor(p[..., 1].max(1)), -1, size - 1).astype(np.int64)
    rows = np.maximum(iy1 - iy0 + 1, 0)
    csum = np.cumsum(rows)
    start = 0
    with np.errstate(all="ignore"):
        while start < len(rows):
            base = csum[start - 1] if start else 0
            stop = max(int(np.searchsorted(csum, base + _ROW_CHUNK, side="right")), start + 1)
            sel = np.arange(start, stop)
            start = stop
            tri = np.repeat(sel, rows[sel])
            if tri.size == 0:
                continue
            iy = iy0[tri] + (np.arange(tri.size) - np.repeat(np.cumsum(rows[sel]) - rows[sel], rows[sel]))
            fy = iy.astype(float)
            lo = np.zeros(tri.size)
            hi = np.full(tri.size, float(size - 1))
            ok = np.ones(tri.size, dtype=bool)
            for e in range(3):
                a = ea_[tri, e]
                k = eb_[tri, e] * fy + ec_[tri, e]
                tl = etl_[tri, e]
                b = -k / a  # A·x + K > 0  ⇔  x > b (A > 0)  or  x < b (A < 0)
                lo = np.where(a > 0, np.maximum(lo, np.where(tl, np.ceil(b), np.floor(b) + 1)), lo)
                hi = np.where(a < 0, np.minimum(hi, np.where(tl, np.floor(b), np.ceil(b) - 1)), hi)
                ok &= (a != 0) | (k > 0) | ((k == 0) & tl)
            ok &= lo <= hi
            iy, lo, hi = iy[ok], lo[ok].astype(np.int64), hi[ok].astype(np.int64)
            row0 = iy * (size + 1)
            diff += np.bincount(row0 + lo, minlength=diff.size)
            diff -= np.bincount(row0 + hi + 1, minlength=diff.size)
    return np.cumsum(diff.reshape(size, size + 1), axis=1)[:, :size].astype(np.int32)


@dataclass(frozen=True)
class _Raster:
    coverage: np.ndarray
    extent: Rect
    max_preimages: int
    overlap_fraction: float
    mesh: _Mesh  # the fine mesh: undefined and jump parts
    seeds: np.ndarray  # where to look for a pole (see _unbounded)
    spacing: float  # the fine mesh's cell size
    measure: Callable[[], tuple[float, float, bool]]  # (area, error, resolved), on demand

    @property
    def undefined_fraction(self) -> float:
        return self.mesh.undefined_fraction


def _extent(tris: np.ndarray) -> Rect:
    return (float(tris[..., 0].min()), float(tris[..., 0].max()),
            float(tris[..., 1].min()), float(tris[..., 1].max()))


def _raster_size(tris: np.ndarray, extent: Rect, size: int) -> int:
    """``size``, halved while the triangles would span too many (triangle, row) pairs."""
    v0, v1 = extent[2], extent[3]
    heights = tris[..., 1].max(1) - tris[..., 1].min(1)
    while size > 64 and float(np.sum(heights * size / (v1 - v0) + 1)) > MAX_RASTER_ROWS:
        size //= 2
    return size


def _inside_polygon(px: np.ndarray, py: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test, one horizontal scanline per distinct y.

    The points come from a lattice, so they share few distinct y values: the crossings of
    each scanline with the polygon's edges are found once (a rows × edges array), sorted,
    and every point counts the crossings to its right by binary search.
    """
    a, b = poly, np.roll(poly, -1, axis=0)
    rows, inverse = np.unique(py, return_inverse=True)
    y = rows[:, None]
    ax, ay, bx, by = a[None, :, 0], a[None, :, 1], b[None, :, 0], b[None, :, 1]
    with np.errstate(all="ignore"):
        crosses = (ay > y) != (by > y)
        x_at = ax + (y - ay) * (bx - ax) / (by - ay)
    xs = np.sort(np.where(crosses, x_at, np.inf), axis=1)
    count = crosses.sum(axis=1)
    inside = np.zeros(px.shape, dtype=bool)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(len(rows) + 1))
    for r in range(len(rows)):
        idx = order[bounds[r]:bounds[r + 1]]
        right = count[r] - np.searchsorted(xs[r, :count[r]], px[idx], side="right")
        inside[idx] = right % 2 == 1
    return inside


SUPERSAMPLE = 8  # sub-cells per side in the mesh cells that the polygon's boundary crosses


def _polygon_cells(compiled, poly: np.ndarray, params, n: int) -> tuple[_Cells, np.ndarray, np.ndarray]:
    """A lattice mesh of a polygon: its cells, and the lattice points and values (for seeds).

    The polygon's bounding box gets an n×n grid of cells. Cells that the boundary does not
    cross are kept whole if their centre is inside; cells it crosses are split into
    SUPERSAMPLE² sub-cells, each kept if its centre is inside (an unbiased staircase at
    1/SUPERSAMPLE of the cell size). Every corner lies on one fine lattice and F is
    evaluated once per lattice point, so neighbouring cells share their corners exactly.
    Unlike a triangulation of the polygon, whose long thin triangles a curved F can turn
    inside out, every mesh triangle here is half of a small rectangle.
    """
    m = SUPERSAMPLE
    x0, y0 = poly.min(axis=0)
    x1, y1 = poly.max(axis=0)
    hx, hy = (x1 - x0) / n, (y1 - y0) / n
    # cells crossed by the boundary: sample every edge at a quarter of a cell
    closed = np.concatenate([poly, poly[:1]])
    seg = np.diff(closed, axis=0)
    steps = np.maximum(1, np.ceil(4 * np.maximum(np.abs(seg[:, 0]) / hx, np.abs(seg[:, 1]) / hy))).astype(int)
    frac = np.concatenate([np.arange(k + 1) / k for k in steps])
    start = np.repeat(closed[:-1], steps + 1, axis=0)
    delta = np.repeat(seg, steps + 1, axis=0)
    samples = start + frac[:, None] * delta
    ci = np.clip(((samples[:, 0] - x0) / hx).astype(int), 0, n - 1)
    cj = np.clip(((samples[:, 1] - y0) / hy).astype(int), 0, n - 1)
    crossed = np.zeros((n, n), dtype=bool)
    crossed[ci, cj] = True
    # whole cells: lattice corner (i·m, j·m), size m
    ii, jj = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    plain = ~crossed
    cx, cy = x0 + (ii[plain] + 0.5) * hx, y0 + (jj[plain] + 0.5) * hy
    keep = _inside_polygon(cx, cy, poly)
    whole_i, whole_j = ii[plain][keep] * m, jj[plain][keep] * m
    # sub-cells of the crossed cells: size 1 on the lattice
    bi, bj = np.nonzero(crossed)
    a, b = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
    sub_i = (bi[:, None] * m + a.ravel()[None, :]).ravel()
    sub_j = (bj[:, None] * m + b.ravel()[None, :]).ravel()
    fx, fy = hx / m, hy / m
    keep = _inside_polygon(x0 + (sub_i + 0.5) * fx, y0 + (sub_j + 0.5) * fy, poly)
    sub_i, sub_j = sub_i[keep], sub_j[keep]
    ci = np.concatenate([whole_i, sub_i])
    cj = np.concatenate([whole_j, sub_j])
    size = np.concatenate([np.full(whole_i.size, m), np.ones(sub_i.size, dtype=int)])
    empty = np.empty((0, 2))
    if ci.size == 0:
        return _Cells(np.empty(0), np.empty(0), np.empty(0), np.empty(0), np.empty((0, 4, 2))), empty, empty
    # corners on the lattice, evaluated once each
    corner_i = np.stack([ci, ci + size, ci + size, ci], axis=1)
    corner_j = np.stack([cj, cj, cj + size, cj + size], axis=1)
    width = n * m + 1
    keys, where = np.unique(corner_i * width + corner_j, return_inverse=True)
    px, py = x0 + (keys // width) * fx, y0 + (keys % width) * fy
    u, v = compiled.values(px, py, params)
    values = np.stack([np.asarray(u, float), np.asarray(v, float)], axis=-1)
    cells = _Cells(x0 + ci * fx, y0 + cj * fy, size * fx, size * fy, values[where.reshape(-1, 4)])
    return cells, np.stack([px, py], axis=1), values


def _raster_image(compiled, patches: _Patches, params, mesh: int, size: int) -> _Raster:
    if patches.is_rect:
        points, values = _mesh_values(compiled, patches, params, mesh)
        fine_cells, coarse_cells = _grid_cells(points, values), _grid_cells(points, values, stride=2)
        x0, x1, y0, y1 = (float(points[0, 0, 0]), float(points[-1, 0, 0]),
                          float(points[0, 0, 1]), float(points[0, -1, 1]))
        spacing = max(x1 - x0, y1 - y0) / (points.shape[0] - 1)
    else:
        fine_cells, points, values = _polygon_cells(compiled, patches.boundary, params, mesh)
        coarse_cells = _polygon_cells(compiled, patches.boundary, params, mesh // 2)[0]
        spacing = float(np.ptp(patches.boundary, axis=0).max()) / mesh
    fine = _mesh_triangles(compiled, fine_cells, params)
    seeds = _seeds(points, values)
    tris = fine.triangles
    empty = np.zeros((0, 0), np.int32)
    if tris.size == 0:
        return _Raster(empty, (0.0, 0.0, 0.0, 0.0), 0, 0.0, fine, seeds, spacing,
                       lambda: (math.nan, math.nan, False))
    u0, u1, v0, v1 = _extent(tris)
    if not (u1 > u0 and v1 > v0):
        return _Raster(empty, (u0, u1, v0, v1), 0, 0.0, fine, seeds, spacing, lambda: (0.0, 0.0, False))
    # Shift the pixel centres off the mesh's lattice by a small irrational fraction of a
    # pixel: a linear F maps the lattice onto lines through pixel centres otherwise, and
    # where a cell edge meets several sub-cell edges (a T-junction of the polygon mesh)
    # no fill rule can split a centre lying exactly on it. Both ends move, so that the
    # pixels keep their size. (Fix: only the lower end moved, which made every pixel
    # 6e-4/size wider and the unit square's image 1 + 1.0e-6.)
    du, dv = 6.18034e-4 * (u1 - u0) / size, 4.14214e-4 * (v1 - v0) / size
    extent = (u0 - du, u1 - du, v0 - dv, v1 - dv)
    size = _raster_size(tris, extent, size)
    cov = rasterize_coverage(tris, extent, size)
    pixel = (u1 - u0) * (v1 - v0) / (size * size)

    def union(mesh_: _Mesh, coverage: np.ndarray, pixels: int) -> np.ndarray:
        # the seams fill the gaps at T-junctions: they count for the area, not for the sheets
        out = coverage > 0
        if len(mesh_.seams):
            out |= rasterize_coverage(mesh_.seams, extent, pixels) > 0
        return out

    covered = union(fine, cov, size)
    n_occ = int(np.count_nonzero(covered))

    def measure() -> tuple[float, float, bool]:
        return _measure(compiled, params, fine, coarse_cells, covered, extent, size, pixel, union)

    # robust sheet count: a count seen on a handful of stray pixels is a rounding artefact
    counts = np.bincount(cov.ravel())
    at_least = np.cumsum(counts[::-1])[::-1]
    threshold = max(4, int(1e-4 * n_occ))
    sheets = np.nonzero(at_least >= threshold)[0]
    max_pre = int(sheets[-1]) if sheets.size else int(cov.max())
    overlap = float(np.count_nonzero(cov >= 2) / n_occ) if n_occ else 0.0
    return _Raster(cov, extent, max_pre, overlap, fine, seeds, spacing, measure)


def _measure(compiled, params, fine: _Mesh, coarse_cells: _Cells, covered: np.ndarray, extent: Rect,
             size: int, pixel: float, union) -> tuple[float, float, bool]:
    """(area, error, resolved) of the raster union; see the comments. Only the raster method
    needs it, so region_report asks for it only then (it is two more rasters)."""
    n_occ = int(np.count_nonzero(covered))
    raw = n_occ * pixel
    tris = fine.triangles
    # The mesh's chord error is O(h²): the same union from a mesh of half the lines, on the
    # same pixels, has 4 times it, and Richardson's step removes it (for exp on a strip
    # that wraps, 3.7e-4 of the area → 7e-5). The whole difference counts in the error,
    # not a third of it: next to a branch point the error is O(h) and the step removes only
    # a third. The pixel error is estimated from the fine mesh on pixels twice as large
    # (2–3 times the fine one's, so the difference bounds it), and never taken below
    # √(pixels on the edge of F(R)) pixels, about 3.5 standard deviations of a random
    # ±½ pixel along the edge. The image of the band left out along a jump is added.
    coarse = _mesh_triangles(compiled, coarse_cells, params)
    coarse_area = int(np.count_nonzero(
        union(coarse, rasterize_coverage(coarse.triangles, extent, size), size))) * pixel
    area = raw + (raw - coarse_area) / 3
    half_pixels = int(np.count_nonzero(
        union(fine, rasterize_coverage(tris, extent, size // 2), size // 2))) * 4 * pixel
    padded = np.pad(covered, 1)
    inner = (padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    edge_pixels = int(np.count_nonzero(covered & ~inner))
    pixel_error = max(abs(raw - half_pixels), math.sqrt(edge_pixels) * pixel)
    error = abs(raw - coarse_area) + pixel_error + fine.jump_image_area + coarse.jump_image_area
    # a raster whose covered pixels are mostly on the edge of F(R) cannot measure it (an
    # image thinner than a few pixels); region_report then widens the error
    resolved = n_occ > 0 and edge_pixels <= 0.5 * n_occ
    return area, error, resolved


# ---------------------------------------------------------------------------------------
# The report


@dataclass(frozen=True)
class RegionReport:
    """Both sides of the change-of-variables formula over a region R, and how F covers F(R).

    ``integral_det`` = ∬_R det J dA (the signed, degree-weighted area of the image) and
    ``integral_abs_det`` = ∬_R |det J| dA (the area of the image counted with
    multiplicity); ``image_area`` is the area of the set F(R), each point once. They agree
    exactly when F is injective on R. ``error_estimate`` is the cubature's estimate for
    the two integrals (the larger of ``error_det`` and ``error_abs_det``);
    ``image_area_error`` that of ``image_area``, found by ``image_area_method``
    ("boundary": shoelace of F(∂R); "raster": union of mapped cells; "none": F(R) has no
    finite area, or F is undefined on part of R, and ``image_area`` is NaN).
    ``image_area_note`` says why in one sentence, or what to know about the number (F
    jumps inside R, F is undefined at some points); None when there is nothing to say.
    """

    domain_area: float
    integral_det: float
    integral_abs_det: float
    image_area: float
    error_estimate: float
    error_det: float
    error_abs_det: float
    image_area_error: float
    image_area_method: str
    folds: bool  # det J takes both signs in R
    negative_fraction: float  # fraction of R where det J < 0
    max_preimages: int  # most sheets of F(R) over one point, from the raster
    overlap_fraction: float  # fraction of F(R) covered more than once
    undefined_fraction: float  # fraction of R where F or J is undefined (left out)
    converged: bool
    evaluations: int
    cells: int
    coverage: np.ndarray = field(repr=False)  # (M, M) sheet counts; row = v, column = u
    image_extent: Rect = (0.0, 0.0, 0.0, 0.0)  # u0, u1, v0, v1 of the coverage raster
    image_area_note: str | None = None  # why there is no image area, or what to know about it
    unbounded_near: tuple[float, float] | None = None  # a point of R near which |F| has no bound

    def as_dict(self) -> dict[str, object]:
        """JSON-ready values (NaN and infinity become None)."""

        def num(x: float) -> float | None:
            return float(x) if math.isfinite(x) else None

        return {
            "domain_area": num(self.domain_area),
            "integral_det": num(self.integral_det),
            "integral_abs_det": num(self.integral_abs_det),
            "image_area": num(self.image_area),
            "error_estimate": num(self.error_estimate),
            "error_det": num(self.error_det),
            "error_abs_det": num(self.error_abs_det),
            "image_area_error": num(self.image_area_error),
            "image_area_method": self.image_area_method,
            "folds": self.folds,
            "negative_fraction": num(self.negative_fraction),
            "max_preimages": self.max_preimages,
            "overlap_fraction": num(self.overlap_fraction),
            "undefined_fraction": num(self.undefined_fraction),
            "image_area_note": self.image_area_note,
            "unbounded_near": list(self.unbounded_near) if self.unbounded_near is not None else None,
            "converged": self.converged,
            "evaluations": self.evaluations,
        }


def region_report(compiled: NumericMapping, rect: Rect | None = None, polygon: Sequence | None = None,
                  params: Params = None, tol: float = DEFAULT_TOL, *,
                  max_evaluations: int = MAX_EVALUATIONS, time_budget: float | None = TIME_BUDGET,
                  mesh: int = 256, raster: int = 1024, boundary_samples: int = 8192) -> RegionReport:
    """Integrate det J and |det J| over a rectangle or a simple polygon, and measure F(R).

    Give exactly one of ``rect`` = (x0, x1, y0, y1) and ``polygon`` = [(x, y), ...] (a
    simple polygon, either orientation; it is ear-clipped into triangles). ``tol`` is the
    relative tolerance of the cubature on ∬|det J|; the work stops earlier at
    ``max_evaluations`` evaluations of det J or ``time_budget`` seconds (``converged`` is
    then False). ``mesh`` cells per side are mapped and rasterised on a ``raster``²
    grid for the union area and the sheet count; ``boundary_samples`` points of ∂R give the
    shoelace area. Where F or J is undefined the integrands are left out (the integrals
    are those of the defined part) and the fraction is reported in ``undefined_fraction``;
    F(R) then has no area (NaN, with ``image_area_note`` saying why). When F is unbounded
    on R (a pole, a logarithm at 0; see :func:`_unbounded`) F(R) has no finite area either,
    ``unbounded_near`` gives the place, and the integrals usually diverge (``converged``
    False). Raises :class:`MappingError` for a bad region.
    """
    if (rect is None) == (polygon is None):
        raise MappingError("give the region as a rectangle or as a polygon (exactly one of them)")
    if not (isinstance(tol, (int, float)) and tol > 0 and math.isfinite(tol)):
        raise MappingError("the tolerance must be a positive number")
    patches = _rect_patches(rect) if rect is not None else _polygon_patches(polygon)  # type: ignore[arg-type]
    area = float(patches.areas.sum())
    cub = _cubature(compiled, patches, params, float(tol), int(max_evaluations), time_budget)
    ras = _raster_image(compiled, patches, params, int(mesh), int(raster))
    method = "raster"
    image_area = image_error = math.nan
    max_preimages = ras.max_preimages
    undefined = max(cub.undefined_area / area, ras.undefined_fraction)
    # det J "takes both signs" only if each sign holds on a part of R that is not a rounding artefact
    tiny = 1e-9 * area
    folds = cub.negative_area > tiny and cub.positive_area > tiny
    pole = _unbounded(compiled, patches, params, ras.seeds, ras.spacing)
    note = None
    if pole is not None:
        image_area, image_error, method = math.nan, math.nan, "none"
        note = (f"F is unbounded near ({pole[0]:.4g}, {pole[1]:.4g}) (a pole or a singularity in R), "
                "so F(R) has no finite area")
    elif cub.undefined_area > 1e-9 * area:
        image_area, image_error, method = math.nan, math.nan, "none"
        note = (f"F is undefined on {_percent(cub.undefined_area / area)} of R, so F(R) is not the image "
                "of all of R and no area is given (the integrals are over the part where F is defined)")
    else:
        if ras.undefined_fraction > 0:
            note = "F is undefined at some points of R (a set of no area), which are left out"
        elif ras.mesh.jumps:
            x, y = ras.mesh.jump_point  # type: ignore[misc]
            note = (f"F jumps across a curve in R (a branch cut or a step, near ({x:.4g}, {y:.4g})); "
                    "F(R) is measured as the union of the pieces")
        if ras.max_preimages <= 1 and undefined == 0 and not folds and not ras.mesh.jumps:
            # Continuous, of one orientation, and F(∂R) a simple closed curve: then F is
            # injective on R (a local homeomorphism that is injective on the boundary of a
            # disc is injective inside, by the degree of the map), and F(R) is the region
            # F(∂R) bounds, however thin (the raster cannot see a strip narrower than a
            # pixel). (Injective but with det J of both signs, such as the polar map across
            # r = 0, F(∂R) is not simple and its shoelace sum is ∬ det J.) The change of
            # variables then also says area = ∬|det J|: their difference counts in the error.
            # The integral is the more accurate of the two (the shoelace of F(∂R) has the
            # polygon's chord error, large next to a branch point on ∂R: √z on
            # [−1, 1] × [0, 1] was off by 2e-4); the shoelace confirms it to 1e-3.
            boundary_area, boundary_error, simple = _boundary_area(
                compiled, patches, params, int(boundary_samples))
            if simple and math.isfinite(boundary_area):
                image_area, method, max_preimages = boundary_area, "boundary", 1
                image_error = boundary_error
                agree = abs(boundary_area - cub.integral_abs_det) <= 1e-3 * max(boundary_area, 1e-300)
                if cub.converged and agree:
                    image_area = cub.integral_abs_det
                    image_error = max(cub.error_abs_det, 1e-15 * image_area)
                else:
                    image_error = max(image_error, abs(boundary_area - cub.integral_abs_det))
        if method == "raster" and ras.mesh.capped:
            image_area, image_error, method = math.nan, math.nan, "none"
            note = ("F varies too fast on R for jacviz to measure the area of F(R) "
                    "(its raster could not follow F)")
        if method == "raster":
            image_area, image_error, resolved = ras.measure()
        if method == "raster" and math.isfinite(image_area):
            # area(F(R)) ≤ ∬|det J| (each point of F(R) has a preimage at least once), and ≥ 0
            upper = cub.integral_abs_det + cub.error_abs_det if cub.converged else math.inf
            image_area = min(max(image_area, 0.0), upper)
            if not resolved:
                rest = upper - image_area if math.isfinite(upper) else 0.0
                image_error = max(image_error, image_area, rest)
                note = ("F(R) is thinner than the raster's pixels (and F may cover it more than once), "
                        "so its area is only known to lie between 0 and ∬|det J| dA")
    return RegionReport(
        domain_area=area,
        integral_det=cub.integral_det,
        integral_abs_det=cub.integral_abs_det,
        image_area=image_area,
        error_estimate=max(cub.error_det, cub.error_abs_det),
        error_det=cub.error_det,
        error_abs_det=cub.error_abs_det,
        image_area_error=image_error,
        image_area_method=method,
        folds=bool(folds),
        negative_fraction=cub.negative_area / area,
        max_preimages=max_preimages,
        overlap_fraction=ras.overlap_fraction,
        undefined_fraction=undefined,
        converged=cub.converged and pole is None,  # a pole: the integrals diverge, whatever the rule saw
        evaluations=cub.evaluations,
        cells=cub.cells,
        coverage=ras.coverage,
        image_extent=ras.extent,
        image_area_note=note,
        unbounded_near=pole,
    )


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.3g} %"


def fold_mask(compiled: NumericMapping, rect: Rect, n: int,
              params: Params = None) -> np.ndarray:
    """Where F reverses orientation: det J < 0 at the centres of an n×n grid over ``rect``.

    Same layout as :func:`jacviz.core.sampling.fields.det_field` (row = y, column = x), so it can
    be drawn over the heatmap. Undefined points are False.
    """
    field_ = det_field(compiled, rect, n, params, dtype=np.float64)  # type: ignore[arg-type]
    with np.errstate(invalid="ignore"):
        return np.asarray(field_ < 0)
