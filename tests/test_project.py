"""Promises the project makes about itself: the README's commands, CI, lint, no eval."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_block_after(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1]
    return re.search(r"```bash\n(.*?)\n```", section, re.S).group(1).strip()


def test_ci_runs_the_readme_test_command():
    command = _readme_block_after("Run the tests")
    assert command.startswith("python3 -m venv .venv")
    assert "pytest" in command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci.splitlines()


def test_readme_install_command_runs_the_app():
    command = _readme_block_after("Install and run")
    assert command.startswith("python3 -m venv .venv") and command.endswith("jacviz")


def test_ruff_is_clean():
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "jacviz", "tests"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_no_code_execution_on_user_text():
    """No eval/exec/sympify/parse_expr/lambdify/compile call anywhere in the package."""
    pattern = re.compile(r"(?<![\w.])(eval|exec|sympify|parse_expr|lambdify|compile)\(|S\(|sympify")
    offenders = []
    for path in (ROOT / "jacviz").rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if code.lstrip().startswith("def "):  # defining sympy's eval hook is not calling eval
                continue
            if pattern.search(code):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
