"""Airflow's task-pod fence: what the API server refuses when Airflow creates pods.

The KubernetesExecutor creates whatever pod a task asks for (``pod_override``), with the
scheduler's rights; and with ``allow_pod_launching`` tasks create pods of their own. A
ValidatingAdmissionPolicy (built into Kubernetes 1.30+, no controller) on pods created by
Airflow's two accounts refuses the two ways back to the scheduler's rights: running as its
account, and (unless pod launching is allowed) holding a Kubernetes API token: mounted
automatically, or as a projected volume a ``pod_override`` adds (the chart's pod-launcher
role is bound to the task account too, so its token would reach every pod). Only tokens
for AWS (IRSA's and Pod Identity's audiences, which their webhooks project) pass. Pods the
chart's Deployments and Jobs create come from Kubernetes' controllers and are not
matched; the policy applies in every namespace, so a chart that launches pods elsewhere
is covered too.
"""

from __future__ import annotations

from typing import Any

AWS_AUDIENCES = ("sts.amazonaws.com", "pods.eks.amazonaws.com")
"""Audiences of the tokens IRSA's and EKS Pod Identity's webhooks project; only the AWS
services accept them."""

FENCE_KEY = "airflow-task-pods"
"""The value of its ``mlplat.dev/fence`` label (the policy pack looks for it)."""


def policy_name(namespace: str) -> str:
    """Cluster-wide name of the fence of the Airflow installed in ``namespace``."""
    return f"mlplat-{namespace}-task-pods"


def task_pod_fence(
    namespace: str, scheduler_account: str, task_account: str, allow_pod_launching: bool
) -> dict[str, Any]:
    """The ValidatingAdmissionPolicy's spec for the Airflow in ``namespace``."""
    creators = [f"system:serviceaccount:{namespace}:{a}" for a in (scheduler_account, task_account)]
    validations = [
        {
            "expression": "!has(object.spec.serviceAccountName) || "
            f"object.spec.serviceAccountName != '{scheduler_account}'",
            "message": f"pods that Airflow's scheduler or its tasks create may not run as "
            f"{scheduler_account} (the scheduler's account); task pods run as {task_account}",
            "reason": "Forbidden",
        }
    ]
    if not allow_pod_launching:
        validations += [
            {
                "expression": "!has(object.spec.automountServiceAccountToken) || "
                "!object.spec.automountServiceAccountToken",
                "message": "task pods mount no Kubernetes API token unless "
                "services.airflow.allowPodLaunching is true",
                "reason": "Forbidden",
            },
            {
                "expression": "!has(object.spec.volumes) || object.spec.volumes.all(v, "
                "!has(v.projected) || !has(v.projected.sources) || v.projected.sources.all(s, "
                "!has(s.serviceAccountToken) || (has(s.serviceAccountToken.audience) && "
                f"s.serviceAccountToken.audience in {list(AWS_AUDIENCES)!r})))",
                "message": "task pods hold no Kubernetes API token (a projected "
                "serviceAccountToken volume for the API server) unless "
                "services.airflow.allowPodLaunching is true",
                "reason": "Forbidden",
            },
        ]
    return {
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": [
                {
                    "apiGroups": [""],
                    "apiVersions": ["v1"],
                    "operations": ["CREATE"],
                    "resources": ["pods"],
                }
            ],
        },
        "matchConditions": [
            {
                "name": "created-by-airflow",
                "expression": f"request.userInfo.username in {creators!r}",
            }
        ],
        "validations": validations,
    }
