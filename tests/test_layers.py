"""The layering of the package, read from the sources (every import, also those inside functions).

* core never imports Qt (PySide6, shiboken6, pyqtgraph);
* sympy is imported only by core/symbolic (and by the benchmark's matplotlib baseline);
* ui never imports cli or bench; core imports neither ui, cli nor bench;
* no module imports another that imports it back: the import graph has no cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "jacviz"
QT = ("PySide6", "shiboken6", "pyqtgraph")


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path) -> set[str]:
    """Every module name imported anywhere in the file (absolute, resolved for relative imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                head = ".".join(base + ([node.module] if node.module else []))
            else:
                head = node.module or ""
            found.add(head)
            found.update(f"{head}.{alias.name}" for alias in node.names)
    return found


MODULES = _modules()
IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _offenders(prefix: str, forbidden) -> list[str]:
    return sorted(f"{m} imports {i}" for m, found in IMPORTS.items() if m.startswith(prefix)
                  for i in found if any(i == f or i.startswith(f + ".") for f in forbidden))


def test_core_never_imports_qt():
    assert not _offenders("jacviz.core", QT)


def test_core_imports_no_ui_cli_or_bench():
    assert not _offenders("jacviz.core", ("jacviz.ui", "jacviz.cli", "jacviz.bench"))


def test_ui_imports_neither_cli_nor_bench():
    assert not _offenders("jacviz.ui", ("jacviz.cli", "jacviz.bench"))


def test_sympy_stays_in_the_symbolic_package():
    offenders = [line for line in _offenders("jacviz", ("sympy", "mpmath"))
                 if not line.startswith(("jacviz.core.symbolic", "jacviz.bench"))]
    assert not offenders


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for m, found in IMPORTS.items():
        for target in found:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            # importing a submodule imports its package first: edges into one's own parents don't count
            if target and target != m and not m.startswith(target + "."):
                graph[m].add(target)
    return graph


def test_there_is_no_import_cycle():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, cycles


def test_the_walk_sees_imports_inside_functions():
    """The check must be able to fail: a function-level import is an edge like any other."""
    assert "jacviz.core.pipeline.build" in IMPORTS["jacviz.core.pipeline.prepare"]
    assert "jacviz.ui.tools" in IMPORTS["jacviz.ui.main_window"]
