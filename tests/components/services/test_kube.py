"""Namespaces: every one carries a Pod Security level, and only host-access ones are privileged."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.components.services.helpers import of_type
from tests.conftest import ALL_SPECS, EXAMPLE_SPECS, STACKS

LEVELS = {
    "platform": "restricted",
    "airflow": "restricted",
    "mlflow": "restricted",
    "feast": "restricted",
    "monitoring": "baseline",
    "monitoring-node": "privileged",
    "gpu-system": "privileged",
    "kueue-system": "restricted",
}
"""The platform's namespaces; every team namespace is restricted (checked by its label)."""


def _level_of(metadata: dict) -> str:
    return "restricted" if "mlplat.dev/team" in metadata["labels"] else LEVELS[metadata["name"]]


def _levels(spec: Path) -> dict[str, dict[str, str]]:
    return {
        ns.inputs["metadata"]["name"]: {
            k.rsplit("/", 1)[1]: v
            for k, v in ns.inputs["metadata"]["labels"].items()
            if k.startswith("pod-security.kubernetes.io/")
        }
        for ns in of_type(spec, "kubernetes:core/v1:Namespace")
    }


@pytest.mark.parametrize("spec", ALL_SPECS, ids=[p.stem for p in ALL_SPECS])
def test_every_namespace_enforces_audits_and_warns_at_its_level(spec: Path) -> None:
    namespaces = of_type(spec, "kubernetes:core/v1:Namespace")
    assert namespaces
    for ns in namespaces:
        metadata = ns.inputs["metadata"]
        modes = _levels(spec)[metadata["name"]]
        assert modes == dict.fromkeys(("enforce", "audit", "warn"), _level_of(metadata))


def test_only_host_access_namespaces_are_privileged() -> None:
    privileged = {
        name
        for spec in EXAMPLE_SPECS
        for name, modes in _levels(spec).items()
        if modes["enforce"] == "privileged"
    }
    assert privileged == {"monitoring-node", "gpu-system"}


def test_gpu_namespace_exists_only_with_gpu_nodes() -> None:
    assert "gpu-system" in _levels(STACKS / "prod.yaml")
    assert "gpu-system" not in _levels(STACKS / "dev.yaml")
    assert "gpu-system" not in _levels(STACKS / "local.yaml")
