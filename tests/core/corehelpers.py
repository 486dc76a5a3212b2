"""Helpers shared by the core tests (imported by name; fixtures live in conftest.py)."""

from jacviz.core.numeric.compiled import CompiledMapping
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_mapping


def compiled(text: str) -> CompiledMapping:
    """The numeric programs of a mapping, compiled in this process."""
    return compile_mapping(Mapping.from_text(text))
