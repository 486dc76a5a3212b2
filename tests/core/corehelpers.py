"""Helpers shared by the core tests (imported by name; fixtures live in conftest.py)."""

from jacviz.core.mapping import Mapping
from jacviz.core.numeric import CompiledMapping, compile_mapping


def compiled(text: str) -> CompiledMapping:
    """The numeric programs of a mapping, compiled in this process."""
    return compile_mapping(Mapping.from_text(text))
