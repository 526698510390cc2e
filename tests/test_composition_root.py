"""The composition root stays easy to walk: no import cycle between its modules, no
function over 80 lines, and no service named in it (they come from the registry)."""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from mlplat.services.registry import SERVICES
from mlplat.spec.model import spec_key
from mlplat.spec.services import ServicesSpec
from tests.conftest import ROOT

MLPLAT = ROOT / "mlplat"
ROOT_FILES = sorted(MLPLAT.glob("build*.py"))
"""The composition root: the modules that map the spec onto components."""
SERVICE_FILES = sorted((MLPLAT / "services").glob("*.py"))
"""The services' declarations and their registry, which the root iterates over."""
MAX_FUNCTION_LINES = 80


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, wherever the import is (TYPE_CHECKING blocks and
    function bodies included); ``from a import b`` yields ``a.b`` as well as ``a``."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def import_graph(paths: list[Path]) -> dict[str, set[str]]:
    """Module -> the modules of ``paths`` it imports."""
    modules = {_module(p): p for p in paths}
    return {name: set(_imports(path)) & (set(modules) - {name}) for name, path in modules.items()}


def find_cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated at the end), or None."""
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt, [*trail, nxt])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_between_the_composition_roots_modules() -> None:
    graph = import_graph([*ROOT_FILES, *SERVICE_FILES])
    assert "mlplat.build_services" in graph and "mlplat.services.registry" in graph
    assert find_cycle(graph) is None


def test_no_function_in_the_composition_root_is_over_80_lines() -> None:
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines} lines)"
        for path in [*ROOT_FILES, *SERVICE_FILES]
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (lines := (node.end_lineno or node.lineno) - node.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert long == []


def _service_words() -> set[str]:
    """What naming a service looks like: its registry name, its module, its spec section
    (field and YAML key), and the component modules (and their names) only services
    import."""
    sections = dataclasses.fields(ServicesSpec)
    words = {service.name for service in SERVICES}
    words |= {f.name for f in sections} | {spec_key(f) for f in sections}
    words |= {p.stem for p in SERVICE_FILES} - {"__init__", "service", "registry"}
    shared = set(_imports(MLPLAT / "services" / "service.py"))
    own = {m for p in SERVICE_FILES for m in _imports(p)} - shared
    words |= {m.rsplit(".", 1)[1] for m in own if m.startswith("mlplat.components.services.")}
    return words


def _named(path: Path) -> Iterator[tuple[int, str]]:
    """(line, word) for each identifier, imported name and word of a string literal in
    ``path``'s code (docstrings aside), and each spec section it reads (``.services.x``)."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Name):
            yield line, node.id
        elif isinstance(node, ast.arg | ast.FunctionDef):
            yield line, node.arg if isinstance(node, ast.arg) else node.name
        elif isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Attribute) and node.value.attr == "services":
                yield line, node.attr
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                yield from ((line, w) for w in re.findall(r"\w+", node.value))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for module in _imports_of(node):
                yield from ((line, part) for part in module.split("."))


def _imports_of(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return [f"{node.module}.{alias.name}" for alias in node.names]


def test_the_service_words_are_what_the_registry_declares() -> None:
    words = _service_words()
    assert {"airflow", "mlflow", "feast", "feature_store", "featureStore", "gpu_software"} <= words
    assert not {"context", "fence", "kube", "service_databases"} & words


def test_the_composition_root_names_no_service() -> None:
    words = _service_words()
    named = [
        f"{path.relative_to(ROOT)}:{line} {word}"
        for path in ROOT_FILES
        for line, word in _named(path)
        if word in words
    ]
    assert named == []


def test_the_check_would_see_a_service_named_in_the_root(tmp_path) -> None:
    sample = tmp_path / "build_sample.py"
    sample.write_text(
        "from mlplat.components.services.airflow import Airflow\n"
        "def f(spec):\n    return spec.services.feature_store, 'mlflow-admin'\n"
    )
    words = {w for _, w in _named(sample)} & _service_words()
    assert words == {"airflow", "Airflow", "feature_store", "mlflow"}
