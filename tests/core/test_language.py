"""The mapping language: every documented spelling, its errors and their columns.

Each group of spellings must give the same u and v (compared as sympy expressions over real
symbols); each malformed text must be refused with a MappingError whose message says what
is wrong and whose column points at it.
"""

from __future__ import annotations

import pytest
import sympy as sp

from jacviz.core import language
from jacviz.core.errors import MappingError
from jacviz.core.language import MAX_PARAMETERS, MAX_STAGES, parse, validate
from jacviz.core.symbolic.mapping import Mapping

x, y, r, t, u, v = (sp.Symbol(n, real=True) for n in "xyrtuv")
a, b, c, k = (sp.Symbol(n, real=True) for n in "abck")


def _same(expr: sp.Expr, want: sp.Expr) -> bool:
    return sp.expand(expr - want) == 0 or sp.simplify(expr - want) == 0


# (spellings, expected u, expected v, expected variables)
SPELLINGS = [
    (["x^2 - y^2, 2xy", "x**2-y**2, 2*x*y", "(x^2 - y^2, 2 x y)", "[x^2 - y^2, 2 x y]", "z^2", "z**2",
      "z²", "f(z) = z²", "z -> z^2", "z ↦ z*z", "x² − y², 2·x·y", "x²-y², 2×x×y", "(x, y) -> z^2",
      "F(x, y) = x^2 - y^2, 2yx", "x, y -> x^2 - y^2, 2 x y", "(x,y) |-> (x^2-y^2, 2xy)"],
     x**2 - y**2, 2 * x * y, ("x", "y")),
    (["(r, t) -> r cos(t), r sin(t)", "(r,t) ↦ (r*cos(t), r*sin(t))", "F(r, t) = r cos(t), r sin(t)",
      "(r, t) → [r cos(t), r sin(t)]"],
     r * sp.cos(t), r * sp.sin(t), ("r", "t")),
    (["2x + 3y, 3(x+1)", "2*x + 3*y, 3*(x + 1)", "2 x + 3 y, 3 (x + 1)", "x 2 + y 3, 3x + 3"],
     2 * x + 3 * y, 3 * x + 3, ("x", "y")),
    (["(x+1)(x-1), 2 pi x", "(x + 1)*(x - 1), 2*pi*x", "x^2 - 1, 2π x", "(x+1)(x−1), 2·π·x"],
     x**2 - 1, 2 * sp.pi * x, ("x", "y")),
    (["xy, 2xy", "x y, 2 x y", "yx, 2yx", "x*y, 2*x*y"], x * y, 2 * x * y, ("x", "y")),
    (["xyx, y x y", "x^2 y, x y^2", "x²y, xy²", "x x y, xy^2", "yx^2, x y**2"],
     x**2 * y, x * y**2, ("x", "y")),
    (["2xy^2, -xy⁻¹", "2 x y^2, -x/y", "2*x*y**2, -x*y**-1"], 2 * x * y**2, -x / y, ("x", "y")),
    (["e^x, e x", "exp(x), x exp(1)", "e**x, x e"], sp.exp(x), sp.E * x, ("x", "y")),
    (["exp(z)", "e^z", "e**z", "exp(x) cos(y), exp(x) sin(y)"],
     sp.exp(x) * sp.cos(y), sp.exp(x) * sp.sin(y), ("x", "y")),
    (["i z", "I z", "I*z", "z i", "-y, x"], -y, x, ("x", "y")),
    (["conj(z)", "conjugate(z)", "re(z) - i im(z)", "Re(z) - i*Im(z)", "x, -y"], x, -y, ("x", "y")),
    (["1/z", "z^-1", "z⁻¹", "z**(-1)", "conj(z)/(x^2+y^2)"],
     x / (x**2 + y**2), -y / (x**2 + y**2), ("x", "y")),
    (["sin^2(x), cos²(y)", "sin(x)^2, cos(y)^2", "(sin(x))**2, (cos(y))²"],
     sp.sin(x) ** 2, sp.cos(y) ** 2, ("x", "y")),
    (["arcsin(x), arctan(y)", "asin(x), atan(y)"], sp.asin(x), sp.atan(y), ("x", "y")),
    (["arsinh(x), artanh(y)", "arcsinh(x), arctanh(y)", "asinh(x), atanh(y)"],
     sp.asinh(x), sp.atanh(y), ("x", "y")),
    (["log(x, 2), log10(y)", "log2(x), log(y, 10)", "ln(x)/ln(2), log(y)/log(10)"],
     sp.log(x) / sp.log(2), sp.log(y) / sp.log(10), ("x", "y")),
    (["sigmoid(x), sgn(y)", "1/(1 + exp(-x)), sign(y)"], 1 / (1 + sp.exp(-x)), sp.sign(y), ("x", "y")),
    (["atan2(y, x), sqrt(x^2 + y^2)", "atan2(y, x), (x^2 + y^2)^(1/2)"],
     sp.atan2(y, x), sp.sqrt(x**2 + y**2), ("x", "y")),
    (["x ÷ y, -(-(-x))", "x/y, -x"], x / y, -x, ("x", "y")),
    (["2^3^2 x, -x^2", "512x, -(x^2)"], 512 * x, -(x**2), ("x", "y")),
    (["x/2y, x^-2", "(x/2)*y, 1/x^2"], x * y / 2, x**-2, ("x", "y")),
    (["2.5e-3 x, .5 y", "x/400, y/2", "0.0025x, 0.50y", "25E-4 x, 5e-1 y"], x / 400, y / 2, ("x", "y")),
]


@pytest.mark.parametrize(
    ("text", "want_u", "want_v", "variables"),
    [pytest.param(s, wu, wv, vs, id=s) for spellings, wu, wv, vs in SPELLINGS for s in spellings],
)
def test_spellings_give_the_same_mapping(text, want_u, want_v, variables):
    """Every documented spelling of a mapping yields the same u and v (and the same variables)."""
    m = Mapping.from_text(text)
    assert m.variables == variables
    assert m.parameters == ()
    assert _same(m.u, want_u), (m.u, want_u)
    assert _same(m.v, want_v), (m.v, want_v)


def test_complex_form_is_detected():
    """One expression without a top-level comma is w = f(z); a pair is a real mapping."""
    assert parse("z^2").is_complex
    assert parse("x^2 + i y").is_complex
    assert not parse("x^2, y").is_complex
    assert not parse("(x^2, y)").is_complex
    assert not parse("z^2; x, y").is_complex  # a chain is not one complex stage


def test_pi_word_and_arg_in_complex_form():
    """pix² is π·x² (the power binds to the last name of a word), arg and abs of z in complex form."""
    assert _same(Mapping.from_text("pix^2, y").u, sp.pi * x**2)
    m = Mapping.from_text("arg(z) + i abs(z)")
    assert _same(m.u, sp.atan2(y, x)) and _same(m.v, sp.sqrt(x**2 + y**2))


def test_complex_form_uses_z_equals_x_plus_iy():
    """In complex form u = Re f and v = Im f with z = x + i y, here for f = z^3 + 2i."""
    m = Mapping.from_text("z^3 + 2i")
    assert _same(m.u, x**3 - 3 * x * y**2)
    assert _same(m.v, 3 * x**2 * y - y**3 + 2)


def test_complex_name_from_head_leaves_real_variables():
    """A head w -> ... names the complex variable; with --vars p,q z = p + i q."""
    p, q = sp.Symbol("p", real=True), sp.Symbol("q", real=True)
    m = Mapping.from_text("w -> w^2", ["p", "q"])
    assert m.variables == ("p", "q")
    assert _same(m.u, p**2 - q**2) and _same(m.v, 2 * p * q)


# ---------------------------------------------------------------------------------------
# errors and their columns


ERRORS = [
    ("x +, y", 4, "unexpected ',' at column 4"),
    ("x, y +", 7, "the mapping ends too early"),
    ("(x, y", 1, "'(' at column 1 is never closed"),
    ("x, (y", 4, "'(' at column 4 is never closed"),
    ("x), y", 2, "unmatched ')' at column 2"),
    ("(x, y]", 6, "'(' at column 1 is closed by ']' at column 6"),
    ("x, * y", 4, "unexpected '*' at column 4"),
    ("2 3, y", 3, "two numbers in a row at column 3"),
    ("x^, y", 3, "unexpected ',' at column 3"),
    ("x,", 3, "the second one is missing at column 3"),
    ("sin(), y", 4, "empty parentheses at column 4"),
    ("atan2(x), y", 1, "atan2 takes 2 arguments, but got 1"),
    ("log(x, y, 2), y", 1, "log takes 1 or 2 arguments, but got 3"),
    ("x, y; ;", 7, "a stage is empty at column 7"),
    ("x = y", 3, "'=' at column 3 is not allowed here"),
    ("x == y", 3, "'=='"),
    ("x, y ! 2", 6, "'!' at column 6"),
    ("x % 2, y", 3, "'%' at column 3 is not allowed"),
    ("x // 2, y", 3, "'//' at column 3 is not allowed; write / to divide"),
    ("x, y #", 6, "'#' at column 6"),
    ("sin x, y", 1, "write sin(x), not sin x"),
    ("x, 2 + cos y", 8, "write cos(y), not cos y"),
    ("sinx, y", 1, "write sin(x), not sinx"),
    ("x2, y", 1, "'x2' at column 1 is ambiguous: write x^2 for a power or x*2 for a product"),
    ("sine(x), y", 1, "unknown function 'sine' at column 1; did you mean sin?"),
    ("x, cosine(y)", 4, "unknown function 'cosine' at column 4; did you mean cos?"),
    ("x, y + tangent(x)", 8, "unknown function 'tangent' at column 8; did you mean tan?"),
    ("x, foo(y)", 4, "to multiply by the parameter foo, write foo*(...)"),
    ("sin^-1(x), y", 1, "write asin(x) for the inverse"),
    ("sin⁻¹(x), y", 1, "write asin(x) for the inverse"),
    ("re(x), y", 1, "only makes sense in complex form"),
    ("x + i y, y", 5, "the imaginary unit"),
    # Three components are a surface or a map of space (tests/core/test_shapes_parsing.py); four
    # are no shape jacviz draws, and the message lists the ones it does.
    ("x, y, x+y, y", 1, "4 components of 2 variables is not a shape jacviz draws; it draws one expression"),
    ("(x, y, x+y, 1)", 1, "4 components of 2 variables is not a shape jacviz draws"),
    ("(x, y, z) -> x, y", 14, "2 components of 3 variables is not a shape jacviz draws"),
    ("(x, y, z) -> x + y", 14, "one expression of 3 variables is not a shape jacviz draws"),
    ("(a, b, c, d) -> a, b", 2, "4 variables at column 2: jacviz draws mappings of one, two or three"),
    ("x^2 + y^2; x, y", 1, "is one real expression (a scalar field); every stage of a chain"),
    ("x, y; x, y, x", 7, "the stage at column 7 has 3 components; every stage of a chain"),
    ("x, y,", 6, "a component is missing after the last comma, at column 6"),
    ("sin((x, y)), y", 7, "a pair (u, v) can only be the whole mapping"),
    ("x -> x^2", 1, "'x' at column 1 is already a real variable"),
    # A one-name head before several components is a curve's parameter (z -> x, y is the
    # constant curve (x, y)); it names the complex variable only before one expression or in a chain.
    ("z -> x, y; x, y", 1, "the head names one complex variable 'z', but the first stage has several"),
    ("x[0], y", 2, "square brackets can only wrap the whole mapping"),
    ("2[x + 1], y", 2, "square brackets can only wrap the whole mapping"),
    ("sin[x], y", 4, "square brackets can only wrap the whole mapping"),
    ("x.5, y", 2, "'.' at column 2 is not allowed here"),
    ("(x, x) -> x, y", 2, "the two variables need different names"),
    ("(sin, y) -> sin, y", 2, "'sin' at column 2 is a function and cannot name a variable"),
    ("(pi, y) -> x, y", 2, "'pi' at column 2 is a constant and cannot name a variable"),
    ("x, -> y", 4, "'->' at column 4 is only allowed after the variables"),
    ("x + 1 -> x", 7, "unexpected '->' at column 7"),
    ("x⁻, y", 2, "'⁻' at column 2 must be followed by a superscript digit"),
    ("x, y ٣", 6, "the digit '٣' at column 6 is not allowed"),
    ("x, {y}", 4, "braces are not allowed (column 4)"),
    ("\\sin x, y", 1, "LaTeX commands are not supported"),
    ("x, y; x; y; x; y", 14, "a chain has at most 4 stages; the stage at column 14 is one too many"),
    ("a" * 33 + ", y", 1, "the name at column 1 is too long (33 characters; the limit is 32)"),
    ("1/0, y", 2, "division by zero at column 2"),
    ("0^-1, y", 2, "0 to a negative power at column 2 is undefined"),
]


@pytest.mark.parametrize(("text", "column", "fragment"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error_message_and_column(text, column, fragment):
    """A malformed mapping is refused with a message that names the problem and its 1-based column."""
    with pytest.raises(MappingError) as info:
        Mapping.from_text(text)
    err = info.value
    assert fragment in err.message
    assert err.column == column
    assert "\n" not in err.message
    # the column points into the text (or just past its end)
    assert 1 <= err.column <= len(text) + 1


def test_validate_agrees_with_parse():
    """validate() returns the parser's error (without sympy), or None for a good mapping."""
    assert validate("x^2 - y^2, 2xy") is None
    err = validate("sine(x), y")
    assert isinstance(err, MappingError) and err.column == 1
    assert validate("(r, t) -> r cos(t), r sin(t)", ("r", "t")) is None


def test_errors_without_a_place_have_no_column():
    """Problems with the whole text (empty, too long) carry column None."""
    for text in ("", "   ", "\t\n"):
        with pytest.raises(MappingError, match="the mapping is empty") as info:
            parse(text)
        assert info.value.column is None
    with pytest.raises(MappingError, match="too long") as info:
        parse("x" * (language.MAX_LENGTH + 1))
    assert info.value.column is None


def test_non_text_is_refused():
    """parse() refuses anything that is not a str with a MappingError, not a TypeError."""
    for value in (None, 3, b"x, y", ["x", "y"]):
        with pytest.raises(MappingError):
            parse(value)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# variables


def test_variables_from_outside():
    """--vars names the variables; other single letters then become parameters."""
    m = Mapping.from_text("r cos(t), r sin(t)", ["r", "t"])
    assert m.variables == ("r", "t") and m.parameters == ()
    without = Mapping.from_text("r cos(t), r sin(t)")
    assert without.variables == ("x", "y") and without.parameters == ("r", "t")


def test_variables_from_head_and_outside_must_agree():
    """A head and --vars that name the same variables are fine; different ones are an error at the head."""
    assert parse("(r, t) -> r cos(t), r sin(t)", ("r", "t")).variables == ("r", "t")
    with pytest.raises(MappingError) as info:
        parse("(r, t) -> r cos(t), r sin(t)", ("u", "v"))
    assert "names its variables (r, t) but the variables given are (u, v)" in info.value.message
    assert info.value.column == 2
    with pytest.raises(MappingError):
        parse("(r, t) -> r cos(t), r sin(t)", ("t", "r"))  # order matters


@pytest.mark.parametrize(
    ("names", "fragment"),
    [
        # one to three names: x alone makes "x, y" a curve, x, y, z makes it 2 components of 3
        (["x", "y", "z", "w"], "needs one, two or three names"),
        ([], "needs one, two or three names"),
        (["x", "x"], "the two variables need different names"),
        (["sin", "y"], "is a function and cannot name a variable"),
        (["pi", "y"], "is a constant and cannot name a variable"),
        (["i", "y"], "is a constant"),
        (["lambda", "y"], "not allowed"),
        (["2x", "y"], "is not a valid variable name"),
        (["_x", "y"], "is not a valid variable name"),
        (["x.y", "y"], "is not a valid variable name"),
    ],
)
def test_bad_outside_variables(names, fragment):
    """--vars is checked like names in the text: two distinct valid names, no functions or constants."""
    with pytest.raises(MappingError) as info:
        parse("x, y", names)
    assert fragment in info.value.message or "reserved word" in info.value.message


def test_default_variables_yield_to_a_head():
    """default_variables names the variables only when the text has no head of its own."""
    assert parse("r cos(t), r sin(t)", default_variables=("r", "t")).variables == ("r", "t")
    assert parse("(p, q) -> p, q", default_variables=("r", "t")).variables == ("p", "q")


# ---------------------------------------------------------------------------------------
# parameters


def test_parameters_in_order_of_first_use_across_stages():
    """Parameters are listed in the order they first appear, across all stages, each once."""
    m = Mapping.from_text("b x + a, c y + b; a x, d y")
    assert m.parameters == ("b", "a", "c", "d")
    assert [str(s) for s in m.parameter_symbols] == ["b", "a", "c", "d"]


def test_parameter_defaults_and_overrides():
    """Every parameter defaults to 1; check_parameters overrides by name and refuses unknown names."""
    m = Mapping.from_text("a x - b y, b x + a y")
    assert m.default_parameters() == {"a": 1.0, "b": 1.0}
    assert m.check_parameters({"b": 2}) == {"a": 1.0, "b": 2.0}
    with pytest.raises(MappingError, match="unknown parameter 'c'"):
        m.check_parameters({"c": 1.0})
    none = Mapping.from_text("x, y")
    with pytest.raises(MappingError, match="parameters: none"):
        none.check_parameters({"a": 1.0})


def test_parameter_words_and_products():
    """A word of variable names is a product (xy); a longer unknown word is one parameter."""
    m = Mapping.from_text("alpha x + xy, beta")
    assert m.parameters == ("alpha", "beta")
    alpha, beta = m.parameter_symbols
    assert _same(m.u, alpha * x + x * y) and _same(m.v, beta)


def test_one_letter_parameter_before_parentheses_multiplies():
    """k(x^2 + y^2) is k times the bracket, as on paper."""
    m = Mapping.from_text("k(x^2 + y^2), y")
    assert m.parameters == ("k",)
    assert _same(m.u, k * (x**2 + y**2))


def test_too_many_parameters():
    """At most MAX_PARAMETERS distinct parameters; the next one is an error at its column."""
    names = [f"p{i}" for i in range(MAX_PARAMETERS)]
    ok = " + ".join(names) + ", y"
    assert parse(ok).parameters == tuple(names)
    bad = ok[:-3] + " + extra, y"
    with pytest.raises(MappingError, match="too many parameters") as info:
        parse(bad)
    assert info.value.column == bad.index("extra") + 1


def test_parameters_are_real_symbols():
    """Parameters and variables are real sympy symbols, so conj and abs behave as on real numbers."""
    m = Mapping.from_text("a z")
    assert all(s.is_real for s in (*m.symbols, *m.parameter_symbols))
    assert _same(m.u, a * x) and _same(m.v, a * y)


# ---------------------------------------------------------------------------------------
# chains


def test_chain_of_four_stages_composes_in_order():
    """S1; S2; S3; S4 is S4 ∘ S3 ∘ S2 ∘ S1: the first stage is applied first."""
    m = Mapping.from_text("x + 1, y; 2x, y; x^2, y; x - 3, y + 1")
    assert len(m.stage_expressions) == MAX_STAGES
    assert _same(m.u, (2 * (x + 1)) ** 2 - 3)
    assert _same(m.v, y + 1)


def test_chain_mixes_real_and_complex_stages():
    """A complex stage inside a chain acts on z = x + i y of the previous stage's output."""
    m = Mapping.from_text("x + 1, 2y; z^2")
    assert _same(m.u, (x + 1) ** 2 - 4 * y**2)
    assert _same(m.v, 4 * (x + 1) * y)


def test_chain_parameters_and_stage_jacobians():
    """Each stage keeps its own Jacobian over the stage's own input variables."""
    m = Mapping.from_text("a x, y; x, x y")
    j1, j2 = m.stage_jacobians
    assert j1 == sp.Matrix([[a, 0], [0, 1]])
    assert j2 == sp.Matrix([[1, 0], [y, x]])
    assert m.parameters == ("a",)


def test_chain_with_head_names_variables_of_every_stage():
    """A head names the variables used in every stage."""
    m = Mapping.from_text("(r, t) -> r, t + 1; r cos(t), r sin(t)")
    assert _same(m.u, r * sp.cos(t + 1))
    assert _same(m.v, r * sp.sin(t + 1))
