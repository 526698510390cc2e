"""A pool's facts, decided once from its spec and the instance table: each fact at its source,
over the table's families, and the same whichever of a pool's accepted types comes first."""

from __future__ import annotations

import dataclasses
from itertools import permutations
from pathlib import Path

import pytest
import yaml

from mlplat.spec import instances, load_spec
from mlplat.spec.capacity import PoolCapacity, pool_capacity
from mlplat.spec.model import (
    GpuSharing,
    GpuSharingSpec,
    MigStrategy,
    NodeOs,
    NodePoolSpec,
    TaintEffect,
    TaintSpec,
)
from mlplat.spec.pools import AMI_TYPES, GPU_TAINT, PoolFacts, pool_facts
from tests.spec.tables import add_gpu_family, gpus_to_cpu

SLICED = GpuSharingSpec(strategy=GpuSharing.TIME_SLICING, replicas=4)
MIG = GpuSharingSpec(strategy=GpuSharing.MIG, mig_strategy=MigStrategy.MIXED)


def _facts(*types: str, **spec: object) -> PoolFacts:
    return NodePoolSpec(name="pool", instance_types=types, **spec).facts  # type: ignore[arg-type]


def test_the_facts_are_computed_once_per_pool() -> None:
    pool = NodePoolSpec(name="pool", instance_types=("g6.xlarge",))
    assert pool.facts is pool.facts
    assert pool.facts == pool_facts(pool)


@pytest.mark.parametrize(
    ("instance_type", "model", "count"),
    [
        *(
            (f"{name}.{size}", fam.model, count)
            for name, fam in instances.GPU_FAMILIES.items()
            for size, count in fam.gpus.items()
        ),
    ],
)
def test_every_tabled_gpu_size_makes_a_gpu_pool(instance_type, model, count) -> None:
    facts = _facts(instance_type)
    assert facts.is_gpu and facts.known
    assert facts.gpu is not None and (facts.gpu.model, facts.gpu.count) == (model, count)
    assert facts.advertised_gpus == count
    assert facts.ami_type == "AL2023_x86_64_NVIDIA"
    assert facts.labels["mlplat.dev/gpu-model"] == model
    assert facts.taints == (GPU_TAINT,)


@pytest.mark.parametrize(
    "instance_type",
    [
        *(f"{fam}.large" for fam in instances.CPU_FAMILIES),
        "g5.3xlarge",  # a GPU family, but no such size: unknown, not guessed
        "g4ad.xlarge",
        "inf2.xlarge",
        "trn1.2xlarge",
        "zz9.large",
    ],
)
def test_anything_else_is_no_gpu_pool(instance_type) -> None:
    facts = _facts(instance_type)
    assert not facts.is_gpu
    assert facts.advertised_gpus == 0 and not facts.device_plugin and not facts.efa
    assert "mlplat.dev/accelerator" not in facts.labels
    assert facts.taints == ()


@pytest.mark.parametrize(
    ("instance_type", "known", "architecture"),
    [
        ("m7i.large", True, "x86_64"),
        ("m7g.large", True, "arm64"),
        ("g6.xlarge", True, "x86_64"),
        ("g5.3xlarge", False, None),
        ("g4ad.xlarge", False, None),
        ("zz9.large", False, None),
    ],
)
def test_known_and_architecture(instance_type, known, architecture) -> None:
    facts = _facts(instance_type)
    assert (facts.known, facts.architecture) == (known, architecture)
    assert (facts.ami_type is None) is (architecture is None)


def test_a_pool_is_known_only_when_every_type_is() -> None:
    assert not _facts("m7i.large", "zz9.large").known
    assert _facts("m7i.large", "m6i.large").known


@pytest.mark.parametrize(
    ("instance_type", "os", "ami"),
    [
        ("m7i.large", NodeOs.AL2023, "AL2023_x86_64_STANDARD"),
        ("m7g.large", NodeOs.AL2023, "AL2023_ARM_64_STANDARD"),
        ("g6.xlarge", NodeOs.AL2023, "AL2023_x86_64_NVIDIA"),
        ("m7i.large", NodeOs.BOTTLEROCKET, "BOTTLEROCKET_x86_64"),
        ("m7g.large", NodeOs.BOTTLEROCKET, "BOTTLEROCKET_ARM_64"),
        ("p5.48xlarge", NodeOs.BOTTLEROCKET, "BOTTLEROCKET_x86_64_NVIDIA"),
    ],
)
def test_ami_type_by_os_architecture_and_gpu(instance_type, os, ami) -> None:
    assert _facts(instance_type, os=os).ami_type == ami


def test_every_ami_type_is_one_eks_knows() -> None:
    # The EKS NodeGroup amiType values mlplat may send (aws eks create-nodegroup --ami-type).
    eks = {
        "AL2023_x86_64_STANDARD",
        "AL2023_ARM_64_STANDARD",
        "AL2023_x86_64_NVIDIA",
        "BOTTLEROCKET_x86_64",
        "BOTTLEROCKET_ARM_64",
        "BOTTLEROCKET_x86_64_NVIDIA",
    }
    assert set(AMI_TYPES.values()) == eks


@pytest.mark.parametrize(
    ("os", "device_plugin"), [(NodeOs.AL2023, True), (NodeOs.BOTTLEROCKET, False)]
)
def test_mlplat_runs_the_device_plugin_on_al2023_gpu_pools_only(os, device_plugin) -> None:
    gpu = _facts("g6.xlarge", os=os)
    assert gpu.device_plugin is device_plugin
    assert ("mlplat.dev/nvidia-device-plugin" in gpu.labels) is device_plugin
    assert not _facts("m7i.large", os=os).device_plugin


@pytest.mark.parametrize(
    ("instance_type", "sharing", "advertised"),
    [
        ("g6.xlarge", None, 1),
        ("g6.12xlarge", SLICED, 16),  # 4 L4 x 4 replicas
        ("g6.xlarge", SLICED, 4),
        ("p4d.24xlarge", MIG, 8),  # MIG devices depend on the node's profile: its GPUs
        ("m7i.large", SLICED, 0),
    ],
)
def test_advertised_gpus_follow_sharing(instance_type, sharing, advertised) -> None:
    facts = _facts(instance_type, gpu_sharing=sharing)
    assert facts.advertised_gpus == advertised
    assert facts.resources.get(instances.GPU_RESOURCE, 0) == advertised


def test_a_sharing_pool_selects_its_own_device_plugin_config() -> None:
    shared = _facts("g6.xlarge", gpu_sharing=SLICED)
    assert shared.sharing_config == "pool"
    assert shared.labels["nvidia.com/device-plugin.config"] == "pool"
    assert _facts("g6.xlarge").sharing_config is None
    assert _facts("m7i.large", gpu_sharing=SLICED).sharing_config is None


@pytest.mark.parametrize(
    ("instance_type", "efa", "interfaces"),
    [
        ("p4d.24xlarge", True, 4),
        ("p5.48xlarge", True, 32),
        ("p5en.48xlarge", True, 16),
        ("g6e.24xlarge", True, 2),
        ("p4d.24xlarge", False, 0),  # has EFA, the pool does not ask for it
        ("g6.xlarge", True, 0),  # no EFA on this size (the checks refuse the pool)
        ("c7i.large", True, 0),  # a CPU type (refused likewise)
    ],
)
def test_efa_interfaces_when_the_pool_asks_and_the_type_has_them(
    instance_type, efa, interfaces
) -> None:
    facts = _facts(instance_type, efa=efa)
    assert facts.efa_interfaces == interfaces
    assert facts.efa is (interfaces > 0)
    assert ("mlplat.dev/efa" in facts.labels) is (interfaces > 0)
    assert facts.resources.get(instances.EFA_RESOURCE, 0) == interfaces


def test_labels_are_the_specs_then_mlplats() -> None:
    facts = _facts(
        "p4d.24xlarge", efa=True, gpu_sharing=MIG, labels={"team": "a", "mlplat.dev/pool": "x"}
    )
    assert facts.labels == {
        "team": "a",
        "mlplat.dev/pool": "pool",  # mlplat's own label wins over the spec's
        "mlplat.dev/accelerator": "nvidia",
        "mlplat.dev/gpu-model": "a100-40gb",
        "k8s.amazonaws.com/accelerator": "nvidia-tesla-a100",
        "mlplat.dev/nvidia-device-plugin": "true",
        "nvidia.com/device-plugin.config": "pool",
        "mlplat.dev/efa": "true",
    }
    assert _facts("m7g.large", labels={"team": "a"}).labels == {
        "team": "a",
        "mlplat.dev/pool": "pool",
    }


def test_taints_are_the_gpu_taint_then_the_specs() -> None:
    own = TaintSpec(key="example.com/dedicated", value="etl", effect=TaintEffect.NO_EXECUTE)
    mine = {"key": "example.com/dedicated", "value": "etl", "effect": TaintEffect.NO_EXECUTE}
    assert _facts("g6.xlarge", taints=(own,)).taints == (GPU_TAINT, mine)
    assert _facts("m7i.large", taints=(own,)).taints == (mine,)
    assert GPU_TAINT == {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}


def test_the_node_template_holds_every_label_taint_and_resource() -> None:
    facts = _facts("p4d.24xlarge", efa=True, labels={"team": "a"})
    tags = facts.template_tags
    assert {k.removeprefix("label/"): v for k, v in tags.items() if k.startswith("label/")} == (
        dict(facts.labels)
    )
    assert tags["taint/nvidia.com/gpu"] == "present:NoSchedule"
    assert tags["resources/nvidia.com/gpu"] == "8"
    assert tags["resources/vpc.amazonaws.com/efa"] == "4"
    assert len(tags) == len(facts.labels) + len(facts.taints) + len(facts.resources)
    assert not any(k.startswith("resources/") for k in _facts("m7i.large").template_tags)


# ---- mixed instance types --------------------------------------------------------------

MIXES = (
    *("t3.large", "m7i.large", "m6i.xlarge", "m7g.large", "c7g.xlarge"),
    *("g4dn.xlarge", "g4dn.12xlarge", "g5.xlarge", "g5.2xlarge", "g5.8xlarge", "g5.12xlarge"),
    *("g6.xlarge", "g6.2xlarge", "gr6.4xlarge"),
    *("g6e.xlarge", "g6e.12xlarge", "g6e.24xlarge", "g6e.48xlarge"),
    *("p4d.24xlarge", "p4de.24xlarge", "p5.48xlarge", "p5e.48xlarge", "p5en.48xlarge"),
    "p6-b200.48xlarge",
)
"""CPU types of both architectures, and GPU types that share a model and count across
families (g6 and gr6), differ only in size, or only in EFA interfaces (p5e, p5en)."""
REFUSED_MIX = {"mixed-accelerators", "mixed-architectures", "efa-unsupported"}


def _comparable(facts: PoolFacts) -> PoolFacts:
    """The facts, with the GPU reduced to what the checks hold equal (the first type's own
    EFA count stands in ``efa_interfaces`` only when the pool uses EFA)."""
    gpu = facts.gpu
    return dataclasses.replace(facts, gpu=gpu and dataclasses.replace(gpu, efa_interfaces=0))


def test_a_pool_of_mixed_types_is_refused_or_the_same_whichever_type_comes_first(
    tmp_path: Path,
) -> None:
    pairs = [(pair, efa) for pair in permutations(MIXES, 2) for efa in (False, True)]
    pools = [
        {
            "name": f"p{i}",
            "instanceTypes": list(pair),
            "efa": efa,
            "availabilityZone": "eu-west-1a",
            "minSize": 1,
        }
        for i, (pair, efa) in enumerate(pairs)
    ]
    path = tmp_path / "mixed.yaml"
    path.write_text(yaml.safe_dump({"extends": str(_dev()), "nodePools": pools}))
    result = load_spec(path)
    refused: dict[int, set[str]] = {}
    for error in result.errors:
        assert error.path[0] == "nodePools", error.format()
        refused.setdefault(int(error.path[1]), set()).add(error.code)
    outcome = {}
    for i, ((first, second), efa) in enumerate(pairs):
        outcome[first, second, efa] = refused.get(i, set())
        if i in refused:
            assert refused[i] <= REFUSED_MIX, (first, second, efa, refused[i])
            continue
        one = _comparable(_facts(first, second, efa=efa))
        other = _comparable(_facts(second, first, efa=efa))
        assert one == other, (first, second, efa)
    assert outcome["g5.xlarge", "g6.xlarge", False] == {"mixed-accelerators"}
    assert outcome["m7i.large", "m7g.large", False] == {"mixed-architectures"}
    assert outcome["m7i.large", "g6.xlarge", False] == {"mixed-accelerators"}
    assert outcome["g6.xlarge", "gr6.4xlarge", False] == set()  # 1x L4 both
    assert outcome["p5e.48xlarge", "p5en.48xlarge", False] == set()
    assert outcome["p5e.48xlarge", "p5en.48xlarge", True] == {"mixed-accelerators"}  # 32 vs 16
    assert outcome["g5.2xlarge", "g5.8xlarge", True] == {"efa-unsupported"}


def _stacks() -> Path:
    return Path(__file__).resolve().parents[2] / "stacks"


def _dev() -> Path:
    return _stacks() / "dev.yaml"


# ---- the spec layer's readers follow the table ---------------------------------------


def _prod_errors() -> list[str]:
    """The codes of prod.yaml's errors under the current instance table."""
    return sorted({e.code for e in load_spec(_stacks() / "prod.yaml").errors})


def test_quota_capacity_follows_the_instance_table(monkeypatch) -> None:
    add_gpu_family(monkeypatch)
    pool = NodePoolSpec(name="gpu", instance_types=("zz9.xlarge",), max_size=3)
    capacity = pool_capacity(pool)
    assert isinstance(capacity, PoolCapacity) and capacity.gpus == 6  # 2 x9 x maxSize 3
    gpus_to_cpu(monkeypatch, "zz9")
    pool = NodePoolSpec(name="gpu", instance_types=("zz9.xlarge",), max_size=3)
    assert pool_capacity(pool) == "it has no NVIDIA GPUs"


def test_the_spec_checks_follow_the_instance_table(monkeypatch) -> None:
    assert _prod_errors() == []
    gpus_to_cpu(monkeypatch, "g6")
    # gpu-notebooks shares g6 GPUs that are now CPUs; the teams' quotas name GPU pools that
    # are now CPU pools.
    assert {"gpu-sharing-cpu-pool", "quota-pool-invalid"} <= set(_prod_errors())


def test_the_gpu_taint_is_reserved_on_gpu_pools_only(tmp_path, monkeypatch) -> None:
    taint = {"key": "nvidia.com/gpu", "effect": "NoSchedule"}
    pools = [{"name": "x", "instanceTypes": ["g6.xlarge"], "taints": [taint]}]
    path = tmp_path / "taint.yaml"
    path.write_text(yaml.safe_dump({"extends": str(_dev()), "nodePools": pools}))
    assert [e.code for e in load_spec(path).errors] == ["taint-reserved"]
    gpus_to_cpu(monkeypatch, "g6")
    assert load_spec(path).errors == []


def test_mig_follows_the_gpu_model(tmp_path, monkeypatch) -> None:
    sharing = {"strategy": "mig"}
    pools = [{"name": "x", "instanceTypes": ["g6e.xlarge"], "gpuSharing": sharing}]
    path = tmp_path / "mig.yaml"
    path.write_text(yaml.safe_dump({"extends": str(_dev()), "nodePools": pools}))
    assert [e.code for e in load_spec(path).errors] == ["mig-unsupported"]
    monkeypatch.setattr(instances, "MIG_MODELS", instances.MIG_MODELS | {"l40s"})
    assert load_spec(path).errors == []
