"""The composition root's second half: the platform services on the cluster.

Called by ``mlplat.build`` once the cluster (and on AWS the cloud stores) exist. It
derives each enabled service's needs from the spec (``service_needs``), creates the
namespaces, logins and workload identities those needs imply, then the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pulumi

from components.iam import s3_prefix_access
from components.iam_services import secret_read
from components.kubernetes_base import PLATFORM_NAMESPACE
from components.node_pool import ACCELERATOR_LABEL, DEVICE_PLUGIN_LABEL, EFA_LABEL
from components.online_store import OnlineStore, OnlineStoreArgs
from components.services import airflow as airflow_module
from components.services import feast as feast_module
from components.services import mlflow as mlflow_module
from components.services.airflow import Airflow, AirflowArgs
from components.services.autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from components.services.context import Exposure, ObjectStore, ServiceContext
from components.services.feast import FeatureStore, FeatureStoreArgs, OnlineStoreEndpoint
from components.services.gpu_software import GpuSoftware, GpuSoftwareArgs
from components.services.in_cluster import REDIS_PORT, InClusterStores, InClusterStoresArgs
from components.services.kube import namespace
from components.services.load_balancer import LoadBalancerController, LoadBalancerControllerArgs
from components.services.mlflow import Mlflow, MlflowArgs, MlflowDatabase
from components.services.monitoring import Monitoring, MonitoringArgs
from components.services.service_databases import (
    MasterFromKubernetes,
    MasterFromSecretsManager,
    ServiceDatabases,
    ServiceDatabasesArgs,
)
from components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs
from mlplat.spec import instances
from mlplat.spec.model import CloudProvider, NodeOs, PlatformSpec
from mlplat.spec.services import ServiceNeeds, service_needs

if TYPE_CHECKING:
    from mlplat.build import Platform

_NAMESPACES = {
    "airflow": airflow_module,
    "mlflow": mlflow_module,
    "feast": feast_module,
}


@dataclass
class _Stores:
    """Where services keep their state, on either target."""

    object_store: ObjectStore
    db_host: pulumi.Input[str]
    db_port: pulumi.Input[int]
    db_tls: bool
    master: MasterFromSecretsManager | MasterFromKubernetes
    ready: list[pulumi.Resource]
    redis: OnlineStoreEndpoint | None


def build_services(spec: PlatformSpec, platform: Platform) -> dict[str, Any]:
    """Declare the services the spec enables; returns the stack outputs they add."""
    services = spec.services
    needs = service_needs(services)
    provider = platform.kubernetes.provider
    base = platform.kubernetes
    outputs: dict[str, Any] = {}
    service_namespaces = {
        key: namespace(mod.NAMESPACE, mod.NAMESPACE_LEVEL, provider=provider, parent=base)
        for key, mod in _NAMESPACES.items()
        if key in needs
    }
    stores = (
        _aws_stores(spec, platform, needs)
        if spec.cloud.provider is CloudProvider.AWS
        else _in_cluster_stores(spec, platform, needs, outputs)
    )
    monitoring = None
    gpus = _gpu_selectors(spec)
    if services.monitoring is not None:
        monitoring = Monitoring(
            f"{spec.metadata.name}-monitoring",
            MonitoringArgs(
                spec=services.monitoring,
                provider=provider,
                storage_class=platform.outputs.get("storageClass"),
                gpus=gpus is not None,
                airflow=services.airflow is not None,
                mlflow=services.mlflow is not None,
            ),
        )
        outputs["grafanaAdminSecret"] = _secret_ref("monitoring", monitoring.grafana_admin_secret)
        platform.monitoring = monitoring.release
    if gpus is not None:
        plugin_nodes, gpu_nodes = gpus
        GpuSoftware(
            f"{spec.metadata.name}-gpu",
            GpuSoftwareArgs(
                provider=provider,
                node_selector=plugin_nodes,
                gpu_node_selector=gpu_nodes,
                sharing={p.name: p.gpu_sharing for p in spec.node_pools if p.gpu_sharing},
                monitoring=monitoring.release if monitoring else None,
                efa_node_selector=(
                    {EFA_LABEL: "true"} if any(p.efa for p in spec.node_pools) else None
                ),
            ),
        )
    exposure, controller = _ingress(spec, platform)
    ctx = ServiceContext(
        provider=provider,
        store=stores.object_store,
        exposure=exposure,
        tls=bool(services.ingress and services.ingress.certificate_arn),
        monitoring=monitoring.release if monitoring else None,
        ingress_controller=controller,
    )
    databases = {db: need.namespace for need in needs.values() for db in need.databases}
    logins = None
    if databases:
        logins = ServiceDatabases(
            f"{spec.metadata.name}-databases",
            ServiceDatabasesArgs(
                namespace=PLATFORM_NAMESPACE,
                host=stores.db_host,
                port=stores.db_port,
                databases=databases,
                master=stores.master,
                require_tls=stores.db_tls,
                after=(*service_namespaces.values(), *stores.ready),
            ),
            provider,
        )
    identities = {key: _identity(spec, platform, need) for key, need in needs.items()}
    urls: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    if services.airflow is not None and logins is not None:
        airflow = Airflow(
            f"{spec.metadata.name}-airflow",
            AirflowArgs(
                spec=services.airflow,
                context=ctx,
                metadata_secret=logins.secret_names["airflow"],
                service_account_annotations=identities["airflow"],
                namespace=service_namespaces["airflow"],
                depends_on=(logins.job, *stores.ready),
            ),
        )
        urls["airflow"] = airflow.url
        secrets["airflowAdmin"] = _secret_ref("airflow", airflow.admin_secret)
    if services.mlflow is not None and logins is not None:
        mlflow = Mlflow(
            f"{spec.metadata.name}-mlflow",
            MlflowArgs(
                spec=services.mlflow,
                context=ctx,
                database=MlflowDatabase(
                    host=stores.db_host,
                    port=stores.db_port,
                    backend_secret=logins.secret_names["mlflow"],
                    auth_secret=logins.secret_names["mlflowauth"],
                    require_tls=stores.db_tls,
                ),
                service_account_annotations=identities["mlflow"],
                namespace=service_namespaces["mlflow"],
                depends_on=(logins.job, *stores.ready),
            ),
        )
        urls["mlflow"] = mlflow.url
        if mlflow.admin_secret is not None:
            secrets["mlflowAdmin"] = _secret_ref("mlflow", mlflow.admin_secret)
    if services.feature_store is not None:
        online = stores.redis or _elasticache(spec, platform)
        store = FeatureStore(
            f"{spec.metadata.name}-feast",
            FeatureStoreArgs(
                spec=services.feature_store,
                context=ctx,
                online=online,
                registry_secret=logins.secret_names.get("feast") if logins else None,
                database_host=stores.db_host,
                database_port=stores.db_port,
                database_tls=stores.db_tls,
                service_account_annotations=identities["feast"],
                namespace=service_namespaces["feast"],
                depends_on=tuple(
                    [*([logins.job] if logins else []), *stores.ready, *ctx.prerequisites]
                ),
            ),
        )
        urls["feast"] = store.url
    if services.autoscaling is not None and platform.cluster is not None:
        identity = platform.identity
        assert identity is not None and spec.cloud.region is not None
        ClusterAutoscaler(
            f"{spec.metadata.name}-autoscaler",
            ClusterAutoscalerArgs(
                spec=services.autoscaling,
                provider=provider,
                cluster=identity,
                cluster_name=spec.metadata.name,
                kubernetes_version=spec.cluster.kubernetes_version,
                region=spec.cloud.region,
                nodegroup_arns=[pool.node_group.arn for pool in platform.node_pools.values()],
                identity_mode=spec.cluster.workload_identity,
            ),
            platform.provider_opts,
        )
    if urls:
        outputs["serviceUrls"] = urls
    if secrets:
        outputs["credentialSecrets"] = secrets
    if logins is not None:
        outputs["databaseLoginSecrets"] = {
            db: _secret_ref(databases[db], name) for db, name in logins.secret_names.items()
        }
    return outputs


def _secret_ref(namespace: str, name: pulumi.Input[str]) -> pulumi.Output[str]:
    """Where a credential lives (namespace/name); never the credential itself."""
    return pulumi.Output.concat(namespace, "/", name)


def _aws_stores(
    spec: PlatformSpec, platform: Platform, needs: Mapping[str, ServiceNeeds]
) -> _Stores:
    assert platform.database is not None and platform.storage is not None
    assert spec.cloud.region is not None and platform.kms_key_arn is not None
    region, key = spec.cloud.region, platform.kms_key_arn
    database = platform.database
    policy = pulumi.Output.all(database.master_secret_arn, key).apply(
        lambda v: secret_read(v[0], v[1], region)
    )
    bootstrap = _workload(spec, platform, PLATFORM_NAMESPACE, "db-bootstrap", policy)
    return _Stores(
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
    )


def _in_cluster_stores(
    spec: PlatformSpec,
    platform: Platform,
    needs: Mapping[str, ServiceNeeds],
    outputs: dict[str, Any],
) -> _Stores:
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
    outputs |= {
        "objectStoreUrl": stores.object_store_url,
        "bucketNames": stores.buckets,
        "registryUrl": stores.registry_url,
        "registrySecret": _secret_ref(PLATFORM_NAMESPACE, stores.registry_secret),
        "databaseAddress": stores.postgres_host,
    }
    redis = None
    if stores.redis_host is not None and stores.redis_password is not None:
        redis = OnlineStoreEndpoint(stores.redis_host, REDIS_PORT, False, stores.redis_password)
    return _Stores(
        object_store=ObjectStore(buckets=stores.buckets, endpoint_url=stores.object_store_url),
        db_host=stores.postgres_host,
        db_port=5432,
        db_tls=False,
        master=MasterFromKubernetes(stores.postgres_superuser_secret, "postgres"),
        ready=stores.ready,
        redis=redis,
    )


def _elasticache(spec: PlatformSpec, platform: Platform) -> OnlineStoreEndpoint:
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


def _identity(
    spec: PlatformSpec, platform: Platform, need: ServiceNeeds
) -> pulumi.Input[Mapping[str, str]]:
    """The service account annotations of a service's workload identity (none off AWS)."""
    if platform.storage is None or need.bucket is None or need.prefix is None:
        return {}
    assert spec.cloud.region is not None and platform.kms_key_arn is not None
    bucket = platform.storage.buckets[need.bucket]
    region = spec.cloud.region
    policy = pulumi.Output.all(bucket.arn, platform.kms_key_arn).apply(
        lambda v: s3_prefix_access(v[0], [need.prefix or ""], v[1], region, write=True)
    )
    workload = _workload(spec, platform, need.namespace, need.service_account, policy)
    return workload.service_account_annotations


def _workload(
    spec: PlatformSpec,
    platform: Platform,
    namespace: str,
    service_account: str,
    policy: pulumi.Input[str],
) -> WorkloadIdentity:
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


def _gpu_selectors(spec: PlatformSpec) -> tuple[dict[str, str] | None, dict[str, str]] | None:
    """(device-plugin nodes or None when no node needs it, all GPU nodes), or None when
    there are no GPU nodes at all."""
    if spec.cloud.provider is CloudProvider.EXISTING:
        selector = dict(spec.cloud.gpu_node_selector)
        return (selector, selector) if selector else None
    gpu_pools = [p for p in spec.node_pools if instances.gpu(p.instance_types[0]) is not None]
    if not gpu_pools:
        return None
    plugin = (
        None
        if all(p.os is NodeOs.BOTTLEROCKET for p in gpu_pools)
        else {DEVICE_PLUGIN_LABEL: "true"}
    )
    return plugin, {ACCELERATOR_LABEL: "nvidia"}


def _ingress(
    spec: PlatformSpec, platform: Platform
) -> tuple[Exposure | None, pulumi.Resource | None]:
    ingress = spec.services.ingress
    if ingress is None:
        return None, None
    if platform.cluster is None:
        assert ingress.class_name is not None, "the spec checks require a class off aws"
        return Exposure(domain=ingress.domain, class_name=ingress.class_name), None
    assert platform.identity is not None and platform.network is not None
    assert spec.cloud.region is not None
    controller = LoadBalancerController(
        f"{spec.metadata.name}-ingress",
        LoadBalancerControllerArgs(
            spec=ingress,
            provider=platform.kubernetes.provider,
            cluster=platform.identity,
            cluster_name=spec.metadata.name,
            region=spec.cloud.region,
            vpc_id=platform.network.vpc_id,
            cluster_security_group_id=platform.cluster.security_group_id,
            platform=spec.metadata.name,
            identity_mode=spec.cluster.workload_identity,
        ),
        platform.provider_opts,
    )
    return controller.exposure, controller.release
