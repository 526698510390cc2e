"""Objects that exist without any release creating them, as stand-ins for the checks.

Every cluster has the API server's ``kubernetes`` Service and cluster DNS; operators
create pods and Services from custom resources (the Prometheus operator's Prometheus and
Alertmanager pods, its kubelet Service). Wiring and reachability need them to resolve
selectors and ports; they are marked synthetic, so no check judges their own content.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mlplat.render.objects import Inventory, K8sObject

CLUSTER = "cluster"
"""The source of what Kubernetes (and EKS's add-ons) provide."""
DNS_LABELS = {"k8s-app": "kube-dns"}
"""CoreDNS's pod labels on EKS (the coredns add-on) and kubeadm clusters (kind) alike."""


def _object(
    kind: str,
    api: str,
    namespace: str | None,
    name: str,
    body: Mapping[str, Any],
    source: str,
    origin: str,
    labels: Mapping[str, str] | None = None,
) -> K8sObject:
    meta: dict[str, Any] = {"name": name, "labels": dict(labels or {})}
    if namespace:
        meta["namespace"] = namespace
    return K8sObject(
        {"apiVersion": api, "kind": kind, "metadata": meta, **body},
        source,
        origin,
        namespace,
        synthetic=True,
    )


def _pod(
    namespace: str,
    name: str,
    labels: Mapping[str, str],
    ports: Iterable[tuple[str, int, str]],
    source: str,
    origin: str,
) -> K8sObject:
    container = {
        "name": name,
        "image": "synthetic",
        "ports": [{"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports],
    }
    spec = {"containers": [container]}
    return _object("Pod", "v1", namespace, name, {"spec": spec}, source, origin, labels)


def cluster_objects() -> list[K8sObject]:
    """The API server's Service and cluster DNS (pods and Service)."""
    dns_ports = [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    dns_service = {
        "spec": {
            "selector": dict(DNS_LABELS),
            "ports": [
                {"name": n, "port": p, "protocol": proto, "targetPort": p}
                for n, p, proto in dns_ports
            ],
        }
    }
    api_service = {"spec": {"ports": [{"name": "https", "port": 443, "targetPort": 443}]}}
    dns_origin = "cluster DNS (the coredns add-on)"
    return [
        _object(
            "Service",
            "v1",
            "default",
            "kubernetes",
            api_service,
            CLUSTER,
            "the API server",
            {"component": "apiserver", "provider": "kubernetes"},
        ),
        _pod(
            "kube-system",
            "coredns",
            {**DNS_LABELS, "eks.amazonaws.com/component": "coredns"},
            dns_ports,
            CLUSTER,
            dns_origin,
        ),
        _object(
            "Service", "v1", "kube-system", "kube-dns", dns_service, CLUSTER, dns_origin, DNS_LABELS
        ),
    ]


def operator_objects(inventory: Inventory) -> Iterator[K8sObject]:
    """What the Prometheus operator creates from the inventory's custom resources.

    Pod labels and ports are the operator's own (its statefulset builders): the name
    label, ``managed-by``, the instance and the per-kind name label; the web port takes
    the resource's ``portName``.
    """
    for resource in inventory.of_kind("Prometheus", "Alertmanager"):
        spec = resource.manifest.get("spec") or {}
        app = resource.kind.lower()
        labels = {
            **((spec.get("podMetadata") or {}).get("labels") or {}),
            "app.kubernetes.io/name": app,
            "app.kubernetes.io/managed-by": "prometheus-operator",
            "app.kubernetes.io/instance": resource.name,
            app: resource.name,
        }
        if resource.kind == "Prometheus":
            labels["operator.prometheus.io/name"] = resource.name
            labels["operator.prometheus.io/shard"] = "0"
        web = 9090 if resource.kind == "Prometheus" else 9093
        ports = [(str(spec.get("portName") or "web"), web, "TCP"), ("reloader-web", 8080, "TCP")]
        yield _pod(
            resource.namespace or "",
            resource.name,
            labels,
            ports,
            resource.source,
            f"created by the Prometheus operator from {resource.ident}",
        )
    for deployment in inventory.of_kind("Deployment"):
        template = (deployment.manifest.get("spec") or {}).get("template") or {}
        for container in (template.get("spec") or {}).get("containers") or []:
            for arg in container.get("args") or []:
                if str(arg).startswith("--kubelet-service="):
                    yield _kubelet_service(deployment, str(arg).split("=", 1)[1])


def _kubelet_service(operator: K8sObject, where: str) -> K8sObject:
    """The Service whose endpoints the operator keeps as the nodes' kubelets."""
    namespace, _, name = where.partition("/")
    return _object(
        "Service",
        "v1",
        namespace,
        name,
        {"spec": {"clusterIP": "None", "ports": [{"name": "https-metrics", "port": 10250}]}},
        operator.source,
        "created by the Prometheus operator (--kubelet-service)",
        {
            "app.kubernetes.io/name": "kubelet",
            "app.kubernetes.io/managed-by": "prometheus-operator",
            "k8s-app": "kubelet",
        },
    )
