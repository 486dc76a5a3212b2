"""JVP, VJP, losses and the chain rule ∇(L∘F) = Jᵀ∇L, against finite differences."""

import json

import numpy as np
import pytest

from jacviz.cli import main
from jacviz.core.errors import MappingError
from jacviz.core.lab.backprop import (
    DEFAULT_LOSS,
    Loss,
    chain_rule_check,
    jvp,
    loss_gradient,
    pullback_gradient,
    vjp,
)
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_mapping

MAPPINGS = [
    ("(r, t) -> r cos(t), r sin(t)", (0.2, 2.0, -3.0, 3.0)),
    ("z^3 - 2z", (-1.5, 1.5, -1.5, 1.5)),
    ("exp(z)", (-1.0, 1.0, -3.0, 3.0)),
    ("sin(x y) + x^2, atan2(y, 1 + x^2)", (-2.0, 2.0, -2.0, 2.0)),
    ("tanh(x + 2y), tanh(x - y); 2x - y, x + 3y; sin(x), y^3", (-1.0, 1.0, -1.0, 1.0)),
]


def compiled(text):
    return compile_mapping(Mapping.from_text(text))


def random_points(rect, n, seed):
    rng = np.random.default_rng(seed)
    x0, x1, y0, y1 = rect
    return np.stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)], 1)


def central(f, p, direction, h=1e-6):
    return (f(p + h * direction) - f(p - h * direction)) / (2 * h)


@pytest.mark.parametrize("text, rect", MAPPINGS)
def test_jvp_matches_directional_finite_differences(text, rect):
    c = compiled(text)
    rng = np.random.default_rng(1)
    for p in random_points(rect, 12, 2):
        v = rng.normal(size=2)
        fd = central(lambda q: c.value_at(*q), p, v)
        got = jvp(c, p, v)
        assert got.shape == (2,)
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-6 * (1 + np.abs(fd).max()))


@pytest.mark.parametrize("text, rect", MAPPINGS)
def test_vjp_matches_gradient_of_the_projection(text, rect):
    # J(p)ᵀg is the gradient of p ↦ ⟨g, F(p)⟩
    c = compiled(text)
    rng = np.random.default_rng(3)
    for p in random_points(rect, 12, 4):
        g = rng.normal(size=2)

        def projection(q, g=g):
            return g @ c.value_at(*q)

        fd = np.array([central(projection, p, e) for e in np.eye(2)])
        got = vjp(c, p, g)
        np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-6 * (1 + np.abs(fd).max()))


def test_jvp_and_vjp_are_adjoint_and_vectorised():
    c = compiled("z^3 - 2z")
    p = random_points((-1, 1, -1, 1), 50, 5)
    rng = np.random.default_rng(6)
    v, g = rng.normal(size=(50, 2)), rng.normal(size=(50, 2))
    jv, vg = jvp(c, p, v), vjp(c, p, g)
    assert jv.shape == vg.shape == (50, 2)
    # ⟨g, Jv⟩ = ⟨Jᵀg, v⟩ at every point
    np.testing.assert_allclose((g * jv).sum(1), (vg * v).sum(1), rtol=1e-12, atol=1e-12)
    # and the batch agrees with one point at a time
    np.testing.assert_allclose(jv[7], jvp(c, p[7], v[7]), rtol=1e-15)
    # one tangent broadcast against many points
    np.testing.assert_allclose(jvp(c, p, [1.0, 0.0])[:, 0], [c.jacobian_at(*q)[0, 0] for q in p])


def test_products_are_nan_where_undefined():
    c = compiled("log(x), y")
    assert np.isnan(jvp(c, (-1.0, 0.0), (1.0, 0.0))).all()
    assert np.isnan(vjp(c, (-1.0, 0.0), (1.0, 0.0))).all()
    np.testing.assert_allclose(jvp(c, (2.0, 0.0), (1.0, 1.0)), [0.5, 1.0])


def test_default_loss_is_half_squared_norm():
    loss = Loss.from_text()
    assert loss.text == DEFAULT_LOSS
    q = np.array([[3.0, -4.0], [0.5, 2.0]])
    np.testing.assert_allclose(loss.value(q), [12.5, 2.125])
    np.testing.assert_allclose(loss_gradient(loss, q), q)  # ∇(|q|²/2) = q


def test_pullback_of_default_loss_is_j_transpose_f():
    c = compiled("x^2 - y^2, 2x y")
    p = np.array([1.0, 2.0])
    # F = (−3, 4), J = [[2, −4], [4, 2]]: Jᵀ F = (−6 + 16, 12 + 8)
    np.testing.assert_allclose(pullback_gradient(c, Loss.from_text(), p), [10.0, 20.0])


LOSSES = [DEFAULT_LOSS, "log(1 + u^2) + sin(v)", "exp(-(u - a)^2) v", "abs(u) + v^4"]


@pytest.mark.parametrize("loss_text", LOSSES)
@pytest.mark.parametrize("text, rect", MAPPINGS[:4])
def test_chain_rule_matches_finite_differences(loss_text, text, rect):
    c = compiled(text)
    loss = Loss.from_text(loss_text)
    params = {"a": 0.3}
    for p in random_points(rect, 5, 7):
        check = chain_rule_check(c, loss, p, params)
        scale = 1 + np.abs(check.pullback).max()
        assert check.max_abs_difference < 1e-7 * scale, (p, check)
        np.testing.assert_allclose(check.pullback, pullback_gradient(c, loss, p, params), rtol=1e-15)


def test_chain_rule_check_reports_the_pieces():
    c = compiled("2x + y, x - 3y")
    loss = Loss.from_text("u^2 + 3v")
    check = chain_rule_check(c, loss, (1.0, 1.0))
    # F(1, 1) = (3, −2), L = 9 − 6, ∇L = (6, 3), Jᵀ∇L = (12 + 3, 6 − 9)
    np.testing.assert_allclose(check.value, [3.0, -2.0])
    assert check.loss == pytest.approx(3.0)
    np.testing.assert_allclose(check.loss_gradient, [6.0, 3.0])
    np.testing.assert_allclose(check.pullback, [15.0, -3.0])
    np.testing.assert_allclose(check.finite_difference, [15.0, -3.0], rtol=1e-8)
    assert json.loads(json.dumps(check.as_dict()))["pullback"] == [15.0, -3.0]


def test_a_wrong_gradient_would_be_caught():
    # the check is not vacuous: J(p)·∇L (no transpose) differs from the finite difference
    c = compiled("x^2 - y^2, 2x y")
    loss = Loss.from_text()
    p = np.array([0.7, -0.4])
    check = chain_rule_check(c, loss, p)
    wrong = c.jacobian_at(*p) @ loss.gradient(c.value_at(*p))
    assert np.abs(wrong - check.finite_difference).max() > 0.1
    assert check.max_abs_difference < 1e-8


@pytest.mark.parametrize("text, words", [
    ("u, v", "comma"),
    ("u^2; v", "';'"),
    ("(u, v) -> u", "comma"),
    ("z^2", "complex"),
    ("u + i", "imaginary"),
    ("", "empty"),
    ("u +", "loss:"),
    ("sin u", "loss:"),
])
def test_bad_losses_are_refused(text, words):
    with pytest.raises(MappingError, match=words):
        Loss.from_text(text)


def eval_json(capsys, *args):
    rc = main(["eval", *args, "--simplify-timeout", "0"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    return json.loads(captured.out)


def test_cli_eval_jvp_and_vjp(capsys):
    data = eval_json(capsys, "x^2 - y^2, 2xy", "--at", "1,2", "--jvp", "1,-1", "--vjp", "-1,0.5")
    # J = [[2, −4], [4, 2]]
    assert data["jvp"] == [6.0, 2.0]
    assert data["vjp"] == [0.0, 5.0]


def test_cli_eval_without_the_options_has_no_such_keys(capsys):
    data = eval_json(capsys, "x^2 - y^2, 2xy", "--at", "1,2")
    assert "jvp" not in data and "vjp" not in data


def test_cli_eval_null_where_undefined(capsys):
    data = eval_json(capsys, "log(x), y", "--at", "-1,2", "--jvp", "1,0", "--vjp", "0,1")
    assert data["jvp"] == [None, None]
    assert data["vjp"] == [None, None]


@pytest.mark.parametrize("option, value", [("--jvp", "1"), ("--vjp", "a,b"), ("--jvp", "1,nan")])
def test_cli_eval_bad_vectors(capsys, option, value):
    rc = main(["eval", "x, y", "--at", "0,0", option, value, "--simplify-timeout", "0"])
    captured = capsys.readouterr()
    assert rc == 2
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1
    assert captured.err.startswith(f"jacviz: error: {option}")
