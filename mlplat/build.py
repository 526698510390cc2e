"""The composition root: the only place that maps the typed spec onto components.

It reads top to bottom in dependency order. Optional pieces are constructed or not;
components carry no enable flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.eks_cluster import EksCluster, EksClusterArgs
from components.kubernetes_base import KubernetesBase, KubernetesBaseArgs
from components.network import Network, NetworkArgs
from components.node_pool import NodePool, NodePoolArgs
from mlplat.spec.aws_regions import partition
from mlplat.spec.model import CloudProvider, PlatformSpec


@dataclass
class Platform:
    """Handles on what was built, for stack outputs and tests."""

    kubernetes: KubernetesBase
    network: Network | None = None
    cluster: EksCluster | None = None
    node_pools: dict[str, NodePool] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs, by name."""


def build(spec: PlatformSpec) -> Platform:
    """Declare every resource the spec asks for."""
    if spec.cloud.provider is CloudProvider.AWS:
        platform = _build_aws(spec)
    else:
        platform = _build_existing(spec)
    platform.outputs = {
        "platformName": spec.metadata.name,
        "environment": str(spec.metadata.environment),
        "platformNamespace": platform.kubernetes.namespace,
        **platform.outputs,
    }
    return platform


def cloud_tags(spec: PlatformSpec) -> dict[str, str]:
    """Tags on every AWS resource (through the provider's default tags)."""
    meta = spec.metadata
    return {
        **meta.tags,
        "mlplat.dev/platform": meta.name,
        "mlplat.dev/environment": str(meta.environment),
        "mlplat.dev/owner": meta.owner,
        "mlplat.dev/managed-by": "pulumi",
    }


def _build_aws(spec: PlatformSpec) -> Platform:
    name = spec.metadata.name
    region = spec.cloud.region
    assert region is not None, "the spec checks require a region on aws"
    arn_partition = partition(region)
    provider = aws.Provider(f"{name}-aws", region=region, default_tags={"tags": cloud_tags(spec)})
    on_aws = pulumi.ResourceOptions(providers=[provider])

    network = Network(name, NetworkArgs(spec=spec.network, cluster_name=name), on_aws)
    cluster = EksCluster(
        name,
        EksClusterArgs(
            spec=spec.cluster,
            cluster_name=name,
            subnet_ids=network.private_subnet_ids,
            region=region,
            partition=arn_partition,
            protect=spec.is_prod,
        ),
        on_aws,
    )
    pools = {
        pool.name: NodePool(
            f"{name}-{pool.name}",
            NodePoolArgs(
                spec=pool,
                cluster_name=cluster.name,
                kubernetes_version=cluster.version,
                subnet_ids=network.private_subnet_ids,
                partition=arn_partition,
            ),
            on_aws,
        )
        for pool in spec.node_pools
    }
    cluster.add_post_node_addons([pool.node_group for pool in pools.values()])
    kubernetes = KubernetesBase(name, KubernetesBaseArgs(kubeconfig=cluster.kubeconfig))
    return Platform(
        kubernetes=kubernetes,
        network=network,
        cluster=cluster,
        node_pools=pools,
        outputs={
            "region": region,
            "vpcId": network.vpc_id,
            "privateSubnetIds": network.private_subnet_ids,
            "publicSubnetIds": network.public_subnet_ids,
            "clusterName": cluster.name,
            "clusterEndpoint": cluster.endpoint,
            "kubeconfig": cluster.kubeconfig,
            "nodeGroups": {key: pool.node_group_name for key, pool in pools.items()},
        },
    )


def _build_existing(spec: PlatformSpec) -> Platform:
    cloud = spec.cloud
    kubernetes = KubernetesBase(
        spec.metadata.name, KubernetesBaseArgs(kubeconfig=cloud.kubeconfig, context=cloud.context)
    )
    return Platform(kubernetes=kubernetes, outputs={"kubeContext": cloud.context})
