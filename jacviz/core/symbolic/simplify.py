"""Simplifying formulas for display: the shortest of the raw form, sympy.simplify and factor.

``sympy.simplify`` turns ``r*cos(t)**2 + r*sin(t)**2`` into ``r`` and can run for minutes on an
awkward expression, so this only ever runs in a worker process that can be killed
(:mod:`jacviz.core.pipeline.worker`); :mod:`jacviz.core.pipeline.formulas` asks for it.
"""

from __future__ import annotations

import sympy as sp

from jacviz.core.symbolic.mapping import latex, plain_text


def simplify_one(expr) -> tuple[str, str]:
    """The shortest of the expression, sympy.simplify of it and that factored; (text, LaTeX).

    ``doit`` first writes out the whole complex functions (build.ComplexPart) as the formulas
    they print as, so that simplify sees, and the measure counts, what the reader sees.
    """
    candidates = [expr]
    for step in (sp.simplify, sp.factor):
        try:
            candidates.append(step(candidates[-1].doit()))
        except Exception:  # sympy fails in many ways; the raw form stays
            pass
    best = min(candidates, key=lambda e: (sp.count_ops(e.doit()), len(str(e))))
    return plain_text(best), latex(best)


def display_items(mapping) -> list[tuple[str, object]]:
    """What the readout shows, most useful first: det J, the entries of J, trace, u, v."""
    j = mapping.jacobian
    return [
        ("det", mapping.det),
        ("j00", j[0, 0]), ("j01", j[0, 1]), ("j10", j[1, 0]), ("j11", j[1, 1]),
        ("trace", mapping.trace),
        ("u", mapping.u), ("v", mapping.v),
    ]
