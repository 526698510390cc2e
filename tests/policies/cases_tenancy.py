"""Fixtures for the tenancy controls: a fenced team namespace, and one change at a time."""

from __future__ import annotations

from mlplat_policies.runner import Resource
from tests.policies.fixtures import DENY_ALL, changed, k8s, namespace


def team_namespace(level: str) -> Resource:
    """The fraud team's namespace, enforcing Pod Security ``level``."""
    labels = {"mlplat.dev/team": "fraud", "pod-security.kubernetes.io/enforce": level}
    return k8s(
        "Namespace", "core/v1", {"metadata": {"name": "fraud", "labels": labels}}, "fraud", None
    )


TEAM_NS = team_namespace("restricted")
TEAM_BINDING = {
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "team-admin"},
    "subjects": [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "mlplat:fraud:admins"}
    ],
}
TEAM_FENCE = [
    k8s("NetworkPolicy", "networking.k8s.io/v1", DENY_ALL, "deny", "fraud"),
    k8s(
        "LimitRange",
        "core/v1",
        {"spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "250m"}}]}},
        "limits",
        "fraud",
    ),
    k8s(
        "ResourceQuota",
        "core/v1",
        {"spec": {"hard": {"requests.nvidia.com/gpu": "4"}}},
        "quota",
        "fraud",
    ),
    k8s(
        "LocalQueue",
        "kueue.x-k8s.io/v1beta2",
        {"spec": {"clusterQueue": "fraud"}},
        "default",
        "fraud",
    ),
]
TENANCY_CASES = {
    "team-namespace-restricted": [
        ("restricted team namespace", [TEAM_NS], False),
        ("platform namespace at baseline", [namespace("airflow", "baseline")], False),
        (
            "team namespace at baseline",
            [team_namespace("baseline")],
            True,
        ),
    ],
    "team-rbac-namespaced": [
        (
            "team group to a Role",
            [k8s("RoleBinding", "rbac.authorization.k8s.io/v1", TEAM_BINDING, "admin", "fraud")],
            False,
        ),
        (
            "team group to ClusterRole edit",
            [
                k8s(
                    "RoleBinding",
                    "rbac.authorization.k8s.io/v1",
                    changed(TEAM_BINDING, "roleRef.kind", "ClusterRole"),
                    "admin",
                    "fraud",
                )
            ],
            True,
        ),
        (
            "team group cluster-wide",
            [
                k8s(
                    "ClusterRoleBinding",
                    "rbac.authorization.k8s.io/v1",
                    changed(
                        TEAM_BINDING,
                        "roleRef",
                        {
                            "apiGroup": "rbac.authorization.k8s.io",
                            "kind": "ClusterRole",
                            "name": "view",
                        },
                    ),
                    "admin",
                    None,
                )
            ],
            True,
        ),
    ],
    "team-namespace-fenced": [
        ("all four", [TEAM_NS, *TEAM_FENCE], False),
        ("not a team namespace", [namespace("team-a")], False),
        ("no LocalQueue", [TEAM_NS, *TEAM_FENCE[:3]], True),
        (
            "allow-all counts as no default deny",
            [
                TEAM_NS,
                k8s(
                    "NetworkPolicy",
                    "networking.k8s.io/v1",
                    changed(DENY_ALL, "spec.egress", [{}]),
                    "deny",
                    "fraud",
                ),
                *TEAM_FENCE[1:],
            ],
            True,
        ),
    ],
}
