"""Check 4, wiring: every reference between objects resolves to something that exists.

Services select pods and name ports those pods have; ServiceMonitors and PodMonitors
select something and name ports that exist; every URL the stack exports reaches a
Service port; every Secret, ConfigMap, ServiceAccount and claim a pod uses exists in the
inventory or is declared as provided by the operator.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, Severity
from mlplat.render.objects import Inventory, K8sObject
from mlplat.render.pods import PodTemplate, namespace_labels, pod_templates, selects

_RUNTIME_SECRET_FLAGS = ("--secret-name=", "--secret-name")
"""How a hook Job that generates a webhook certificate (kube-webhook-certgen) names the
Secret it creates at install time."""


def check(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    pods = list(pod_templates(inventory))
    yield from _services(inventory, pods)
    yield from _monitors(inventory, pods)
    yield from _urls(inventory, ctx)
    yield from _references(inventory, pods, ctx)


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


def _services(inventory: Inventory, pods: list[PodTemplate]) -> Iterator[Finding]:
    for service in inventory.of_kind("Service"):
        spec = service.manifest.get("spec") or {}
        if not spec.get("selector") or spec.get("type") == "ExternalName":
            continue
        matched = service_pods(service, pods)
        if not matched:
            yield _finding(
                service,
                "spec.selector",
                f"selects no pod in namespace {service.namespace}: it has no endpoints",
                "make the selector match the workload's pod labels",
            )
            continue
        for i, port in enumerate(spec.get("ports") or []):
            target = port.get("targetPort", port.get("port"))
            landing = [container_port(p, target) for p in matched]
            if isinstance(target, str) and not any(landing):
                yield _finding(
                    service,
                    f"spec.ports[{i}].targetPort",
                    f"targets port {target!r}, which no selected container declares: "
                    "traffic to it is refused",
                    "name the container port the application listens on",
                )
            elif isinstance(target, int) and not any(landing):
                yield _finding(
                    service,
                    f"spec.ports[{i}].targetPort",
                    f"targets port {target}, which no selected container declares",
                    "declare the port on the container (or target its name)",
                    Severity.WARNING,
                )


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
    namespaces = _monitored_namespaces(monitor, inventory)
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
            for entry in _ports(service):
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


def _monitors(inventory: Inventory, pods: list[PodTemplate]) -> Iterator[Finding]:
    for monitor in inventory.of_kind("ServiceMonitor", "PodMonitor"):
        spec = monitor.manifest.get("spec") or {}
        key = "endpoints" if monitor.kind == "ServiceMonitor" else "podMetricsEndpoints"
        for i, targets in scrape_targets(monitor, inventory, pods).items():
            if targets:
                continue
            endpoint = (spec.get(key) or [])[i]
            named = endpoint.get("port") or endpoint.get("targetPort") or endpoint.get("portNumber")
            where = sorted(_monitored_namespaces(monitor, inventory))
            yield _finding(
                monitor,
                f"spec.{key}[{i}]",
                f"scrapes port {named!r}, which nothing it selects has (selector "
                f"{spec.get('selector') or {}} in {where}): nothing is scraped",
                "select the Service (or pods) serving the metrics and name a port they have",
            )


def _monitored_namespaces(monitor: K8sObject, inventory: Inventory) -> set[str]:
    selector = (monitor.manifest.get("spec") or {}).get("namespaceSelector") or {}
    if selector.get("any"):
        return {o.namespace for o in inventory.objects if o.namespace}
    names = selector.get("matchNames")
    return set(names) if names else {monitor.namespace or ""}


def _ports(service: K8sObject) -> list[Mapping[str, Any]]:
    return list((service.manifest.get("spec") or {}).get("ports") or [])


def _urls(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    urls = ctx.outputs.get("serviceUrls") or {}
    if not isinstance(urls, Mapping):
        return
    for name, url in sorted(urls.items()):
        problem = resolve_url(inventory, str(url))
        if isinstance(problem, str):
            yield Finding(
                "wiring",
                Severity.ERROR,
                "mlplat",
                f"output serviceUrls.{name}",
                "",
                f"{url} {problem}",
                "export the Service's own name and port (or the ingress host)",
            )


def resolve_url(inventory: Inventory, url: str) -> tuple[K8sObject, Any] | str:
    """The Service and port a URL reaches, or why it reaches nothing.

    ``<name>.<namespace>.svc[.cluster.local]`` names a Service; any other host must be an
    Ingress rule's, whose backend then names the Service.
    """
    parsed = urlparse(url)
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    parts = host.split(".")
    if len(parts) >= 3 and parts[2] == "svc":
        service = inventory.find("Service", parts[1], parts[0])
        if service is None:
            return f"names Service {parts[1]}/{parts[0]}, which does not exist"
        if not any(p.get("port") == port for p in _ports(service)):
            ports = ", ".join(str(p.get("port")) for p in _ports(service))
            return f"uses port {port}; Service {parts[1]}/{parts[0]} listens on {ports}"
        return service, port
    for ingress in inventory.of_kind("Ingress"):
        for rule in (ingress.manifest.get("spec") or {}).get("rules") or []:
            if rule.get("host") != host:
                continue
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = (path.get("backend") or {}).get("service") or {}
                service = inventory.find("Service", ingress.namespace, str(backend.get("name")))
                if service is None:
                    return (
                        f"is served by Ingress {ingress.ident}, whose backend Service "
                        f"{backend.get('name')!r} does not exist"
                    )
                wanted = backend.get("port") or {}
                if not any(
                    p.get("port") == wanted.get("number") or p.get("name") == wanted.get("name")
                    for p in _ports(service)
                ):
                    return f"reaches Service {service.ident}, which has no port {wanted}"
                return service, wanted
    return "matches no Service name and no Ingress host"


def _references(
    inventory: Inventory, pods: list[PodTemplate], ctx: RenderContext
) -> Iterator[Finding]:
    provided = {(p.namespace, p.name) for p in ctx.provided}
    generated = _runtime_secrets(inventory)
    claims_from_templates = {
        (o.namespace, f"{t.get('metadata', {}).get('name')}")
        for o in inventory.of_kind("StatefulSet")
        for t in (o.manifest.get("spec") or {}).get("volumeClaimTemplates") or []
    }
    for pod in pods:
        for kind, name, where, optional in pod_references(pod):
            if optional:
                continue
            key = (pod.namespace, name)
            if kind == "Secret" and (key in provided or key in generated):
                continue
            if kind == "PersistentVolumeClaim" and any(
                ns == pod.namespace and name.startswith(prefix)
                for ns, prefix in claims_from_templates
            ):
                continue
            if inventory.find(kind, pod.namespace, name) is None:
                if kind == "ServiceAccount" and name == "default":
                    continue
                yield Finding(
                    "wiring",
                    Severity.ERROR,
                    pod.owner.source,
                    pod.owner.ident,
                    f"{pod.path}.{where}",
                    f"uses {kind} {pod.namespace}/{name}, which nothing creates: the pod "
                    "cannot start",
                    f"create the {kind} in the platform, or declare it as provided by the "
                    "operator (and document the step)",
                )


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


def _runtime_secrets(inventory: Inventory) -> set[tuple[str | None, str]]:
    """Secrets a hook Job of the inventory creates while the release installs."""
    found = set()
    for pod in pod_templates(inventory):
        if not pod.hook:
            continue
        for container in pod.containers:
            args = [
                str(a) for a in [*(container.get("command") or []), *(container.get("args") or [])]
            ]
            for i, arg in enumerate(args):
                if arg.startswith("--secret-name="):
                    found.add((pod.namespace, arg.split("=", 1)[1]))
                elif arg == "--secret-name" and i + 1 < len(args):
                    found.add((pod.namespace, args[i + 1]))
    return found


def _finding(
    obj: K8sObject, field: str, message: str, fix: str, severity: Severity = Severity.ERROR
) -> Finding:
    return Finding("wiring", severity, obj.source, obj.ident, field, message, fix)


__all__ = ["check", "container_port", "namespace_labels", "resolve_url", "service_pods"]
