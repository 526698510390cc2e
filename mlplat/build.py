"""The composition root: the only place that maps the typed spec onto components.

It reads top to bottom in dependency order. Optional pieces are constructed or not;
components carry no enable flags.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplat.build_services import build_services
from mlplat.build_teams import build_tenancy
from mlplat.components.database import Database, DatabaseArgs
from mlplat.components.eks_addons import EksAddons, EksAddonsArgs
from mlplat.components.eks_cluster import EksCluster, EksClusterArgs
from mlplat.components.kubernetes_base import KubernetesBase, KubernetesBaseArgs
from mlplat.components.network import Network, NetworkArgs
from mlplat.components.node_pool import NodePool, NodePoolArgs
from mlplat.components.platform_key import PlatformKey, PlatformKeyArgs
from mlplat.components.registry import Registry, RegistryArgs
from mlplat.components.services.fence import NetworkPeers
from mlplat.components.storage import Storage, StorageArgs
from mlplat.components.storage_class import EbsStorageClass, EbsStorageClassArgs
from mlplat.components.workload_identity import ClusterIdentity
from mlplat.spec.aws_regions import partition
from mlplat.spec.model import CloudProvider, PlatformSpec, ServiceRole
from mlplat.spec.subnets import kubernetes_service_cidr
from mlplat.spec.tags import cloud_tags

PROD_MONITORING_INTERVAL = 60
"""Seconds between RDS Enhanced Monitoring samples when a prod spec sets none."""


@dataclass
class Platform:
    """Handles on what was built, for stack outputs, later layers and tests."""

    kubernetes: KubernetesBase
    network: Network | None = None
    cluster: EksCluster | None = None
    identity: ClusterIdentity | None = None
    """What workload roles need to trust this cluster (aws)."""
    kms_key_arn: pulumi.Input[str] | None = None
    node_pools: dict[str, NodePool] = field(default_factory=dict)
    registry: Registry | None = None
    storage: Storage | None = None
    database: Database | None = None
    provider_opts: pulumi.ResourceOptions | None = None
    """Options that put a resource on the platform's AWS provider (aws)."""
    aws_provider: aws.Provider | None = None
    """The platform's AWS provider (aws)."""
    monitoring: pulumi.Resource | None = None
    """The monitoring release, once its CRDs exist; None without monitoring."""
    peers: NetworkPeers | None = None
    """Where platform pods connect to and from (set with the services)."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs, by name."""


def build(spec: PlatformSpec) -> Platform:
    """Declare every resource the spec asks for."""
    if spec.cloud.provider is CloudProvider.AWS:
        platform = _build_aws(spec)
    else:
        platform = _build_existing(spec)
    platform.outputs |= build_services(spec, platform)
    platform.outputs |= build_tenancy(spec, platform)
    platform.outputs = {
        "platformName": spec.metadata.name,
        "environment": str(spec.metadata.environment),
        "platformNamespace": platform.kubernetes.namespace,
        **platform.outputs,
    }
    return platform


def _build_aws(spec: PlatformSpec) -> Platform:
    name = spec.metadata.name
    region = spec.cloud.region
    assert region is not None, "the spec checks require a region on aws"
    arn_partition = partition(region)
    prod = spec.is_prod
    provider = aws.Provider(f"{name}-aws", region=region, default_tags={"tags": cloud_tags(spec)})
    on_aws = pulumi.ResourceOptions(providers=[provider])
    account_id = aws.get_caller_identity_output(
        opts=pulumi.InvokeOutputOptions(provider=provider)
    ).account_id

    key_arn: pulumi.Input[str]
    if spec.encryption.kms_key_arn is not None:
        key_arn = spec.encryption.kms_key_arn
    else:
        key_arn = PlatformKey(
            name,
            PlatformKeyArgs(
                alias=name,
                account_id=account_id,
                region=region,
                partition=arn_partition,
                deletion_window_days=spec.encryption.deletion_window_days,
                protect=prod,
                create_autoscaling_role=(spec.encryption.auto_scaling_role is ServiceRole.CREATE),
            ),
            on_aws,
        ).arn
    network = Network(
        name,
        NetworkArgs.from_spec(
            spec.network,
            cluster_name=name,
            region=region,
            kms_key_arn=key_arn,
            account_id=account_id,
            partition=arn_partition,
        ),
        on_aws,
    )
    cluster = EksCluster(
        name,
        EksClusterArgs.from_spec(
            spec.cluster,
            cluster_name=name,
            subnet_ids=network.private_subnet_ids,
            region=region,
            partition=arn_partition,
            kms_key_arn=key_arn,
            protect=prod,
            service_cidr=kubernetes_service_cidr(spec.network.cidr),
        ),
        on_aws,
    )
    identity = ClusterIdentity(
        cluster_name=cluster.name,
        cluster_arn=cluster.arn,
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer=cluster.oidc_issuer,
        account_id=account_id,
        partition=arn_partition,
    )
    cache_repositories = [
        pulumi.Output.concat(
            f"arn:{arn_partition}:ecr:{region}:", account_id, f":repository/{rule.prefix}/*"
        )
        for rule in spec.registry.pull_through_cache
    ]
    addons = EksAddons(
        name,
        EksAddonsArgs(cluster=identity, kms_key_arn=key_arn, moved_from=cluster),
        on_aws,
    )
    pools = {
        pool.name: NodePool(
            f"{name}-{pool.name}",
            NodePoolArgs.from_spec(
                pool,
                cluster_name=cluster.name,
                kubernetes_version=cluster.version,
                subnet_ids=(
                    network.private_subnet_in(pool.availability_zone)
                    if pool.availability_zone
                    else network.private_subnet_ids
                ),
                partition=arn_partition,
                kms_key_arn=key_arn,
                cluster_security_group_id=cluster.security_group_id,
                pull_through_cache=cache_repositories,
            ),
            pulumi.ResourceOptions.merge(
                on_aws, pulumi.ResourceOptions(depends_on=addons.node_prerequisites)
            ),
        )
        for pool in spec.node_pools
    }
    addons.install_after_nodes([pool.node_group for pool in pools.values()])
    registry = Registry(
        name,
        RegistryArgs.from_spec(
            spec.registry,
            prefix=name,
            kms_key_arn=key_arn,
            protect=prod,
            team_prefixes=(
                ()
                if spec.registry.scope_team_repositories
                else tuple(team.name for team in spec.teams or ())
            ),
        ),
        on_aws,
    )
    storage = Storage(
        name,
        StorageArgs.from_spec(
            spec.storage,
            platform=name,
            region=region,
            partition=arn_partition,
            account_id=account_id,
            kms_key_arn=key_arn,
            protect=prod,
        ),
        on_aws,
    )
    database = Database(
        name,
        DatabaseArgs.from_spec(
            spec.database,
            identifier=f"{name}-metadata",
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            client_security_group_id=cluster.security_group_id,
            kms_key_arn=key_arn,
            multi_az=prod if spec.database.multi_az is None else spec.database.multi_az,
            protect=prod,
            monitoring_interval=(
                (PROD_MONITORING_INTERVAL if prod else 0)
                if spec.database.monitoring_interval_seconds is None
                else spec.database.monitoring_interval_seconds
            ),
            account_id=account_id,
            partition=arn_partition,
        ),
        on_aws,
    )
    kubernetes = KubernetesBase(name, KubernetesBaseArgs(kubeconfig=cluster.kubeconfig))
    storage_class = EbsStorageClass(
        name,
        EbsStorageClassArgs(kms_key_arn=key_arn, retain=prod),
        pulumi.ResourceOptions(providers=[kubernetes.provider]),
    )
    return Platform(
        kubernetes=kubernetes,
        network=network,
        cluster=cluster,
        identity=identity,
        kms_key_arn=key_arn,
        node_pools=pools,
        registry=registry,
        storage=storage,
        database=database,
        provider_opts=on_aws,
        aws_provider=provider,
        outputs={
            "region": region,
            "kmsKeyArn": key_arn,
            "vpcId": network.vpc_id,
            "privateSubnetIds": network.private_subnet_ids,
            "publicSubnetIds": network.public_subnet_ids,
            "clusterName": cluster.name,
            "clusterEndpoint": cluster.endpoint,
            "kubeconfig": cluster.kubeconfig,
            "oidcProviderArn": cluster.oidc_provider_arn,
            "nodeGroups": {key: pool.node_group_name for key, pool in pools.items()},
            "registryUrls": registry.repository_urls,
            "bucketNames": storage.bucket_names,
            "databaseAddress": database.address,
            "databasePort": database.port,
            "databaseSecretArn": database.master_secret_arn,
            "storageClass": storage_class.name,
        },
    )


def _build_existing(spec: PlatformSpec) -> Platform:
    cloud = spec.cloud
    kubernetes = KubernetesBase(
        spec.metadata.name, KubernetesBaseArgs(kubeconfig=cloud.kubeconfig, context=cloud.context)
    )
    return Platform(kubernetes=kubernetes, outputs={"kubeContext": cloud.context})
