"""Text to a :class:`~jacviz.core.pipeline.prepared.Prepared` mapping, in this process."""

from __future__ import annotations

import time

from jacviz.core.pipeline.prepared import Prepared


def prepare(text: str, variables: tuple[str, str] | None = None, *,
            default_variables: tuple[str, str] | None = None, use_cache: bool = True) -> Prepared:
    """Parse, differentiate and compile ``text``. Raises MappingError for bad input.

    With ``use_cache``, a mapping compiled before is read from the disk cache
    (:mod:`jacviz.core.pipeline.cache`) without importing sympy; the text is still parsed first, so
    a bad mapping is reported the same way either way.
    """
    start = time.perf_counter()
    if use_cache:
        from jacviz.core.language import parse
        from jacviz.core.pipeline import cache

        parse(text, variables, default_variables=default_variables)
        hit = cache.load(text, variables, default_variables)
        if hit is not None:
            object.__setattr__(hit, "seconds", time.perf_counter() - start)
            return hit
    from jacviz.core.symbolic.mapping import Mapping
    from jacviz.core.symbolic.translate import compile_mapping

    mapping = Mapping.from_text(text, variables, default_variables=default_variables)
    compiled = compile_mapping(mapping)
    chain = None
    if len(mapping.stage_expressions) > 1:
        from jacviz.core.symbolic.translate import compile_chain

        chain = compile_chain(mapping)
    prepared = Prepared(
        text=text,
        variables=mapping.variables,
        parameters=mapping.parameters,
        compiled=compiled,
        symbolic=mapping.rendered(),
        is_complex=mapping.is_complex,
        stages=len(mapping.stage_expressions),
        mapping=mapping,
        seconds=time.perf_counter() - start,
        chain=chain,
    )
    if use_cache:
        from jacviz.core.pipeline import cache

        cache.store(prepared, variables, default_variables)
    return prepared
