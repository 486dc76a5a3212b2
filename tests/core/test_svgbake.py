"""Baking Qt's cosmetic strokes into page coordinates (jacviz.core.figure.svgbake)."""

import xml.etree.ElementTree as ET

from jacviz.core.figure.svgbake import bake_cosmetic_strokes

NS = "{http://www.w3.org/2000/svg}"


def _doc(body: str) -> str:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">{body}</svg>'


def _groups(text: str):
    return list(ET.fromstring(text).iter(f"{NS}g"))


def test_points_and_paths_are_mapped_by_the_matrix_and_the_stroke_no_longer_scales():
    svg = _doc('<g stroke="#e67800" stroke-width="2.2" fill="none" transform="matrix(2,0,0,-2,10,20)">'
               '<polyline vector-effect="non-scaling-stroke" points="1,1 2,3 " />'
               '<path vector-effect="non-scaling-stroke" d="M0,0 L1,0.5 C1,1 2,2 3,3 Z"/></g>')
    (group,) = _groups(bake_cosmetic_strokes(svg))
    assert "transform" not in group.attrib and group.get("stroke-width") == "2.2"
    line, path = list(group)
    assert line.get("points") == "12,18 14,14"  # (2x + 10, −2y + 20)
    assert path.get("d") == "M 10 20 L 12 19 C 12 18 14 16 16 14 Z"
    assert "vector-effect" not in line.attrib and "vector-effect" not in path.attrib


def test_groups_with_anything_else_are_left_exactly_as_they_were():
    bodies = [
        '<g transform="matrix(2,0,0,2,0,0)"><polyline vector-effect="non-scaling-stroke" points="1,1 2,2"/>'
        '<text>label</text></g>',  # text needs the matrix
        '<g transform="matrix(2,0,0,2,0,0)"><path vector-effect="non-scaling-stroke" d="m0,0 l1,1"/></g>',
        '<g transform="matrix(2,0,0,2,0,0)"><polyline points="1,1 2,2"/></g>',  # a scaling stroke: meant
        '<g transform="translate(3,4)">'
        '<polyline vector-effect="non-scaling-stroke" points="1,1 2,2"/></g>',
        '<g transform="matrix(2,0,0,2,0,0)">'
        '<polyline vector-effect="non-scaling-stroke" points="1,1 2"/></g>',  # an odd number of coordinates
    ]
    for body in bodies:
        before = [ET.tostring(g) for g in _groups(_doc(body))]
        after = [ET.tostring(g) for g in _groups(bake_cosmetic_strokes(_doc(body)))]
        assert after == before, body
