"""The offline plan of the real program: every example plans; the plan is complete and stable."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pytest

from mlplat.plan.model import SECRET, build_plan
from mlplat.plan.render import render, render_json
from tests.conftest import EXAMPLE_SPECS, STACKS, plan_file

_plan = plan_file


def _by(plan, typ):
    return [r for r in plan.resources if r.type == typ]


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=[p.stem for p in EXAMPLE_SPECS])
def test_every_example_stack_plans(spec: Path) -> None:
    plan = _plan(spec)
    assert plan.duplicate_urns == []
    assert plan.diagnostics == []
    components = [r for r in plan.resources if not r.custom]
    assert components and all(c.type.startswith("mlplat:index:") for c in components)
    for resource in plan.resources:
        if resource.custom and not resource.type.startswith("pulumi:providers:"):
            assert resource.parent is not None, f"{resource.urn} is not parented to a component"
    namespaces = {r.inputs["metadata"]["name"] for r in _by(plan, "kubernetes:core/v1:Namespace")}
    assert "platform" in namespaces


def test_dev_plan_declares_the_first_slice_with_parents() -> None:
    plan = _plan(STACKS / "dev.yaml")
    parent_type = {r.urn: r.type for r in plan.resources}
    expected = {
        "aws:ec2/vpc:Vpc": ("mlplat:index:Network", 1),
        "aws:ec2/subnet:Subnet": ("mlplat:index:Network", 4),
        "aws:eks/cluster:Cluster": ("mlplat:index:EksCluster", 1),
        "aws:eks/nodeGroup:NodeGroup": ("mlplat:index:NodePool", 1),
        "pulumi:providers:kubernetes": ("mlplat:index:KubernetesBase", 1),
        "kubernetes:core/v1:Namespace": (None, 6),
        "kubernetes:helm.sh/v3:Release": (None, 4),
    }
    for typ, (parent, count) in expected.items():
        found = _by(plan, typ)
        assert len(found) == count, typ
        assert parent is None or all(parent_type[r.parent] == parent for r in found), typ
    roles = {parent_type[r.parent] for r in _by(plan, "aws:iam/role:Role")}
    assert roles == {
        "mlplat:index:EksCluster",
        "mlplat:index:NodePool",
        "mlplat:index:Network",
        "mlplat:index:WorkloadIdentity",
    }
    aws_provider = _by(plan, "pulumi:providers:aws")[0]
    assert all(r.provider == aws_provider.urn for r in plan.resources if r.type.startswith("aws:"))
    assert aws_provider.inputs["region"] == "eu-west-1"


def test_urns_use_the_real_engine_format() -> None:
    plan = _plan(STACKS / "dev.yaml")
    group = _by(plan, "aws:eks/nodeGroup:NodeGroup")[0]
    assert group.urn == (
        "urn:pulumi:dev::mlplat::mlplat:index:NodePool$aws:eks/nodeGroup:NodeGroup::mlplat-dev-system-ng"
    )
    assert group.parent == "urn:pulumi:dev::mlplat::mlplat:index:NodePool::mlplat-dev-system"


def test_json_plan_is_byte_identical_between_runs() -> None:
    first = render_json(_plan(STACKS / "dev.yaml"))
    second = render_json(_plan(STACKS / "dev.yaml"))
    assert first == second
    document = json.loads(first)
    assert document["formatVersion"] == 1
    assert [r["urn"] for r in document["resources"]] == sorted(
        r["urn"] for r in document["resources"]
    )


def test_prod_protects_the_cluster_and_spans_three_zones() -> None:
    plan = _plan(STACKS / "prod.yaml")
    assert _by(plan, "aws:eks/cluster:Cluster")[0].options["protect"] is True
    assert len(_by(plan, "aws:ec2/natGateway:NatGateway")) == 3
    amis = {
        r.inputs["labels"]["mlplat.dev/pool"]: r.inputs["amiType"]
        for r in _by(plan, "aws:eks/nodeGroup:NodeGroup")
    }
    assert amis == {
        "system": "AL2023_x86_64_STANDARD",
        "general": "AL2023_ARM_64_STANDARD",
        "gpu-inference": "BOTTLEROCKET_x86_64_NVIDIA",
        "gpu-notebooks": "AL2023_x86_64_NVIDIA",
        "gpu-training": "AL2023_x86_64_NVIDIA",
    }
    assert plan.spec_files == ["stacks/prod.yaml", "stacks/base/aws.yaml"]


def test_dev_does_not_protect_the_cluster() -> None:
    assert _by(_plan(STACKS / "dev.yaml"), "aws:eks/cluster:Cluster")[0].options["protect"] is False


def test_existing_cluster_declares_no_cloud_resources() -> None:
    plan = _plan(STACKS / "local.yaml")
    assert not [r for r in plan.resources if r.type.startswith(("aws:", "pulumi:providers:aws"))]
    provider = _by(plan, "pulumi:providers:kubernetes")[0]
    assert provider.inputs["context"] == "kind-mlplat"
    assert plan.outputs["kubeContext"] == "kind-mlplat"


def test_secrets_never_appear_in_any_output_format() -> None:
    plan = _plan(STACKS / "dev.yaml")
    assert plan.outputs["kubeconfig"] == SECRET
    assert _by(plan, "pulumi:providers:kubernetes")[0].inputs["kubeconfig"] == SECRET
    for fmt in ("json", "text", "markdown"):
        text = render(plan, fmt)
        assert "get-token" not in text and "certificate-authority-data" not in text


def test_renderers_state_what_the_plan_is() -> None:
    plan = _plan(STACKS / "dev.yaml")
    for fmt in ("text", "markdown"):
        text = render(plan, fmt)
        assert "Not a diff against live state" in text
        assert "mlplat-dev-system-ng" in text
    assert "<details>" in render(plan, "markdown")


def test_duplicate_urns_are_reported(synth) -> None:
    def program():
        pulumi.CustomResource("test:index:Thing", "same", {})
        pulumi.CustomResource("test:index:Thing", "same", {})

    assert synth(program).plan.duplicate_urns == ["urn:pulumi:test::mlplat::test:index:Thing::same"]


def test_runs_are_isolated_from_each_other(synth) -> None:
    first = synth(lambda: pulumi.export("a", 1), config={"mlplat:x": "1"})
    second = synth(lambda: pulumi.export("b", pulumi.Config("mlplat").get("x")))
    assert first.outputs == {"a": 1}
    assert second.outputs == {"b": None}


def test_program_errors_propagate_instead_of_passing_silently(synth) -> None:
    def program():
        raise ValueError("boom")

    with pytest.raises(Exception, match="boom"):
        synth(program)


def test_the_program_refuses_an_invalid_spec(synth) -> None:
    bad = Path(__file__).parent.parent / "spec" / "cases" / "invalid" / "enum.yaml"
    from mlplat.program import main

    with pytest.raises(pulumi.RunError, match=r"enum\.yaml:6:16: error\[not-allowed\]"):
        synth(main, config={"mlplat:spec": str(bad)})


def test_unknown_data_sources_fail_loudly(synth) -> None:
    import pulumi_aws as aws

    # getRegion has a placeholder (user programs call it); the default VPC has none.
    with pytest.raises(Exception, match="getVpc:getVpc, which the offline plan has no placeholder"):
        synth(lambda: aws.ec2.get_vpc(default=True))


def test_build_plan_maps_provider_references() -> None:
    from mlplat.plan.runtime import ProgramRun, Registration

    def reg(urn, typ, name, provider=""):
        return Registration(
            urn,
            typ,
            name,
            True,
            "",
            provider,
            {
                "a": {
                    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                    "value": "pw",
                }
            },
            [],
            {},
            False,
            False,
            [],
            [],
        )

    run = ProgramRun(
        "mlplat",
        "s",
        [
            reg("m1", "pulumi:providers:aws", "p"),
            reg("m2", "aws:s3/bucket:Bucket", "b", "m1::p-id"),
        ],
        {},
    )
    plan = build_plan(run, [])
    bucket = next(r for r in plan.resources if r.name == "b")
    assert bucket.provider == "urn:pulumi:s::mlplat::pulumi:providers:aws::p"
    assert bucket.inputs == {"a": SECRET}
