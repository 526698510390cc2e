"""The pods an inventory would run: every workload's pod template, plus pod templates that
charts hand to an executor in a ConfigMap (Airflow's KubernetesExecutor workers)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from mlplat.render.objects import Inventory, K8sObject, Loader

SYSTEM_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease", "default"})
"""Namespaces every cluster has; with no Pod Security labels they admit everything."""

_TEMPLATE_PATHS = {
    "Pod": ("spec",),
    "PodTemplate": ("template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_WORKLOADS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "ReplicationController",
)
_EXECUTOR_TEMPLATE_KEY = "pod_template_file.yaml"


@dataclass(frozen=True)
class PodTemplate:
    """A pod as it would be created, with the object that creates it."""

    owner: K8sObject
    namespace: str
    labels: Mapping[str, str]
    spec: Mapping[str, Any]
    path: str
    """Where the pod spec sits in its owner (dotted), for findings."""

    @property
    def containers(self) -> list[Mapping[str, Any]]:
        return [
            c
            for key in ("initContainers", "containers")
            for c in self.spec.get(key) or []
            if isinstance(c, Mapping)
        ]

    def indexed_containers(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """(``containers[i]``, container) for init and app containers, for findings."""
        for key in ("initContainers", "containers"):
            for i, container in enumerate(self.spec.get(key) or []):
                if isinstance(container, Mapping):
                    yield f"{key}[{i}]", container

    @property
    def hook(self) -> bool:
        return bool(self.owner.hooks)

    def ports(self) -> list[Mapping[str, Any]]:
        return [p for c in self.spec.get("containers") or [] for p in c.get("ports") or []]


def template_path(kind: str) -> tuple[str, ...] | None:
    """Where a workload of this kind keeps its pod spec; None for other kinds."""
    if kind in _TEMPLATE_PATHS:
        return _TEMPLATE_PATHS[kind]
    return ("spec", "template", "spec") if kind in _WORKLOADS else None


def pod_templates(inventory: Inventory) -> Iterator[PodTemplate]:
    for obj in inventory.objects:
        if obj.namespace is None:
            continue
        path = template_path(obj.kind)
        if path is not None:
            spec: Any = obj.manifest
            for key in path:
                spec = (spec or {}).get(key) if isinstance(spec, Mapping) else None
            if not isinstance(spec, Mapping):
                continue
            meta_path = (*path[:-1], "metadata")
            meta: Any = obj.manifest
            for key in meta_path:
                meta = (meta or {}).get(key) if isinstance(meta, Mapping) else None
            labels = (meta or {}).get("labels") or {}
            yield PodTemplate(obj, obj.namespace, labels, spec, ".".join(path))
        elif obj.kind == "ConfigMap":
            yield from _executor_templates(obj)


def _executor_templates(config_map: K8sObject) -> Iterator[PodTemplate]:
    data = config_map.manifest.get("data") or {}
    for key, text in data.items():
        if not str(key).endswith(_EXECUTOR_TEMPLATE_KEY):
            continue
        try:
            pod = yaml.load(text, Loader=Loader)
        except yaml.YAMLError:
            continue
        if isinstance(pod, Mapping) and isinstance(pod.get("spec"), Mapping):
            meta = pod.get("metadata") or {}
            yield PodTemplate(
                config_map,
                str(meta.get("namespace") or config_map.namespace),
                meta.get("labels") or {},
                pod["spec"],
                f"data.{key}",
            )


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions) over ``labels``.

    A missing selector selects nothing; an empty one selects everything.
    """
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != str(value):
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = [str(v) for v in expression.get("values") or []]
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def namespace_labels(inventory: Inventory, namespace: str) -> dict[str, str]:
    """A namespace's labels, with the one Kubernetes always sets."""
    obj = inventory.namespaces().get(namespace)
    labels = dict(obj.labels) if obj else {}
    labels["kubernetes.io/metadata.name"] = namespace
    return labels
