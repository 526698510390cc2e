"""Cost line items: what each priced resource type costs, and each team's GPU quota.

See mlplat/review/cost.py for the report they add up to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlplat.review.plans import Teams, component_label, top_component
from mlplat.review.prices import Price, PriceTable
from mlplat.spec import instances
from mlplat.spec.pools import POOL_LABEL
from mlplat.spec.versions import EXTENDED_SUPPORT

HOURS = 730.0


@dataclass(frozen=True)
class LineItem:
    component: str
    """The top-level component it belongs to (class and name), or the resource's name."""
    what: str
    price: Price
    quantity_min: float
    """Units per month at minimum size (hours x count, GB, keys...)."""
    quantity_max: float
    team: str | None = None
    gpu_hours_max: float = 0.0
    note: str = ""
    usage_based: bool = False
    """Priced per unit of usage the plan cannot know: no amount."""

    @property
    def monthly_min(self) -> float | None:
        return (
            None
            if self.usage_based or not self.price.known
            else self.price.value * self.quantity_min
        )  # type: ignore[operator]

    @property
    def monthly_max(self) -> float | None:
        return (
            None
            if self.usage_based or not self.price.known
            else self.price.value * self.quantity_max
        )  # type: ignore[operator]


@dataclass(frozen=True)
class TeamQuotaCost:
    team: str
    pool: str
    gpus: int
    borrowing: int
    gpu_price: Price
    """Per GPU-hour: the pool's instance price over its GPUs."""
    gpus_per_node: int

    def monthly(self, with_borrowing: bool = False) -> float | None:
        if not self.gpu_price.known:
            return None
        count = self.gpus + (self.borrowing if with_borrowing else 0)
        return self.gpu_price.value / self.gpus_per_node * count * HOURS  # type: ignore[operator]


@dataclass
class Context:
    table: PriceTable
    region: str | None
    by_urn: Mapping[str, Mapping[str, Any]]

    def __post_init__(self) -> None:
        self.teams = Teams(self.by_urn)

    def price(self, category: str, item: str) -> Price:
        return self.table.get(self.region, category, item)

    def component(self, resource: Mapping[str, Any]) -> str:
        """The top-level component above ``resource``."""
        return component_label(top_component(resource, self.by_urn))

    def team(self, resource: Mapping[str, Any]) -> str | None:
        return self.teams.of(resource)

    def item(
        self,
        resource: Mapping[str, Any],
        what: str,
        price: Price,
        low: float,
        high: float | None = None,
        **extra: Any,
    ) -> LineItem:
        return LineItem(
            self.component(resource),
            what,
            price,
            low,
            low if high is None else high,
            self.team(resource),
            **extra,
        )


CAPACITY_BLOCK_REASON = (
    "a Capacity Block is paid up front, at the rate EC2 quotes for that block when it is "
    "bought; the Price List files do not carry it"
)


def _node_group(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    inputs = resource.get("inputs") or {}
    template = _launch_template(ctx, resource) or {}
    # A Capacity Block's group names no instance type: its launch template does.
    types = [str(t) for t in inputs.get("instanceTypes") or []]
    types = types or ([str(template["instanceType"])] if template.get("instanceType") else [])
    if not types:
        return
    scaling = inputs.get("scalingConfig") or {}
    low, high = int(scaling.get("minSize", 0)), int(scaling.get("maxSize", 0))
    price = ctx.price("ec2", types[0])
    gpu = instances.gpu(types[0])
    notes = []
    if len(types) > 1:
        notes.append(f"priced as {types[0]}, the first of {', '.join(types)}")
    if inputs.get("capacityType") == "SPOT":
        notes.append("spot: priced at on-demand, a ceiling")
    if inputs.get("capacityType") == "CAPACITY_BLOCK":
        price = Price(price.category, price.item, None, price.source, CAPACITY_BLOCK_REASON)
    pool = (inputs.get("labels") or {}).get(POOL_LABEL, resource["name"])
    what = f"node pool {pool}: {low}-{high} x {types[0]}"
    if gpu is not None:
        what += f" ({gpu.count}x {gpu.model.upper()})"
    yield ctx.item(
        resource,
        what,
        price,
        low * HOURS,
        high * HOURS,
        gpu_hours_max=(gpu.count * high * HOURS if gpu else 0.0),
        note="; ".join(notes),
    )
    disk = _root_volume_gib(ctx, resource)
    if disk:
        yield ctx.item(
            resource,
            f"node pool {pool}: {disk:g} GiB gp3 root volume per node",
            ctx.price("ebs", "gp3"),
            disk * low,
            disk * high,
        )


def _launch_template(ctx: Context, node_group: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The inputs of the launch template beside ``node_group`` in its pool, if any."""
    for sibling in ctx.by_urn.values():
        if sibling["type"] == "aws:ec2/launchTemplate:LaunchTemplate" and sibling.get(
            "parent"
        ) == node_group.get("parent"):
            return sibling.get("inputs") or {}
    return None


def _root_volume_gib(ctx: Context, node_group: Mapping[str, Any]) -> float:
    inputs = node_group.get("inputs") or {}
    if inputs.get("diskSize"):
        return float(inputs["diskSize"])
    for mapping in (_launch_template(ctx, node_group) or {}).get("blockDeviceMappings") or []:
        size = (mapping.get("ebs") or {}).get("volumeSize")
        if size:
            return float(size)
    return 20.0 if inputs.get("launchTemplate") is None else 0.0


def _cluster(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    version = str((resource.get("inputs") or {}).get("version", ""))
    extended = version in EXTENDED_SUPPORT
    item = "cluster-extended" if extended else "cluster"
    label = "extended support" if extended else "standard support"
    yield ctx.item(
        resource, f"EKS control plane {version} ({label})", ctx.price("eks", item), HOURS
    )


def _nat(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    yield ctx.item(resource, "NAT gateway", ctx.price("nat", "hour"), HOURS)
    yield ctx.item(
        resource, "NAT gateway data processed", ctx.price("nat", "gb"), 0, usage_based=True
    )


def _eip(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    yield ctx.item(resource, "public IPv4 address", ctx.price("ipv4", "hour"), HOURS)


def _endpoint(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    inputs = resource.get("inputs") or {}
    if inputs.get("vpcEndpointType") != "Interface":
        return
    zones = len(inputs.get("subnetIds") or []) or 1
    service = str(inputs.get("serviceName", "")).rsplit(".", 1)[-1]
    yield ctx.item(
        resource,
        f"interface endpoint {service} in {zones} zones",
        ctx.price("vpce", "interface-hour"),
        zones * HOURS,
    )


def _database(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    inputs = resource.get("inputs") or {}
    klass = str(inputs.get("instanceClass", ""))
    copies = 2 if inputs.get("multiAz") else 1
    az = "Multi-AZ" if copies == 2 else "Single-AZ"
    yield ctx.item(
        resource, f"RDS PostgreSQL {klass} {az}", ctx.price("rds", klass), copies * HOURS
    )
    low = float(inputs.get("allocatedStorage") or 0)
    high = float(inputs.get("maxAllocatedStorage") or low)
    storage = str(inputs.get("storageType") or "gp3")
    yield ctx.item(
        resource,
        f"RDS {storage} storage {low:g}-{high:g} GiB {az}",
        ctx.price("rds-storage", storage),
        copies * low,
        copies * high,
    )
    if inputs.get("manageMasterUserPassword"):
        yield ctx.item(resource, "RDS-managed master secret", ctx.price("secrets", "secret"), 1)


def _cache(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    inputs = resource.get("inputs") or {}
    node = str(inputs.get("nodeType", ""))
    count = int(inputs.get("numCacheClusters") or 1)
    yield ctx.item(
        resource, f"ElastiCache {count} x {node}", ctx.price("elasticache", node), count * HOURS
    )


def _key(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    yield ctx.item(resource, "KMS key", ctx.price("kms", "key"), 1)


def _bucket(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    name = (resource.get("inputs") or {}).get("bucket", resource["name"])
    yield ctx.item(
        resource, f"S3 Standard storage in {name}", ctx.price("s3", "standard"), 0, usage_based=True
    )


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)(Mi|Gi|Ti)$")

_GIB = {"Mi": 1 / 1024, "Gi": 1.0, "Ti": 1024.0}


def _volumes(value: Any, path: tuple[str, ...] = ()) -> Iterator[float]:
    """GiB of persistent volumes requested in chart values (volume claim templates and
    ``persistence.size`` with persistence enabled)."""
    if isinstance(value, Mapping):
        if "volumeClaimTemplate" in path and path[-2:] == ("resources", "requests"):
            size = _SIZE.match(str(value.get("storage", "")))
            if size:
                yield float(size.group(1)) * _GIB[size.group(2)]
        if path[-1:] == ("persistence",) and value.get("enabled"):
            size = _SIZE.match(str(value.get("size", "")))
            if size:
                yield float(size.group(1)) * _GIB[size.group(2)]
        for key, item in value.items():
            yield from _volumes(item, (*path, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from _volumes(item, path)


def _release(ctx: Context, resource: Mapping[str, Any]) -> Iterator[LineItem]:
    inputs = resource.get("inputs") or {}
    gib = sum(_volumes(inputs.get("values") or {}))
    if gib and ctx.region is not None:
        yield ctx.item(
            resource,
            f"{inputs.get('name', resource['name'])}: {gib:g} GiB gp3 persistent volumes",
            ctx.price("ebs", "gp3"),
            gib,
        )


def load_balancers(ctx: Context, resources: Sequence[Mapping[str, Any]]) -> Iterator[LineItem]:
    """One ALB per ingress group named in an annotation (the AWS Load Balancer Controller
    creates them at run time, so they are not resources of the plan)."""
    groups: dict[str, Mapping[str, Any]] = {}
    for resource in resources:
        for group in _alb_groups(resource.get("inputs") or {}):
            groups.setdefault(group, resource)
    owner = next((r for r in resources if r["type"] == "mlplat:index:LoadBalancerController"), None)
    for group, first in sorted(groups.items()):
        anchor = owner or first
        yield ctx.item(
            anchor, f"application load balancer {group}", ctx.price("elb", "alb-hour"), HOURS
        )
        yield ctx.item(
            anchor,
            f"load balancer capacity units of {group}",
            ctx.price("elb", "lcu-hour"),
            0,
            usage_based=True,
        )


def _alb_groups(value: Any) -> Iterator[str]:
    if isinstance(value, Mapping):
        group = value.get("alb.ingress.kubernetes.io/group.name")
        if group:
            yield str(group)
        for item in value.values():
            yield from _alb_groups(item)
    elif isinstance(value, list):
        for item in value:
            yield from _alb_groups(item)


def team_quotas(ctx: Context, resources: Sequence[Mapping[str, Any]]) -> Iterator[TeamQuotaCost]:
    """Each team's GPU quota per pool, priced at the pool's first instance type."""
    pools: dict[str, str] = {}
    for resource in resources:
        if resource["type"] == "aws:eks/nodeGroup:NodeGroup":
            inputs = resource.get("inputs") or {}
            pool = (inputs.get("labels") or {}).get(POOL_LABEL)
            if pool and inputs.get("instanceTypes"):
                pools[str(pool)] = str(inputs["instanceTypes"][0])
    flavors: dict[str, str] = {}
    for resource in resources:
        if resource["type"].endswith(":ResourceFlavor"):
            spec = (resource.get("inputs") or {}).get("spec") or {}
            name = ((resource.get("inputs") or {}).get("metadata") or {}).get("name")
            pool = (spec.get("nodeLabels") or {}).get(POOL_LABEL)
            if name and pool:
                flavors[str(name)] = str(pool)
    for resource in resources:
        if not resource["type"].endswith(":ClusterQueue"):
            continue
        inputs = resource.get("inputs") or {}
        team = ((inputs.get("metadata") or {}).get("labels") or {}).get(
            "mlplat.dev/team", (inputs.get("metadata") or {}).get("name")
        )
        for group in (inputs.get("spec") or {}).get("resourceGroups") or []:
            for flavor in group.get("flavors") or []:
                pool = flavors.get(str(flavor.get("name")), str(flavor.get("name")))
                for quota in flavor.get("resources") or []:
                    if quota.get("name") != instances.GPU_RESOURCE:
                        continue
                    itype = pools.get(pool, "")
                    gpu = instances.gpu(itype) if itype else None
                    yield TeamQuotaCost(
                        str(team),
                        pool,
                        int(float(quota.get("nominalQuota", 0))),
                        int(float(quota.get("borrowingLimit", 0) or 0)),
                        ctx.price("ec2", itype)
                        if itype
                        else Price("ec2", pool, None, "", "pool not in this plan"),
                        gpu.count if gpu else 1,
                    )


PRICERS = {
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:eks/cluster:Cluster": _cluster,
    "aws:ec2/natGateway:NatGateway": _nat,
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _endpoint,
    "aws:rds/instance:Instance": _database,
    "aws:elasticache/replicationGroup:ReplicationGroup": _cache,
    "aws:kms/key:Key": _key,
    "aws:s3/bucket:Bucket": _bucket,
    "kubernetes:helm.sh/v3:Release": _release,
}
