"""Fence: every platform namespace denies all traffic, then allows exactly what its pods need.

A namespace's fence is a ``default-deny`` NetworkPolicy, an ``allow-dns`` egress policy
for every pod, and one ``allow-<name>`` policy per allowance its component declares. The
peers an allowance names come from ``NetworkPeers``: where the API server, the database,
Redis, object storage and AWS's APIs are as a pod sees them, and who calls in (the load
balancer, teams, Prometheus, the control plane's webhook calls).

The cluster's network policy engine (the VPC CNI's agent on EKS) enforces egress before a
Service address is translated, so the API server is named by its Service IP, and Services
that policies reach must listen on their pods' own port.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.services.kube import MANAGED_BY

Peer = Mapping[str, Any]
"""A NetworkPolicy peer: an ipBlock, or namespace and pod selectors."""
Port = Mapping[str, Any]
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
"""Addresses that are never the public internet (RFC 1918 and shared address space)."""
INTERNET: Peer = {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}
"""The public internet, reached through the NAT gateways (never another pod)."""


def tcp(*ports: int | str) -> list[Port]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def udp(*ports: int) -> list[Port]:
    return [{"protocol": "UDP", "port": port} for port in ports]


def blocks(cidrs: pulumi.Input[Sequence[str]]) -> pulumi.Input[list[Peer]]:
    """One ipBlock peer per CIDR (the CIDRs may be known only after apply)."""
    return pulumi.Output.from_input(cidrs).apply(
        lambda found: [{"ipBlock": {"cidr": cidr}} for cidr in found]
    )


def in_namespace(namespace: str, **labels: str) -> Peer:
    """Pods of one namespace (all of them, or those carrying ``labels``)."""
    peer: dict[str, Any] = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
    }
    if labels:
        peer["podSelector"] = {"matchLabels": dict(labels)}
    return peer


def same_namespace(**labels: str) -> Peer:
    return {"podSelector": {"matchLabels": dict(labels)}}


@dataclass(frozen=True)
class Reach:
    """Somewhere pods connect to: its peers and ports."""

    peers: pulumi.Input[Sequence[Peer]]
    """NetworkPolicy peers (ipBlock, or namespace and pod selectors)."""
    ports: Sequence[Port]
    """NetworkPolicy ports (protocol and port)."""

    def egress(self) -> dict[str, Any]:
        return {"to": self.peers, "ports": list(self.ports)}


@dataclass(frozen=True)
class NetworkPeers:
    """Where a platform pod's connections go, and come from, on this platform."""

    dns: Reach
    """The cluster DNS (CoreDNS pods, UDP and TCP 53)."""
    kubernetes_api: Reach
    """The API server as pods reach it: its Service IP (before translation) and, on EKS,
    the control plane's addresses in the cluster subnets."""
    control_plane: pulumi.Input[Sequence[Peer]]
    """Where the API server calls webhooks from."""
    database: Reach | None = None
    """The platform database (PostgreSQL); None without one."""
    redis: Reach | None = None
    """The platform's Redis (the online store); None without one."""
    object_store: Reach | None = None
    """Where objects go: S3 (its prefix list's addresses, 443) or an in-cluster MinIO."""
    aws_endpoints: Reach | None = None
    """The VPC's interface endpoints (their subnets, 443); None without any."""
    endpoint_services: Sequence[str] = ()
    """Which AWS APIs have an interface endpoint (spec names: sts, ecr, logs...)."""
    load_balancer: pulumi.Input[Sequence[Peer]] | None = None
    """The ingress load balancer's addresses (ip targets); None without one."""
    teams: Peer | None = None
    """Every team namespace; None on a platform without teams."""
    prometheus: Peer | None = None
    """The Prometheus pods; None without monitoring."""
    nodes: pulumi.Input[Sequence[Peer]] = field(default_factory=list)
    """The nodes' addresses (kubelets, host-network exporters)."""
    credentials: Reach | None = None
    """Where a workload identity's credentials come from: AWS's token service (its
    endpoint, else the internet) for IRSA, the Pod Identity agent for Pod Identity; None
    off AWS."""

    def aws_apis(self, *services: str) -> list[Reach]:
        """Reaching AWS APIs (secretsmanager, ...): their interface endpoints, and the
        public internet on 443 for any that has none."""
        reaches = [self.aws_endpoints] if self.aws_endpoints else []
        if not set(services) <= set(self.endpoint_services):
            reaches.append(Reach([INTERNET], tcp(443)))
        return reaches

    def identity(self, *services: str) -> list[Reach]:
        """What a pod with a workload identity reaches to call ``services`` (S3's gateway
        aside): its credentials, then the APIs."""
        found = [self.credentials] if self.credentials else []
        apis = self.aws_apis(*services) if services else []
        return found + [r for r in apis if r is not self.credentials]


@dataclass(frozen=True)
class Allowance:
    """One NetworkPolicy: the pods it selects and what they may receive and send."""

    name: str
    pods: Mapping[str, str] = field(default_factory=dict)
    """Label selector (matchLabels); empty selects every pod of the namespace."""
    ingress: Sequence[Mapping[str, Any]] = ()
    egress: Sequence[Mapping[str, Any]] = ()


def ingress_from(peers: pulumi.Input[Sequence[Peer]], ports: Sequence[Port]) -> dict[str, Any]:
    return {"from": peers, "ports": list(ports)}


def default_deny() -> dict[str, Any]:
    return {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def allowance_spec(allowance: Allowance) -> dict[str, Any]:
    types = [
        t for t, rules in (("Ingress", allowance.ingress), ("Egress", allowance.egress)) if rules
    ]
    spec: dict[str, Any] = {
        "podSelector": {"matchLabels": dict(allowance.pods)} if allowance.pods else {},
        "policyTypes": types,
    }
    if allowance.ingress:
        spec["ingress"] = list(allowance.ingress)
    if allowance.egress:
        spec["egress"] = list(allowance.egress)
    return spec


def fence(
    namespace: str,
    allowances: Sequence[Allowance],
    peers: NetworkPeers,
    *,
    provider: pulumi.ProviderResource | None,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> list[k8s.networking.v1.NetworkPolicy]:
    """The namespace's default-deny, DNS for every pod, and each allowance."""
    specs = [
        ("default-deny", default_deny()),
        ("allow-dns", allowance_spec(Allowance("dns", egress=[peers.dns.egress()]))),
        *((f"allow-{a.name}", allowance_spec(a)) for a in allowances),
    ]
    opts = pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=list(depends_on))
    return [
        k8s.networking.v1.NetworkPolicy(
            f"{namespace}-{name}",
            metadata={"name": name, "namespace": namespace, "labels": MANAGED_BY},
            spec=spec,
            opts=opts,
        )
        for name, spec in specs
    ]
