"""What the render checks need to know about the platform beyond its objects.

Derived from the spec and the plan's outputs: the cluster's version, the pack's config,
the address ranges pods and load balancers use, the Secrets an operator provides, and
the node pools pods land on.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mlplat.spec import PlatformSpec, TeamStackSpec
from mlplat.spec.model import CloudProvider, NodePoolSpec, WorkloadIdentityMode
from mlplat.spec.subnets import (
    CidrError,
    kubernetes_api_ip,
    kubernetes_service_cidr,
    plan_subnets,
)
from mlplat.spec.versions import STANDARD_SUPPORT

POD_IDENTITY_AGENT = "169.254.170.23/32"
"""The EKS Pod Identity agent, on every node at a link-local address (port 80)."""
NOT_INTERNET = (
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
)


def public_internet() -> tuple[str, ...]:
    """The IPv4 internet as address blocks (everything but private and local ranges)."""
    pieces = [ipaddress.ip_network("0.0.0.0/0")]
    for hole in map(ipaddress.ip_network, NOT_INTERNET):
        pieces = [
            part
            for piece in pieces
            for part in (piece.address_exclude(hole) if piece.overlaps(hole) else [piece])
        ]
    return tuple(sorted(str(p) for p in pieces))


@dataclass(frozen=True)
class ProvidedSecret:
    """A Secret the platform expects to exist without creating it."""

    namespace: str
    name: str
    by: str
    """Who creates it and where that is said (a spec field, a README step)."""


@dataclass(frozen=True)
class RenderContext:
    kube_version: str
    """The cluster's version, as `helm template --kube-version` takes it (1.35.0)."""
    policy_config: Mapping[str, Any] = field(default_factory=dict)
    provided: tuple[ProvidedSecret, ...] = ()
    outputs: Mapping[str, Any] = field(default_factory=dict)
    """The stack's outputs (service URLs are checked against Services)."""
    pod_cidrs: tuple[str, ...] = ()
    """Where pod addresses come from (on EKS the private subnets: the VPC CNI gives pods
    addresses of their node's subnet); empty when unknown (an existing cluster)."""
    service_cidrs: tuple[str, ...] = ()
    """The Service range, when egress to a Service is judged on its address (EKS)."""
    credentials: tuple[str, tuple[str, ...], int] | None = None
    """Where pods with a workload identity get credentials: (what, address blocks, port)."""
    identities: frozenset[tuple[str, str]] = frozenset()
    """The (namespace, service account) pairs with an EKS Pod Identity association, from
    the plan (IRSA accounts carry their annotation in the rendered objects)."""
    load_balancer_cidrs: tuple[str, ...] = ()
    """Where an ALB with ip targets connects to pods from (its subnets)."""
    node_cidrs: tuple[str, ...] = ()
    """Where the nodes (and the control plane's interfaces) have their addresses: the
    targets of Services without a selector (kubelets, the API server). Empty when unknown."""
    api_server_cidrs: tuple[str, ...] = ()
    """The API server as pods reach it (its Service IP); empty when unknown."""
    database_cidrs: tuple[str, ...] = ()
    """Where a managed database lives; empty for an in-cluster one (its Service decides)."""
    redis_cidrs: tuple[str, ...] = ()
    """Where a managed Redis lives; empty for an in-cluster one."""
    ingress_class: str | None = None
    stack: str = "stack"
    waits_for: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The releases each release (by name) or mlplat object (by URN) is ordered after,
    transitively, from the plan's dependencies."""
    node_pools: tuple[NodePoolSpec, ...] = ()
    """The stack's EKS node pools; none on an existing cluster, whose nodes mlplat does not
    know."""


def render_context(
    spec: PlatformSpec | TeamStackSpec,
    outputs: Mapping[str, Any],
    policy_config: Mapping[str, Any],
    stack: str,
    kube_version: str | None = None,
) -> RenderContext:
    """The context of a platform (or team) stack; ``kube_version`` overrides the spec's."""
    if isinstance(spec, TeamStackSpec):
        version = kube_version or STANDARD_SUPPORT[-1]
        return RenderContext(_full(version), policy_config, (), outputs, stack=stack)
    aws = spec.cloud.provider is CloudProvider.AWS
    version = kube_version or (spec.cluster.kubernetes_version if aws else STANDARD_SUPPORT[-1])
    # The services' declarations import their components (Pulumi): a render has planned.
    from mlplat.config_secrets import provided as config_secrets

    provided = [
        ProvidedSecret(s.namespace, s.secret_name, f"the operator (mlplat:{s.key})")
        for s in config_secrets(spec)
    ]
    ingress = spec.services.ingress
    lb_cidrs: tuple[str, ...] = ()
    node_cidrs: tuple[str, ...] = ()
    subnets = None
    if aws:
        try:
            subnets = plan_subnets(spec.network.cidr, spec.network.zone_count)
        except CidrError:
            subnets = None
    api_cidrs: tuple[str, ...] = ()
    service_cidrs: tuple[str, ...] = ()
    credentials = None
    if subnets is not None:
        node_cidrs = subnets.private
        service_cidrs = (kubernetes_service_cidr(spec.network.cidr),)
        api_cidrs = (f"{kubernetes_api_ip(service_cidrs[0])}/32",)
        if spec.cluster.workload_identity is WorkloadIdentityMode.POD_IDENTITY:
            credentials = ("EKS Pod Identity agent", (POD_IDENTITY_AGENT,), 80)
        elif "sts" in spec.network.interface_endpoints:
            credentials = ("STS endpoint", subnets.endpoints, 443)
        else:
            credentials = ("STS (public)", public_internet(), 443)
        if ingress is not None:
            internet_facing = str(ingress.scheme) == "internet-facing"
            lb_cidrs = subnets.public if internet_facing else subnets.private
    return RenderContext(
        kube_version=_full(version),
        policy_config=policy_config,
        provided=tuple(provided),
        outputs=outputs,
        pod_cidrs=node_cidrs,
        service_cidrs=service_cidrs,
        credentials=credentials,
        load_balancer_cidrs=lb_cidrs,
        node_cidrs=node_cidrs,
        api_server_cidrs=api_cidrs,
        database_cidrs=node_cidrs,
        redis_cidrs=node_cidrs if spec.services.feature_store else (),
        ingress_class=("alb" if aws else ingress.class_name) if ingress else None,
        stack=stack,
        node_pools=tuple(spec.node_pools) if aws else (),
    )


def _full(version: str) -> str:
    return version if version.count(".") >= 2 else f"{version}.0"
