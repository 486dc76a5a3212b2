"""The syntax tree of a mapping, and the checked mapping the parser returns.

Raw nodes (:class:`Name`, :class:`NameCall`, :class:`Pair`) exist only between parsing and
resolving names; a :class:`ParsedMapping` holds resolved nodes only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jacviz.core.language.shapes import Shape, shape_of
from jacviz.core.language.vocabulary import COMPLEX_NAME


@dataclass(frozen=True, slots=True)
class Node:
    col: int


@dataclass(frozen=True, slots=True)
class Num(Node):
    numerator: int
    denominator: int


@dataclass(frozen=True, slots=True)
class Const(Node):
    name: str  # "pi", "e" or "i"


@dataclass(frozen=True, slots=True)
class Var(Node):
    name: str  # a domain variable, or the complex variable


@dataclass(frozen=True, slots=True)
class Param(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    op: str  # + - * / ^
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: str  # canonical name from ALL_FUNCTIONS
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Name(Node):
    """A word not yet resolved (variable, product of variables, constant or parameter)."""

    word: str


@dataclass(frozen=True, slots=True)
class NameCall(Node):
    """``word(args)`` where ``word`` is not yet known to be a function or a factor."""

    word: str
    args: tuple[Node, ...]
    power: int | None = None  # sin^2(x)


@dataclass(frozen=True, slots=True)
class Pair(Node):
    """Components wrapped in brackets, ``(u, v)`` or ``[x, y, z]`` (two or more)."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of a mapping: its real components, or one expression ``f``.

    After parsing, ``f`` is set only in complex form (w = f(z)); a single real expression
    (a scalar field) is ``components`` of length one.
    """

    components: tuple[Node, ...]
    f: Node | None = None

    @property
    def is_complex(self) -> bool:
        return self.f is not None

    @property
    def u(self) -> Node | None:
        """The first real component (None in complex form)."""
        return self.components[0] if self.components else None

    @property
    def v(self) -> Node | None:
        """The second real component (None in complex form and for a scalar field)."""
        return self.components[1] if len(self.components) > 1 else None


@dataclass(frozen=True)
class ParsedMapping:
    """A checked mapping: its variables, its stages and its parameters, in order of use."""

    text: str
    variables: tuple[str, ...]
    stages: tuple[Stage, ...]
    parameters: tuple[str, ...] = field(default=())
    complex_name: str = COMPLEX_NAME
    notes: tuple[str, ...] = ()  # hints about readings a person may not have meant (E as a parameter)

    @property
    def is_complex(self) -> bool:
        """True when the mapping is one complex stage f(z)."""
        return len(self.stages) == 1 and self.stages[0].is_complex

    @property
    def shape(self) -> Shape:
        """What kind of mapping this is (n inputs, m outputs) and how the window names it."""
        last = self.stages[-1]
        components = 2 if last.is_complex else len(last.components)
        return shape_of(self.variables, components, self.is_complex, len(self.stages), self.complex_name)
