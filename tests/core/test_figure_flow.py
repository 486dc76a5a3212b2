"""F read as a vector field in an exported figure: arrows, streamlines, equilibria, trajectories.

The figure is data (no Qt); the SVG is read back by librsvg and cairosvg, and the pixels the
mathematics fixes are checked: the pendulum's equilibria (kπ, 0) are stable spirals (even k)
and saddles (odd k), drawn in their type's colour, and a trajectory of the centre (y, −x)
lies on its circle.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_figure_svg import _cairosvg, _rsvg

from jacviz.core.figure import glyphs, layout_figure, svg_text
from jacviz.core.figure.build import figure_spec
from jacviz.core.figure.geometry import text_width
from jacviz.core.figure.layout import REFERENCE
from jacviz.core.figure.primitives import Polyline, Shape, Text
from jacviz.core.figure.theme import SADDLE, SPEED_COLOURS, STABLE, TRAJECTORY, UNSTABLE, VEIL_ALPHA, WHITE

PENDULUM = "y, -sin(x) - 0.5y"
RECT = (-7.0, 7.0, -4.0, 4.0)
SIZE = (900, 520)


@pytest.fixture(scope="module")
def pendulum():
    spec = figure_spec(PENDULUM, rect=RECT, vector_field=True)
    return spec, layout_figure(spec, "domain", SIZE)


def test_the_pendulum_portrait_has_its_equilibria_with_alternating_types(pendulum):
    spec, _fig = pendulum
    found = sorted((eq.point[0], str(eq.kind)) for eq in spec.portrait.equilibria.items)
    assert [round(x / math.pi) for x, _ in found] == [-2, -1, 0, 1, 2]
    for x, kind in found:
        assert x == pytest.approx(round(x / math.pi) * math.pi, abs=1e-9)
        assert kind == ("stable spiral" if round(x / math.pi) % 2 == 0 else "saddle")


def test_the_figure_fades_the_heatmap_and_draws_arrows_in_every_speed_colour(pendulum):
    _spec, fig = pendulum
    veils = [i for i in fig.items if isinstance(i, Shape) and i.fill is not None and i.fill[3] == VEIL_ALPHA]
    assert len(veils) == 1 and veils[0].clip == "domain"
    colours = {i.stroke.color[:3] for i in fig.items if isinstance(i, Polyline)}
    assert set(SPEED_COLOURS) <= colours  # |F| spans the bins from its 2nd to its 98th percentile
    plain = layout_figure(figure_spec(PENDULUM, rect=RECT), "domain", SIZE)
    assert not any(isinstance(i, Shape) and i.fill is not None and i.fill[3] == VEIL_ALPHA
                   for i in plain.items)


def _render(fig, renderer, tmp_path):
    text, size = svg_text(fig), (fig.width, fig.height)
    image = _rsvg(text, *size, tmp_path) if renderer == "rsvg" else _cairosvg(text, *size)
    return image[..., :3].astype(int)


def _scale(size=SIZE) -> float:
    """The line scale of a domain figure of ``size`` (as layout_figure computes it)."""
    ref_w, ref_h = REFERENCE[("domain", False)]
    return max(min(size[0] / ref_w, size[1] / ref_h), 0.35)


def _is(rgb, colour, tolerance=12) -> bool:
    return bool(np.abs(np.asarray(rgb) - colour).max() <= tolerance)


@pytest.mark.parametrize("renderer", ["rsvg", "cairosvg"])
def test_other_programs_draw_each_equilibrium_as_its_types_glyph(pendulum, renderer, tmp_path):
    """A saddle is a cross (its arms dark, the gaps between them not), a stable spiral a
    blue spiral: blue along the curve, but far fewer blue pixels than a disc would have."""
    spec, fig = pendulum
    rgb = _render(fig, renderer, tmp_path)
    frame = fig.frames["domain"]
    size = glyphs.SIZE * _scale()

    def at(centre, offset):
        x, y = np.asarray(centre) + np.asarray(offset) * size
        return rgb[int(y), int(x)]

    for eq in spec.portrait.equilibria.items:
        c = frame.point(*eq.point)
        if str(eq.kind) == "saddle":
            for arm in ((0.25, 0.25), (-0.25, 0.25), (0.25, -0.25), (-0.25, -0.25), (0, 0)):
                assert _is(at(c, arm), SADDLE), f"saddle at {eq.point}, arm {arm}: {at(c, arm)}"
            for gap in ((0.3, 0), (-0.3, 0), (0, 0.3), (0, -0.3)):
                assert not _is(at(c, gap), SADDLE, 60), f"saddle at {eq.point}, gap {gap}"
        else:
            assert str(eq.kind) == "stable spiral"
            half = int(0.5 * size)
            x, y = int(c[0]), int(c[1])
            blue = sum(_is(rgb[y + i, x + j], STABLE, 20) for i in range(-half, half + 1)
                       for j in range(-half, half + 1))
            disc = math.pi * (glyphs.SPIRAL_OUTER * size) ** 2
            assert 8 <= blue <= 0.6 * disc, f"spiral at {eq.point}: {blue} blue pixels, a disc has {disc:.0f}"
            outer = glyphs.spiral_points()[-4]  # near the end of the outer turn
            assert _is(at(c, outer), STABLE, 40), f"spiral at {eq.point}: {at(c, outer)}"


COMPETING = "x(3 - x - 2y), y(2 - x - y)"


def _closed_form_eigenvalues(x, y):
    """The competing species' J = [[3 − 2x − 2y, −2x], [−y, 2 − x − 2y]] and its eigenvalues."""
    return sorted(np.linalg.eigvals(np.array([[3 - 2 * x - 2 * y, -2 * x], [-y, 2 - x - 2 * y]])).real)


@pytest.mark.parametrize("renderer", ["rsvg", "cairosvg"])
def test_competing_species_glyphs_and_eigenvalue_labels(renderer, tmp_path):
    """The four equilibria of the competing species (0, 0) unstable node, (0, 2) and (3, 0)
    stable nodes, (1, 1) saddle: each glyph's colours where the mathematics puts them, and a
    label per equilibrium with its eigenvalues, the one at (3, 0) turned to the left of the
    point so that it stays inside the view."""
    spec = figure_spec(COMPETING, rect=(-0.5, 3.5, -0.5, 2.5), vector_field=True)
    fig = layout_figure(spec, "domain", (900, 700))  # (3, 0) is then 70 px from the right edge
    rgb = _render(fig, renderer, tmp_path)
    frame = fig.frames["domain"]
    size = glyphs.SIZE * _scale((900, 700))
    items = spec.portrait.equilibria.items
    kinds = {(round(eq.point[0], 6), round(eq.point[1], 6)): str(eq.kind) for eq in items}
    assert kinds == {(0, 0): "unstable node", (0, 2): "stable node", (3, 0): "stable node", (1, 1): "saddle"}
    for point, colour in (((0, 2), STABLE), ((3, 0), STABLE), ((1, 1), SADDLE), ((0, 0), WHITE)):
        x, y = frame.point(*point)
        assert _is(rgb[int(y), int(x)], colour), f"{point}: {rgb[int(y), int(x)]}"
    x, y = frame.point(0, 0)  # the open disc's rim
    assert _is(rgb[int(y), int(x + 0.46 * size)], UNSTABLE, 40)
    labels = [i for i in fig.items if isinstance(i, Text) and i.text.startswith("λ = ")]
    assert len(labels) == 4
    for label in labels:
        near = min(kinds, key=lambda p: math.dist(frame.point(*p), (label.x, label.y)))
        numbers = sorted(float(v) for v in label.text[4:].replace("−", "-").split(","))
        assert numbers == pytest.approx(_closed_form_eigenvalues(*near), abs=5e-3), label.text
        assert frame.box.x <= label.x and label.x + text_width(label.text, label.size) <= frame.box.right
        assert (label.x < frame.point(*near)[0]) == (near == (3, 0)), label.text


def test_labels_that_would_overlap_or_leave_the_view_are_placed_so():
    points = [(10, 100), (20, 105), (10, 300), (395, 200), (300, 400), (200, 395)]
    widths = [50, 50, 50, 50, 92, 100]
    placed = glyphs.place_labels(points, widths, right=400)
    # the second would cover the first; the fourth would pass the right edge, so goes left;
    # the fifth, at 307.36..399.36, just fits on the right; the sixth (208..308) would cover
    # the fifth by 0.64 px, and one pixel narrower (207.9..306.9) it would not
    assert placed == [(0, False), (2, False), (3, True), (4, False)]
    narrower = glyphs.place_labels(points, [*widths[:5], 99], right=400)
    assert narrower == [(0, False), (2, False), (3, True), (4, False), (5, False)]
    assert glyphs.place_labels(points, widths, limit=2) == [(0, False), (2, False)]
    assert glyphs.place_labels(points[:3], [5.0, 5.0, 5.0]) == [(0, False), (1, False), (2, False)]
    assert glyphs.place_labels([(float("nan"), 0.0)], [50.0]) == []
    # a label that fits neither side stays on the right (the view clips it)
    assert glyphs.place_labels([(20, 50)], [500.0], right=100) == [(0, False)]


def test_a_trajectory_of_the_centre_lies_on_its_circle():
    """(x', y') = (y, −x) keeps x² + y²: the drawn trajectory through (1, 0) is the unit circle."""
    spec = figure_spec("y, -x", rect=(-2.0, 2.0, -2.0, 2.0), trajectories=[(1.0, 0.0)])
    assert spec.portrait is None and len(spec.trajectories) == 1
    fig = layout_figure(spec, "domain", (600, 600))
    frame = fig.frames["domain"]
    runs = [run for item in fig.items if isinstance(item, Polyline) and item.stroke.color[:3] == TRAJECTORY
            for run in item.runs]
    points = np.concatenate(runs)
    assert len(points) > 50
    radius = [math.hypot(*frame.to_data(px, py)) for px, py in points]
    px_size = 4.0 / frame.box.w
    assert np.allclose(radius, 1.0, atol=2 * px_size)
    starts = [i for i in fig.items if isinstance(i, Shape) and i.stroke is not None
              and i.stroke.color[:3] == TRAJECTORY]
    assert len(starts) == 1 and np.allclose(frame.to_data(*starts[0].points), (1.0, 0.0), atol=px_size)
