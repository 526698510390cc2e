"""IAM documents and ARNs, as plain data (no Pulumi), so tests and parliament can read them.

Every document the platform attaches is built here, once. Permission documents name
exact resources; trust documents name exactly one principal and pin it with conditions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

Statement = dict[str, Any]

IRSA_AUDIENCE = "sts.amazonaws.com"
AUTOSCALING_SERVICE = "autoscaling.amazonaws.com"
"""The EC2 Auto Scaling service, whose service-linked role launches node volumes."""


def document(statements: Sequence[Statement]) -> str:
    """A policy document (version 2012-10-17) as canonical JSON."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, sort_keys=True)


def assume_role_policy(
    service: str,
    actions: tuple[str, ...] = ("sts:AssumeRole",),
    source_account: str | None = None,
) -> str:
    """A trust policy that lets one AWS service principal assume the role; with
    ``source_account``, only on behalf of that account (no confused deputy)."""
    statement: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": list(actions),
    }
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return document([statement])


def irsa_trust_policy(
    provider_arn: str,
    issuer_url: str,
    namespace: str,
    service_account: str,
    more_namespaces: Sequence[str] = (),
) -> str:
    """Trust for one Kubernetes service account through the cluster's OIDC provider.

    ``more_namespaces`` trusts the account of the same name in those namespaces too (a
    team's namespaces share its role); ``:sub`` then lists each, never a wildcard.

    ``:sub`` and ``:aud`` sit in one ``StringEquals`` map: two separate ``StringEquals``
    keys in one JSON object would silently keep only the last, dropping the ``:sub`` pin.
    """
    issuer = issuer_url.removeprefix("https://")
    subjects = [
        f"system:serviceaccount:{ns}:{service_account}" for ns in (namespace, *more_namespaces)
    ]
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": subjects[0] if len(subjects) == 1 else subjects,
                        f"{issuer}:aud": IRSA_AUDIENCE,
                    }
                },
            }
        ]
    )


def pod_identity_trust_policy(account_id: str, cluster_arn: str) -> str:
    """Trust for EKS Pod Identity, limited to one account and one cluster.

    The service account itself is pinned by the role's single PodIdentityAssociation.
    """
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnEquals": {"aws:SourceArn": cluster_arn},
                },
            }
        ]
    )


def s3_prefix_access(
    bucket_arn: str,
    prefixes: Sequence[str],
    key_arn: str,
    region: str,
    *,
    write: bool,
    head_bucket: bool = False,
) -> str:
    """Read (and optionally write) objects under ``prefixes`` of one SSE-KMS bucket;
    ``head_bucket`` adds HeadBucket (``s3:ListBucket`` with no prefix, so also listing key
    names) for clients that check the bucket first (Feast's file registry)."""
    object_actions = ["s3:GetObject", "s3:GetObjectVersion"]
    key_actions = ["kms:Decrypt"]
    if write:
        object_actions += ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
        key_actions += ["kms:GenerateDataKey"]
    clean = [p.strip("/") for p in prefixes]
    head = (
        [
            {
                "Sid": "HeadBucket",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
            }
        ]
        if head_bucket
        else []
    )
    return document(
        [
            *head,
            {
                "Sid": "ListPrefixes",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": [f"{p}/*" for p in clean]}},
            },
            {
                "Sid": "Objects",
                "Effect": "Allow",
                "Action": object_actions,
                "Resource": [f"{bucket_arn}/{p}/*" for p in clean],
            },
            {
                "Sid": "BucketKey",
                "Effect": "Allow",
                "Action": key_actions,
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            },
        ]
    )


def ecr_pull_through_cache(repository_arns: Sequence[str]) -> str:
    """What a first pull through a cache rule needs beyond pulling: create the cache's
    repository and import the upstream image into it, only under the rules' prefixes
    (``repository_arns`` end in ``repository/<prefix>/*``)."""
    return document(
        [
            {
                "Sid": "PullThroughCache",
                "Effect": "Allow",
                "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
                "Resource": list(repository_arns),
            }
        ]
    )


def kms_use_for_grants(key_arn: str) -> str:
    """Let a controller (EBS CSI, EKS) use the platform key and grant it to AWS services."""
    return document(
        [
            {
                "Sid": "UseKey",
                "Effect": "Allow",
                "Action": [
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                "Resource": key_arn,
            },
            {
                "Sid": "GrantToAwsResources",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                "Resource": key_arn,
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
        ]
    )


def log_delivery(log_group_arn: str) -> str:
    """Write log streams into one log group (VPC flow logs)."""
    return document(
        [
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                    "logs:DescribeLogStreams",
                ],
                "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
            }
        ]
    )


def kms_key_policy(partition: str, account_id: str, region: str) -> str:
    """The platform key's policy: no wildcard principal; AWS services only where they must.

    The account root statement lets IAM policies grant use of the key (EKS, RDS, ECR and
    the CSI driver get it that way). Services that act with their own principal are
    named: CloudWatch Logs (encrypted log groups, pinned to this account's log groups),
    S3 server access logging (pinned to this account), and the EC2 Auto Scaling
    service-linked role, which launches node groups' encrypted root volumes.
    """
    account_root = f"arn:{partition}:iam::{account_id}:root"
    autoscaling = (
        f"arn:{partition}:iam::{account_id}:role/aws-service-role/"
        f"{AUTOSCALING_SERVICE}/AWSServiceRoleForAutoScaling"
    )
    crypto = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"]
    return document(
        [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "AutoScalingUsesKeyForNodeVolumes",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": [*crypto, "kms:DescribeKey"],
                "Resource": "*",
            },
            {
                "Sid": "AutoScalingGrantsKeyToEc2",
                "Effect": "Allow",
                "Principal": {"AWS": autoscaling},
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
            {
                "Sid": "CloudWatchLogsEncryptsThisAccountsLogGroups",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": crypto,
                "Resource": "*",
                "Condition": {
                    # StringLike: the encryption context key is a string, not an ARN field.
                    "StringLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{partition}:logs:{region}:{account_id}:log-group:*"
                        )
                    }
                },
            },
            {
                "Sid": "S3AccessLoggingWritesEncryptedLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "kms:GenerateDataKey",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ]
    )


def bucket_policy(bucket_arn: str, account_id: str, log_sources: Sequence[str] = ()) -> str:
    """TLS-only access; a logs bucket also admits S3 access logging from ``log_sources``.

    Object ownership is BucketOwnerEnforced (ACLs off), so log delivery is granted here
    rather than through the log-delivery group ACL.
    """
    statements: list[Statement] = [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]
    if log_sources:
        statements.append(
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account_id},
                    "ArnLike": {"aws:SourceArn": list(log_sources)},
                },
            }
        )
    return document(statements)


def managed_policy_arn(partition: str, name: str) -> str:
    """ARN of an AWS-managed IAM policy in ``partition``."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def eks_access_policy_arn(partition: str, name: str) -> str:
    """ARN of an EKS access policy (used by access entries, not IAM)."""
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


def team_workload(
    prefix: str,
    bucket_arns: Sequence[str],
    key_arn: str,
    region: str,
    repositories_arn: str,
    identity: tuple[str, str],
) -> str:
    """A team's pods: read and write ``prefix`` (``teams/<team>/<uid>/``) in each bucket,
    push and pull the team's repositories (``repositories_arn`` ends in
    ``repository/<prefix>/*``, the team's repository namespace) that carry the team's
    identity tag, nothing else.

    ``identity`` is (tag key, team uid): a later team of the same name, with another uid,
    reaches neither the prefix nor the repositories of the team before it.
    """
    assert prefix.endswith("/"), "a prefix without its slash also matches other teams' keys"
    tag, uid = identity
    return document(
        [
            {
                "Sid": "ListTeamPrefix",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": list(bucket_arns),
                "Condition": {"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
            },
            {
                "Sid": "TeamObjects",
                "Effect": "Allow",
                "Action": [
                    "s3:GetObject",
                    "s3:GetObjectVersion",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                ],
                "Resource": [f"{arn}/{prefix}*" for arn in bucket_arns],
            },
            {
                "Sid": "BucketKey",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            },
            {
                "Sid": "RegistryToken",
                "Effect": "Allow",
                "Action": "ecr:GetAuthorizationToken",
                "Resource": "*",
            },
            {
                "Sid": "TeamRepositories",
                "Effect": "Allow",
                "Action": [
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:PutImage",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                ],
                "Resource": repositories_arn,
                "Condition": {"StringEquals": {f"aws:ResourceTag/{tag}": uid}},
            },
        ]
    )


def principal_key(arn: str) -> str:
    """A stable, readable resource-name fragment for an IAM principal ARN."""
    tail = arn.rsplit("/", 1)[-1].lower()[:24]
    return f"{tail}-{hashlib.sha256(arn.encode()).hexdigest()[:6]}"
