"""Hostile input: code injection, resource bombs, garbage bytes, and plain mistakes.

Every input goes through the library in-process (parse, Mapping.from_text,
compile_mapping, rendered), where the only exception allowed is MappingError, with the
right message and column. The COMMAND_LINE inputs, one of every kind the issue lists,
also go through ``python -m jacviz eval INPUT --at 1,1`` in a fresh process (cwd = a
temporary directory) and must be refused the one way jacviz refuses things: exit status 2,
exactly one line ``jacviz: error: ...`` on stderr, no traceback, nothing on stdout, within
the subprocess timeout; and no input may create the canary file.

The processes run a few at a time in one module-scoped fixture, so the whole file costs
about as much as the slowest few of them. A few inputs are big but legitimate
(``may_work``): they must either work or be refused, in time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pytest

from jacviz.core.errors import MappingError
from jacviz.core.language import parse
from jacviz.core.symbolic.mapping import Mapping
from jacviz.core.symbolic.translate import compile_mapping

TIMEOUT = 10.0  # seconds per process; a hang shows up as a failure, never as a slow pass


@dataclass(frozen=True)
class Hostile:
    """An input, and optionally what the error must say and the column it must give."""

    name: str
    text: str
    fragment: str | None = None
    column: int | None = None
    may_work: bool = False  # huge but legitimate: either a result or a MappingError


def _nest(fn: str, depth: int, inner: str = "x") -> str:
    return f"{fn}(" * depth + inner + ")" * depth


HOSTILE = [
    # -- code injection: nothing here may ever be evaluated
    Hostile("dunder import", "__import__('os').system('touch CANARY')", "a name cannot start with '_'", 1),
    Hostile("subclasses walk", "().__class__.__bases__[0].__subclasses__()", "'.' at column 3", 3),
    Hostile("function globals", "sin.eval.__globals__", "no attributes", 4),
    Hostile("exec with a string", "exec(\"open('CANARY','w')\")", "quotes are not allowed", 6),
    Hostile("eval call", "eval(x), y", "unknown function 'eval' at column 1", 1),
    Hostile("eval of a string", "eval('open(\"CANARY\", \"w\")'), y", "quotes are not allowed", 6),
    Hostile("open call", "open(CANARY), y", "unknown function 'open' at column 1", 1),
    Hostile("lambda", "lambda: 0", "'lambda' at column 1 is not allowed", 1),
    Hostile("called lambda", "(lambda: 0)(), y", "'lambda' at column 2 is not allowed", 2),
    Hostile("list comprehension", "[x for x in (1, 2)], y", "'for' at column 4 is not allowed", 4),
    Hostile("string literal", "'x', y", "quotes are not allowed", 1),
    Hostile("double-quoted string", '"x", "y"', "quotes are not allowed", 1),
    Hostile("walrus", "(a:=1), y", "':=' at column 3", 3),
    Hostile("attribute access", "x.real, y", "'.' at column 2", 2),
    Hostile("f-string", "f'{x}', y", "quotes are not allowed", 2),
    Hostile("import", "import os", "'import' at column 1 is not allowed", 1),
    Hostile("import after a stage", "x, y; import os", "'import' at column 7", 7),
    Hostile("backticks", "`touch CANARY`, y", "quotes are not allowed", 1),
    Hostile("shell substitution", "$(touch CANARY), y", "'$' at column 1", 1),
    Hostile("semicolon abuse", "x, y;;;;", "a stage is empty at column 6", 6),
    Hostile("shell after semicolon", "x; rm -rf /", "the mapping ends too early", 12),
    Hostile("conditional expression", "x if y else 1, y", "'if' at column 3", 3),
    Hostile("dict literal", "{x: y}", "braces are not allowed", 1),
    Hostile("subscript", "(x, y)[0]", "unexpected '['", 7),
    Hostile("builtins name", "__builtins__, y", "a name cannot start with '_'", 1),
    Hostile("keyword as a name", "yield x, y", "'yield' at column 1"),
    Hostile("soft keyword as a parameter", "match, y", "reserved word", 1),
    Hostile("matrix multiply", "x @ y, y", "'@' at column 3", 3),
    Hostile("floor division", "x // y, y", "'//' at column 3", 3),
    Hostile("comparison", "x < y, y", "a mapping has no comparisons", 3),
    Hostile("line continuation", "x, y\\\n", "LaTeX commands are not supported", 5),
    # -- resource bombs
    Hostile("power tower 9**9**9", "9**9**9, y", "the power at column 2 is too large to compute", 2),
    Hostile("nested huge powers", "((9**9)**9999)**9999, y", "too large to compute", 8),
    Hostile("tower of twos", "2^2^2^2^2^2, y", "the power at column 4 is too large to compute", 4),
    Hostile("tower in complex form", "2^2^2^2^2^2 z", "too large to compute"),
    Hostile("10^10^10", "10^10^10, y", "too large to compute"),
    Hostile("huge float powers", "(1e300)^(1e300), y", "too large to compute"),
    Hostile("root to a huge power", "sqrt(2)^(10^9), y", "too large to compute", 8),
    Hostile("cube root to a huge power", "cbrt(2)^(10^30), y", "too large to compute"),
    Hostile("product to a huge power", "(2x)^(10^30), y", "the power at column 5 is too large", 5),
    Hostile("abs of a product to a huge power", "abs(2x)^(10^30), y", "too large to compute"),
    Hostile("exp of a huge multiple of a log", "exp(10^30 log(2)), y", "too large to compute", 1),
    Hostile("e to a huge multiple of a log", "e^(10^30 (log(2) + log(3))) + x, y", "too large to compute"),
    Hostile("sigmoid of a huge log", "sigmoid(-10^30 log(2)), y", "too large to compute"),
    Hostile("complex base to a huge power", "(1+i)^(10^30)", "too large to compute"),
    Hostile("complex base to a large power", "(2+i)^(10^5)", "too large to compute"),
    Hostile("complex exponent", "2^(10^30 + i)", "too large to compute"),
    Hostile("stacked complex powers", "((((2+3i)^12)^12)^12)^12", "too large to compute"),
    Hostile("huge power inside a chain", "2x, y; x^(10^30), y", "the power in the chain is too large"),
    Hostile("exp of a log inside a chain", "log(2) + 0x, y; exp(10^30 x), y", "in the chain is too large"),
    Hostile("product of huge numbers", "10^1000*10^1000*10^1000*10^1000*10^1000, y",
            "has too many digits to compute with exactly"),
    Hostile("10000-digit literal", "1" * 10_000 + ", y", "too long"),
    Hostile("40-digit literal", "1" * 40 + ", y", "too many digits (40; the limit is 30)", 1),
    Hostile("1e999", "1e999, y", "out of range", 1),
    Hostile("1e999 after an operator", "x*1e999, y", "the number at column 3 is out of range", 3),
    Hostile("1e-999", "1e-999 x, y", "out of range", 1),
    Hostile("300-deep parentheses", "(" * 300 + "x" + ")" * 300 + ", y", "nested too deeply"),
    Hostile("300 unclosed parentheses", "(" * 300 + "x, y", "nested too deeply"),
    Hostile("100,000-character input", "x" * 100_000, "too long (100000 characters; the limit is 2000)"),
    Hostile("2001 characters", "x+" * 1000 + "y", "too long (2001 characters"),
    Hostile("70-deep exp", _nest("exp", 70) + ", y", "nested too deeply"),
    Hostile("100-deep sin", _nest("sin", 100) + ", y", "nested too deeply"),
    Hostile("too many terms", "+".join(["x"] * 1200)[:1990] + ", y", "too large (more than 1000 terms)"),
    Hostile("14 complex factors", "".join(f"(z+{k})" for k in range(1, 15)),
            "too large once written out"),
    Hostile("nested complex divisions", "1/(1+i+" * 6 + "z" + ")" * 6, "too large once written out"),
    # -- bytes that have no place in a formula
    Hostile("NUL byte", "x,\x00 y", "control character U+0000 at column 3", 3),
    Hostile("NUL at the start", "\x00", "control character U+0000 at column 1", 1),
    Hostile("bell", "x\x07, y", "control character U+0007 at column 2", 2),
    Hostile("ANSI escape", "x\x1b[31m, y", "control character U+001B at column 2", 2),
    Hostile("DEL", "x\x7f, y", "control character U+007F", 2),
    Hostile("vertical tab", "x\x0b, y", "control character U+000B", 2),
    Hostile("right-to-left override", "x, y\u202e", "control character U+202E at column 5", 5),
    Hostile("zero-width space", "x\u200b, y", "control character U+200B", 2),
    Hostile("byte order mark", "\ufeffx, y", "control character U+FEFF", 1),
    Hostile("fullwidth letter", "\uff58, y", "at column 1 is not allowed in a mapping", 1),
    Hostile("combining accent", "x\u0301, y", "at column 2 is not allowed", 2),
    Hostile("Arabic-Indic digit", "x, \u0663", "the digit '\u0663' at column 4 is not allowed; use 0-9", 4),
    # -- plain mistakes, with the messages the issue asks for
    Hostile("empty", "", "the mapping is empty"),
    Hostile("whitespace only", "  \t  ", "the mapping is empty"),
    # three components are a surface now (x, y, x + y) or a map of space; four are no shape
    Hostile("four components", "x, y, x+y, y", "4 components of 2 variables is not a shape jacviz draws", 1),
    Hostile("four components in parentheses", "(x, y, x+y, 1)",
            "4 components of 2 variables is not a shape jacviz draws", 1),
    Hostile("unknown function", "sine(x), y", "unknown function 'sine' at column 1; did you mean sin?", 1),
    Hostile("unknown function later", "x, 1 + cosine(y)",
            "unknown function 'cosine' at column 8; did you mean cos?", 8),
    Hostile("equation", "x == y", "'=='", 3),
    Hostile("function without parentheses", "sin x, y", "write sin(x), not sin x", 1),
    Hostile("missing second component", "x,", "the second one is missing at column 3", 3),
    Hostile("division by zero", "1/0, y", "division by zero at column 2", 2),
    Hostile("log of zero", "log(0), y", "undefined everywhere"),
    Hostile("function of an undefined value", "atan2(1, atan2(0, 0)), y",
            "the argument of atan2 at column 1 is undefined", 1),
    Hostile("undefined value in complex form", "atan2(re(0), atan2(0, 0))", "is undefined", 1),
    Hostile("five stages", "z; z; z; z; z", "a chain has at most 4 stages", 11),
    Hostile("thirteen parameters", " + ".join(f"p{i}" for i in range(13)) + ", y", "too many parameters"),
    # -- big but legitimate: must either work or be refused, within the timeout
    Hostile("product of 300 factors", "".join(f"(x+{k})" for k in range(1, 301)) + ", y", may_work=True),
    Hostile("product of 300 factors with *", "*".join(f"(x+{k})" for k in range(1, 301)) + ", y",
            may_work=True),
    Hostile("product of 140 factors", "".join(f"(x+{k})" for k in range(1, 141)) + ", y", may_work=True),
    Hostile("product of 30 factors", "".join(f"(x+{k})" for k in range(1, 31)) + ", y", may_work=True),
    Hostile("60-deep sin", _nest("sin", 60) + ", y", may_work=True),
    Hostile("30-deep exp", _nest("exp", 30) + ", y", may_work=True),
    Hostile("deep complex functions", _nest("sin", 8, "z"), may_work=True),
    Hostile("long sum", " + ".join(f"sin({k}x + y)" for k in range(1, 60)) + ", y", may_work=True),
    Hostile("x to a huge power", "x^(10^30), y", may_work=True),
    Hostile("z to a huge power", "z^(10^30)", may_work=True),
    Hostile("a chain of squares", "x^2 + y, x; x^2 + y, x; x^2 + y, x; x^2 + y, x", may_work=True),
    Hostile("tiny literal", "0." + "0" * 1900 + "1 x, y", may_work=True),
    Hostile("sine of a huge constant", "sin(exp(10^30)) + x, y",
            "the argument of the function at column 1 is too large to evaluate", 1),
    Hostile("exp of a huge exp", "exp(exp(10^30)), y", "too large to evaluate", 1),
    Hostile("log of a sine of a huge constant", "log(sin(exp(10^30))), y", "too large to evaluate", 5),
    Hostile("power with a huge transcendental exponent", "2^exp(10^30), y", "too large to evaluate", 2),
    Hostile("complex power with a huge exponent", "(exp(1 + i))^(exp(10^30))", "too large to evaluate"),
    Hostile("huge constant fed to a sine by a chain", "exp(10^30), y; sin(x), y",
            "the argument of the function in the chain is too large"),
    Hostile("sine of a big exp", "sin(exp(100)) + x, y", may_work=True),
]

IDS = [h.name for h in HOSTILE]
assert len(set(IDS)) == len(IDS)

# These also go through the command line, one process each (about 0.4 s of CPU apiece, as
# every process imports sympy): every kind of attack the issue lists, and each bomb that
# used to hang. All of HOSTILE goes through the library in-process.
COMMAND_LINE = [
    "dunder import", "subclasses walk", "function globals", "exec with a string", "eval of a string",
    "lambda", "list comprehension", "string literal", "walrus", "attribute access", "f-string", "import",
    "backticks", "semicolon abuse", "power tower 9**9**9", "nested huge powers", "tower of twos",
    "10000-digit literal", "1e999", "300-deep parentheses", "100,000-character input", "NUL byte",
    "ANSI escape", "empty", "four components", "unknown function", "equation",
    "function without parentheses", "70-deep exp", "product of 300 factors", "product of 140 factors",
    "huge power inside a chain", "14 complex factors", "sine of a huge constant",
]
assert len(COMMAND_LINE) >= 30 and set(COMMAND_LINE) <= set(IDS)
CLI_CASES = [h for h in HOSTILE if h.name in COMMAND_LINE]

# argv cannot carry a NUL byte, so those inputs reach main() through a JSON driver instead
_DRIVER = "import json, sys\nfrom jacviz.cli import main\nsys.exit(main(json.loads(sys.stdin.read())))\n"


@dataclass(frozen=True)
class Outcome:
    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str


def _run(text: str, cwd: str) -> Outcome:
    argv = ["eval", text, "--at", "1,1"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    if "\x00" in text:
        cmd, stdin = [sys.executable, "-c", _DRIVER], json.dumps(argv)
    else:
        cmd, stdin = [sys.executable, "-m", "jacviz", *argv], None
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd,
                              env=env)
    except subprocess.TimeoutExpired as err:
        return Outcome(None, str(err.stdout or ""), str(err.stderr or ""))
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """A directory to run in, holding nothing; any file that appears in it is a breach."""
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def outcomes(sandbox) -> dict[str, Outcome]:
    """The COMMAND_LINE inputs run through ``python -m jacviz eval``, four processes at a time."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(lambda h: _run(h.text, str(sandbox)), CLI_CASES)
        return dict(zip([h.name for h in CLI_CASES], results, strict=True))


@pytest.mark.parametrize("case", CLI_CASES, ids=[h.name for h in CLI_CASES])
def test_command_line_refuses_in_one_line(case: Hostile, outcomes, sandbox):
    """jacviz eval: exit 2, one 'jacviz: error:' line, no traceback, no stdout; the canary never appears."""
    out = outcomes[case.name]
    assert out.returncode is not None, f"still running after {TIMEOUT} s"
    assert "Traceback" not in out.stderr and "Traceback" not in out.stdout
    assert not (sandbox / "CANARY").exists()
    assert list(sandbox.iterdir()) == []
    if case.may_work and out.returncode == 0:
        result = json.loads(out.stdout)
        assert out.stderr == ""
        assert set(result) >= {"u", "v", "jacobian", "det", "det_symbolic"}
        return
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and out.stderr.endswith("\n"), out.stderr
    assert lines[0].startswith("jacviz: error: ")
    if case.fragment is not None:
        assert case.fragment in lines[0]
    if case.column is not None and "column" in lines[0]:
        assert f"column {case.column}" in lines[0]


@pytest.mark.parametrize("case", HOSTILE, ids=IDS)
def test_library_raises_only_mapping_error(case: Hostile, outcomes):
    """parse, from_text, compile_mapping and rendered raise MappingError (right column) and nothing else."""
    if case.name in outcomes and outcomes[case.name].returncode is None:
        pytest.fail("the command line hung on this input; not repeating that in-process")
    try:
        parse(case.text)
        mapping = Mapping.from_text(case.text)
        compiled = compile_mapping(mapping)
        mapping.rendered()
    except MappingError as err:
        if case.may_work:
            assert any(word in err.message for word in ("too large", "too long", "too deeply", "too many"))
        if case.fragment is not None:
            assert case.fragment in err.message
        if case.column is not None:
            assert err.column == case.column
        assert "\n" not in err.message
        return
    assert case.may_work, "accepted a hostile input"
    with np.errstate(all="raise"):
        compiled.jacobian(np.array([1.0, 0.5]), np.array([1.0, -0.5]))


def test_canary_check_has_teeth(tmp_path):
    """The canary check would see a breach: a process that does run open('CANARY', 'w') in the
    same kind of directory leaves the file exactly where the check above looks for it."""
    subprocess.run([sys.executable, "-c", "open('CANARY', 'w').close()"], cwd=tmp_path, timeout=TIMEOUT,
                   check=True)
    assert (tmp_path / "CANARY").exists()
    assert list(tmp_path.iterdir()) != []


BAD_OPTIONS = [
    (["x, y", "--at", "1"], "--at needs two numbers"),
    (["x, y", "--at", "a,b"], "is not a number"),
    (["x, y", "--at", "nan,1"], "is not a finite number"),
    (["x, y", "--at", "1e999,1"], "is not a finite number"),
    (["x, y"], "--at"),
    (["a x, y", "--at", "1,1", "--param", "a"], "--param needs NAME=VALUE"),
    (["a x, y", "--at", "1,1", "--param", "=3"], "--param needs NAME=VALUE"),
    (["a x, y", "--at", "1,1", "--param", "a=inf"], "is not a finite number"),
    (["a x, y", "--at", "1,1", "--param", "b=2"], "unknown parameter 'b'"),
    # --vars takes one to three names (one makes "x, y" a curve in x)
    (["x, y", "--at", "1,1", "--vars", "x,y,z,w"], "needs one, two or three names"),
    (["x, y", "--at", "1,1", "--vars", "x"], "--at needs one number (this mapping has 1 variable x)"),
    (["x, y", "--at", "1,1", "--vars", "sin,y"], "is a function"),
    (["(r, t) -> r, t", "--at", "1,1", "--vars", "u,v"], "names its variables (r, t)"),
    (["x, y", "--at", "1,1", "--bogus"], "unrecognized arguments"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD_OPTIONS, ids=[" ".join(a) for a, _ in BAD_OPTIONS])
def test_bad_options_are_one_line_errors(argv, fragment, capsys):
    """Bad points, parameters and variables on the command line: status 2 and one error line."""
    from jacviz.cli import main

    rc = main(["eval", *argv])
    out, err = capsys.readouterr()
    assert rc == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("jacviz: error: ")
    assert fragment in err


def test_negative_point_and_leading_minus_mapping(capsys):
    """A mapping starting with '-' and a negative --at are read as such, not as options."""
    from jacviz.cli import main

    rc = main(["eval", "-x, y", "--at", "-1,-2", "--simplify-timeout", "0"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    result = json.loads(out)
    assert result["point"] == [-1.0, -2.0] and result["value"] == [1.0, -2.0]
