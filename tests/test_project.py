"""Project conventions, as tests: Pulumi wiring, stack configs, component shape, file size."""

from __future__ import annotations

import ast
import inspect
import tomllib
from pathlib import Path

import pulumi
import pytest
import yaml

import mlplat.components.eks_cluster
import mlplat.components.kubernetes_base
import mlplat.components.network
import mlplat.components.node_pool
from mlplat.plan.runtime import PROJECT
from mlplat.program import SPEC_CONFIG_KEY
from tests.conftest import ALL_SPECS, ROOT, STACKS

COMPONENT_MODULES = [
    mlplat.components.network,
    mlplat.components.eks_cluster,
    mlplat.components.node_pool,
    mlplat.components.kubernetes_base,
]
MAX_LINES = 400
INSTALLED_AS = {
    "mlplat": "mlplat",
    "mlplat.components": "components",
    "mlplat.policies": "policies",
}
"""Where each installed top-level package lives in the repository."""


def test_every_package_folder_installs_under_mlplat() -> None:
    """The wheel's package list is written out (it maps folders to new names): every folder
    with an __init__.py must be on it, and nothing may install outside ``mlplat``."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["package-dir"] == {k: v for k, v in INSTALLED_AS.items() if k != "mlplat"}
    found = {
        ".".join((name, *init.parent.relative_to(ROOT / folder).parts))
        for name, folder in INSTALLED_AS.items()
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert sorted(setuptools["packages"]) == sorted(found)
    assert all(p == "mlplat" or p.startswith("mlplat.") for p in setuptools["packages"])


def test_pulumi_project_file() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT
    assert project["runtime"]["name"] == "python"
    assert project["stackConfigDir"] == "stacks"


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_each_example_has_a_stack_config_pointing_at_it(spec: Path) -> None:
    config = yaml.safe_load((STACKS / f"Pulumi.{spec.stem}.yaml").read_text())["config"]
    assert config[f"{PROJECT}:{SPEC_CONFIG_KEY}"] == f"stacks/{spec.name}"


@pytest.mark.parametrize("spec", [*ALL_SPECS, *STACKS.glob("base/*.yaml")], ids=lambda p: p.stem)
def test_each_spec_names_the_schema_for_editors(spec: Path) -> None:
    first = spec.read_text().splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    kind = "team" if "\nkind: Team\n" in spec.read_text() else "platform"
    assert (
        spec.parent / first.removeprefix(prefix)
    ).resolve() == ROOT / "mlplat" / "spec" / f"{kind}.schema.json"


def _component_classes() -> list[type]:
    return [
        cls
        for module in COMPONENT_MODULES
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, pulumi.ComponentResource) and cls.__module__ == module.__name__
    ]


@pytest.mark.parametrize("cls", _component_classes(), ids=lambda c: c.__name__)
def test_components_use_stable_tokens_and_register_outputs(cls: type) -> None:
    source = inspect.getsource(cls)
    assert f'"mlplat:index:{cls.__name__}"' in source
    assert "self.register_outputs(" in source


def test_no_source_file_is_too_long() -> None:
    sources = [
        p
        for d in ("mlplat", "components", "policies", "tests", "bench")
        for p in (ROOT / d).rglob("*.py")
    ]
    long = {
        str(p.relative_to(ROOT)): n
        for p in sources
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_main_module_stays_thin() -> None:
    tree = ast.parse((ROOT / "__main__.py").read_text())
    assert len([n for n in tree.body if not isinstance(n, ast.Expr | ast.ImportFrom)]) == 0
