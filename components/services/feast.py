"""FeatureStore: Feast's online feature server, with its registry, offline and online stores.

The registry is SQL on the platform database (or a file in the data bucket), the offline
store is Parquet in the data bucket, and the online store is Redis. feature_store.yaml
holds no credential: Feast expands ``${VAR}`` from the environment, and the variables
come from Secrets. The server runs non-root with a read-only root filesystem and a
writable /tmp (it unpacks its config there).
"""

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import pulumi
import pulumi_kubernetes as k8s
import yaml

from mlplat.components.args import coerce, spec_fields
from mlplat.components.charts import IMAGES
from mlplat.components.options import waits_of
from mlplat.components.services.context import (
    S3_CREDENTIALS_SECRET,
    ObjectStore,
    OnlineStoreEndpoint,
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
    cluster_provider,
    release,
    resources,
    restricted_pod,
    service_account,
)
from mlplat.spec.services import FeastRegistry, FeatureStoreSpec

NAMESPACE = "feast"
"""The namespace it is installed in unless its Args name another."""
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
    """Inputs of FeatureStore: the online store, the registry, and the data bucket.

    The cluster is the Kubernetes provider in the resource options (``providers``). The
    namespace must exist first: the caller creates it, with the registry database's login
    Secret (registry sql), and lists both in the component's ``depends_on``, with
    anything else its objects must wait for. Every object of the component waits for
    ``depends_on``.
    """

    online: OnlineStoreEndpoint
    """The online store (Redis) the feature server reads."""
    object_store: ObjectStore
    """Its data bucket: the offline store's Parquet files, and the registry file with
    registry s3 (under feast/)."""
    namespace: str = NAMESPACE
    """The namespace it is installed in; the caller creates it first (Pod Security
    restricted suffices)."""
    service_account_annotations: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    """Annotations of the feature server's service account (feast): its workload identity
    (the IRSA role); empty off AWS or with EKS Pod Identity."""
    project: str = "platform"
    """Feast project name."""
    registry: FeastRegistry = FeastRegistry.SQL
    """Registry in SQL on the platform database, or a file in the data bucket."""
    registry_secret: pulumi.Input[str] | None = None
    """Login Secret (keys username, password) of the feast database, in its namespace;
    required with registry sql."""
    database_host: pulumi.Input[str] | None = None
    """Address of the PostgreSQL server holding the feast database; required with registry
    sql."""
    database_port: pulumi.Input[int] = 5432
    """Port of that server."""
    database_tls: bool = True
    """Connect to it with sslmode=require (RDS forces TLS); False for an in-cluster
    Postgres."""
    replicas: int = 1
    """Feature server replicas."""
    chart_version: str | None = None
    """Override the pinned chart version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""
    peers: NetworkPeers | None = None
    """The platform's network peers; the namespace is fenced with them (None leaves it to
    the caller)."""
    online_reach: Reach | None = None
    """How the server reaches the online store (for the namespace's fence)."""
    clients: Sequence[Mapping[str, Any]] = ()
    """NetworkPolicy peers that call the feature server besides teams (Airflow's task
    pods)."""

    def __post_init__(self) -> None:
        if self.registry is FeastRegistry.SQL and (
            self.registry_secret is None or self.database_host is None
        ):
            raise ValueError(
                "FeatureStoreArgs: registry 'sql' needs registry_secret and database_host "
                "(the feast database's login and server); registry 's3' needs neither"
            )

    @classmethod
    def from_spec(cls, spec: FeatureStoreSpec, **rest: Any) -> Self:
        """Args with the spec's featureStore section; ``rest`` gives the other fields."""
        return cls(**{**spec_fields(spec, cls), **rest})


class FeatureStore(pulumi.ComponentResource):
    """Feast's online feature server: SQL or file registry, Parquet offline store in the
    data bucket, Redis online store, no credential in its config, in a fenced namespace."""

    url: str
    """Where pods reach it (the in-cluster Service)."""

    def __init__(
        self, name: str, args: FeatureStoreArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(FeatureStoreArgs, args)
        super().__init__("mlplat:index:FeatureStore", name, None, opts)
        provider = cluster_provider(self)
        waits = waits_of(opts)
        in_ns = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=waits)
        fenced: list[pulumi.Resource] = []
        if args.peers is not None:
            fenced = fence(
                args.namespace,
                allowances(args, args.peers),
                args.peers,
                provider=provider,
                parent=self,
                depends_on=waits,
            )
        online = k8s.core.v1.Secret(
            f"{name}-online",
            metadata={"name": ONLINE_SECRET, "namespace": args.namespace, "labels": MANAGED_BY},
            string_data={"password": pulumi.Output.secret(args.online.password)},
            opts=in_ns,
        )
        account = service_account(
            f"{name}-sa",
            SERVICE_ACCOUNT,
            args.namespace,
            args.service_account_annotations,
            in_ns,
            # The feature server calls the Kubernetes API only with `auth: kubernetes` in
            # feature_store.yaml, which mlplat does not set.
            api_token=False,
        )
        config = pulumi.Output.all(
            args.object_store.buckets["data"],
            args.online.host,
            args.database_host,
            args.database_port,
        ).apply(lambda v: feature_store_yaml(args, v[0], v[1], v[2], v[3]))
        # Python callers only (what waits for Feast): not an output other languages get.
        self.release: k8s.helm.v3.Release = release(
            "feast",
            "feast",
            namespace=args.namespace,
            values=feast_values(args, config),
            version=args.chart_version,
            overrides=args.values,
            provider=provider,
            parent=self,
            depends_on=[*waits, online, account, *fenced],
        )
        self.url = f"http://feast-feast-feature-server.{args.namespace}.svc:{POD_PORT}"
        self.register_outputs({"url": self.url})


def feature_store_yaml(
    args: FeatureStoreArgs, bucket: str, redis_host: str, db_host: str | None, db_port: Any
) -> str:
    """feature_store.yaml, base64-encoded for the chart; credentials stay ${VARIABLES}."""
    online = args.online
    if args.registry is FeastRegistry.SQL:
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
        "project": args.project,
        "provider": "aws" if args.object_store.endpoint_url is None else "local",
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
    store = args.object_store
    envs = [
        _secret_env("REDIS_PASSWORD", ONLINE_SECRET, "password"),
        {"name": "AWS_DEFAULT_REGION", "value": store.region},
    ]
    if args.registry is FeastRegistry.SQL and args.registry_secret is not None:
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
        "replicaCount": args.replicas,
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
    if args.registry is FeastRegistry.SQL and peers.database is not None:
        egress.append(peers.database.egress())
    ingress = [ingress_from(callers, tcp(POD_PORT))] if callers else []
    return [Allowance("feast", POD_LABELS, ingress=ingress, egress=egress)]
