"""What the two views draw for one mapping, one visible rectangle and one set of parameters.

:func:`sample_scene` samples a numeric mapping over the visible rectangle: the det J field,
the grid and its image, the critical curve and its image. It is a plain function of its
inputs, so the window can run it on a worker thread and throw away a result that a newer
request has overtaken.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from jacviz.core.numeric.protocol import NumericMapping
from jacviz.core.sampling.contours import critical_curve, map_segments
from jacviz.core.sampling.fields import det_field
from jacviz.core.sampling.geometry import Rect
from jacviz.core.sampling.grid import GridLines, sample_grid
from jacviz.core.sampling.heatmap import (
    HEATMAP_LABELS,
    HEATMAP_NAMES,
    NETWORK_MODES,
    HeatmapScale,
    auto_scale,
)
from jacviz.core.sampling.limits import robust_level, robust_limits


@dataclass(frozen=True)
class Quality:
    """How finely the views are sampled. The defaults are what the benchmark measures."""

    heatmap: int = 512  # det J samples per side of the visible domain
    lines: int = 41  # grid lines per family, at least
    samples: int = 400  # samples along each grid line

@dataclass(frozen=True)
class Scene:
    """Everything the two views draw, for one rectangle of the domain."""

    rect: Rect  # what was sampled: the visible domain and a margin around it
    visible: Rect  # the visible domain when it was sampled
    samples: int  # det J samples per side of ``rect``
    det: np.ndarray  # (samples, samples) float32 or float64 (sampling_dtype), row = y, column = x
    level: float  # symmetric colour level for det
    grid: GridLines
    critical: np.ndarray  # (2K, 2) segment endpoint pairs in the domain
    critical_image: np.ndarray  # their images
    image_limits: tuple[tuple[float, float], tuple[float, float]]
    seconds: float = 0.0
    fields: Mapping[str, np.ndarray] = field(default_factory=dict)  # extra heatmap fields by mode
    field_keys: tuple = ()  # what each extra field was computed for (see FieldRequest.key)
    # the "auto" mode's scale of ``det``, worked out where the scene is sampled (a worker
    # thread): its percentiles cost ~1.5 ms that the GUI thread would otherwise spend
    auto: HeatmapScale | None = None

    def covers(self, visible: Rect, quality: Quality) -> bool:
        """True if ``visible`` lies inside the sampled rectangle at full resolution.

        Then a pan needs no new samples: the heatmap still has at least ``quality.heatmap``
        samples across the visible width, and the grid keeps its spacing.
        """
        x0, x1, y0, y1 = self.rect
        v0, v1, w0, w1 = visible
        inside = x0 <= v0 and v1 <= x1 and y0 <= w0 and w1 <= y1
        dx = (x1 - x0) / self.samples
        fine_enough = dx <= (v1 - v0) / quality.heatmap * 1.001
        same_zoom = abs((v1 - v0) - (self.visible[1] - self.visible[0])) <= 1e-9 * max(v1 - v0, 1e-300)
        return inside and fine_enough and same_zoom


def _central(field_: np.ndarray, n: int) -> np.ndarray:
    """The middle n×n block of a field sampled with a margin: the visible part.

    The colour scale is set by what is on screen, not by the margin kept for panning.
    """
    total = field_.shape[0]
    start = max((total - n) // 2, 0)
    return field_[start:start + n, start:start + n]


def _inside(points: np.ndarray, rect: Rect) -> np.ndarray:
    v0, v1, w0, w1 = rect
    with np.errstate(invalid="ignore"):
        return (points[:, 0] >= v0) & (points[:, 0] <= v1) & (points[:, 1] >= w0) & (points[:, 1] <= w1)


def visible_images(scene: Scene, visible: Rect) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The images of the grid lines and of the critical curve, for the visible domain only.

    A scene is sampled with a margin around the view; the codomain shows the image of what
    is on screen on the left, so samples outside ``visible`` become breaks (NaN) in the
    grid's images, and critical segments with an end outside are left out.
    """
    g = scene.grid
    vertical = np.where(_inside(g.vertical, visible)[:, None], g.vertical_image, np.nan)
    horizontal = np.where(_inside(g.horizontal, visible)[:, None], g.horizontal_image, np.nan)
    critical = scene.critical_image
    if critical.size:
        keep = _inside(scene.critical, visible).reshape(-1, 2).all(axis=1)
        pairs = critical.reshape(-1, 2, 2)
        keep &= np.isfinite(pairs).all(axis=(1, 2))
        critical = pairs[keep].reshape(-1, 2)
    return vertical, horizontal, critical


def image_limits(vertical: np.ndarray, horizontal: np.ndarray):
    """Robust limits of the images of the visible grid (see :func:`visible_images`)."""
    img = np.concatenate([vertical, horizontal])
    return robust_limits(img[:, 0], img[:, 1])


def _visible_limits(grid: GridLines, visible: Rect):
    """Robust limits of the image of the visible part of the grid."""
    img = np.concatenate([grid.vertical_image[_inside(grid.vertical, visible)],
                          grid.horizontal_image[_inside(grid.horizontal, visible)]])
    if img.size == 0:
        img = np.concatenate([grid.vertical_image, grid.horizontal_image])
    return robust_limits(img[:, 0], img[:, 1])


def heatmap_scale(scene: Scene, mode: str) -> HeatmapScale:
    """The image, its colour levels and its caption for a heatmap mode (see HEATMAP_MODES).

    A categorical field (``FieldRequest.rgba``, the Newton basins) is an (n, n, 4) uint8
    image with its own colours: its levels are None (kind "categories"), and it is drawn
    without a colour map.
    """
    det, level = scene.det, scene.level
    if mode in scene.fields and mode in NETWORK_MODES:
        return _network_scale(scene, mode)
    if mode in scene.fields:
        values = scene.fields[mode]
        if values.ndim == 3:
            return HeatmapScale(values, None, CATEGORY_TITLES.get(mode, HEATMAP_NAMES.get(mode, mode)),
                                SCALE_NOTES.get(mode, ""), "categories")
        title = f"{HEATMAP_NAMES.get(mode, mode)} · linear scale"
        return HeatmapScale(values, (0.0, robust_level(values)), title, SCALE_NOTES.get(mode, ""), "field")
    if mode == "auto":
        return scene.auto if scene.auto is not None else auto_scale(det, level)
    if mode not in ("det", "log", "sign"):
        empty = np.full((2, 2), np.nan, dtype=np.float32)  # not computed (yet)
        return HeatmapScale(empty, (0.0, 1.0), HEATMAP_LABELS.get(mode, mode), "", "field")
    with np.errstate(all="ignore"):
        if mode == "log":
            img = np.log10(np.abs(det))
            img[~np.isfinite(img)] = np.nan
            finite = img[np.isfinite(img)]
            m = float(np.percentile(np.abs(finite), 98)) if finite.size else 1.0
            m = max(m, 0.5)
            return HeatmapScale(img.astype(np.float32, copy=False), (-m, m), "log₁₀|det J| · log scale",
                                SCALE_NOTES["log"], "log")
        if mode == "sign":
            return HeatmapScale(np.sign(det).astype(np.float32, copy=False), (-1.0, 1.0), "sign of det J",
                                SCALE_NOTES["sign"], "sign")
    return HeatmapScale(det, (-level, level), "det J · linear scale", SCALE_NOTES["det"])


def _network_scale(scene: Scene, mode: str) -> HeatmapScale:
    """A network's fields: its classes (categorical, one colour per class) or one output."""
    values = scene.fields[mode]
    key = next((k for k in scene.field_keys if k and k[0] == mode), ())
    if mode == "classes":
        finite = values[np.isfinite(values)]
        k = int(key[2]) if len(key) > 2 else int(finite.max()) + 1 if finite.size else 2
        return HeatmapScale(values, (-0.5, k - 0.5), "class of the largest output",
                            SCALE_NOTES["classes"], "categorical")
    index = int(key[2]) if len(key) > 2 else 0
    m = robust_level(values)
    m = m if np.isfinite(m) and m > 0 else 1.0
    return HeatmapScale(values, (-m, m), f"output {index} · linear scale", SCALE_NOTES["output"])


def heatmap_values(scene: Scene, mode: str) -> tuple[np.ndarray, tuple[float, float] | None]:
    """The image and its colour levels for a heatmap mode (see :func:`heatmap_scale`)."""
    scale = heatmap_scale(scene, mode)
    return scale.values, scale.levels


SCALE_NOTES = {
    "det": "0: F folds, area is crushed · above: orientation kept · below: reversed",
    "log": "0: area kept (|det J| = 1) · above: area grows · below: it shrinks",
    "sign": "0: F folds · +1: orientation kept · −1: reversed",
    "linerr": "0: J(p) predicts F exactly · larger: the linear picture fails",
    "classes": "each colour is the class whose output is largest there; edges: decision boundaries",
    "output": "0: the output changes sign (for one logit, the decision boundary)",
    "basins": "one colour per root · darker: more steps · grey: Newton does not converge",
}
CATEGORY_TITLES = {"basins": "Newton basins · the root reached"}  # categorical fields have no scale


DEFAULT_QUALITY = Quality()


def expand(rect: Rect, margin: float) -> Rect:
    """``rect`` grown by ``margin`` times its width and height on every side."""
    x0, x1, y0, y1 = rect
    dx, dy = margin * (x1 - x0), margin * (y1 - y0)
    return (x0 - dx, x1 + dx, y0 - dy, y1 + dy)


@dataclass(frozen=True)
class FieldRequest:
    """An extra heatmap field to sample with the scene: a tool's own heatmap mode.

    ``compute(numeric, rect, n, params)`` returns an (n, n) field laid out as det J's;
    ``key`` says what it depends on besides the mapping (e.g. ("linerr", h)), so a scene can
    tell whether its field is still current; ``resolution`` scales n (a costly field can
    be sampled more coarsely). With ``rgba``, ``compute`` returns an (n, n, 4) uint8
    image of categorical colours instead (the Newton basins: one colour per root), kept
    as it is and drawn without a colour map.
    """

    mode: str
    compute: Callable
    key: tuple
    resolution: float = 1.0
    rgba: bool = False


def sample_scene(compiled: NumericMapping, rect: Rect, quality: Quality = DEFAULT_QUALITY,
                 params=None, *, fields: tuple[FieldRequest, ...] = (), margin: float = 0.0) -> Scene:
    """Sample det J, the grid and the critical curve over ``rect`` (the visible domain).

    With ``margin``, the samples extend that fraction of the width and height beyond every
    side, at the same density, so that the view can pan that far before it needs new
    samples; :meth:`Scene.covers` says when it does. The codomain's limits are those of the
    image of ``rect`` itself. ``fields`` are extra heatmap fields to sample with it.
    """
    start = time.perf_counter()
    visible = tuple(float(v) for v in rect)
    rect = expand(visible, margin) if margin > 0 else visible
    n = round(quality.heatmap * (1 + 2 * margin))
    field_ = det_field(compiled, rect, n, params, dtype=None)  # float32 unless it would lose (sampling_dtype)
    # the grid in float64, except for a float32 mapping (a network) where its det J field
    # was found safe in float32: then float64 adds nothing the mapping knows
    single = np.dtype(getattr(compiled, "precision", np.float64)) == np.float32 and field_.dtype == np.float32
    grid = sample_grid(compiled, rect, quality, params, visible=visible,
                       dtype=np.float32 if single else np.float64)
    critical = critical_curve(compiled, field_, rect, params)
    critical_image = map_segments(compiled, critical, params)
    limits = _visible_limits(grid, visible)
    extra = {
        request.mode: np.asarray(
            request.compute(compiled, rect, max(round(n * request.resolution), 16), params),
            dtype=np.uint8 if request.rgba else np.float32,
        )
        for request in fields
    }
    level = robust_level(_central(field_, quality.heatmap))
    return Scene(
        rect=rect,
        visible=visible,
        samples=n,
        det=field_,
        level=level,
        auto=auto_scale(field_, level),
        grid=grid,
        critical=critical,
        critical_image=critical_image,
        image_limits=limits,
        seconds=time.perf_counter() - start,
        fields=extra,
        field_keys=tuple(request.key for request in fields),
    )
