"""From a :class:`FigureSpec` to a :class:`Figure`: where every plot, axis, label and curve goes.

The figure is laid out in its own pixels from data: plot frames with the data's aspect
(circles stay circles, as in the window's locked views), axes with round ticks, the colour
bar with a caption that says which scale is on and what 0 means, the lens inset comparing the
true image of the circle with the ellipse J(p) predicts, and the readout panel. Sizes of
lines and text follow the figure's size (a 4K export is not a window-sized figure with hair
lines) times ``font_scale`` for text.
"""

from __future__ import annotations

import math

import numpy as np

from jacviz.core.figure import glyphs
from jacviz.core.figure.colormaps import scale_colormap
from jacviz.core.figure.geometry import (
    arrow,
    chain_pairs,
    clean_runs,
    nice_ticks,
    pixel_runs,
    text_width,
    tick_label,
    wrap,
)
from jacviz.core.figure.primitives import (
    RGBA,
    Box,
    Figure,
    Gradient,
    Image,
    PlotFrame,
    Polyline,
    Shape,
    Stroke,
    Text,
)
from jacviz.core.figure.spec import VIEWS, FigureSpec
from jacviz.core.figure.theme import (
    DEGENERATE,
    LABEL_BACKGROUND,
    LABEL_TEXT,
    SPEED_COLOURS,
    STABLE,
    THEME_BY_NAME,
    TRAJECTORY,
    UNSTABLE,
    VEIL_ALPHA,
    WHITE,
    Theme,
)
from jacviz.core.pipeline.scene import heatmap_scale, visible_images
from jacviz.core.sampling.framing import fit_aspect

# The size a figure is designed at (scale 1): the window's views at its default size.
REFERENCE = {("both", True): (1280.0, 640.0), ("both", False): (960.0, 520.0),
             ("domain", False): (560.0, 520.0), ("codomain", False): (520.0, 520.0)}
DEFAULT_SIZE = {("both", True): (1600, 750), ("both", False): (1200, 600),
                ("domain", False): (700, 620), ("codomain", False): (640, 620)}
MAX_PIXELS = 16384  # per side
MIN_PIXELS = 16

# The colour bar's caption: the quantity and its scale, then what 0 (and either side) means.
SCALE_TITLES = {"det": "det J · linear scale", "log": "log₁₀|det J| · log scale", "sign": "sign of det J",
                "linerr": "linearization error · linear scale", "classes": "class of the largest output",
                "output": "output · linear scale", "basins": "Newton basins · the root reached"}
SCALE_NOTES = {
    "det": "0: F folds, area is crushed · above: orientation kept · below: reversed",
    "log": "0: area kept (|det J| = 1) · above: area grows · below: it shrinks",
    "sign": "0: F folds · +1: orientation kept · −1: reversed",
    "linerr": "0: J(p) predicts F exactly · larger: the linear picture fails",
    "classes": "each colour is one class",
    "output": "0: the output changes sign",
    "basins": "one colour per root · darker: more steps · grey: Newton does not converge",
}
LENS_EXTENT = 1.3


def _rgba(rgb, alpha: int = 255) -> RGBA:
    return (int(rgb[0]), int(rgb[1]), int(rgb[2]), int(alpha))


def default_size(view: str, readout: bool = True) -> tuple[int, int]:
    return DEFAULT_SIZE[(view, readout and view == "both")]


def _aspect(rect) -> float:
    x0, x1, y0, y1 = rect
    return (x1 - x0) / (y1 - y0)


class _Builder:
    """Collects primitives; knows the scale of lines (``s``) and of text (``fs``)."""

    def __init__(self, figure: Figure, theme: Theme, s: float, fs: float) -> None:
        self.fig = figure
        self.theme = theme
        self.s = s
        self.fs = fs

    def stroke(self, rgb, width: float, alpha: int = 255, dash: tuple[float, ...] = ()) -> Stroke:
        w = width * self.s
        return Stroke(_rgba(rgb, alpha), w, tuple(d * w for d in dash))

    def lines(self, runs, stroke: Stroke, clip: str | None) -> None:
        runs = tuple(runs)
        if runs:
            self.fig.items.append(Polyline(runs, stroke, clip))

    def curve(self, frame: PlotFrame, points, stroke: Stroke, clip: str, *, pairs: bool = False) -> None:
        """Data points (NaN breaks, or endpoint pairs) drawn in ``frame``, cut to its box."""
        pts = np.asarray(points, dtype=float).reshape(-1, 2)
        if pts.size == 0:
            return
        box = frame.box.grown(4 * stroke.width + 4)
        if pairs:
            runs = [frame.to_px(c) for c in chain_pairs(pts)]
            self.lines(clean_runs(runs, box), stroke, clip)
        else:
            self.lines(pixel_runs(frame.to_px(pts), box), stroke, clip)

    def text(self, x, y, text: str, size: float, color=None, **kw) -> None:
        if text:
            colour = _rgba(color if color is not None else self.theme.foreground)
            self.fig.items.append(Text(float(x), float(y), text, size, colour, **kw))

    def frame_border(self, box: Box, rgb, width: float = 1.0) -> None:
        pts = np.array([[box.x, box.y], [box.right, box.y], [box.right, box.bottom],
                        [box.x, box.bottom], [box.x, box.y]])
        self.lines([pts], self.stroke(rgb, width), None)


# ------------------------------------------------------------------------------ axes
def _axes(b: _Builder, frame: PlotFrame, names: tuple[str, str], tick_size: float, name_size: float) -> None:
    """Ticks outside the frame's left and bottom edges, their labels and the axis names."""
    t = b.theme
    box = frame.box
    x0, x1, y0, y1 = frame.rect
    tick = 5 * b.s
    spacing = max(4.5 * tick_size, 50 * b.s)
    xt = nice_ticks(x0, x1, box.w, spacing)
    for _attempt in range(4):  # labels side by side need their width and a gap
        if len(xt) < 2:
            break
        widest = max(text_width(tick_label(v, xt), tick_size) for v in xt)
        if box.w * abs(xt[1] - xt[0]) / (x1 - x0) >= widest + 1.2 * tick_size:
            break
        spacing *= 1.5
        xt = nice_ticks(x0, x1, box.w, spacing)
    yt = nice_ticks(y0, y1, box.h, max(4.0 * tick_size, 45 * b.s))
    runs = []
    for v in xt:
        px, _ = frame.point(v, y0)
        runs.append(np.array([[px, box.bottom], [px, box.bottom + tick]]))
        b.text(px, box.bottom + tick + 1.0 * tick_size, tick_label(v, xt), tick_size, anchor="middle")
    label_w = 0.0
    for v in yt:
        _, py = frame.point(x0, v)
        runs.append(np.array([[box.x - tick, py], [box.x, py]]))
        label = tick_label(v, yt)
        label_w = max(label_w, text_width(label, tick_size))
        b.text(box.x - tick - 0.3 * tick_size, py + 0.36 * tick_size, label, tick_size, anchor="end")
    b.lines(runs, b.stroke(t.foreground, 1.0), None)
    b.frame_border(box, t.frame, 1.0)
    b.text(box.centre[0], box.bottom + tick + 1.15 * tick_size + 1.2 * name_size, names[0], name_size,
           anchor="middle")
    b.text(box.x - tick - 0.3 * tick_size - label_w - 0.45 * name_size, box.centre[1], names[1], name_size,
           anchor="middle", rotation=90.0)


def _axis_room(rect, height: float, tick_size: float, name_size: float, s: float) -> tuple[float, float]:
    """(left, bottom) room an axis needs outside its frame, estimated before the frame is known."""
    _x0, _x1, y0, y1 = rect
    yt = nice_ticks(y0, y1, height, max(4.0 * tick_size, 45 * s))
    labels = [tick_label(v, yt) for v in yt] or ["0"]
    label_w = max(text_width(lab, tick_size) for lab in labels)
    left = 5 * s + 0.3 * tick_size + label_w + 0.45 * name_size + 0.4 * name_size
    bottom = 5 * s + 1.15 * tick_size + 1.2 * name_size + 0.35 * name_size
    return left, bottom


# ------------------------------------------------------------------------------ domain
def _heatmap(b: _Builder, frame: PlotFrame, spec: FigureSpec, clip: str) -> tuple:
    """The heatmap as one image at the sample resolution, cropped to what the frame shows."""
    scale = heatmap_scale(spec.scene, spec.mode)
    img, levels = scale.values, scale.levels
    categories = levels is None  # an RGBA image of categorical colours (the Newton basins), drawn as is
    if spec.levels is not None and not categories:
        levels = (float(spec.levels[0]), float(spec.levels[1]))
    cmap = None if categories else scale_colormap(scale, spec.mode, spec.options.colormap)
    img = np.asarray(img)
    rows, cols = img.shape[:2]
    sx0, sx1, sy0, sy1 = spec.scene.rect
    vx0, vx1, vy0, vy1 = frame.rect
    dx, dy = (sx1 - sx0) / cols, (sy1 - sy0) / rows
    # the cells that meet the frame, and one more on each side, so that the smoothing at
    # the image's own edges falls outside the clip
    j0 = max(math.floor((vx0 - sx0) / dx) - 1, 0)
    j1 = min(math.ceil((vx1 - sx0) / dx) + 1, cols)
    i0 = max(math.floor((vy0 - sy0) / dy) - 1, 0)
    i1 = min(math.ceil((vy1 - sy0) / dy) + 1, rows)
    if j1 - j0 >= 1 and i1 - i0 >= 1:
        crop = img[i0:i1, j0:j1]
        # rows of the field run up, an image's down
        rgba = crop[::-1] if cmap is None else cmap.rgba(crop[::-1], levels)
        left, top = frame.point(sx0 + j0 * dx, sy0 + i1 * dy)
        right, bottom = frame.point(sx0 + j1 * dx, sy0 + i0 * dy)
        box = Box(left, top, right - left, bottom - top)
        b.fig.items.append(Image(box, np.ascontiguousarray(rgba), clip))
    return cmap, levels, scale


def _colorbar(b: _Builder, box: Box, spec: FigureSpec, cmap, levels, tick_size: float,
              name_size: float, scale=None) -> None:
    t = b.theme
    if levels is None:  # categorical colours (the Newton basins): no scale, only the caption
        _caption(b, box.x + 0.8 * name_size, box, spec, name_size, scale)
        return
    lo, hi = levels
    stops = tuple((float(s), tuple(int(c) for c in col))
                  for s, col in zip(cmap.stops, cmap.colors, strict=True))
    b.fig.items.append(Gradient(box, stops, b.stroke(t.frame, 1.0)))
    b.fig.regions["colorbar"] = box
    ticks = _ticks(scale, lo, hi, box.h, max(4.0 * tick_size, 45 * b.s))
    runs = []
    label_w = 0.0
    tick = 4 * b.s
    for v in ticks:
        py = box.bottom - (v - lo) / (hi - lo) * box.h
        runs.append(np.array([[box.right, py], [box.right + tick, py]]))
        logs = scale is not None and scale.kind in ("symlog", "log-one-sided")
        label = _symlog_label(scale, v) if logs else tick_label(v, ticks)
        label_w = max(label_w, text_width(label, tick_size))
        b.text(box.right + tick + 0.3 * tick_size, py + 0.36 * tick_size, label, tick_size)
    b.lines(runs, b.stroke(t.foreground, 1.0), None)
    # the caption, read bottom to top: the scale's name, then what 0 means
    x = box.right + tick + 0.3 * tick_size + label_w + 0.5 * name_size + 0.8 * name_size
    _caption(b, x, box, spec, name_size, scale)


def _caption(b: _Builder, x: float, box: Box, spec: FigureSpec, name_size: float, scale) -> None:
    t = b.theme
    title = scale.title if scale is not None else SCALE_TITLES[spec.mode]
    note = scale.note if scale is not None else SCALE_NOTES[spec.mode]
    b.text(x, box.centre[1], title, name_size, anchor="middle", rotation=90.0)
    note_size = 0.85 * name_size
    for k, line in enumerate(wrap(note, note_size, box.h)):
        b.text(x + 0.4 * name_size + (k + 1) * 1.2 * note_size, box.centre[1], line, note_size, t.muted,
               anchor="middle", rotation=90.0)


def _ticks(scale, lo: float, hi: float, length: float, spacing: float):
    """The colour bar's ticks: one per class for a network's decision regions, else nice numbers."""
    if scale is not None and scale.kind == "categorical":
        return [float(i) for i in range(round(hi + 0.5))]
    return nice_ticks(lo, hi, length, spacing)


def _symlog_label(scale, t: float) -> str:
    """A symmetric-log tick labelled with the det J it stands for, to two significant digits."""
    d = scale.value_at(t)
    if d == 0:
        return "0"
    text = f"{d:.2g}".replace("e+0", "e").replace("e-0", "e−").replace("e+", "e")
    return text.replace("-", "−")


def _colorbar_room(spec: FigureSpec, height: float, tick_size: float, name_size: float, s: float) -> float:
    """The width the colour bar, its labels and its caption take right of the domain frame."""
    scale = heatmap_scale(spec.scene, spec.mode)
    note_size = 0.85 * name_size
    lines = len(wrap(scale.note, note_size, height))
    if scale.levels is None:  # categorical colours: the caption only (see _colorbar)
        return 0.9 * name_size + 0.8 * name_size + 0.4 * name_size + lines * 1.2 * note_size + 0.3 * name_size
    levels = spec.levels or scale.levels
    ticks = _ticks(scale, levels[0], levels[1], height, max(4.0 * tick_size, 45 * s))
    logs = scale.kind in ("symlog", "log-one-sided")
    labels = [_symlog_label(scale, v) if logs else tick_label(v, ticks) for v in ticks]
    label_w = max((text_width(label, tick_size) for label in labels), default=tick_size)
    return (0.9 * name_size + 14 * s + 4 * s + 0.3 * tick_size + label_w + 1.3 * name_size
            + 0.4 * name_size + lines * 1.2 * note_size + 0.3 * name_size)


def _domain(b: _Builder, frame: PlotFrame, spec: FigureSpec) -> tuple:
    t = b.theme
    clip = "domain"
    b.fig.clips[clip] = frame.box
    b.fig.frames["domain"] = frame
    cmap, levels, scale = _heatmap(b, frame, spec, clip)
    g = spec.scene.grid
    b.curve(frame, g.vertical, b.stroke(t.vertical, 1.0, 150), clip)
    b.curve(frame, g.horizontal, b.stroke(t.horizontal, 1.0, 150), clip)
    if spec.portrait is not None or spec.trajectories:
        _flow(b, frame, spec, clip)
    b.curve(frame, spec.scene.critical, b.stroke(t.critical_domain, 2.5), clip, pairs=True)
    _pins(b, frame, spec.pins, clip)
    if spec.portrait is not None:
        _equilibria(b, frame, spec.portrait, clip)
    lin = spec.linearization
    if lin is not None and np.isfinite(lin.point).all():
        p, h = lin.point, lin.h
        b.curve(frame, lin.circle, b.stroke(t.true_image, 2.0), clip)
        v = lin.stretches.domain_axes
        if np.isfinite(v).all():
            nan = [np.nan, np.nan]
            seg = np.array([p - h * v[:, 0], p + h * v[:, 0], nan, p - h * v[:, 1], p + h * v[:, 1]])
            b.curve(frame, seg, b.stroke(t.axes, 1.5, dash=(4, 2)), clip)
        _arrow(b, frame, p, (h, 0.0), b.stroke(t.horizontal, 2.5), clip)
        _arrow(b, frame, p, (0.0, h), b.stroke(t.vertical, 2.5), clip)
        _marker(b, frame.point(*p), clip)
    return cmap, levels, scale


def _flow(b: _Builder, frame: PlotFrame, spec: FigureSpec, clip: str) -> None:
    """F read as a vector field, as the window's vector field tool draws it: the heatmap and grid
    faded under a veil, then the streamlines, the arrows coloured by |F|, the eigenvector
    directions at each equilibrium, and the trajectories."""
    t = b.theme
    box = frame.box
    veil = np.array([[box.x, box.y], [box.right, box.y], [box.right, box.bottom], [box.x, box.bottom]])
    b.fig.items.append(Shape(veil, _rgba(t.background, VEIL_ALPHA), None, clip=clip))
    portrait = spec.portrait
    if portrait is not None:
        stream = b.stroke(t.foreground, 1.1, 200)
        b.curve(frame, portrait.streamlines, stream, clip)
        b.curve(frame, portrait.stream_heads, stream, clip, pairs=True)
        for pairs, colour in zip(portrait.arrows, SPEED_COLOURS, strict=False):
            b.curve(frame, pairs, b.stroke(colour, 1.4), clip, pairs=True)
        for key, colour in (("stable", STABLE), ("unstable", UNSTABLE), ("zero", DEGENERATE)):
            b.curve(frame, portrait.eigen.get(key, np.empty((0, 2))), b.stroke(colour, 2.2), clip, pairs=True)
    for tr in spec.trajectories:  # forward in time solid, backward dashed, as in the window
        b.curve(frame, tr.forward, b.stroke(TRAJECTORY, 2.2), clip)
        b.curve(frame, tr.backward, b.stroke(TRAJECTORY, 1.8, dash=(4, 2)), clip)
        start = frame.point(*tr.start)
        if np.isfinite(start).all():
            b.fig.items.append(Shape(np.array(start, dtype=float), _rgba(WHITE), b.stroke(TRAJECTORY, 2.0),
                                     radius=4.0 * b.s, clip=clip))


def _equilibria(b: _Builder, frame: PlotFrame, portrait, clip: str) -> None:
    """Each equilibrium with its type's glyph and its eigenvalues' label, as in the window
    (:mod:`.glyphs`: filled stable, open unstable; labels that would overlap are left out)."""
    items = list(portrait.equilibria.items)
    centres = [frame.point(*eq.point) for eq in items]
    for eq, centre in zip(items, centres, strict=True):
        if np.isfinite(centre).all() and frame.box.contains(*centre):
            _glyph(b, np.array(centre), glyphs.glyph_style(eq.kind), clip)
    size = 10.5 * b.fs  # the window's 8 pt
    texts = [eq.linear.eigenvalue_text() for eq in items]
    inside = [c if frame.box.contains(*c) else (math.nan, math.nan) for c in centres]
    height, pad, gap = glyphs.LABEL_HEIGHT_PX * b.fs, 0.3 * size, glyphs.LABEL_GAP
    widths = [text_width(text, size) + 2 * pad for text in texts]
    box_px = [(c[0] - frame.box.x, c[1]) for c in inside]
    for i, on_left in glyphs.place_labels(box_px, widths, height_px=height, right=frame.box.w):
        (px, py), text, width = centres[i], texts[i], widths[i]
        left, bottom = (px - (1 + gap) * width if on_left else px + gap * width), py - 0.1 * height
        box = np.array([[left, bottom - height], [left + width, bottom - height], [left + width, bottom],
                        [left, bottom]])
        b.fig.items.append(Shape(box, _rgba(LABEL_BACKGROUND[:3], LABEL_BACKGROUND[3]), None, clip=clip))
        b.text(left + pad, bottom - 0.3 * height, text, size, LABEL_TEXT, clip=clip)


def _glyph(b: _Builder, centre: np.ndarray, style: glyphs.GlyphStyle, clip: str) -> None:
    """One glyph at ``centre`` (pixels): a stroke shape (cross, spiral, ring) is its outline
    colour drawn wide, then its fill colour on top; a disc or a square is a filled shape."""
    size = glyphs.SIZE * b.s
    rim = 2 * style.outline_width

    def stroked(runs, width: float) -> None:
        unit = width * glyphs.SIZE
        b.lines([centre + r * size for r in runs], b.stroke(style.outline, unit + rim), clip)
        b.lines([centre + r * size for r in runs], b.stroke(style.fill, unit), clip)

    outline = b.stroke(style.outline, style.outline_width)
    fill = _rgba(style.fill)
    shapes = b.fig.items
    if style.shape == "cross":
        stroked(glyphs.cross_arms(), glyphs.CROSS_WIDTH)
    elif style.shape == "spiral":
        stroked([glyphs.spiral_points()], glyphs.SPIRAL_WIDTH)
    elif style.shape == "ring":
        unit = glyphs.RING_WIDTH * glyphs.SIZE
        for rgb, width in ((style.outline, unit + rim), (style.fill, unit)):
            ring = b.stroke(rgb, width)
            shapes.append(Shape(centre, None, ring, radius=glyphs.RING_RADIUS * size, clip=clip))
        shapes.append(Shape(centre, fill, outline, radius=glyphs.DOT_RADIUS * size, clip=clip))
    elif style.shape == "disc":
        shapes.append(Shape(centre, fill, outline, radius=glyphs.DISC_RADIUS * size, clip=clip))
    else:
        shapes.append(Shape(centre + glyphs.square_corners() * size, fill, outline, clip=clip))


def _arrow(b: _Builder, frame: PlotFrame, origin, vector, stroke: Stroke, clip: str) -> None:
    parts = arrow(origin, vector)
    if parts:
        b.lines(clean_runs([frame.to_px(part) for part in parts], frame.box.grown(20 * b.s)), stroke, clip)


def _marker(b: _Builder, centre, clip: str | None, diameter: float = 7.0) -> None:
    if np.isfinite(centre).all():
        t = b.theme
        b.fig.items.append(Shape(np.array(centre, dtype=float), _rgba(t.marker_fill),
                                 b.stroke(t.marker_edge, 1.5), radius=diameter * b.s / 2, clip=clip))


def _pins(b: _Builder, frame: PlotFrame, points, clip: str) -> None:
    t = b.theme
    r = 5.5 * b.s
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        cx, cy = frame.point(x, y)
        diamond = np.array([[cx, cy - r], [cx + r, cy], [cx, cy + r], [cx - r, cy]])
        b.fig.items.append(Shape(diamond, _rgba(t.pin), b.stroke(t.marker_edge, 1.0), clip=clip))


# ------------------------------------------------------------------------------ codomain
def _codomain(b: _Builder, frame: PlotFrame, spec: FigureSpec, small: float) -> None:
    t = b.theme
    clip = "codomain"
    b.fig.clips[clip] = frame.box
    b.fig.frames["codomain"] = frame
    vertical, horizontal, critical = visible_images(spec.scene, spec.domain_rect)
    b.curve(frame, vertical, b.stroke(t.vertical, 1.0, 170), clip)
    b.curve(frame, horizontal, b.stroke(t.horizontal, 1.0, 170), clip)
    b.curve(frame, critical, b.stroke(t.critical_image, 2.5), clip, pairs=True)
    _pins(b, frame, spec.pin_images, clip)
    lin = spec.linearization
    if lin is None or not np.isfinite(lin.value).all():
        return
    fp, h, jac = lin.value, lin.h, lin.jacobian
    b.curve(frame, lin.true_image, b.stroke(t.true_image, 2.0), clip)
    b.curve(frame, lin.linear_image, b.stroke(t.linear_image, 2.0, dash=(4, 2)), clip)
    if np.isfinite(jac).all():
        _arrow(b, frame, fp, h * jac[:, 0], b.stroke(t.horizontal, 2.5), clip)
        _arrow(b, frame, fp, h * jac[:, 1], b.stroke(t.vertical, 2.5), clip)
    _marker(b, frame.point(*fp), clip)
    _lens(b, frame, spec, small)


def _lens(b: _Builder, frame: PlotFrame, spec: FigureSpec, small: float) -> None:
    """F near F(p), magnified in the codomain's corner farthest from F(p), as the window's inset."""
    t = b.theme
    lin = spec.linearization
    assert lin is not None
    fp, h, jac = lin.value, lin.h, lin.jacobian
    arrows = [arrow(fp, h * jac[:, k]) if np.isfinite(jac).all() else [] for k in (0, 1)]
    pts = [p for p in (lin.linear_image, lin.true_image, *(a for parts in arrows for a in parts)) if p.size]
    pts = np.concatenate(pts) if pts else np.empty((0, 2))
    pts = pts[np.isfinite(pts).all(axis=1)]
    radius = float(np.max(np.abs(pts - fp))) if pts.size else 0.0
    if not (math.isfinite(radius) and radius > 0):
        return
    fb = frame.box
    side = max(150 * b.s, min(0.42 * fb.w, 0.5 * fb.h))
    side = min(side, fb.w - 12 * b.s, fb.h - 12 * b.s)
    if side < 40 * b.s:
        return
    # the corner farthest from F(p), so the inset never covers what it magnifies
    px, py = frame.point(*fp)
    right = not (math.isfinite(px) and px >= fb.x + fb.w / 2)
    bottom = math.isfinite(py) and py < fb.y + fb.h / 2
    left_edge = fb.right - side - 6 * b.s if right else fb.x + 6 * b.s
    top_edge = fb.bottom - side - 6 * b.s if bottom else fb.y + 6 * b.s
    outer = Box(left_edge, top_edge, side, side)
    b.fig.regions["lens_box"] = outer
    # opaque, as in the window: it covers what the codomain draws under it
    corners = np.array([[outer.x, outer.y], [outer.right, outer.y], [outer.right, outer.bottom],
                        [outer.x, outer.bottom]])
    b.fig.items.append(Shape(corners, _rgba(t.lens_background), b.stroke(t.lens_border, 1.0),
                             clip="codomain"))
    # the lens does not grow with the text: large text is fitted to its width instead
    scale_text = f"frame: F(p) ± {radius * LENS_EXTENT:.3g}"
    widest = max(text_width("near F(p), magnified", 1.0), text_width(scale_text, 1.0))
    small = min(small, 0.9 * outer.w / widest)
    title_h = small * 1.25 + 6 * b.s
    inner = min(outer.w - 8 * b.s, outer.h - title_h - 6 * b.s)
    area = Box(outer.x + (outer.w - inner) / 2, outer.y + title_h, inner, inner)
    e = LENS_EXTENT
    lens = PlotFrame(area, (-e, e, -e, e))
    b.fig.frames["lens"] = lens
    b.fig.clips["lens"] = area
    b.text(outer.centre[0], outer.y + 2 * b.s + small, "near F(p), magnified", small, anchor="middle")

    def local(a):
        return (np.asarray(a, dtype=float) - fp) / radius

    st = lin.stretches
    labels = []
    if np.isfinite(st.singular_values).all():
        s, u = st.singular_values, st.image_axes
        a1, a2 = h * s[0] * u[:, 0] / radius, h * s[1] * u[:, 1] / radius
        b.curve(lens, np.array([-a1, a1, [np.nan, np.nan], -a2, a2]), b.stroke(t.axes, 1.5), "lens")
        for k, ax in ((0, a1), (1, a2)):
            tip = ax if ax[1] >= 0 else -ax
            labels.append((tip, f"σ{'₁₂'[k]} = {s[k]:.4g}"))
    b.curve(lens, local(lin.true_image), b.stroke(t.true_image, 2.0), "lens")
    b.curve(lens, local(lin.linear_image), b.stroke(t.linear_image, 2.0, dash=(4, 2)), "lens")
    for parts, colour in zip(arrows, (t.horizontal, t.vertical), strict=True):
        if parts:
            runs = clean_runs([lens.to_px(local(p)) for p in parts], area.grown(4))
            b.lines(runs, b.stroke(colour, 2.5), "lens")
    _marker(b, lens.point(0.0, 0.0), "lens")
    placed: list[tuple[float, float, float]] = []  # centre x, baseline y, half width
    for tip, label in labels:
        px, py = lens.point(*tip)
        half = text_width(label, small) / 2
        # inside the lens, and above a label it would overlap (both axes can point up-ish)
        px = min(max(px, area.x + half + 2 * b.s), area.right - half - 2 * b.s)
        py -= 4 * b.s
        for ox, oy, ohalf in placed:
            if abs(px - ox) < half + ohalf and abs(py - oy) < 1.2 * small:
                py = oy - 1.25 * small
        placed.append((px, py, half))
        b.text(px, py, label, small, t.axes, anchor="middle", clip="lens")
    b.text(area.centre[0], area.bottom - 0.5 * small, scale_text, small, anchor="middle", clip="codomain")


# ------------------------------------------------------------------------------ readout
def _readout_lines(spec: FigureSpec, size: float, width: float):
    """The panel's text as (dx, dy, text, bold, mono, muted) at font ``size``, and its height."""
    out = []
    y = 0.0
    line = 1.35 * size
    if spec.reading:
        for text in wrap(spec.reading, size, width, bold=True):
            y += line
            out.append((0.0, y, text, True, False, False))
        y += 0.5 * size
    if spec.readout:
        y += line
        out.append((0.0, y, "At the cursor", True, False, True))
        label_w = max(text_width(lab, size) for lab, _ in spec.readout) + 0.8 * size
        cells = [value.split("\t") for _, value in spec.readout]
        ncols = max(len(c) for c in cells)
        # columns are as wide as the cells of the rows that have several (J's rows)
        multi = [c for c in cells if len(c) > 1]
        col_w = [max((text_width(c[k], size, mono=True) for c in multi if len(c) > k), default=0.0)
                 + 1.2 * size for k in range(ncols)]
        for (label, _value), row in zip(spec.readout, cells, strict=True):
            y += line
            out.append((0.0, y, label, False, False, False))
            x = label_w
            row_w = sum(col_w[: len(row) - 1]) + text_width(row[-1], size, mono=True)
            if label_w + row_w > width:
                y += line  # too wide beside its label: on a line of its own
                x = 0.8 * size
            for k, cell in enumerate(row):
                out.append((x, y, cell, False, True, False))
                x += col_w[k]
        y += 0.5 * size
    if spec.mapping_text:
        y += line
        out.append((0.0, y, "Mapping", True, False, True))
        for text in wrap(spec.mapping_text, size, width, mono=True):
            y += line
            out.append((0.0, y, text, False, True, False))
        y += 0.5 * size
    if spec.formulas:
        y += line
        out.append((0.0, y, "Formulas", True, False, True))
        for formula in spec.formulas:
            for text in wrap(formula, size, width, mono=True) if formula else [""]:
                y += line
                out.append((0.0, y, text, False, True, False))
    return out, y


def _readout(b: _Builder, x: float, width: float, top: float, limits: tuple[float, float], spec: FigureSpec,
             size: float) -> None:
    """The panel at the right: the sentence, the numbers at the cursor, the mapping, the formulas.

    Its top is level with ``top`` (the plots' top) when it fits below, and higher up to
    ``limits[0]`` when not; its text shrinks when even ``limits`` are too tight.
    """
    t = b.theme
    pad = 0.8 * size
    inner = width - 2 * pad
    room = limits[1] - limits[0]
    lines, height = _readout_lines(spec, size, inner)
    if height > room - 2 * pad:  # shrink the text to fit the panel, within reason
        size = max(size * (room - 2 * pad) / height, 0.6 * size)
        pad = 0.8 * size
        lines, height = _readout_lines(spec, size, inner)
    if not lines:
        return
    panel_h = min(room, height + 2 * pad + 0.2 * size)
    top = max(limits[0], min(top, limits[1] - panel_h))
    box = Box(x, top, width, panel_h)
    b.fig.regions["readout"] = box
    b.fig.clips["readout"] = box
    if not spec.options.transparent and t.panel_background != t.background:
        corners = np.array([[box.x, box.y], [box.right, box.y], [box.right, box.bottom], [box.x, box.bottom]])
        b.fig.items.append(Shape(corners, _rgba(t.panel_background)))
    b.frame_border(box, t.frame, 1.0)
    for dx, dy, text, bold, mono, muted in lines:
        colour = t.muted if muted else t.foreground
        b.text(box.x + pad + dx, box.y + pad + dy - 0.3 * size, text, size, colour,
               bold=bold, mono=mono, clip="readout")


# ------------------------------------------------------------------------------ figure
def check_size(w: int, h: int) -> None:
    from jacviz.core.errors import UsageError

    if not (MIN_PIXELS <= w <= MAX_PIXELS and MIN_PIXELS <= h <= MAX_PIXELS):
        raise UsageError(f"a figure must be between {MIN_PIXELS} and {MAX_PIXELS} pixels on each side")


def layout_figure(spec: FigureSpec, view: str = "both", size: tuple[int, int] | None = None) -> Figure:
    """Lay ``spec`` out as a :class:`Figure` of exactly ``size`` pixels (default: DEFAULT_SIZE)."""
    from jacviz.core.errors import UsageError

    if view not in VIEWS:
        raise UsageError(f"unknown view '{view}' (choose both, domain or codomain)")
    opts = spec.options
    with_readout = bool(opts.readout) and view == "both"
    w, h = size if size is not None else default_size(view, with_readout)
    w, h = int(w), int(h)
    check_size(w, h)
    theme = THEME_BY_NAME[opts.theme]
    ref_w, ref_h = REFERENCE[(view, with_readout)]
    s = max(min(w / ref_w, h / ref_h), 0.35)
    # text shrinks with a small figure, but not below what reads at 100 % (9 px labels)
    fs = max(s, 0.72) * float(opts.font_scale)
    about = f"jacviz figure of {spec.mapping_text}" if spec.mapping_text else "jacviz figure"
    fig = Figure(w, h, None if opts.transparent else theme.background, dpi=opts.dpi, description=about)
    b = _Builder(fig, theme, s, fs)
    tick_size, name_size, small = 12 * fs, 13 * fs, 11 * fs
    margin = 10 * s
    top = margin + 0.6 * tick_size
    bottom_edge = h - margin

    right_edge = w - margin
    panel_w = 0.23 * w if with_readout else 0.0
    if with_readout:
        right_edge = w - margin - panel_w - 1.2 * name_size

    cells = {"both": ("domain", "codomain"), "domain": ("domain",), "codomain": ("codomain",)}[view]
    rects = {"domain": tuple(map(float, spec.domain_rect)), "codomain": tuple(map(float, spec.codomain_rect))}
    gap = 1.0 * name_size if len(cells) == 2 else 0.0
    codomain_rect = rects.get("codomain")
    # The room around the frames (tick labels, the colour bar's caption) depends on the
    # frames' height, and the frames' size on that room: two rounds settle it.
    frame_h = max(bottom_edge - top, 10.0)
    for _round in range(2):
        room = {}
        for name in cells:
            left, bottom = _axis_room(rects[name], frame_h, tick_size, name_size, s)
            if name == "domain":
                right = _colorbar_room(spec, frame_h, tick_size, name_size, s)
            else:
                right = 0.4 * name_size
            room[name] = (left, bottom, right)
        fixed = sum(left + right for left, _b, right in room.values())
        avail_w = max(right_edge - margin - fixed - gap, 20.0)
        plot_h = max(bottom_edge - top - max(bottom for _l, bottom, _r in room.values()), 20.0)
        # The domain shows exactly its rectangle (the heatmap covers no more); the codomain
        # has no heatmap, so its rectangle grows to fill its frame, as the window's view
        # does. Both frames share one height; the codomain is at least as wide as the domain.
        widths: dict[str, float] = {}
        frame_h = plot_h
        if "domain" in cells:
            aspect = _aspect(rects["domain"])
            limit = avail_w / 2 if len(cells) == 2 else avail_w
            widths["domain"] = min(aspect * plot_h, limit)
            frame_h = widths["domain"] / aspect
        if codomain_rect is not None:
            if len(cells) == 2:
                remaining = avail_w - widths["domain"]
                widths["codomain"] = min(remaining, max(_aspect(codomain_rect) * frame_h, widths["domain"]))
            else:
                widths["codomain"] = avail_w
            rects["codomain"] = fit_aspect(codomain_rect, widths["codomain"] / frame_h)
    group = sum(room[n][0] + widths[n] + room[n][2] for n in cells) + gap
    x = margin + max((right_edge - margin) - group, 0.0) / 2
    y = top + (plot_h - frame_h) / 2
    for name in cells:
        left, _bottom, right = room[name]
        frame = PlotFrame(Box(x + left, y, widths[name], frame_h), rects[name])
        if name == "domain":
            cmap, levels, scale = _domain(b, frame, spec)
            _axes(b, frame, spec.axis_names, tick_size, name_size)
            bar = Box(frame.box.right + 0.9 * name_size, frame.box.y, 14 * s, frame.box.h)
            _colorbar(b, bar, spec, cmap, levels, tick_size, name_size, scale)
        else:
            _codomain(b, frame, spec, small)
            _axes(b, frame, spec.image_names, tick_size, name_size)
        x += left + widths[name] + right + gap
    if with_readout:  # level with the plots' top, or higher when it needs the room
        _readout(b, w - margin - panel_w, panel_w, y, (margin, h - margin), spec, 12 * fs)
    return fig
