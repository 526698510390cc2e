"""IAM documents: shape tests, and parliament on every document the platform generates."""

import json
import warnings
from functools import cache

import pytest

from mlplat.components import iam, iam_load_balancer, iam_services
from tests.conftest import ALL_SPECS, planned

ACCOUNT = "111122223333"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER.removeprefix('https://')}"
BLOCKING = ("MEDIUM", "HIGH", "CRITICAL")
TRUST_FALSE_POSITIVES = {
    # Parliament lints identity policies; trust policies have no Resource by IAM grammar
    # (parliament's own source says so) and it only knows SAML federation providers.
    ("MALFORMED", "Statement contains neither Resource nor NotResource"),
    ("UNKNOWN_FEDERATION_SOURCE", PROVIDER),
}
UNKNOWN_TO_PARLIAMENT = {
    # The Service Authorization Reference lists repository* for this permission-only action
    # (pull-through cache imports); parliament 1.6.4's database predates resource scoping.
    (
        "RESOURCE_MISMATCH",
        "[{'action': 'ecr:BatchImportUpstreamImage', 'required_format': '*'}]",
    ),
    # A real condition key (the AWS Load Balancer Controller's published iam_policy.json
    # uses it to allow tagging only while creating) newer than parliament 1.6.4's database.
    (
        "UNKNOWN_CONDITION_FOR_ACTION",
        "Unknown condition elasticloadbalancing:CreateAction for action "
        "elasticloadbalancing:AddTags",
    ),
}
DOCUMENT_INPUTS = {
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
}


@cache
def _parliament():
    with warnings.catch_warnings():
        # parliament 1.6.4 imports pkg_resources and leaves its config file open.
        warnings.simplefilter("ignore")
        import parliament
    return parliament


def blocking_findings(document: str) -> list[str]:
    """Parliament findings of severity medium or above, minus documented trust-policy noise."""
    parliament = _parliament()
    found = []
    for finding in parliament.analyze_policy_string(document).findings:
        severity = parliament.config[finding.issue]["severity"]
        detail = str(finding.detail)
        is_trust_noise = (finding.issue, detail) in TRUST_FALSE_POSITIVES or (
            finding.issue == "UNKNOWN_FEDERATION_SOURCE" and ":oidc-provider/oidc.eks." in detail
        )
        if (finding.issue, detail) in UNKNOWN_TO_PARLIAMENT:
            continue
        if severity in BLOCKING and not is_trust_noise:
            found.append(f"{finding.issue} ({severity}): {detail}")
    return found


BUILDERS = {
    "kms key policy": iam.kms_key_policy("aws", ACCOUNT, "eu-west-1"),
    "bucket policy": iam.bucket_policy("arn:aws:s3:::logs", ACCOUNT),
    "log bucket policy": iam.bucket_policy(
        "arn:aws:s3:::logs", ACCOUNT, ["arn:aws:s3:::artifacts", "arn:aws:s3:::data"]
    ),
    "s3 read": iam.s3_prefix_access("arn:aws:s3:::a", ["runs"], KEY, "eu-west-1", write=False),
    "s3 write": iam.s3_prefix_access("arn:aws:s3:::a", ["runs/"], KEY, "eu-west-1", write=True),
    "kms grants": iam.kms_use_for_grants(KEY),
    "pull-through cache": iam.ecr_pull_through_cache(
        [f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/k8s/*"]
    ),
    "log delivery": iam.log_delivery(f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:g"),
    "irsa trust": iam.irsa_trust_policy(PROVIDER, ISSUER, "mlflow", "mlflow"),
    "pod identity trust": iam.pod_identity_trust_policy(
        ACCOUNT, f"arn:aws:eks:eu-west-1:{ACCOUNT}:cluster/plat"
    ),
    "service trust": iam.assume_role_policy("ec2.amazonaws.com"),
    "secret read": iam_services.secret_read(
        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:rds!db-1-abc", KEY, "eu-west-1"
    ),
    "cluster autoscaler": iam_services.cluster_autoscaler(
        "plat", [f"arn:aws:eks:eu-west-1:{ACCOUNT}:nodegroup/plat/gpu/1a2b"]
    ),
    "load balancer controller": iam_load_balancer.load_balancer_controller(
        "aws", "eu-west-1", ACCOUNT, "plat", "vpc-0a1b2c3d", "sg-0cluster"
    ),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_document_builder_passes_parliament(name) -> None:
    assert blocking_findings(BUILDERS[name]) == []


@cache
def _plan_documents() -> list[tuple[str, str, str]]:
    documents = []
    for spec in ALL_SPECS:
        for resource in planned(spec).resources:
            key = DOCUMENT_INPUTS.get(resource.type)
            if key and key in resource.inputs:
                where = f"{spec.stem}: {resource.urn}"
                documents.append((resource.type, where, resource.inputs[key]))
    return documents


def test_every_planned_iam_document_passes_parliament() -> None:
    documents = _plan_documents()
    assert {typ for typ, _, _ in documents} == set(DOCUMENT_INPUTS)
    failures = {where: found for _, where, doc in documents if (found := blocking_findings(doc))}
    assert failures == {}


def test_the_parliament_gate_can_fail() -> None:
    # s3:prefix only applies to ListBucket: a classic mix-up that silently never matches.
    mixup = iam.document(
        [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::a/*",
                "Condition": {"StringLike": {"s3:prefix": ["runs/*"]}},
            }
        ]
    )
    assert any(f.startswith("UNKNOWN_CONDITION_FOR_ACTION") for f in blocking_findings(mixup))


def test_irsa_trust_pins_sub_and_aud_in_one_condition_map() -> None:
    (statement,) = json.loads(BUILDERS["irsa trust"])["Statement"]
    issuer = ISSUER.removeprefix("https://")
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{issuer}:sub": "system:serviceaccount:mlflow:mlflow",
            f"{issuer}:aud": "sts.amazonaws.com",
        }
    }


def test_pod_identity_trust_is_limited_to_this_account_and_cluster() -> None:
    (statement,) = json.loads(BUILDERS["pod identity trust"])["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"].endswith(":cluster/plat")


def _principals(document: str) -> list:
    return [s.get("Principal") for s in json.loads(document)["Statement"]]


def test_key_policy_names_every_principal() -> None:
    for principal in _principals(BUILDERS["kms key policy"]):
        assert principal not in ("*", {"AWS": "*"})
        assert next(iter(principal.values())) != "*"


def test_bucket_policy_denies_plain_http_and_only_log_buckets_admit_log_delivery() -> None:
    plain = json.loads(BUILDERS["bucket policy"])["Statement"]
    assert [s["Sid"] for s in plain] == ["DenyInsecureTransport"]
    assert plain[0]["Effect"] == "Deny"
    assert plain[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    logs = json.loads(BUILDERS["log bucket policy"])["Statement"]
    delivery = logs[1]
    assert delivery["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert delivery["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert delivery["Condition"]["ArnLike"]["aws:SourceArn"] == [
        "arn:aws:s3:::artifacts",
        "arn:aws:s3:::data",
    ]


def test_s3_access_is_scoped_to_prefixes_and_the_key_to_s3() -> None:
    statements = {s["Sid"]: s for s in json.loads(BUILDERS["s3 read"])["Statement"]}
    assert statements["Objects"]["Resource"] == ["arn:aws:s3:::a/runs/*"]
    assert "s3:PutObject" not in statements["Objects"]["Action"]
    assert statements["ListPrefixes"]["Condition"] == {"StringLike": {"s3:prefix": ["runs/*"]}}
    assert statements["BucketKey"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }
