"""The symbolic side: checked syntax trees turned into sympy objects, differentiated and compiled.

This is the only package that imports sympy. :mod:`.build` makes sympy expressions from the
language's nodes (complex form as (Re, Im) pairs, constant powers costed first),
:mod:`.mapping` holds a mapping with its Jacobian, :mod:`.translate` compiles sympy
expressions into numeric programs, and :mod:`.simplify` shortens formulas for display.
Everything here runs in a worker process that can be killed (:mod:`jacviz.core.pipeline.worker`).
"""
