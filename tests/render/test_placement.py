"""Where the platform's pods land: the pool labels the check assumes are the ones nodes get."""

from __future__ import annotations

import pytest

from mlplat.render import placement
from mlplat.spec import load_spec
from mlplat.spec.model import NodePoolSpec
from mlplat.spec.pools import POOL_LABEL
from tests.conftest import EXAMPLE_SPECS, planned
from tests.spec.tables import gpus_to_cpu

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=[p.stem for p in EXAMPLE_SPECS])
def test_platform_pool_labels_are_what_the_plan_declares(spec) -> None:
    pools = [p for p in load_spec(spec).spec.node_pools if placement.is_platform(p)]
    declared = {
        r.inputs["labels"][POOL_LABEL]: r.inputs["labels"]
        for r in planned(spec).resources
        if r.type == NODE_GROUP
    }
    for pool in pools:
        mlplat_labels = {
            k: v
            for k, v in placement.node_labels(pool).items()
            if not k.startswith("kubernetes.io/")
        }
        assert mlplat_labels == declared[pool.name]


def _pool(types: tuple[str, ...] = ("m7i.large",), **labels: str) -> NodePoolSpec:
    return NodePoolSpec(name="system", instance_types=types, labels=labels)


def test_node_selectors_and_required_affinity_decide() -> None:
    pool = _pool(tier="web")
    assert placement.lands_on({}, pool)
    assert placement.lands_on({"nodeSelector": {"tier": "web", "kubernetes.io/os": "linux"}}, pool)
    assert not placement.lands_on({"nodeSelector": {"mlplat.dev/accelerator": "nvidia"}}, pool)

    def required(*terms):
        node_affinity = {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}
        }
        return {"affinity": {"nodeAffinity": node_affinity}}

    not_fargate = {
        "key": "eks.amazonaws.com/compute-type",
        "operator": "NotIn",
        "values": ["fargate"],
    }
    arm = {"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}
    assert placement.lands_on(required({"matchExpressions": [not_fargate]}), pool)
    assert not placement.lands_on(required({"matchExpressions": [arm]}), pool)
    assert placement.lands_on(required({"matchExpressions": [arm]}), _pool(("m7g.large",)))
    # Terms are ORed; an empty term matches no node.
    assert placement.lands_on(
        required({"matchExpressions": [arm]}, {"matchExpressions": [not_fargate]}), pool
    )
    assert not placement.lands_on(required({}), pool)


def test_which_pools_take_platform_pods_follows_the_instance_table(monkeypatch) -> None:
    gpu = _pool(("g6.xlarge",))
    assert not placement.is_platform(gpu)  # the GPU taint keeps platform pods off
    assert placement.is_platform(_pool())
    gpus_to_cpu(monkeypatch, "g6")
    retabled = _pool(("g6.xlarge",))
    assert placement.is_platform(retabled)
    assert placement.node_labels(retabled) == {
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        POOL_LABEL: "system",
    }
