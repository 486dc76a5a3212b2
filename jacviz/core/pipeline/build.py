"""Building a :class:`~jacviz.core.pipeline.prepared.Prepared` mapping with sympy, in this process.

This is the work the sympy worker process does for :func:`jacviz.core.pipeline.prepare.prepare`
(and that tests may do directly): parse, differentiate, compile every stage, render the
formulas. Nothing here touches the disk cache or bounds the time; the caller does both.
"""

from __future__ import annotations

from jacviz.core.pipeline.prepared import Formulas, Prepared
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_chain, compile_mapping


def build(text: str, variables=None, default_variables=None) -> Prepared:
    """Parse, differentiate and compile ``text``; raises MappingError for bad input."""
    mapping = Mapping.from_text(text, variables, default_variables=default_variables)
    compiled = compile_mapping(mapping)
    chain = compile_chain(mapping) if len(mapping.stage_expressions) > 1 else None
    return Prepared(
        text=text,
        variables=tuple(mapping.variables),
        parameters=tuple(mapping.parameters),
        compiled=compiled,
        formulas=Formulas.from_dict(mapping.rendered()),
        is_complex=mapping.is_complex,
        stages=len(mapping.stage_expressions),
        chain=chain,
        label=mapping.shape.label,
    )
