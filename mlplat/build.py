"""The composition root: the only place that maps the typed spec onto components.

It reads top to bottom in dependency order; each step returns a frozen value and the
later steps take exactly what they use. Optional pieces are constructed or not;
components carry no enable flags, and the services come from their registry
(``mlplat/services``): none is named here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlplat.build_cloud import Cloud, build_cloud
from mlplat.build_cluster import Cluster, build_cluster
from mlplat.build_network import network_peers
from mlplat.build_services import Services, build_services
from mlplat.build_stores import build_stores
from mlplat.build_teams import build_tenancy
from mlplat.services.registry import enabled_services
from mlplat.spec.model import CloudProvider, PlatformSpec


@dataclass(frozen=True)
class Platform:
    """What was built, layer by layer, and the stack outputs."""

    cloud: Cloud | None
    """The AWS layer; None on an existing cluster."""
    cluster: Cluster
    services: Services
    outputs: dict[str, Any]
    """Stack outputs, by name."""


def build(spec: PlatformSpec) -> Platform:
    """Declare every resource the spec asks for."""
    cloud = build_cloud(spec) if spec.cloud.provider is CloudProvider.AWS else None
    cluster = build_cluster(spec, cloud)
    wanted = enabled_services(spec)
    peers = network_peers(spec, cloud, wanted)
    stores = build_stores(spec, cloud, cluster, wanted)
    services = build_services(spec, cloud, cluster, peers, stores, wanted)
    tenancy = build_tenancy(spec, cloud, cluster, peers, services.monitors_ready, wanted)
    outputs = {
        "platformName": spec.metadata.name,
        "environment": str(spec.metadata.environment),
        "platformNamespace": cluster.kubernetes.namespace,
        **(cloud.outputs() if cloud is not None else {}),
        **cluster.outputs,
        **services.outputs,
        **tenancy,
    }
    return Platform(cloud, cluster, services, outputs)
