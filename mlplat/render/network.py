"""Check 5, network reachability: the flows the platform needs are open, the fences closed.

From every NetworkPolicy (rendered and mlplat's own), each flow below is decided and
printed as a matrix. A needed flow that is closed (or open for only some pods or
addresses), or a fenced flow that is open, is an error.

Needed: every pod to cluster DNS; team pods to each service the stack exports; Airflow's
task pods to its API server; the load balancer (its subnets,
``ip`` targets) to each service behind an Ingress; Prometheus to every scrape target.
Fenced: a team's pods to another team's, and to any other namespace's pods that are not
a service the team is given.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from mlplat.render.cluster import DNS_LABELS
from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, FlowResult, Severity
from mlplat.render.flow import Flow, pod_peer, service_targets
from mlplat.render.netpol import CLOSED, OPEN, Peer, Policies, Port, aggregate
from mlplat.render.objects import MLPLAT, Inventory, K8sObject
from mlplat.render.plumbing import platform_flows
from mlplat.render.pods import PodTemplate, pod_templates, selects
from mlplat.render.selection import scrape_targets
from mlplat.render.wiring import resolve_url

TEAM_LABEL = "mlplat.dev/team"
DNS = Peer("kube-system/coredns", "kube-system", DNS_LABELS)
DNS_PORTS = (Port(53, "dns", "UDP"), Port(53, "dns-tcp", "TCP"))
API_CLIENTS = ("worker",)
"""Airflow 3 pods that call the API server's execution API (label ``component``): task pods
and Celery workers. The triggerer and DAG processor run an in-process execution API
(airflow-core jobs/triggerer_job_runner.py and the DAG processing manager)."""


def check(inventory: Inventory, ctx: RenderContext) -> tuple[list[Finding], list[FlowResult]]:
    policies = Policies(inventory, ctx.pod_cidr)
    pods = list(pod_templates(inventory))
    flows = [
        *_dns(inventory, pods),
        *_team_to_services(inventory, ctx, pods),
        *_airflow_api(inventory, pods),
        *_load_balancer(inventory, ctx, pods),
        *_scrapes(inventory, ctx, pods),
        *_fences(inventory, ctx, pods),
        *platform_flows(inventory, ctx, pods),
    ]
    results = [_evaluate(policies, flow) for flow in flows]
    findings = [
        Finding(
            "network",
            Severity.ERROR,
            MLPLAT,
            result.name,
            "",
            f"{result.source} → {result.target} on {result.port} is {result.actual}, "
            f"must be {result.expected}" + (f": {result.reason}" if result.reason else ""),
            "allow the flow in the target's and source's NetworkPolicies"
            if result.expected == OPEN
            else "narrow the NetworkPolicy rule that admits it",
        )
        for result in results
        if not result.ok
    ]
    return findings, results


def _evaluate(policies: Policies, flow: Flow) -> FlowResult:
    outcomes = []
    differing = []
    for source in flow.sources:
        for target, port in flow.targets:
            outcome = policies.connection(source, target, port)
            outcomes.append(outcome)
            if outcome != flow.expected:
                differing.append(f"{source.label} → {target.label} {port}: {outcome}")
    actual = aggregate(outcomes) if outcomes else flow.expected
    reason = "; ".join(differing[:4]) + (
        f" (+{len(differing) - 4} more)" if len(differing) > 4 else ""
    )
    return FlowResult(
        name=flow.name,
        source=_describe([s.label for s in flow.sources]),
        target=_describe(sorted({t.label for t, _ in flow.targets})),
        port=", ".join(sorted({str(p) for _, p in flow.targets})),
        expected=flow.expected,
        actual=actual,
        reason=reason if actual != flow.expected else "",
    )


def _describe(labels: Sequence[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]} (+{len(labels) - 1})"


def _dns(inventory: Inventory, pods: list[PodTemplate]) -> Iterator[Flow]:
    """Every pod group, by namespace, and a plain pod of every team namespace."""
    sources: dict[str, list[Peer]] = {
        n: [Peer(f"{n} pod", n, {})] for n in team_namespaces(inventory)
    }
    for pod in pods:
        if not pod.spec.get("hostNetwork") and not selects({"matchLabels": DNS.labels}, pod.labels):
            sources.setdefault(pod.namespace, []).append(pod_peer(pod))
    for namespace, peers in sorted(sources.items()):
        yield Flow(f"{namespace} → cluster DNS", peers, [(DNS, port) for port in DNS_PORTS], OPEN)


def team_namespaces(inventory: Inventory) -> list[str]:
    return sorted(n for n, o in inventory.namespaces().items() if TEAM_LABEL in o.labels)


def _exported_services(
    inventory: Inventory, ctx: RenderContext
) -> dict[str, tuple[K8sObject, int | None]]:
    urls = ctx.outputs.get("serviceUrls") or {}
    found: dict[str, tuple[K8sObject, int | None]] = {}
    for name, url in sorted(urls.items()) if isinstance(urls, Mapping) else ():
        resolved = resolve_url(inventory, str(url))
        if isinstance(resolved, tuple):
            service, port = resolved
            found[name] = (service, port if isinstance(port, int) else None)
    return found


def _team_to_services(
    inventory: Inventory, ctx: RenderContext, pods: list[PodTemplate]
) -> Iterator[Flow]:
    services = _exported_services(inventory, ctx)
    for namespace in team_namespaces(inventory):
        source = Peer(f"{namespace} pod", namespace, {})
        for name, (service, port) in services.items():
            targets = service_targets(service, pods, port)
            if targets:
                yield Flow(f"team {namespace} → {name}", [source], targets, OPEN)


def _airflow_api(inventory: Inventory, pods: list[PodTemplate]) -> Iterator[Flow]:
    for service in inventory.of_kind("Service"):
        if not service.name.endswith("-api-server") or service.labels.get("tier") != "airflow":
            continue
        clients = [
            p
            for p in pods
            if p.namespace == service.namespace
            and p.labels.get("component") in API_CLIENTS
            and not p.hook
        ]
        targets = service_targets(service, pods)
        if clients and targets:
            yield Flow(
                "Airflow workers → API server", [pod_peer(p) for p in clients], targets, OPEN
            )


def _load_balancer(
    inventory: Inventory, ctx: RenderContext, pods: list[PodTemplate]
) -> Iterator[Flow]:
    if not ctx.load_balancer_cidrs:
        return
    balancer = Peer("load balancer", cidrs=ctx.load_balancer_cidrs)
    for ingress in inventory.of_kind("Ingress"):
        spec = ingress.manifest.get("spec") or {}
        if ctx.ingress_class and spec.get("ingressClassName") != ctx.ingress_class:
            continue
        targets: list[tuple[Peer, Port]] = []
        for rule in spec.get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = (path.get("backend") or {}).get("service") or {}
                service = inventory.find("Service", ingress.namespace, str(backend.get("name")))
                if service is not None:
                    number = (backend.get("port") or {}).get("number")
                    targets += service_targets(service, pods, number)
        if targets:
            yield Flow(f"load balancer → {ingress.ident}", [balancer], targets, OPEN)


def prometheus_peers(inventory: Inventory) -> list[Peer]:
    """The Prometheus pods (the operator's, stood in for by ``cluster.operator_objects``)."""
    return [
        pod_peer(p)
        for p in pod_templates(inventory)
        if p.owner.synthetic
        and p.labels.get("app.kubernetes.io/name") == "prometheus"
        and p.labels.get("app.kubernetes.io/managed-by") == "prometheus-operator"
    ]


def _scrapes(inventory: Inventory, ctx: RenderContext, pods: list[PodTemplate]) -> Iterator[Flow]:
    scrapers = prometheus_peers(inventory)
    if not scrapers:
        return
    nodes = Peer("nodes", cidrs=ctx.node_cidrs) if ctx.node_cidrs else None
    for monitor in inventory.of_kind("ServiceMonitor", "PodMonitor"):
        targets: list[tuple[Peer, Port]] = []
        for found in scrape_targets(monitor, inventory, pods).values():
            for target in found:
                port = Port(target.number, target.name)
                if target.pod is not None and not target.pod.spec.get("hostNetwork"):
                    targets.append((pod_peer(target.pod), port))
                elif nodes is not None:
                    targets.append((nodes, port))
        if targets:
            yield Flow(f"Prometheus → {monitor.ident}", scrapers, targets, OPEN)


def _listening(pod: PodTemplate) -> list[Port]:
    """The ports a pod listens on (its declared container ports), else any port."""
    declared = [
        Port(int(p["containerPort"]), p.get("name"), str(p.get("protocol", "TCP")))
        for p in pod.ports()
        if p.get("containerPort")
    ]
    return declared or [Port(None)]


def _fences(inventory: Inventory, ctx: RenderContext, pods: list[PodTemplate]) -> Iterator[Flow]:
    namespaces = team_namespaces(inventory)
    if not namespaces:
        return
    owner = {n: inventory.namespaces()[n].labels[TEAM_LABEL] for n in namespaces}
    given = {
        peer.label
        for service, port_number in _exported_services(inventory, ctx).values()
        for peer, _ in service_targets(service, pods, port_number)
    }
    platform_pods = [
        p
        for p in pods
        if p.namespace not in owner
        and not p.spec.get("hostNetwork")
        and not selects({"matchLabels": DNS.labels}, p.labels)
        and p.owner.ident not in given
    ]
    anything = Port(None)
    for namespace in namespaces:
        source = Peer(f"{namespace} (any pod)", namespace, {}, any_labels=True)
        others = [
            (Peer(f"{other} (any pod)", other, {}, any_labels=True), anything)
            for other in namespaces
            if owner[other] != owner[namespace]
        ]
        if others:
            yield Flow(f"team {namespace} ↛ other teams", [source], others, CLOSED)
        targets = [(pod_peer(p), port) for p in platform_pods for port in _listening(p)]
        if targets:
            yield Flow(f"team {namespace} ↛ platform pods", [source], targets, CLOSED)
