"""Kubernetes RBAC."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.props import as_list

RBAC = "kubernetes:rbac.authorization.k8s.io/v1"
ROLE, CLUSTER_ROLE = f"{RBAC}:Role", f"{RBAC}:ClusterRole"
ROLE_BINDING, CLUSTER_ROLE_BINDING = f"{RBAC}:RoleBinding", f"{RBAC}:ClusterRoleBinding"
ESCALATING_VERBS = {"escalate", "bind", "impersonate"}
READ_VERBS = {"get", "list", "watch", "*"}


def _subject_id(subject: Mapping[str, Any]) -> str:
    namespace = subject.get("namespace")
    return f"{subject.get('kind')}:{namespace + '/' if namespace else ''}{subject.get('name')}"


def _no_cluster_admin(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    allowed = set(settings["allowedSubjects"])
    ref = args.props.get("roleRef") or {}
    admin = ref.get("kind") == "ClusterRole" and ref.get("name") == "cluster-admin"
    for subject in as_list(args.props.get("subjects")):
        who = _subject_id(subject)
        if who in allowed:
            continue
        if admin:
            report(f"{who} is bound to cluster-admin")
        elif subject.get("kind") == "Group" and subject.get("name") == "system:masters":
            report("a binding names the system:masters group, which bypasses RBAC")


def _no_wildcards(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    cluster_wide = args.resource_type == CLUSTER_ROLE
    for i, rule in enumerate(as_list(args.props.get("rules"))):
        verbs = {str(v) for v in as_list(rule.get("verbs"))}
        resources = {str(r) for r in as_list(rule.get("resources"))}
        groups = {str(g) for g in as_list(rule.get("apiGroups"))}
        if "*" in verbs | resources | groups:
            report(f"rule {i} uses a wildcard in verbs, resources or apiGroups")
        if escalating := sorted(verbs & ESCALATING_VERBS):
            report(f"rule {i} grants {', '.join(escalating)}")
        if cluster_wide and "secrets" in resources and verbs & READ_VERBS:
            report(f"rule {i} reads secrets in every namespace")


CONTROLS = [
    Control(
        "k8s-no-cluster-admin-binding",
        "Nobody outside an allow-list is bound to cluster-admin or system:masters.",
        frozenset({ROLE_BINDING, CLUSTER_ROLE_BINDING}),
        ("CIS-EKS-4.1.1", "Kyverno-restrict-binding-clusteradmin"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Bind a namespaced role with the verbs needed; cluster administrators come from "
        "`cluster.admins` through EKS access entries.",
        _no_cluster_admin,
        settings={
            "allowedSubjects": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "<Kind>:<namespace/>name, e.g. ServiceAccount:ops/breakglass.",
            }
        },
    ),
    Control(
        "k8s-rbac-no-wildcards-escalation",
        "Roles use no wildcards, no escalate/bind/impersonate and no cluster-wide secret reads.",
        frozenset({ROLE, CLUSTER_ROLE}),
        (
            "CKV_K8S_49",
            "CKV_K8S_155",
            "CKV_K8S_156",
            "CKV_K8S_157",
            "CKV_K8S_158",
            "CIS-EKS-4.1.2",
            "CIS-EKS-4.1.3",
            "CIS-EKS-4.1.8",
        ),
        Severity.HIGH,
        Level.ADVISORY,
        "List the API groups, resources and verbs the role needs.",
        _no_wildcards,
    ),
]
