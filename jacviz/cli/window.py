"""``jacviz [MAPPING | FILE.jacviz | MODEL.onnx]``: open the window (the command without a subcommand)."""

from __future__ import annotations

import argparse

from jacviz.cli import arguments


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("mapping", nargs="?", help="a mapping, a .jacviz session file or an .onnx model")
    p.add_argument("--vars", metavar="A,B", help="names of the two variables (default x,y)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="set a parameter")


def run(args: argparse.Namespace) -> int:
    params = arguments.params(args.param)
    variables = arguments.variables(args.vars)
    session = None
    model = None
    target = args.mapping
    from jacviz.core.pipeline.network import is_model_path

    if target is not None and is_model_path(target):
        from jacviz.core.pipeline.network import prepare_network

        # read and checked before any window opens: a bad file is one line and exit status 2
        # (a pickled .pt/.pth file is refused with the command that exports it to ONNX)
        prepare_network(target)
        model, target = target, None
    elif target is not None and target.endswith(".jacviz"):
        from pathlib import Path

        from jacviz.core.persistence.session import load

        # checked before any window opens, so a bad file is one line and exit status 2
        session = load(Path(target))
        target = None
    elif target is not None:
        from jacviz.core.language import parameter_values, parse

        parsed = parse(target, variables)  # a bad mapping is reported here, before Qt starts
        parameter_values(parsed.parameters, params)
    from jacviz.ui.app import run_window

    return run_window(target, variables=variables, params=params, session=session, model=model)
