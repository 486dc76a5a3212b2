"""Turning sampled curves into clean polylines in pixels, and the numbers axes need.

Sampled curves come with NaN breaks (poles, the edge of the visible domain) and, near a pole,
with points millions of pixels away. What is handed to a writer must be clean everywhere:
runs split at the breaks, cut where they leave the plot (so no renderer sees a coordinate of
1e12), simplified to what a pixel can show, with no single points or repeated points left
(they are the degenerate ``M x,y Z`` segments other renderers draw as blobs).

Written here rather than taken from a library: the clipping and the simplification are a few
lines of numpy each, and the one geometry library that does both (shapely) would be a large
dependency for them.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from jacviz.core.figure.primitives import Box


def split_runs(points: np.ndarray) -> list[np.ndarray]:
    """The finite stretches of a polyline with NaN breaks, each of at least two points."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if len(pts) < 2:
        return []
    finite = np.isfinite(pts).all(axis=1)
    if finite.all():
        return [pts]
    edges = np.flatnonzero(np.diff(np.concatenate([[False], finite, [False]]).astype(np.int8)))
    starts, stops = edges[0::2], edges[1::2]
    return [pts[a:b] for a, b in zip(starts, stops, strict=True) if b - a >= 2]


def clip_run(run: np.ndarray, box: Box) -> list[np.ndarray]:
    """A finite polyline cut to ``box`` (Liang–Barsky on every segment at once).

    Segments crossing the box keep the part inside; the pieces between exits and entries
    become separate runs.
    """
    inside = ((run[:, 0] >= box.x) & (run[:, 0] <= box.right) & (run[:, 1] >= box.y)
              & (run[:, 1] <= box.bottom))
    if inside.all():
        return [run]  # the common case, at a tenth of the cost
    a, b = run[:-1], run[1:]
    d = b - a
    t0 = np.zeros(len(a))
    t1 = np.ones(len(a))
    keep = np.ones(len(a), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-d[:, 0], a[:, 0] - box.x), (d[:, 0], box.right - a[:, 0]),
                     (-d[:, 1], a[:, 1] - box.y), (d[:, 1], box.bottom - a[:, 1])):
            parallel = p == 0
            keep &= ~(parallel & (q < 0))
            r = q / p
            entering = p < 0
            leaving = p > 0
            t0 = np.where(entering, np.maximum(t0, r), t0)
            t1 = np.where(leaving, np.minimum(t1, r), t1)
    keep &= t0 <= t1
    if not keep.any():
        return []
    pa = a + t0[:, None] * d
    pb = a + t1[:, None] * d
    idx = np.flatnonzero(keep)
    # a kept segment continues the previous one when both are whole where they meet
    joined = np.zeros(len(idx), dtype=bool)
    if len(idx) > 1:
        joined[1:] = (idx[1:] == idx[:-1] + 1) & (t1[idx[:-1]] == 1.0) & (t0[idx[1:]] == 0.0)
    out = []
    starts = np.flatnonzero(~joined)
    bounds = np.append(starts, len(idx))
    for s, e in itertools.pairwise(bounds):
        seg = idx[s:e]
        out.append(np.concatenate([pa[seg[:1]], pb[seg]]))
    return out


def dedupe(run: np.ndarray, eps: float) -> np.ndarray:
    """Drop points closer than ``eps`` to the one before (what rounding would make equal)."""
    if len(run) < 2:
        return run
    step = np.hypot(*np.diff(run, axis=0).T)
    keep = np.concatenate([[True], step >= eps])
    out = run[keep]
    if len(out) >= 2 and not keep[-1]:
        out[-1] = run[-1]  # keep the true end point
    return out


def simplify_runs(runs: list[np.ndarray], tolerance: float) -> list[np.ndarray]:
    """Many polylines simplified at once, every original point within ``tolerance`` of the result.

    Greedy decimation in passes over all runs together (Ramer–Douglas–Peucker, one
    Python recursion per kept point, was most of a figure's layout time): a point is dropped when
    every original point between its kept neighbours lies within ``tolerance`` of the chord
    joining them; candidates alternate between odd and even kept positions, so the chords
    checked in one pass never overlap. The ends of every run stay.
    """
    runs = [r for r in runs if len(r) >= 2]
    if not runs:
        return []
    pts = np.concatenate(runs)
    lengths = np.array([len(r) for r in runs])
    ends = np.cumsum(lengths)
    starts = ends - lengths
    fixed = np.zeros(len(pts), dtype=bool)
    fixed[starts] = True
    fixed[ends - 1] = True
    keep = np.ones(len(pts), dtype=bool)
    parity, idle = 1, 0
    while idle < 2:
        kept = np.flatnonzero(keep)
        j = np.arange(parity, len(kept) - 1, 2)
        j = j[(j > 0) & ~fixed[kept[j]]]
        removed = False
        if j.size:
            a, b = kept[j - 1], kept[j + 1]
            counts = b - a - 1  # original points strictly between the neighbours (>= 1)
            first = np.concatenate([[0], np.cumsum(counts)[:-1]])
            owner = np.repeat(np.arange(j.size), counts)
            t = a[owner] + 1 + (np.arange(counts.sum()) - first[owner])
            pa, pb, q = pts[a[owner]], pts[b[owner]], pts[t]
            ab = pb - pa
            length = np.hypot(ab[:, 0], ab[:, 1])
            cross = np.abs(ab[:, 0] * (q[:, 1] - pa[:, 1]) - ab[:, 1] * (q[:, 0] - pa[:, 0]))
            with np.errstate(divide="ignore", invalid="ignore"):
                dist = np.where(length > 0, cross / length, np.hypot(q[:, 0] - pa[:, 0], q[:, 1] - pa[:, 1]))
            worst = np.maximum.reduceat(dist, first)
            drop = worst <= tolerance
            if drop.any():
                keep[kept[j[drop]]] = False
                removed = True
        idle = 0 if removed else idle + 1
        parity ^= 1
    return [pts[s:e][keep[s:e]] for s, e in zip(starts, ends, strict=True)]


def clean_runs(runs, box: Box, tolerance: float = 0.08) -> tuple[np.ndarray, ...]:
    """Clip to ``box``, simplify, and keep only runs that still have a length."""
    pieces = [piece for run in runs for piece in clip_run(run, box)]
    out = []
    for piece in simplify_runs(pieces, tolerance):
        piece = dedupe(piece, 0.02)
        if len(piece) >= 2:
            out.append(piece)
    return tuple(out)


def pixel_runs(points_px: np.ndarray, box: Box, tolerance: float = 0.08) -> tuple[np.ndarray, ...]:
    """A polyline in pixels with NaN breaks -> clean runs inside ``box``."""
    return clean_runs(split_runs(points_px), box, tolerance)


def chain_pairs(pairs: np.ndarray) -> list[np.ndarray]:
    """Segments given as (2K, 2) endpoint pairs, joined into polylines where they meet.

    Marching squares computes the point on an edge shared by two cells once per cell, by the
    same arithmetic, so neighbouring segments meet at exactly equal coordinates.
    """
    p = np.asarray(pairs, dtype=float).reshape(-1, 2, 2)
    if len(p) == 0:
        return []
    p = p[np.isfinite(p).all(axis=(1, 2))]
    ends: dict[tuple[float, float], list[int]] = {}
    keys = [(tuple(s[0]), tuple(s[1])) for s in p.tolist()]
    for k, (a, b) in enumerate(keys):
        ends.setdefault(a, []).append(k)
        ends.setdefault(b, []).append(k)
    used = [False] * len(keys)
    chains = []

    def walk(point, chain):
        while True:
            nxt = next((k for k in ends.get(point, ()) if not used[k]), None)
            if nxt is None:
                return
            used[nxt] = True
            a, b = keys[nxt]
            point = b if a == point else a
            chain.append(point)

    for k, (a, b) in enumerate(keys):
        if used[k]:
            continue
        used[k] = True
        forward = [a, b]
        walk(b, forward)
        backward = [a]
        walk(a, backward)
        chain = backward[::-1] + forward[1:]
        chains.append(np.array(chain, dtype=float))
    return chains


def arrow(origin, vector, head: float = 0.22, spread_deg: float = 24.0) -> list[np.ndarray]:
    """An arrow from ``origin`` along ``vector``: its shaft and its head as two polylines."""
    o = np.asarray(origin, dtype=float)
    v = np.asarray(vector, dtype=float)
    length = float(np.hypot(*v)) if np.isfinite(v).all() and np.isfinite(o).all() else 0.0
    if length == 0:
        return []
    tip = o + v
    back = -v * head
    c, s = math.cos(math.radians(spread_deg)), math.sin(math.radians(spread_deg))
    left = np.array([c * back[0] - s * back[1], s * back[0] + c * back[1]])
    right = np.array([c * back[0] + s * back[1], -s * back[0] + c * back[1]])
    return [np.array([o, tip]), np.array([tip + left, tip, tip + right])]


def nice_ticks(lo: float, hi: float, length_px: float, spacing_px: float) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten) about ``spacing_px`` apart.

    The spacing is a target, not a floor: a step up to 30 % denser is taken rather than
    the next round step, which can be 2.5 times sparser (one tick instead of three).
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or length_px <= 0:
        return []
    wanted = max(length_px / max(spacing_px, 1.0), 1.0)
    raw = hi / wanted - lo / wanted  # divided first: hi − lo overflows for levels of ±1e308
    if not (math.isfinite(raw) and raw > 0):
        return []
    power = 10.0 ** math.floor(math.log10(raw))
    if not math.isfinite(power) or power == 0:
        return []
    step = next((m * power for m in (1, 2, 5, 10) if m * power >= 0.7 * raw), 10 * power)
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    ticks = [k * step for k in range(first, last + 1)]
    return [0.0 if abs(t) < step * 1e-9 else t for t in ticks]


def tick_label(value: float, ticks: list[float]) -> str:
    """A tick's label with as many decimals as its neighbours need, and a true minus sign."""
    if len(ticks) >= 2:
        step = abs(ticks[1] - ticks[0])
    else:
        step = abs(value) or 1.0
    magnitude = max(abs(t) for t in ticks) if ticks else abs(value)
    if magnitude >= 1e5 or (0 < magnitude < 1e-3):
        text = f"{value:.2g}" if value != 0 else "0"
    else:
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        text = f"{value:.{decimals}f}"
    return text.replace("-", "−")


# Advance widths of DejaVu Sans and DejaVu Sans Bold for the printable ASCII characters
# (32 to 126) in font units of 1/2048 em, read from the fonts (DejaVu fonts licence: free to
# use and redistribute). They are for layout only (where a column starts, where a line
# wraps); the renderers measure the real font when they draw.
_SANS = (
    651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577,
    1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401,
    2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298,
    569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075,
    1303, 690, 1303, 1716,
)
_BOLD = (
    713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425, 1425,
    1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048, 1585, 1561, 1503, 1700,
    1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585,
    2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458,
    702, 702, 1362, 702, 2134, 1458, 1407, 1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192,
    1458, 748, 1458, 1716,
)
# the mathematics jacviz writes beyond ASCII (subscripts, signs, arrows); others count 0.7 em
_EXTRA = {"σ": 1298, "₀": 821, "₁": 821, "₂": 821, "−": 1716, "×": 1716, "±": 1716, "‖": 1024, "∂": 1059,
          "→": 1716, "↦": 1716, "·": 651, "∞": 1706, "≈": 1716, "—": 2048, "θ": 1253}


def text_width(text: str, size: float, mono: bool = False, bold: bool = False) -> float:
    """The width of ``text`` in pixels, in DejaVu Sans (Mono) at ``size`` pixels."""
    if mono:
        return 0.602 * size * len(text)
    table = _BOLD if bold else _SANS
    units = 0
    for ch in text:
        code = ord(ch)
        if 32 <= code <= 126:
            units += table[code - 32]
        else:
            units += _EXTRA.get(ch, 1434) * (1.1 if bold else 1.0)
    return units / 2048 * size


def wrap(text: str, size: float, width: float, mono: bool = False, bold: bool = False) -> list[str]:
    """Words of ``text`` in lines no wider than ``width`` (a long word gets a line of its own)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}" if current else word
            if current and text_width(trial, size, mono, bold) > width:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines
