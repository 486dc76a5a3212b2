"""Layer chains: the chain-rule product of the stages' Jacobians is the Jacobian of the chain."""

import json
import math

import numpy as np
import pytest

from jacviz.core.lab.chain import chain_at
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_chain, compile_mapping

CHAINS = [
    "tanh(x + 2y), tanh(x - y); 2x - y, x + 3y",
    "x + 0.3 sin(y), y; x, y + 0.5 x^2; exp(x/2) cos(y), exp(x/2) sin(y)",
    "z^2 + 0.1; x - y^3/3, y + x; sinh(x) + y, cosh(y) - x; atan(x), x y + y",
    "(r, t) -> r + 1, t/2; r cos(t), r sin(t)",
    "a x + y, y - x; z^2",
]


def random_points(n, seed, scale=1.0):
    return np.random.default_rng(seed).uniform(-scale, scale, size=(n, 2))


@pytest.mark.parametrize("text", CHAINS)
def test_product_of_stage_jacobians_is_the_chain_jacobian(text):
    mapping = Mapping.from_text(text)
    chain = compile_chain(mapping)
    whole = compile_mapping(mapping)
    assert len(chain) == len(mapping.stage_expressions) >= 2
    params = {"a": 1.7} if mapping.parameters else None
    for p in random_points(10, len(text)):
        report = chain_at(chain, p, params)
        expected = whole.jacobian_at(*p, params)
        np.testing.assert_allclose(report.product, expected, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(report.value, whole.value_at(*p, params), rtol=1e-12, atol=1e-14)
        # log|det| of the product is the sum of the layers' log|det|
        assert report.sum_log_abs_det == pytest.approx(report.log_abs_det_product, abs=1e-10)
        assert report.sum_log_abs_det == pytest.approx(math.log(abs(np.linalg.det(expected))), abs=1e-9)


def test_two_three_and_four_stages_are_all_covered():
    counts = {len(Mapping.from_text(t).stage_expressions) for t in CHAINS}
    assert {2, 3, 4} <= counts


def test_each_stage_sees_the_previous_output():
    text = "x + 1, 2y; x y, x - y; x^2, y"
    report = chain_at(compile_chain(Mapping.from_text(text)), (1.0, 3.0))
    # (1, 3) -> (2, 6) -> (12, -4) -> (144, -4)
    points = [s.point.tolist() for s in report.stages]
    values = [s.value.tolist() for s in report.stages]
    assert points == [[1.0, 3.0], [2.0, 6.0], [12.0, -4.0]]
    assert values == [[2.0, 6.0], [12.0, -4.0], [144.0, -4.0]]
    assert [s.index for s in report.stages] == [1, 2, 3]
    # J1 = diag(1, 2) at any point; J2 = [[y, x], [1, −1]] at (2, 6); J3 = diag(2x, 1) at (12, −4)
    np.testing.assert_allclose(report.stages[0].jacobian, [[1, 0], [0, 2]])
    np.testing.assert_allclose(report.stages[1].jacobian, [[6, 2], [1, -1]])
    np.testing.assert_allclose(report.stages[2].jacobian, [[24, 0], [0, 1]])
    assert [s.det for s in report.stages] == [2.0, -8.0, 24.0]
    np.testing.assert_allclose([s.log_abs_det for s in report.stages], np.log([2.0, 8.0, 24.0]))
    expected = np.array([[24, 0], [0, 1]]) @ np.array([[6, 2], [1, -1]]) @ np.diag([1, 2])
    np.testing.assert_allclose(report.product, expected)


def test_one_stage_chain_is_the_mapping():
    mapping = Mapping.from_text("z^3")
    report = chain_at(compile_chain(mapping), (0.4, -0.7))
    assert len(report.stages) == 1
    np.testing.assert_allclose(report.product, compile_mapping(mapping).jacobian_at(0.4, -0.7), rtol=1e-13)


def test_vectorised_chain_jacobian_matches_pointwise():
    mapping = Mapping.from_text(CHAINS[2])
    chain = compile_chain(mapping)
    p = random_points(30, 9)
    jac = chain.evaluate((p[:, 0], p[:, 1])).matrix()
    assert jac.shape == (30, 2, 2)
    for k in (0, 11, 29):
        np.testing.assert_allclose(jac[k], chain_at(chain, p[k]).product, rtol=1e-13)


def test_singular_layer_gives_minus_infinity():
    report = chain_at(compile_chain(Mapping.from_text("x + y, x + y; x, y^2")), (1.0, 2.0))
    assert report.stages[0].log_abs_det == -math.inf
    assert report.sum_log_abs_det == -math.inf
    data = report.as_dict()
    assert data["sum_log_abs_det"] is None  # JSON has no infinity
    json.dumps(data, allow_nan=False)


def test_undefined_layer_is_nan_downstream():
    report = chain_at(compile_chain(Mapping.from_text("log(x), y; x + 1, y")), (-1.0, 0.0))
    assert np.isnan(report.value).all()
    assert math.isnan(report.sum_log_abs_det)
