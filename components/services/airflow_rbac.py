"""Who may launch pods in Airflow's namespace: mlplat's Role instead of the chart's.

The chart binds its pod-launcher Role (create, exec into and delete every pod in the
namespace) to the scheduler, the workers and the triggerer whenever pod launching is on,
and the KubernetesExecutor needs it on. mlplat turns the chart's off and binds the same
rules to the scheduler's account under the KubernetesExecutor, and to the task account
only when the spec lets tasks launch pods (KubernetesPodOperator).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.services.kube import MANAGED_BY

ROLE = "airflow-pod-launcher"
POD_LAUNCHER_RULES: list[dict[str, Any]] = [
    {"apiGroups": [""], "resources": ["pods"],
     "verbs": ["create", "list", "get", "patch", "watch", "delete"]},
    {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create", "get"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["list", "watch"]},
]  # fmt: skip
"""The chart's pod-launcher rules (templates/rbac/pod-launcher-role.yaml, chart 1.21.0)."""


def launchers(
    scheduler_account: str, task_account: str, schedules_pods: bool, tasks_launch_pods: bool
) -> list[str]:
    """The accounts bound to the pod-launcher Role."""
    return [
        account
        for account, bound in (
            (scheduler_account, schedules_pods),
            (task_account, tasks_launch_pods),
        )
        if bound
    ]


def pod_launcher(
    name: str, namespace: str, accounts: list[str], opts: pulumi.ResourceOptions
) -> list[pulumi.Resource]:
    """The Role and its binding to ``accounts``; nothing when no account launches pods."""
    if not accounts:
        return []
    metadata = {"name": ROLE, "namespace": namespace, "labels": MANAGED_BY}
    role = k8s.rbac.v1.Role(
        f"{name}-pod-launcher", metadata=metadata, rules=POD_LAUNCHER_RULES, opts=opts
    )
    binding = k8s.rbac.v1.RoleBinding(
        f"{name}-pod-launcher",
        metadata=metadata,
        role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": ROLE},
        subjects=[
            {"kind": "ServiceAccount", "name": account, "namespace": namespace}
            for account in accounts
        ],
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[role])),
    )
    return [role, binding]
