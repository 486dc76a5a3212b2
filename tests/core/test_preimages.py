"""Preimages F⁻¹(q) ∩ rect by vectorised damped Newton, checked against closed forms."""

import cmath
import math

import numpy as np
import pytest

from jacviz.core.errors import MappingError
from jacviz.core.lab.preimages import preimages, seed_grid
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_mapping

SQUARE = (-2.0, 2.0, -2.0, 2.0)


def compiled(text):
    return compile_mapping(Mapping.from_text(text))


def as_complex(points):
    return sorted((complex(x, y) for x, y in points), key=lambda z: (z.real, z.imag))


def assert_maps_to(c, points, q, tol=1e-9):
    for p in points:
        assert np.hypot(*(c.value_at(*p) - np.asarray(q))) < tol


@pytest.mark.parametrize("q", [(2.0, 1.0), (-1.0, 0.5), (0.3, -2.5), (-3.0, 0.0)])
def test_z_squared_has_the_two_square_roots(q):
    c = compiled("z^2")
    found = preimages(c, q, SQUARE)
    assert found.shape == (2, 2)
    assert_maps_to(c, found, q)
    root = cmath.sqrt(complex(*q))
    expected = sorted([root, -root], key=lambda z: (z.real, z.imag))
    for got, want in zip(as_complex(found), expected, strict=True):
        assert abs(got - want) < 1e-10


def test_z_cubed_has_the_three_cube_roots():
    c = compiled("z^3")
    found = preimages(c, (1.0, 0.0), SQUARE)
    expected = sorted((cmath.exp(2j * math.pi * k / 3) for k in range(3)), key=lambda z: (z.real, z.imag))
    assert len(found) == 3
    for got, want in zip(as_complex(found), expected, strict=True):
        assert abs(got - want) < 1e-10


def test_the_count_jumps_across_the_cusp():
    # F = (x, y³ + xy): for x = −1 the cubic y³ − y has three roots, for x = 1 only y = 0
    c = compiled("x, y^3 + x y")
    inside = preimages(c, (-1.0, 0.0), SQUARE)
    outside = preimages(c, (1.0, 0.0), SQUARE)
    np.testing.assert_allclose(inside, [[-1, -1], [-1, 0], [-1, 1]], atol=1e-10)
    np.testing.assert_allclose(outside, [[1, 0]], atol=1e-10)


def test_on_the_fold_a_double_root_is_one_preimage():
    # q on the image of the critical curve (the fold line v = 0 of x, y²): y = 0 is double
    c = compiled("x, y^2")
    found = preimages(c, (0.5, 0.0), SQUARE)
    assert found.shape == (1, 2)
    np.testing.assert_allclose(found[0], [0.5, 0.0], atol=1e-6)
    assert len(preimages(c, (0.5, 0.25), SQUARE)) == 2  # just inside the fold: two sheets


@pytest.mark.parametrize("text, q", [("x, y^2", (0.0, -1.0)), ("exp(x), y", (-1.0, 0.0)),
                                     ("z^2", (40.0, 0.0))])
def test_no_preimage_gives_an_empty_array(text, q):
    # (40, 0) has preimages ±√40 ≈ ±6.3, outside the square
    found = preimages(compiled(text), q, SQUARE)
    assert found.shape == (0, 2)


def test_only_points_inside_the_rectangle_count():
    c = compiled("z^2")
    right = preimages(c, (2.0, 1.0), (0.0, 2.0, -2.0, 2.0))
    root = cmath.sqrt(2 + 1j)
    assert right.shape == (1, 2)
    assert abs(complex(*right[0]) - root) < 1e-10


def test_many_roots_of_a_periodic_map():
    # sin x = 1/2 at π/6 + 2πk and 5π/6 + 2πk; on [-10, 10] there are 7 of them
    c = compiled("sin(x), y")
    found = preimages(c, (0.5, 0.0), (-10.0, 10.0, -1.0, 1.0))
    roots = [base + 2 * math.pi * k for k in range(-2, 3) for base in (math.pi / 6, 5 * math.pi / 6)]
    expected = sorted(x for x in roots if -10 <= x <= 10)
    assert len(expected) == 7
    np.testing.assert_allclose(found[:, 0], expected, atol=1e-10)
    np.testing.assert_allclose(found[:, 1], 0.0, atol=1e-10)


def test_polar_map_finds_every_turn_of_the_angle():
    c = compiled("(r, t) -> r cos(t), r sin(t)")
    found = preimages(c, (0.3, 0.4), (0.0, 1.0, -10.0, 10.0))
    base = math.atan2(0.4, 0.3)
    np.testing.assert_allclose(found[:, 0], 0.5, atol=1e-10)
    np.testing.assert_allclose(found[:, 1], [base - 2 * math.pi, base, base + 2 * math.pi], atol=1e-10)


def test_linear_map_has_the_solution_of_the_system():
    c = compiled("2x + y, x - 3y")
    found = preimages(c, (1.0, 4.0), SQUARE)
    np.testing.assert_allclose(found, [np.linalg.solve([[2, 1], [1, -3]], [1, 4])], atol=1e-12)


def test_explicit_seeds_are_used():
    c = compiled("z^2")
    one = preimages(c, (4.0, 0.0), SQUARE, seeds=np.array([[1.5, 0.1]]))
    np.testing.assert_allclose(one, [[2.0, 0.0]], atol=1e-10)


def test_seed_grid_has_points_and_centres():
    seeds = seed_grid((0.0, 1.0, 0.0, 1.0), 24)
    assert seeds.shape == (24 * 24 + 23 * 23, 2)
    assert seeds.min() == 0.0 and seeds.max() == 1.0


@pytest.mark.parametrize("rect, q", [((1.0, 0.0, 0.0, 1.0), (0.0, 0.0)), (SQUARE, (0.0, math.nan)),
                                     (SQUARE, (1.0,))])
def test_bad_input_is_a_mapping_error(rect, q):
    with pytest.raises(MappingError):
        preimages(compiled("z^2"), q, rect)
