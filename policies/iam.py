"""IAM policies and roles, including IRSA trust."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import as_list, document, principals, statements

ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/policy:Policy"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_POLICY_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
POLICY_ATTACHMENT = "aws:iam/policyAttachment:PolicyAttachment"
OIDC_PROVIDER = re.compile(r":oidc-provider/(.+)$")
SERVICE_ACCOUNT = re.compile(r"^system:serviceaccount:[a-z0-9-]+:[a-z0-9.-]+$")


def _documents(args: Any) -> list[tuple[str, Mapping[str, Any]]]:
    props = args.props
    if args.resource_type in (POLICY, ROLE_POLICY):
        return [("policy", document(props.get("policy"), "policy"))]
    if args.resource_type == ROLE:
        return [
            (f"inline policy {p.get('name')}", document(p.get("policy"), "inlinePolicies"))
            for p in as_list(props.get("inlinePolicies"))
        ]
    return []


def _no_admin(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    denied = set(settings["deniedManagedPolicies"])
    arns = [args.props.get("policyArn"), *as_list(args.props.get("managedPolicyArns"))]
    for arn in (a for a in arns if a):
        if str(arn).split(":", 5)[-1] in denied or arn in denied:
            report(f"attaches {arn}")
    for where, doc in _documents(args):
        for statement in statements(doc):
            actions = {str(a) for a in as_list(statement.get("Action"))}
            resources = {str(r) for r in as_list(statement.get("Resource"))}
            if statement.get("Effect") == "Allow" and actions & {"*", "*:*"} and "*" in resources:
                report(f"{where} allows every action on every resource")


def _irsa_trust(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    trust = document(args.props.get("assumeRolePolicy"), "assumeRolePolicy")
    for statement in statements(trust):
        if statement.get("Effect") != "Allow":
            continue
        if "*" in principals(statement, "AWS") or principals(statement) == ["*"]:
            report("the trust policy lets any AWS principal assume the role")
            continue
        issuers = [
            m.group(1)
            for p in principals(statement, "Federated")
            if (m := OIDC_PROVIDER.search(str(p)))
        ]
        if not issuers:
            continue
        conditions = statement.get("Condition") or {}
        exact = conditions.get("StringEquals") or {}
        subjects = [s for issuer in issuers for s in as_list(exact.get(f"{issuer}:sub"))]
        exact_names = [str(s) for s in subjects if SERVICE_ACCOUNT.match(str(s))]
        accounts = {s.rsplit(":", 1)[-1] for s in exact_names}
        if not subjects or len(exact_names) != len(subjects) or len(accounts) != 1:
            found = subjects or "none"
            report(
                "web identity trust must name one service account (in one or more listed "
                f"namespaces) in StringEquals <issuer>:sub; found {found}"
            )
        if conditions.get("StringLike"):
            report(
                "StringLike in a web identity trust lets a pattern of service accounts "
                "assume the role"
            )


CONTROLS = [
    Control(
        "iam-no-admin-policy",
        "No policy grants every action on every resource, and no admin managed policy is attached.",
        frozenset({ROLE, POLICY, ROLE_POLICY, ROLE_POLICY_ATTACHMENT, POLICY_ATTACHMENT}),
        ("CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_274", "CKV_AWS_275"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Grant the actions and resources the workload needs; mlplat scopes every role it creates.",
        _no_admin,
        settings={
            "deniedManagedPolicies": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["policy/AdministratorAccess", "policy/IAMFullAccess"],
                "description": "Managed policies (ARN or the part after the account).",
            }
        },
    ),
    Control(
        "iam-irsa-trust-scoped",
        "Roles for service accounts trust one named service account (in listed namespaces); "
        "no role trusts everyone.",
        frozenset({ROLE}),
        ("EKS-BPG-scope-irsa-trust", "CKV_AWS_60", "CKV_AWS_61", "CIS-EKS-5.2.1"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's WorkloadIdentity scopes each role to `system:serviceaccount:<ns>:<name>` "
        "(a team's role: the same account in each of its namespaces); give each workload its "
        "own role.",
        _irsa_trust,
    ),
]
