"""The composition root's second half: the platform services on the cluster.

Called by ``mlplat.build`` once the cluster (and on AWS the cloud stores) exist. It
derives each enabled service's needs from the spec (``service_needs``), creates the
namespaces, logins and workload identities those needs imply, then the services. Every
namespace it fills is fenced: default-deny, then what its pods need (``network_peers``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi

from mlplat import config_secrets
from mlplat.build_network import network_peers
from mlplat.build_stores import (
    Stores,
    aws_stores,
    elasticache,
    in_cluster_stores,
    secret_ref,
    workload,
)
from mlplat.components.iam import s3_prefix_access
from mlplat.components.kubernetes_base import PLATFORM_NAMESPACE
from mlplat.components.node_pool import ACCELERATOR_LABEL, DEVICE_PLUGIN_LABEL, EFA_LABEL
from mlplat.components.services import airflow as airflow_module
from mlplat.components.services import feast as feast_module
from mlplat.components.services import in_cluster
from mlplat.components.services import mlflow as mlflow_module
from mlplat.components.services import service_databases as databases_module
from mlplat.components.services.airflow import Airflow, AirflowArgs
from mlplat.components.services.airflow_values import component
from mlplat.components.services.autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from mlplat.components.services.context import Exposure, ServiceContext
from mlplat.components.services.feast import FeatureStore, FeatureStoreArgs
from mlplat.components.services.fence import NetworkPeers, Reach, fence, in_namespace, tcp
from mlplat.components.services.gpu_software import GpuSoftware, GpuSoftwareArgs
from mlplat.components.services.kube import namespace
from mlplat.components.services.load_balancer import (
    LoadBalancerController,
    LoadBalancerControllerArgs,
)
from mlplat.components.services.mlflow import Mlflow, MlflowArgs, MlflowDatabase, SharedCache
from mlplat.components.services.monitoring import Monitoring, MonitoringArgs
from mlplat.components.services.service_databases import (
    MasterFromSecretsManager,
    ServiceDatabases,
    ServiceDatabasesArgs,
)
from mlplat.spec import instances
from mlplat.spec.model import CloudProvider, PlatformSpec
from mlplat.spec.services import FeastRegistry, ServiceNeeds, service_needs

if TYPE_CHECKING:
    from mlplat.build import Platform

_NAMESPACES = {
    "airflow": airflow_module,
    "mlflow": mlflow_module,
    "feast": feast_module,
}


def build_services(spec: PlatformSpec, platform: Platform) -> dict[str, Any]:
    """Declare the services the spec enables; returns the stack outputs they add."""
    services = spec.services
    needs = service_needs(services)
    provider = platform.kubernetes.provider
    base = platform.kubernetes
    peers = platform.peers = network_peers(spec, platform)
    service_namespaces = {
        key: namespace(mod.NAMESPACE, mod.NAMESPACE_LEVEL, provider=provider, parent=base)
        for key, mod in _NAMESPACES.items()
        if key in needs
    }
    on_aws = spec.cloud.provider is CloudProvider.AWS
    stores = aws_stores(spec, platform) if on_aws else in_cluster_stores(spec, platform, needs)
    outputs: dict[str, Any] = dict(stores.outputs)
    _fence_platform(spec, platform, peers, stores, needs)
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
                peers=peers,
            ),
        )
        outputs["grafanaAdminSecret"] = secret_ref("monitoring", monitoring.grafana_admin_secret)
        platform.monitoring = monitoring.release
    if gpus is not None:
        plugin_nodes, gpu_nodes = gpus
        GpuSoftware(
            f"{spec.metadata.name}-gpu",
            GpuSoftwareArgs(
                provider=provider,
                node_selector=plugin_nodes,
                gpu_node_selector=gpu_nodes,
                sharing={
                    p.facts.sharing_config: p.gpu_sharing
                    for p in spec.node_pools
                    if p.facts.sharing_config and p.gpu_sharing
                },
                monitoring=monitoring.release if monitoring else None,
                efa_node_selector=(
                    {EFA_LABEL: "true"} if any(p.facts.efa for p in spec.node_pools) else None
                ),
                peers=peers,
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
        peers=peers,
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
    online = None
    if services.feature_store is not None:
        online = stores.redis or elasticache(spec, platform)
    task_pods = in_namespace(airflow_module.NAMESPACE, **component("worker"))
    airflow_clients = (task_pods,) if services.airflow is not None else ()
    urls: dict[str, Any] = {}
    # What pods use: team egress reaches the Services, not the load balancer.
    cluster_urls: dict[str, Any] = {}
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
                task_services=_task_services(spec),
                git_ssh_key=_config_secret(spec, config_secrets.AIRFLOW_GIT_SSH_KEY),
            ),
        )
        urls["airflow"] = airflow.url
        cluster_urls["airflow"] = airflow.cluster_url
        secrets["airflowAdmin"] = secret_ref("airflow", airflow.admin_secret)
    if services.mlflow is not None and logins is not None:
        cache = None
        if online is not None:
            cache = SharedCache(online.host, online.port, online.tls, online.password, peers.redis)
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
                oidc_client_secret=_config_secret(spec, config_secrets.MLFLOW_OIDC_CLIENT_SECRET),
                cache=cache,
                clients=airflow_clients,
            ),
        )
        urls["mlflow"] = mlflow.url
        cluster_urls["mlflow"] = mlflow.cluster_url
        if mlflow.admin_secret is not None:
            secrets["mlflowAdmin"] = secret_ref("mlflow", mlflow.admin_secret)
    if services.feature_store is not None and online is not None:
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
                online_reach=peers.redis,
                clients=airflow_clients,
            ),
        )
        urls["feast"] = store.url
        cluster_urls["feast"] = store.url
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
        outputs["clusterUrls"] = cluster_urls
    if secrets:
        outputs["credentialSecrets"] = secrets
    if logins is not None:
        outputs["databaseLoginSecrets"] = {
            db: secret_ref(databases[db], name) for db, name in logins.secret_names.items()
        }
    return outputs


def _config_secret(spec: PlatformSpec, key: str) -> pulumi.Output[str] | None:
    """A secret from the stack's config, when this spec needs it."""
    return config_secrets.read(key) if key in config_secrets.needed(spec) else None


def _task_services(spec: PlatformSpec) -> tuple[Reach, ...]:
    """The platform services Airflow's tasks may call."""
    found = []
    for enabled, module, port in (
        (spec.services.mlflow, mlflow_module, mlflow_module.PORT),
        (spec.services.feature_store, feast_module, feast_module.POD_PORT),
    ):
        if enabled is not None:
            found.append(Reach([in_namespace(module.NAMESPACE, **module.POD_LABELS)], tcp(port)))
    return tuple(found)


def _fence_platform(
    spec: PlatformSpec,
    platform: Platform,
    peers: NetworkPeers,
    stores: Stores,
    needs: Mapping[str, ServiceNeeds],
) -> None:
    """The platform namespace: the database bootstrap Job, and the in-cluster stores."""
    allowed = databases_module.allowances(
        peers, isinstance(stores.master, MasterFromSecretsManager)
    )
    if spec.cloud.provider is CloudProvider.EXISTING:
        clients = sorted({n.namespace for n in needs.values()})
        allowed += in_cluster.allowances(clients, spec.services.feature_store is not None)
    fence(
        PLATFORM_NAMESPACE,
        allowed,
        peers,
        provider=platform.kubernetes.provider,
        parent=platform.kubernetes,
    )


def _identity(
    spec: PlatformSpec, platform: Platform, need: ServiceNeeds
) -> pulumi.Input[Mapping[str, str]]:
    """The service account annotations of a service's workload identity (none off AWS)."""
    if platform.storage is None or need.bucket is None or need.prefix is None:
        return {}
    assert spec.cloud.region is not None and platform.kms_key_arn is not None
    bucket = platform.storage.buckets[need.bucket]
    region = spec.cloud.region
    feast = spec.services.feature_store
    # Feast's file registry checks its bucket first (HeadBucket: s3:ListBucket with no
    # prefix), then reads and writes its one object.
    registry = feast is not None and feast.registry is FeastRegistry.S3 and need.bucket == "data"
    policy = pulumi.Output.all(bucket.arn, platform.kms_key_arn).apply(
        lambda v: s3_prefix_access(
            v[0], [need.prefix or ""], v[1], region, write=True, head_bucket=registry
        )
    )
    identity = workload(spec, platform, need.namespace, need.service_account, policy)
    return identity.service_account_annotations


def _gpu_selectors(spec: PlatformSpec) -> tuple[dict[str, str] | None, dict[str, str]] | None:
    """(device-plugin nodes or None when no node needs it, all GPU nodes), or None when
    there are no GPU nodes at all."""
    if spec.cloud.provider is CloudProvider.EXISTING:
        selector = dict(spec.cloud.gpu_node_selector)
        return (selector, selector) if selector else None
    facts = [p.facts for p in spec.node_pools]
    if not any(f.is_gpu for f in facts):
        return None
    plugin = {DEVICE_PLUGIN_LABEL: "true"} if any(f.device_plugin for f in facts) else None
    return plugin, {ACCELERATOR_LABEL: instances.NVIDIA}


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
