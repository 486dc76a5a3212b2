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

from jacviz.core.figure import layout_figure, svg_text
from jacviz.core.figure.build import figure_spec
from jacviz.core.figure.primitives import Polyline, Shape
from jacviz.core.figure.theme import SADDLE, SPEED_COLOURS, STABLE, TRAJECTORY, VEIL_ALPHA

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


@pytest.mark.parametrize("renderer", ["rsvg", "cairosvg"])
def test_other_programs_draw_each_equilibrium_in_its_type_colour(pendulum, renderer, tmp_path):
    spec, fig = pendulum
    text = svg_text(fig)
    image = _rsvg(text, *SIZE, tmp_path) if renderer == "rsvg" else _cairosvg(text, *SIZE)
    rgb = image[..., :3].astype(int)
    frame = fig.frames["domain"]
    for eq in spec.portrait.equilibria.items:
        col, row = frame.point(*eq.point)
        got = rgb[int(row), int(col)]
        want = STABLE if str(eq.kind) == "stable spiral" else SADDLE
        assert np.abs(got - want).max() <= 12, f"{eq.kind} at {eq.point}: {got} instead of {want}"


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
