"""``jacviz region``: both sides of the change-of-variables formula over a rectangle, as JSON.

::

    jacviz region MAPPING --rect X0,X1,Y0,Y1 [--vars A,B] [--param NAME=VALUE ...]

prints one JSON object with ``domain_area``, ``integral_det`` (∬ det J dA),
``integral_abs_det`` (∬ |det J| dA), ``image_area`` (area of F(R), each point once) and
``error_estimate``, plus ``folds``, ``max_preimages`` and the other keys of
:meth:`jacviz.core.lab.region.RegionReport.as_dict`. Bad input raises :class:`UsageError` or
:class:`MappingError`, which :func:`jacviz.cli.main` prints as one line with exit status 2.
No Qt is imported.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from jacviz.cli import UsageError, _Parser, parse_numbers, parse_params, parse_vars

RECT_EXAMPLE = "-1,1,0,2"


def _parser() -> _Parser:
    p = _Parser(
        prog="jacviz region",
        description="Integrate det J and |det J| over a rectangle and measure the area of its image; "
                    "print JSON.",
    )
    p.add_argument("mapping", help="the mapping, e.g. '(r, t) -> r cos(t), r sin(t)' or 'z^2'")
    p.add_argument("--rect", required=True, metavar="X0,X1,Y0,Y1",
                   help=f"the rectangle x0 <= x <= x1, y0 <= y <= y1, e.g. {RECT_EXAMPLE}")
    p.add_argument("--vars", metavar="A,B", help="names of the two variables (default x,y)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")
    return p


def parse_rect(text: str) -> tuple[float, float, float, float]:
    """X0,X1,Y0,Y1 with x0 < x1 and y0 < y1."""
    x0, x1, y0, y1 = parse_numbers(text, "--rect", 4, RECT_EXAMPLE)
    if not x0 < x1:
        raise UsageError(f"--rect needs x0 < x1 (got x0 = {x0:g}, x1 = {x1:g}), such as {RECT_EXAMPLE}")
    if not y0 < y1:
        raise UsageError(f"--rect needs y0 < y1 (got y0 = {y0:g}, y1 = {y1:g}), such as {RECT_EXAMPLE}")
    return x0, x1, y0, y1


def run(argv: Sequence[str]) -> int:
    """Parse ``argv`` (already normalised by :func:`jacviz.cli.main`), print the JSON, return 0."""
    args = _parser().parse_args(list(argv))
    rect = parse_rect(args.rect)
    from jacviz.core.lab.region import region_report
    from jacviz.core.symbolic.mapping import Mapping
    from jacviz.core.symbolic.translate import compile_mapping

    mapping = Mapping.from_text(args.mapping, parse_vars(args.vars))
    params = mapping.check_parameters(parse_params(args.param))
    report = region_report(compile_mapping(mapping), rect=rect, params=params)
    result = {
        "mapping": mapping.text,
        "variables": list(mapping.variables),
        "parameters": params,
        "rect": list(rect),
        **report.as_dict(),
    }
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0
