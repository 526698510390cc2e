"""Who may launch pods in Airflow's namespace: mlplat's Roles instead of the chart's.

The chart binds its pod-launcher Role (create, exec into and delete every pod in the
namespace) to the scheduler, the workers and the triggerer whenever pod launching is on,
and the KubernetesExecutor needs it on. mlplat turns the chart's off. The scheduler's
account, which the API server shares, gets only what the KubernetesExecutor calls (pods:
create, watch, adopt by patching, delete); the task account gets the chart's rules only
when the spec lets tasks launch pods (KubernetesPodOperator reads logs and events, and
may exec).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.services.kube import MANAGED_BY

RBAC_GROUP = "rbac.authorization.k8s.io"

EXECUTOR_RULES: list[dict[str, Any]] = [
    {"apiGroups": [""], "resources": ["pods"],
     "verbs": ["create", "list", "get", "patch", "watch", "delete"]},
]  # fmt: skip
"""What the KubernetesExecutor calls: its pods, in its namespace, nothing else."""
POD_LAUNCHER_RULES: list[dict[str, Any]] = [
    *EXECUTOR_RULES,
    {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create", "get"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["list", "watch"]},
]  # fmt: skip
"""The chart's pod-launcher rules (templates/rbac/pod-launcher-role.yaml, chart 1.21.0)."""


@dataclass(frozen=True)
class PodRole:
    name: str
    """The Role's (and its binding's) name."""
    rules: list[dict[str, Any]]
    account: str
    """The service account bound to it."""


def pod_roles(
    scheduler_account: str, task_account: str, schedules_pods: bool, tasks_launch_pods: bool
) -> list[PodRole]:
    """The Roles that let Airflow's accounts launch pods: the executor's for the scheduler
    (KubernetesExecutor), the chart's launcher rules for tasks that may launch pods."""
    roles = []
    if schedules_pods:
        roles.append(PodRole("airflow-executor", EXECUTOR_RULES, scheduler_account))
    if tasks_launch_pods:
        roles.append(PodRole("airflow-pod-launcher", POD_LAUNCHER_RULES, task_account))
    return roles


def bind_pod_roles(
    name: str, namespace: str, roles: list[PodRole], opts: pulumi.ResourceOptions
) -> list[pulumi.Resource]:
    """Each Role and its binding."""
    made: list[pulumi.Resource] = []
    for role in roles:
        metadata = {"name": role.name, "namespace": namespace, "labels": MANAGED_BY}
        declared = k8s.rbac.v1.Role(
            f"{name}-{role.name}", metadata=metadata, rules=role.rules, opts=opts
        )
        after_role = pulumi.ResourceOptions(depends_on=[declared])
        subject = {"kind": "ServiceAccount", "name": role.account, "namespace": namespace}
        made.append(
            k8s.rbac.v1.RoleBinding(
                f"{name}-{role.name}",
                metadata=metadata,
                role_ref={"apiGroup": RBAC_GROUP, "kind": "Role", "name": role.name},
                subjects=[subject],
                opts=pulumi.ResourceOptions.merge(opts, after_role),
            )
        )
    return made
