"""The command line: every command on extreme and hostile values exits 0 or 2 with one line and no noise.

Run in this process with warnings turned into errors, so a numpy RuntimeWarning or any other
warning that would leak to stderr fails the test.
"""

import json
import subprocess
import sys
import warnings

import pytest

from jacviz import __version__
from jacviz.cli import SUBCOMMANDS, main

EXTREMES = [
    ["export", "a x, y", "--param", "a=1e308", "-o", "{tmp}/e1.png"],
    ["export", "1e300 x^27, y", "-o", "{tmp}/e2.png"],
    ["export", "x, y", "--range", "-1e99,1e99,-1e99,1e99", "-o", "{tmp}/e3.png"],
    ["export", "x, y", "--range", "-1e308,1e308,-1e308,1e308", "-o", "{tmp}/e3b.png"],
    ["export", "x, y", "--range", "0,1e-140,0,1e-140", "-o", "{tmp}/e4.png"],
    ["export", "x y, y/x", "-o", "{tmp}/e6.pdf"],
    ["export", "exp(50x), y", "--range", "0,2,0,1", "-o", "{tmp}/e7.svg", "--mode", "log"],
    ["export", "x, y", "-o", "{tmp}/e8.png", "--h", "1e300"],
    ["export", "z^2", "--morph", "{tmp}/m.gif", "--frames", "4", "--size", "16384x16384"],
    ["export", "z^2", "-o", "{tmp}/big.jpg", "--size", "16384x16384"],
    ["region", "1/z", "--rect", "-0.7,1.3,-0.4,0.6"],
    ["region", "x, y", "--rect", "0,1e-320,0,1e-320"],
    ["region", "a x, y", "--param", "a=1e308", "--rect", "0,1,0,1"],
    ["eval", "x, y", "--at", "1e308,1e308"],
    ["eval", "a x, y", "--param", "a=1e308", "--at", "1e308,1"],
    ["eval", "x, y", "--at", "1,1", "--simplify-timeout", "inf"],
    ["eval", "x, y", "--at", "1,1", "--simplify-timeout", "1e300"],
    ["eval", "sign(x + acos(2)), y", "--at", "1,1"],
    ["eval", "x + .², y", "--at", "1,1"],
    ["eval", "1٠ x, y", "--at", "1,1"],
    ["eval", "x, y", "--at", "١,2"],
    ["eval", "x, y", "--param", "\x1b[31mEVIL\x1b[0m=1", "--at", "1,1"],
    ["eval", "x, y", "--at", "\x1b[2Jx,1"],
]


@pytest.mark.parametrize("args", EXTREMES, ids=lambda a: " ".join(a)[:60])
def test_extreme_values_end_in_a_result_or_one_clean_line(args, tmp_path, capsys, app):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rc = main(args)
    captured = capsys.readouterr()
    assert rc in (0, 2), captured.err
    if rc == 0:
        assert captured.err == ""
        assert len(captured.out.splitlines()) == 1  # the path written, or one JSON object
    else:
        lines = captured.err.splitlines()
        assert captured.out == "" and len(lines) == 1 and lines[0].startswith("jacviz: error: "), captured.err
        assert "\x1b" not in captured.err  # control characters are shown, never sent to the terminal


def test_version_and_help_name_every_command(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"jacviz {__version__}"
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert f"jacviz {name} " in out
    assert len([line for line in out.splitlines() if line.startswith("  jacviz ")]) == len(SUBCOMMANDS)


def test_hints_for_common_mistakes(capsys):
    assert main(["eval", "x + 1j, y", "--at", "1,1"]) == 2
    assert "write i for the imaginary unit" in capsys.readouterr().err
    assert main(["eval", "E x, y", "--at", "1,1", "--simplify-timeout", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["notes"] == ["e is Euler's number; E is a parameter here (1 unless you change it)"]


def test_values_that_overflow_say_so(capsys):
    assert main(["eval", "sin(7**exp(exp(exp(10*E)))+1), y", "--at", "1,1", "--simplify-timeout", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["value"][0] is None and "u overflows at this point" in data["notes"]


def test_eval_as_a_process_prints_one_line_and_nothing_else():
    out = subprocess.run([sys.executable, "-W", "error", "-m", "jacviz", "eval", "1/x, y", "--at", "0,1",
                          "--simplify-timeout", "0"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and out.stderr == "" and len(out.stdout.splitlines()) == 1


@pytest.mark.parametrize("args", [["eval", "x, y", "--at", "1,1", "--h", "1e300"],
                                  ["eval", "x, y", "--at", "1,1", "--hel"],
                                  ["export", "z^2", "-o", "a.png", "--si", "10x10"]])
def test_options_are_never_abbreviated(args, capsys):
    # a prefix of --help printed the help with status 0; a prefix of --size silently meant it
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("jacviz: error: unrecognized arguments: ") and len(err.splitlines()) == 1
