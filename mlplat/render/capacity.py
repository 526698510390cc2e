"""Check 8, capacity: what the platform runs fits the nodes it lands on, with room to move.

The platform's pools are the stack's CPU node pools without a NoSchedule or NoExecute
taint (where pods that tolerate nothing land), at their size on creation. Every pod that
would run there is summed at its effective request (``requests.pod_requests``):
Deployments and StatefulSets x replicas, DaemonSets x the nodes they select, the pods the
Prometheus operator creates from its custom resources (with its config-reloader sidecar),
and the EKS add-ons (``addon_load``). Against what those nodes allocate
(``mlplat.spec.allocatable``), the check asks:

- do the steady pods fit at all, and each pod on one node beside its DaemonSets?
- is there room for the largest extra load on top: one release's rolling update (its
  Deployments' and DaemonSets' surge at once), the first install's Jobs, or one on-demand
  pod (an executor's task pod, a CronJob's run)? Without it a rollout or install waits
  for room until Helm's wait, and ``pulumi up``, times out.
- do the steady pods fit on one node fewer? kube-prometheus-stack's KubeCPUOvercommit and
  KubeMemoryOvercommit fire when they do not (requests > allocatable - the largest node),
  and a node lost or replaced leaves pods Pending.

An existing cluster has no pools in the spec, so nothing is checked there.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mlplat.render.addon_load import EKS_ADDONS
from mlplat.render.context import RenderContext
from mlplat.render.findings import Finding, Severity
from mlplat.render.objects import MLPLAT, Inventory, K8sObject
from mlplat.render.placement import is_platform, lands_on
from mlplat.render.pods import pod_templates
from mlplat.render.requests import MIB, Resources, container_requests, pod_requests, total
from mlplat.spec import allocatable
from mlplat.spec.model import NodePoolSpec

OVERCOMMIT_ALERTS = ("KubeCPUOvercommit", "KubeMemoryOvercommit")
RELOADER_DEFAULTS = {"cpu": "10m", "memory": "50Mi"}
"""The Prometheus operator's config-reloader requests when its flags do not set them."""
_REPLICATED = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet", "Pod")
_ON_DEMAND = ("CronJob", "PodTemplate", "ConfigMap")


@dataclass(frozen=True)
class Load:
    """Pods one workload puts on the platform's pools."""

    source: str
    """Its release, "mlplat", or the EKS add-on."""
    workload: str
    phase: str
    """steady | install (Jobs) | on demand (task pods, CronJob runs)."""
    pod: Resources
    pods: int
    surge: int = 0
    """Extra pods while it rolls out."""
    daemon: bool = False
    """One pod per node (its request is also in ``Capacity.daemons``)."""

    @property
    def requests(self) -> Resources:
        return self.pod * self.pods


@dataclass(frozen=True)
class PoolNodes:
    pool: NodePoolSpec
    node: allocatable.Allocatable
    """One node of its smallest type."""

    @property
    def nodes(self) -> int:
        return self.pool.initial_size

    @property
    def room(self) -> Resources:
        return Resources(self.node.cpu_m, self.node.memory_mib * MIB)


@dataclass(frozen=True)
class Capacity:
    """The platform's pools and everything that would run on them."""

    pools: tuple[PoolNodes, ...]
    loads: tuple[Load, ...]
    daemons: Mapping[str, Resources]
    """Per pool, what its DaemonSets take on each node."""

    @property
    def nodes(self) -> int:
        return sum(p.nodes for p in self.pools)

    @property
    def allocatable(self) -> Resources:
        return total(p.room * p.nodes for p in self.pools)

    @property
    def max_pods(self) -> int:
        return sum(p.node.pods * p.nodes for p in self.pools)

    def of_phase(self, phase: str) -> list[Load]:
        return [load for load in self.loads if load.phase == phase]

    @property
    def steady(self) -> Resources:
        return total(load.requests for load in self.of_phase("steady"))

    @property
    def steady_pods(self) -> int:
        return sum(load.pods for load in self.of_phase("steady"))

    def extras(self) -> list[tuple[str, Resources, int]]:
        """Each extra load that may come on top of the steady pods: (what, requests, pods)."""
        surges: dict[str, tuple[Resources, int]] = defaultdict(lambda: (Resources(), 0))
        for load in self.of_phase("steady"):
            if load.surge:
                requests, pods = surges[load.source]
                surges[load.source] = (requests + load.pod * load.surge, pods + load.surge)
        found = [(f"a rollout of {s}", r, n) for s, (r, n) in sorted(surges.items())]
        jobs = self.of_phase("install")
        if jobs:
            found.append(
                (
                    "the first install's Jobs",
                    total(j.requests for j in jobs),
                    sum(j.pods for j in jobs),
                )
            )
        found += [(f"one pod of {d.workload}", d.pod, 1) for d in self.of_phase("on demand")]
        return found

    def one_node_down(self) -> Resources:
        """What the nodes allocate without the largest one, per resource (as the alerts
        compute it)."""
        rooms = [p.room for p in self.pools if p.nodes]
        largest = Resources(max(r.cpu_m for r in rooms), max(r.memory for r in rooms))
        return self.allocatable - largest


def platform_pools(ctx: RenderContext) -> tuple[PoolNodes, ...]:
    """The platform's pools, each with its smallest node; pools of types the instance table
    lacks are left out (``check`` says so)."""
    found = []
    for pool in filter(is_platform, ctx.node_pools):
        nodes = [allocatable.allocatable(t, pool.os) for t in pool.instance_types]
        known = [n for n in nodes if n is not None]
        if known and len(known) == len(nodes):
            found.append(PoolNodes(pool, min(known, key=lambda n: (n.cpu_m, n.memory_mib))))
    return tuple(found)


def capacity(inventory: Inventory, ctx: RenderContext) -> Capacity | None:
    """Everything the inventory and the EKS add-ons put on the platform's pools; None when
    the stack has none (an existing cluster)."""
    pools = platform_pools(ctx)
    if not pools:
        return None
    defaults = _limit_range_defaults(inventory)
    loads: list[Load] = []
    daemons: dict[str, Resources] = defaultdict(Resources)
    for pod in pod_templates(inventory):
        if pod.owner.synthetic:
            continue
        on = [p for p in pools if lands_on(pod.spec, p.pool)]
        if not on:
            continue
        request = pod_requests(pod.spec, defaults.get(pod.namespace))
        load = _load(pod.owner, request, on)
        loads.append(load)
        if pod.owner.kind == "DaemonSet":
            for p in on:
                daemons[p.pool.name] += request
    loads += _operator_pods(inventory, pools, defaults)
    for addon in EKS_ADDONS:
        pods = sum(p.nodes for p in pools) if addon.per_node else addon.replicas
        source = f"EKS add-on {addon.addon}"
        loads.append(
            Load(source, addon.workload, "steady", addon.pod, pods, addon.surge, addon.per_node)
        )
        if addon.per_node:
            for p in pools:
                daemons[p.pool.name] += addon.pod
    return Capacity(pools, tuple(loads), dict(daemons))


def _load(owner: K8sObject, request: Resources, on: list[PoolNodes]) -> Load:
    spec = owner.manifest.get("spec") or {}
    if owner.hooks:
        return Load(owner.source, owner.ident, "install", request, 1)
    if owner.kind == "DaemonSet":
        nodes = sum(p.nodes for p in on)
        rolling = (spec.get("updateStrategy") or {}).get("rollingUpdate") or {}
        surge = _scaled(rolling.get("maxSurge", 0), nodes)
        return Load(owner.source, owner.ident, "steady", request, nodes, surge, daemon=True)
    if owner.kind in _REPLICATED:
        replicas = _count(spec.get("replicas"), 1) if owner.kind != "Pod" else 1
        surge = 0
        strategy = spec.get("strategy") or {}
        if owner.kind == "Deployment" and strategy.get("type", "RollingUpdate") == "RollingUpdate":
            surge = _scaled((strategy.get("rollingUpdate") or {}).get("maxSurge", "25%"), replicas)
        return Load(owner.source, owner.ident, "steady", request, replicas, surge)
    if owner.kind in _ON_DEMAND:
        return Load(owner.source, owner.ident, "on demand", request, 1)
    parallelism = _count(spec.get("parallelism"), 1) if owner.kind == "Job" else 1
    return Load(owner.source, owner.ident, "install", request, parallelism)


def _scaled(value: Any, of: int) -> int:
    """An int-or-percent (maxSurge) against a count; percentages round up, as for surge."""
    text = str(value)
    if text.endswith("%"):
        return math.ceil(_count(text[:-1], 0) * of / 100)
    return _count(text, 0)


def _count(value: Any, default: int) -> int:
    """A count as the manifest gives it; ``default`` when unset or not a number (the schema
    check reports those)."""
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _limit_range_defaults(inventory: Inventory) -> dict[str, Mapping[str, Any]]:
    """Per namespace, the LimitRange item that fills in containers' missing requests."""
    found: dict[str, Mapping[str, Any]] = {}
    for limit_range in inventory.of_kind("LimitRange"):
        for item in (limit_range.manifest.get("spec") or {}).get("limits") or []:
            if item.get("type") == "Container" and limit_range.namespace:
                found[limit_range.namespace] = item
    return found


def _operator_pods(
    inventory: Inventory, pools: tuple[PoolNodes, ...], defaults: Mapping[str, Any]
) -> Iterator[Load]:
    """The Prometheus and Alertmanager pods the operator creates: the resource's own
    ``resources`` and ``replicas`` (x ``shards``), plus the config-reloader sidecar at the
    requests the operator's flags give it ("0" for none)."""
    flags = dict(RELOADER_DEFAULTS)
    for deployment in inventory.of_kind("Deployment"):
        args = _args(deployment)
        if any(a.startswith("--prometheus-config-reloader=") for a in args):
            for arg in args:
                for resource in ("cpu", "memory"):
                    prefix = f"--config-reloader-{resource}-request="
                    if arg.startswith(prefix):
                        flags[resource] = arg[len(prefix) :]
    reloader = Resources.of({k: v for k, v in flags.items() if v != "0"})
    for resource in inventory.of_kind("Prometheus", "Alertmanager"):
        spec = resource.manifest.get("spec") or {}
        if not any(lands_on(spec, p.pool) for p in pools):
            continue
        main = {"resources": spec.get("resources") or {}}
        pod = container_requests(main, defaults.get(resource.namespace or "")) + reloader
        replicas = _count(spec.get("replicas"), 1) * _count(spec.get("shards"), 1)
        yield Load(resource.source, resource.ident, "steady", pod, replicas)


def _args(workload: K8sObject) -> list[str]:
    template = ((workload.manifest.get("spec") or {}).get("template") or {}).get("spec") or {}
    return [str(a) for c in template.get("containers") or [] for a in c.get("args") or []]


def alert_rules(inventory: Inventory) -> set[str]:
    """Names of the alerts the inventory's PrometheusRules define."""
    return {
        str(rule.get("alert"))
        for obj in inventory.of_kind("PrometheusRule")
        for group in (obj.manifest.get("spec") or {}).get("groups") or []
        for rule in group.get("rules") or []
        if rule.get("alert")
    }


def check(inventory: Inventory, ctx: RenderContext) -> Iterator[Finding]:
    """Capacity findings for the stack's platform pools, with the figures as an info."""
    unknown = sorted(
        {
            (pool.name, t)
            for pool in filter(is_platform, ctx.node_pools)
            for t in pool.instance_types
            if allocatable.allocatable(t, pool.os) is None
        }
    )
    for pool, instance_type in unknown:
        yield Finding(
            "capacity",
            Severity.WARNING,
            MLPLAT,
            f"nodePools/{pool}",
            "instanceTypes",
            f"capacity not checked: {instance_type} is not in mlplat's instance table "
            "(mlplat/spec/ec2_specs.py), so what its nodes allocate is unknown",
            "use a tabled type, or add the type to the table from its published figures",
        )
    found = None if unknown else capacity(inventory, ctx)
    if found is not None:
        yield from _findings(found, alert_rules(inventory))


def _findings(cap: Capacity, alerts: Iterable[str]) -> Iterator[Finding]:
    where = "nodePools/" + ",".join(p.pool.name for p in cap.pools)
    nodes = " + ".join(f"{p.nodes} x {p.node.instance_type}" for p in cap.pools if p.nodes)
    nodes = nodes or "no nodes at creation"
    have, steady = cap.allocatable, cap.steady
    fix = "raise the pool's minSize (or desiredSize), or use a larger instance type"
    if not steady.fits(have) or cap.steady_pods > cap.max_pods:
        yield Finding(
            "capacity",
            Severity.ERROR,
            MLPLAT,
            where,
            "minSize",
            f"the platform's pods request {steady} ({cap.steady_pods} pods) but {nodes} "
            f"allocate {have} ({cap.max_pods} pods): some stay Pending and their releases "
            "time out",
            fix,
        )
        return
    short = [
        (what, extra)
        for what, extra, pods in cap.extras()
        if not (steady + extra).fits(have) or cap.steady_pods + pods > cap.max_pods
    ]
    if short:
        yield Finding(
            "capacity",
            Severity.ERROR,
            MLPLAT,
            where,
            "minSize",
            f"{nodes} allocate {have}; the steady pods request {steady}, which leaves "
            f"{have - steady}: not enough for "
            + "; ".join(f"{what} (+{extra})" for what, extra in short)
            + ". The pods wait for room until Helm's wait times out",
            fix,
        )
    yield from _too_big(cap, where)
    if cap.nodes >= 2:
        left = cap.one_node_down()
        over = [n for n, a, b in (("CPU", steady.cpu_m, left.cpu_m),
                                  ("memory", steady.memory, left.memory)) if a > b]  # fmt: skip
        if over:
            firing = [a for a in OVERCOMMIT_ALERTS if a in set(alerts)]
            yield Finding(
                "capacity",
                Severity.ERROR if firing else Severity.WARNING,
                MLPLAT,
                where,
                "minSize",
                f"the steady pods request {steady}, more {' and '.join(over)} than one node "
                f"fewer allocates ({left}): a lost or replaced node leaves pods Pending"
                + (f", and {' and '.join(firing)} fire on a healthy platform" if firing else ""),
                fix,
            )
    yield Finding("capacity", Severity.INFO, MLPLAT, where, "", summary(cap))


def _too_big(cap: Capacity, where: str) -> Iterator[Finding]:
    """Pods no single node has room for beside its DaemonSets."""
    rooms = [p.room - cap.daemons.get(p.pool.name, Resources()) for p in cap.pools if p.nodes]
    for load in cap.loads:
        if load.pods and not load.daemon and not any(load.pod.fits(room) for room in rooms):
            yield Finding(
                "capacity",
                Severity.ERROR,
                load.source,
                load.workload,
                "",
                f"one pod requests {load.pod}, more than any node of {where} has beside its "
                "DaemonSets: it never schedules",
                "lower its requests or use a larger instance type",
            )


def summary(cap: Capacity) -> str:
    """The figures, for the report: what the nodes allocate and what is asked of them."""
    nodes = " + ".join(f"{p.nodes} x {p.node.describe()}" for p in cap.pools if p.nodes)
    extras = cap.extras()
    peak = max(extras, key=lambda e: (e[1].cpu_m, e[1].memory), default=None)
    text = (
        f"{nodes}: {cap.allocatable} and {cap.max_pods} pods in all; steady requests "
        f"{cap.steady} in {cap.steady_pods} pods (EKS add-ons included)"
    )
    if peak is not None:
        text += f"; the largest extra load is {peak[0]} (+{peak[1]})"
    if cap.nodes >= 2:
        text += f"; one node fewer allocates {cap.one_node_down()}"
    return text
