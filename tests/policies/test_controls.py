"""Every control over its compliant and non-compliant fixtures, through the same policy
objects the CrossGuard pack serves; plus unknown values and exemptions."""

from __future__ import annotations

import pytest

from mlplat.policies import BY_ID, CONTROLS
from mlplat.policies.runner import UNKNOWN_MARKER, Status, evaluate
from tests.policies.cases import CASES, OK
from tests.policies.fixtures import (
    GOOD_CLUSTER,
    GOOD_LT,
    GOOD_MLFLOW_VALUES,
    GOOD_NODE_GROUP,
    GOOD_POD,
    NODE_GROUP,
    ROLE,
    bucket_set,
    changed,
    namespace,
    release,
    res,
    workload,
)
from tests.spec.tables import add_gpu_family, gpus_to_cpu

PARAMS = [
    pytest.param(control_id, resources, fails, id=f"{control_id}[{label}]")
    for control_id, cases in CASES.items()
    for label, resources, fails in cases
]


def violations(control_id, resources, config=None):
    control = BY_ID[control_id]
    verdict = evaluate(resources, {control_id: config} if config else {}, [control])
    return [f for f in verdict.findings if f.status is Status.VIOLATION]


@pytest.mark.parametrize(("control_id", "resources", "fails"), PARAMS)
def test_case(control_id, resources, fails):
    found = violations(control_id, resources)
    assert bool(found) is fails, found
    assert all(f.control == control_id and f.message for f in found)


def test_every_control_has_compliant_and_failing_cases():
    ids = {c.id for c in CONTROLS}
    assert set(CASES) == ids
    for control_id, cases in CASES.items():
        outcomes = {fails for _, _, fails in cases}
        assert outcomes == {True, False}, control_id


def test_failing_cases_point_at_the_failing_resource():
    (finding,) = violations("s3-versioning", bucket_set(versioning=None))
    assert finding.urn.endswith("::artifacts")
    (finding,) = violations(
        "ec2-imdsv2-required",
        [
            res(
                "aws:ec2/launchTemplate:LaunchTemplate",
                changed(GOOD_LT, "metadataOptions.httpTokens", "optional"),
                "nodes",
            )
        ],
    )
    assert finding.urn.endswith("::nodes")


@pytest.mark.parametrize(
    ("control_id", "resources"),
    [
        (
            "eks-endpoint-no-open-public-cidr",
            [
                res(
                    "aws:eks/cluster:Cluster",
                    changed(GOOD_CLUSTER, "vpcConfig.endpointPublicAccess", UNKNOWN_MARKER),
                )
            ],
        ),
        (
            "ec2-imdsv2-required",
            [
                res(
                    "aws:ec2/launchTemplate:LaunchTemplate",
                    changed(GOOD_LT, "metadataOptions.httpTokens", UNKNOWN_MARKER),
                )
            ],
        ),
        ("iam-irsa-trust-scoped", [res(ROLE, {"assumeRolePolicy": UNKNOWN_MARKER})]),
        ("iam-irsa-trust-scoped", [res(ROLE, {"assumeRolePolicy": "[secret]"})]),
        (
            "k8s-pss-restricted",
            [workload(changed(GOOD_POD, "containers.0.securityContext", UNKNOWN_MARKER))],
        ),
        (
            "s3-public-access-block",
            [
                r
                if not r.name.endswith("bpab")
                else res(
                    r.type,
                    {**r.props, "blockPublicPolicy": UNKNOWN_MARKER},
                    r.name,
                    deps=dict(r.property_dependencies),
                )
                for r in bucket_set()
            ],
        ),
        (
            "helm-values-hardened",
            [release(changed(GOOD_MLFLOW_VALUES, "auth.adminPassword", UNKNOWN_MARKER))],
        ),
    ],
)
def test_unknown_values_are_never_a_pass(control_id, resources):
    verdict = evaluate(resources, {}, [BY_ID[control_id]])
    assert [f.status for f in verdict.findings] == [Status.UNKNOWN]
    assert verdict.findings[0].message.startswith("cannot evaluate before apply")
    assert not verdict.mandatory_failures


def test_unknown_values_the_rule_never_reads_do_not_block():
    values = changed(GOOD_MLFLOW_VALUES, "serviceAccount.annotations", UNKNOWN_MARKER)
    assert evaluate([release(values)], {}, [BY_ID["helm-values-hardened"]]).findings == []


EXEMPTIONS = [
    {"namespace": "team-a", "reason": "the team runs its own node agent"},
    {"workload": "team-a/Deployment/trainer", "reason": "the team runs its own node agent"},
    {"resource": "trainer", "reason": "the team runs its own node agent"},
    {"parent": "agents", "reason": "the team runs its own node agent"},
]


@pytest.mark.parametrize("exemption", EXEMPTIONS, ids=lambda e: next(iter(e)))
def test_exemptions_are_reported_with_their_reason(exemption):
    pod = changed(GOOD_POD, "hostNetwork", True)
    agent = workload(pod)
    agent = type(agent)(
        agent.urn,
        agent.type,
        agent.name,
        agent.props,
        "urn:pulumi:test::mlplat::mlplat:index:Agents::agents",
    )
    config = {"k8s-no-host-namespaces": {"exemptions": [exemption]}}
    verdict = evaluate([agent], config, [BY_ID["k8s-no-host-namespaces"]])
    (finding,) = verdict.findings
    assert finding.status is Status.EXEMPT
    assert finding.urn == agent.urn
    assert "the team runs its own node agent" in finding.message
    assert "hostNetwork" in finding.message  # what it would have reported
    assert not verdict.mandatory_failures


def test_an_exemption_for_another_object_exempts_nothing():
    config = {
        "k8s-no-host-namespaces": {
            "exemptions": [{"namespace": "team-b", "reason": "the team runs its own node agent"}]
        }
    }
    verdict = evaluate(
        [workload(changed(GOOD_POD, "hostNetwork", True))],
        config,
        [BY_ID["k8s-no-host-namespaces"]],
    )
    assert [f.status for f in verdict.mandatory_failures] == [Status.VIOLATION]


def test_stack_control_exemption_names_the_resource():
    config = {
        "k8s-default-deny-netpol": {
            "exemptions": [
                {"resource": "team-a", "reason": "the team's own mesh enforces isolation"}
            ]
        }
    }
    verdict = evaluate([namespace("team-a"), *OK], config, [BY_ID["k8s-default-deny-netpol"]])
    (finding,) = verdict.findings
    assert finding.status is Status.EXEMPT and finding.urn.endswith("::team-a")
    assert "mesh" in finding.message


def test_settings_change_the_verdict():
    public_ssh = [
        res(
            "aws:ec2/securityGroup:SecurityGroup",
            {
                "ingress": [
                    {
                        "protocol": "tcp",
                        "fromPort": 22.0,
                        "toPort": 22.0,
                        "cidrBlocks": ["0.0.0.0/0"],
                    }
                ]
            },
        )
    ]
    assert violations("sg-no-public-admin-ingress", public_ssh)
    assert not violations(
        "sg-no-public-admin-ingress", public_ssh, {"allowedPublicPorts": [22, 443]}
    )
    rds = [
        res("aws:rds/instance:Instance", {"storageEncrypted": True, "backupRetentionPeriod": 7.0})
    ]
    assert not violations("rds-backup-retention", rds)
    assert violations("rds-backup-retention", rds, {"minDays": 30})


def test_which_node_groups_must_be_gpu_tainted_follows_the_instance_table(monkeypatch):
    group = [res(NODE_GROUP, changed(GOOD_NODE_GROUP, "instanceTypes", ["zz9.xlarge"]))]
    assert violations("eks-gpu-nodegroup-tainted", group) == []
    add_gpu_family(monkeypatch)
    assert violations("eks-gpu-nodegroup-tainted", group)
    gpu = [res(NODE_GROUP, changed(GOOD_NODE_GROUP, "instanceTypes", ["g6.xlarge"]))]
    assert violations("eks-gpu-nodegroup-tainted", gpu)
    gpus_to_cpu(monkeypatch, "g6")
    assert violations("eks-gpu-nodegroup-tainted", gpu) == []
