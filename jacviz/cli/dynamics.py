"""``jacviz eval`` for dynamics: the equilibria of (x′, y′) = F(x, y) and Newton's iterates, as JSON.

::

    jacviz eval MAPPING --equilibria --range X0,X1,Y0,Y1   every equilibrium with J, eigenvalues, type
    jacviz eval MAPPING --newton X,Y                       Newton's iterates from (X, Y)

Both may be given together, and with ``--at X,Y``: then their keys are added to the
point's JSON (which is unchanged when neither is given). Without ``--at`` the JSON holds
the mapping (``u``, ``v``, ``variables``, ``parameters``) and these keys only:

* ``equilibria``: a list of objects ``point``, ``residual`` (‖F‖ there), ``jacobian``,
  ``trace``, ``det``, ``discriminant`` (trace² − 4 det), ``eigenvalues`` ([re, im]
  pairs), ``eigenvectors`` (the real ones, with their eigenvalue), ``type`` (saddle,
  stable node, …) and ``region`` (of the trace–determinant diagram), sorted by x then
  y; with ``equilibria_range`` and ``equilibria_complete`` (False when F vanishes along a
  curve and only the first 100 points are listed);
* ``newton``: ``status`` (converged, singular, undefined, escaped, max iterations), a
  ``message``, the ``root`` and the ``iterates`` (k, point, value, residual, jacobian,
  det, step, target, error, digits).

The numbers are :mod:`jacviz.core.lab.dynamics` and :mod:`jacviz.core.lab.newton`, the
window's. No Qt is imported.
"""

from __future__ import annotations

import argparse
import json
import sys

from jacviz.cli import arguments
from jacviz.core.errors import UsageError

RANGE_EXAMPLE = "-4,4,-3,3"


def add_options(p: argparse.ArgumentParser) -> None:
    """The eval command's dynamics options."""
    p.add_argument("--equilibria", action="store_true",
                   help="read F as a vector field (x', y') = F(x, y) and print its equilibria in --range")
    p.add_argument("--range", metavar="X0,X1,Y0,Y1",
                   help=f"where to look for equilibria, e.g. {RANGE_EXAMPLE}")
    p.add_argument("--newton", metavar="X,Y",
                   help="print the iterates of Newton's method for F = 0 from (X, Y)")


def requested(args: argparse.Namespace) -> bool:
    """Whether any dynamics option was given (and checked to make sense together)."""
    if args.range is not None and not args.equilibria:
        raise UsageError("--range says where to look for equilibria: add --equilibria")
    if args.equilibria and args.range is None:
        raise UsageError(f"--equilibria needs --range X0,X1,Y0,Y1, such as {RANGE_EXAMPLE}")
    return bool(args.equilibria or args.newton is not None)


def checked(args: argparse.Namespace) -> dict:
    """The options' values, checked before any mapping is prepared (bad input costs milliseconds)."""
    requested(args)
    out: dict = {}
    if args.equilibria:
        out["rect"] = arguments.rect(args.range, "--range", RANGE_EXAMPLE)
    if args.newton is not None:
        out["start"] = arguments.point(args.newton, "--newton", "1.2,0.1")
    return out


def results(args: argparse.Namespace, compiled, params: dict[str, float], values: dict | None = None) -> dict:
    """The JSON keys the dynamics options add (none when no option was given)."""
    values = checked(args) if values is None else values
    out: dict = {}
    if "rect" in values:
        from jacviz.core.lab.dynamics import find_equilibria

        found = find_equilibria(compiled, values["rect"], params)
        out["equilibria"] = [e.as_dict() for e in found]
        out["equilibria_range"] = list(found.rect)
        out["equilibria_complete"] = found.complete
    if "start" in values:
        from jacviz.core.lab.newton import newton_iterates

        out["newton"] = newton_iterates(compiled, values["start"], params).as_dict()
    return out


def run(args: argparse.Namespace) -> int:
    """``jacviz eval`` without ``--at``: the mapping and what the dynamics options ask for."""
    from jacviz.core.language import parameter_values, parse
    from jacviz.core.pipeline.prepare import prepare

    if not requested(args):
        raise UsageError("the following arguments are required: --at (or --equilibria --range ..., "
                         "or --newton X,Y)")
    variables = arguments.variables(args.vars)
    parsed = parse(args.mapping, variables)  # bad text is reported before any process starts
    params = parameter_values(parsed.parameters, arguments.params(args.param))
    values = checked(args)
    prepared = prepare(args.mapping, variables)  # sympy in a killable worker process
    result = {
        "u": prepared.formulas.get("u"),
        "v": prepared.formulas.get("v"),
        "variables": list(prepared.variables),
        "parameters": params,
        **results(args, prepared.compiled, params, values),
    }
    if parsed.notes:
        result["notes"] = list(parsed.notes)
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0
