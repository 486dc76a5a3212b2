"""Qt's SVG output made readable by other renderers: cosmetic strokes baked into page coordinates.

Qt's SVG generator (``QSvgGenerator``, which the shapes pane's SVG export paints into) writes
a line drawn with a cosmetic pen (pyqtgraph's default: a width in screen pixels whatever the
zoom) as the line in *data* coordinates inside ``<g transform="matrix(...)">`` with
``vector-effect="non-scaling-stroke"``. Qt's own renderer and Chromium honour that attribute;
librsvg and cairosvg do not, and stroke the line scaled by the matrix: a 2-pixel level line in
a view of 100 pixels per unit comes out 200 pixels wide, a solid blob.

:func:`bake_cosmetic_strokes` moves such lines out of the matrix: their points are multiplied
by it, the group keeps only its style, and the stroke width is then in page pixels for every
renderer. It is written here rather than taken from an SVG library because it needs so little:
Qt writes these shapes as ``polyline``/``polygon`` points and ``path`` data of absolute M, L,
C and Z commands only, so baking is one affine map per coordinate pair. Groups holding
anything else (text, images, relative or arc commands) are left exactly as they were.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG_NS = "http://www.w3.org/2000/svg"
_MATRIX = re.compile(r"^\s*matrix\(([^)]*)\)\s*$")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[MLCZ]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_BAKEABLE = {f"{{{SVG_NS}}}polyline", f"{{{SVG_NS}}}polygon", f"{{{SVG_NS}}}path"}


def _matrix(text: str | None) -> tuple[float, ...] | None:
    match = _MATRIX.match(text or "")
    if match is None:
        return None
    numbers = [float(v) for v in _NUMBER.findall(match.group(1))]
    return tuple(numbers) if len(numbers) == 6 else None


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _map_pairs(numbers: list[float], m: tuple[float, ...]) -> list[float] | None:
    if len(numbers) % 2:
        return None
    a, b, c, d, e, f = m
    out: list[float] = []
    for x, y in zip(numbers[0::2], numbers[1::2], strict=True):
        out += [a * x + c * y + e, b * x + d * y + f]
    return out


def _bake_points(text: str, m) -> str | None:
    mapped = _map_pairs([float(v) for v in _NUMBER.findall(text)], m)
    if mapped is None:
        return None
    return " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in zip(mapped[0::2], mapped[1::2], strict=True))


def _bake_path(text: str, m) -> str | None:
    if _PATH_TOKEN.sub("", text).strip(" ,\t\n"):
        return None  # a command Qt does not write (relative, H, V, A...): leave the group alone
    tokens = _PATH_TOKEN.findall(text)
    out: list[str] = []
    numbers: list[float] = []

    def flush() -> bool:
        mapped = _map_pairs(numbers, m)
        if mapped is None:
            return False
        out.extend(_fmt(v) for v in mapped)
        numbers.clear()
        return True

    for token in tokens:
        if token in "MLCZ":
            if not flush():
                return None
            out.append(token)
        else:
            numbers.append(float(token))
    if not flush():
        return None
    return " ".join(out)


def _bake_group(group: ET.Element) -> bool:
    m = _matrix(group.get("transform"))
    children = list(group)
    if m is None or not children:
        return False
    if not all(ch.tag in _BAKEABLE and ch.get("vector-effect") == "non-scaling-stroke" and not list(ch)
               for ch in children):
        return False
    baked = []
    for ch in children:
        attr = "d" if ch.tag.endswith("path") else "points"
        value = (_bake_path if attr == "d" else _bake_points)(ch.get(attr, ""), m)
        if value is None:
            return False
        baked.append((ch, attr, value))
    for ch, attr, value in baked:
        ch.set(attr, value)
        del ch.attrib["vector-effect"]
    del group.attrib["transform"]
    return True


def bake_cosmetic_strokes(svg: str) -> str:
    """``svg`` (Qt's output) with every group of cosmetic-pen lines moved to page coordinates."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    root = ET.fromstring(svg)
    for group in root.iter(f"{{{SVG_NS}}}g"):
        _bake_group(group)
    return '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + ET.tostring(root, encoding="unicode")
