"""The mapping language: what a person types, turned into a checked syntax tree.

This module reads text and never runs it. A hand-written tokenizer and a recursive-descent
parser produce a small tree of :class:`Node` objects; a second pass resolves every name
against an allow-list (variables, constants, functions, parameters). Nothing here imports
sympy, so the window can validate text on every keystroke without paying for it; the
sympy objects are built from the checked tree in :mod:`jacviz.core.symbolic`.

The grammar, informally::

    mapping := [head] stage (';' stage)*            at most MAX_STAGES stages
    head    := '(' names ')' ('->' | '↦')           names the variables (one to three)
             | names ('->' | '↦')
             | NAME '(' names ')' '='               F(x, y) = ...   or   f(z) = ...
    names   := name (',' name)*
    stage   := expr (',' expr)+ | '(' expr (',' expr)+ ')' | '[' ... ']'    real components
             | expr                      one expression: complex form or a scalar field
    expr    := term (('+' | '-') term)*
    term    := factor (('*' | '/') factor | factor)*          juxtaposition multiplies
    factor  := ('+' | '-') factor | power
    power   := atom [('^' | '**') factor] | atom SUPERSCRIPT
    atom    := NUMBER | NAME | NAME '(' args ')' | '(' expr ')'

The package: :mod:`.vocabulary` (limits, functions, constants), :mod:`.tokens` (the
tokenizer), :mod:`.tree` (the syntax tree), :mod:`.parser` (the parser) and :mod:`.names`
(checking and resolving names), :mod:`.shapes` (what n inputs and m outputs a text is read
as, and the names of those readings). Every limit that bounds the work lives in the vocabulary, so
that a hostile text is refused before anything is computed.
"""

from __future__ import annotations

from jacviz.core.errors import MappingError
from jacviz.core.language.names import check_new_name, check_variable_names
from jacviz.core.language.parser import parse, validate
from jacviz.core.language.shapes import SUPPORTED, Shape
from jacviz.core.language.tokens import Token, tokenize
from jacviz.core.language.tree import (
    BinOp,
    Call,
    Const,
    Name,
    NameCall,
    Neg,
    Node,
    Num,
    Pair,
    Param,
    ParsedMapping,
    Stage,
    Var,
)
from jacviz.core.language.vocabulary import (
    ALIASES,
    ALL_FUNCTIONS,
    COMPLEX_NAME,
    COMPLEX_ONLY_FUNCTIONS,
    CONSTANTS,
    DEFAULT_VARIABLES,
    IMAGINARY_UNITS,
    MAX_DEPTH,
    MAX_DIGITS,
    MAX_EXPONENT_DIGITS,
    MAX_LENGTH,
    MAX_NAME_LENGTH,
    MAX_NODES,
    MAX_PARAMETERS,
    MAX_STAGES,
    REAL_FUNCTIONS,
    SPACE_VARIABLES,
)

__all__ = [
    "ALIASES",
    "ALL_FUNCTIONS",
    "COMPLEX_NAME",
    "COMPLEX_ONLY_FUNCTIONS",
    "CONSTANTS",
    "DEFAULT_VARIABLES",
    "IMAGINARY_UNITS",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_EXPONENT_DIGITS",
    "MAX_LENGTH",
    "MAX_NAME_LENGTH",
    "MAX_NODES",
    "MAX_PARAMETERS",
    "MAX_STAGES",
    "REAL_FUNCTIONS",
    "SPACE_VARIABLES",
    "SUPPORTED",
    "BinOp",
    "Call",
    "Const",
    "Name",
    "NameCall",
    "Neg",
    "Node",
    "Num",
    "Pair",
    "Param",
    "ParsedMapping",
    "Shape",
    "Stage",
    "Token",
    "Var",
    "check_new_name",
    "check_variable_names",
    "choose_parameter_values",
    "parameter_values",
    "parse",
    "tokenize",
    "validate",
]


def parameter_values(parameters: tuple[str, ...], given: dict[str, float]) -> dict[str, float]:
    """Every parameter at its default value 1, overridden by ``given``; unknown names are errors."""
    out = {name: 1.0 for name in parameters}
    for name, value in given.items():
        if name not in out:
            known = ", ".join(parameters) or "none"
            raise MappingError(f"unknown parameter '{name}' (this mapping's parameters: {known})")
        out[name] = float(value)
    return out


def choose_parameter_values(parameters: tuple[str, ...], *, given: dict[str, float] | None = None,
                            starting: dict[str, float] | None = None,
                            previous: dict[str, float] | None = None) -> dict[str, float]:
    """The value every parameter of a new mapping starts at, most specific first.

    ``given`` are values asked for explicitly (``--param``): a name the mapping does not have
    is an error, as in :func:`parameter_values`. Then ``starting`` values (a preset's or a
    session's), then ``previous`` ones (a parameter keeps its value when the mapping is
    edited), then the default 1.
    """
    given = dict(given or {})
    parameter_values(parameters, given)  # refuses unknown names, with the one message
    out = {}
    for name in parameters:
        for source in (given, starting or {}, previous or {}):
            if name in source:
                out[name] = float(source[name])
                break
        else:
            out[name] = 1.0
    return out
