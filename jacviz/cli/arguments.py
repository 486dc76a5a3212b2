"""What every command shares: the argument parser, value checks and the one-line messages.

A value on the command line is checked here once, with the message a user needs: two
numbers for a point, four for a rectangle (through the core's one rectangle check),
``NAME=VALUE`` for a parameter, two names for the variables. Everything raises
:class:`~jacviz.core.errors.UsageError`, which :func:`jacviz.cli.main` prints as one line
with exit status 2.
"""

from __future__ import annotations

import argparse
import math
import unicodedata
from collections.abc import Sequence

from jacviz.core.errors import UsageError

MAX_SHOWN = 60  # characters of a user's value quoted back in a message


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but errors become a UsageError (one line, exit status 2) instead of exiting.

    Options are never abbreviated: with argparse's prefix matching, ``jacviz eval --h 1e300``
    (an option of export, not of eval) was read as ``--help`` and printed help with status 0.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(message)


def printable(text: str, limit: int = MAX_SHOWN) -> str:
    """``text`` safe to print on one line: control characters and escapes shown as \\xNN.

    Fix (tests/test_cli.py): a value such as $'\\e[2Jx' was echoed raw to stderr, where the
    terminal obeyed it (clearing the screen, colouring what followed).
    """
    out = []
    for ch in str(text):
        if ch == "\t" or not (unicodedata.category(ch).startswith("C") or ch in "\u2028\u2029"):
            out.append(ch if ch != "\t" else " ")
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
    shown = "".join(out)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def number(text: str, option: str, example: str) -> float:
    """One finite number written with ASCII digits."""
    raw = text.strip()
    if not raw.isascii():
        raise UsageError(f"{option}: '{printable(raw)}' is not a number; write digits 0-9 "
                         f"(example: {example})")
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{option}: '{printable(raw)}' is not a number (example: {example})") from None
    if not math.isfinite(value):
        raise UsageError(f"{option}: '{printable(raw)}' is not a finite number")
    return value


def numbers(text: str, option: str, count: int, example: str) -> tuple[float, ...]:
    """``count`` finite numbers separated by commas."""
    parts = text.split(",")
    if len(parts) != count:
        what = {1: "one number", 2: "two numbers separated by a comma"}.get(
            count, f"{count} numbers separated by commas")
        raise UsageError(f"{option} needs {what}, such as {example}")
    return tuple(number(p, option, example) for p in parts)


def vector(text: str, option: str, count: int, example: str, why: str = "") -> tuple[float, ...]:
    """``count`` finite numbers separated by commas; ``why`` says where the count comes from.

    For two numbers the message is exactly :func:`point`'s, so planar commands read as before.
    """
    if count == 2 or len(text.split(",")) == count:
        return numbers(text, option, count, example)
    what = {1: "one number"}.get(count, f"{count} numbers separated by commas")
    reason = f" ({why})" if why else ""
    raise UsageError(f"{option} needs {what}{reason}, such as {example}")


def point(text: str, option: str, example: str = "1.5,-2") -> tuple[float, float]:
    """Two finite numbers separated by a comma."""
    return numbers(text, option, 2, example)  # type: ignore[return-value]


def rect(text: str, option: str, example: str = "-1,1,0,2") -> tuple[float, float, float, float]:
    """X0,X1,Y0,Y1, checked by the core's rectangle check (sizes that can be sampled)."""
    from jacviz.core.sampling.geometry import check_rect

    return check_rect(numbers(text, option, 4, example), option)


def box(text: str, option: str, example: str = "0,1,0,1,0,1") -> tuple[float, ...]:
    """X0,X1,Y0,Y1,Z0,Z1, checked by the core's box check (a volume that can be sampled)."""
    from jacviz.core.lab.shapes import check_box

    return check_box(numbers(text, option, 6, example), option)


def params(items: Sequence[str] | None) -> dict[str, float]:
    """``NAME=VALUE`` items into a dict; the names are checked against the mapping later."""
    out: dict[str, float] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param needs NAME=VALUE, such as a=2.5 (got '{printable(item)}')")
        out[name.strip()] = number(value, f"--param {printable(name.strip())}", "a=2.5")
    return out


def variables(text: str | None) -> tuple[str, ...] | None:
    """``A,B`` (or one name for a curve, three for a map of space) into checked names, or None."""
    if text is None:
        return None
    from jacviz.core.language import check_variable_names

    return check_variable_names(text.split(","), counts=(1, 2, 3))


def positive(value: float, option: str, *, upper: float, unit: str = "") -> float:
    """A number in (0, upper], for sizes and time limits, with the allowed range in the message."""
    if not (math.isfinite(value) and 0 < value <= upper):
        raise UsageError(f"{option} must be a number above 0 and at most {upper:g}{unit}")
    return float(value)


def value_options(parser: argparse.ArgumentParser) -> set[str]:
    """The option strings of ``parser`` that take a value (for :func:`normalise`)."""
    return {s for action in parser._actions if action.option_strings and action.nargs != 0
            for s in action.option_strings}


def normalise(argv: list[str], takes_value: set[str]) -> list[str]:
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
            positionals.extend(argv[i + 1:])
            break
        name = tok.split("=", 1)[0]
        if name in takes_value:
            if "=" in tok:
                options.append(tok)
            elif i + 1 < len(argv):
                options.append(f"{tok}={argv[i + 1]}")
                i += 1
            else:
                options.append(tok)  # argparse reports the missing value
        elif tok.startswith("--") or tok in ("-h", "-o", "-V"):
            options.append(tok)
        else:
            positionals.append(tok)
        i += 1
    return [*options, "--", *positionals] if positionals else options
