"""Writing a :class:`Figure` as SVG 1.1 by hand, so that every renderer draws the same thing.

What librsvg, cairosvg, Chromium and Inkscape agree on, and what this writer therefore emits:

* every curve is a ``<path>`` with a stroke and ``fill="none"``: a path that only says
  ``stroke`` is filled black by the SVG default, which is how curves became blobs before;
* path data is ``M`` followed by ``L`` points, one subpath per run, never a lone ``M x,y`` or
  a ``Z`` (the layout has split runs at their breaks and dropped single points);
* every plot's content sits in a ``<g clip-path>`` of its frame;
* the heatmap is one embedded PNG at the sample resolution (``xlink:href``, which all of
  them read), stretched with ``preserveAspectRatio="none"``;
* text names real font families with generic fallbacks;
* ``width``/``height`` are the figure's pixels (or inches for a given dpi) and the
  ``viewBox`` is the figure's pixels, so one user unit is one pixel.
"""

from __future__ import annotations

import base64
import re

import numpy as np

from jacviz.core.figure.png import encode_png
from jacviz.core.figure.primitives import (
    MONO,
    SANS,
    Figure,
    Gradient,
    Image,
    Polyline,
    Shape,
    Stroke,
    Text,
)


def escape(text: str) -> str:
    """&, < and > as entities (what xml.sax.saxutils.escape does; that module imports urllib,
    http and email, 50 ms of a cold start for three replacements)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """``text`` as a double-quoted XML attribute value."""
    text = escape(text)
    for char, entity in (('"', "&quot;"), ("\n", "&#10;"), ("\r", "&#13;"), ("\t", "&#9;")):
        text = text.replace(char, entity)
    return f'"{text}"'


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text escaped for XML, without the control characters XML 1.0 cannot hold at all."""
    return escape(_NOT_XML.sub("", text))


def _num(v: float) -> str:
    """A coordinate to 0.01 px, without trailing zeros."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _color(rgb) -> str:
    return f"#{int(rgb[0]):02x}{int(rgb[1]):02x}{int(rgb[2]):02x}"


def _family(names) -> str:
    return ", ".join(f"'{n}'" if " " in n else n for n in names)


def _stroke_attrs(stroke: Stroke) -> str:
    attrs = [f'stroke="{_color(stroke.color)}"', f'stroke-width="{_num(stroke.width)}"',
             'stroke-linecap="round"', 'stroke-linejoin="round"']
    if stroke.color[3] < 255:
        attrs.append(f'stroke-opacity="{stroke.color[3] / 255:.3f}"')
    if stroke.dash:
        attrs.append('stroke-dasharray="' + ",".join(_num(d) for d in stroke.dash) + '"')
    return " ".join(attrs)


def _fill_attrs(fill) -> str:
    if fill is None:
        return 'fill="none"'
    attrs = f'fill="{_color(fill)}"'
    if fill[3] < 255:
        attrs += f' fill-opacity="{fill[3] / 255:.3f}"'
    return attrs


def path_data(runs) -> str:
    """``M x,y L x,y x,y ...`` for each run, coordinates to 0.01 px, repeated points left out."""
    parts = []
    for run in runs:
        pts = np.round(np.asarray(run, dtype=float), 2)
        keep = np.concatenate([[True], np.any(np.diff(pts, axis=0) != 0, axis=1)])
        pts = pts[keep]
        if len(pts) < 2:
            continue
        coords = [f"{_num(x)},{_num(y)}" for x, y in pts.tolist()]
        parts.append("M" + coords[0] + "L" + " ".join(coords[1:]))
    return "".join(parts)


def _polyline(item: Polyline) -> str:
    d = path_data(item.runs)
    if not d:
        return ""
    return f'<path d="{d}" fill="none" {_stroke_attrs(item.stroke)}/>'


def _shape(item: Shape) -> str:
    stroke = _stroke_attrs(item.stroke) if item.stroke is not None else 'stroke="none"'
    if item.radius is not None:
        cx, cy = np.asarray(item.points, dtype=float).reshape(2)
        return (f'<circle cx="{_num(cx)}" cy="{_num(cy)}" r="{_num(item.radius)}" '
                f'{_fill_attrs(item.fill)} {stroke}/>')
    pts = np.asarray(item.points, dtype=float)
    coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in pts.tolist())
    return f'<polygon points="{coords}" {_fill_attrs(item.fill)} {stroke}/>'


def _image(item: Image) -> str:
    b = item.box
    data = base64.b64encode(encode_png(item.rgba)).decode("ascii")
    return (f'<image x="{_num(b.x)}" y="{_num(b.y)}" width="{_num(b.w)}" height="{_num(b.h)}" '
            f'preserveAspectRatio="none" class="{escape(item.role)}" '
            f'xlink:href="data:image/png;base64,{data}"/>')


def _gradient(item: Gradient, ident: str) -> tuple[str, str]:
    stops = "".join(f'<stop offset="{off:.4f}" stop-color="{_color(rgb)}"/>' for off, rgb in item.stops)
    # x1,y1 -> x2,y2 in the box's own units: from the bottom (offset 0) to the top (1)
    definition = f'<linearGradient id="{ident}" x1="0" y1="1" x2="0" y2="0">{stops}</linearGradient>'
    b = item.box
    stroke = _stroke_attrs(item.stroke) if item.stroke is not None else 'stroke="none"'
    rect = (f'<rect x="{_num(b.x)}" y="{_num(b.y)}" width="{_num(b.w)}" height="{_num(b.h)}" '
            f'fill="url(#{ident})" {stroke}/>')
    return definition, rect


def _text(item: Text) -> str:
    attrs = [f'x="{_num(item.x)}"', f'y="{_num(item.y)}"',
             f"font-family={quoteattr(_family(MONO if item.mono else SANS))}",
             f'font-size="{_num(item.size)}"', f'fill="{_color(item.color)}"']
    if item.color[3] < 255:
        attrs.append(f'fill-opacity="{item.color[3] / 255:.3f}"')
    if item.anchor != "start":
        attrs.append(f'text-anchor="{item.anchor}"')
    if item.bold:
        attrs.append('font-weight="bold"')
    if item.rotation:
        attrs.append(f'transform="rotate({_num(-item.rotation)} {_num(item.x)} {_num(item.y)})"')
    return f"<text {' '.join(attrs)}>{_xml_text(item.text)}</text>"


def _size_attr(pixels: int, dpi: float | None) -> str:
    if dpi is None:
        return str(pixels)
    inches = pixels / float(dpi)
    return f"{inches:.4f}".rstrip("0").rstrip(".") + "in"


def svg_text(fig: Figure) -> str:
    """The whole SVG document for ``fig``."""
    defs: list[str] = []
    body: list[str] = []
    clip_ids = {name: f"clip-{k}" for k, name in enumerate(fig.clips)}
    for name, box in fig.clips.items():
        defs.append(f'<clipPath id="{clip_ids[name]}"><rect x="{_num(box.x)}" y="{_num(box.y)}" '
                    f'width="{_num(box.w)}" height="{_num(box.h)}"/></clipPath>')
    if fig.background is not None:
        body.append(f'<rect x="0" y="0" width="{fig.width}" height="{fig.height}" '
                    f'fill="{_color(fig.background)}" stroke="none"/>')
    current_clip: str | None = None
    gradients = 0
    for item in fig.items:
        clip = getattr(item, "clip", None)
        if clip != current_clip:
            if current_clip is not None:
                body.append("</g>")
            if clip is not None:
                body.append(f'<g clip-path="url(#{clip_ids[clip]})">')
            current_clip = clip
        if isinstance(item, Polyline):
            element = _polyline(item)
        elif isinstance(item, Shape):
            element = _shape(item)
        elif isinstance(item, Image):
            element = _image(item)
        elif isinstance(item, Gradient):
            definition, element = _gradient(item, f"gradient-{gradients}")
            gradients += 1
            defs.append(definition)
        elif isinstance(item, Text):
            element = _text(item)
        else:  # pragma: no cover - a new primitive without a writer
            raise TypeError(f"no SVG for {type(item).__name__}")
        if element:
            body.append(element)
    if current_clip is not None:
        body.append("</g>")
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'version="1.1" width="{_size_attr(fig.width, fig.dpi)}" height="{_size_attr(fig.height, fig.dpi)}" '
        f'viewBox="0 0 {fig.width} {fig.height}">\n'
        f"<title>{_xml_text(fig.title)}</title>\n<desc>{_xml_text(fig.description)}</desc>\n"
    )
    return head + "<defs>" + "".join(defs) + "</defs>\n" + "\n".join(body) + "\n</svg>\n"


def write_svg(fig: Figure, path) -> None:
    """Write ``fig`` to ``path`` as UTF-8 SVG."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(svg_text(fig))
