"""The composition root's network facts: where platform pods' connections go and come from.

Every platform namespace is fenced (default-deny, then allowances); the allowances name
peers, and this module derives them once from the spec and what was built: on AWS from the
subnet plan (the nodes, the database, Redis and the control plane's interfaces live in the
private subnets; interface endpoints in their own), the pinned Service range and S3's
prefix list; on an existing cluster from the in-cluster stores, with the API server's
address unknown (so it is reached on its ports anywhere).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from mlplat.build_cloud import Cloud
from mlplat.components.kubernetes_base import PLATFORM_NAMESPACE
from mlplat.components.services.fence import (
    INTERNET,
    NetworkPeers,
    Peer,
    Reach,
    blocks,
    in_namespace,
    tcp,
    udp,
)
from mlplat.components.services.in_cluster import MINIO_PORT, POSTGRES_PORT, REDIS_PORT, app_labels
from mlplat.components.tenancy.objects import POD_IDENTITY_AGENT, TEAM_LABEL
from mlplat.services.registry import EnabledServices
from mlplat.spec.model import PlatformSpec, WorkloadIdentityMode
from mlplat.spec.services import LoadBalancerScheme
from mlplat.spec.subnets import kubernetes_api_ip, kubernetes_service_cidr, plan_subnets

DNS = Reach([in_namespace("kube-system", **{"k8s-app": "kube-dns"})], [*udp(53), *tcp(53)])


def s3_cidrs(region: str, provider: aws.Provider | None) -> pulumi.Output[list[str]]:
    """S3's address ranges in the region (its gateway endpoint's managed prefix list)."""
    found = aws.ec2.get_managed_prefix_list_output(
        name=f"com.amazonaws.{region}.s3",
        opts=pulumi.InvokeOutputOptions(provider=provider),
    )
    return found.entries.apply(lambda entries: sorted(e.cidr for e in entries))


def network_peers(
    spec: PlatformSpec, cloud: Cloud | None, services: EnabledServices
) -> NetworkPeers:
    """The peers of this platform's pods: on aws from the subnet plan, else the stores'
    pods (and anywhere for the API server)."""
    teams: Peer | None = None
    if spec.teams is not None:
        teams = {
            "namespaceSelector": {"matchExpressions": [{"key": TEAM_LABEL, "operator": "Exists"}]}
        }
    scrapers = [n.scraper.peer() for n in services.needs if n.scraper is not None]
    prometheus = scrapers[0] if scrapers else None
    balancers = [n.load_balancer for n in services.needs if n.load_balancer is not None]
    if cloud is not None:
        return _aws_peers(spec, cloud, services, teams, prometheus, balancers)
    anywhere = [{"ipBlock": {"cidr": "0.0.0.0/0"}}]
    stores = {
        name: Reach([in_namespace(PLATFORM_NAMESPACE, **app_labels(name))], tcp(port))
        for name, port in (
            ("postgres", POSTGRES_PORT),
            ("minio", MINIO_PORT),
            ("redis", REDIS_PORT),
        )
    }
    return NetworkPeers(
        dns=DNS,
        # The API server's address on a cluster mlplat did not build is unknown.
        kubernetes_api=Reach(anywhere, tcp(443, 6443)),
        control_plane=anywhere,
        database=stores["postgres"],
        redis=stores["redis"] if services.redis is not None else None,
        object_store=stores["minio"],
        # The ingress controller runs where its installer put it.
        load_balancer=[{"namespaceSelector": {}}] if balancers else None,
        teams=teams,
        prometheus=prometheus,
        nodes=anywhere,
    )


def _aws_peers(
    spec: PlatformSpec,
    cloud: Cloud,
    services: EnabledServices,
    teams: Peer | None,
    prometheus: Peer | None,
    balancers: list[LoadBalancerScheme],
) -> NetworkPeers:
    network = spec.network
    subnets = plan_subnets(network.cidr, network.availability_zones)
    private = blocks(subnets.private)
    api_ip = kubernetes_api_ip(kubernetes_service_cidr(network.cidr))
    balancer = None
    if balancers:
        internet_facing = LoadBalancerScheme.INTERNET_FACING in balancers
        balancer = blocks(subnets.public if internet_facing else subnets.private)
    endpoints = Reach(blocks(subnets.endpoints), tcp(443)) if network.interface_endpoints else None
    if spec.cluster.workload_identity is WorkloadIdentityMode.POD_IDENTITY:
        credentials = Reach([{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}], tcp(80))
    elif endpoints is not None and "sts" in network.interface_endpoints:
        credentials = endpoints
    else:
        credentials = Reach([INTERNET], tcp(443))
    return NetworkPeers(
        dns=DNS,
        # The agent judges egress before the Service address is translated: the Service IP
        # is what pods reach (Prometheus also scrapes the control plane's addresses).
        kubernetes_api=Reach([{"ipBlock": {"cidr": f"{api_ip}/32"}}], tcp(443)),
        control_plane=private,
        database=Reach(private, tcp(5432)),
        redis=Reach(private, tcp(6379)) if services.redis is not None else None,
        object_store=Reach(blocks(s3_cidrs(cloud.region, cloud.account.provider)), tcp(443)),
        aws_endpoints=endpoints,
        endpoint_services=tuple(sorted(network.interface_endpoints)),
        load_balancer=balancer,
        teams=teams,
        prometheus=prometheus,
        nodes=private,
        credentials=credentials,
    )
