"""Pixels of a figure whose colour the mathematics fixes, to check any rendering of it.

A test renders a figure with some program (Qt, librsvg, cairosvg, Chromium, poppler) and
looks at a few pixels rather than at a golden image: the heatmap between grid lines must
have the colour the map gives det J there (warm where det J > 0, cool where it is < 0), the
critical curve and its image must be dark, the lens must show its own background in its
corners. :func:`probes` lists such pixels for one laid-out figure, away from everything
drawn over them (grid lines, the cursor's overlay, pins, labels).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from jacviz.core.figure.colormaps import heatmap_colormap
from jacviz.core.figure.geometry import chain_pairs, clean_runs, text_width
from jacviz.core.figure.primitives import Box, Figure, Text
from jacviz.core.figure.spec import FigureSpec
from jacviz.core.figure.theme import THEME_BY_NAME
from jacviz.core.pipeline.scene import heatmap_values, visible_images


@dataclass(frozen=True)
class Probe:
    """A pixel (column, row) and what must be seen there.

    ``kind``: "heatmap" (``rgb`` is the map's colour for ``value``, det J there, or for
    the Newton basins the colour of the root reached there),
    "critical" or "critical_image" (dark: the curve in the theme's colour), "lens" (the
    lens's background).
    """

    column: int
    row: int
    kind: str
    rgb: tuple[int, int, int]
    value: float = math.nan


def _field_at(field: np.ndarray, rect, x: float, y: float) -> tuple[float, float]:
    """Bilinear value of a cell-centred field at (x, y), and the spread of its 4 samples."""
    rows, cols = field.shape
    x0, x1, y0, y1 = rect
    fx = (x - x0) / (x1 - x0) * cols - 0.5
    fy = (y - y0) / (y1 - y0) * rows - 0.5
    j, i = math.floor(fx), math.floor(fy)
    if not (0 <= j < cols - 1 and 0 <= i < rows - 1):
        return math.nan, math.inf
    tx, ty = fx - j, fy - i
    q = field[i:i + 2, j:j + 2].astype(float)
    value = ((q[0, 0] * (1 - tx) + q[0, 1] * tx) * (1 - ty)
             + (q[1, 0] * (1 - tx) + q[1, 1] * tx) * ty)
    return float(value), float(np.ptp(q)) if np.isfinite(q).all() else math.inf


def _colour_at(image: np.ndarray, rect, x: float, y: float) -> tuple[int, int, int] | None:
    """The colour of a categorical RGBA field (the Newton basins) at (x, y), or None where the
    cell and its 8 neighbours differ (an edge, where the renderers' smoothing may disagree)."""
    rows, cols = image.shape[:2]
    x0, x1, y0, y1 = rect
    j = math.floor((x - x0) / (x1 - x0) * cols)
    i = math.floor((y - y0) / (y1 - y0) * rows)
    if not (1 <= j < cols - 1 and 1 <= i < rows - 1):
        return None
    block = image[i - 1:i + 2, j - 1:j + 2].reshape(-1, 4).astype(int)
    if (block[:, 3] < 255).any() or np.ptp(block[:, :3], axis=0).max() > 16:
        return None
    return tuple(int(c) for c in image[i, j, :3])  # type: ignore[return-value]


def _away(px: float, py: float, keep_out: list[tuple[float, float, float]]) -> bool:
    return all(math.hypot(px - cx, py - cy) > r for cx, cy, r in keep_out)


def _grid_midpoints(coords: np.ndarray, axis: int) -> np.ndarray:
    values = np.unique(np.round(coords[np.isfinite(coords).all(axis=1)][:, axis], 12))
    return (values[:-1] + values[1:]) / 2 if len(values) > 1 else values


def probes(spec: FigureSpec, fig: Figure, *, max_per_kind: int = 24) -> list[Probe]:
    """Pixels of ``fig`` (laid out from ``spec``) with a colour fixed by the mathematics."""
    theme = THEME_BY_NAME[spec.options.theme]
    out: list[Probe] = []
    lin = spec.linearization
    scale = max(fig.width / 1280, 0.35)
    domain = fig.frames.get("domain")
    if domain is not None:
        keep_out = []
        if lin is not None and np.isfinite(lin.point).all():
            cx, cy = domain.point(*lin.point)
            r_px = lin.h * domain.box.w / (domain.rect[1] - domain.rect[0])
            keep_out.append((cx, cy, r_px * 1.6 + 12 * scale))
        keep_out += [(*domain.point(x, y), 12 * scale) for x, y in spec.pins]
        crit = _drawn(domain, spec.scene.critical, step=3.0)
        crit_px = np.concatenate(crit) if crit else np.empty((0, 2))
        img, levels = heatmap_values(spec.scene, spec.mode)
        rgba_field = levels is None  # categorical colours (the Newton basins): the colour is the pixel's
        if spec.levels is not None and not rgba_field:
            levels = spec.levels
        cmap = heatmap_colormap(spec.mode, spec.options.colormap)
        xs = _grid_midpoints(spec.scene.grid.vertical, 0)
        ys = _grid_midpoints(spec.scene.grid.horizontal, 1)
        found = []
        for x in xs[:: max(len(xs) // 9, 1)]:
            for y in ys[:: max(len(ys) // 7, 1)]:
                px, py = domain.point(float(x), float(y))
                col, row = math.floor(px), math.floor(py)
                if not domain.box.grown(-4 * scale).contains(col + 0.5, row + 0.5):
                    continue
                if not _away(px, py, keep_out):
                    continue
                if crit_px.size and np.hypot(*(crit_px - (px, py)).T).min() < 8 * scale:
                    continue
                at = domain.to_data(col + 0.5, row + 0.5)
                if rgba_field:
                    colour = _colour_at(np.asarray(img), spec.scene.rect, *at)
                    if colour is not None:
                        found.append(Probe(col, row, "heatmap", colour))
                    continue
                value, spread = _field_at(np.asarray(img), spec.scene.rect, *at)
                rgb_corners = cmap.rgba(np.array([value - spread, value + spread]), levels)[:, :3].astype(int)
                if not math.isfinite(value) or np.abs(np.diff(rgb_corners, axis=0)).max() > 16:
                    continue  # undefined, or too steep for the renderers' smoothing to agree
                found.append(Probe(col, row, "heatmap", cmap.color_at(value, levels), value))
        out += _spread(found, max_per_kind)
        found = []
        for px, py in crit_px[:: max(len(crit_px) // (4 * max_per_kind), 1)]:
            if domain.box.grown(-8 * scale).contains(px, py) and _away(px, py, keep_out):
                found.append(Probe(math.floor(px), math.floor(py), "critical", theme.critical_domain))
        out += _spread(found, max_per_kind)
    codomain = fig.frames.get("codomain")
    if codomain is not None:
        keep_out = [(*codomain.point(u, v), 12 * scale) for u, v in spec.pin_images
                    if math.isfinite(u) and math.isfinite(v)]
        if lin is not None and np.isfinite(lin.value).all():
            pts = np.concatenate([lin.true_image, lin.linear_image, [lin.value]])
            pts = codomain.to_px(pts[np.isfinite(pts).all(axis=1)])
            centre = pts.mean(axis=0)
            keep_out.append((centre[0], centre[1], float(np.hypot(*(pts - centre).T).max()) + 30 * scale))
        lens_box = fig.regions.get("lens_box")
        _v, _h, critical = visible_images(spec.scene, spec.domain_rect)
        found = []
        for run in _drawn(codomain, critical):
            for px, py in run:
                if not (codomain.box.grown(-8 * scale).contains(px, py) and _away(px, py, keep_out)):
                    continue
                if lens_box is not None and lens_box.grown(8 * scale).contains(px, py):
                    continue
                found.append(Probe(math.floor(px), math.floor(py), "critical_image", theme.critical_image))
        out += _spread(found, max_per_kind)
    lens = fig.frames.get("lens")
    if lens is not None:
        # the corners of the lens's square: its curves stay within 1 of the 1.3 units to the
        # edge, but a label may reach a corner
        b = lens.box
        inset = 4 * scale
        boxes = [_text_box(t) for t in fig.items if isinstance(t, Text) and b.grown(4).contains(t.x, t.y)]
        for px, py in ((b.x + inset, b.y + inset), (b.right - inset, b.y + inset),
                       (b.x + inset, b.bottom - inset), (b.right - inset, b.bottom - inset)):
            if not any(box.grown(2 * scale).contains(px, py) for box in boxes):
                out.append(Probe(math.floor(px), math.floor(py), "lens", theme.lens_background))
    return out


def _text_box(t: Text) -> Box:
    """Where a line of text may put ink (from its measured width, generous)."""
    w = text_width(t.text, t.size, t.mono, t.bold) * 1.1
    x = {"start": t.x, "middle": t.x - w / 2, "end": t.x - w}[t.anchor]
    return Box(x, t.y - 1.0 * t.size, w, 1.3 * t.size)


def _drawn(frame, pairs, step: float = 9.0) -> list[np.ndarray]:
    """Points every ``step`` pixels along the curve through these segment pairs, as drawn
    (chained, in pixels), leaving out the ends of each stretch and stretches too short."""
    out = []
    for run in clean_runs([frame.to_px(c) for c in chain_pairs(pairs)], frame.box):
        arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(run, axis=0).T))])
        if arc[-1] <= 3 * step:
            continue
        at = np.arange(step, arc[-1] - step, step)
        out.append(np.stack([np.interp(at, arc, run[:, 0]), np.interp(at, arc, run[:, 1])], axis=1))
    return out


def _spread(found: list[Probe], count: int) -> list[Probe]:
    """At most ``count`` probes, evenly through the list (so all over the figure)."""
    if len(found) <= count:
        return found
    idx = np.linspace(0, len(found) - 1, count).round().astype(int)
    return [found[i] for i in idx]
