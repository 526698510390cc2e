"""The composition root's cloud layer (aws): key, network, EKS, node pools, registry,
buckets and database, returned as one ``Cloud`` value the later steps read from.

Each step below takes exactly what it uses and returns what it built; nothing is filled
in afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from mlplat.components.database import Database, DatabaseArgs
from mlplat.components.eks_addons import EksAddons, EksAddonsArgs
from mlplat.components.eks_cluster import EksCluster, EksClusterArgs
from mlplat.components.network import Network, NetworkArgs
from mlplat.components.node_pool import NodePool, NodePoolArgs
from mlplat.components.platform_key import PlatformKey, PlatformKeyArgs
from mlplat.components.registry import Registry, RegistryArgs
from mlplat.components.storage import Storage, StorageArgs
from mlplat.components.workload_identity import ClusterIdentity
from mlplat.spec.aws_regions import partition
from mlplat.spec.model import PlatformSpec, ServiceRole
from mlplat.spec.subnets import kubernetes_service_cidr
from mlplat.spec.tags import cloud_tags

PROD_MONITORING_INTERVAL = 60
"""Seconds between RDS Enhanced Monitoring samples when a prod spec sets none."""


@dataclass(frozen=True)
class Account:
    """Where the platform's AWS resources go: its provider, region and account."""

    provider: aws.Provider
    """The platform's AWS provider (its region and default tags)."""
    opts: pulumi.ResourceOptions
    """Options that put a resource on that provider."""
    region: str
    partition: str
    account_id: pulumi.Output[str]
    key_arn: pulumi.Input[str]
    """The platform key (created, or the spec's own)."""


@dataclass(frozen=True)
class Cloud:
    """What the cloud layer built, for the services, the teams and the stack outputs."""

    account: Account
    network: Network
    cluster: EksCluster
    identity: ClusterIdentity
    """What workload roles need to trust this cluster."""
    node_pools: Mapping[str, NodePool]
    registry: Registry
    storage: Storage
    database: Database

    @property
    def opts(self) -> pulumi.ResourceOptions:
        return self.account.opts

    @property
    def region(self) -> str:
        return self.account.region

    @property
    def key_arn(self) -> pulumi.Input[str]:
        return self.account.key_arn

    def outputs(self) -> dict[str, Any]:
        """The stack outputs of the cloud layer."""
        return {
            "region": self.region,
            "kmsKeyArn": self.key_arn,
            "vpcId": self.network.vpc_id,
            "privateSubnetIds": self.network.private_subnet_ids,
            "publicSubnetIds": self.network.public_subnet_ids,
            "clusterName": self.cluster.name,
            "clusterEndpoint": self.cluster.endpoint,
            "kubeconfig": self.cluster.kubeconfig,
            "oidcProviderArn": self.cluster.oidc_provider_arn,
            "nodeGroups": {key: pool.node_group_name for key, pool in self.node_pools.items()},
            "registryUrls": self.registry.repository_urls,
            "bucketNames": self.storage.bucket_names,
            "databaseAddress": self.database.address,
            "databasePort": self.database.port,
            "databaseSecretArn": self.database.master_secret_arn,
        }


def build_cloud(spec: PlatformSpec) -> Cloud:
    """Declare the AWS layer the spec describes."""
    account = _account(spec)
    network = Network(
        spec.metadata.name,
        NetworkArgs.from_spec(
            spec.network,
            cluster_name=spec.metadata.name,
            region=account.region,
            kms_key_arn=account.key_arn,
            account_id=account.account_id,
            partition=account.partition,
        ),
        account.opts,
    )
    cluster = _cluster(spec, account, network)
    identity = ClusterIdentity(
        cluster_name=cluster.name,
        cluster_arn=cluster.arn,
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer=cluster.oidc_issuer,
        account_id=account.account_id,
        partition=account.partition,
    )
    return Cloud(
        account=account,
        network=network,
        cluster=cluster,
        identity=identity,
        node_pools=_node_pools(spec, account, network, cluster, identity),
        registry=_registry(spec, account),
        storage=_storage(spec, account),
        database=_database(spec, account, network, cluster),
    )


def _account(spec: PlatformSpec) -> Account:
    """The provider, and the platform key unless the spec brings its own."""
    name, region = spec.metadata.name, spec.cloud.region
    assert region is not None, "the spec checks require a region on aws"
    arn_partition = partition(region)
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
                protect=spec.is_prod,
                create_autoscaling_role=(spec.encryption.auto_scaling_role is ServiceRole.CREATE),
            ),
            on_aws,
        ).arn
    return Account(provider, on_aws, region, arn_partition, account_id, key_arn)


def _cluster(spec: PlatformSpec, account: Account, network: Network) -> EksCluster:
    return EksCluster(
        spec.metadata.name,
        EksClusterArgs.from_spec(
            spec.cluster,
            cluster_name=spec.metadata.name,
            subnet_ids=network.private_subnet_ids,
            region=account.region,
            partition=account.partition,
            kms_key_arn=account.key_arn,
            protect=spec.is_prod,
            service_cidr=kubernetes_service_cidr(spec.network.cidr),
        ),
        account.opts,
    )


def _node_pools(
    spec: PlatformSpec,
    account: Account,
    network: Network,
    cluster: EksCluster,
    identity: ClusterIdentity,
) -> dict[str, NodePool]:
    """The node pools, between the add-ons nodes need (vpc-cni, kube-proxy) and those
    that need nodes (coredns, the CSI driver)."""
    name = spec.metadata.name
    addons = EksAddons(
        name,
        EksAddonsArgs(cluster=identity, kms_key_arn=account.key_arn, moved_from=cluster),
        account.opts,
    )
    cache_repositories = [
        pulumi.Output.concat(
            f"arn:{account.partition}:ecr:{account.region}:",
            account.account_id,
            f":repository/{rule.prefix}/*",
        )
        for rule in spec.registry.pull_through_cache
    ]
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
                partition=account.partition,
                kms_key_arn=account.key_arn,
                cluster_security_group_id=cluster.security_group_id,
                pull_through_cache=cache_repositories,
            ),
            pulumi.ResourceOptions.merge(
                account.opts, pulumi.ResourceOptions(depends_on=addons.node_prerequisites)
            ),
        )
        for pool in spec.node_pools
    }
    addons.install_after_nodes([pool.node_group for pool in pools.values()])
    return pools


def _registry(spec: PlatformSpec, account: Account) -> Registry:
    return Registry(
        spec.metadata.name,
        RegistryArgs.from_spec(
            spec.registry,
            prefix=spec.metadata.name,
            kms_key_arn=account.key_arn,
            protect=spec.is_prod,
            team_prefixes=(
                ()
                if spec.registry.scope_team_repositories
                else tuple(team.name for team in spec.teams or ())
            ),
        ),
        account.opts,
    )


def _storage(spec: PlatformSpec, account: Account) -> Storage:
    return Storage(
        spec.metadata.name,
        StorageArgs.from_spec(
            spec.storage,
            platform=spec.metadata.name,
            region=account.region,
            partition=account.partition,
            account_id=account.account_id,
            kms_key_arn=account.key_arn,
            protect=spec.is_prod,
        ),
        account.opts,
    )


def _database(
    spec: PlatformSpec, account: Account, network: Network, cluster: EksCluster
) -> Database:
    prod, database = spec.is_prod, spec.database
    return Database(
        spec.metadata.name,
        DatabaseArgs.from_spec(
            database,
            identifier=f"{spec.metadata.name}-metadata",
            vpc_id=network.vpc_id,
            subnet_ids=network.private_subnet_ids,
            client_security_group_id=cluster.security_group_id,
            kms_key_arn=account.key_arn,
            multi_az=prod if database.multi_az is None else database.multi_az,
            protect=prod,
            monitoring_interval=(
                (PROD_MONITORING_INTERVAL if prod else 0)
                if database.monitoring_interval_seconds is None
                else database.monitoring_interval_seconds
            ),
            account_id=account.account_id,
            partition=account.partition,
        ),
        account.opts,
    )
