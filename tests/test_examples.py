"""The example programs in examples/ plan offline, as a user's own Pulumi code (#19)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import pytest
import yaml

from mlplat.plan.model import build_plan
from mlplat.plan.placeholders import CloudContext
from mlplat.plan.policy_check import check
from mlplat.plan.runtime import run_program
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "gpu-pool-and-mlflow"


def _plan(folder: Path):
    """Run ``folder/__main__.py`` as Pulumi would, with its example stack config."""

    def program() -> None:
        runpy.run_path(str(folder / "__main__.py"), run_name="__main__")

    project = yaml.safe_load((folder / "Pulumi.yaml").read_text())["name"]
    config = yaml.safe_load((folder / "Pulumi.example.yaml").read_text())["config"]
    run = run_program(
        program,
        stack="example",
        config={k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()},
        ctx=CloudContext(region=config["aws:region"]),
        project=project,
    )
    return build_plan(run, [])


@pytest.fixture(scope="module")
def plan():
    return _plan(EXAMPLE)


def _one(plan, typ: str, namespace: str | None = None):
    found = [
        r
        for r in plan.resources
        if r.type == typ and (namespace is None or (r.inputs.get("namespace") or "") == namespace)
    ]
    assert len(found) == 1, [r.name for r in found]
    return found[0]


def test_the_gpu_pool_is_an_nvidia_pool_that_scales_from_zero(plan) -> None:
    group = _one(plan, "aws:eks/nodeGroup:NodeGroup")
    assert group.inputs["amiType"] == "AL2023_x86_64_NVIDIA"
    assert group.inputs["scalingConfig"]["minSize"] == 0
    assert {"key": "nvidia.com/gpu", "value": "present", "effect": "NO_SCHEDULE"} in group.inputs[
        "taints"
    ]
    assert group.inputs["clusterName"] == "ml-cluster"
    assert _one(plan, "kubernetes:helm.sh/v3:Release", "gpu-system")


def test_mlflow_runs_on_its_own_logins_bucket_prefix_and_role(plan) -> None:
    release = _one(plan, "kubernetes:helm.sh/v3:Release", "mlflow")
    text = json.dumps(release.inputs["values"])
    assert "mlflow-db" in text and "mlflowauth-db" in text  # the generated logins' Secrets
    assert "eks.amazonaws.com/role-arn" in text
    (policy,) = [
        r
        for r in plan.resources
        if r.type == "aws:iam/rolePolicy:RolePolicy" and r.name == "mlflow-policy"
    ]
    resources = {
        arn
        for statement in json.loads(policy.inputs["policy"])["Statement"]
        for arn in (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        )
    }
    assert any(arn.endswith(":example-ml-artifacts-111122223333/mlflow/*") for arn in resources)
    assert plan.outputs["mlflowUrl"] == "http://mlflow.mlflow.svc:5000"


def test_every_namespace_it_fills_denies_by_default(plan) -> None:
    denied = {
        r.inputs["metadata"]["namespace"]
        for r in plan.resources
        if r.type == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
        and r.inputs["metadata"]["name"] == "default-deny"
    }
    assert {"mlflow", "mlflow-setup", "gpu-system"} <= denied


def test_the_policy_pack_finds_nothing_mandatory(plan) -> None:
    report = check((vars(r) for r in plan.resources), {})
    assert report.summary()["mandatory"] == 0, [
        f.format() if hasattr(f, "format") else f for f in report.findings
    ]
