"""A mapping ready to draw: what the pipeline hands the window, the cache and the commands.

A :class:`Prepared` is an immutable value built from plain data only (numeric programs and
strings), so it is the same whether sympy built it a moment ago in a worker process or it
was read back from the disk cache; nothing after the pipeline needs sympy.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from types import MappingProxyType

from jacviz.core.numeric.chain import CompiledChain
from jacviz.core.numeric.compiled import CompiledMapping


@dataclass(frozen=True)
class SimplifiedForm:
    """One expression simplified for display: plain text and LaTeX."""

    key: str
    text: str
    latex: str


# The keys of the formulas the readout shows, most useful first (simplification order), for
# a planar mapping; other shapes have j00 ... j(m-1)(n-1), det and trace when square, and the
# components u, v, w (see jacviz.core.symbolic.simplify.display_items).
FORMULA_KEYS = ("det", "j00", "j01", "j10", "j11", "trace", "u", "v")
COMPONENT_KEYS = ("u", "v", "w")
MAX_SIDE = 3  # J is at most 3×3


@dataclass(frozen=True)
class Formulas:
    """Plain-text and LaTeX renderings of the components, the entries of J, det J and trace J.

    :meth:`get` reads one by key (``u``, ``v``, ``w`` for the components, ``j00`` … for the
    entries, ``det``, ``trace``), the keys simplification results use too. ``det`` and
    ``trace`` are empty text when J is not square.
    """

    components: tuple[str, ...]
    components_latex: tuple[str, ...]
    jacobian: tuple[tuple[str, ...], ...]
    jacobian_latex: tuple[tuple[str, ...], ...]
    det: str
    det_latex: str
    trace: str
    trace_latex: str

    @property
    def shape(self) -> tuple[int, int]:
        """(m, n), the shape of J."""
        return len(self.jacobian), len(self.jacobian[0])

    def get(self, key: str, latex: bool = False) -> str:
        if key.startswith("j") and len(key) == 3 and key[1:].isdigit():
            rows = self.jacobian_latex if latex else self.jacobian
            return rows[int(key[1])][int(key[2])]
        if key in COMPONENT_KEYS:
            return (self.components_latex if latex else self.components)[COMPONENT_KEYS.index(key)]
        if key in ("det", "trace"):
            return getattr(self, f"{key}_latex" if latex else key)
        raise KeyError(key)

    def as_dict(self) -> dict:
        """The JSON form the cache and the worker exchange (the form of Mapping.rendered())."""
        return {
            "components": list(self.components), "components_latex": list(self.components_latex),
            "jacobian": [list(r) for r in self.jacobian],
            "jacobian_latex": [list(r) for r in self.jacobian_latex],
            "det": self.det, "det_latex": self.det_latex,
            "trace": self.trace, "trace_latex": self.trace_latex,
        }

    @classmethod
    def from_dict(cls, data) -> Formulas:
        """Check and read :meth:`as_dict`'s form: strings only, J m×n with m, n ≤ 3; raises otherwise."""
        if not isinstance(data, dict):
            raise TypeError("formulas must be an object")

        def text(key: str) -> str:
            value = data[key]
            if not isinstance(value, str):
                raise TypeError(f"{key} must be text")
            return value

        def strings(key: str) -> tuple[str, ...]:
            items = data[key]
            if not (isinstance(items, list) and 1 <= len(items) <= MAX_SIDE
                    and all(isinstance(e, str) for e in items)):
                raise TypeError(f"{key} must be one to three texts")
            return tuple(items)

        def matrix(key: str, m: int) -> tuple[tuple[str, ...], ...]:
            rows = data[key]
            if not (isinstance(rows, list) and len(rows) == m and all(isinstance(r, list) for r in rows)):
                raise TypeError(f"{key} must have one row per component")
            n = len(rows[0]) if rows else 0
            if not (1 <= n <= MAX_SIDE and all(len(r) == n for r in rows)):
                raise TypeError(f"{key} must be m×n with n at most 3")
            if not all(isinstance(e, str) for r in rows for e in r):
                raise TypeError(f"{key} must hold text")
            return tuple(tuple(r) for r in rows)

        components = strings("components")
        m = len(components)
        latex = strings("components_latex")
        if len(latex) != m:
            raise TypeError("components_latex must match components")
        jacobian, jacobian_latex = matrix("jacobian", m), matrix("jacobian_latex", m)
        if len(jacobian[0]) != len(jacobian_latex[0]):
            raise TypeError("jacobian_latex must match jacobian")
        return cls(components, latex, jacobian, jacobian_latex, text("det"), text("det_latex"),
                   text("trace"), text("trace_latex"))


def _frozen(forms: MappingABC[str, SimplifiedForm] | None) -> MappingABC[str, SimplifiedForm]:
    return MappingProxyType(dict(forms or {}))


@dataclass(frozen=True)
class Prepared:
    """A mapping ready to draw: its numeric programs and its formulas for the readout.

    ``chain`` is the stages compiled one by one, for a mapping typed as ``S1; S2; ...``
    (None for one stage). ``simplified`` holds the simplified formulas when they are known
    already (from the cache). ``seconds`` is how long preparing took; ``from_cache`` says
    whether sympy was needed at all. ``label`` is the parser's reading in words ("scalar field
    f(x, y)", "complex form w = f(z)"; see :class:`jacviz.core.language.Shape`), for the mapping bar.
    """

    text: str
    variables: tuple[str, ...]
    parameters: tuple[str, ...]
    compiled: CompiledMapping
    formulas: Formulas
    is_complex: bool
    stages: int = 1
    chain: CompiledChain | None = None
    simplified: MappingABC[str, SimplifiedForm] = field(default_factory=lambda: _frozen(None))
    from_cache: bool = False
    seconds: float = 0.0
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "simplified", _frozen(self.simplified))  # a read-only view, always

    @property
    def shape(self) -> tuple[int, int]:
        """(m, n): J has m rows (components) and n columns (variables)."""
        return self.compiled.shape

    @property
    def is_planar(self) -> bool:
        """True for F: R² → R², the mappings of the two linked views."""
        return self.compiled.shape == (2, 2)

    @property
    def kind(self) -> str:
        """How the mapping was read, in words: "complex form", "real form", "3-stage chain",
        "scalar field", "curve", "surface" or "map of space"."""
        if self.stages > 1:
            return f"{self.stages}-stage chain"
        if self.is_complex:
            return "complex form"
        return {(1, 2): "scalar field", (2, 1): "curve", (3, 1): "curve", (3, 2): "surface",
                (3, 3): "map of space"}.get(self.compiled.shape, "real form")
