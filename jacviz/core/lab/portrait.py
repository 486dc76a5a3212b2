"""The phase portrait of the visible domain, as line segments ready to draw (no Qt here).

:func:`phase_portrait` is the vector field tool's background job, and what an exported
figure draws for F read as a vector field (:mod:`jacviz.core.figure.layout`): the arrow field, the
evenly spaced streamlines and the equilibria of :mod:`jacviz.core.lab.dynamics` for one
rectangle, turned into endpoint pairs (arrows binned by |F| for their colour, arrowheads on
the streamlines, each equilibrium's eigenvector directions), so that the GUI thread only
hands arrays to a few curves. :func:`trajectories` integrates the trajectories from the
starting points the user Ctrl+clicked.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from jacviz.core.lab import dynamics
    from jacviz.core.lab.dynamics import EquilibriumSet, Trajectory
# jacviz.core.lab.dynamics is imported by the two jobs: the window builds the tool at start-up,
# and needs the numbers only once the mode is on.

SPEED_BINS = 8  # arrow colours: |F| from its 2nd to its 98th percentile in this many steps
ARROW_FILL = 0.9  # the 95th percentile of |F| is this fraction of a cell long
HEAD = 0.32  # an arrowhead's length, as a fraction of its arrow
SPREAD_DEG = 25.0  # the angle between an arrowhead's barbs and its shaft
STREAM_HEAD_CELLS = 0.45  # a streamline's arrowhead, in cells
EIGEN_LENGTH = 0.07  # an eigenvector's line through an equilibrium, as a fraction of the view's size


@dataclass(frozen=True)
class Portrait:
    """What the domain view draws for F read as a vector field over ``rect``.

    ``arrows[k]`` are the endpoint pairs (for ``connect="pairs"``) of the arrows whose |F|
    falls in colour bin k of ``speed_levels`` (low to high); ``streamlines`` is one
    polyline with NaN breaks and ``stream_heads`` their arrowheads as pairs; ``eigen`` maps
    "stable", "unstable" and "zero" (the sign of the eigenvalue) to the pairs drawing the
    real eigenvector directions at each equilibrium, with arrowheads that point in along
    a stable direction and out along an unstable one.
    """

    rect: tuple[float, float, float, float]
    params: tuple
    arrows: tuple[np.ndarray, ...]
    speed_levels: tuple[float, float]
    streamlines: np.ndarray
    stream_heads: np.ndarray
    equilibria: EquilibriumSet
    eigen: dict[str, np.ndarray]
    seconds: float


def heads(tips: np.ndarray, directions: np.ndarray, lengths) -> np.ndarray:
    """Arrowheads at ``tips`` pointing along ``directions`` (unit or not), as endpoint pairs.

    Each head is two barbs of length ``lengths`` (one number or one per tip) at
    ±SPREAD_DEG from the shaft; vectorised over all tips at once.
    """
    tips = np.asarray(tips, dtype=float).reshape(-1, 2)
    d = np.asarray(directions, dtype=float).reshape(-1, 2)
    norm = np.hypot(d[:, 0], d[:, 1])
    ok = np.isfinite(norm) & (norm > 0) & np.isfinite(tips).all(axis=1)
    if not ok.any():
        return np.empty((0, 2))
    tips, d, norm = tips[ok], d[ok], norm[ok]
    length = np.broadcast_to(np.asarray(lengths, dtype=float), ok.shape)[ok]
    back = -d / norm[:, None] * length[:, None]
    c, s = math.cos(math.radians(SPREAD_DEG)), math.sin(math.radians(SPREAD_DEG))
    left = np.stack([c * back[:, 0] - s * back[:, 1], s * back[:, 0] + c * back[:, 1]], 1)
    right = np.stack([c * back[:, 0] + s * back[:, 1], -s * back[:, 0] + c * back[:, 1]], 1)
    out = np.empty((4 * len(tips), 2))
    out[0::4], out[1::4] = tips, tips + left
    out[2::4], out[3::4] = tips, tips + right
    return out


def _arrow_bins(field: dynamics.ArrowField) -> tuple[tuple[np.ndarray, ...], tuple[float, float]]:
    shown = field.display(ARROW_FILL)
    levels = field.levels()
    lo, hi = levels
    ok = np.isfinite(field.speed) & np.isfinite(shown).all(axis=1) & (np.hypot(*shown.T) > 0)
    t = np.clip((field.speed - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros_like(field.speed)
    which = np.minimum((np.nan_to_num(t) * SPEED_BINS).astype(int), SPEED_BINS - 1)
    bins = []
    for k in range(SPEED_BINS):
        pick = ok & (which == k)
        centre, d = field.positions[pick], shown[pick]
        start, tip = centre - d / 2, centre + d / 2
        shafts = np.empty((2 * len(centre), 2))
        shafts[0::2], shafts[1::2] = start, tip
        barbs = heads(tip, d, HEAD * np.hypot(d[:, 0], d[:, 1]))
        bins.append(np.concatenate([shafts, barbs]) if len(centre) else np.empty((0, 2)))
    return tuple(bins), levels


def _stream_heads(lines: dynamics.Streamlines, cell: float) -> np.ndarray:
    pos, dirs = lines.arrows()
    if not len(pos):
        return np.empty((0, 2))
    return heads(pos + dirs * (0.5 * STREAM_HEAD_CELLS * cell), dirs, STREAM_HEAD_CELLS * cell)


def eigen_segments(equilibria: EquilibriumSet, length: float) -> dict[str, np.ndarray]:
    """Each equilibrium's real eigenvector directions as pairs, by the sign of the eigenvalue."""
    parts: dict[str, list[np.ndarray]] = {"stable": [], "unstable": [], "zero": []}
    for eq in equilibria:
        p = np.asarray(eq.point, dtype=float)
        s = eq.linear.jacobian
        scale = max(float(np.sqrt((s * s).sum())), 1e-300)
        for lam, v in eq.linear.eigenvectors:
            v = np.asarray(v, dtype=float)
            a, b = p - length * v, p + length * v
            line = np.array([a, b])
            if abs(lam) <= 1e-9 * scale:
                parts["zero"].append(line)
            elif lam < 0:  # trajectories come in along v: heads halfway, pointing at p
                mid = np.array([p - 0.5 * length * v, p + 0.5 * length * v])
                parts["stable"] += [line, heads(mid, np.array([v, -v]), 0.3 * length)]
            else:  # and leave along it: heads at the ends, pointing away
                parts["unstable"] += [line, heads(np.array([b, a]), np.array([v, -v]), 0.3 * length)]
    return {k: np.concatenate(v) if v else np.empty((0, 2)) for k, v in parts.items()}


def phase_portrait(numeric, rect, params: dict[str, float]) -> Portrait:
    """Arrows, streamlines, equilibria and eigen directions of F over ``rect`` (the worker's job).

    The view's aspect is locked (a data unit is as long in x as in y on screen), so the
    core's grids, which follow the rectangle's aspect in data units, are square on screen.
    """
    from jacviz.core.lab import dynamics

    start = time.perf_counter()
    rect = tuple(float(v) for v in rect)
    x0, x1, y0, y1 = rect
    field = dynamics.arrow_field(numeric, rect, params)
    arrows, levels = _arrow_bins(field)
    lines = dynamics.streamlines(numeric, rect, params)
    xs, ys = lines.polyline()
    cell = max(x1 - x0, y1 - y0) / dynamics.STREAMLINE_CELLS
    equilibria = dynamics.find_equilibria(numeric, rect, params)
    eigen = eigen_segments(equilibria, EIGEN_LENGTH * max(x1 - x0, y1 - y0))
    return Portrait(rect, tuple(sorted(params.items())), arrows, levels, np.stack([xs, ys], 1),
                    _stream_heads(lines, cell), equilibria, eigen, time.perf_counter() - start)


def trajectories(numeric, starts, rect, params: dict[str, float]) -> tuple[Trajectory, ...]:
    """The trajectory through each starting point, forward and backward (``solve_ivp``)."""
    from jacviz.core.lab import dynamics

    return tuple(dynamics.trajectory(numeric, p, rect, params) for p in starts)
