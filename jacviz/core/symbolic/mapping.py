"""A parsed mapping with its symbolic Jacobian.

:class:`Mapping` is the object the rest of jacviz passes around: the text the user typed,
its variables and parameters, u and v as sympy expressions over real symbols, and the
Jacobian J = ∂(u, v)/∂(x, y) with its determinant and trace. A chain of stages
``S1; S2; ...`` is the composition S_n ∘ ... ∘ S1, with each stage kept for the chain rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import sympy as sp
from sympy.printing.str import StrPrinter

from jacviz.core.errors import MappingError
from jacviz.core.language import ParsedMapping, parameter_values, parse
from jacviz.core.symbolic.build import (
    MAX_JACOBIAN_TREE_SIZE,
    build_stage_expressions,
    check_size,
    compose,
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
    """A 2D mapping F(x, y) = (u, v), built from text without evaluating any of it."""

    parsed: ParsedMapping
    stage_expressions: tuple[tuple[sp.Expr, sp.Expr], ...]

    @classmethod
    def from_text(cls, text: str, variables: tuple[str, str] | list[str] | None = None, *,
                  default_variables: tuple[str, str] | list[str] | None = None) -> Mapping:
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
    def variables(self) -> tuple[str, str]:
        return self.parsed.variables

    @property
    def parameters(self) -> tuple[str, ...]:
        return self.parsed.parameters

    @property
    def is_complex(self) -> bool:
        return self.parsed.is_complex

    @cached_property
    def symbols(self) -> tuple[sp.Symbol, sp.Symbol]:
        """The domain variables as real sympy symbols."""
        return real_symbol(self.variables[0]), real_symbol(self.variables[1])

    @cached_property
    def parameter_symbols(self) -> tuple[sp.Symbol, ...]:
        return tuple(real_symbol(name) for name in self.parameters)

    def default_parameters(self) -> dict[str, float]:
        """Every parameter at its default value, 1."""
        return {name: DEFAULT_PARAMETER_VALUE for name in self.parameters}

    # -- the mapping and its derivatives
    @cached_property
    def components(self) -> tuple[sp.Expr, sp.Expr]:
        """(u, v) of the whole chain, over the domain variables."""
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
        """J = [[∂u/∂x, ∂u/∂y], [∂v/∂x, ∂v/∂y]]; its columns are the images of e1 and e2."""
        x, y = self.symbols
        u, v = self.components
        j = sp.Matrix([[sp.diff(u, x), sp.diff(u, y)], [sp.diff(v, x), sp.diff(v, y)]])
        # Fix (tests/core/test_hostile.py): a product of 140 factors (x+1)(x+2)... has a
        # Jacobian of 100,000 terms that took 8 s to print in jacviz eval and the readout.
        det = j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0]
        check_size([*j, det], MAX_JACOBIAN_TREE_SIZE, "the Jacobian", numbers=False)
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
    def det(self) -> sp.Expr:
        """det J, unsimplified (ad − bc); see :mod:`jacviz.core.symbolic.simplify` for display."""
        j = self.jacobian
        return j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0]

    @cached_property
    def trace(self) -> sp.Expr:
        j = self.jacobian
        return j[0, 0] + j[1, 1]

    @cached_property
    def stage_jacobians(self) -> tuple[sp.Matrix, ...]:
        """Each stage's Jacobian over its own input variables (the chain rule's factors)."""
        x, y = self.symbols
        return tuple(
            sp.Matrix([[sp.diff(u, x), sp.diff(u, y)], [sp.diff(v, x), sp.diff(v, y)]])
            for u, v in self.stage_expressions
        )

    # -- renderings
    def rendered(self) -> dict[str, object]:
        """Plain text and LaTeX of u, v, J, det J and trace J, unsimplified."""
        j = self.jacobian
        entries = [[j[0, 0], j[0, 1]], [j[1, 0], j[1, 1]]]
        return {
            "u": plain_text(self.u),
            "v": plain_text(self.v),
            "jacobian": [[plain_text(e) for e in row] for row in entries],
            "det": plain_text(self.det),
            "trace": plain_text(self.trace),
            "u_latex": latex(self.u),
            "v_latex": latex(self.v),
            "jacobian_latex": [[latex(e) for e in row] for row in entries],
            "det_latex": latex(self.det),
            "trace_latex": latex(self.trace),
        }

    def check_parameters(self, values: dict[str, float]) -> dict[str, float]:
        """Defaults for every parameter, overridden by ``values``; unknown names are errors."""
        return parameter_values(self.parameters, values)
