"""The command line: open the window, or answer without one.

::

    jacviz [MAPPING | FILE.jacviz] [--vars A,B] [--param NAME=VALUE ...]
    jacviz eval MAPPING --at X,Y [...]         F, J and det J at one point, as JSON
    jacviz export MAPPING -o FILE [...]        the figure as an image
    jacviz region MAPPING --rect X0,X1,Y0,Y1   the change of variables over a rectangle
    jacviz --version | --help

One module per command (:mod:`.evaluate`, :mod:`.export`, :mod:`.region`, :mod:`.window`),
each adding its argparse subparser; the option names that take a value are read off the
parsers (:func:`jacviz.cli.arguments.value_options`). There is one error path: any
:class:`~jacviz.core.errors.JacvizError` prints one line, ``jacviz: error: ...``, on stderr
and exits with status 2; no traceback ever reaches the user. Qt is imported only by the
commands that draw, so ``jacviz eval`` runs on a machine without a display.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from jacviz import __version__
from jacviz.cli import arguments, evaluate, export, region, window
from jacviz.core.errors import JacvizError

EXIT_USAGE = 2
COMMANDS = {module.NAME: module for module in (evaluate, export, region)}
SUBCOMMANDS = tuple(COMMANDS)


def _window_parser() -> arguments.ArgumentParser:
    lines = "\n".join(f"  jacviz {name:<8}{module.SUMMARY}" for name, module in COMMANDS.items())
    p = arguments.ArgumentParser(
        prog="jacviz",
        description="See what a Jacobian does. Without a subcommand, opens the window.",
        epilog=f"subcommands:\n{lines}\n\n'jacviz COMMAND --help' describes each one.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-V", "--version", action="version", version=f"jacviz {__version__}")
    window.configure(p)
    return p


def _command_parser() -> arguments.ArgumentParser:
    p = arguments.ArgumentParser(prog="jacviz")
    subparsers = p.add_subparsers(dest="command", parser_class=arguments.ArgumentParser)
    for module in COMMANDS.values():
        module.add_parser(subparsers)
    return p


def _parse(argv: list[str]) -> argparse.Namespace:
    if argv and argv[0] in COMMANDS:
        parser = _command_parser()
        sub = parser._subparsers._group_actions[0].choices[argv[0]]  # type: ignore[union-attr]
        return parser.parse_args([argv[0], *arguments.normalise(argv[1:], arguments.value_options(sub))])
    parser = _window_parser()
    return parser.parse_args(arguments.normalise(argv, arguments.value_options(parser)))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for ``jacviz`` and ``python -m jacviz``. Returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(argv)
        command = getattr(args, "command", None)
        # Values that overflow or are undefined on a user's mapping are expected: they become
        # NaN and are reported as undefined, so numpy's floating-point warnings would only be
        # noise on stderr (a command prints its result or one error line, nothing else).
        with np.errstate(all="ignore"):
            if command is not None:
                return COMMANDS[command].run(args)
            return window.run(args)
    except JacvizError as err:
        message = arguments.printable(" ".join(str(err).split()), limit=2000)  # exactly one line
        sys.stderr.write(f"jacviz: error: {message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except SystemExit as exit_:  # --help and --version print and stop; nothing else exits
        return exit_.code if isinstance(exit_.code, int) else 0
    except Exception as err:  # a bug still gets one line, not a traceback
        message = arguments.printable(" ".join(f"{type(err).__name__}: {err}".split()), limit=2000)
        sys.stderr.write(f"jacviz: internal error: {message} (please report this)\n")
        return 1


def gui_main() -> None:
    """The entry point installed as ``jacviz``."""
    raise SystemExit(main())


__all__ = ["SUBCOMMANDS", "gui_main", "main"]
