"""det J of mappings whose Jacobian determinant is known in closed form.

Each mapping is typed the several ways a person would type it; every spelling must give
the textbook determinant, both as numbers (the compiled program, at several points) and,
where sympy can decide it quickly, as a formula (the symbolic det minus the closed form
simplifies to 0). ``jacviz eval`` is checked on a few of them end to end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pytest
import sympy as sp

from jacviz.cli import main
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_mapping

# Points off the axes (so away from the poles at 0, the branch cut of log and sqrt on the
# negative real axis, and the fold lines of the test mappings).
POINTS = np.array([
    (0.3, -0.7), (1.2, 0.4), (-0.8, 1.1), (2.0, -1.5), (-1.3, -0.6), (0.5, 2.2), (1.7, 1.9),
])


@dataclass(frozen=True)
class Case:
    """A mapping with a known det J.

    ``closed(x, y, p, m)`` is the determinant written once for both worlds: ``m`` is numpy
    (x, y arrays, p a dict of floats) or sympy (x, y the mapping's symbols, p its parameter
    symbols by name).
    ``rewrite`` names a sympy function to rewrite into before simplifying (tanh → cosh).
    """

    name: str
    spellings: tuple[str, ...]
    closed: object
    params: dict = field(default_factory=dict)
    variables: tuple[str, str] | None = None
    symbolic: bool = True
    rewrite: object = None


def _sech2(m, a):
    return 1 / m.cosh(a) ** 2


CASES = [
    Case("z squared",
         ("x^2 - y^2, 2xy", "x**2-y**2, 2*x*y", "(x^2 - y^2, 2 x y)", "z^2", "z**2", "f(z) = z²",
          "z ↦ z z", "[x² − y², 2·x·y]", "F(x, y) = x^2 - y^2, 2x y"),
         lambda x, y, p, m: 4 * (x**2 + y**2)),
    Case("polar coordinates",
         ("(r, t) -> r cos(t), r sin(t)", "(r,t) ↦ (r*cos(t), r*sin(t))", "F(r, t) = r cos(t), r sin(t)",
          "r, t -> r cos(t), r sin(t)"),
         lambda x, y, p, m: x),
    Case("polar coordinates, variables given outside",
         ("r cos(t), r sin(t)", "r*cos(t), r*sin(t)"),
         lambda x, y, p, m: x, variables=("r", "t")),
    Case("shear with a parameter",
         ("x + k y, y", "(x, y) -> (x + k*y, y)", "[x + k·y, y]"),
         lambda x, y, p, m: 1 + 0 * x, params={"k": 2.5}),
    Case("shear",
         ("x + 2y, y", "x + 2 y, y", "x+2*y,y", "x, y + 3x"),
         lambda x, y, p, m: 1 + 0 * x),
    Case("reflection",
         ("x, -y", "x, −y", "(x, y) -> (x, -y)", "conj(z)", "-x, y", "y, x"),
         lambda x, y, p, m: -1 + 0 * x),
    Case("exponential",
         ("exp(z)", "e^z", "e**z", "exp(x) cos(y), exp(x) sin(y)", "f(z) = exp(z)",
          "e^x cos(y), e^x sin(y)"),
         lambda x, y, p, m: m.exp(2 * x)),
    Case("reciprocal",
         ("1/z", "z^-1", "z⁻¹", "x/(x^2+y^2), -y/(x^2+y^2)", "conj(z)/(x^2 + y^2)"),
         lambda x, y, p, m: 1 / (x**2 + y**2) ** 2),
    Case("circle inversion",
         ("x/(x^2+y^2), y/(x^2+y^2)", "(x, y) -> (x/(x²+y²), y/(x²+y²))", "1/conj(z)", "z/(x^2+y^2)"),
         lambda x, y, p, m: -1 / (x**2 + y**2) ** 2),
    Case("Whitney cusp",
         ("x, y^3 + x y", "x, y³ + xy", "(x, y) -> (x, y**3 + x*y)", "x, y y y + x y"),
         lambda x, y, p, m: x + 3 * y**2),
    Case("fold",
         ("x, y^2", "x, y²", "(x, y) -> (x, y*y)"),
         lambda x, y, p, m: 2 * y),
    Case("Hénon map",
         ("1 - a x^2 + y, b x", "(x, y) -> (1 - a*x**2 + y, b*x)", "1 − a x² + y, b·x"),
         lambda x, y, p, m: -p["b"] + 0 * x, params={"a": 1.4, "b": 0.3}),
    Case("tanh layer with numbers",
         ("tanh(2x - y + 0.5), tanh(0.5x + 3y - 1)", "tanh(2*x - y + 1/2), tanh(x/2 + 3*y - 1)"),
         lambda x, y, p, m: 6.5 * _sech2(m, 2 * x - y + 0.5) * _sech2(m, 0.5 * x + 3 * y - 1),
         symbolic=False),  # sympy needs half a minute to see it; the parametric case is symbolic
    Case("tanh layer tanh(W p + b)",
         ("tanh(p x + q y + c), tanh(s x + w y + h)", "tanh(p*x + q*y + c), tanh(s*x + w*y + h)"),
         lambda x, y, p, m: (p["p"] * p["w"] - p["q"] * p["s"])
         * _sech2(m, p["p"] * x + p["q"] * y + p["c"]) * _sech2(m, p["s"] * x + p["w"] * y + p["h"]),
         params={"p": 1.5, "q": -0.8, "c": 0.3, "s": 0.7, "w": 1.2, "h": -0.2}, rewrite=sp.cosh),
    Case("affine coupling layer",
         ("x, y exp(tanh(x)) + sin(x)", "x, y*exp(tanh(x)) + sin(x)",
          "(x, y) -> (x, exp(tanh(x)) y + sin(x))", "x, e^tanh(x) y + sin(x)"),
         lambda x, y, p, m: m.exp(m.tanh(x))),
    Case("elliptic coordinates",
         ("(u, v) -> cosh(u) cos(v), sinh(u) sin(v)", "(u,v) ↦ (cosh(u)*cos(v), sinh(u)*sin(v))"),
         lambda x, y, p, m: m.sinh(x) ** 2 + m.sin(y) ** 2),
    Case("elliptic coordinates, --vars u,v",
         ("cosh(u) cos(v), sinh(u) sin(v)",),
         lambda x, y, p, m: m.sinh(x) ** 2 + m.sin(y) ** 2, variables=("u", "v")),
    Case("rotation and scaling",
         ("a x - b y, b x + a y", "(a + b i) z", "(a + i b) z"),
         lambda x, y, p, m: p["a"] ** 2 + p["b"] ** 2 + 0 * x, params={"a": 0.6, "b": -1.7}),
    Case("z cubed",
         ("z^3", "z z z", "z³", "x^3 - 3x y^2, 3x^2 y - y^3"),
         lambda x, y, p, m: 9 * (x**2 + y**2) ** 2),
    Case("Joukowski",
         ("z + 1/z", "(z^2 + 1)/z"),
         lambda x, y, p, m: ((x**2 - y**2 - 1) ** 2 + 4 * x**2 * y**2) / (x**2 + y**2) ** 2),
    Case("complex logarithm",
         ("log(z)", "ln(z)", "log(x^2 + y^2)/2, atan2(y, x)"),
         lambda x, y, p, m: 1 / (x**2 + y**2)),
    Case("complex square root",
         ("sqrt(z)", "z^(1/2)", "z^0.5"),
         lambda x, y, p, m: 1 / (4 * m.sqrt(x**2 + y**2))),
    Case("complex sine",
         ("sin(z)", "sin(x) cosh(y), cos(x) sinh(y)"),
         lambda x, y, p, m: m.cos(x) ** 2 + m.sinh(y) ** 2),
    Case("Möbius disc automorphism",
         ("(z - a)/(1 - a z)",),
         lambda x, y, p, m: (1 - p["a"] ** 2) ** 2 / ((1 - p["a"] * x) ** 2 + p["a"] ** 2 * y**2) ** 2,
         params={"a": 0.4}),
    Case("two-stage chain, composed by hand",
         ("x + y, x - y; x y, x + y", "(x + y, x - y); (x*y, x + y)", "x^2 - y^2, 2x"),
         lambda x, y, p, m: 4 * y),
    Case("complex chain z^2 then exp",
         ("z^2; exp(z)", "z²; e^z", "exp(z^2)"),
         lambda x, y, p, m: 4 * (x**2 + y**2) * m.exp(2 * (x**2 - y**2))),
]

SPELLINGS = [pytest.param(case, text, id=f"{case.name}: {text}") for case in CASES for text in case.spellings]


def _mapping(case: Case, text: str) -> Mapping:
    return Mapping.from_text(text, case.variables)


@pytest.mark.parametrize(("case", "text"), SPELLINGS)
def test_det_matches_closed_form_numerically(case: Case, text: str):
    """The compiled det J (three ways: det(), jacobian()[4], det of jacobian_at) equals the closed form."""
    mapping = _mapping(case, text)
    assert set(mapping.parameters) == set(case.params)
    compiled = compile_mapping(mapping)
    xs, ys = POINTS[:, 0], POINTS[:, 1]
    want = np.broadcast_to(np.asarray(case.closed(xs, ys, case.params, np), dtype=float), xs.shape)
    assert np.isfinite(want).all()
    np.testing.assert_allclose(compiled.det(xs, ys, case.params), want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(compiled.jacobian(xs, ys, case.params)[4], want, rtol=1e-9, atol=1e-12)
    for (x, y), w in zip(POINTS, want, strict=True):
        jac = compiled.jacobian_at(x, y, case.params)
        assert np.linalg.det(jac) == pytest.approx(w, rel=1e-9, abs=1e-12)


def _symbolically_equal(a: sp.Expr, b: sp.Expr, rewrite=None) -> bool:
    diff = a - b
    if rewrite is not None:
        diff = diff.rewrite(rewrite)
    return sp.expand(diff) == 0 or sp.cancel(diff) == 0 or sp.simplify(diff) == 0


@pytest.mark.parametrize(
    ("case", "text"),
    [pytest.param(case, case.spellings[0], id=case.name) for case in CASES if case.symbolic],
)
def test_det_matches_closed_form_symbolically(case: Case, text: str):
    """sympy confirms det J − closed form = 0 identically, not just at the sample points."""
    mapping = _mapping(case, text)
    X, Y = mapping.symbols
    P = dict(zip(mapping.parameters, mapping.parameter_symbols, strict=True))
    closed = case.closed(X, Y, P, sp)
    # doit writes the whole complex functions (sqrt, log, powers) out as their formulas
    assert _symbolically_equal(mapping.det.doit(), closed, case.rewrite)
    # the test has teeth: a slightly different formula is told apart
    assert not _symbolically_equal(mapping.det.doit(), closed + X / 7, case.rewrite)


def test_symbolic_det_of_polar_is_r_times_one():
    """det J for polar coordinates is r cos² t + r sin² t, which sympy reduces to r."""
    m = Mapping.from_text("(r, t) -> r cos(t), r sin(t)")
    r, t = m.symbols
    assert m.variables == ("r", "t")
    assert sp.simplify(m.det) == r
    assert m.jacobian == sp.Matrix([[sp.cos(t), -r * sp.sin(t)], [sp.sin(t), r * sp.cos(t)]])
    assert sp.simplify(m.trace - (sp.cos(t) + r * sp.cos(t))) == 0


def test_henon_jacobian_entries():
    """The Hénon map has J = [[-2ax, 1], [b, 0]], so det J = -b everywhere."""
    m = Mapping.from_text("1 - a x^2 + y, b x")
    x, _ = m.symbols
    a, b = m.parameter_symbols
    assert m.parameters == ("a", "b")
    assert m.jacobian == sp.Matrix([[-2 * a * x, 1], [b, 0]])
    assert m.det == -b
    c = compile_mapping(m)
    np.testing.assert_allclose(c.jacobian_at(0.5, -2.0, {"a": 1.4, "b": 0.3}), [[-1.4, 1.0], [0.3, 0.0]])


def test_chain_equals_its_composition():
    """A two-stage chain has the u, v and J of the composed mapping, and J is the chain-rule product."""
    chain = Mapping.from_text("x + y, x - y; x y, x + y")
    by_hand = Mapping.from_text("(x + y)(x - y), (x + y) + (x - y)")
    assert len(chain.stage_expressions) == 2
    assert sp.expand(chain.u - by_hand.u) == 0 and sp.expand(chain.v - by_hand.v) == 0
    assert (chain.jacobian - by_hand.jacobian).applyfunc(sp.expand) == sp.zeros(2, 2)
    # chain rule: J = J2(F1(p)) · J1(p)
    x, y = chain.symbols
    j1, j2 = chain.stage_jacobians
    u1, v1 = chain.stage_expressions[0]
    product = j2.xreplace({x: u1, y: v1}) * j1
    assert (product - chain.jacobian).applyfunc(sp.expand) == sp.zeros(2, 2)
    ca, cb = compile_mapping(chain), compile_mapping(by_hand)
    xs, ys = POINTS[:, 0], POINTS[:, 1]
    for got, want in zip(ca.jacobian(xs, ys), cb.jacobian(xs, ys), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # det of a chain is the product of the stages' dets: (-2) · (v1 - u1) = 4y
    np.testing.assert_allclose(ca.det(xs, ys), 4 * ys, rtol=1e-12)


def test_chain_order_is_first_stage_first():
    """In S1; S2 the first stage is applied first: x + 1, y; x^2, y is (x + 1)^2, not x^2 + 1."""
    m = Mapping.from_text("x + 1, y; x^2, y")
    x, _ = m.symbols
    assert sp.expand(m.u - (x + 1) ** 2) == 0


# ---------------------------------------------------------------------------------------
# jacviz eval, end to end (in-process: main() returns the exit status)


def _eval(capsys, *argv: str) -> dict:
    rc = main(["eval", *argv])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert err == ""
    assert out.endswith("\n") and out.count("\n") == 1
    return json.loads(out)


def test_eval_polar(capsys):
    """jacviz eval reports polar coordinates' J at (2, 0.5) and det J simplified to "r"."""
    out = _eval(capsys, "(r, t) -> r cos(t), r sin(t)", "--at", "2,0.5", "--simplify-timeout", "30")
    c, s = np.cos(0.5), np.sin(0.5)
    assert out["variables"] == ["r", "t"]
    assert out["parameters"] == {}
    assert out["point"] == [2.0, 0.5]
    np.testing.assert_allclose(out["value"], [2 * c, 2 * s], rtol=1e-12)
    np.testing.assert_allclose(out["jacobian"], [[c, -2 * s], [s, 2 * c]], rtol=1e-12)
    assert out["det"] == pytest.approx(2.0, rel=1e-12)
    assert out["trace"] == pytest.approx(c + 2 * c, rel=1e-12)
    np.testing.assert_allclose(out["singular_values"], [2.0, 1.0], rtol=1e-12)
    assert out["det_symbolic"] == "r"
    assert out["jacobian_symbolic"] == [["cos(t)", "-r*sin(t)"], ["sin(t)", "r*cos(t)"]]
    assert out["u"] == "r*cos(t)" and out["v"] == "r*sin(t)"


def test_eval_henon_with_parameters(capsys):
    """--param sets the Hénon constants; det J = -b and det_symbolic is "-b"."""
    out = _eval(capsys, "1 - a x^2 + y, b x", "--at", "0.5,1", "--param", "a=1.4", "--param", "b=0.3",
                "--simplify-timeout", "30")
    assert out["parameters"] == {"a": 1.4, "b": 0.3}
    np.testing.assert_allclose(out["value"], [1 - 1.4 * 0.25 + 1, 0.15], rtol=1e-12)
    np.testing.assert_allclose(out["jacobian"], [[-1.4, 1.0], [0.3, 0.0]], rtol=1e-12)
    assert out["det"] == pytest.approx(-0.3, rel=1e-12)
    assert out["det_symbolic"] == "-b"


def test_eval_z_squared_unsimplified(capsys):
    """Without simplification det_symbolic is the raw ad - bc, which still reads back as 4(x²+y²)."""
    out = _eval(capsys, "z^2", "--at", "1,2", "--simplify-timeout", "0")
    np.testing.assert_allclose(out["jacobian"], [[2.0, -4.0], [4.0, 2.0]], rtol=1e-12)
    assert out["det"] == pytest.approx(20.0, rel=1e-12)
    m = Mapping.from_text(out["det_symbolic"])
    x, y = m.symbols
    assert sp.expand(m.u - 4 * (x**2 + y**2)) == 0


def test_eval_elliptic_with_vars(capsys):
    """--vars u,v names the variables; det J = sinh²u + sin²v at (1, 2)."""
    out = _eval(capsys, "cosh(u) cos(v), sinh(u) sin(v)", "--vars", "u,v", "--at", "1,2",
                "--simplify-timeout", "0")
    assert out["variables"] == ["u", "v"]
    assert out["det"] == pytest.approx(np.sinh(1) ** 2 + np.sin(2) ** 2, rel=1e-12)


def test_eval_pole_gives_null(capsys):
    """At the pole of 1/z the value, J and det are undefined and printed as null, not NaN."""
    out = _eval(capsys, "1/z", "--at", "0,0", "--simplify-timeout", "0")
    assert out["value"] == [None, None]
    assert out["det"] is None
    assert out["jacobian"] == [[None, None], [None, None]]
