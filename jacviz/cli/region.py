"""``jacviz region MAPPING --rect X0,X1,Y0,Y1``: both sides of the change of variables, as JSON.

Prints one JSON object with ``domain_area``, ``integral_det`` (∬ det J dA),
``integral_abs_det`` (∬ |det J| dA), ``image_area`` (area of F(R), each point once) and
``error_estimate``, plus ``folds``, ``max_preimages`` and the other keys of
:meth:`jacviz.core.lab.region.RegionReport.as_dict`. The mapping goes through the same
pipeline as everywhere (sympy in a killable worker process, bounded in time). No Qt.
"""

from __future__ import annotations

import argparse
import json
import sys

from jacviz.cli import arguments

NAME = "region"
SUMMARY = "∬ det J, ∬ |det J| and the area of F(R) over a rectangle, as JSON"
RECT_EXAMPLE = "-1,1,0,2"


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(NAME, help=SUMMARY, description=f"{SUMMARY}.")
    p.add_argument("mapping", help="the mapping, e.g. '(r, t) -> r cos(t), r sin(t)' or 'z^2'")
    p.add_argument("--rect", required=True, metavar="X0,X1,Y0,Y1",
                   help=f"the rectangle x0 <= x <= x1, y0 <= y <= y1, e.g. {RECT_EXAMPLE}")
    p.add_argument("--vars", metavar="A,B", help="names of the two variables (default x,y)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")
    return p


def run(args: argparse.Namespace) -> int:
    from jacviz.core.lab.region import region_report
    from jacviz.core.language import parameter_values, parse
    from jacviz.core.pipeline.prepare import prepare

    variables = arguments.variables(args.vars)
    parsed = parse(args.mapping, variables)
    params = parameter_values(parsed.parameters, arguments.params(args.param))
    rect = arguments.rect(args.rect, "--rect", RECT_EXAMPLE)
    prepared = prepare(args.mapping, variables)
    report = region_report(prepared.compiled, rect=rect, params=params)
    result = {
        "mapping": prepared.text,
        "variables": list(prepared.variables),
        "parameters": params,
        "rect": list(rect),
        **report.as_dict(),
    }
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0
