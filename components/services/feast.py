"""FeatureStore: Feast's online feature server, with its registry, offline and online stores.

The registry is SQL on the platform database (or a file in the data bucket), the offline
store is Parquet in the data bucket, and the online store is Redis. feature_store.yaml
holds no credential: Feast expands ``${VAR}`` from the environment, and the variables
come from Secrets. The server runs non-root with a read-only root filesystem and a
writable /tmp (it unpacks its config there).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from mlplat.components.charts import IMAGES
from mlplat.components.services.context import (
    S3_CREDENTIALS_SECRET,
    OnlineStoreEndpoint,
    ServiceContext,
)
from mlplat.components.services.fence import (
    Allowance,
    NetworkPeers,
    Reach,
    fence,
    ingress_from,
    tcp,
)
from mlplat.components.services.kube import (
    MANAGED_BY,
    RESTRICTED_CONTAINER,
    PodSecurity,
    release,
    resources,
    restricted_pod,
    service_account,
)
from mlplat.spec.services import FeastRegistry, FeatureStoreSpec

NAMESPACE = "feast"
POD_PORT = 6566
"""The feature server's HTTP port (`feast serve`'s default), on the pod and on the Service
(the VPC CNI's network policies need them equal)."""
POD_LABELS = {
    "app.kubernetes.io/name": "feast-feature-server",
    "app.kubernetes.io/instance": "feast",
}
NAMESPACE_LEVEL = PodSecurity.RESTRICTED
"""The feature server image runs as uid 1001 and needs no privileges."""
SERVICE_ACCOUNT = "feast"
FEAST_UID = 1001
ONLINE_SECRET = "feast-online-store"
"""Secret (key password) with the online store's AUTH token."""


@dataclass(frozen=True)
class FeatureStoreArgs:
    spec: FeatureStoreSpec
    context: ServiceContext
    online: OnlineStoreEndpoint
    registry_secret: pulumi.Input[str] | None
    """Login Secret of the feast database (registry sql); None for an S3 registry."""
    database_host: pulumi.Input[str] | None
    database_port: pulumi.Input[int] | None
    database_tls: bool
    service_account_annotations: pulumi.Input[Mapping[str, str]]
    namespace: pulumi.Resource
    """The feast namespace (created by the caller, before the database logins)."""
    depends_on: tuple[pulumi.Resource, ...] = ()
    online_reach: Reach | None = None
    """How the server reaches the online store (for the namespace's fence)."""
    clients: tuple[Any, ...] = ()
    """Peers that call the feature server besides teams (Airflow task pods)."""


class FeatureStore(pulumi.ComponentResource):
    url: str
    release: k8s.helm.v3.Release

    def __init__(
        self, name: str, args: FeatureStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:FeatureStore", name, None, opts)
        ctx = args.context
        ns = args.namespace
        in_ns = pulumi.ResourceOptions(parent=self, provider=ctx.provider, depends_on=[ns])
        fenced: list[pulumi.Resource] = []
        if ctx.peers is not None:
            fenced = fence(
                NAMESPACE,
                allowances(args, ctx.peers),
                ctx.peers,
                provider=ctx.provider,
                parent=self,
                depends_on=[ns],
            )
        online = k8s.core.v1.Secret(
            f"{name}-online",
            metadata={"name": ONLINE_SECRET, "namespace": NAMESPACE, "labels": MANAGED_BY},
            string_data={"password": pulumi.Output.secret(args.online.password)},
            opts=in_ns,
        )
        account = service_account(
            f"{name}-sa", SERVICE_ACCOUNT, NAMESPACE, args.service_account_annotations, in_ns
        )
        config = pulumi.Output.all(
            ctx.store.buckets["data"], args.online.host, args.database_host, args.database_port
        ).apply(lambda v: feature_store_yaml(args, v[0], v[1], v[2], v[3]))
        self.release = release(
            "feast",
            "feast",
            namespace=NAMESPACE,
            values=feast_values(args, config),
            version=args.spec.chart_version,
            overrides=args.spec.values,
            provider=ctx.provider,
            parent=self,
            depends_on=[ns, online, account, *fenced, *args.depends_on],
        )
        self.url = f"http://feast-feast-feature-server.{NAMESPACE}.svc:{POD_PORT}"
        self.register_outputs({"url": self.url})


def feature_store_yaml(
    args: FeatureStoreArgs, bucket: str, redis_host: str, db_host: str | None, db_port: Any
) -> str:
    """feature_store.yaml, base64-encoded for the chart; credentials stay ${VARIABLES}."""
    spec, online = args.spec, args.online
    if spec.registry is FeastRegistry.SQL:
        sslmode = "require" if args.database_tls else "disable"
        registry: dict[str, Any] = {
            "registry_type": "sql",
            "path": f"postgresql+psycopg://${{PG_USER}}:${{PG_PASSWORD}}@{db_host}:"
            f"{int(db_port)}/feast?sslmode={sslmode}",
            "cache_ttl_seconds": 60,
        }
    else:
        registry = {"registry_type": "file", "path": f"s3://{bucket}/feast/registry.db"}
    tls = ",ssl=true" if online.tls else ""
    document = {
        "project": spec.project,
        "provider": "aws" if args.context.store.endpoint_url is None else "local",
        "registry": registry,
        "online_store": {
            "type": "redis",
            "redis_type": "redis",
            "connection_string": f"{redis_host}:{online.port}{tls},password=${{REDIS_PASSWORD}}",
        },
        "offline_store": {"type": "file"},
        "entity_key_serialization_version": 3,
    }
    return base64.b64encode(yaml.safe_dump(document, sort_keys=True).encode()).decode()


def _secret_env(name: str, secret: pulumi.Input[str], key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


def feast_values(args: FeatureStoreArgs, config: pulumi.Output[str]) -> dict[str, Any]:
    store = args.context.store
    envs = [
        _secret_env("REDIS_PASSWORD", ONLINE_SECRET, "password"),
        {"name": "AWS_DEFAULT_REGION", "value": store.region},
    ]
    if args.registry_secret is not None:
        envs += [
            _secret_env("PG_USER", args.registry_secret, "username"),
            _secret_env("PG_PASSWORD", args.registry_secret, "password"),
        ]
    if store.needs_keys:
        envs += [
            {"name": "FEAST_S3_ENDPOINT_URL", "value": store.endpoint_url},
            _secret_env("AWS_ACCESS_KEY_ID", S3_CREDENTIALS_SECRET, "access-key"),
            _secret_env("AWS_SECRET_ACCESS_KEY", S3_CREDENTIALS_SECRET, "secret-key"),
        ]
    repository, tag = IMAGES["feast"].rsplit(":", 1)
    return {
        "feature_store_yaml_base64": config,
        "feast_mode": "online",
        "replicaCount": args.spec.replicas,
        "service": {"port": POD_PORT},
        "image": {"repository": repository, "tag": tag},
        "serviceAccount": {"name": SERVICE_ACCOUNT},
        "podSecurityContext": restricted_pod(FEAST_UID, FEAST_UID, FEAST_UID),
        "securityContext": {**RESTRICTED_CONTAINER, "readOnlyRootFilesystem": True},
        "resources": resources("250m", "512Mi", "1Gi"),
        "extraEnvs": envs,
        "volumes": [{"name": "tmp", "emptyDir": {}}],
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def allowances(args: FeatureStoreArgs, peers: NetworkPeers) -> list[Allowance]:
    """The server takes requests from teams and Airflow's tasks; it reaches the online
    store, the registry (database or bucket), the offline store's bucket and AWS's token
    service for its identity."""
    callers = [*args.clients, *([peers.teams] if peers.teams else [])]
    egress = [
        *(r.egress() for r in (args.online_reach, peers.object_store) if r is not None),
        *(r.egress() for r in peers.identity()),
    ]
    if args.registry_secret is not None and peers.database is not None:
        egress.append(peers.database.egress())
    ingress = [ingress_from(callers, tcp(POD_PORT))] if callers else []
    return [Allowance("feast", POD_LABELS, ingress=ingress, egress=egress)]
