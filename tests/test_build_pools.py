"""The composition root reads the pools' facts: which GPU software runs where, and the Kueue
flavors of the GPU pools."""

from __future__ import annotations

from pathlib import Path

import yaml

from mlplat.spec import load_spec
from tests.conftest import STACKS, plan_file, planned
from tests.spec.tables import gpus_to_cpu

RELEASE = "kubernetes:helm.sh/v3:Release"
GPU_RELEASES = ("nvidia-device-plugin", "dcgm-exporter", "aws-efa-k8s-device-plugin")


def _releases(plan) -> dict[str, dict]:
    return {r.name: r.inputs["values"] for r in plan.resources if r.type == RELEASE}


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_each_gpu_agent_runs_on_the_pools_whose_facts_call_for_it() -> None:
    pools = load_spec(STACKS / "prod.yaml").spec.node_pools
    releases = _releases(planned(STACKS / "prod.yaml"))
    plugin = releases["nvidia-device-plugin"]
    for pool in pools:
        facts = pool.facts
        assert _selects(plugin["nodeSelector"], facts.labels) is facts.device_plugin, pool.name
        dcgm = releases["dcgm-exporter"]["nodeSelector"]
        assert _selects(dcgm, facts.labels) is facts.is_gpu, pool.name
        efa = releases["aws-efa-k8s-device-plugin"]["nodeSelector"]
        assert _selects(efa, facts.labels) is facts.efa, pool.name
    shared = {p.facts.sharing_config for p in pools if p.facts.sharing_config}
    assert shared == {"gpu-notebooks"}
    assert set(plugin["config"]["map"]) == {plugin["config"]["default"], *shared}


def test_the_gpu_software_follows_the_instance_table(tmp_path: Path, monkeypatch) -> None:
    spec = tmp_path / "gpu.yaml"
    pools = [
        {"name": "system", "instanceTypes": ["t3.large"], "minSize": 3, "maxSize": 4},
        {"name": "gpu", "instanceTypes": ["g6.xlarge"], "minSize": 0, "maxSize": 2},
    ]
    spec.write_text(yaml.safe_dump({"extends": str(STACKS / "dev.yaml"), "nodePools": pools}))
    releases = _releases(plan_file(spec))
    assert {"nvidia-device-plugin", "dcgm-exporter"} <= set(releases)
    gpus_to_cpu(monkeypatch, "g6")
    assert not set(GPU_RELEASES) & set(_releases(plan_file(spec)))


def test_kueue_flavors_tolerate_exactly_the_gpu_pools_taints() -> None:
    pools = {p.name: p for p in load_spec(STACKS / "prod.yaml").spec.node_pools}
    flavors = {
        r.inputs["spec"]["nodeLabels"]["mlplat.dev/pool"]: r.inputs["spec"]["tolerations"]
        for r in planned(STACKS / "prod.yaml").resources
        if r.type.endswith(":ResourceFlavor") and r.inputs["spec"]
    }
    assert set(flavors) == {name for name, p in pools.items() if p.facts.is_gpu}
    for name, tolerations in flavors.items():
        assert tolerations == [
            {"key": t["key"], "operator": "Equal", "value": t["value"], "effect": t["effect"]}
            for t in pools[name].facts.taints
        ]
