"""Admission fences: what the API server refuses in team namespaces, with no controller.

Each fence is a built-in ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1,
Kubernetes 1.30+) and its Deny binding, labelled ``mlplat.dev/fence``. They close what
RBAC and quotas cannot:

- ``owner-references``: a job or pod with a controller reference to an admitted workload
  is treated by Kueue as part of it and never queued (Kueue's reconciler leaves
  same-namespace ownership spoofing out of scope); team members and team service
  accounts may not add controller references.
- ``external-ips``: a Service with ``externalIPs`` intercepts traffic to those addresses
  for the whole cluster (CVE-2020-8554); EKS does not run the admission plugin that
  refuses them, so no namespace may set them.
- ``gpu-nodes``: a pod that asks for no GPU may not tolerate the GPU taint, nor name its
  node (which skips the scheduler and its taints).
- ``team-identity``: a namespace or ClusterQueue keeps the team and team uid it was
  created with, so a new team of the same name cannot take over another's objects.

The expressions use only ``has()``, ``all()``, ``exists()``, ``in``, ``startsWith``, ``size``
and list concatenation, and tell CREATE from UPDATE by ``request.operation`` (never by
comparing ``oldObject`` with null); tests evaluate them offline against example requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.services.kube import MANAGED_BY
from mlplat.components.tenancy.objects import TEAM_LABEL, TEAM_UID_LABEL
from mlplat.spec.instances import GPU_RESOURCE

FENCE_LABEL = "mlplat.dev/fence"
"""On each policy and binding: which fence it is (the policy pack looks for each)."""
API = "admissionregistration.k8s.io/v1"
TEAM_NAMESPACES = {"matchExpressions": [{"key": TEAM_LABEL, "operator": "Exists"}]}
GPU_PREFIX = GPU_RESOURCE.split("/")[0] + "/"
"""Every NVIDIA device resource (whole GPUs and MIG slices) starts with it."""


def _rule(group: str, resources: list[str], operations: list[str]) -> dict[str, Any]:
    return {
        "apiGroups": [group],
        "apiVersions": ["*"],
        "operations": operations,
        "resources": resources,
    }


def _deny(expression: str, message: str) -> dict[str, Any]:
    return {"expression": expression, "message": message, "reason": "Forbidden"}


OWNER_REFERENCES: dict[str, Any] = {
    "failurePolicy": "Fail",
    "matchConstraints": {
        "namespaceSelector": TEAM_NAMESPACES,
        "resourceRules": [_rule("*", ["*"], ["CREATE", "UPDATE"])],
    },
    "matchConditions": [
        {
            "name": "made-by-the-team",
            "expression": (
                "(has(request.userInfo.groups) && "
                "request.userInfo.groups.exists(g, g.startsWith('mlplat:'))) || "
                "request.userInfo.username.startsWith("
                "'system:serviceaccount:' + request.namespace + ':')"
            ),
        }
    ],
    "validations": [
        _deny(
            "!has(object.metadata.ownerReferences) || "
            "object.metadata.ownerReferences.all(ref, !has(ref.controller) || !ref.controller "
            "|| (request.operation == 'UPDATE' && has(oldObject.metadata.ownerReferences) && "
            "oldObject.metadata.ownerReferences.exists(old, old.uid == ref.uid)))",
            "team members may not set a controller ownerReference: it would run the object "
            "as part of another, already admitted workload, outside its queue",
        )
    ],
}
EXTERNAL_IPS: dict[str, Any] = {
    "failurePolicy": "Fail",
    "matchConstraints": {
        "resourceRules": [_rule("", ["services"], ["CREATE", "UPDATE"])],
    },
    "validations": [
        _deny(
            "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0",
            "Service externalIPs are refused: they intercept traffic to those addresses for "
            "the whole cluster (CVE-2020-8554); use a LoadBalancer through the platform",
        )
    ],
}
GPU_NODES: dict[str, Any] = {
    "failurePolicy": "Fail",
    "matchConstraints": {
        "namespaceSelector": TEAM_NAMESPACES,
        "resourceRules": [_rule("", ["pods"], ["CREATE", "UPDATE"])],
    },
    "variables": [
        {
            "name": "containers",
            "expression": "object.spec.containers + (has(object.spec.initContainers) ? "
            "object.spec.initContainers : [])",
        },
        {
            "name": "asksForGpu",
            "expression": "variables.containers.exists(c, has(c.resources) && "
            "((has(c.resources.limits) && "
            f"c.resources.limits.exists(r, r.startsWith('{GPU_PREFIX}'))) || "
            "(has(c.resources.requests) && "
            f"c.resources.requests.exists(r, r.startsWith('{GPU_PREFIX}')))))",
        },
        {
            "name": "toleratesGpu",
            "expression": "has(object.spec.tolerations) && object.spec.tolerations.exists(t, "
            f"((has(t.key) && t.key == '{GPU_RESOURCE}') || "
            "((!has(t.key) || t.key == '') && has(t.operator) && t.operator == 'Exists')) && "
            "(!has(t.effect) || t.effect == '' || t.effect == 'NoSchedule'))",
        },
    ],
    "validations": [
        _deny(
            "variables.asksForGpu || !variables.toleratesGpu",
            f"a pod that asks for no GPU may not tolerate the {GPU_RESOURCE} taint: it would "
            "hold a GPU node; remove the toleration (Kueue adds it to GPU jobs)",
        ),
        _deny(
            "request.operation != 'CREATE' || !has(object.spec.nodeName) || "
            "object.spec.nodeName == ''",
            "team pods are placed by the scheduler: spec.nodeName skips it and every taint",
        ),
    ],
}
TEAM_IDENTITY: dict[str, Any] = {
    "failurePolicy": "Fail",
    "matchConstraints": {
        "resourceRules": [
            _rule("", ["namespaces"], ["UPDATE"]),
            _rule("kueue.x-k8s.io", ["clusterqueues"], ["UPDATE"]),
        ],
    },
    "validations": [
        _deny(
            "!has(oldObject.metadata.labels) || "
            f"['{TEAM_LABEL}', '{TEAM_UID_LABEL}'].all(k, !(k in oldObject.metadata.labels) || "
            "(has(object.metadata.labels) && k in object.metadata.labels && "
            "object.metadata.labels[k] == oldObject.metadata.labels[k]))",
            "a team's namespace and queue keep the team and team uid they were created with: "
            "another team of the same name may not take them over; delete them to reuse the name",
        )
    ],
}


@dataclass(frozen=True)
class Fence:
    key: str
    """The value of the mlplat.dev/fence label."""
    spec: Mapping[str, Any]
    """The ValidatingAdmissionPolicy's spec."""

    @property
    def name(self) -> str:
        return f"mlplat-{self.key}"


FENCES = (
    Fence("owner-references", OWNER_REFERENCES),
    Fence("external-ips", EXTERNAL_IPS),
    Fence("gpu-nodes", GPU_NODES),
    Fence("team-identity", TEAM_IDENTITY),
)


def binding_spec(fence: Fence) -> dict[str, Any]:
    return {"policyName": fence.name, "validationActions": ["Deny"]}


@dataclass(frozen=True)
class AdmissionFencesArgs:
    provider: k8s.Provider
    """The cluster's Kubernetes provider."""


class AdmissionFences(pulumi.ComponentResource):
    """Every fence's policy and binding, once per cluster (the platform stack's)."""

    def __init__(
        self, name: str, args: AdmissionFencesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:AdmissionFences", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        for fence in FENCES:
            metadata = {"name": fence.name, "labels": {**MANAGED_BY, FENCE_LABEL: fence.key}}
            policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
                f"{name}-{fence.key}", metadata=metadata, spec=dict(fence.spec), opts=child
            )
            k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                f"{name}-{fence.key}",
                metadata=metadata,
                spec=binding_spec(fence),
                opts=pulumi.ResourceOptions.merge(
                    child, pulumi.ResourceOptions(depends_on=[policy])
                ),
            )
        self.register_outputs({"fences": [f.name for f in FENCES]})
