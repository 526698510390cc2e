"""AWS's tag limits: the counts the checks rely on hold in the plans mlplat makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mlplat.spec import load_spec
from mlplat.spec.model import NodePoolSpec
from mlplat.spec.tag_checks import EKS_ASG_TAGS, pool_template_tags
from mlplat.spec.tags import AWS_TAGS_PER_RESOURCE, RESOURCE_TAGS_MAX, cloud_tags
from tests.conftest import STACKS, planned
from tests.spec.tables import gpus_to_cpu

PLATFORM_TAGS = 4
"""The mlplat.dev/ tags cloud_tags adds to the spec's own."""


def _tag_keys(plan) -> dict[str, set[str]]:
    """Each AWS resource's tag keys: its own and its provider's default tags."""
    defaults = {}
    for r in plan.resources:
        if r.type == "pulumi:providers:aws":
            tags = r.inputs.get("defaultTags") or {}
            tags = json.loads(tags) if isinstance(tags, str) else tags
            defaults[r.urn] = set(tags.get("tags") or {})
    return {
        r.urn: set(r.inputs.get("tags") or {}) | defaults.get(r.provider or "", set())
        for r in plan.resources
        if r.type.startswith("aws:") and r.custom
    }


@pytest.mark.parametrize("example", ["dev", "prod", "team-fraud"])
def test_no_resource_carries_more_tags_than_the_checks_count(example):
    platform = load_spec(STACKS / ("prod.yaml" if example == "team-fraud" else f"{example}.yaml"))
    own = len(platform.spec.metadata.tags)
    assert len(cloud_tags(platform.spec)) == own + PLATFORM_TAGS
    counts = {
        urn: len(keys) for urn, keys in _tag_keys(planned(STACKS / f"{example}.yaml")).items()
    }
    bound = own + PLATFORM_TAGS + RESOURCE_TAGS_MAX
    assert max(counts.values()) <= bound, sorted(counts.items(), key=lambda kv: -kv[1])[:3]
    if example != "team-fraud":
        assert max(counts.values()) == bound  # subnets: the count is exact, not loose


def test_the_autoscaler_template_tags_are_counted_per_pool():
    spec = load_spec(STACKS / "prod.yaml").spec
    names = [r.name for r in planned(STACKS / "prod.yaml").resources if r.type.endswith(":Tag")]
    zero = [pool for pool in spec.node_pools if pool.min_size == 0]
    assert zero
    for pool in zero:
        written = [n for n in names if n.startswith(f"mlplat-prod-{pool.name}-ca-")]
        assert len(written) == pool_template_tags(pool) - EKS_ASG_TAGS, pool.name


def test_the_spec_may_use_what_mlplat_leaves_of_the_tag_limit(tmp_path: Path):
    room = AWS_TAGS_PER_RESOURCE - PLATFORM_TAGS - RESOURCE_TAGS_MAX
    for count, ok in ((room - 1, True), (room, False)):  # dev.yaml brings one of its own
        path = tmp_path / "tags.yaml"
        tags = {f"tag-{i}": "x" for i in range(count)}
        path.write_text(
            yaml.safe_dump({"extends": str(STACKS / "dev.yaml"), "metadata": {"tags": tags}})
        )
        result = load_spec(path)
        assert result.ok is ok, [e.format() for e in result.errors]
        if not ok:
            assert result.errors[0].hint == f"keep at most {room} tags here"


def test_a_pools_template_tag_count_follows_the_instance_table(monkeypatch):
    pool = NodePoolSpec(name="gpu", instance_types=("g6.xlarge",), min_size=0)
    assert pool_template_tags(pool) == EKS_ASG_TAGS + len(pool.facts.template_tags)
    # The pool label, three GPU labels, the device-plugin label, the GPU taint, the GPUs.
    assert pool_template_tags(pool) == EKS_ASG_TAGS + 7
    gpus_to_cpu(monkeypatch, "g6")
    retabled = NodePoolSpec(name="gpu", instance_types=("g6.xlarge",), min_size=0)
    assert pool_template_tags(retabled) == EKS_ASG_TAGS + 1
