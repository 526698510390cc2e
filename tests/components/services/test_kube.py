"""Namespaces: every one carries a Pod Security level, and only host-access ones are privileged."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
import pytest

from mlplat.components.services.kube import merge_values
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


def test_chart_values_from_the_spec_merge_as_helm_merges_values_files() -> None:
    ours = {
        "workers": {"replicas": 1, "resources": {"requests": {"cpu": "500m"}}},
        "tolerations": [{"operator": "Exists"}],
        "image": {"tag": "3.2.0"},
    }
    merged = merge_values(
        ours,
        {
            "workers": {"replicas": 4},  # a map merges: its other keys stay
            "tolerations": [],  # a list replaces
            "image": "other",  # a scalar replaces a map
            "extra": {"a": 1},  # a new key is added
            "resources": None,  # null is kept: Helm then drops the chart's default
        },
    )
    assert merged == {
        "workers": {"replicas": 4, "resources": {"requests": {"cpu": "500m"}}},
        "tolerations": [],
        "image": "other",
        "extra": {"a": 1},
        "resources": None,
    }
    assert ours["workers"]["replicas"] == 1, "mlplat's values are not changed in place"


def test_a_map_known_only_after_apply_merges_once_known(synth) -> None:
    def program() -> None:
        annotations = pulumi.Output.from_input({"eks.amazonaws.com/role-arn": "arn:role"})
        values = merge_values(
            {"serviceAccount": {"annotations": annotations}},
            {"serviceAccount": {"annotations": {"team": "ml"}}},
        )
        k8s.core.v1.ConfigMap("merged", data={"values": pulumi.Output.json_dumps(values)})

    (config,) = synth(program).of_type("kubernetes:core/v1:ConfigMap")
    assert json.loads(config.inputs["data"]["values"]) == {
        "serviceAccount": {"annotations": {"eks.amazonaws.com/role-arn": "arn:role", "team": "ml"}}
    }
