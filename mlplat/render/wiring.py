"""Check 4, wiring: every reference between objects resolves to something that exists.

Services select pods and name ports those pods have; ServiceMonitors and PodMonitors
select something and name ports that exist; every URL the stack exports reaches a
Service port; every Secret, ConfigMap, ServiceAccount and claim a pod uses exists in the
inventory or is declared as provided by the operator; a load balancer health-checks the
path its targets report ready on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, Severity
from mlplat.render.objects import Inventory, K8sObject
from mlplat.render.pods import PodTemplate, pod_templates
from mlplat.render.selection import (
    container_port,
    monitored_namespaces,
    pod_references,
    scrape_targets,
    service_pods,
    service_ports,
)


def check(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    pods = list(pod_templates(inventory))
    yield from _services(inventory, pods)
    yield from _monitors(inventory, pods)
    yield from _urls(inventory, ctx)
    yield from _references(inventory, pods, ctx)
    yield from health_checks(inventory, pods)


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


def _monitors(inventory: Inventory, pods: list[PodTemplate]) -> Iterator[Finding]:
    for monitor in inventory.of_kind("ServiceMonitor", "PodMonitor"):
        spec = monitor.manifest.get("spec") or {}
        key = "endpoints" if monitor.kind == "ServiceMonitor" else "podMetricsEndpoints"
        for i, targets in scrape_targets(monitor, inventory, pods).items():
            if targets:
                continue
            endpoint = (spec.get(key) or [])[i]
            named = endpoint.get("port") or endpoint.get("targetPort") or endpoint.get("portNumber")
            where = sorted(monitored_namespaces(monitor, inventory))
            yield _finding(
                monitor,
                f"spec.{key}[{i}]",
                f"scrapes port {named!r}, which nothing it selects has (selector "
                f"{spec.get('selector') or {}} in {where}): nothing is scraped",
                "select the Service (or pods) serving the metrics and name a port they have",
            )


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
        if not any(p.get("port") == port for p in service_ports(service)):
            ports = ", ".join(str(p.get("port")) for p in service_ports(service))
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
                    for p in service_ports(service)
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


HEALTH_ANNOTATION = "alb.ingress.kubernetes.io/healthcheck-path"


def health_checks(inventory: Inventory, pods: list[PodTemplate]) -> Iterator[Finding]:
    """An ALB health-checks each target on ``/`` unless told a path. For a service behind
    a login ``/`` answers 401 or a redirect, the targets are never healthy and the load
    balancer answers 503: the check must use the path the pods' readiness probe uses."""
    for ingress in inventory.of_kind("Ingress"):
        annotations = ingress.annotations
        if annotations.get("alb.ingress.kubernetes.io/target-type") != "ip":
            continue
        checked = annotations.get(HEALTH_ANNOTATION, "/")
        for rule in (ingress.manifest.get("spec") or {}).get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                name = str(((path.get("backend") or {}).get("service") or {}).get("name"))
                service = inventory.find("Service", ingress.namespace, name)
                ready = {
                    probe_path
                    for pod in (service_pods(service, pods) if service else [])
                    for c in pod.spec.get("containers") or []
                    if (
                        probe_path := ((c.get("readinessProbe") or {}).get("httpGet") or {}).get(
                            "path"
                        )
                    )
                }
                if ready and checked not in ready:
                    yield _finding(
                        ingress,
                        f"metadata.annotations.{HEALTH_ANNOTATION}",
                        f"the load balancer health-checks {checked}, the pods of {name} report "
                        f"ready on {', '.join(sorted(ready))}: its targets may never be healthy",
                        f"annotate the Ingress with {HEALTH_ANNOTATION}: {sorted(ready)[0]}",
                    )
