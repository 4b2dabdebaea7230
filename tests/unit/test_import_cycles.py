"""No import circle: a layer must not import the module that imports it (issue 19). Every import counts —
top-level, inside a function (a "lazy" import is still a dependency) or under `if TYPE_CHECKING:` — and the graph
is read from the source (AST), so the check needs no import to succeed. `import_cycles(package)` works on any
package of the app; this test covers `resync_app/state/` (to be extended to the whole package)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of `known` that one import statement of `module` names."""
    found: set[str] = set()
    if isinstance(node, ast.Import):
        found |= {alias.name for alias in node.names}
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:  # relative: from the module's package, one level up per extra dot
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[:len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        found.add(base)
        found |= {f"{base}.{alias.name}" for alias in node.names}  # `from pkg import module`
    return {name for name in found if name in known}


def import_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package (and below) it imports anywhere in its source."""
    folder = ROOT / package.replace(".", "/")
    files = {_module_name(path): path for path in sorted(folder.rglob("*.py"))}
    known = set(files)
    graph: dict[str, set[str]] = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            edges |= _imported(node, module, path.name == "__init__.py", known)
        edges.discard(module)
        graph[module] = edges
    return graph


def import_cycles(package: str) -> list[list[str]]:
    """Every import circle of the package, each as the list of modules around it (strongly connected
    components of more than one module, found with Tarjan's algorithm)."""
    graph = import_graph(package)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_graph_sees_every_kind_of_import():
    """The reader is not blind: it finds top-level, `from package import module` and function-level imports
    of resync_app.state (e.g. the chat state's lazy import of tws.service lies outside the package: ignored)."""
    graph = import_graph("resync_app.state")
    assert "resync_app.state.guard" in graph["resync_app.state.audit"]  # from resync_app.state.guard import …
    assert "resync_app.state.guard" in graph["resync_app.state.monitoring"]  # from resync_app.state import guard
    assert "resync_app.state.litellm_config" in graph["resync_app.state.litellm_models"]
    assert all(name.startswith("resync_app.state") for edges in graph.values() for name in edges)


def test_a_function_level_import_back_is_a_circle(tmp_path, monkeypatch):
    """A made-up package where b imports a inside a function: that is still a circle."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg import b\n")
    (package / "b.py").write_text("def f():\n    from pkg.a import thing\n")
    (package / "c.py").write_text("from . import a\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert import_cycles("pkg") == [["pkg.a", "pkg.b"]]


@pytest.mark.parametrize("package", ["resync_app.state"])
def test_no_import_circle(package):
    cycles = import_cycles(package)
    assert not cycles, "import circles (a layer must not import the module that imports it): " + "; ".join(
        " <-> ".join(cycle) for cycle in cycles)
