"""The numeric programs: shapes, NaN instead of inf or warnings, dtypes, and the JSON form.

A compiled mapping must behave like a numpy ufunc of (x, y): every output has the
broadcast shape of the inputs even when it is a constant (the lambdify pitfall, where a
constant Jacobian entry comes back as a bare scalar), holds NaN wherever the value is not a
finite number, and never lets a RuntimeWarning escape. A saved program is data: loading a
malformed or foreign one raises MappingError and nothing else.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from corehelpers import compiled

from jacviz.core.errors import MappingError
from jacviz.core.numeric.compiled import CompiledMapping
from jacviz.core.numeric.program import OPERATIONS, Program

pytestmark = pytest.mark.usefixtures("warnings_are_errors")


GRID_X, GRID_Y = np.meshgrid(np.linspace(-1.0, 2.0, 4), np.linspace(-2.0, 1.0, 3))  # shape (3, 4)


@pytest.mark.parametrize("text", ["2x + y, x - y", "x, y", "3, 4", "x + 1, 2", "z", "2z + i"])
def test_constant_jacobian_has_the_grid_shape(text):
    """Linear and constant mappings return (3, 4) arrays for F, every J entry and det, on a (3, 4) grid."""
    c = compiled(text)
    outputs = [*c.values(GRID_X, GRID_Y), *c.jacobian(GRID_X, GRID_Y), c.det(GRID_X, GRID_Y)]
    for out in outputs:
        assert isinstance(out, np.ndarray)
        assert out.shape == (3, 4)
        assert out.dtype == np.float64
        assert np.isfinite(out).all()


def test_linear_map_values():
    """2x + y, x - y: J = [[2, 1], [1, -1]] everywhere, det = -3, F as written."""
    c = compiled("2x + y, x - y")
    a, b, cc, d, det = c.jacobian(GRID_X, GRID_Y)
    assert (a == 2).all() and (b == 1).all() and (cc == 1).all() and (d == -1).all() and (det == -3).all()
    u, v = c.values(GRID_X, GRID_Y)
    np.testing.assert_array_equal(u, 2 * GRID_X + GRID_Y)
    np.testing.assert_array_equal(v, GRID_X - GRID_Y)


def test_broadcasting_a_row_and_a_column():
    """x of shape (4,) and y of shape (3, 1) broadcast to (3, 4), as a grid does."""
    c = compiled("x y, x + y")
    xs, ys = np.arange(4.0), np.arange(3.0)[:, None]
    u, v = c.values(xs, ys)
    assert u.shape == v.shape == (3, 4)
    np.testing.assert_array_equal(u, xs * ys)
    assert c.det(xs, ys).shape == (3, 4)
    # a term of x alone (v = x here) is still full-sized
    assert compiled("x, y^2").values(xs, ys)[0].shape == (3, 4)


def test_scalars_give_zero_dimensional_arrays():
    """Python floats in, 0-d arrays out; jacobian_at is 2×2 and value_at has length 2."""
    c = compiled("x^2 - y^2, 2xy")
    u, v = c.values(1.0, 2.0)
    assert u.shape == () and float(u) == -3.0 and float(v) == 4.0
    assert c.det(1.0, 2.0).shape == ()
    np.testing.assert_array_equal(c.jacobian_at(1.0, 2.0), [[2.0, -4.0], [4.0, 2.0]])
    np.testing.assert_array_equal(c.value_at(1.0, 2.0), [-3.0, 4.0])
    assert c.jacobian_at(1, 2).shape == (2, 2)


def test_outputs_never_alias_inputs():
    """The identity mapping returns copies: writing to u must not change x, nor v change u."""
    c = compiled("x, x")
    xs = np.arange(5.0)
    u, v = c.values(xs, xs)
    assert not np.shares_memory(u, xs) and not np.shares_memory(u, v)
    u[:] = -1
    assert (xs == np.arange(5.0)).all() and (v == np.arange(5.0)).all()
    a, _, _, d, _ = compiled("x + 1, y").jacobian(xs, xs)
    a[0] = 99  # constant outputs are writeable arrays of their own
    assert d[0] == 1


def test_parameters_default_to_one_and_are_used():
    """A parameter left out is 1; a given one is used."""
    c = compiled("a x, b y")
    np.testing.assert_array_equal(c.value_at(2.0, 3.0), [2.0, 3.0])
    np.testing.assert_array_equal(c.value_at(2.0, 3.0, {"a": 5.0, "b": -1.0}), [10.0, -3.0])
    assert c.parameters == ("a", "b")


# ---------------------------------------------------------------------------------------
# NaN, never inf, never a warning


def test_pole_gives_nan_not_inf():
    """1/z at 0 is NaN in F, J and det; one step away all is finite."""
    c = compiled("1/z")
    xs = np.array([0.0, 1.0])
    for out in (*c.values(xs, 0.0), *c.jacobian(xs, 0.0), c.det(xs, 0.0)):
        assert np.isnan(out[0]) and np.isfinite(out[1])
    assert np.isnan(c.jacobian_at(0.0, 0.0)).all()
    assert np.isnan(c.value_at(0.0, 0.0)).all()


def test_division_by_zero_on_a_line():
    """x/y on the line y = 0 is NaN (0/0 and 1/0 alike), finite elsewhere."""
    c = compiled("x / y, y")
    u, _ = c.values(np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, 2.0]))
    assert np.isnan(u[:2]).all() and u[2] == 0.5


def test_log_and_sqrt_of_negatives_are_nan_in_f_and_j():
    """Outside the domain of log or sqrt, F and every entry of J are NaN (J is not 1/x there)."""
    c = compiled("log(x), sqrt(y)")
    xs = np.array([-1.0, 1.0, 2.0])
    ys = np.array([1.0, -4.0, 4.0])
    u, v = c.values(xs, ys)
    np.testing.assert_array_equal(np.isnan(u), [True, False, False])
    np.testing.assert_array_equal(np.isnan(v), [False, True, False])
    entries = c.jacobian(xs, ys)
    for e in entries:
        np.testing.assert_array_equal(np.isnan(e), [True, True, False])
    np.testing.assert_array_equal(np.isnan(c.det(xs, ys)), [True, True, False])
    np.testing.assert_allclose([e[2] for e in entries], [0.5, 0.0, 0.0, 0.25, 0.125])


def test_overflow_is_nan():
    """exp(x^2) at x = 100 overflows float64: F, J and det are NaN there and exact at x = 1."""
    c = compiled("exp(x^2), y")
    xs = np.array([100.0, 1.0])
    u, v = c.values(xs, 0.0)
    assert np.isnan(u[0]) and u[1] == pytest.approx(np.e)
    assert (v == 0).all()
    a, b, cc, d, det = c.jacobian(xs, 0.0)
    assert np.isnan(a[0]) and a[1] == pytest.approx(2 * np.e)
    assert b[1] == 0 and cc[1] == 0 and d[1] == 1
    assert np.isnan(det[0]) and det[1] == pytest.approx(2 * np.e)


def test_derivative_blowing_up_is_nan():
    """sqrt(x) at 0 is 0, but its derivative 1/(2√x) is infinite there: NaN, not inf."""
    c = compiled("sqrt(x), y")
    u, _ = c.values(0.0, 0.0)
    a, *_ = c.jacobian(0.0, 0.0)
    assert float(u) == 0.0
    assert np.isnan(a)


def test_float32_overflows_to_nan_and_keeps_its_dtype():
    """In float32, x^2 at 1e30 overflows: NaN, and every output is float32."""
    c = compiled("x^2, 2y")
    xs = np.array([1e30, 3.0], dtype=np.float32)
    u, v = c.values(xs, np.float32(1.0), dtype=np.float32)
    assert u.dtype == v.dtype == np.float32
    assert np.isnan(u[0]) and u[1] == 9.0
    det = c.det(xs, np.float32(1.0), dtype=np.float32)
    assert det.dtype == np.float32
    # det J = 4x is 4e30, a finite float32, but F itself overflowed there: det is NaN too
    np.testing.assert_array_equal(det, [np.nan, 12.0])
    for e in c.jacobian(GRID_X, GRID_Y, dtype=np.float32):
        assert e.dtype == np.float32 and e.shape == (3, 4)


def test_constant_nan_mapping_is_nan_everywhere():
    """A constant that is undefined as a real number (log(-1)) becomes NaN of the full shape."""
    c = compiled("x + log(-1), y")
    u, v = c.values(GRID_X, GRID_Y)
    assert u.shape == (3, 4) and np.isnan(u).all()
    assert np.isfinite(v).all()


def test_constants_are_computed_like_everything_else():
    """A constant made of functions is computed by the program in floating point, as it would be with
    a variable in it: sin(exp(100)) + y equals sin(exp(100) x) + y at x = 1, and exp(exp(20)) is NaN."""
    c = compiled("exp(exp(20)) + x, sin(exp(100)) + y")
    u, v = c.values(GRID_X, GRID_Y)
    assert u.shape == v.shape == (3, 4)
    assert np.isnan(u).all()  # e^(e^20) does not fit in a float
    same = compiled("x, sin(exp(100) x) + y")
    np.testing.assert_array_equal(v, same.values(np.ones_like(GRID_X), GRID_Y)[1])


def test_nested_cancelling_constant_compiles():
    """acosh((1e300)^i (1e300)^i) is a constant whose sympy evalf never finished; it now compiles."""
    c = compiled("acosh(((1e300)^(i)) ((1e300)^(i))) + z")
    u, v = c.values(GRID_X, GRID_Y)
    assert u.shape == (3, 4) and v.shape == (3, 4)


def test_constant_functions_are_accurate():
    """A constant made of functions is computed in float64 to rounding: sin²1 + cos²1 = 1, √2·√3 = √6."""
    c = compiled("x + sin(1)^2 + cos(1)^2, sqrt(2) sqrt(3) y + atan(1)")
    u, v = c.values(np.array([0.5]), np.array([2.0]))
    assert u[0] == pytest.approx(1.5, rel=1e-15)
    assert v[0] == pytest.approx(2 * np.sqrt(6) + np.pi / 4, rel=1e-15)


def test_wrong_number_of_inputs_is_a_mapping_error():
    """A Program run with the wrong number of inputs raises MappingError."""
    c = compiled("x, y")
    with pytest.raises(MappingError, match="expected 2 inputs"):
        c.values_program.run(1.0)


# ---------------------------------------------------------------------------------------
# JSON


ROUND_TRIP = ["x^2 - y^2, 2xy", "exp(z)", "1/z", "(r, t) -> r cos(t), r sin(t)", "1 - a x^2 + y, b x",
              "tanh(x + 2y), tanh(x - y); 2x - y, x + 3y", "atan2(y, x), cbrt(x) + abs(y) + sign(x)",
              "sqrt(z)", "x, y exp(tanh(x)) + sin(x)"]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_json_round_trip_gives_identical_numbers(text):
    """A compiled mapping saved as JSON and loaded again computes bit-for-bit the same arrays."""
    c = compiled(text)
    loaded = CompiledMapping.from_json(c.to_json())
    assert loaded.variables == c.variables and loaded.parameters == c.parameters
    assert loaded.values_program == c.values_program
    params = {name: 0.7 for name in c.parameters}
    pairs = [
        *zip(loaded.jacobian(GRID_X, GRID_Y, params), c.jacobian(GRID_X, GRID_Y, params), strict=True),
        *zip(loaded.values(GRID_X, GRID_Y, params), c.values(GRID_X, GRID_Y, params), strict=True),
    ]
    for got, want in pairs:
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(loaded.det(GRID_X, GRID_Y, params), c.det(GRID_X, GRID_Y, params))
    program = c.jacobian_program
    assert Program.from_json(program.to_json()) == program


def test_program_json_is_plain_data_from_the_instruction_table():
    """A saved program names only operations from the fixed table; no code, no names of Python objects."""
    data = json.loads(compiled("exp(z) + log(z)").to_json())
    for key in ("values", "jacobian", "det"):
        for op in data[key]["ops"]:
            assert op[0] == "const" or op[0] in OPERATIONS
            assert all(isinstance(a, (int, float)) for a in op[1:])


def test_saved_program_runs_without_sympy():
    """Loading and running a saved Program imports neither sympy nor the mapping module."""
    saved = compiled("x^2 - y^2, 2xy").to_json()
    code = (
        "import sys, json\n"
        "from jacviz.core.numeric.compiled import CompiledMapping\n"
        f"c = CompiledMapping.from_json({saved!r})\n"
        "print(json.dumps([float(c.det(1.0, 2.0)), 'sympy' in sys.modules]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    det, has_sympy = json.loads(out.stdout)
    assert det == 20.0
    assert has_sympy is False


def _program(inputs, ops, outputs) -> str:
    return json.dumps({"inputs": inputs, "ops": ops, "outputs": outputs})


MALFORMED = {
    "not json": "this is not json",
    "empty": "",
    "a list": "[]",
    "a number": "3",
    "null": "null",
    "missing ops": json.dumps({"inputs": ["x"], "outputs": [0]}),
    "missing outputs": json.dumps({"inputs": ["x"], "ops": []}),
    "missing inputs": json.dumps({"ops": [], "outputs": [0]}),
    "unknown op": _program(["x"], [["system", 0]], [1]),
    "dunder op": _program(["x"], [["__import__", 0]], [1]),
    "eval op": _program(["x"], [["eval", 0]], [1]),
    "op name not a string": _program(["x"], [[7, 0]], [1]),
    "empty op": _program(["x"], [[]], [1]),
    "null op": _program(["x"], [None], [1]),
    "op is a string": _program(["x"], ["sin"], [1]),
    "wrong arity, too few": _program(["x"], [["add", 0]], [1]),
    "wrong arity, too many": _program(["x"], [["sin", 0, 0]], [1]),
    "forward reference": _program(["x"], [["sin", 1]], [1]),
    "negative slot": _program(["x"], [["sin", -1]], [1]),
    "float slot": _program(["x"], [["sin", 0.0]], [1]),
    "string slot": _program(["x"], [["sin", "0"]], [1]),
    "huge slot": _program(["x"], [["sin", 10**30]], [1]),
    "const without value": _program(["x"], [["const"]], [1]),
    "const with a string": _program(["x"], [["const", "__import__('os')"]], [1]),
    "const with a list": _program(["x"], [["const", [1]]], [1]),
    "const with two values": _program(["x"], [["const", 1, 2]], [1]),
    "output out of range": _program(["x"], [["sin", 0]], [2]),
    "negative output": _program(["x"], [["sin", 0]], [-1]),
    "output not a list": _program(["x"], [["sin", 0]], 1),
    "output a string": _program(["x"], [["sin", 0]], ["1"]),
    "ops a dict": json.dumps({"inputs": ["x"], "ops": {"a": 1}, "outputs": [0]}),
    "deeply nested": "[" * 100_000,
    "deeply nested ops": '{"inputs": ["x"], "ops": ' + "[" * 50_000,
}


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_program_is_refused(text):
    """Program.from_json raises MappingError (and only that) for anything that is not a valid program."""
    with pytest.raises(MappingError):
        Program.from_json(text)


@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_compiled_mapping_is_refused(text):
    """CompiledMapping.from_json refuses a bad program inside a good envelope, and a bad envelope."""
    good = json.loads(compiled("x, y").to_json())
    with pytest.raises(MappingError):
        CompiledMapping.from_json(text)
    try:
        inner = json.loads(text)
    except (ValueError, RecursionError):
        return
    good["jacobian"] = inner
    with pytest.raises(MappingError):
        CompiledMapping.from_json(json.dumps(good))


def test_valid_hand_written_program_runs():
    """The JSON format is what the docs say: inputs, ops over numbered slots, outputs."""
    p = Program.from_json(_program(["x", "y"], [["mul", 0, 1], ["const", 2.0], ["add", 2, 3]], [4, 2]))
    s, prod = p.run(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_array_equal(s, [5.0, 10.0])
    np.testing.assert_array_equal(prod, [3.0, 8.0])


# -- one point: the cursor's path (Program.run_point, CompiledMapping.values_and_jacobian)

def _preset_mappings():
    from jacviz.core.persistence.presets import load_presets

    out = []
    for preset in load_presets():
        try:
            mapping = compiled(preset.mapping)
        except Exception:  # shapes other than 2 → 2 are not compiled mappings of the plane
            continue
        if isinstance(mapping, CompiledMapping) and mapping.shape == (2, 2):
            out.append((preset.mapping, mapping))
    return out


_EDGE_POINTS = [(0.0, 0.0), (1.0, 0.0), (-1.0, 0.0), (0.0, -1.0), (-2.0, -0.0), (1e-300, 1e300),
                (-750.0, 3.0), (np.nan, 1.0), (np.inf, 0.0)]


def test_run_point_gives_run_s_numbers_bit_for_bit():
    """Every preset's programs, random and edge points (poles, branch cuts, overflow, NaN)."""
    rng = np.random.default_rng(7)
    mappings = _preset_mappings()
    assert len(mappings) >= 10
    for text, mapping in mappings:
        params = [1.3] * len(mapping.parameters)
        points = [*map(tuple, rng.normal(size=(40, 2)) * 3), *_EDGE_POINTS]
        for program in (mapping.values_program, mapping.jacobian_program):
            for x, y in points:
                fast = program.run_point(x, y, *params)
                slow = [float(a) for a in program.run(x, y, *params)]
                assert all(isinstance(v, float) for v in fast)
                assert np.array_equal(fast, slow, equal_nan=True), (text, x, y)


def test_values_and_jacobian_at_a_point_are_values_and_jacobian():
    rng = np.random.default_rng(11)
    for text, mapping in _preset_mappings():
        params = {name: 0.7 for name in mapping.parameters}
        for x, y in [*map(tuple, rng.normal(size=(20, 2)) * 2), *_EDGE_POINTS]:
            (u, v), entries = mapping.values_and_jacobian(np.array(x), np.array(y), params)
            want = [*mapping.values(np.array(x), np.array(y), params),
                    *mapping.jacobian(np.array(x), np.array(y), params)]
            got = [u, v, *entries]
            assert all(np.ndim(g) == 0 for g in got)
            assert np.array_equal(np.array(got, dtype=float), np.array(want, dtype=float), equal_nan=True), \
                (text, x, y)


def test_values_and_jacobian_blank_j_where_f_is_undefined():
    mapping = compiled("log(x), x*y")
    (u, v), (a, b, c, d, det) = mapping.values_and_jacobian(np.array(-1.0), np.array(2.0))
    assert np.isnan(u) and float(v) == -2.0
    assert all(np.isnan(e) for e in (a, b, c, d, det))  # 1/x has a value at −1, F has none
    (u, v), (a, b, c, d, det) = mapping.values_and_jacobian(np.array(2.0), np.array(3.0))
    assert (float(u), float(v)) == (pytest.approx(np.log(2.0)), 6.0)
    assert [float(e) for e in (a, b, c, d, det)] == [0.5, 0.0, 3.0, 2.0, 1.0]


def test_values_and_jacobian_on_arrays_are_the_two_array_calls():
    mapping = compiled("x^2 - y^2, 2 x y")
    xs, ys = np.linspace(-1, 1, 5), np.linspace(2, 3, 5)
    (u, v), (a, b, c, d, det) = mapping.values_and_jacobian(xs, ys)
    assert np.array_equal(u, xs**2 - ys**2) and np.array_equal(v, 2 * xs * ys)
    assert np.array_equal(a, 2 * xs) and np.array_equal(b, -2 * ys) and np.array_equal(c, 2 * ys)
    assert np.array_equal(d, 2 * xs) and np.array_equal(det, 4 * (xs**2 + ys**2))


def test_dividing_by_a_parameter_of_zero_is_nan_not_an_exception():
    """A parameter is a plain float; 1/a at a = 0 raised ZeroDivisionError from Python's division."""
    mapping = compiled("x/a + 1/a, y^3")
    zero = {"a": 0.0}
    for run in (lambda: mapping.values(1.0, 2.0, zero), lambda: mapping.values(np.ones(3), 2.0, zero),
                lambda: mapping.values_and_jacobian(np.array(1.0), np.array(2.0), zero)[0]):
        u, v = run()
        assert np.isnan(u).all() and np.all(v == 8.0)
    assert np.isnan(mapping.values_program.run_point(0.0, 2.0, 0.0)[0])
