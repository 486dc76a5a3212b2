"""The one way from text to a :class:`~jacviz.core.pipeline.prepared.Prepared` mapping.

The window, ``jacviz eval``, ``jacviz export`` and ``jacviz region`` all call
:func:`prepare`, so they share one path and one set of bounds:

1. the text is parsed and checked by the language (no sympy: milliseconds, and a bad
   mapping is reported with its column before anything else starts);
2. the disk cache (:mod:`.cache`) is asked; a mapping seen before needs no sympy at all;
3. otherwise sympy builds it (:mod:`.build`) in a worker process that is killed if it
   takes longer than the time bound (:mod:`.worker`), and the result goes into the cache.

``isolated=False`` builds in this process instead (sympy imported here, no time bound),
which only tests and the worker itself want.
"""

from __future__ import annotations

import time
from dataclasses import replace

from jacviz.core.errors import MappingError
from jacviz.core.language import parse
from jacviz.core.pipeline import cache
from jacviz.core.pipeline.prepared import Prepared
from jacviz.core.pipeline.worker import COMPILE_TIMEOUT, compile_payload


def prepare(text: str, variables: tuple[str, str] | None = None, *,
            default_variables: tuple[str, str] | None = None, timeout: float = COMPILE_TIMEOUT,
            use_cache: bool = True, isolated: bool = True) -> Prepared:
    """Parse, differentiate and compile ``text``; raises MappingError for bad input.

    ``variables`` come from outside the text (``--vars``) and must agree with a head in it;
    ``default_variables`` only name the variables when the text has no head (see
    :func:`jacviz.core.language.parse`).
    """
    start = time.perf_counter()
    parsed = parse(text, variables, default_variables=default_variables)
    if use_cache:
        hit = cache.load(parsed, variables, default_variables)
        if hit is not None:
            return replace(hit, seconds=time.perf_counter() - start)
    if isolated:
        payload = compile_payload(text, variables, default_variables, timeout=timeout)
        prepared = cache.prepared_from_payload(parsed, payload)
        if prepared is None:
            raise MappingError("the symbolic worker sent an unreadable answer")
    else:
        from jacviz.core.pipeline.build import build

        prepared = build(text, variables, default_variables)
    if use_cache:
        cache.store(prepared, variables, default_variables)
    return replace(prepared, seconds=time.perf_counter() - start)
