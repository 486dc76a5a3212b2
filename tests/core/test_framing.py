"""A typed mapping's natural domain (jacviz.core.sampling.framing), against what the formula says."""

import math

import pytest
from corehelpers import compiled

from jacviz.core.sampling.framing import (
    DEFAULT_DOMAIN,
    POLAR_DOMAIN,
    fit_aspect,
    is_polar,
    natural_domain,
    shape_domain,
)


@pytest.mark.parametrize("variables", [("r", "t"), ("r", "theta"), ("rho", "phi"), ("r", "θ")])
def test_a_radius_and_an_angle_get_r_positive_and_one_turn(variables):
    a, b = variables
    numeric = compiled(f"({a}, {b}) -> {a} cos({b}), {a} sin({b})")
    rect, why = natural_domain(numeric, variables)
    assert rect == POLAR_DOMAIN == (0.0, 2.0, -math.pi, math.pi)
    assert a in why


@pytest.mark.parametrize("variables", [("x", "y"), ("t", "r"), ("u", "v"), ("r", "s")])
def test_other_names_are_not_polar(variables):
    assert not is_polar(variables)


def test_a_half_plane_domain_is_framed_to_where_f_is_defined():
    rect, why = natural_domain(compiled("log(x), y"), ("x", "y"))
    x0, x1, y0, y1 = rect
    assert 0.0 <= x0 <= 0.06 and x1 == 2.0  # log x is defined for x > 0 only
    assert (y0, y1) == (-2.0, 2.0)
    assert why


def test_a_disc_domain_is_framed_to_the_disc():
    rect, _ = natural_domain(compiled("sqrt(1 - x^2 - y^2), x"), ("x", "y"))
    for value, edge in zip(rect, (-1, 1, -1, 1), strict=True):
        assert abs(value - edge) <= 0.06


@pytest.mark.parametrize("text", ["x, y", "1/z", "z^2", "x y, y/x", "exp(z)"])
def test_mappings_defined_almost_everywhere_keep_the_default_square(text):
    rect, why = natural_domain(compiled(text), ("x", "y"))
    assert rect == DEFAULT_DOMAIN and why == ""


def test_a_mapping_defined_nowhere_keeps_the_default_square():
    rect, _ = natural_domain(compiled("log(-1 - x^2), y"), ("x", "y"))
    assert rect == DEFAULT_DOMAIN


@pytest.mark.parametrize("aspect", [0.5, 1.0, 1.7, 3.0])
def test_fit_aspect_keeps_the_rect_inside_and_takes_the_aspect(aspect):
    x0, x1, y0, y1 = fit_aspect((0.0, 2.0, -1.0, 1.0), aspect)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(aspect)
    assert x0 <= 0.0 and x1 >= 2.0 and y0 <= -1.0 and y1 >= 1.0
    assert (x0 + x1) / 2 == pytest.approx(1.0) and (y0 + y1) / 2 == pytest.approx(0.0)


@pytest.mark.parametrize("aspect", [None, 0.0, -1.0, math.inf, math.nan])
def test_fit_aspect_without_a_usable_aspect_is_the_rect(aspect):
    assert fit_aspect((0, 2, -1, 1), aspect) == (0.0, 2.0, -1.0, 1.0)


@pytest.mark.parametrize("variables, rect, third", [
    (("r", "t", "p"), (0.0, 2.0, -math.pi, math.pi), (0.0, math.pi)),  # spherical: p is the polar angle
    (("r", "theta", "phi"), (0.0, 2.0, -math.pi, math.pi), (0.0, math.pi)),
    (("r", "t", "z"), (0.0, 2.0, -math.pi, math.pi), (-2.0, 2.0)),  # cylindrical
    (("u", "t"), (-2.0, 2.0, -math.pi, math.pi), None),  # an angle alone still turns once
])
def test_a_typed_shape_with_polar_names_frames_itself(variables, rect, third):
    assert shape_domain(variables) == (rect, third)


@pytest.mark.parametrize("variables", [("x", "y"), ("u", "v"), ("x", "y", "z"), ("x", "y", "p"), ("t",)])
def test_other_names_keep_the_default_domain(variables):
    assert shape_domain(variables) is None
