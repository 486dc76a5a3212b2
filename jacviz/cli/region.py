"""``jacviz region MAPPING --rect X0,X1,Y0,Y1``: both sides of the change of variables, as JSON.

For a mapping of the plane, prints one JSON object with ``domain_area``, ``integral_det``
(∬ det J dA), ``integral_abs_det`` (∬ |det J| dA), ``image_area`` (area of F(R), each point
once) and ``error_estimate``, plus ``folds``, ``max_preimages`` and the other keys of
:meth:`jacviz.core.lab.region.RegionReport.as_dict`.

For a surface F: R² → R³, ``--rect`` gives ``surface_area`` = ∬ √det(JᵀJ) dA with
``mesh_area`` next to it (:class:`jacviz.core.lab.shapes.SurfaceReport`); for a map of
space, ``--box X0,X1,Y0,Y1,Z0,Z1`` gives ``integral_abs_det`` = ∭ |det J| dV and
``integral_det`` (:class:`jacviz.core.lab.shapes.VolumeReport`). The mapping goes through the
same pipeline as everywhere (sympy in a killable worker process, bounded in time). No Qt.
"""

from __future__ import annotations

import argparse
import json
import sys

from jacviz.cli import arguments
from jacviz.core.errors import UsageError

NAME = "region"
SUMMARY = "∬ det J, ∬ |det J| and the area of F(R) over a rectangle (or ∭ |det J| over a box), as JSON"
RECT_EXAMPLE = "-1,1,0,2"
BOX_EXAMPLE = "0,1,0,3.1416,0,6.2832"


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(NAME, help=SUMMARY, description=f"{SUMMARY}.")
    p.add_argument("mapping", help="the mapping, e.g. '(r, t) -> r cos(t), r sin(t)' or 'z^2'")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--rect", metavar="X0,X1,Y0,Y1",
                       help=f"the rectangle x0 <= x <= x1, y0 <= y <= y1, e.g. {RECT_EXAMPLE} "
                            "(a mapping of the plane, or a surface)")
    where.add_argument("--box", metavar="X0,X1,Y0,Y1,Z0,Z1",
                       help=f"the box of a map of space, e.g. {BOX_EXAMPLE}")
    p.add_argument("--vars", metavar="A,B", help="names of the variables (default x,y; three for --box)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")
    return p


def run(args: argparse.Namespace) -> int:
    from jacviz.core.language import parameter_values, parse
    from jacviz.core.pipeline.prepare import prepare

    variables = arguments.variables(args.vars)
    parsed = parse(args.mapping, variables)
    params = parameter_values(parsed.parameters, arguments.params(args.param))
    shape = (parsed.shape.n_outputs, parsed.shape.n_inputs)
    if shape == (3, 3):
        if args.box is None:
            raise UsageError("a map of space is integrated over a box: use --box X0,X1,Y0,Y1,Z0,Z1, "
                             f"such as {BOX_EXAMPLE}")
        box = arguments.box(args.box, "--box", BOX_EXAMPLE)
    elif shape in ((2, 2), (3, 2)):
        if args.rect is None:
            what = "surface" if shape == (3, 2) else "mapping of the plane"
            raise UsageError(f"--box is for a map of space; a {what} takes --rect X0,X1,Y0,Y1")
        rect = arguments.rect(args.rect, "--rect", RECT_EXAMPLE)
    else:
        raise UsageError(f"jacviz region works for mappings of the plane and surfaces (--rect) and maps "
                         f"of space (--box); this is a {parsed.shape.kind}")
    prepared = prepare(args.mapping, variables)
    result: dict = {
        "mapping": prepared.text,
        "variables": list(prepared.variables),
        "parameters": params,
    }
    if shape == (3, 3):
        from jacviz.core.lab.shapes import volume_report

        result.update(volume_report(prepared.compiled, box, params).as_dict())
    elif shape == (3, 2):
        from jacviz.core.lab.shapes import surface_area

        result.update(surface_area(prepared.compiled, rect, params).as_dict())
    else:
        from jacviz.core.lab.region import region_report

        report = region_report(prepared.compiled, rect=rect, params=params)
        result.update({"rect": list(rect), **report.as_dict()})
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0
