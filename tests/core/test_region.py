"""Change of variables over a region: the integrals of det J and |det J| and the area of F(R).

Every expected value is a closed form. The cubature's time budget is switched off
(``time_budget=None``) so that the results do not depend on how busy the machine is.
"""

import json
import math

import numpy as np
import pytest

from jacviz.core.errors import MappingError
from jacviz.core.lab.region import fold_mask, rasterize_coverage, region_report
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_mapping

REQUIRED_KEYS = {"domain_area", "integral_det", "integral_abs_det", "image_area", "error_estimate"}


def compiled(text, variables=None):
    return compile_mapping(Mapping.from_text(text, variables))


def report(text, rect=None, polygon=None, **kw):
    return region_report(compiled(text), rect=rect, polygon=polygon, time_budget=None, **kw)


def test_polar_map_disc_area_is_pi_both_ways():
    r = report("(r, t) -> r cos(t), r sin(t)", (0.0, 1.0, 0.0, 2 * math.pi))
    assert r.domain_area == pytest.approx(2 * math.pi, rel=1e-15)
    assert r.integral_abs_det == pytest.approx(math.pi, rel=1e-9)
    assert r.integral_det == pytest.approx(math.pi, rel=1e-9)
    assert r.image_area == pytest.approx(math.pi, rel=1e-5)
    assert abs(r.image_area - math.pi) <= 10 * r.image_area_error
    assert r.image_area_method == "boundary"  # injective: shoelace of F(∂R)
    assert r.max_preimages == 1 and not r.folds and r.converged


def test_injective_but_orientation_reversing_half_is_not_a_shoelace():
    # polar map across r = 0: r < 0 maps to the opposite sector with det J = r < 0. F is
    # injective off r = 0, so area(F(R)) = ∬|r| = 2, while the shoelace sum of F(∂R) is
    # ∬ det J = 0.
    r = report("(r, t) -> r cos(t), r sin(t)", (-1.0, 1.0, -1.0, 1.0))
    assert abs(r.integral_det) < 1e-12
    assert r.integral_abs_det == pytest.approx(2.0, rel=1e-9)
    assert r.folds and r.max_preimages == 1
    assert r.image_area == pytest.approx(2.0, rel=1e-3)


def test_z_squared_on_a_square_about_the_origin_covers_twice():
    # |det J| = 4|z|²: ∬ over [-1,1]² is 4·(8/3); z and −z have the same image, so the
    # image is the image of the upper half, half of that.
    r = report("z^2", (-1.0, 1.0, -1.0, 1.0))
    assert r.integral_abs_det == pytest.approx(32 / 3, rel=1e-10)
    assert r.integral_det == pytest.approx(32 / 3, rel=1e-10)
    assert r.image_area == pytest.approx(16 / 3, rel=1e-3)
    assert r.image_area < 0.6 * r.integral_abs_det
    assert r.image_area_method == "raster"
    assert r.max_preimages == 2
    assert r.overlap_fraction > 0.95  # almost every image point has two preimages
    assert not r.folds  # det J = 4|z|² never changes sign: a branch point, not a fold


def test_z_squared_is_injective_off_the_real_axis():
    # On [-1,1]×[0.1,1] no two points are ±z of each other, so area(F(R)) = ∬|det J|.
    exact = 4 * ((2 / 3) * 0.9 + 2 * (1 - 0.1**3) / 3)
    r = report("z^2", (-1.0, 1.0, 0.1, 1.0))
    assert r.integral_abs_det == pytest.approx(exact, rel=1e-10)
    assert r.image_area == pytest.approx(exact, rel=1e-5)
    assert r.max_preimages == 1 and r.image_area_method == "boundary"


@pytest.mark.parametrize("rect", [(0.0, 1.0, 0.0, 2.0), (-3.0, -1.5, 0.25, 4.0)])
def test_linear_map_everything_is_abs_det_times_area(rect):
    r = report("2x + y, x - 3y", rect)
    area = (rect[1] - rect[0]) * (rect[3] - rect[2])
    assert r.domain_area == pytest.approx(area)
    assert r.integral_det == pytest.approx(-7 * area, rel=1e-12)
    assert r.integral_abs_det == pytest.approx(7 * area, rel=1e-12)
    assert r.image_area == pytest.approx(7 * area, rel=1e-9)
    assert r.negative_fraction == pytest.approx(1.0)
    assert not r.folds  # orientation reversed everywhere is not a fold


def test_whitney_fold_on_the_square():
    # det J = 2y: ∬ det = 0 by symmetry, ∬|det| = 2·∫|2y|dy = 4, and the image is
    # [-1,1]×[0,1] (area 2) covered twice.
    r = report("x, y^2", (-1.0, 1.0, -1.0, 1.0))
    assert abs(r.integral_det) < 1e-12
    assert r.integral_abs_det == pytest.approx(4.0, rel=1e-10)
    assert r.image_area == pytest.approx(2.0, rel=1e-3)
    assert r.folds and r.negative_fraction == pytest.approx(0.5, abs=1e-9)
    assert r.max_preimages == 2


def test_whitney_fold_with_the_critical_line_inside_cells():
    # y ∈ [-0.5, 1]: the kink of |2y| at y = 0 is not on a cell edge of the initial grid,
    # so this needs the refinement. ∬|2y| = 2(0.25 + 1), ∬ 2y = 2(1 − 0.25).
    r = report("x, y^2", (-1.0, 1.0, -0.5, 1.0))
    assert r.integral_abs_det == pytest.approx(2.5, rel=1e-7)
    assert r.integral_det == pytest.approx(1.5, rel=1e-9)
    assert abs(r.integral_abs_det - 2.5) <= r.error_abs_det
    assert r.image_area == pytest.approx(2.0, rel=1e-3)
    assert r.negative_fraction == pytest.approx(1 / 3, rel=1e-3)
    # v ∈ [0, 0.25] is reached from y and −y: a quarter of the image is covered twice
    assert r.overlap_fraction == pytest.approx(0.25, abs=0.01)


def test_cusp_integrals_and_image_area_closed_forms():
    # det J = x + 3y². For fixed y, ∫_{-1}^{1}|x + c| dx is 1 + c² (c < 1) or 2c (c ≥ 1).
    a = 1 / math.sqrt(3)
    abs_exact = 2 * a + 18 * a**5 / 5 + 4 * (1 - a**3)
    # image: for fixed x the v-range of y³ + xy over [-1,1] is 2·max(1 + x, m(x)),
    # m = (2/3)(−x)^(3/2)/√3 the local maximum, which wins for x < −3/4.
    image_exact = 3 + 15 / 16 + 8 / (15 * math.sqrt(3)) * (1 - 0.75**2.5)
    r = report("x, y^3 + x y", (-1.0, 1.0, -1.0, 1.0))
    assert r.integral_det == pytest.approx(4.0, rel=1e-12)
    assert r.integral_abs_det == pytest.approx(abs_exact, rel=1e-7)
    assert abs(r.integral_abs_det - abs_exact) <= r.error_abs_det  # the estimate is a bound here
    assert r.converged
    assert r.image_area == pytest.approx(image_exact, rel=1e-3)
    assert r.image_area < r.integral_abs_det
    assert r.max_preimages == 3 and r.folds


def test_tighter_tolerance_is_more_accurate_and_costs_more():
    a = 1 / math.sqrt(3)
    exact = 2 * a + 18 * a**5 / 5 + 4 * (1 - a**3)
    loose = report("x, y^3 + x y", (-1.0, 1.0, -1.0, 1.0), tol=1e-4)
    tight = report("x, y^3 + x y", (-1.0, 1.0, -1.0, 1.0), tol=1e-9)
    assert tight.evaluations > loose.evaluations
    assert abs(tight.integral_abs_det - exact) < abs(loose.integral_abs_det - exact)
    assert abs(tight.integral_abs_det - exact) < 1e-8


def test_work_cap_stops_early_and_says_so():
    r = report("x, y^3 + x y", (-1.0, 1.0, -1.0, 1.0), max_evaluations=5000)
    assert not r.converged
    assert r.evaluations <= 5000
    assert r.error_abs_det > 1e-7 * r.integral_abs_det


def test_wrapping_exp_counts_the_annulus_once():
    # exp on [-1,1]×[-4,4]: ∬ e^{2x} = 8·sinh(2); the image is the annulus e^-1 < |w| < e,
    # covered twice where the 8-long strip wraps past 2π.
    r = report("exp(z)", (-1.0, 1.0, -4.0, 4.0))
    assert r.integral_abs_det == pytest.approx(8 * math.sinh(2), rel=1e-9)
    assert r.image_area == pytest.approx(math.pi * (math.e**2 - math.e**-2), rel=1e-3)
    assert r.max_preimages == 2
    assert r.overlap_fraction == pytest.approx((8 - 2 * math.pi) / (2 * math.pi), abs=0.01)


def test_polygon_region_l_shape_given_clockwise():
    # z² on the L = [0,2]×[0,1] ∪ [0,1]×[1,2]: ∬ 4(x² + y²) = 40/3 + 32/3 = 24, and z² is
    # injective on the first quadrant.
    clockwise = [(0, 0), (0, 2), (1, 2), (1, 1), (2, 1), (2, 0)]
    r = report("z^2", polygon=clockwise)
    assert r.domain_area == pytest.approx(3.0)
    assert r.integral_abs_det == pytest.approx(24.0, rel=1e-10)
    assert r.image_area == pytest.approx(24.0, rel=1e-5)


def test_polygon_raster_l_shape_around_the_branch_point():
    # S = lower half of [-1,1]² plus its upper-left quadrant, a reflex vertex at 0. z² is
    # 2-to-1 and S ∪ −S is the whole square, so area(z²(S)) = ½∬_{[-1,1]²} 4|z|² = 16/3,
    # while ∬_S 4|z|² = ¾·32/3 = 8; the two quadrants in S ∩ −S give the same half of it.
    shape = [(-1, -1), (1, -1), (1, 0), (0, 0), (0, 1), (-1, 1)]
    r = report("z^2", polygon=shape)
    assert r.integral_abs_det == pytest.approx(8.0, rel=1e-10)
    assert r.image_area == pytest.approx(16 / 3, rel=1e-3)
    assert r.image_area_method == "raster" and r.max_preimages == 2
    assert r.overlap_fraction == pytest.approx(0.5, abs=0.01)


def test_polygon_raster_needs_no_good_triangles():
    # a 7-pointed star of 200 vertices ear-clips into long thin triangles; under z² a mesh
    # of those would fold over itself. The lattice mesh sees at most two sheets.
    theta = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    star = np.stack([np.cos(theta), np.sin(theta)], 1) * (1 + 0.5 * np.cos(7 * theta))[:, None]
    r = report("z^2", polygon=star)
    assert r.max_preimages == 2
    # the identity sees the polygon itself, once
    same = report("x, y", polygon=star)
    assert same.max_preimages == 1
    assert same.image_area == pytest.approx(same.domain_area, rel=1e-9)


def test_polygon_triangle_and_closed_vertex_list():
    tri = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)]  # repeated first vertex is fine
    r = report("2x + y, x - 3y", polygon=tri)
    assert r.domain_area == pytest.approx(0.5)
    assert r.integral_det == pytest.approx(-3.5, rel=1e-12)
    assert r.image_area == pytest.approx(3.5, rel=1e-9)


def test_polygon_with_a_kink_inside_matches_the_rectangle():
    # the same square as a polygon with extra vertices on its edges
    square = [(-1, -1), (0, -1), (1, -1), (1, 0.3), (1, 1), (-1, 1)]
    poly = report("x, y^3 + x y", polygon=square)
    rect = report("x, y^3 + x y", (-1.0, 1.0, -1.0, 1.0))
    assert poly.integral_abs_det == pytest.approx(rect.integral_abs_det, rel=1e-6)
    assert poly.integral_det == pytest.approx(4.0, rel=1e-10)


def test_undefined_part_is_left_out_and_reported():
    # sqrt(x) is undefined for x < 0: half of [-1,1]×[0,1]; on the rest ∬ 1/(2√x) = 1.
    r = report("sqrt(x), y", (-1.0, 1.0, 0.0, 1.0), max_evaluations=400_000)
    assert r.undefined_fraction == pytest.approx(0.5, abs=1e-3)
    assert r.integral_abs_det == pytest.approx(1.0, abs=5e-3)
    # F(R) is not the image of all of R: no area, and the report says why
    assert math.isnan(r.image_area) and r.image_area_method == "none"
    assert "undefined on 50" in r.image_area_note


@pytest.mark.parametrize("kwargs, words", [
    ({"rect": (1.0, 0.0, 0.0, 1.0)}, "x0 < x1"),
    ({"rect": (0.0, 1.0, 2.0, 2.0)}, "y0 < y1"),
    ({"rect": (0.0, math.inf, 0.0, 1.0)}, "finite"),
    ({}, "exactly one"),
    ({"rect": (0, 1, 0, 1), "polygon": [(0, 0), (1, 0), (0, 1)]}, "exactly one"),
    ({"polygon": [(0, 0), (1, 0)]}, "at least 3"),
    ({"polygon": [(0, 0), (1, 1), (1, 0), (0, 1)]}, "crosses itself"),
    ({"polygon": [(0, 0), (1, 1), (2, 2)]}, "no area"),
])
def test_bad_regions_are_mapping_errors(kwargs, words):
    with pytest.raises(MappingError, match=words):
        region_report(compiled("x, y"), **kwargs)


def test_as_dict_is_json_with_the_required_keys():
    d = report("x, y^2", (-1.0, 1.0, -1.0, 1.0)).as_dict()
    assert REQUIRED_KEYS <= set(d)
    assert {"folds", "max_preimages", "negative_fraction", "converged"} <= set(d)
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d["folds"] is True and d["max_preimages"] == 2


def test_fold_mask_follows_det_field_layout():
    mask = fold_mask(compiled("x, y^2"), (-1.0, 1.0, -1.0, 1.0), 8)
    assert mask.shape == (8, 8)
    assert mask[:4].all() and not mask[4:].any()  # rows are y: the lower half has det < 0


def test_raster_is_watertight_on_shared_edges():
    # a 4×4 mesh of unit squares, two triangles each, with a pixel centre on every vertex
    # and edge of the mesh: each centre is counted by exactly one triangle (top-left rule)
    tris = []
    for i in range(4):
        for j in range(4):
            c00, c10, c11, c01 = (i, j), (i + 1, j), (i + 1, j + 1), (i, j + 1)
            tris += [[c00, c10, c11], [c00, c11, c01]]
    cov = rasterize_coverage(np.array(tris, dtype=float), (-0.5, 4.5, -0.5, 4.5), 5)
    assert (cov[1:4, 1:4] == 1).all()  # interior vertices are shared by up to six triangles
    assert cov.max() == 1
    # of the outer boundary, two sides belong to the (absent) neighbours: 4×4 centres
    assert cov.sum() == 16


def test_kronrod_and_gauss_rules_are_exact_to_their_degree():
    from jacviz.core.lab import region

    for k in range(14):
        exact = 2 / (k + 1) if k % 2 == 0 else 0.0
        kronrod = float(np.sum(region._WK1 * region._X1**k))
        gauss = float(np.sum(region._WG1 * region._X1**k))
        if k <= 11 or k % 2:
            assert kronrod == pytest.approx(exact, abs=1e-15)  # odd powers: by symmetry
        else:
            assert abs(kronrod - exact) > 1e-6  # degree 12 is where K7 stops being exact
        if k <= 5:
            assert gauss == pytest.approx(exact, abs=1e-15)
        elif k == 6:
            assert abs(gauss - exact) > 1e-6
    assert region._WK.sum() == pytest.approx(4.0) and region._WG.sum() == pytest.approx(4.0)
