"""The command line: open the window, or answer without one.

::

    jacviz [MAPPING | FILE.jacviz] [--vars A,B] [--param NAME=VALUE ...]
    jacviz eval MAPPING --at X,Y [--vars A,B] [--param NAME=VALUE ...]

There is one error path: a :class:`UsageError` or :class:`MappingError` prints one line,
``jacviz: error: ...``, on stderr and exits with status 2; no traceback ever reaches the
user. Qt is imported only by the commands that draw, so ``jacviz eval`` runs on a machine
without a display and without loading PySide6.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

from jacviz.core.errors import MappingError

EXIT_USAGE = 2
SUBCOMMANDS = ("eval", "export", "region")


class UsageError(Exception):
    """Bad command-line input (as opposed to a bad mapping)."""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors become one line and exit status 2 through :func:`main`."""

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(message)


# ---------------------------------------------------------------------------------------
# Argument helpers


def parse_pair(text: str, option: str, example: str = "1.5,-2") -> tuple[float, float]:
    """Two finite numbers separated by a comma."""
    parts = text.split(",")
    if len(parts) != 2:
        raise UsageError(f"{option} needs two numbers separated by a comma, such as {example}")
    return tuple(_finite(p, option, example) for p in parts)  # type: ignore[return-value]


def parse_numbers(text: str, option: str, count: int, example: str) -> tuple[float, ...]:
    parts = text.split(",")
    if len(parts) != count:
        raise UsageError(f"{option} needs {count} numbers separated by commas, such as {example}")
    return tuple(_finite(p, option, example) for p in parts)


def _finite(text: str, option: str, example: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise UsageError(f"{option}: '{text.strip()}' is not a number (example: {example})") from None
    if not math.isfinite(value):
        raise UsageError(f"{option}: '{text.strip()}' is not a finite number")
    return value


def parse_params(items: Sequence[str] | None) -> dict[str, float]:
    """``NAME=VALUE`` items into a dict; checked against the mapping later."""
    out: dict[str, float] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param needs NAME=VALUE, such as a=2.5 (got '{item}')")
        out[name.strip()] = _finite(value, f"--param {name.strip()}", "a=2.5")
    return out


def parse_vars(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    from jacviz.core.language import check_variable_names

    return check_variable_names(text.split(","))


def _normalise(argv: list[str], value_options: set[str]) -> list[str]:
    """Make argparse accept negative numbers and mappings that start with '-'.

    ``--at -1,2`` becomes ``--at=-1,2``; every other token that is not an option is moved
    after ``--`` so that a mapping such as ``-x, y`` is read as a mapping.
    """
    options: list[str] = []
    positionals: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--":
            positionals.extend(argv[i + 1 :])
            break
        name = tok.split("=", 1)[0]
        if name in value_options:
            if "=" in tok:
                options.append(tok)
            elif i + 1 < len(argv):
                options.append(f"{tok}={argv[i + 1]}")
                i += 1
            else:
                options.append(tok)  # argparse reports the missing value
        elif tok.startswith("--") or tok in ("-h", "-o"):
            options.append(tok)
        else:
            positionals.append(tok)
        i += 1
    return [*options, "--", *positionals] if positionals else options


# ---------------------------------------------------------------------------------------
# jacviz eval


def _json_number(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def eval_command(args: argparse.Namespace) -> int:
    from jacviz.core.lab.pointinfo import point_info
    from jacviz.core.language import parameter_values, parse
    from jacviz.core.pipeline.worker import prepare_isolated

    variables = parse_vars(args.vars)
    parsed = parse(args.mapping, variables)  # bad text is reported before any process starts
    params = parameter_values(parsed.parameters, parse_params(args.param))
    x, y = parse_pair(args.at, "--at")
    # sympy runs in a worker process that is killed if it takes too long (see worker.py)
    prepared = prepare_isolated(args.mapping, variables)
    compiled = prepared.compiled
    info = point_info(compiled, x, y, params)
    raw = prepared.symbolic
    simplified = {k: t for k, (t, _tex) in prepared.extra.get("simplified", {}).items()}
    if args.simplify_timeout > 0 and not simplified:
        from jacviz.core.pipeline.formulas import simplify_for_display

        forms = simplify_for_display(args.mapping, variables, timeout=args.simplify_timeout)
        simplified = {k: f.text for k, f in forms.items()}
        if forms:
            from jacviz.core.pipeline import cache

            cache.store_simplified(args.mapping, forms, variables, None)

    def sym(key: str, fallback: str) -> str:
        return simplified.get(key) or fallback

    jac = info.jacobian
    result = {
        "u": raw["u"],
        "v": raw["v"],
        "variables": list(prepared.variables),
        "parameters": params,
        "point": [x, y],
        "value": [_json_number(info.value[0]), _json_number(info.value[1])],
        "jacobian": [[_json_number(jac[i, j]) for j in range(2)] for i in range(2)],
        "det": _json_number(info.det),
        "trace": _json_number(info.trace),
        "singular_values": [_json_number(s) for s in info.singular_values],
        "jacobian_symbolic": [
            [sym(f"j{i}{j}", raw["jacobian"][i][j]) for j in range(2)] for i in range(2)  # type: ignore[index]
        ],
        "det_symbolic": sym("det", raw["det"]),  # type: ignore[arg-type]
    }
    if args.jvp is not None or args.vjp is not None:
        from jacviz.core.lab.backprop import jvp, vjp

        # forward mode J(p)·v and reverse mode J(p)ᵀ·g; null where J is undefined
        if args.jvp is not None:
            tangent = parse_pair(args.jvp, "--jvp", "1,0")
            result["jvp"] = [_json_number(c) for c in jvp(compiled, (x, y), tangent, params)]
        if args.vjp is not None:
            cotangent = parse_pair(args.vjp, "--vjp", "1,0")
            result["vjp"] = [_json_number(c) for c in vjp(compiled, (x, y), cotangent, params)]
    sys.stdout.write(json.dumps(result, allow_nan=False) + "\n")
    return 0


def _eval_parser() -> _Parser:
    p = _Parser(prog="jacviz eval", description="Evaluate F and its Jacobian at one point; print JSON.")
    p.add_argument("mapping", help="the mapping, e.g. 'x^2 - y^2, 2xy' or 'z^2'")
    p.add_argument("--at", required=True, metavar="X,Y", help="the point, e.g. 1.5,-2")
    p.add_argument("--vars", metavar="A,B", help="names of the two variables (default x,y)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")
    p.add_argument("--simplify-timeout", type=float, default=2.0, metavar="SECONDS",
                   help="time allowed for simplifying the formulas (0: print them unsimplified)")
    p.add_argument("--jvp", metavar="V1,V2", help="also print the Jacobian-vector product J(p)·v")
    p.add_argument("--vjp", metavar="G1,G2", help="also print the vector-Jacobian product J(p)ᵀ·g")
    return p


# ---------------------------------------------------------------------------------------
# the window


def _window_parser() -> _Parser:
    p = _Parser(
        prog="jacviz",
        description="See what a Jacobian does. Without a subcommand, opens the window.",
        epilog="subcommands: jacviz eval MAPPING --at X,Y   (see jacviz eval --help)",
    )
    p.add_argument("mapping", nargs="?", help="a mapping, or a .jacviz session file")
    p.add_argument("--vars", metavar="A,B", help="names of the two variables (default x,y)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")
    return p


def window_command(args: argparse.Namespace) -> int:
    params = parse_params(args.param)
    variables = parse_vars(args.vars)
    session = None
    target = args.mapping
    if target is not None and target.endswith(".jacviz"):
        from pathlib import Path

        from jacviz.core.persistence.session import load

        # checked before any window opens, so a bad file is one line and exit status 2
        session = load(Path(target))
        target = None
    elif target is not None:
        from jacviz.core.language import parse

        parse(target, variables)  # a bad mapping is reported here, before Qt starts
    from jacviz.ui.app import run_window

    return run_window(target, variables=variables, params=params, session=session)


# ---------------------------------------------------------------------------------------


_VALUE_OPTIONS = {"--at", "--vars", "--param", "--simplify-timeout", "--size", "--range",
                  "--view", "-o", "--output", "--rect", "--jvp", "--vjp", "--morph", "--mode", "--h",
                  "--frames", "--loss"}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``jacviz`` and ``python -m jacviz``. Returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv and argv[0] in SUBCOMMANDS else None
    rest = argv[1:] if command else argv
    try:
        if command == "eval":
            args = _eval_parser().parse_args(_normalise(rest, _VALUE_OPTIONS))
            return eval_command(args)
        if command == "export":
            from jacviz import export_command

            return export_command.run(_normalise(rest, _VALUE_OPTIONS))
        if command == "region":
            from jacviz import region_command

            return region_command.run(_normalise(rest, _VALUE_OPTIONS))
        args = _window_parser().parse_args(_normalise(rest, _VALUE_OPTIONS))
        return window_command(args)
    except (UsageError, MappingError) as err:
        message = " ".join(str(err).split())  # exactly one line
        sys.stderr.write(f"jacviz: error: {message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a bug still gets one line, not a traceback
        message = " ".join(f"{type(err).__name__}: {err}".split())
        sys.stderr.write(f"jacviz: internal error: {message} (please report this)\n")
        return 1


def gui_main() -> None:
    """The GUI entry point installed as ``jacviz``."""
    raise SystemExit(main())
