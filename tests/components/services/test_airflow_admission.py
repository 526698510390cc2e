"""Airflow's task-pod fence, its CEL evaluated offline against the requests the API server
would send it (the harness of tests/components/tenancy/test_admission.py)."""

from __future__ import annotations

from typing import Any

import pytest

from mlplat.components.services.airflow_admission import FENCE_KEY, policy_name, task_pod_fence
from tests.components.services.helpers import of_type
from tests.components.tenancy.test_admission import admit
from tests.conftest import STACKS

SCHEDULER = {"username": "system:serviceaccount:airflow:airflow",
             "groups": ["system:serviceaccounts", "system:serviceaccounts:airflow"]}  # fmt: skip
TASKS = {"username": "system:serviceaccount:airflow:airflow-tasks",
         "groups": ["system:serviceaccounts", "system:serviceaccounts:airflow"]}  # fmt: skip
VAP = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
REPLICASET_CONTROLLER = {"username": "system:serviceaccount:kube-system:replicaset-controller",
                         "groups": ["system:serviceaccounts"]}  # fmt: skip


def _pod(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "task", "namespace": "airflow"},
        "spec": {"containers": [{"name": "base", "image": "apache/airflow:3.2.0"}], **spec},
    }


def _token_volume(audience: str | None = None) -> dict[str, Any]:
    token: dict[str, Any] = {"path": "token", "expirationSeconds": 3600}
    if audience is not None:
        token["audience"] = audience
    return {"name": "token", "projected": {"sources": [{"serviceAccountToken": token}]}}


KUBE_API_ACCESS = {
    "name": "kube-api-access-x7k2p",
    "projected": {
        "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {
                "configMap": {
                    "name": "kube-root-ca.crt",
                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                }
            },
        ]
    },
}
"""The volume Kubernetes' ServiceAccount admission adds for a mounted API token."""


def _fence(allow: bool) -> dict[str, Any]:
    return task_pod_fence("airflow", "airflow", "airflow-tasks", allow)


CASES = [
    # (what, pod, who, allow_pod_launching, denied)
    ("a task pod as the template makes it", _pod(serviceAccountName="airflow-tasks"),
     SCHEDULER, False, False),
    ("a pod_override onto the scheduler's account", _pod(serviceAccountName="airflow"),
     SCHEDULER, False, True),
    ("a pod_override mounting the token", _pod(serviceAccountName="airflow-tasks",
     automountServiceAccountToken=True), SCHEDULER, False, True),
    ("the same once tasks may launch pods", _pod(serviceAccountName="airflow-tasks",
     automountServiceAccountToken=True), SCHEDULER, True, False),
    ("a KubernetesPodOperator pod on the default account", _pod(serviceAccountName="default"),
     TASKS, True, False),
    ("a task launching a pod as the scheduler", _pod(serviceAccountName="airflow"),
     TASKS, True, True),
    ("the scheduler's own pod, made by its ReplicaSet", _pod(serviceAccountName="airflow",
     automountServiceAccountToken=True), REPLICASET_CONTROLLER, False, False),
    ("a pod_override adding a projected API token", _pod(serviceAccountName="airflow-tasks",
     automountServiceAccountToken=False, volumes=[_token_volume()]), SCHEDULER, False, True),
    ("the default account's token, as admission mounts it", _pod(serviceAccountName="default",
     volumes=[KUBE_API_ACCESS]), SCHEDULER, False, True),
    ("a task pod with its IRSA token", _pod(serviceAccountName="airflow-tasks",
     automountServiceAccountToken=False, volumes=[_token_volume("sts.amazonaws.com")]),
     SCHEDULER, False, False),
    ("a task pod with its Pod Identity token", _pod(serviceAccountName="airflow-tasks",
     volumes=[_token_volume("pods.eks.amazonaws.com")]), SCHEDULER, False, False),
    ("an API token once tasks may launch pods", _pod(serviceAccountName="airflow-tasks",
     volumes=[KUBE_API_ACCESS]), SCHEDULER, True, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "pod", "who", "allow", "denied"), CASES, ids=[c[0] for c in CASES]
)
def test_the_fence_refuses_exactly_the_way_back_to_the_schedulers_rights(
    what: str, pod: dict[str, Any], who: dict[str, Any], allow: bool, denied: bool
) -> None:
    messages = admit(_fence(allow), pod, user=who, namespace="airflow")
    assert bool(messages) is denied, (what, messages)


def test_the_example_stacks_install_it_fail_closed_and_denying() -> None:
    for stack in ("dev", "prod", "local"):
        spec = STACKS / f"{stack}.yaml"
        (policy,) = [
            p
            for p in of_type(spec, VAP)
            if p.inputs["metadata"]["labels"].get("mlplat.dev/fence") == FENCE_KEY
        ]
        assert policy.inputs["metadata"]["name"] == policy_name("airflow")
        assert policy.inputs["spec"] == _fence(allow=False)
        bindings = [b.inputs["spec"] for b in of_type(spec, f"{VAP}Binding")]
        assert {"policyName": policy_name("airflow"), "validationActions": ["Deny"]} in bindings
