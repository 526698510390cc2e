"""IAM documents and managed-policy ARNs, as plain data (no Pulumi), so tests can read them."""

from __future__ import annotations

import json


def assume_role_policy(service: str, actions: tuple[str, ...] = ("sts:AssumeRole",)) -> str:
    """A trust policy that lets one AWS service principal assume the role."""
    return _document(
        [{"Effect": "Allow", "Principal": {"Service": service}, "Action": list(actions)}]
    )


def managed_policy_arn(partition: str, name: str) -> str:
    """ARN of an AWS-managed IAM policy in ``partition``."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def eks_access_policy_arn(partition: str, name: str) -> str:
    """ARN of an EKS access policy (used by access entries, not IAM)."""
    return f"arn:{partition}:eks::aws:cluster-access-policy/{name}"


def _document(statements: list[dict[str, object]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
