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


# The keys of the formulas the readout shows, most useful first (simplification order).
FORMULA_KEYS = ("det", "j00", "j01", "j10", "j11", "trace", "u", "v")


@dataclass(frozen=True)
class Formulas:
    """Plain-text and LaTeX renderings of u, v, the entries of J, det J and trace J.

    :meth:`get` reads one by key (``u``, ``v``, ``j00`` … ``j11``, ``det``, ``trace``), the
    keys simplification results use too.
    """

    components: tuple[str, ...]
    components_latex: tuple[str, ...]
    jacobian: tuple[tuple[str, ...], ...]
    jacobian_latex: tuple[tuple[str, ...], ...]
    det: str
    det_latex: str
    trace: str
    trace_latex: str

    def get(self, key: str, latex: bool = False) -> str:
        if key.startswith("j") and len(key) == 3 and key[1:].isdigit():
            rows = self.jacobian_latex if latex else self.jacobian
            return rows[int(key[1])][int(key[2])]
        if key in ("u", "v"):
            return (self.components_latex if latex else self.components)["uv".index(key)]
        if key in ("det", "trace"):
            return getattr(self, f"{key}_latex" if latex else key)
        raise KeyError(key)

    def as_dict(self) -> dict:
        """The JSON form the cache and the worker exchange (the historical ``symbolic`` dict)."""
        return {
            "u": self.components[0], "v": self.components[1],
            "u_latex": self.components_latex[0], "v_latex": self.components_latex[1],
            "jacobian": [list(r) for r in self.jacobian],
            "jacobian_latex": [list(r) for r in self.jacobian_latex],
            "det": self.det, "det_latex": self.det_latex,
            "trace": self.trace, "trace_latex": self.trace_latex,
        }

    @classmethod
    def from_dict(cls, data) -> Formulas:
        """Check and read :meth:`as_dict`'s form: strings only, J 2×2; raises on anything else."""
        if not isinstance(data, dict):
            raise TypeError("formulas must be an object")

        def text(key: str) -> str:
            value = data[key]
            if not isinstance(value, str):
                raise TypeError(f"{key} must be text")
            return value

        def matrix(key: str) -> tuple[tuple[str, ...], ...]:
            rows = data[key]
            if not (isinstance(rows, list) and len(rows) == 2 and all(isinstance(r, list) and len(r) == 2
                                                                       for r in rows)):
                raise TypeError(f"{key} must be 2×2")
            if not all(isinstance(e, str) for r in rows for e in r):
                raise TypeError(f"{key} must hold text")
            return tuple(tuple(r) for r in rows)

        return cls((text("u"), text("v")), (text("u_latex"), text("v_latex")), matrix("jacobian"),
                   matrix("jacobian_latex"), text("det"), text("det_latex"), text("trace"),
                   text("trace_latex"))


def _frozen(forms: MappingABC[str, SimplifiedForm] | None) -> MappingABC[str, SimplifiedForm]:
    return MappingProxyType(dict(forms or {}))


@dataclass(frozen=True)
class Prepared:
    """A mapping ready to draw: its numeric programs and its formulas for the readout.

    ``chain`` is the stages compiled one by one, for a mapping typed as ``S1; S2; ...``
    (None for one stage). ``simplified`` holds the simplified formulas when they are known
    already (from the cache). ``seconds`` is how long preparing took; ``from_cache`` says
    whether sympy was needed at all.
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

    def __post_init__(self) -> None:
        object.__setattr__(self, "simplified", _frozen(self.simplified))  # a read-only view, always

    @property
    def kind(self) -> str:
        """How the mapping was read, in words: "complex form", "real form", "3-stage chain"."""
        if self.stages > 1:
            return f"{self.stages}-stage chain"
        return "complex form" if self.is_complex else "real form"
