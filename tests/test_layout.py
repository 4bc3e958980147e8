"""The package layout: no two packages of innovation_hub import each other, directly or round a loop.

Every import counts, at module level or inside a function (a function-level import hides a cycle from
Python, not from the next engineer). Top-level modules (forms.py, security.py, …) count as packages of
their own. innovation_hub/__init__.py is left out: create_app is the one place that wires every
feature together (signals, page parts), which is how the lower packages avoid importing the higher ones.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import innovation_hub

ROOT = Path(innovation_hub.__file__).parent
# Cycles still waiting for their fix, as sorted tuples of package names. Keep this empty.
KNOWN_CYCLES: set[tuple[str, ...]] = set()


def _module_name(path: Path) -> str:
    parts = ("innovation_hub", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The innovation_hub modules an import statement names (`from . import x` names x too)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [target] + [f"{target}.{alias.name}" for alias in node.names]


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "innovation_hub" and len(parts) > 1 else None


def import_graph() -> dict[str, dict[str, list[str]]]:
    """package → imported package → the import sites ("path:line")."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts or path == ROOT / "__init__.py":
            continue
        module = _module_name(path)
        source = _package(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _imported(node, module, path.name == "__init__.py"):
                imported = _package(target)
                # `from .. import create_app` names no package: only real modules and packages count.
                real = imported and ((ROOT / imported).is_dir() or (ROOT / f"{imported}.py").exists())
                if real and imported != source:
                    site = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                    if site not in graph[source][imported]:
                        graph[source][imported].append(site)
    return graph


def strongly_connected(graph) -> list[list[str]]:
    """Tarjan's components of more than one package."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in graph.get(node, {}):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def a_loop(graph, component: list[str]) -> list[str]:
    """One loop through the component's first package, for the message: a → b → … → a."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for succ in sorted(graph[node]):
            if succ == start:
                return paths[node] + [start]
            if succ in members and succ not in paths:
                paths[succ] = paths[node] + [succ]
                queue.append(succ)
    return component


def describe(graph, loop: list[str]) -> str:
    return "\n".join(f"  {a} → {b}: {', '.join(graph[a][b][:3])}" for a, b in zip(loop, loop[1:], strict=False))


def test_no_import_cycle_between_packages():
    graph = import_graph()
    cycles = [c for c in strongly_connected(graph) if tuple(c) not in KNOWN_CYCLES]
    messages = []
    for component in cycles:
        loop = a_loop(graph, component)
        messages.append(f"packages {' → '.join(loop)} import each other:\n{describe(graph, loop)}")
    assert not messages, "\n".join(messages)


def test_the_walk_sees_function_level_imports():
    """The check itself: a function-level import that closes a loop is found, and named."""
    graph = {"a": {"b": ["a.py:1"]}, "b": {"a": ["b.py:9"]}, "c": {"a": ["c.py:2"]}}
    assert strongly_connected(graph) == [["a", "b"]]
    assert a_loop(graph, ["a", "b"]) == ["a", "b", "a"]
    source = "def load_user():\n    from .accounts.models import User\n"
    node = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom))
    assert "innovation_hub.accounts.models" in _imported(node, "innovation_hub.security", False)


def test_shared_modules_import_no_feature():
    """The top-level shared modules sit below every feature package: they import none."""
    graph = import_graph()
    features = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    shared = ("forms", "models", "record_fields", "request_args", "sheets", "workbooks", "uploads", "security",
              "page_cache", "errors", "database", "extensions")
    wrong = {name: sorted(set(graph.get(name, {})) & features) for name in shared}
    assert not any(wrong.values()), {name: found for name, found in wrong.items() if found}
