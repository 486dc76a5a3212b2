"""``jacviz eval MAPPING --at X,Y``: F, its Jacobian and what they mean at one point, as JSON.

A mapping of the plane prints the keys it always has; every other shape prints ``shape``,
``reading``, ``components`` and J with m rows and n columns, plus the keys of its shape (see
:func:`_any_shape`). ``--at``, ``--jvp`` and ``--vjp`` take as many numbers as J has
columns, columns and rows.

``jacviz eval MODEL.onnx --at X,Y [--jvp V1,V2] [--vjp G1,...,Gk]`` does the same for a
trained network (:func:`jacviz.core.network.report.eval_report`): its k×2 Jacobian, det J
when it is square, and every layer's Jacobian at the point.

No Qt is imported: this runs on a machine without a display.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from jacviz.cli import arguments, dynamics
from jacviz.core.numbers import json_matrix, json_number, json_vector

NAME = "eval"
SUMMARY = "F, the Jacobian J and det J at one point, as JSON"
MAX_SIMPLIFY_SECONDS = 60.0


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(NAME, help=SUMMARY, description=f"{SUMMARY}.")
    p.add_argument("mapping", help="the mapping, e.g. 'x^2 - y^2, 2xy' or 'z^2', or a model.onnx file")
    p.add_argument("--at", metavar="X,Y",
                   help="the point, one number per variable, e.g. 1.5,-2 (0.5 for a curve, 1,2,3 in space); "
                        "needed unless --equilibria or --newton is given")
    p.add_argument("--vars", metavar="A,B",
                   help="names of the variables (default x,y; one for a curve, three for a map of space)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")
    p.add_argument("--simplify-timeout", default="2", metavar="SECONDS",
                   help="time allowed for simplifying the formulas (0: print them unsimplified)")
    p.add_argument("--jvp", metavar="V1,V2",
                   help="also print the Jacobian-vector product J(p)·v (v: one number per variable)")
    p.add_argument("--vjp", metavar="G1,G2",
                   help="also print the vector-Jacobian product J(p)ᵀ·g (g: one number per component; "
                        "k numbers for a model of k outputs)")
    dynamics.add_options(p)  # --equilibria --range X0,X1,Y0,Y1, --newton X,Y
    return p


def _vector(text: str, option: str) -> tuple[float, ...]:
    return tuple(arguments.number(part, option, "1,0") for part in text.split(","))


def run_model(args: argparse.Namespace) -> int:
    """``jacviz eval MODEL.onnx --at X,Y``: the model's report as JSON (no sympy, no Qt)."""
    from jacviz.core.errors import UsageError
    from jacviz.core.network.report import eval_report
    from jacviz.core.pipeline.network import prepare_network

    if args.at is None:
        raise UsageError("--at X,Y is needed for a model (--equilibria and --newton are for typed mappings)")
    for option, value in (("--vars", args.vars), ("--param", args.param)):
        if value:
            raise UsageError(f"{option} does not apply to a model: its inputs are x, y and it has no "
                             "parameters")
    x, y = arguments.point(args.at, "--at")
    jvp = _vector(args.jvp, "--jvp") if args.jvp is not None else None
    vjp = _vector(args.vjp, "--vjp") if args.vjp is not None else None
    prepared = prepare_network(args.mapping)  # ModelError (exit 2, one line) for a bad file
    result = eval_report(prepared.network, (x, y), jvp=jvp, vjp=vjp)
    result["sha256"] = prepared.source.sha256
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0


def run(args: argparse.Namespace) -> int:
    from jacviz.core.pipeline.network import is_model_path

    if is_model_path(args.mapping):
        return run_model(args)
    from jacviz.core.language import parameter_values, parse
    from jacviz.core.pipeline.prepare import prepare

    if args.at is None:
        return dynamics.run(args)  # the equilibria or Newton's iterates without a point
    variables = arguments.variables(args.vars)
    parsed = parse(args.mapping, variables)  # bad text is reported before any process starts
    params = parameter_values(parsed.parameters, arguments.params(args.param))
    shape = parsed.shape
    n, m = shape.n_inputs, shape.n_outputs
    point = arguments.vector(args.at, "--at", n, _example(n, "1.5,-2"), _counted(n, "variable", parsed))
    timeout = arguments.number(args.simplify_timeout, "--simplify-timeout", "2")
    if timeout != 0:
        timeout = arguments.positive(timeout, "--simplify-timeout", upper=MAX_SIMPLIFY_SECONDS,
                                     unit=" seconds")
    tangent = (arguments.vector(args.jvp, "--jvp", n, _example(n, "1,0"), _counted(n, "variable", parsed))
               if args.jvp is not None else None)
    cotangent = (arguments.vector(args.vjp, "--vjp", m, _example(m, "1,0"), _counted(m, "component", parsed))
                 if args.vjp is not None else None)

    prepared = prepare(args.mapping, variables)  # sympy in a killable worker process
    compiled = prepared.compiled
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

    if shape.is_planar:
        result = _planar(compiled, point, params, prepared, formula, parsed.notes)
    else:
        result = _any_shape(compiled, point, params, prepared, formula, parsed.notes)
    if tangent is not None or cotangent is not None:
        from jacviz.core.lab.backprop import jvp, vjp

        # forward mode J(p)·v and reverse mode J(p)ᵀ·g; null where J is undefined
        if tangent is not None:
            result["jvp"] = json_vector(jvp(compiled, point, tangent, params))
        if cotangent is not None:
            result["vjp"] = json_vector(vjp(compiled, point, cotangent, params))
    if shape.is_planar:
        result.update(dynamics.results(args, compiled, params))  # nothing unless asked for
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0


def _example(count: int, planar: str) -> str:
    return planar if count == 2 else {1: "0.5", 3: "1,0,0"}[count]


def _counted(count: int, noun: str, parsed) -> str:
    """'this mapping has 3 variables r, t, p' for the message of a vector of the wrong length."""
    if noun == "variable":
        return f"this mapping has {count} variable{'s' if count > 1 else ''} {', '.join(parsed.variables)}"
    return f"this mapping has {count} component{'s' if count > 1 else ''}"


def _planar(compiled, point, params, prepared, formula, parse_notes) -> dict:
    """The historical output of a mapping of the plane (its keys and order are kept as they were)."""
    from jacviz.core.lab.pointinfo import point_info

    x, y = point
    info = point_info(compiled, x, y, params)
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
    notes = [*parse_notes, *info.notes]
    if notes:
        result["notes"] = notes  # "u overflows at this point", "not differentiable here", ...
    return result



def _any_shape(compiled, point, params, prepared, formula, parse_notes) -> dict:
    """Scalar fields, curves, surfaces and maps of space: J is m×n, and the keys of its shape.

    ``jacobian`` has m rows and n columns; ``det`` (with ``det_symbolic`` and ``trace``) only
    where m = n, ``gradient`` (with ``slope`` |∇f| and ``steepest_ascent``) for m = 1,
    ``speed`` for n = 1, ``area_element`` and ``normal`` for 3×2.
    """
    from jacviz.core.lab.shapes import shape_info

    info = shape_info(compiled, point, params)
    m, n = info.shape
    keys = ("u", "v", "w")
    result: dict = {
        "shape": prepared.kind,
        "reading": prepared.label,
        "components": [formula(keys[i]) for i in range(m)],
        "variables": list(prepared.variables),
        "parameters": params,
        "point": list(point),
    }
    numbers = info.as_dict()
    result["value"] = numbers.pop("value")
    result["jacobian"] = numbers.pop("jacobian")
    result["jacobian_symbolic"] = [[formula(f"j{i}{j}") for j in range(n)] for i in range(m)]
    if "det" in numbers:
        result["det"] = numbers.pop("det")
        result["trace"] = json_number(float(np.trace(info.jacobian)))
        result["det_symbolic"] = formula("det")
    result.update(numbers)
    notes = [*parse_notes, *info.notes]
    if notes:
        result["notes"] = notes
    return result
