"""The pack as a whole: metadata every control must carry, enforcement that must not be
silently downgraded, config schemas, the engine's own Analyze path, and the catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel

from mlplat.policies import CONTROLS, PACK_NAME, policies
from mlplat.policies.catalogue import markdown
from mlplat.policies.control import Level
from tests.policies.engine import analyze, servicer
from tests.policies.fixtures import GOOD_CLUSTER, changed

ROOT = Path(__file__).resolve().parents[2]
PACK = ROOT / "policies"

MANDATORY = {
    "eks-endpoint-no-open-public-cidr", "eks-secrets-kms-encryption", "eks-control-plane-logging",
    "eks-nodegroup-no-ssh", "ec2-imdsv2-required", "ec2-ebs-encrypted", "ec2-no-public-ip",
    "sg-no-public-admin-ingress", "ecr-immutable-tags", "ecr-scan-on-push",
    "ecr-policy-not-public", "s3-public-access-block", "s3-sse-kms", "s3-versioning",
    "s3-no-public-acl", "rds-storage-encrypted", "rds-not-public", "rds-backup-retention",
    "kms-key-rotation", "kms-key-policy-safe", "iam-no-admin-policy", "iam-irsa-trust-scoped",
    "k8s-no-privileged", "k8s-no-host-namespaces", "k8s-no-hostpath",
    "k8s-capabilities-baseline", "k8s-pss-baseline-misc", "k8s-gpu-requests-wellformed",
    "k8s-image-pinned", "k8s-no-cluster-admin-binding", "helm-values-hardened",
    "team-namespace-restricted", "team-rbac-namespaced", "team-namespace-fenced",
    "team-fence-owner-references", "team-fence-external-ips", "team-fence-gpu-nodes",
    "team-fence-team-identity", "k8s-no-service-external-ips", "kueue-scoped-ha",
    "team-access-after-namespace", "team-egress-narrow", "vpc-endpoint-policy",
    "iam-s3-prefix-delimited", "gpu-node-runtime-hardened", "airflow-fence-task-pods",
}  # fmt: skip
"""The catalogue's mandatory set (policies.md §12.1, helm-values-hardened, tenancy): a control
leaving it is a downgrade someone must make on purpose, here."""
MANDATORY_IN_PROD = MANDATORY | {
    "eks-endpoint-private",
    "lb-not-internet-facing",
    "k8s-pss-restricted",
    "rds-deletion-protection",
    "rds-enhanced-monitoring",
    "team-namespace-identity",
}


def test_ids_are_unique_valid_names():
    ids = [c.id for c in CONTROLS]
    assert len(ids) == len(set(ids)) == 68
    assert "all" not in ids
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]{2,99}", i) for i in ids)


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.id)
def test_every_control_is_documented(control):
    assert control.description.endswith(".") and len(control.description) < 160
    assert control.anchors and control.remediation and control.types
    policy = next(p for p in policies() if p.name == control.id)
    assert policy.remediation_steps == control.remediation
    assert set(control.anchors) <= set(policy.tags)


def test_enforcement_levels_are_pinned():
    assert {c.id for c in CONTROLS if c.level is Level.MANDATORY} == MANDATORY
    assert {c.id for c in CONTROLS if c.level_for("prod") is Level.MANDATORY} == MANDATORY_IN_PROD
    assert {
        p.name for p in policies() if p.enforcement_level is EnforcementLevel.MANDATORY
    } == MANDATORY


@pytest.mark.parametrize("control", CONTROLS, ids=lambda c: c.id)
def test_config_schema_is_valid_and_defaults_fit(control):
    schema = {"type": "object", "properties": control.config_schema().properties}
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(control.defaults(), schema)


def test_exemptions_need_a_reason():
    schema = {"type": "object", "properties": CONTROLS[0].config_schema().properties}
    with pytest.raises(jsonschema.ValidationError, match="reason"):
        jsonschema.validate({"exemptions": [{"namespace": "team-a"}]}, schema)


def _analyze(props, config=None):
    return analyze(servicer(config), "aws:eks/cluster:Cluster", "c", props).diagnostics


def test_the_engine_path_reports_mandatory_violations():
    public = changed(GOOD_CLUSTER, "vpcConfig.endpointPublicAccess", True)
    found = {d.policyName: d.enforcementLevel for d in _analyze(public)}
    assert found["eks-endpoint-no-open-public-cidr"] == analyzer_pb2.MANDATORY
    assert found["eks-endpoint-private"] == analyzer_pb2.ADVISORY
    assert _analyze(GOOD_CLUSTER) == []


def test_the_engine_path_applies_per_stack_config():
    public = changed(GOOD_CLUSTER, "vpcConfig.endpointPublicAccess", True)
    found = {
        d.policyName: d.enforcementLevel
        for d in _analyze(public, {"eks-endpoint-private": {"enforcementLevel": "mandatory"}})
    }
    assert found["eks-endpoint-private"] == analyzer_pb2.MANDATORY


def test_the_engine_path_turns_unknowns_into_advisory_notices():
    unknown = changed(GOOD_CLUSTER, "vpcConfig.endpointPublicAccess", "[unknown]")
    (diagnostic, *_) = [
        d for d in _analyze(unknown) if d.policyName == "eks-endpoint-no-open-public-cidr"
    ]
    assert diagnostic.enforcementLevel == analyzer_pb2.ADVISORY
    assert "can't be known during preview" in diagnostic.message


def test_pack_project_runs_in_the_project_virtualenv():
    project = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert (PACK / project["runtime"]["options"]["virtualenv"]).resolve() == ROOT / ".venv"
    assert "PolicyPack(" in (PACK / "__main__.py").read_text()


def test_catalogue_is_generated_from_the_code():
    assert (PACK / "CONTROLS.md").read_text() == markdown(), (
        "stale: run `python -m mlplat.policies.catalogue > policies/CONTROLS.md`"
    )
    for control in CONTROLS:
        assert f"`{control.id}`" in markdown()


def test_schema_lists_exactly_the_pack_controls():
    from mlplat.spec.schema import schema

    assert schema()["$defs"]["ControlId"]["enum"] == [c.id for c in CONTROLS]


def test_the_pack_entry_point_serves_every_control():
    """Start policies/__main__.py as the CLI does (in the pack directory), ask the running
    analyzer what it serves over gRPC, then stop it."""
    import subprocess
    import sys

    import grpc
    from google.protobuf import empty_pb2
    from pulumi.runtime.proto import analyzer_pb2_grpc

    server = subprocess.Popen(
        [sys.executable, "__main__.py"], cwd=PACK, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        port = int(server.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(
                empty_pb2.Empty(), timeout=30
            )
    finally:
        server.kill()
        server.communicate()
    assert info.name == PACK_NAME
    served = {p.name: p.enforcementLevel for p in info.policies}
    assert set(served) == {c.id for c in CONTROLS}
    assert {n for n, level in served.items() if level == analyzer_pb2.MANDATORY} == MANDATORY
