"""No import circles inside a package: a layer never imports the module that imports it (issue 19).

Every `import` and `from … import …` of the package's modules counts, those under `if TYPE_CHECKING:` too (a type
checker and a reader follow them all the same). The graph is built from the source, nothing is imported."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("resync_app.tws_simulator",)


def _module_imports(path: Path, package: str, names: set[str]) -> set[str]:
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
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
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
