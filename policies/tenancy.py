"""Tenancy: a team namespace is fenced in, and team access never reaches past it.

Team objects carry the ``mlplat.dev/team`` label (mlplat's Team component sets it; the
Kueue ClusterQueue and the network policies select on it), and team members act through
the Kubernetes groups ``mlplat:<team>:<role>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import Severity

from mlplat.policies.control import Control, Level, Report
from mlplat.policies.namespaces import ENFORCE, NAMESPACE, NETWORK_POLICY, is_default_deny
from mlplat.policies.props import as_list, dig, namespace_of
from mlplat.policies.rbac import CLUSTER_ROLE_BINDING, ROLE_BINDING

TEAM_LABEL = "mlplat.dev/team"
TEAM_GROUP_PREFIX = "mlplat:"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota"
LOCAL_QUEUE = "kubernetes:kueue.x-k8s.io/v1beta2:LocalQueue"
CRITICAL_CLASSES = ("system-node-critical", "system-cluster-critical")


def _team_of(props: Any) -> str | None:
    return (dig(props, "metadata.labels") or {}).get(TEAM_LABEL)


def _restricted(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    team = _team_of(args.props)
    level = (dig(args.props, "metadata.labels") or {}).get(ENFORCE)
    if team and level != "restricted":
        report(f"namespace of team {team} enforces {level or 'no Pod Security level'}")


def _team_subjects(props: Any) -> list[str]:
    return [
        str(s.get("name"))
        for s in as_list(props.get("subjects"))
        if s.get("kind") == "Group" and str(s.get("name", "")).startswith(TEAM_GROUP_PREFIX)
    ]


def _namespaced_rbac(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    subjects = _team_subjects(args.props)
    team = _team_of(args.props)
    if not subjects and not team:
        return
    who = ", ".join(subjects) or f"team {team}"
    if args.resource_type == CLUSTER_ROLE_BINDING:
        report(f"a ClusterRoleBinding grants {who} access beyond the team's namespaces")
    elif dig(args.props, "roleRef.kind") != "Role":
        ref = dig(args.props, "roleRef.name")
        report(f"{who} is bound to ClusterRole {ref}; bind a Role of the team's namespace")


def _closes_critical_priority(props: Any) -> bool:
    """Zero pods for a scope that covers both system-critical priority classes."""
    if str((dig(props, "spec.hard") or {}).get("pods")) != "0":
        return False
    return any(
        e.get("scopeName") == "PriorityClass"
        and e.get("operator") == "In"
        and set(CRITICAL_CLASSES) <= set(as_list(e.get("values")))
        for e in as_list(dig(props, "spec.scopeSelector.matchExpressions"))
    )


def _fenced(args: Any, report: Report, settings: Mapping[str, Any]) -> None:
    found: dict[str, set[str]] = {}

    def note(namespace: str | None, what: str) -> None:
        if namespace:
            found.setdefault(namespace, set()).add(what)

    for r in args.resources:
        props = r.props
        if r.resource_type == NETWORK_POLICY and is_default_deny(props):
            note(namespace_of(props), "a default-deny NetworkPolicy")
        elif r.resource_type == LIMIT_RANGE:
            note(namespace_of(props), "a LimitRange")
        elif r.resource_type == RESOURCE_QUOTA and dig(props, "spec.hard") is not None:
            hard = dig(props, "spec.hard") or {}
            if "requests.nvidia.com/gpu" in hard:
                note(namespace_of(props), "a ResourceQuota capping GPUs")
            if _closes_critical_priority(props):
                note(namespace_of(props), CRITICAL_FENCE)
        elif r.resource_type == LOCAL_QUEUE:
            note(namespace_of(props), "a Kueue LocalQueue")
    needed = set(settings["required"])
    for ns in (r for r in args.resources if r.resource_type == NAMESPACE):
        team = _team_of(ns.props)
        if not team:
            continue
        name = dig(ns.props, "metadata.name") or ns.name
        missing = sorted(needed - found.get(name, set()))
        if missing:
            report(f"team {team}'s namespace {name} has no {', no '.join(missing)}", ns.urn)


CRITICAL_FENCE = "a ResourceQuota closing the system-critical priority classes"
FENCE = [
    "a default-deny NetworkPolicy",
    "a LimitRange",
    "a ResourceQuota capping GPUs",
    "a Kueue LocalQueue",
    CRITICAL_FENCE,
]

CONTROLS = [
    Control(
        "team-namespace-restricted",
        "Team namespaces enforce Pod Security restricted.",
        frozenset({NAMESPACE}),
        ("PSS-restricted", "EKS-BPG-multitenancy-soft"),
        Severity.HIGH,
        Level.MANDATORY,
        "mlplat's Team component labels every team namespace restricted; workloads that need "
        "more belong to the platform, not to a team.",
        _restricted,
    ),
    Control(
        "team-rbac-namespaced",
        "Team groups are bound only to Roles of their own namespaces, never to a ClusterRole "
        "or through a ClusterRoleBinding.",
        frozenset({ROLE_BINDING, CLUSTER_ROLE_BINDING}),
        ("CIS-EKS-4.1.1", "EKS-BPG-multitenancy-rbac"),
        Severity.CRITICAL,
        Level.MANDATORY,
        "Bind the team's groups to the team-admin and team-viewer Roles mlplat creates in each "
        "team namespace.",
        _namespaced_rbac,
    ),
    Control(
        "team-namespace-fenced",
        "Every team namespace has a default-deny NetworkPolicy, a LimitRange, quotas capping "
        "GPUs and closing system-critical priorities, and a Kueue LocalQueue.",
        frozenset({NAMESPACE, NETWORK_POLICY, LIMIT_RANGE, RESOURCE_QUOTA, LOCAL_QUEUE}),
        ("EKS-BPG-multitenancy-quotas", "EKS-BPG-default-deny", "CIS-EKS-4.3.2"),
        Severity.HIGH,
        Level.MANDATORY,
        "Declare team namespaces through the spec's teams (or a kind: Team stack), which "
        "creates all five.",
        _fenced,
        stack=True,
        settings={
            "required": {
                "type": "array",
                "items": {"enum": FENCE},
                "default": FENCE,
                "description": "What every team namespace must have.",
            }
        },
    ),
]
