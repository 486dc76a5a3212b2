"""A mapping ready to draw: what the pipeline hands the window, the cache and the commands."""

from __future__ import annotations

from dataclasses import dataclass, field

from jacviz.core.numeric.compiled import CompiledMapping


@dataclass(frozen=True)
class Prepared:
    """A mapping ready to draw: its symbolic form (for the readout) and its numeric programs.

    ``symbolic`` holds plain-text and LaTeX renderings (see Mapping.rendered); the window
    never needs sympy objects after this point.
    """

    text: str
    variables: tuple[str, str]
    parameters: tuple[str, ...]
    compiled: CompiledMapping
    symbolic: dict
    is_complex: bool
    stages: int = 1
    mapping: object = None  # the sympy-backed Mapping, when it was built in this process
    seconds: float = 0.0
    chain: object = None  # a CompiledChain for a mapping of several stages
    extra: dict = field(default_factory=dict)  # "simplified" formulas, "from_cache"
