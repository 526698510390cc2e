"""The contract between the platform stack and team stacks.

The platform exports ``teamPlatform``; a team stack reads it through a StackReference.
These tests hold both sides to one shape, plan the example team against the prod plan,
and check that a team in its own stack gets what the same team gets in the platform.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

import pytest

from mlplat.cli import main
from mlplat.components.tenancy.outputs import CONTRACT_VERSION, ContractError, PlatformOutputs
from mlplat.plan.render import render
from mlplat.plan.team_stub import stub_platform
from mlplat.spec import load_spec
from mlplat.spec.team_checks import stack_reference_problem
from tests.conftest import STACKS, planned

PROD, FRAUD = STACKS / "prod.yaml", STACKS / "team-fraud.yaml"


def _exported() -> dict:
    return planned(PROD).outputs["teamPlatform"]


def test_the_platform_exports_every_field_team_stacks_read():
    exported = _exported()
    fields = {f.name for f in dataclasses.fields(PlatformOutputs)}
    assert set(exported) == set(PlatformOutputs.export(dict.fromkeys(fields)))
    assert exported["version"] == CONTRACT_VERSION
    assert PlatformOutputs.from_dict(exported).cluster_name == "mlplat-prod"
    assert planned(PROD).outputs["kubeconfig"] == "[secret]"  # the other output team stacks read


def test_the_stub_has_the_platforms_shape():
    spec = load_spec(FRAUD).spec
    assert set(stub_platform(spec)) == set(_exported())


def test_a_team_stack_refuses_another_contract_version():
    with pytest.raises(ContractError, match="version 2"):
        PlatformOutputs.from_dict({**_exported(), "version": 2})
    with pytest.raises(ContractError, match="no 'cohort'"):
        PlatformOutputs.from_dict({k: v for k, v in _exported().items() if k != "cohort"})


def test_a_team_in_its_own_stack_gets_what_a_platform_team_gets():
    def shape(plan, namespace: str) -> Counter:
        def names(r) -> tuple:
            meta = r.inputs.get("metadata", {})
            return meta.get("namespace"), meta.get("name")

        return Counter(
            r.type
            for r in plan.resources
            if r.type.startswith("kubernetes:") and namespace in names(r)
        )

    assert shape(planned(FRAUD), "fraud") == shape(planned(PROD), "nlp")
    own = {r.type for r in planned(FRAUD).resources}
    assert {
        "aws:iam/role:Role",
        "aws:eks/accessEntry:AccessEntry",
        "aws:ecr/repository:Repository",
    } <= own
    assert "aws:eks/cluster:Cluster" not in own  # never touches the platform


def test_team_objects_are_built_from_the_platforms_outputs():
    (queue,) = [r for r in planned(FRAUD).resources if r.type.endswith(":ClusterQueue")]
    assert queue.inputs["spec"]["cohortName"] == "mlplat-prod"
    (role,) = [r for r in planned(FRAUD).resources if r.type == "aws:iam/role:Role"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"]["Federated"] == _exported()["oidcProviderArn"]
    uid = planned(FRAUD).outputs["uid"]
    assert role.inputs["tags"] == {
        "mlplat.dev/team": "fraud",
        "mlplat.dev/cost-center": "cc-5300",
        "mlplat.dev/team-uid": uid,
    }
    (repository,) = [
        r for r in planned(FRAUD).resources if r.type == "aws:ecr/repository:Repository"
    ]
    assert repository.inputs["tags"]["mlplat.dev/team-uid"] == uid
    assert planned(FRAUD).outputs["storagePrefix"] == f"teams/fraud/{uid}/"


def test_plan_against_a_platform_plan_checks_capacity(tmp_path, capsys):
    platform = tmp_path / "prod.json"
    platform.write_text(render(planned(PROD), "json"))
    greedy = tmp_path / "team-greedy.yaml"
    greedy.write_text(FRAUD.read_text().replace("gpus: 4}", "gpus: 40}"))
    assert main(["plan", str(greedy), "--platform-plan", str(platform)]) == 2
    err = capsys.readouterr().err
    assert (
        "error[quota-exceeds-capacity] team.quota.gpus[1].gpus: team 'fraud' asks for 40 GPUs "
        "of pool 'gpu-notebooks', which holds at most 16" in err
    )
    assert "Traceback" not in err


def test_a_platform_plan_without_teams_is_bad_input(tmp_path, capsys):
    platform = tmp_path / "dev.json"
    platform.write_text(render(planned(STACKS / "dev.yaml"), "json"))
    assert main(["validate", str(FRAUD), "--platform-plan", str(platform)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error[bad-input]") and "no teamPlatform output" in err


def test_without_a_platform_plan_the_stub_is_used_and_said(capsys):
    assert main(["plan", str(FRAUD), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "note: no --platform-plan; planning against the stub platform" in captured.err
    plan = json.loads(captured.out)
    assert plan["policy"]["summary"]["mandatory"] == 0


def test_the_platform_exports_every_teams_gpu_quota_its_team_stacks_included():
    assert _exported()["gpuQuotas"] == {
        "recsys": {"gpu-training": 24, "gpu-inference": 4},
        "nlp": {"gpu-training": 8, "gpu-notebooks": 8},
        "fraud": {"gpu-inference": 2, "gpu-notebooks": 4},  # stacks/team-fraud.yaml
    }
    with pytest.raises(ContractError, match="deployed by an older mlplat"):
        PlatformOutputs.from_dict({k: v for k, v in _exported().items() if k != "gpuQuotas"})


@pytest.mark.parametrize(
    ("stack", "organization", "says"),
    [
        ("organization/mlplat/prod", None, None),
        ("organization/mlplat/prod", "organization", None),
        ("acme/mlplat/prod", "acme", None),
        ("acme/mlplat/prod", None, "on a self-managed backend (pulumi login --local"),
        ("acme/mlplat/prod", "organization", "write organization/mlplat/prod"),
        ("organization/mlplat/prod", "acme", "Pulumi Cloud organization 'acme'"),
    ],
)
def test_a_stack_reference_follows_its_backends_rule(stack, organization, says):
    problem = stack_reference_problem(stack, organization)
    assert (problem is None) is (says is None)
    if says:
        assert says in problem


def test_validate_says_the_backend_rule_for_a_cloud_organization(tmp_path):
    path = tmp_path / "team.yaml"
    path.write_text(FRAUD.read_text().replace("organization/mlplat/prod", "acme/mlplat/prod"))
    result = load_spec(path)
    assert result.ok
    (warning,) = result.warnings
    assert warning.code == "stack-reference-backend" and warning.path == ("platform", "stack")
    assert "must read organization/mlplat/prod, with the literal word organization" in (
        warning.message
    )
    # The offline plan cannot know the backend either: it plans, and says the same.
    assert main(["plan", str(path), "--format", "json"]) == 0


def test_a_team_stack_on_a_pool_the_platform_removed_is_refused_at_plan(tmp_path, capsys):
    exported = _exported()
    pools = {k: v for k, v in exported["gpuPools"].items() if k != "gpu-notebooks"}
    plan = json.loads(render(planned(PROD), "json"))
    plan["outputs"]["teamPlatform"] = {**exported, "gpuPools": pools}
    platform = tmp_path / "prod.json"
    platform.write_text(json.dumps(plan))
    assert main(["plan", str(FRAUD), "--platform-plan", str(platform)]) == 2
    err = capsys.readouterr().err
    assert "error[quota-pool-invalid] team.quota.gpus[1].pool" in err
    assert "Kueue deactivates a ClusterQueue that names a missing flavor" in err
