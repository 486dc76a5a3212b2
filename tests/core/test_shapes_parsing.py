"""How the parser decides a mapping's shape (n variables, m components), ambiguous cases spelled out.

The rules (jacviz.core.language.parse, and the README's "Shapes" section): one expression is
complex form when it uses z, i or a complex-only function (or a one-name head names the complex
variable), else a scalar field; two components are real form, or a curve of one variable; three
components are a curve, a surface or a map of space by the number of variables, and without a head
three components that use z are a map of (x, y, z).
"""

from __future__ import annotations

import pytest

from jacviz.core.errors import MappingError
from jacviz.core.language import SUPPORTED, parse

CASES = [
    # text, variables, (n, m), kind, label
    ("x^2 + y^2", ("x", "y"), (2, 1), "scalar field", "scalar field f(x, y)"),
    ("(w1, w2) -> (w1 - 1)^2 + 10 (w2 - w1^2)^2", ("w1", "w2"), (2, 1), "scalar field",
     "scalar field f(w1, w2)"),
    ("2", ("x", "y"), (2, 1), "scalar field", "scalar field f(x, y)"),  # a constant is a field too
    ("z^2", ("x", "y"), (2, 2), "complex form", "complex form w = f(z)"),
    ("x^2 + i y", ("x", "y"), (2, 2), "complex form", "complex form w = f(z)"),  # i alone says complex
    ("re(x) + 1", ("x", "y"), (2, 2), "complex form", "complex form w = f(z)"),  # re exists only there
    ("xz", ("x", "y"), (2, 2), "complex form", "complex form w = f(z)"),  # the word xz is x·z
    ("w -> w^2 + 1", ("x", "y"), (2, 2), "complex form", "complex form f(w)"),
    ("f(z) = 3", ("x", "y"), (2, 2), "complex form", "complex form w = f(z)"),  # the head decides
    ("(r, t) -> z^2", ("r", "t"), (2, 2), "complex form", "complex form w = f(z)"),  # z = r + i t
    ("x^2 - y^2, 2xy", ("x", "y"), (2, 2), "real form", "real form F(x, y) = (u, v)"),
    ("(t) -> cos(t), sin(t)", ("t",), (1, 2), "curve", "curve F(t) in the plane"),
    ("(t) -> cos(t), sin(t), t/5", ("t",), (1, 3), "curve", "curve F(t) in space"),
    ("t -> t, t^2", ("t",), (1, 2), "curve", "curve F(t) in the plane"),
    ("F(s) = s, s^2, s^3", ("s",), (1, 3), "curve", "curve F(s) in space"),
    ("(u, v) -> cos(u) sin(v), sin(u) sin(v), cos(v)", ("u", "v"), (2, 3), "surface",
     "surface F(u, v) in space"),
    ("x, y, x^2 + y^2", ("x", "y"), (2, 3), "surface", "surface F(x, y) in space"),  # no z: a graph
    ("[x, y, x y]", ("x", "y"), (2, 3), "surface", "surface F(x, y) in space"),
    ("x, y, z", ("x", "y", "z"), (3, 3), "map of space", "map of space F(x, y, z)"),  # z is real
    ("y z, x z, x y", ("x", "y", "z"), (3, 3), "map of space", "map of space F(x, y, z)"),
    ("(x, y, z) -> x + z, y, z^2", ("x", "y", "z"), (3, 3), "map of space", "map of space F(x, y, z)"),
    ("(r, t, p) -> r sin(p) cos(t), r sin(p) sin(t), r cos(p)", ("r", "t", "p"), (3, 3), "map of space",
     "map of space F(r, t, p)"),
    ("tanh(x + 2y), tanh(x - y); 2x - y, x + 3y", ("x", "y"), (2, 2), "chain", "2-stage chain F(x, y)"),
]


@pytest.mark.parametrize(("text", "variables", "shape", "kind", "label"), CASES, ids=[c[0] for c in CASES])
def test_the_shape_is_chosen_by_components_variables_and_z(text, variables, shape, kind, label):
    parsed = parse(text)
    assert parsed.variables == variables
    assert (parsed.shape.n_inputs, parsed.shape.n_outputs) == shape
    assert parsed.shape.kind == kind
    assert parsed.shape.label == label
    assert parsed.is_complex == (kind == "complex form")


def test_z_named_as_a_variable_is_real_and_complex_form_moves_aside():
    """(x, y, z) -> ... makes z a real variable; with --vars y,z a lone expression in z is a field."""
    parsed = parse("(x, y, z) -> x z, y z, z")
    assert parsed.variables == ("x", "y", "z") and parsed.parameters == ()
    assert not parsed.is_complex
    field = parse("y z^2", ["y", "z"])
    assert field.shape.kind == "scalar field" and field.parameters == ()
    assert field.complex_name == "w"  # the complex variable is renamed, not shadowing z


def test_z_with_two_named_variables_is_a_parameter_in_real_form():
    """(x, y) -> x z, y: the head says two variables, so z is a parameter (with a slider)."""
    parsed = parse("(x, y) -> x z, y")
    assert parsed.variables == ("x", "y") and parsed.parameters == ("z",)
    surface = parse("(x, y) -> x, y, z")
    assert surface.shape.kind == "surface" and surface.parameters == ("z",)


def test_three_components_without_z_are_a_surface_and_with_z_a_map_of_space():
    assert parse("x, y, x y").shape.kind == "surface"
    assert parse("x, y, x y z").shape.kind == "map of space"
    assert parse("x, y, 2z").variables == ("x", "y", "z")
    # two components never make z a variable: it stays a parameter, as before
    assert parse("x z, y").parameters == ("z",)


def test_outside_variables_choose_the_shape_too():
    """--vars t makes two components a curve; --vars r,t,p three components a map of space."""
    assert parse("cos(t), sin(t)", ["t"]).shape.kind == "curve"
    assert parse("r cos(t), r sin(t), p", ["r", "t", "p"]).shape.kind == "map of space"
    assert parse("x, y, x y", ["x", "y"]).shape.kind == "surface"
    with pytest.raises(MappingError, match="2 components of 3 variables"):
        parse("x, y", ["x", "y", "z"])


def test_default_variables_apply_only_where_their_number_fits():
    """The window's weaker default names (a preset's r, t) are used when they fit the components."""
    assert parse("r^2 + t", default_variables=("r", "t")).variables == ("r", "t")
    assert parse("r, t, r t", default_variables=("r", "t")).variables == ("r", "t")
    assert parse("cos(t), sin(t)", default_variables=("t",)).variables == ("t",)
    # one expression needs two variables: a curve's single t does not fit, so x, y it is
    assert parse("x^2 + y^2", default_variables=("t",)).variables == ("x", "y")
    # r, t, p fit three components only
    assert parse("x, y", default_variables=("r", "t", "p")).variables == ("x", "y")


def test_a_one_name_head_is_complex_before_one_expression_and_a_curve_before_several():
    assert parse("z -> z^2").is_complex
    assert parse("t -> t^2").is_complex  # w = t², the complex variable named t
    curve = parse("z -> x, y")  # the constant curve (x, y): x and y are parameters
    assert curve.shape.kind == "curve" and curve.parameters == ("x", "y")


UNSUPPORTED = [
    ("x, y, x + y, y", 1, "4 components of 2 variables"),
    ("(x, y, z) -> x + y", 14, "one expression of 3 variables"),
    ("(x, y, z) -> x, y", 14, "2 components of 3 variables"),
    ("(t) -> t, t, t, t", 8, "4 components of 1 variable"),
    ("(a, b, c, d) -> a, b", 2, "4 variables at column 2"),
]


@pytest.mark.parametrize(("text", "column", "fragment"), UNSUPPORTED, ids=[u[0] for u in UNSUPPORTED])
def test_other_shapes_are_one_line_that_lists_the_supported_ones(text, column, fragment):
    with pytest.raises(MappingError) as info:
        parse(text)
    message = info.value.message
    assert fragment in message and "\n" not in message
    assert info.value.column == column
    if "variables at column" not in message:
        assert message.endswith(SUPPORTED)


def test_chains_stay_planar():
    """Every stage of a chain maps the plane to the plane; a lone real expression is refused there."""
    with pytest.raises(MappingError, match="one real expression"):
        parse("x^2 + y^2; x, y")
    with pytest.raises(MappingError, match="has 3 components"):
        parse("x, y, x; x, y")
    with pytest.raises(MappingError, match="needs two variables"):
        parse("(a, b, c) -> a, b; a, b")
    assert parse("z^2; x, y").stages[0].is_complex
