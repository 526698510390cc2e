"""Small fixture objects for the render checks: a pod, a Service, a namespace, a policy."""

from __future__ import annotations

from typing import Any

from mlplat.render.context import RenderContext
from mlplat.render.objects import Inventory, K8sObject, crd_scopes, place

RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def obj(
    manifest: dict[str, Any], source: str = "chart", namespace: str | None = "app"
) -> K8sObject:
    meta = manifest.setdefault("metadata", {})
    if namespace is not None:
        meta.setdefault("namespace", namespace)
    return K8sObject(manifest, source, f"{source}/templates/x.yaml", namespace)


def inventory(*objects: K8sObject) -> Inventory:
    scopes = crd_scopes(objects)
    return Inventory(place(objects, scopes), scopes)


def namespace(name: str, level: str = "restricted", **labels: str) -> K8sObject:
    return obj(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": name,
                "labels": {"pod-security.kubernetes.io/enforce": level, **labels},
            },
        },
        source="mlplat",
        namespace=None,
    )


def container(name: str = "app", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "image": "registry.k8s.io/app:1.0",
        "securityContext": dict(RESTRICTED_CONTAINER),
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "16Mi"}},
        **extra,
    }


def deployment(
    name: str = "app",
    labels: dict[str, str] | None = None,
    ports: list[dict[str, Any]] | None = None,
    pod: dict[str, Any] | None = None,
    namespace: str = "app",
    source: str = "chart",
    annotations: dict[str, str] | None = None,
    kind: str = "Deployment",
) -> K8sObject:
    labels = labels or {"app": name}
    spec = {
        "automountServiceAccountToken": False,
        "containers": [container(ports=ports or [])],
        **(pod or {}),
    }
    body: dict[str, Any] = {
        "apiVersion": "apps/v1" if kind != "Job" else "batch/v1",
        "kind": kind,
        "metadata": {"name": name, "annotations": annotations or {}},
        "spec": {"template": {"metadata": {"labels": labels}, "spec": spec}},
    }
    if kind != "Job":
        body["spec"]["selector"] = {"matchLabels": labels}
    return obj(body, source=source, namespace=namespace)


def service(
    name: str, selector: dict[str, str], ports: list[dict[str, Any]], namespace: str = "app"
) -> K8sObject:
    return obj(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"selector": selector, "ports": ports},
        },
        namespace=namespace,
    )


def network_policy(name: str, spec: dict[str, Any], namespace: str = "app") -> K8sObject:
    return obj(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": name},
            "spec": spec,
        },
        source="mlplat",
        namespace=namespace,
    )


def context(**kwargs: Any) -> RenderContext:
    return RenderContext(kube_version="1.35.0", **kwargs)
