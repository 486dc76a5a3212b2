"""A parsed mapping with its symbolic Jacobian.

:class:`Mapping` is the object the rest of jacviz passes around: the text the user typed,
its variables and parameters, its components as sympy expressions over real symbols, and the
m×n Jacobian J = ∂(F₁, ..., Fₘ)/∂(x₁, ..., xₙ) with, when square, its determinant and trace. A chain of stages
``S1; S2; ...`` is the composition S_n ∘ ... ∘ S1, with each stage kept for the chain rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp
from sympy.printing.str import StrPrinter

from jacviz.core.errors import MappingError
from jacviz.core.language import ParsedMapping, Shape, parameter_values, parse
from jacviz.core.symbolic.build import (
    MAX_JACOBIAN_TREE_SIZE,
    build_stage_expressions,
    check_size,
    compose,
    determinant,
    real_symbol,
)

DEFAULT_PARAMETER_VALUE = 1.0


class _PlainPrinter(StrPrinter):
    """sympy's str form, adjusted so that jacviz can read it back (e, abs)."""

    def _print_Exp1(self, expr):  # noqa: N802 - sympy's printer protocol
        return "e"

    def _print_Abs(self, expr):  # noqa: N802
        return f"abs({self._print(expr.args[0])})"


def plain_text(expr: sp.Expr) -> str:
    """A one-line plain-text form of ``expr`` that jacviz's own parser accepts again."""
    return _PlainPrinter({"order": None}).doprint(expr)


def latex(expr: sp.Expr) -> str:
    """LaTeX for ``expr``, as sympy writes it."""
    return sp.latex(expr)


@dataclass(frozen=True, eq=False)
class Mapping:
    """A mapping F: Rⁿ → Rᵐ of one of jacviz's shapes, built from text without evaluating any of it.

    The planar mappings F(x, y) = (u, v) are the historical case and keep their names (``u``,
    ``v``, ``det``, ``trace``); every shape has ``components`` and the m×n ``jacobian``.
    """

    parsed: ParsedMapping
    stage_expressions: tuple[tuple[sp.Expr, ...], ...]

    @classmethod
    def from_text(cls, text: str, variables: tuple[str, ...] | list[str] | None = None, *,
                  default_variables: tuple[str, ...] | list[str] | None = None) -> Mapping:
        """Parse ``text`` and build the sympy objects. Raises :class:`MappingError`.

        See :func:`jacviz.core.language.parse` for ``variables`` and ``default_variables``.
        """
        parsed = parse(text, variables, default_variables=default_variables)
        mapping = cls(parsed, build_stage_expressions(parsed))
        # Compose the chain now, so that a chain too large to compute is refused here with
        # a MappingError rather than later, wherever u or v is first read.
        mapping.components  # noqa: B018
        return mapping

    # -- names
    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def variables(self) -> tuple[str, ...]:
        return self.parsed.variables

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.parsed.parameters

    @property
    def is_complex(self) -> bool:
        return self.parsed.is_complex

    @property
    def shape(self) -> Shape:
        """The parser's reading: n inputs, m outputs, and its name."""
        return self.parsed.shape

    @property
    def is_square(self) -> bool:
        """True when det J exists (as many components as variables)."""
        return len(self.components) == len(self.variables)

    @cached_property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """The domain variables as real sympy symbols."""
        return tuple(real_symbol(name) for name in self.variables)

    @cached_property
    def parameter_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(real_symbol(name) for name in self.parameters)

    def default_parameters(self) -> dict[str, float]:
        """Every parameter at its default value, 1."""
        return {name: DEFAULT_PARAMETER_VALUE for name in self.parameters}

    # -- the mapping and its derivatives
    @cached_property
    def components(self) -> tuple[sp.Expr, ...]:
        """The m components of the whole chain, over the domain variables."""
        # Fix (tests/core/test_hostile.py): plain xreplace let sympy multiply out powers
        # such as (2x)^(10^30) in 2x, y; x^(10^30), y and never return; compose costs them.
        return compose(self.stage_expressions, self.symbols)

    @property
    def u(self) -> sp.Expr:
        return self.components[0]

    @property
    def v(self) -> sp.Expr:
        return self.components[1]

    @cached_property
    def jacobian(self) -> sp.Matrix:
        """J = [∂Fᵢ/∂xⱼ], m rows and n columns; its columns are the images of e1, ..., en."""
        j = _jacobian(self.components, self.symbols)
        # Fix (tests/core/test_hostile.py): a product of 140 factors (x+1)(x+2)... has a
        # Jacobian of 100,000 terms that took 8 s to print in jacviz eval and the readout.
        extra = [determinant(j)] if j.shape[0] == j.shape[1] else []
        check_size([*j, *extra], MAX_JACOBIAN_TREE_SIZE, "the Jacobian", numbers=False)
        for entry in j:
            unevaluated = entry.atoms(sp.Derivative)
            if unevaluated:
                # Fix (tests/core/test_hostile.py): sign(x + acos(2)) has a complex argument in
                # real form, which sympy cannot differentiate; the message named sympy's class.
                inner = plain_text(next(iter(unevaluated)).expr)
                raise MappingError(
                    f"jacviz cannot differentiate {inner}: it is not a real function of the variables "
                    "(is a value complex, such as acos(2)? in real form every value must be real)"
                )
        return j

    @cached_property
    def det(self) -> sp.Expr | None:
        """det J, unsimplified (cofactors), or None when J is not square."""
        return determinant(self.jacobian) if self.is_square else None

    @cached_property
    def trace(self) -> sp.Expr | None:
        """trace J, or None when J is not square."""
        return sp.Add(*(self.jacobian[i, i] for i in range(len(self.variables)))) if self.is_square else None

    @cached_property
    def volume_element(self) -> sp.Expr:
        """√det(JᵀJ): the factor by which F scales length, area or volume near a point.

        It is the speed |F'(t)| of a curve, the area element |F_u × F_v| of a surface and
        |det J| of a square J; for a scalar field it is |∇f|. Unsimplified.
        """
        j = self.jacobian
        if j.shape[0] < j.shape[1]:
            return sp.sqrt(sum((e**2 for e in j), sp.S.Zero))  # a row: |∇f|
        return sp.sqrt(determinant(j.T * j))

    @cached_property
    def stage_jacobians(self) -> tuple[sp.Matrix, ...]:
        """Each stage's Jacobian over its own input variables (the chain rule's factors)."""
        return tuple(_jacobian(stage, self.symbols) for stage in self.stage_expressions)

    # -- renderings
    def rendered(self) -> dict[str, object]:
        """Plain text and LaTeX of the components, J, det J and trace J, unsimplified.

        det and trace are empty text when J is not square.
        """
        j = self.jacobian
        entries = [[j[i, k] for k in range(j.shape[1])] for i in range(j.shape[0])]
        square = {"det": self.det, "trace": self.trace}
        out: dict[str, object] = {
            "components": [plain_text(c) for c in self.components],
            "components_latex": [latex(c) for c in self.components],
            "jacobian": [[plain_text(e) for e in row] for row in entries],
            "jacobian_latex": [[latex(e) for e in row] for row in entries],
        }
        for key, expr in square.items():
            out[key] = plain_text(expr) if expr is not None else ""
            out[f"{key}_latex"] = latex(expr) if expr is not None else ""
        return out

    def check_parameters(self, values: dict[str, float]) -> dict[str, float]:
        """Defaults for every parameter, overridden by ``values``; unknown names are errors."""
        return parameter_values(self.parameters, values)


def _jacobian(components, symbols) -> sp.Matrix:
    return sp.Matrix([[sp.diff(c, s) for s in symbols] for c in components])
