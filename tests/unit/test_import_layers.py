"""No import circles inside a package: a layer never imports the module that imports it (issue 19).

Every `import` and `from … import …` of the package's modules counts, those under `if TYPE_CHECKING:` too (a type
checker and a reader follow them all the same), and those inside a function: an import moved into a function
keeps the circle, it only hides it from the interpreter. The graph is built from the source, nothing is imported.
`test_no_import_circle_in_resync_app` covers every module of `resync_app/`, sub-packages included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("resync_app.tws_simulator",)
# Circles another branch breaks (issue 19: trust-sessions breaks state/admin_data ↔ state/guard). The lead empties
# this set when merging that branch: a listed circle that is gone fails the test too, so the set cannot go stale.
KNOWN_CIRCLES: set[frozenset[str]] = set()


def _module_imports(path: Path, package: str, names: set[str] | dict[str, Path]) -> set[str]:
    """The package's modules that the file at `path` imports (relative and absolute imports)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base
                                                                                                  else []))
            modules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in names]
            targets = modules or [base]  # `from pkg import module` imports the module; else names of `base`
        else:
            continue
        found.update(t for t in targets if t in names)
    return found


def _graph(package: str) -> dict[str, set[str]]:
    folder = ROOT.joinpath(*package.split("."))
    modules = {f"{package}.{p.stem}": p for p in folder.glob("*.py") if p.stem != "__init__"}
    names = set(modules)
    return {name: _module_imports(path, package, names) - {name} for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's members, found by a depth-first search from each module."""
    out: list[list[str]] = []
    seen: set[frozenset[str]] = set()

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                key = frozenset(path)
                if key not in seen:
                    seen.add(key)
                    out.append(path + [start])
            elif nxt not in path and nxt > start:  # each cycle once, from its smallest member
                walk(start, nxt, path + [nxt])

    for module in sorted(graph):
        walk(module, module, [module])
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_circles(package):
    graph = _graph(package)
    assert len(graph) > 3  # the package was found and read
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _tree_graph(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """Every module of `package` and its sub-packages (a package as its `__init__`) → the ones it imports."""
    folder = root.joinpath(*package.split("."))
    modules: dict[str, Path] = {}
    for path in folder.rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    graph = {}
    for name, path in modules.items():
        home = name if path.stem == "__init__" else name.rpartition(".")[0]  # what relative imports start from
        graph[name] = _module_imports(path, home, modules) - {name}
    return graph


def _strongly_connected(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The groups of modules that reach each other through imports (Tarjan), groups of one left out."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_in_resync_app():
    graph = _tree_graph("resync_app")
    assert "resync_app.state.litellm_config" in graph and "resync_app.tws_simulator.simulator" in graph
    assert "resync_app.tws.client" in graph["resync_app.tws.poller"]  # imports are read (absolute ones)
    circles = _strongly_connected(graph)
    new = [sorted(group) for group in circles if group not in KNOWN_CIRCLES]
    assert new == [], "import circles (a layer imports a module that imports it): " + "; ".join(
        " <-> ".join(group) for group in new)
    gone = [sorted(group) for group in KNOWN_CIRCLES if group not in circles]
    assert gone == [], f"no longer a circle, remove it from KNOWN_CIRCLES: {gone}"


def test_relative_imports_count_in_sub_packages(tmp_path):
    pkg = tmp_path / "top" / "sub"
    pkg.mkdir(parents=True)
    for folder in (tmp_path / "top", pkg):
        (folder / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def f():\n    from . import b\n")
    (pkg / "b.py").write_text("from top.sub.a import f\n")
    (tmp_path / "top" / "c.py").write_text("from .sub import a\n")
    (tmp_path / "top" / "d.py").write_text("from top.sub import CONSTANT\n")
    graph = _tree_graph("top", tmp_path)
    assert graph["top.sub.a"] == {"top.sub.b"}  # an import inside a function counts
    assert graph["top.sub.b"] == {"top.sub.a"}
    assert graph["top.c"] == {"top.sub.a"}  # a module imported from its package: that module
    assert graph["top.d"] == {"top.sub"}  # a name imported from a package: the package's __init__
    assert _strongly_connected(graph) == [frozenset({"top.sub.a", "top.sub.b"})]
