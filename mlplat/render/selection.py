"""How objects point at each other: a Service's pods and ports, a monitor's targets, the
Secrets, ConfigMaps and accounts a pod uses. The checks share these readings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlplat.render.objects import Inventory, K8sObject
from mlplat.render.pods import PodTemplate, selects


def service_pods(service: K8sObject, pods: list[PodTemplate]) -> list[PodTemplate]:
    selector = (service.manifest.get("spec") or {}).get("selector")
    if not selector:
        return []
    return [
        p
        for p in pods
        if p.namespace == service.namespace
        and not p.hook
        and selects({"matchLabels": selector}, p.labels)
    ]


def container_port(pod: PodTemplate, target: Any) -> Mapping[str, Any] | None:
    """The container port a Service targetPort (name or number) lands on in ``pod``."""
    for port in pod.ports():
        if (isinstance(target, str) and port.get("name") == target) or (
            isinstance(target, int) and port.get("containerPort") == target
        ):
            return port
    return None


@dataclass(frozen=True)
class ScrapeTarget:
    """One endpoint a monitor scrapes: a pod's container port, or a port of a Service
    with no selector (its endpoints are nodes or the API server, not pods)."""

    pod: PodTemplate | None
    service: K8sObject | None
    number: int
    name: str | None


def scrape_targets(
    monitor: K8sObject, inventory: Inventory, pods: list[PodTemplate]
) -> dict[int, list[ScrapeTarget]]:
    """The targets of each endpoint of a ServiceMonitor or PodMonitor, by endpoint index.

    ServiceMonitor ``port`` names a Service port; ``targetPort`` names (or numbers) a
    container port of the pods behind the selected Services, as the operator's
    relabelling matches them. PodMonitor ``port`` names a container port.
    """
    spec = monitor.manifest.get("spec") or {}
    namespaces = monitored_namespaces(monitor, inventory)
    selector = spec.get("selector") or {}
    found: dict[int, list[ScrapeTarget]] = {}
    if monitor.kind == "PodMonitor":
        chosen_pods = [p for p in pods if p.namespace in namespaces and selects(selector, p.labels)]
        for i, endpoint in enumerate(spec.get("podMetricsEndpoints") or []):
            found[i] = [
                ScrapeTarget(p, None, int(port["containerPort"]), port.get("name"))
                for p in chosen_pods
                if (port := container_port(p, endpoint.get("port") or endpoint.get("portNumber")))
            ]
        return found
    services = [
        s
        for s in inventory.of_kind("Service")
        if s.namespace in namespaces and selects(selector, s.labels)
    ]
    for i, endpoint in enumerate(spec.get("endpoints") or []):
        targets: list[ScrapeTarget] = []
        for service in services:
            for entry in service_ports(service):
                if endpoint.get("port") and entry.get("name") != endpoint["port"]:
                    continue
                if not (service.manifest.get("spec") or {}).get("selector"):
                    targets.append(
                        ScrapeTarget(
                            None,
                            service,
                            int(entry.get("targetPort") or entry["port"]),
                            entry.get("name"),
                        )
                    )
                    continue
                wanted = endpoint.get("targetPort", entry.get("targetPort", entry.get("port")))
                for pod in service_pods(service, pods):
                    if port := container_port(pod, wanted):
                        targets.append(
                            ScrapeTarget(pod, service, int(port["containerPort"]), port.get("name"))
                        )
        found[i] = targets
    return found


def monitored_namespaces(monitor: K8sObject, inventory: Inventory) -> set[str]:
    selector = (monitor.manifest.get("spec") or {}).get("namespaceSelector") or {}
    if selector.get("any"):
        return {o.namespace for o in inventory.objects if o.namespace}
    names = selector.get("matchNames")
    return set(names) if names else {monitor.namespace or ""}


def service_ports(service: K8sObject) -> list[Mapping[str, Any]]:
    return list((service.manifest.get("spec") or {}).get("ports") or [])


def pod_references(pod: PodTemplate) -> Iterator[tuple[str, str, str, bool]]:
    spec = pod.spec
    account = spec.get("serviceAccountName") or spec.get("serviceAccount")
    if account:
        yield "ServiceAccount", str(account), "serviceAccountName", False
    for i, volume in enumerate(spec.get("volumes") or []):
        if "secret" in volume:
            secret = volume["secret"] or {}
            yield (
                "Secret",
                str(secret.get("secretName")),
                f"volumes[{i}]",
                bool(secret.get("optional")),
            )
        if "configMap" in volume:
            cm = volume["configMap"] or {}
            yield "ConfigMap", str(cm.get("name")), f"volumes[{i}]", bool(cm.get("optional"))
        if "persistentVolumeClaim" in volume:
            claim = str((volume["persistentVolumeClaim"] or {}).get("claimName"))
            yield "PersistentVolumeClaim", claim, f"volumes[{i}]", False
        for source in (volume.get("projected") or {}).get("sources") or []:
            for kind, key in (("Secret", "secret"), ("ConfigMap", "configMap")):
                if key in source:
                    ref = source[key] or {}
                    yield (
                        kind,
                        str(ref.get("name")),
                        f"volumes[{i}].projected",
                        bool(ref.get("optional")),
                    )
    for key in ("initContainers", "containers"):
        for c, container in enumerate(spec.get(key) or []):
            where = f"{key}[{c}]"
            for e, env in enumerate(container.get("env") or []):
                source = env.get("valueFrom") or {}
                for kind, ref_key in (("Secret", "secretKeyRef"), ("ConfigMap", "configMapKeyRef")):
                    if ref_key in source:
                        ref = source[ref_key] or {}
                        yield (
                            kind,
                            str(ref.get("name")),
                            f"{where}.env[{e}]",
                            bool(ref.get("optional")),
                        )
            for e, env in enumerate(container.get("envFrom") or []):
                for kind, ref_key in (("Secret", "secretRef"), ("ConfigMap", "configMapRef")):
                    if ref_key in env:
                        ref = env[ref_key] or {}
                        yield (
                            kind,
                            str(ref.get("name")),
                            f"{where}.envFrom[{e}]",
                            bool(ref.get("optional")),
                        )
    for i, secret in enumerate(spec.get("imagePullSecrets") or []):
        yield "Secret", str(secret.get("name")), f"imagePullSecrets[{i}]", False
