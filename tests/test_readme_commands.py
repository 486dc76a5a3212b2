"""Every command the README shows is run here, as a reader would type it, and must work.

Commands with placeholders (MAPPING, FILE, X0,X1,...) are templates, not commands; the set-up
commands are checked in tests/test_project.py and by CI itself.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z0-9_]*[0-9A-Z]\b")  # MAPPING, FILE, X0, WxH-style words


def _commands() -> list[str]:
    found = []
    for block in re.findall(r"```bash\n(.*?)\n```", README, re.S):
        for line in block.splitlines():
            line = line.lstrip("$ ").strip()
            if line.startswith("jacviz "):
                found.append(line)
    for span in re.findall(r"`(jacviz [^`]+)`", README):
        found.append(span.strip())
    out = []
    for command in found:
        words = shlex.split(command)
        if len(words) < 3 or words[1] not in ("eval", "export", "region"):
            continue  # the window, or a command's name mentioned in passing
        unquoted = re.sub(r"\"[^\"]*\"|'[^']*'", "", command)
        if PLACEHOLDER.search(unquoted) or "..." in command:
            continue
        if command not in out:
            out.append(command)
    return out


COMMANDS = _commands()


def test_the_readme_shows_commands_of_every_kind():
    kinds = {shlex.split(c)[1] for c in COMMANDS}
    assert {"eval", "export"} <= kinds, COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_a_readme_command_works(command, tmp_path):
    # shipped files are found where they are shipped
    words = [str(ROOT / w) if w.startswith("resources/") else w for w in shlex.split(command)]
    for i, word in enumerate(words):  # files the command writes go to a folder of the test's own
        if words[i - 1] in ("-o", "--output", "--morph") and "/" in word:
            (tmp_path / word).parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "jacviz", *words[1:]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    if words[1] == "eval":
        assert isinstance(json.loads(done.stdout), dict)
    for i, word in enumerate(words):
        if words[i - 1] in ("-o", "--output", "--morph"):
            written = tmp_path / word
            assert written.is_file() and written.stat().st_size > 0


def test_the_readme_eval_example_prints_what_it_shows(tmp_path):
    """The polar example: det J = r, and the singular values are r and 1."""
    block = re.search(r"```bash\n\$ (jacviz eval [^\n]+)\n(.*?)```", README, re.S)
    command, shown = block.group(1), block.group(2)
    done = subprocess.run([sys.executable, "-m", "jacviz", *shlex.split(command)[1:]], capture_output=True,
                          text=True, timeout=120)
    out = json.loads(done.stdout)
    assert '"det": 2.0' in shown and out["det"] == pytest.approx(2.0)
    assert out["singular_values"] == pytest.approx([2.0, 1.0])
    assert out["det_symbolic"] == "r" and '"det_symbolic": "r"' in shown


def test_the_readme_region_example_gives_the_area_of_the_unit_disc():
    command = next(c for c in COMMANDS if c.startswith("jacviz region") and "--rect 0,1,0,6.28" in c)
    assert "π" in README.split(command, 1)[1][:80]  # the README says what it gives
    done = subprocess.run([sys.executable, "-m", "jacviz", *shlex.split(command)[1:]], capture_output=True,
                          text=True, timeout=120)
    out = json.loads(done.stdout)
    assert out["integral_abs_det"] == pytest.approx(3.14159265, rel=1e-7)


def test_the_readme_ball_gives_four_thirds_pi():
    command = next(c for c in COMMANDS if c.startswith("jacviz region") and "--box" in c)
    assert "4π/3" in README.split(command, 1)[1][:40]
    done = subprocess.run([sys.executable, "-m", "jacviz", *shlex.split(command)[1:]], capture_output=True,
                          text=True, timeout=120)
    out = json.loads(done.stdout)
    assert out["integral_abs_det"] == pytest.approx(4 * 3.14159265358979 / 3, rel=1e-6)
