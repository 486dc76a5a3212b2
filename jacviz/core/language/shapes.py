"""The shapes of mapping jacviz understands: n real inputs, m real outputs, and their names.

A Jacobian is the m×n matrix of first partials of F: Rⁿ → Rᵐ. jacviz draws five kinds of
F, each with its own picture, and the parser decides which one a text is (see
:func:`jacviz.core.language.parse` for the rules and the README for the same rules in
words):

==============  ======  =====================================================
kind            n → m   typed as
==============  ======  =====================================================
scalar field    2 → 1   one real expression, ``x^2 + y^2``
complex form    2 → 2   one expression that uses z or i, ``z^2``
real form       2 → 2   two components, ``x^2 - y^2, 2xy`` (also a chain)
curve           1 → 2   ``(t) -> cos(t), sin(t)``; ``(t) -> ..., ..., ...`` for 1 → 3
surface         2 → 3   ``(u, v) -> x, y, z``, or three components without z
map of space    3 → 3   ``(r, t, p) -> ..., ..., ...``, or three components using z
==============  ======  =====================================================

Anything else is refused with :data:`SUPPORTED` in the message ("... it draws " + SUPPORTED).
"""

from __future__ import annotations

from dataclasses import dataclass

# One line, for the error a student sees when the shape is none of the above.
SUPPORTED = (
    "one expression f(x, y) (a scalar field) or f(z) (complex form), two components "
    "u, v of x, y, a curve (t) -> x, y or x, y, z, a surface (u, v) -> x, y, z, "
    "and a map of space (x, y, z) -> u, v, w"
)

# (n inputs, m outputs) -> kind, for real components (complex form and chains are 2 -> 2).
KINDS = {
    (2, 1): "scalar field",
    (2, 2): "real form",
    (1, 2): "curve",
    (1, 3): "curve",
    (2, 3): "surface",
    (3, 3): "map of space",
}


def supported(n_inputs: int, n_outputs: int) -> bool:
    """True when real components of this shape are something jacviz can draw."""
    return (n_inputs, n_outputs) in KINDS


@dataclass(frozen=True)
class Shape:
    """F: Rⁿ → Rᵐ as the parser read it.

    ``kind`` is one of the words in the module's table ("scalar field", "complex form",
    "real form", "chain", "curve", "surface", "map of space"); ``label`` is the reading in
    the user's names, for the mapping bar: "scalar field f(x, y)", "complex form w = f(z)".
    """

    n_inputs: int
    n_outputs: int
    kind: str
    label: str

    @property
    def jacobian_shape(self) -> tuple[int, int]:
        """(m, n): J has m rows (components) and n columns (variables)."""
        return self.n_outputs, self.n_inputs

    @property
    def is_planar(self) -> bool:
        """True for R² → R², the mappings of the two linked views."""
        return (self.n_inputs, self.n_outputs) == (2, 2)

    @property
    def is_square(self) -> bool:
        """True when det J exists (m = n)."""
        return self.n_inputs == self.n_outputs


def shape_of(variables: tuple[str, ...], components: int, is_complex: bool, stages: int,
             complex_name: str) -> Shape:
    """The shape of a checked mapping with these variables and components (of its last stage)."""
    n = len(variables)
    args = ", ".join(variables)
    if is_complex:
        name = "w = f(z)" if complex_name == "z" else f"f({complex_name})"
        return Shape(2, 2, "complex form", f"complex form {name}")
    if stages > 1:
        return Shape(n, components, "chain", f"{stages}-stage chain F({args})")
    kind = KINDS[(n, components)]
    label = {
        "scalar field": f"scalar field f({args})",
        "real form": f"real form F({args}) = (u, v)",
        "curve": f"curve F({args}) in {'the plane' if components == 2 else 'space'}",
        "surface": f"surface F({args}) in space",
        "map of space": f"map of space F({args})",
    }[kind]
    return Shape(n, components, kind, label)
