"""F read as a vector field: equilibria and their types, the trace–determinant diagram, the
arrow field, streamlines and trajectories, checked against closed forms."""

import json
import math

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.errors import MappingError
from jacviz.core.lab import dynamics as dyn
from jacviz.core.lab.dynamics import Kind
from jacviz.core.numeric.protocol import Evaluation, MappingBase
from jacviz.core.persistence.presets import load_presets, parse_presets

SQUARE = (-2.0, 2.0, -2.0, 2.0)


def only(text, rect=SQUARE, params=None):
    found = dyn.find_equilibria(compiled(text), rect, params)
    assert len(found) == 1, [e.point for e in found]
    return found[0]


def unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.hypot(*v)


def same_direction(a, b, tol=1e-9):
    """a and b are parallel (either sign: an eigenvector's sign means nothing)."""
    a, b = unit(a), unit(b)
    return abs(a[0] * b[1] - a[1] * b[0]) < tol


# -- classification against closed forms ---------------------------------------------------------
def test_rotation_is_a_centre():
    e = only("y, -x")
    np.testing.assert_allclose(e.point, [0, 0], atol=1e-12)
    assert e.kind is Kind.CENTRE
    assert e.linear.trace == 0 and e.linear.det == 1 and e.linear.discriminant == -4
    assert e.linear.eigenvalues == (1j, -1j)
    assert e.linear.eigenvectors == ()  # complex eigenvalues: no real direction
    np.testing.assert_array_equal(e.linear.jacobian, [[0, 1], [-1, 0]])


def test_x_minus_y_is_a_saddle_with_the_axes_as_eigenvectors():
    e = only("x, -y")
    assert e.kind is Kind.SADDLE
    assert e.linear.eigenvalues == (1, -1)
    (l1, v1), (l2, v2) = e.linear.eigenvectors
    assert (l1, l2) == (1, -1)
    assert v1 == (1.0, 0.0) and v2 == (0.0, 1.0)


def test_damped_rotation_is_a_stable_spiral():
    e = only("-x + y, -x - y")
    assert e.kind is Kind.STABLE_SPIRAL
    assert (e.linear.trace, e.linear.det, e.linear.discriminant) == (-2, 2, -4)
    assert e.linear.eigenvalues == (complex(-1, 1), complex(-1, -1))
    assert e.linear.eigenvalue_text() == "λ = −1 ± 1i"


def test_competing_species_has_the_four_textbook_equilibria():
    # Strogatz §6.4: rabbits and sheep, x' = x(3 − x − 2y), y' = y(2 − x − y)
    found = dyn.find_equilibria(compiled("x(3 - x - 2y), y(2 - x - y)"), (-0.5, 3.5, -0.5, 3.5))
    points = [e.point for e in found]
    np.testing.assert_allclose(points, [[0, 0], [0, 2], [1, 1], [3, 0]], atol=1e-10)
    kinds = [e.kind for e in found]
    assert kinds == [Kind.UNSTABLE_NODE, Kind.STABLE_NODE, Kind.SADDLE, Kind.STABLE_NODE]
    origin, sheep, both, rabbits = found
    np.testing.assert_allclose([z.real for z in origin.linear.eigenvalues], [3, 2], atol=1e-10)
    np.testing.assert_allclose([z.real for z in sheep.linear.eigenvalues], [-1, -2], atol=1e-10)
    np.testing.assert_allclose([z.real for z in rabbits.linear.eigenvalues], [-1, -3], atol=1e-10)
    # the coexistence point: J = [[-1, -2], [-1, -1]], λ = −1 ± √2
    np.testing.assert_allclose(both.linear.jacobian, [[-1, -2], [-1, -1]], atol=1e-10)
    np.testing.assert_allclose([z.real for z in both.linear.eigenvalues],
                               [-1 + math.sqrt(2), -1 - math.sqrt(2)], atol=1e-10)
    for lam, v in both.linear.eigenvectors:  # (J − λI)v = 0
        np.testing.assert_allclose((both.linear.jacobian - lam * np.eye(2)) @ v, 0, atol=1e-9)
    # the sheep-only point's eigenvectors: (0, 1) for −2 and (1, −2) for −1
    vectors = dict(sheep.linear.eigenvectors)
    assert same_direction(vectors[min(vectors)], (0, 1), 1e-9)
    assert same_direction(vectors[max(vectors)], (1, -2), 1e-9)


def test_pendulum_equilibria_alternate_between_spirals_and_saddles():
    found = dyn.find_equilibria(compiled("y, -sin(x) - 0.5 y"), (-10.0, 10.0, -2.0, 2.0))
    ks = range(-3, 4)
    np.testing.assert_allclose([e.point for e in found], [[k * math.pi, 0] for k in ks], atol=1e-10)
    for k, e in zip(ks, found, strict=True):
        if k % 2 == 0:  # hanging down: J = [[0, 1], [−1, −0.5]]
            assert e.kind is Kind.STABLE_SPIRAL
            assert e.linear.eigenvalues[0] == pytest.approx(complex(-0.25, math.sqrt(4 - 0.25) / 2))
        else:  # upright: J = [[0, 1], [1, −0.5]]
            assert e.kind is Kind.SADDLE
            root = math.sqrt(0.25 + 4)
            expected = [(-0.5 + root) / 2, (-0.5 - root) / 2]
            assert [z.real for z in e.linear.eigenvalues] == pytest.approx(expected)


@pytest.mark.parametrize("jac, kind, region", [
    ([[2, 0], [0, 1]], Kind.UNSTABLE_NODE, "unstable node"),
    ([[-2, 0], [0, -1]], Kind.STABLE_NODE, "stable node"),
    ([[1, -2], [2, 1]], Kind.UNSTABLE_SPIRAL, "unstable spiral"),
    ([[-1, 1], [0, -1]], Kind.STABLE_NODE, "repeated stable"),  # a Jordan block
    ([[2, 0], [0, 2]], Kind.UNSTABLE_NODE, "repeated unstable"),  # a star
    ([[1, 0], [0, 0]], Kind.DEGENERATE, "degenerate"),
    ([[0, 1], [0, 0]], Kind.DEGENERATE, "degenerate"),
    ([[1e-12, 1], [-1, 0]], Kind.CENTRE, "centre"),  # trace within 1e-9·‖J‖ of 0
    ([[1e-6, 1], [-1, 0]], Kind.UNSTABLE_SPIRAL, "unstable spiral"),  # and just past it
    ([[0, 1], [-1, -1e-6]], Kind.STABLE_SPIRAL, "stable spiral"),
])
def test_classification_of_a_matrix(jac, kind, region):
    lin = dyn.classify(jac)
    assert lin.kind is kind
    assert lin.region.key == region and lin.region.kind is kind


def test_repeated_eigenvalues_have_one_direction_or_all():
    jordan = dyn.classify([[-1, 1], [0, -1]])
    assert jordan.eigenvalues == (-1, -1) and jordan.eigenvalue_text() == "λ = −1 (twice)"
    assert jordan.eigenvectors == ((-1.0, (1.0, 0.0)),)
    star = dyn.classify([[2, 0], [0, 2]])
    assert star.eigenvectors == ((2.0, (1.0, 0.0)), (2.0, (0.0, 1.0)))


def test_zero_and_undefined_jacobians_are_degenerate():
    assert dyn.classify(np.zeros((2, 2))).kind is Kind.DEGENERATE
    bad = dyn.classify([[math.nan, 0], [0, 1]])
    assert bad.kind is Kind.DEGENERATE and bad.region is None and math.isnan(bad.trace)
    assert bad.eigenvalue_text() == "λ undefined"


def test_eigenvalues_of_a_wide_spread_matrix_keep_their_digits():
    # λ = 1e8 and 1e-8: the small one from det/λ₁, not from a cancelling difference
    lin = dyn.classify([[1e8, 0], [0, 1e-8]])
    assert lin.eigenvalues[0].real == 1e8
    assert lin.eigenvalues[1].real == pytest.approx(1e-8, rel=1e-12)


def test_as_dict_is_json_with_pairs_for_eigenvalues():
    e = only("-x + y, -x - y")
    data = json.loads(json.dumps(e.as_dict()))
    assert data["type"] == "stable spiral" and data["region"] == "stable spiral"
    assert data["eigenvalues"] == [[-1.0, 1.0], [-1.0, -1.0]]
    assert data["jacobian"] == [[-1.0, 1.0], [-1.0, -1.0]]
    assert data["trace"] == -2 and data["det"] == 2 and data["discriminant"] == -4
    assert data["eigenvectors"] == []
    saddle = only("x, -y").as_dict()
    assert saddle["eigenvectors"] == [{"eigenvalue": 1.0, "direction": [1.0, 0.0]},
                                      {"eigenvalue": -1.0, "direction": [0.0, 1.0]}]
    whole = json.loads(json.dumps(dyn.find_equilibria(compiled("x, -y"), SQUARE).as_dict()))
    assert whole["range"] == list(SQUARE) and whole["complete"] is True and len(whole["equilibria"]) == 1
    undefined = json.loads(json.dumps(dyn.classify([[math.nan, 0], [0, 1]]).as_dict()))
    assert undefined["trace"] is None and undefined["region"] is None


# -- equilibria in harder places ------------------------------------------------------------------
def test_saddle_node_pair_collides_into_a_degenerate_point_and_vanishes():
    c = compiled("a - x^2, -y")
    rect = (-2.0, 2.0, -1.5, 1.5)
    for a in (0.5, 1e-4):
        saddle, node = dyn.find_equilibria(c, rect, {"a": a})
        np.testing.assert_allclose([saddle.point, node.point], [[-math.sqrt(a), 0], [math.sqrt(a), 0]],
                                   atol=1e-10)
        assert (saddle.kind, node.kind) == (Kind.SADDLE, Kind.STABLE_NODE)
    # at a = 0 the double root is found once, and its det J = −2x·(−1) is 0 within its uncertainty
    (double,) = dyn.find_equilibria(c, rect, {"a": 0.0})
    assert abs(double.point[0]) < 1e-6 and double.kind is Kind.DEGENERATE
    assert len(dyn.find_equilibria(c, rect, {"a": -0.1})) == 0


def test_a_line_of_equilibria_is_many_degenerate_points_and_can_be_cut_off():
    c = compiled("x y, y")  # F = 0 on the whole line y = 0
    found = dyn.find_equilibria(c, SQUARE)
    assert len(found) > 10 and found.complete
    assert all(e.kind is Kind.DEGENERATE and e.point[1] == pytest.approx(0, abs=1e-9) for e in found)
    cut = dyn.find_equilibria(c, SQUARE, limit=5)
    assert len(cut) == 5 and not cut.complete


def test_no_equilibrium_gives_an_empty_set():
    assert len(dyn.find_equilibria(compiled("1, x"), SQUARE)) == 0


class Spatial(MappingBase):
    """F(x, y, z) = (x, y): a mapping of three variables, which is no planar vector field."""

    variables, parameters = ("x", "y", "z"), ()
    n_outputs = 2

    def evaluate(self, coords, params=None, *, jacobian=True, dtype=np.float64):
        x, y, _z = np.broadcast_arrays(*(np.asarray(c, dtype=dtype) for c in coords))
        one, zero = np.ones_like(x), np.zeros_like(x)
        rows = ((one, zero, zero), (zero, one, zero)) if jacobian else None
        return Evaluation((x.copy(), y.copy()), rows)


def test_equilibria_need_a_planar_mapping_and_a_rectangle():
    with pytest.raises(MappingError, match="two variables to two components"):
        dyn.find_equilibria(Spatial(), SQUARE)
    with pytest.raises(MappingError, match="two variables to two components"):
        dyn.streamlines(Spatial(), SQUARE)
    with pytest.raises(MappingError):
        dyn.find_equilibria(compiled("x, y"), (1.0, 0.0, 0.0, 1.0))


# -- the trace–determinant diagram ----------------------------------------------------------------
@pytest.mark.parametrize("trace, det, key", [
    (0.5, -1.0, "saddle"), (-3.0, 1.0, "stable node"), (3.0, 1.0, "unstable node"),
    (-1.0, 1.0, "stable spiral"), (1.0, 1.0, "unstable spiral"), (0.0, 1.0, "centre"),
    (2.0, 0.0, "degenerate"), (0.0, 0.0, "degenerate"), (-2.0, 1.0, "repeated stable"),
    (2.0, 1.0, "repeated unstable"),
])
def test_region_of_a_point(trace, det, key):
    assert dyn.region_of(trace, det).key == key


def test_region_tolerances_widen_the_borders():
    assert dyn.region_of(0.01, 1.0).key == "unstable spiral"
    assert dyn.region_of(0.01, 1.0, trace_tol=0.02).key == "centre"
    assert dyn.region_of(-2.0, 1.01).key == "stable spiral"
    assert dyn.region_of(-2.0, 1.01, disc_tol=0.05).key == "repeated stable"
    assert dyn.region_of(1.0, -0.01, det_tol=0.02).key == "degenerate"
    assert dyn.region_of(math.nan, 1.0) is None


def test_every_region_has_one_sentence_for_its_hover_text():
    assert set(dyn.REGIONS) == {"saddle", "stable node", "unstable node", "stable spiral", "unstable spiral",
                              "centre", "degenerate", "repeated stable", "repeated unstable"}
    for region in dyn.REGIONS.values():
        text = region.sentence
        assert text.endswith(".") and text.count(". ") == 0 and len(text) < 200, text
        assert text[0].isalpha()


def _inside(poly, points):
    """Even–odd rule: which points lie inside the closed polygon."""
    x, y = points[:, 0][:, None], points[:, 1][:, None]
    x0, y0 = poly[:, 0][None, :], poly[:, 1][None, :]
    x1, y1 = np.roll(poly[:, 0], -1)[None, :], np.roll(poly[:, 1], -1)[None, :]
    with np.errstate(all="ignore"):
        crosses = ((y0 > y) != (y1 > y)) & (x < (x1 - x0) * (y - y0) / (y1 - y0) + x0)
    return crosses.sum(axis=1) % 2 == 1


def test_region_polygons_cover_the_box_and_agree_with_region_of():
    box = (-4.0, 4.0, -2.0, 5.0)
    polys = dyn.region_polygons(box)
    assert [r.key for r, _ in polys] == ["saddle", "stable node", "unstable node", "stable spiral",
                                         "unstable spiral"]
    rng = np.random.default_rng(3)
    pts = np.column_stack([rng.uniform(-4, 4, 3000), rng.uniform(-2, 5, 3000)])
    # points clear of every border, where the polygons' sampling of the parabola is exact enough
    t, d = pts[:, 0], pts[:, 1]
    clear = (np.abs(d) > 0.05) & (np.abs(t) > 0.05) & (np.abs(t**2 / 4 - d) > 0.05)
    pts = pts[clear]
    owner = np.full(len(pts), -1)
    for i, (_, poly) in enumerate(polys):
        hit = _inside(poly, pts)
        assert not (hit & (owner >= 0)).any()  # the regions do not overlap
        owner[hit] = i
    assert (owner >= 0).all()  # and cover the box
    keys = [polys[i][0].key for i in owner]
    assert keys == [dyn.region_of(t, d).key for t, d in pts]


def test_a_box_above_the_axis_has_no_saddle_region():
    keys = [r.key for r, _ in dyn.region_polygons((-1.0, 1.0, 1.0, 2.0))]
    assert keys == ["stable spiral", "unstable spiral"]  # the parabola stays below det = 1 here


def test_the_parabola_is_det_equals_trace_squared_over_four():
    p = dyn.parabola(-2, 2, 5)
    np.testing.assert_allclose(p, [[-2, 1], [-1, 0.25], [0, 0], [1, 0.25], [2, 1]])


def test_the_cursors_linearization_gives_the_diagram_point():
    c = compiled("x^2 - y, x + y^2")
    lin = dyn.classify(c.jacobian_at(1.0, 0.5))  # J = [[2, −1], [1, 1]]: τ = 3, Δ = 3
    assert lin.point == (3.0, 3.0) and lin.kind is Kind.UNSTABLE_SPIRAL


# -- the arrow field ------------------------------------------------------------------------------
def test_arrows_sit_at_cell_centres_and_carry_f():
    a = dyn.arrow_field(compiled("y, -x"), (0.0, 4.0, 0.0, 2.0), shape=(4, 2))
    np.testing.assert_allclose(a.positions, [[0.5, 0.5], [1.5, 0.5], [2.5, 0.5], [3.5, 0.5],
                                             [0.5, 1.5], [1.5, 1.5], [2.5, 1.5], [3.5, 1.5]])
    np.testing.assert_allclose(a.vectors, np.column_stack([a.positions[:, 1], -a.positions[:, 0]]))
    np.testing.assert_allclose(a.speed, np.hypot(*a.positions.T))
    assert a.cell == (1.0, 1.0)


def test_one_number_gives_the_longer_side_and_the_aspect_the_other():
    a = dyn.arrow_field(compiled("1, 0"), (0.0, 6.0, 0.0, 2.0), shape=24)
    assert len(a.positions) == 24 * 8


def test_display_arrows_are_parallel_to_f_and_capped_at_a_cell():
    rect = (-2.0, 2.0, -2.0, 2.0)
    a = dyn.arrow_field(compiled("1/x, y"), rect, shape=20)
    shown = a.display(fill=0.9)
    cw, ch = a.cell
    length = np.hypot(shown[:, 0] / cw, shown[:, 1] / ch)
    ok = np.isfinite(length)
    assert ok.all()  # no cell centre lands on the pole x = 0
    assert length.max() <= 0.9 + 1e-12
    cross = shown[:, 0] * a.vectors[:, 1] - shown[:, 1] * a.vectors[:, 0]
    np.testing.assert_allclose(cross, 0, atol=1e-9)
    assert (shown * a.vectors).sum(axis=1).min() >= 0  # same sense, not reversed
    # below the cap, length is proportional to |F|
    ratio = length / np.hypot(a.vectors[:, 0] / cw, a.vectors[:, 1] / ch)
    below = length < 0.85
    assert np.ptp(ratio[below]) < 1e-9
    lo, hi = a.levels()
    assert 0 <= lo < hi <= a.speed.max()


def test_undefined_arrows_are_nan():
    a = dyn.arrow_field(compiled("sqrt(x), 1"), (-1.0, 1.0, -1.0, 1.0), shape=(4, 2))
    assert np.isnan(a.vectors[a.positions[:, 0] < 0, 0]).all()
    assert np.isfinite(a.vectors[a.positions[:, 0] > 0]).all()


# -- streamlines ----------------------------------------------------------------------------------
def _cells_of(lines, rect, nx, ny):
    x0, x1, y0, y1 = rect
    out = []
    for line in lines:
        i = np.minimum(((line[:, 0] - x0) / (x1 - x0) * nx).astype(int), nx - 1)
        j = np.minimum(((line[:, 1] - y0) / (y1 - y0) * ny).astype(int), ny - 1)
        out.append(set((j * nx + i).tolist()))
    return out


@pytest.mark.parametrize("text, rect", [("y, -x", SQUARE), ("y, -sin(x) - 0.5 y", (-7.0, 7.0, -4.0, 4.0)),
                                        ("x(3 - x - 2y), y(2 - x - y)", (-0.5, 3.5, -0.5, 3.5))])
def test_streamlines_fill_the_cells_once_each(text, rect):
    s = dyn.streamlines(compiled(text), rect, cells=(30, 30))
    assert len(s) > 30
    cells = _cells_of(s.lines, rect, 30, 30)
    seen = np.zeros(900, dtype=int)
    for c in cells:
        seen[list(c)] += 1
    assert seen.max() == 1  # no cell is crossed by two lines: they are evenly spaced
    assert (seen > 0).mean() > 0.85  # and they fill the domain
    for line in s.lines:
        assert np.isfinite(line).all()
        assert (line[:, 0] >= rect[0] - 1e-9).all() and (line[:, 0] <= rect[1] + 1e-9).all()
        assert (line[:, 1] >= rect[2] - 1e-9).all() and (line[:, 1] <= rect[3] + 1e-9).all()


def test_streamlines_follow_the_flow():
    c = compiled("y, -x")
    s = dyn.streamlines(c, SQUARE)
    for line in s.lines:
        r = np.hypot(*line.T)
        if r.mean() > 0.5:  # 4 cells out: a circle of fewer steps is drawn with visible error
            assert np.ptp(r) < 2e-3 * r.mean()  # circles, traced accurately
        seg = np.diff(line, axis=0)
        mid = (line[1:] + line[:-1]) / 2
        f = np.column_stack([mid[:, 1], -mid[:, 0]])
        cos = (seg * f).sum(1) / (np.hypot(*seg.T) * np.hypot(*f.T))
        assert cos.min() > 0.99  # tangent to F, in the direction of F


def test_streamline_spacing_is_even_on_screen_for_a_wide_rectangle():
    rect = (-10.0, 10.0, -1.0, 1.0)
    s = dyn.streamlines(compiled("1, sin(x)"), rect, cells=(40, 10))
    cells = _cells_of(s.lines, rect, 40, 10)
    seen = np.zeros(400, dtype=int)
    for c in cells:
        seen[list(c)] += 1
    assert seen.max() == 1 and (seen > 0).mean() > 0.85


def test_streamlines_stop_where_f_is_undefined():
    rect = (-1.0, 1.0, -1.0, 1.0)
    s = dyn.streamlines(compiled("sqrt(x), 1"), rect, cells=20)
    assert len(s) > 5
    points = np.concatenate(s.lines)
    assert points[:, 0].min() > -0.1  # one cell (0.1 wide) of interpolation at most


def test_polyline_and_arrowheads():
    s = dyn.streamlines(compiled("y, -x"), SQUARE)
    x, _y = s.polyline()
    assert np.isnan(x).sum() == len(s) - 1
    assert len(x) == sum(len(line) for line in s.lines) + len(s) - 1
    pos, dirs = s.arrows()
    assert len(pos) == len(s)
    np.testing.assert_allclose(np.hypot(*dirs.T), 1)
    f = np.column_stack([pos[:, 1], -pos[:, 0]])
    assert ((dirs * f).sum(1) > 0).all()  # the arrowheads point the way the flow goes
    assert dyn.Streamlines(()).polyline()[0].size == 0


# -- trajectories ---------------------------------------------------------------------------------
def test_a_rotation_trajectory_stays_on_its_circle_for_a_period():
    traj = dyn.trajectory(compiled("y, -x"), (1.0, 0.0), SQUARE, t_max=2 * math.pi)
    assert traj.forward_stop == "time" and traj.backward_stop == "time"
    for part in (traj.forward, traj.backward):
        np.testing.assert_allclose(np.hypot(*part.T), 1.0, atol=1e-6)
        np.testing.assert_allclose(part[-1], [1.0, 0.0], atol=1e-6)  # back where it started
    assert traj.forward_t[-1] == pytest.approx(2 * math.pi)
    assert traj.backward_t[-1] == pytest.approx(-2 * math.pi)
    # forward in time is clockwise for (y, −x): at t = π/2 the point is (0, −1)
    k = np.argmin(np.abs(traj.forward_t - math.pi / 2))
    np.testing.assert_allclose(traj.forward[k], [math.cos(traj.forward_t[k]), -math.sin(traj.forward_t[k])],
                               atol=1e-6)


def test_a_trajectory_stops_when_it_leaves_the_neighbourhood():
    # the box is the rectangle grown by half its size (2) on each side: x = ±3 ends it
    traj = dyn.trajectory(compiled("1, 0"), (0.0, 0.5), SQUARE)
    assert traj.forward_stop == "left" and traj.backward_stop == "left"
    assert traj.forward[-1, 0] == pytest.approx(4.0, abs=1e-6)
    assert traj.backward[-1, 0] == pytest.approx(-4.0, abs=1e-6)
    np.testing.assert_allclose(traj.path()[:, 1], 0.5)
    assert traj.path()[0, 0] == pytest.approx(-4.0) and np.all(np.diff(traj.path()[:, 0]) > 0)


def test_a_trajectory_stops_where_f_is_undefined():
    traj = dyn.trajectory(compiled("1 + sqrt(1 - x), 0"), (0.0, 0.0), SQUARE)
    assert traj.forward_stop == "undefined"
    assert 0.99 < traj.forward[-1, 0] <= 1.0
    assert np.isfinite(traj.forward).all()
    assert traj.backward_stop == "left"


def test_a_trajectory_is_bounded_in_steps_and_in_time():
    c = compiled("y, -x")
    few = dyn.trajectory(c, (1.0, 0.0), SQUARE, t_max=1000.0, max_steps=5)
    assert few.forward_stop == "steps" and few.forward_t[-1] < 1000
    short = dyn.trajectory(compiled("-x + y, -x - y"), (1.0, 1.0), SQUARE, t_max=1.0)
    assert short.forward_stop == "time" and short.forward_t[-1] == pytest.approx(1.0)
    # x(t) = e^{−t}(cos t + sin t), y(t) = e^{−t}(cos t − sin t) from (1, 1)
    t = short.forward_t
    exact = np.column_stack([np.exp(-t) * (np.cos(t) + np.sin(t)), np.exp(-t) * (np.cos(t) - np.sin(t))])
    np.testing.assert_allclose(short.forward, exact, atol=1e-7)


def test_a_trajectory_from_outside_or_from_an_undefined_point_is_one_point():
    out = dyn.trajectory(compiled("1, 0"), (10.0, 0.0), SQUARE)
    assert out.forward_stop == "left" and out.forward.shape == (1, 2)
    bad = dyn.trajectory(compiled("sqrt(x), 1"), (-1.0, 0.0), SQUARE)
    assert bad.forward_stop == "undefined" and bad.backward.shape == (1, 2)
    data = json.loads(json.dumps(out.as_dict()))
    assert data["forward"]["stop"] == "left" and data["start"] == [10.0, 0.0]


def test_a_trajectory_needs_a_finite_start_and_bounds():
    with pytest.raises(MappingError):
        dyn.trajectory(compiled("y, -x"), (math.nan, 0.0), SQUARE)
    with pytest.raises(MappingError):
        dyn.trajectory(compiled("y, -x"), (0.0, 0.0), SQUARE, t_max=-1.0)


# -- presets --------------------------------------------------------------------------------------
def _vector_field_presets():
    return {p.name: p for p in load_presets() if p.view == "vector field"}


def _defaults(preset):
    return {name: spec.value for name, spec in preset.params.items()}


def test_the_four_vector_field_presets_are_there():
    assert set(_vector_field_presets()) == {"Damped pendulum", "Lotka–Volterra", "Van der Pol oscillator",
                                            "Saddle–node bifurcation"}
    assert all(p.view == "mapping" for p in load_presets() if p.name == "Identity")


@pytest.mark.parametrize("name, expected", [
    ("Damped pendulum", [((k * math.pi, 0.0), Kind.STABLE_SPIRAL if k % 2 == 0 else Kind.SADDLE)
                         for k in range(-2, 3)]),
    ("Lotka–Volterra", [((0.0, 0.0), Kind.SADDLE), ((1.0, 1.0), Kind.CENTRE)]),
    ("Van der Pol oscillator", [((0.0, 0.0), Kind.UNSTABLE_SPIRAL)]),
    ("Saddle–node bifurcation", [((-math.sqrt(0.5), 0.0), Kind.SADDLE),
                                 ((math.sqrt(0.5), 0.0), Kind.STABLE_NODE)]),
])
def test_preset_equilibria_are_found(name, expected):
    preset = _vector_field_presets()[name]
    found = dyn.find_equilibria(compiled(preset.mapping), preset.domain, _defaults(preset))
    np.testing.assert_allclose([e.point for e in found], [p for p, _ in expected], atol=1e-9)
    assert [e.kind for e in found] == [k for _, k in expected]


def test_the_saddle_node_slider_spans_the_bifurcation():
    preset = _vector_field_presets()["Saddle–node bifurcation"]
    a = preset.params["a"]
    assert a.minimum < 0 < a.maximum
    c = compiled(preset.mapping)
    assert len(dyn.find_equilibria(c, preset.domain, {"a": a.maximum})) == 2
    assert len(dyn.find_equilibria(c, preset.domain, {"a": a.minimum})) == 0


def test_the_pendulum_damping_turns_spirals_into_nodes():
    preset = _vector_field_presets()["Damped pendulum"]
    assert preset.params["b"].maximum > 2
    hanging = only(preset.mapping, (-1.0, 1.0, -1.0, 1.0), {"b": 2.5})
    assert hanging.kind is Kind.STABLE_NODE


def test_a_preset_view_must_be_known():
    good = {"presets": [{"name": "A", "mapping": "y, -x", "domain": [-1, 1, -1, 1], "view": "vector field"}]}
    assert parse_presets(good)[0].view == "vector field"
    plain = {"presets": [{"name": "A", "mapping": "y, -x", "domain": [-1, 1, -1, 1]}]}
    assert parse_presets(plain)[0].view == "mapping"
    for bad in ("phase plane", 3, None, ["vector field"]):
        doc = {"presets": [{"name": "A", "mapping": "y, -x", "domain": [-1, 1, -1, 1], "view": bad}]}
        with pytest.raises(MappingError, match="unknown view"):
            parse_presets(doc)
