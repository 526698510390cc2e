"""The composition root's stores: where services keep their state, on either target.

On AWS the cloud layer's RDS database and buckets, and ElastiCache when a service needs
the online store; on an existing cluster, single-replica in-cluster stand-ins. Either way
the services receive the same ``Stores``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from mlplat.build_cloud import Cloud
from mlplat.build_cluster import Cluster
from mlplat.components.iam_services import secret_read
from mlplat.components.kubernetes_base import PLATFORM_NAMESPACE
from mlplat.components.online_store import OnlineStore, OnlineStoreArgs
from mlplat.components.services import in_cluster, service_databases
from mlplat.components.services.context import ObjectStore, OnlineStoreEndpoint
from mlplat.components.services.fence import NetworkPeers, fence
from mlplat.components.services.in_cluster import REDIS_PORT, InClusterStores, InClusterStoresArgs
from mlplat.components.services.service_databases import (
    MasterFromKubernetes,
    MasterFromSecretsManager,
)
from mlplat.components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from mlplat.services.registry import EnabledServices
from mlplat.services.service import Redis, secret_ref
from mlplat.spec.model import PlatformSpec


@dataclass(frozen=True)
class Stores:
    """Where services keep their state."""

    object_store: ObjectStore
    db_host: pulumi.Input[str]
    db_port: pulumi.Input[int]
    db_tls: bool
    master: MasterFromSecretsManager | MasterFromKubernetes
    redis: OnlineStoreEndpoint | None = None
    """The online store; None when no enabled service needs it."""
    ready: tuple[pulumi.Resource, ...] = ()
    """What services wait for (the in-cluster stores)."""
    outputs: dict[str, Any] = field(default_factory=dict)
    """Stack outputs the stores add."""

    @property
    def in_cluster(self) -> bool:
        return isinstance(self.master, MasterFromKubernetes)


def build_stores(
    spec: PlatformSpec, cloud: Cloud | None, cluster: Cluster, services: EnabledServices
) -> Stores:
    """The cloud layer's stores, else in-cluster ones."""
    if cloud is not None:
        return _aws_stores(spec, cloud, services.redis)
    return _in_cluster_stores(spec, cluster, services)


def fence_platform(
    cluster: Cluster, peers: NetworkPeers, stores: Stores, services: EnabledServices
) -> None:
    """The platform namespace: the database bootstrap Job, and the in-cluster stores."""
    allowed = service_databases.allowances(peers, not stores.in_cluster)
    if stores.in_cluster:
        allowed += in_cluster.allowances(services.store_clients, services.redis is not None)
    kubernetes = cluster.kubernetes
    fence(PLATFORM_NAMESPACE, allowed, peers, provider=kubernetes.provider, parent=kubernetes)


def _aws_stores(spec: PlatformSpec, cloud: Cloud, redis: Redis | None) -> Stores:
    region, key = cloud.region, cloud.key_arn
    database = cloud.database
    policy = pulumi.Output.all(database.master_secret_arn, key).apply(
        lambda v: secret_read(v[0], v[1], region)
    )
    bootstrap = workload(spec, cloud, PLATFORM_NAMESPACE, "db-bootstrap", policy)
    return Stores(
        object_store=ObjectStore(
            buckets={p: b.name for p, b in cloud.storage.buckets.items()}, region=region
        ),
        db_host=database.address,
        db_port=database.port,
        db_tls=True,
        master=MasterFromSecretsManager(
            secret_arn=database.master_secret_arn,
            role_annotations=bootstrap.service_account_annotations,
            region=region,
        ),
        redis=_elasticache(spec, cloud, redis) if redis is not None else None,
    )


def _in_cluster_stores(spec: PlatformSpec, cluster: Cluster, services: EnabledServices) -> Stores:
    kubernetes = cluster.kubernetes
    stores = InClusterStores(
        f"{spec.metadata.name}-stores",
        InClusterStoresArgs(
            namespace=PLATFORM_NAMESPACE,
            platform=spec.metadata.name,
            client_namespaces=services.store_clients,
            redis=services.redis is not None,
        ),
        kubernetes.provider,
        pulumi.ResourceOptions(depends_on=[kubernetes]),
    )
    redis = None
    if stores.redis_host is not None and stores.redis_password is not None:
        redis = OnlineStoreEndpoint(stores.redis_host, REDIS_PORT, False, stores.redis_password)
    return Stores(
        object_store=ObjectStore(buckets=stores.buckets, endpoint_url=stores.object_store_url),
        db_host=stores.postgres_host,
        db_port=5432,
        db_tls=False,
        master=MasterFromKubernetes(stores.postgres_superuser_secret, "postgres"),
        ready=tuple(stores.ready),
        redis=redis,
        outputs={
            "objectStoreUrl": stores.object_store_url,
            "bucketNames": stores.buckets,
            "registryUrl": stores.registry_url,
            "registrySecret": secret_ref(PLATFORM_NAMESPACE, stores.registry_secret),
            "databaseAddress": stores.postgres_host,
        },
    )


def _elasticache(spec: PlatformSpec, cloud: Cloud, redis: Redis) -> OnlineStoreEndpoint:
    store = OnlineStore(
        f"{spec.metadata.name}-online",
        OnlineStoreArgs(
            node_type=redis.node_type,
            vpc_id=cloud.network.vpc_id,
            subnet_ids=cloud.network.private_subnet_ids,
            client_security_group_id=cloud.cluster.security_group_id,
            kms_key_arn=cloud.key_arn,
            replicated=spec.is_prod,
            protect=spec.is_prod,
        ),
        cloud.opts,
    )
    return OnlineStoreEndpoint(store.address, store.port, True, store.auth_token)


def workload(
    spec: PlatformSpec,
    cloud: Cloud,
    namespace: str,
    service_account: str,
    policy: pulumi.Input[str],
) -> WorkloadIdentity:
    """A workload role for one service account on the platform's cluster."""
    return WorkloadIdentity(
        f"{spec.metadata.name}-{service_account}",
        WorkloadIdentityArgs(
            cluster=cloud.identity,
            namespace=namespace,
            service_account=service_account,
            mode=spec.cluster.workload_identity,
            policy=policy,
        ),
        cloud.opts,
    )
