"""Newton's method from one point and the Newton basins, checked against closed forms."""

import cmath
import itertools
import json
import math

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.errors import MappingError
from jacviz.core.lab import newton as nt

CUBE_ROOTS = [cmath.exp(2j * math.pi * k / 3) for k in range(3)]  # 1, ω, ω²


@pytest.fixture(scope="module")
def cubic():
    return compiled("z^3 - 1")


# -- from one point -------------------------------------------------------------------------------
def test_newton_near_a_simple_root_converges_quadratically(cubic):
    run = nt.newton_iterates(cubic, (1.2, 0.3))
    assert run.status == "converged" and run.converged
    np.testing.assert_allclose(run.root, (1.0, 0.0), atol=1e-15)
    errors = [abs(complex(*it.point) - 1) for it in run.iterates]
    pairs = [(e0, e1) for e0, e1 in itertools.pairwise(errors) if 1e-12 < e1 and e0 < 0.5]
    assert len(pairs) >= 3
    # e_{k+1} ≈ C·e_k² with C = |f''/(2f')| = |6z / 6z²| = 1 at z = 1
    ratios = [e1 / e0**2 for e0, e1 in pairs]
    assert all(0.3 < r < 3 for r in ratios), ratios
    assert ratios[-1] == pytest.approx(1.0, rel=0.05)


def test_the_correct_digits_double(cubic):
    run = nt.newton_iterates(cubic, (1.2, 0.3))
    digits = [it.digits for it in run.iterates[:-1]]
    assert run.iterates[-1].digits is None and run.iterates[-1].error is None
    middle = [(d0, d1) for d0, d1 in itertools.pairwise(digits) if 1 <= d0 <= 8]
    assert len(middle) >= 3
    for d0, d1 in middle:
        assert 1.7 * d0 < d1 < 2.3 * d0 or d1 == nt.DIGITS_CAP
    for it in run.iterates[:-1]:  # digits agree with the true error against the exact root
        assert it.digits == pytest.approx(min(16, -math.log10(abs(complex(*it.point) - 1))), abs=0.05)


def test_each_step_lands_where_the_tangent_plane_is_zero(cubic):
    run = nt.newton_iterates(cubic, (-0.4, 1.1))
    assert run.converged
    np.testing.assert_allclose(run.root, (CUBE_ROOTS[1].real, CUBE_ROOTS[1].imag), atol=1e-15)
    for it, nxt in zip(run.iterates, run.iterates[1:], strict=False):
        # p_{k+1} = p_k + δ_k, with J δ = −F: the linear prediction F + Jδ is the target 0
        np.testing.assert_allclose(np.add(it.point, it.step), nxt.point, rtol=0, atol=1e-15)
        np.testing.assert_allclose(it.target, 0.0, atol=1e-12 * (1 + it.residual))
        np.testing.assert_allclose(it.jacobian @ np.array(it.step), -np.array(it.value), atol=1e-12)
        assert it.residual == pytest.approx(math.hypot(*it.value))
    assert run.targets().shape == (len(run.iterates) - 1, 2)
    assert run.points().shape == run.values().shape == (len(run.iterates), 2)
    assert run.iterates[-1].residual < 1e-15


def test_a_start_on_the_critical_point_reports_a_singular_jacobian(cubic):
    run = nt.newton_iterates(cubic, (0.0, 0.0))  # det J = 9|z|⁴ = 0 at z = 0
    assert run.status == "singular" and run.root is None
    assert len(run.iterates) == 1 and run.iterates[0].step is None and run.iterates[0].det == 0
    text = run.message()
    assert "singular" in text and "critical curve" in text and "p₀ = (0, 0)" in text


def test_a_start_on_a_critical_line_reports_a_singular_jacobian():
    run = nt.newton_iterates(compiled("x, y^2 - 1"), (0.5, 0.0))  # det J = 2y: the line y = 0
    assert run.status == "singular" and run.iterates[0].det == 0


def test_an_iterate_that_lands_on_the_critical_point_stops_there():
    # z² + 1 from z = 1: z₁ = (z₀ − 1/z₀)/2 = 0, where J is singular
    run = nt.newton_iterates(compiled("z^2 + 1"), (1.0, 0.0))
    assert run.status == "singular"
    assert len(run.iterates) == 2 and run.iterates[1].point == (0.0, 0.0)
    assert "p₁" in run.message()


def test_undefined_escaped_and_unfinished_runs_are_results():
    undefined = nt.newton_iterates(compiled("log(x), y"), (-1.0, 0.5))
    assert undefined.status == "undefined" and "not defined" in undefined.message()
    # the cube root: x ← x − 3x = −2x, doubling away from the root at 0
    escaped = nt.newton_iterates(compiled("cbrt(x), y"), (1.0, 0.0))
    assert escaped.status == "escaped" and abs(escaped.iterates[-1].point[0]) > 1e8
    unfinished = nt.newton_iterates(compiled("x^2 + 1, y"), (0.3, 0.0), max_iterations=5)  # no real root
    assert unfinished.status == "max iterations" and len(unfinished.iterates) == 6
    assert "not converged after 5 steps" in unfinished.message()


def test_a_start_on_a_root_converges_at_once(cubic):
    run = nt.newton_iterates(cubic, (1.0, 0.0))
    assert run.converged and len(run.iterates) == 1 and run.message().startswith("converged to p₀")


def test_a_double_root_converges_linearly_but_converges():
    run = nt.newton_iterates(compiled("x^2, y"), (1.0, 1.0))
    assert run.converged and abs(run.root[0]) < 1e-12
    xs = [it.point[0] for it in run.iterates[1:8]]
    np.testing.assert_allclose(np.array(xs[1:]) / np.array(xs[:-1]), 0.5)  # halves every step


def test_newton_as_dict_is_json(cubic):
    data = json.loads(json.dumps(nt.newton_iterates(cubic, (1.2, 0.3)).as_dict()))
    assert data["status"] == "converged" and data["root"] == [1.0, 0.0]
    first = data["iterates"][0]
    assert first["point"] == [1.2, 0.3] and len(first["jacobian"]) == 2 and first["digits"] > 0
    assert data["iterates"][-1]["step"] is None
    singular = json.loads(json.dumps(nt.newton_iterates(cubic, (0.0, 0.0)).as_dict()))
    assert singular["status"] == "singular" and singular["root"] is None


def test_newton_input_is_checked(cubic):
    with pytest.raises(MappingError):
        nt.newton_iterates(cubic, (math.inf, 0.0))
    with pytest.raises(MappingError):
        nt.newton_iterates(cubic, (1.0, 0.0), max_iterations=0)


# -- the basins -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fractal(cubic):
    return nt.newton_basins(cubic, (-2.0, 2.0, -2.0, 2.0), 129)


def test_the_cubic_has_three_roots_and_no_others(fractal):
    expected = sorted(CUBE_ROOTS, key=lambda z: (z.real, z.imag))
    assert fractal.roots.shape == (3, 2) and fractal.complete
    for (x, y), z in zip(fractal.roots, expected, strict=True):
        assert abs(complex(x, y) - z) < 1e-12


def test_samples_on_the_rays_through_the_roots_reach_those_roots(fractal):
    n = fractal.root_index.shape[0]
    centres = -2 + (np.arange(n) + 0.5) * 4 / n
    gx, gy = np.meshgrid(centres, centres)
    z = gx + 1j * gy
    root_of = {int(np.argmin([abs(complex(*r) - w) for r in fractal.roots])): w for w in CUBE_ROOTS}
    for index, w in root_of.items():
        # within 2° of the ray through w, from |z| = 0.3 to the edge of the square
        ray = (np.abs(np.angle(z / w)) < math.radians(2)) & (np.abs(z) > 0.3)
        assert ray.sum() > 20
        assert (fractal.root_index[ray] == index).all()
        assert np.isfinite(fractal.iterations[ray]).all()


def test_rows_are_y_and_columns_are_x():
    # x, y² − 1 has roots (0, −1) and (0, 1): the lower half of the rows goes to the first
    b = nt.newton_basins(compiled("x, y^2 - 1"), (-1.0, 1.0, -2.0, 2.0), 8)
    np.testing.assert_allclose(b.roots, [[0, -1], [0, 1]], atol=1e-12)
    assert (b.root_index[:4] == 0).all() and (b.root_index[4:] == 1).all()
    # z² − 1: left half of the columns to −1, right half to +1
    c = nt.newton_basins(compiled("z^2 - 1"), (-2.0, 2.0, -1.0, 1.5), 10)
    np.testing.assert_allclose(c.roots, [[-1, 0], [1, 0]], atol=1e-12)
    assert (c.root_index[:, :5] == 0).all() and (c.root_index[:, 5:] == 1).all()


def test_the_centre_sample_of_the_cubic_does_not_converge(fractal):
    n = fractal.root_index.shape[0]
    assert fractal.root_index[n // 2, n // 2] == -1  # z = 0: singular J, no root
    assert math.isnan(fractal.iterations[n // 2, n // 2])


def test_iteration_counts_are_those_of_single_runs(cubic, fractal):
    n = fractal.root_index.shape[0]
    centres = -2 + (np.arange(n) + 0.5) * 4 / n
    rng = np.random.default_rng(7)
    for i, j in rng.integers(0, n, size=(25, 2)):
        run = nt.newton_iterates(cubic, (centres[j], centres[i]))
        if fractal.root_index[i, j] < 0:
            continue
        assert run.converged
        root = fractal.roots[fractal.root_index[i, j]]
        np.testing.assert_allclose(run.root, root, atol=1e-9)
        # the basins stop at a looser tolerance, so they may count a step or two less
        assert len(run.iterates) - 3 <= fractal.iterations[i, j] <= len(run.iterates) - 1


def test_a_linear_map_takes_one_step_everywhere():
    b = nt.newton_basins(compiled("2x + y - 1, x - 3y"), (-5.0, 5.0, -5.0, 5.0), 16)
    assert b.roots.shape == (1, 2) and (b.root_index == 0).all() and (b.iterations == 1).all()
    np.testing.assert_allclose(b.roots[0], np.linalg.solve([[2, 1], [1, -3]], [1, 0]), atol=1e-14)


def test_undefined_samples_do_not_converge():
    b = nt.newton_basins(compiled("log(x) , y"), (-1.0, 3.0, -1.0, 1.0), 8)
    np.testing.assert_allclose(b.roots, [[1, 0]], atol=1e-12)
    assert (b.root_index[:, :2] == -1).all()  # x < 0: log is undefined
    assert np.isnan(b.iterations[:, :2]).all()


def test_too_many_roots_are_cut_off(monkeypatch, cubic):
    monkeypatch.setattr(nt, "MAX_ROOTS", 2)
    b = nt.newton_basins(cubic, (-2.0, 2.0, -2.0, 2.0), 33)
    assert not b.complete and b.roots.shape == (2, 2)
    assert (b.root_index == -1).sum() > 33 * 33 / 4  # the third basin is grey


def test_rgba_colours_each_basin_and_greys_the_rest(fractal):
    img = fractal.rgba()
    n = fractal.root_index.shape[0]
    assert img.shape == (n, n, 4) and img.dtype == np.uint8 and (img[..., 3] == 255).all()
    assert (img[fractal.root_index == -1][:, :3] == 150).all()
    palette = np.array(nt.BASIN_COLOURS[:3], dtype=float)
    converged = fractal.iterations[fractal.root_index >= 0]
    lo, hi = converged.min(), np.percentile(converged, 98)
    for k in range(3):
        pix = img[fractal.root_index == k][:, :3].astype(float)
        its = fractal.iterations[fractal.root_index == k]
        # every pixel is the root's colour times one shade: 1 at the fewest iterations,
        # 0.35 at the 98th percentile or more, linear between
        shade = pix.sum(1) / palette[k].sum()
        np.testing.assert_allclose(pix, shade[:, None] * palette[k], atol=2.5)
        expected = 1 - 0.65 * np.clip((its - lo) / (hi - lo), 0, 1)
        np.testing.assert_allclose(shade, expected, atol=0.01)
    grey = fractal.rgba(colours=[(255, 0, 0)], grey=(0, 0, 0))
    assert (grey[fractal.root_index == -1][:, :3] == 0).all()
    assert (grey[fractal.root_index >= 0][:, 1:3] == 0).all()


def test_basins_as_dict_sums_to_one(fractal):
    data = json.loads(json.dumps(fractal.as_dict()))
    assert len(data["roots"]) == 3 and data["complete"] is True
    assert sum(data["fractions"]) + data["not_converged"] == pytest.approx(1.0)
    # the three basins are images of each other under a turn by 120°, and the square nearly is
    assert all(abs(f - 1 / 3) < 0.05 for f in data["fractions"])


def test_basins_input_is_checked(cubic):
    with pytest.raises(MappingError):
        nt.newton_basins(cubic, (1.0, -1.0, 0.0, 1.0), 8)
    with pytest.raises(MappingError):
        nt.newton_basins(cubic, (-1.0, 1.0, -1.0, 1.0), 1)
