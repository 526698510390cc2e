"""The composition root's stores: where services keep their state, on either target.

On AWS the cloud layer's RDS database, buckets and (for Feast) ElastiCache; on an
existing cluster, single-replica in-cluster stand-ins. Either way the services receive
the same ``Stores``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from mlplat.components.iam_services import secret_read
from mlplat.components.kubernetes_base import PLATFORM_NAMESPACE
from mlplat.components.online_store import OnlineStore, OnlineStoreArgs
from mlplat.components.services.context import ObjectStore
from mlplat.components.services.feast import OnlineStoreEndpoint
from mlplat.components.services.in_cluster import REDIS_PORT, InClusterStores, InClusterStoresArgs
from mlplat.components.services.service_databases import (
    MasterFromKubernetes,
    MasterFromSecretsManager,
)
from mlplat.components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from mlplat.spec.model import PlatformSpec
from mlplat.spec.services import ServiceNeeds

if TYPE_CHECKING:
    from mlplat.build import Platform


def secret_ref(namespace: str, name: pulumi.Input[str]) -> pulumi.Output[str]:
    """Where a credential lives (namespace/name); never the credential itself."""
    return pulumi.Output.concat(namespace, "/", name)


@dataclass
class Stores:
    """Where services keep their state."""

    object_store: ObjectStore
    db_host: pulumi.Input[str]
    db_port: pulumi.Input[int]
    db_tls: bool
    master: MasterFromSecretsManager | MasterFromKubernetes
    ready: list[pulumi.Resource]
    """What services wait for (the in-cluster stores)."""
    redis: OnlineStoreEndpoint | None
    """The in-cluster Redis; None on AWS (ElastiCache is made with the feature store)."""
    outputs: dict[str, Any]
    """Stack outputs the stores add."""


def aws_stores(spec: PlatformSpec, platform: Platform) -> Stores:
    assert platform.database is not None and platform.storage is not None
    assert spec.cloud.region is not None and platform.kms_key_arn is not None
    region, key = spec.cloud.region, platform.kms_key_arn
    database = platform.database
    policy = pulumi.Output.all(database.master_secret_arn, key).apply(
        lambda v: secret_read(v[0], v[1], region)
    )
    bootstrap = workload(spec, platform, PLATFORM_NAMESPACE, "db-bootstrap", policy)
    return Stores(
        object_store=ObjectStore(
            buckets={p: b.name for p, b in platform.storage.buckets.items()}, region=region
        ),
        db_host=database.address,
        db_port=database.port,
        db_tls=True,
        master=MasterFromSecretsManager(
            secret_arn=database.master_secret_arn,
            role_annotations=bootstrap.service_account_annotations,
            region=region,
        ),
        ready=[],
        redis=None,
        outputs={},
    )


def in_cluster_stores(
    spec: PlatformSpec, platform: Platform, needs: Mapping[str, ServiceNeeds]
) -> Stores:
    stores = InClusterStores(
        f"{spec.metadata.name}-stores",
        InClusterStoresArgs(
            namespace=PLATFORM_NAMESPACE,
            platform=spec.metadata.name,
            client_namespaces=sorted({n.namespace for n in needs.values()}),
            redis=spec.services.feature_store is not None,
        ),
        platform.kubernetes.provider,
        pulumi.ResourceOptions(depends_on=[platform.kubernetes]),
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
        ready=stores.ready,
        redis=redis,
        outputs={
            "objectStoreUrl": stores.object_store_url,
            "bucketNames": stores.buckets,
            "registryUrl": stores.registry_url,
            "registrySecret": secret_ref(PLATFORM_NAMESPACE, stores.registry_secret),
            "databaseAddress": stores.postgres_host,
        },
    )


def elasticache(spec: PlatformSpec, platform: Platform) -> OnlineStoreEndpoint:
    assert platform.network is not None and platform.cluster is not None
    assert spec.services.feature_store is not None and platform.kms_key_arn is not None
    store = OnlineStore(
        f"{spec.metadata.name}-online",
        OnlineStoreArgs(
            node_type=spec.services.feature_store.online_node_type,
            vpc_id=platform.network.vpc_id,
            subnet_ids=platform.network.private_subnet_ids,
            client_security_group_id=platform.cluster.security_group_id,
            kms_key_arn=platform.kms_key_arn,
            replicated=spec.is_prod,
            protect=spec.is_prod,
        ),
        platform.provider_opts,
    )
    return OnlineStoreEndpoint(store.address, store.port, True, store.auth_token)


def workload(
    spec: PlatformSpec,
    platform: Platform,
    namespace: str,
    service_account: str,
    policy: pulumi.Input[str],
) -> WorkloadIdentity:
    """A workload role for one service account on the platform's cluster."""
    assert platform.identity is not None
    return WorkloadIdentity(
        f"{spec.metadata.name}-{service_account}",
        WorkloadIdentityArgs(
            cluster=platform.identity,
            namespace=namespace,
            service_account=service_account,
            mode=spec.cluster.workload_identity,
            policy=policy,
        ),
        platform.provider_opts,
    )
