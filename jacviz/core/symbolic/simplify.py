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
    """What the readout shows, most useful first: det J, the entries of J, trace, the components.

    Keys: ``det`` and ``trace`` (square J only), ``jIK`` for row I and column K of J, and
    ``u``, ``v``, ``w`` for the components in order (see :data:`COMPONENT_KEYS`).
    """
    j = mapping.jacobian
    m, n = j.shape
    items: list[tuple[str, object]] = []
    if mapping.det is not None:
        items.append(("det", mapping.det))
    items += [(f"j{i}{k}", j[i, k]) for i in range(m) for k in range(n)]
    if mapping.trace is not None:
        items.append(("trace", mapping.trace))
    items += [(key, c) for key, c in zip(COMPONENT_KEYS, mapping.components, strict=False)]
    return items


COMPONENT_KEYS = ("u", "v", "w")  # the keys of the first, second and third components
