"""``jacviz eval MAPPING --at X,Y``: F, its Jacobian and what they mean at one point, as JSON.

No Qt is imported: this runs on a machine without a display.
"""

from __future__ import annotations

import argparse
import json
import sys

from jacviz.cli import arguments, dynamics
from jacviz.core.numbers import json_matrix, json_number, json_vector

NAME = "eval"
SUMMARY = "F, the Jacobian J and det J at one point, as JSON"
MAX_SIMPLIFY_SECONDS = 60.0


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(NAME, help=SUMMARY, description=f"{SUMMARY}.")
    p.add_argument("mapping", help="the mapping, e.g. 'x^2 - y^2, 2xy' or 'z^2'")
    p.add_argument("--at", metavar="X,Y",
                   help="the point, e.g. 1.5,-2 (needed unless --equilibria or --newton is given)")
    p.add_argument("--vars", metavar="A,B", help="names of the two variables (default x,y)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")
    p.add_argument("--simplify-timeout", default="2", metavar="SECONDS",
                   help="time allowed for simplifying the formulas (0: print them unsimplified)")
    p.add_argument("--jvp", metavar="V1,V2", help="also print the Jacobian-vector product J(p)·v")
    p.add_argument("--vjp", metavar="G1,G2", help="also print the vector-Jacobian product J(p)ᵀ·g")
    dynamics.add_options(p)  # --equilibria --range X0,X1,Y0,Y1, --newton X,Y
    return p


def run(args: argparse.Namespace) -> int:
    from jacviz.core.lab.pointinfo import point_info
    from jacviz.core.language import parameter_values, parse
    from jacviz.core.pipeline.prepare import prepare

    if args.at is None:
        return dynamics.run(args)  # the equilibria or Newton's iterates without a point
    variables = arguments.variables(args.vars)
    parsed = parse(args.mapping, variables)  # bad text is reported before any process starts
    params = parameter_values(parsed.parameters, arguments.params(args.param))
    x, y = arguments.point(args.at, "--at")
    timeout = arguments.number(args.simplify_timeout, "--simplify-timeout", "2")
    if timeout != 0:
        timeout = arguments.positive(timeout, "--simplify-timeout", upper=MAX_SIMPLIFY_SECONDS,
                                     unit=" seconds")
    tangent = arguments.point(args.jvp, "--jvp", "1,0") if args.jvp is not None else None
    cotangent = arguments.point(args.vjp, "--vjp", "1,0") if args.vjp is not None else None

    prepared = prepare(args.mapping, variables)  # sympy in a killable worker process
    compiled = prepared.compiled
    info = point_info(compiled, x, y, params)
    simplified = {k: f.text for k, f in prepared.simplified.items()}
    if timeout > 0 and not simplified:
        from jacviz.core.pipeline import cache
        from jacviz.core.pipeline.formulas import simplify_for_display

        forms = simplify_for_display(args.mapping, variables, timeout=timeout)
        simplified = {k: f.text for k, f in forms.items()}
        if forms:
            cache.store_simplified(args.mapping, forms, variables, None)

    def formula(key: str) -> str:
        return simplified.get(key) or prepared.formulas.get(key)

    result = {
        "u": prepared.formulas.get("u"),
        "v": prepared.formulas.get("v"),
        "variables": list(prepared.variables),
        "parameters": params,
        "point": [x, y],
        "value": json_vector(info.value),
        "jacobian": json_matrix(info.jacobian),
        "det": json_number(info.det),
        "trace": json_number(info.trace),
        "singular_values": json_vector(info.singular_values),
        "jacobian_symbolic": [[formula(f"j{i}{j}") for j in range(2)] for i in range(2)],
        "det_symbolic": formula("det"),
    }
    notes = [*parsed.notes, *info.notes]
    if notes:
        result["notes"] = notes  # "u overflows at this point", "not differentiable here", ...
    if tangent is not None or cotangent is not None:
        from jacviz.core.lab.backprop import jvp, vjp

        # forward mode J(p)·v and reverse mode J(p)ᵀ·g; null where J is undefined
        if tangent is not None:
            result["jvp"] = json_vector(jvp(compiled, (x, y), tangent, params))
        if cotangent is not None:
            result["vjp"] = json_vector(vjp(compiled, (x, y), cotangent, params))
    result.update(dynamics.results(args, compiled, params))  # nothing unless asked for
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0
