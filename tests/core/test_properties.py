"""Properties that must hold for every mapping the language can express.

hypothesis writes mapping texts from the grammar (numbers, x, y, + - * / ^, small integer
powers, juxtaposition and smooth functions), then checks:

* the compiled Jacobian agrees with central finite differences of the compiled mapping;
* a holomorphic f(z) written in complex form satisfies the Cauchy–Riemann equations,
  a = d and b = -c, wherever it is defined;
* every entry of J (and det J) printed by ``plain_text`` reads back through jacviz's own
  parser as an expression with the same values.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from jacviz.core.errors import MappingError
from jacviz.core.numeric.compiled import CompiledMapping
from jacviz.core.persistence.presets import load_presets
from jacviz.core.symbolic.mapping import Mapping, plain_text
from jacviz.core.symbolic.translate import compile_expressions, compile_mapping

# ---------------------------------------------------------------------------------------
# A grammar of real expressions that are smooth on all of R² (so that finite differences
# are meaningful anywhere): no poles, no branch points, no kinks.

NUMBERS = st.sampled_from(["2", "3", "0.5", "1.5", "0.25", "pi", "e", "1/3", "2.5"])
REAL_LEAVES = st.one_of(
    st.sampled_from(["x", "y", "x", "y", "xy", "2x", "3y", "x^2", "y²", "x y"]),
    NUMBERS,
)
SMOOTH_UNARY = ["sin({})", "cos({})", "tanh({})", "atan({})", "sqrt(1 + ({})^2)", "log(1 + ({})^2)",
                "1/(1 + ({})^2)", "sigmoid({})", "exp(sin({}))", "exp({}/4)", "({})^2", "({})³", "-({})",
                "3({})", "arctan({})", "cos({})^2", "sin^2({})", "asinh({})", "cosh(({})/3)"]


def _real_expressions(leaves=REAL_LEAVES):
    def extend(inner):
        unary = st.tuples(st.sampled_from(SMOOTH_UNARY), inner).map(lambda t: t[0].format(t[1]))
        binary = st.tuples(inner, st.sampled_from([" + ", " - ", " * ", " ", "*"]), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        )
        safe_div = st.tuples(inner, inner).map(lambda t: f"({t[0]}) / (2 + sin({t[1]}))")
        return st.one_of(unary, binary, safe_div)

    return st.recursive(leaves, extend, max_leaves=6)


REAL = _real_expressions()
COORD = st.floats(min_value=-1.5, max_value=1.5, allow_nan=False, allow_infinity=False)
POINTS = st.lists(st.tuples(COORD, COORD), min_size=3, max_size=3)


def _compile(text: str) -> tuple[Mapping, CompiledMapping]:
    try:
        mapping = Mapping.from_text(text)
    except MappingError as err:  # only the size guards may refuse a generated mapping
        assert "too large" in err.message, (text, err.message)
        reject()
    return mapping, compile_mapping(mapping)


def _finite_difference(compiled: CompiledMapping, x: float, y: float, h: float) -> np.ndarray:
    """Central differences: columns are ∂F/∂x and ∂F/∂y."""
    xs = np.array([x + h, x - h, x, x])
    ys = np.array([y, y, y + h, y - h])
    u, v = compiled.values(xs, ys)
    return np.array([[u[0] - u[1], u[2] - u[3]], [v[0] - v[1], v[2] - v[3]]]) / (2 * h)


@given(u=REAL, v=REAL, points=POINTS)
def test_jacobian_matches_finite_differences(u, v, points):
    """For random smooth mappings, jacobian_at(p) equals central finite differences of value_at near p."""
    _, compiled = _compile(f"{u}, {v}")
    for x, y in points:
        value = compiled.value_at(x, y)
        jac = compiled.jacobian_at(x, y)
        assume(np.isfinite(value).all() and np.isfinite(jac).all() and np.abs(value).max() < 1e6)
        coarse = _finite_difference(compiled, x, y, 1e-3)
        fine = _finite_difference(compiled, x, y, 5e-4)
        assume(np.isfinite(coarse).all() and np.isfinite(fine).all())
        richardson = (4 * fine - coarse) / 3  # error O(h⁴)
        scale = 1.0 + np.abs(jac).max() + np.abs(value).max()
        # the finite differences' own disagreement bounds their error; add room for rounding
        slack = 1e-6 * scale + 10 * np.abs(fine - coarse).max()
        assert np.abs(jac - richardson).max() <= slack, (u, v, x, y, jac, richardson)


def test_finite_difference_check_has_teeth():
    """The comparison above notices a wrong Jacobian: swapping the columns of J fails it."""
    _, compiled = _compile("x^2 + sin(y), x y")
    jac = compiled.jacobian_at(0.7, -0.3)
    fd = _finite_difference(compiled, 0.7, -0.3, 1e-4)
    np.testing.assert_allclose(jac, fd, rtol=1e-6)
    assert np.abs(jac[:, ::-1] - fd).max() > 0.1


# ---------------------------------------------------------------------------------------
# Holomorphic functions in complex form

COMPLEX_CONSTANTS = st.sampled_from(
    ["2", "0.5", "i", "2i", "(1 + i)", "(0.5 - 2i)", "(3 - i)", "pi", "(1 + 0.5i)"]
)
COMPLEX_LEAVES = st.one_of(
    st.just("z"), st.just("z"), st.just("z^2"), COMPLEX_CONSTANTS.map(lambda c: f"{c} z"), COMPLEX_CONSTANTS
)
ANALYTIC_UNARY = ["exp({})", "sin({})", "cos({})", "sinh({})", "cosh({})", "({})^2", "({})^3",
                  "1/(({}) - 0.3 - 0.7i)", "1/(({}) + 2)", "exp(({})/3)", "tan(({})/4)", "-({})", "i ({})",
                  "({})²"]


def _complex_expressions():
    def extend(inner):
        unary = st.tuples(st.sampled_from(ANALYTIC_UNARY), inner).map(lambda t: t[0].format(t[1]))
        binary = st.tuples(inner, st.sampled_from([" + ", " - ", " * ", " "]), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})"
        )
        scaled = st.tuples(COMPLEX_CONSTANTS, inner).map(lambda t: f"{t[0]} ({t[1]})")
        return st.one_of(unary, binary, scaled)

    return st.recursive(COMPLEX_LEAVES, extend, max_leaves=4)


COMPLEX = _complex_expressions()


def _cauchy_riemann(compiled: CompiledMapping, points) -> int:
    checked = 0
    for x, y in points:
        jac = compiled.jacobian_at(x, y)
        if not np.isfinite(jac).all() or np.abs(jac).max() > 1e8:
            continue  # at or next to a pole
        (a, b), (c, d) = jac
        tol = 1e-9 * (1.0 + np.abs(jac).max())
        assert abs(a - d) <= tol and abs(b + c) <= tol, (x, y, jac)
        checked += 1
    return checked


@given(f=COMPLEX, points=POINTS)
def test_holomorphic_maps_satisfy_cauchy_riemann(f, points):
    """f(z) built from z, complex constants, exp, trig, powers and 1/(z - c) has a = d and b = -c.

    The head z -> keeps a constant such as 2 in complex form (alone it is a scalar field)."""
    mapping, compiled = _compile(f"z -> {f}")
    assert mapping.is_complex
    assume(_cauchy_riemann(compiled, points) > 0)


BRANCHES = ["log(z)", "sqrt(z)", "z^(1/3)", "asin(z)", "atanh(z)", "acosh(z)", "z^z", "2^z", "log(z, 2)",
            "cbrt(z)", "sigmoid(z)", "sec(z)", "cot(z)", "asinh(z)", "atan(z)"]


@pytest.mark.parametrize("f", BRANCHES)
def test_branch_functions_satisfy_cauchy_riemann_off_their_cuts(f):
    """Principal branches are holomorphic away from their cuts: CR holds at points off the axes."""
    _, compiled = _compile(f)
    rng = np.random.default_rng(11)
    points = [(x, y) for x, y in rng.uniform(-2.0, 2.0, (40, 2)) if abs(y) > 0.05 and abs(x) > 0.05]
    assert _cauchy_riemann(compiled, points) >= 30


@pytest.mark.parametrize("f", ["conj(z)", "abs(z)", "re(z)", "z conj(z)", "x + 2i y", "arg(z)"])
def test_non_holomorphic_maps_break_cauchy_riemann(f):
    """The CR check has teeth: conj, abs, re and friends fail it."""
    _, compiled = _compile(f)
    jac = compiled.jacobian_at(0.8, 0.6)
    (a, b), (c, d) = jac
    assert abs(a - d) > 1e-3 or abs(b + c) > 1e-3


# ---------------------------------------------------------------------------------------
# plain_text reads back


def _check_round_trip(mapping: Mapping, points) -> int:
    """Print each entry of J and det J, parse it back as u, and compare values at ``points``.

    An entry whose text is beyond the language's limits (length, terms, nesting) is skipped:
    nobody could have typed it. Returns the number of entries compared.
    """
    params = {name: 0.7 for name in mapping.parameters}
    xs, ys = np.array(points, dtype=float).T
    mapping_values = compile_mapping(mapping).jacobian(xs, ys, params)
    j = mapping.jacobian
    entries = [j[0, 0], j[0, 1], j[1, 0], j[1, 1], mapping.det]
    checked = 0
    for expr, want in zip(entries, mapping_values, strict=True):
        text = plain_text(expr)
        try:
            back = Mapping.from_text(f"{text}, 0", mapping.variables)
        except MappingError as err:
            if any(limit in err.message for limit in ("too long", "too large", "too deeply")):
                continue
            raise AssertionError(f"{text!r} does not read back: {err.message}") from None
        assert set(back.parameters) <= set(mapping.parameters), text
        program = compile_expressions([back.u], (*back.symbols, *back.parameter_symbols))
        (got,) = program.run(xs, ys, *(params[name] for name in back.parameters))
        # J is NaN wherever F is undefined; the printed entry alone may be defined there
        defined = np.isfinite(want)
        np.testing.assert_allclose(got[defined], want[defined], rtol=1e-9, atol=1e-12, err_msg=text)
        checked += 1
    return checked


@settings(max_examples=30)
@given(u=REAL, v=REAL, points=POINTS)
def test_plain_text_of_jacobian_reads_back_real(u, v, points):
    """plain_text(J entry) of a random real mapping parses back to an expression with equal values."""
    mapping, _ = _compile(f"{u}, {v}")
    assume(_check_round_trip(mapping, points) > 0)


@settings(max_examples=30)
@given(f=COMPLEX, points=POINTS)
def test_plain_text_of_jacobian_reads_back_complex(f, points):
    """The same for complex-form mappings, whose J entries are real expressions in x and y.

    The head z -> makes a constant such as 2 complex form too (without it, one expression
    with neither z nor i is a scalar field)."""
    mapping, _ = _compile(f"z -> {f}")
    assume(_check_round_trip(mapping, points) > 0)


PLANAR_PRESETS = [p for p in load_presets() if Mapping.from_text(p.mapping).shape.is_planar]


@pytest.mark.parametrize("preset", PLANAR_PRESETS, ids=lambda p: p.name)
def test_plain_text_of_preset_jacobians_reads_back(preset):
    """Every preset's J entries and det J survive plain_text and the parser, parameters included."""
    mapping = Mapping.from_text(preset.mapping)
    points = [(0.3, -0.7), (1.1, 0.4), (-0.6, 0.9)]
    assert _check_round_trip(mapping, points) == 5


def test_plain_text_writes_e_and_abs_the_way_jacviz_reads_them():
    """sympy's E and Abs are printed as e and abs(...), which the language knows."""
    m = Mapping.from_text("e x + abs(y), y")
    text = plain_text(m.u)
    assert "E" not in text and "Abs" not in text
    back = Mapping.from_text(f"{text}, y")
    assert back.parameters == ()
