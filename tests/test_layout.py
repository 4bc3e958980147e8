"""The package layout: every module does the job its name says (README.md, "Layout"), and no two packages of
innovation_hub import each other, directly or round a loop.

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


# The shape of a feature package (README.md, "Layout"): a module's file name, or the folder it sits in, says its job.
JOBS = ("models", "services", "queries", "views", "forms")
# Names that say no job and no sub-feature: what they hold belongs in a module named for it.
GRAB_BAGS = {"utils", "util", "helpers", "helper", "common", "misc", "base", "core", "lib", "stuff"}
# Session calls that change state; rollback() is left out, reads use it to take a fresh snapshot.
WRITES = {"add", "add_all", "delete", "flush", "commit", "merge", "bulk_save_objects", "bulk_insert_mappings",
          "bulk_update_mappings"}
# Modules that only read (and parse, and render): they change no state, services and sub-feature modules do.
READ_ONLY = {"models", "queries", "views", "forms"}
# (rule, path below innovation_hub/) → why that module may break the rule. Keep this empty.
SHAPE_EXCEPTIONS: dict[tuple[str, str], str] = {}


def job_of(relative: Path) -> str | None:
    """models, services, queries, views or forms, by the file's name or its folder's (awards/views/judge.py: views)."""
    for part in (*relative.parent.parts, relative.stem):
        if part in JOBS:
            return part
    return None


def subclasses(trees: dict[Path, ast.Module], roots: set[str]) -> dict[Path, set[str]]:
    """Module → the names of its classes that derive from `roots` (FlaskForm, db.Model), through any chain of the
    site's own classes, each base looked up where that module defines or imports it (scoring.Criterion is no table)."""
    modules = {_module_name(ROOT / relative): relative for relative in trees}
    classes, bound = [], {}
    for relative, tree in trees.items():
        module = _module_name(ROOT / relative)
        names = bound.setdefault(relative, {})
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                classes.append((relative, node))
                names[node.name] = (relative, node.name)
            elif isinstance(node, ast.ImportFrom):
                source = modules.get(_imported(node, module, relative.name == "__init__.py")[0])
                for alias in node.names:
                    names[alias.asname or alias.name] = (source, alias.name)

    def is_root(base: ast.expr) -> bool:
        name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
        return name in roots

    found: set[tuple[Path, str]] = set()
    while True:
        more = {(relative, node.name) for relative, node in classes if (relative, node.name) not in found and any(
            is_root(base) or (isinstance(base, ast.Name) and bound[relative].get(base.id) in found)
            for base in node.bases)}
        if not more:
            break
        found |= more
    result: dict[Path, set[str]] = defaultdict(set)
    for relative, name in found:
        result[relative].add(name)
    return result


def shape_violations(relative: Path, tree: ast.Module, forms: set[str], tables: set[str]) -> list[tuple[str, str]]:
    """(rule, "path:line what") for every place where `relative`'s module does a job its name does not say."""
    job = job_of(relative)
    found = []

    def wrong(rule: str, node: ast.AST, what: str) -> None:
        found.append((rule, f"innovation_hub/{relative}:{getattr(node, 'lineno', 1)} {what}"))

    parts = relative.with_suffix("").parts
    for part in parts:
        words = set(part.split("_"))
        if part in GRAB_BAGS or (words & set(JOBS) and part not in JOBS):
            wrong("name", tree, f"module named {part!r}: name a module for its job or for its sub-feature")
    if ast.get_docstring(tree) is None:
        wrong("docstring", tree, "no docstring saying what the module holds")
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            if node.name in forms and job != "forms":
                wrong("forms", node, f"form class {node.name} outside a forms module")
            if node.name in tables and job != "models":
                wrong("models", node, f"table class {node.name} outside a models module")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == "Blueprint" and job != "views":
                wrong("blueprint", node, "Blueprint(…) outside a views module")
            if job in READ_ONLY and name == "write_transaction":
                wrong("writes", node, f"write_transaction() in a {job} module")
            if job in READ_ONLY and isinstance(func, ast.Attribute) and func.attr in WRITES:
                receiver = func.value
                receiver_name = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
                if receiver_name == "session":
                    wrong("writes", node, f"session.{func.attr}() in a {job} module")
            if job == "views" and isinstance(func, ast.Attribute) and func.attr == "select" \
                    and getattr(func.value, "id", None) == "db":
                wrong("queries", node, "db.select() in a views module: the page's reads go in queries")
        elif isinstance(node, ast.ImportFrom) and job in READ_ONLY and (node.module or "").startswith("sqlalchemy"):
            for alias in node.names:
                if alias.name in ("insert", "update", "delete"):
                    wrong("writes", node, f"imports sqlalchemy's {alias.name}() in a {job} module")
                if job == "views" and alias.name in ("select", "func"):
                    wrong("queries", node, f"imports sqlalchemy's {alias.name} in a views module: reads go in queries")
    return found


def package_trees() -> dict[Path, ast.Module]:
    """Every module below innovation_hub/ but the migrations, by its path below innovation_hub/."""
    return {path.relative_to(ROOT): ast.parse(path.read_text(encoding="utf-8"), str(path))
            for path in sorted(ROOT.rglob("*.py")) if "migrations" not in path.parts}


def test_every_module_does_the_job_its_name_says():
    """Blueprints in views, forms in forms, tables in models, state changed only outside models, queries, views and
    forms (by the services and the named sub-feature modules), no select built in a view; no module named utils or
    admin_views."""
    trees = package_trees()
    forms = subclasses(trees, {"FlaskForm"})
    tables = subclasses(trees, {"Model"})
    found = [(rule, where) for relative, tree in trees.items()
             for rule, where in shape_violations(relative, tree, forms[relative], tables[relative])]
    excused = {(rule, where.split(":")[0].removeprefix("innovation_hub/")) for rule, where in found}
    stale = [key for key in SHAPE_EXCEPTIONS if key not in excused]
    unexcused = [f"{rule}: {where}" for rule, where in found
                 if (rule, where.split(":")[0].removeprefix("innovation_hub/")) not in SHAPE_EXCEPTIONS]
    assert not unexcused, "modules doing a job their name does not say:\n" + "\n".join(unexcused)
    assert not stale, f"exceptions that no longer apply, drop them: {stale}"


def test_the_shape_check_finds_a_planted_module():
    """The check itself: each rule fires on a module that breaks it, and not on one that keeps it."""
    view = ast.parse('"""A page."""\nfrom sqlalchemy import update\nbp = Blueprint("x", __name__)\n'
                     "def save():\n    db.session.add(thing)\n    db.session.commit()\n"
                     "    with write_transaction() as session:\n        session.delete(thing)\n")
    rules = [rule for rule, _ in shape_violations(Path("things/views.py"), view, set(), set())]
    assert sorted(rules) == ["writes"] * 5
    reading = ast.parse('"""A page."""\nfrom sqlalchemy import func, select\nrows = db.session.scalars(db.select(X))\n')
    rules = [rule for rule, _ in shape_violations(Path("things/views/admin.py"), reading, set(), set())]
    assert rules == ["queries"] * 3
    assert shape_violations(Path("things/queries.py"), reading, set(), set()) == []
    service = ast.parse('"""Changes."""\nclass Thing(db.Model):\n    pass\nclass ThingForm(ChineseForm):\n    pass\n'
                        'bp = Blueprint("x", __name__)\ndef save():\n    db.session.add(Thing())\n')
    rules = [rule for rule, _ in shape_violations(Path("things/services.py"), service, {"ThingForm"}, {"Thing"})]
    assert sorted(rules) == ["blueprint", "forms", "models"]
    trees = {Path("a/forms.py"): ast.parse("class A(FlaskForm): pass\nclass B(A): pass\nclass C(object): pass\n"),
             Path("b/views.py"): ast.parse("from ..a.forms import A\nclass D(A): pass\nclass B: pass\n"),
             Path("c/models.py"): ast.parse("class T(Stamps, db.Model): pass\nclass Stamps: pass\n")}
    assert subclasses(trees, {"FlaskForm"}) == {Path("a/forms.py"): {"A", "B"}, Path("b/views.py"): {"D"}}
    assert subclasses(trees, {"Model"}) == {Path("c/models.py"): {"T"}}
    assert job_of(Path("awards/views/judge.py")) == "views" and job_of(Path("awards/ballots.py")) is None
    for name in ("things/utils.py", "things/admin_views.py", "things/more_models.py"):
        assert [rule for rule, _ in shape_violations(Path(name), ast.parse('"""x"""'), set(), set())] == ["name"]
    assert shape_violations(Path("things/service_call.py"), ast.parse('"""x"""'), set(), set()) == []
