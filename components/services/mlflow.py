"""MLflow: the community chart with a Postgres backend and proxied S3 artifacts.

Artifacts are served through the tracking server (``--serve-artifacts``), so clients
need no object-store credentials; the server alone reaches the MLflow prefix through its
workload identity. Authentication is always on: MLflow's basic auth with a generated
admin, or OIDC from the spec (groups from the spec, sessions shared through Redis when
there is more than one replica). Users and permissions live in their own database.

MLflow 3 refuses requests whose Host is not allowed and browser writes from origins not
allowed: both lists name the in-cluster Service and the public URL. Its Prometheus
endpoint sits behind the same login, so it is not scraped; the ``MlflowDown`` alert reads
the Deployment's ready replicas instead. The Service listens on the pod's own port (the
VPC CNI's network policies need them equal).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.services.context import S3_CREDENTIALS_SECRET, ServiceContext
from mlplat.components.services.fence import (
    INTERNET,
    Allowance,
    NetworkPeers,
    Reach,
    fence,
    ingress_from,
    tcp,
)
from mlplat.components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from mlplat.components.services.kube import (
    MANAGED_BY,
    RESTRICTED_CONTAINER,
    PodSecurity,
    release,
    resources,
)
from mlplat.spec.services import MlflowAuth, MlflowSpec

NAMESPACE = "mlflow"
NAMESPACE_LEVEL = PodSecurity.RESTRICTED
"""The chart runs as uid 1001 without privileges; seccomp is added below."""
SERVICE_ACCOUNT = "mlflow"
MLFLOW_UID = 1001
PORT = 5000
"""The tracking server's port, on the pod and on the Service."""
POD_LABELS = {"app.kubernetes.io/name": "mlflow", "app.kubernetes.io/instance": "mlflow"}
HEALTH_PATH = "/health"
"""Exempt from MLflow's host check and login: what load balancers probe."""
OIDC_CLIENT_KEY = "client-secret"
CACHE_SECRET = "mlflow-oidc-cache"
"""Secret holding the Redis URL of the shared OIDC session cache (env expansion)."""
CACHE_DB = 1
"""Redis database of the OIDC cache (the feature store uses 0)."""


@dataclass(frozen=True)
class SharedCache:
    """A Redis for the OIDC sessions of several replicas."""

    host: pulumi.Input[str]
    port: int
    tls: bool
    password: pulumi.Input[str]
    """Redis AUTH password (a Pulumi secret)."""
    reach: Reach | None = None
    """How MLflow's pods reach it (for the namespace's fence)."""


@dataclass(frozen=True)
class MlflowDatabase:
    host: pulumi.Input[str]
    port: pulumi.Input[int]
    backend_secret: pulumi.Input[str]
    """Login Secret (username/password) of the tracking database."""
    auth_secret: pulumi.Input[str]
    """Login Secret of the users-and-permissions database."""
    require_tls: bool = True


@dataclass(frozen=True)
class MlflowArgs:
    spec: MlflowSpec
    context: ServiceContext
    database: MlflowDatabase
    service_account_annotations: pulumi.Input[Mapping[str, str]]
    namespace: pulumi.Resource
    """The mlflow namespace (created by the caller, before the database logins)."""
    depends_on: tuple[pulumi.Resource, ...] = ()
    oidc_client_secret: pulumi.Input[str] | None = None
    """The OIDC client secret (a Pulumi secret), written to the spec's
    ``oidc.clientSecretName``; None with basic auth."""
    cache: SharedCache | None = None
    """Shared OIDC session cache; required by OIDC with more than one replica."""
    clients: tuple[Any, ...] = ()
    """Peers that call the tracking server besides teams and the load balancer (Airflow
    task pods)."""


class Mlflow(pulumi.ComponentResource):
    url: str
    """Where people open it: the ingress URL, else the in-cluster one."""
    cluster_url: str
    """Where pods reach it (the in-cluster Service; its Host is allowed)."""
    admin_secret: pulumi.Output[str] | None
    release: k8s.helm.v3.Release

    def __init__(
        self, name: str, args: MlflowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Mlflow", name, None, opts)
        ctx = args.context
        ns = args.namespace
        in_ns = pulumi.ResourceOptions(parent=self, provider=ctx.provider, depends_on=[ns])
        after: list[pulumi.Resource] = [ns, *args.depends_on, *ctx.prerequisites]
        if ctx.peers is not None:
            after += fence(
                NAMESPACE,
                allowances(args.spec, ctx.peers, args.clients, args.cache),
                ctx.peers,
                provider=ctx.provider,
                parent=self,
                depends_on=[ns],
            )
        admin: GeneratedSecret | None = None
        if args.spec.auth is MlflowAuth.BASIC:
            admin = GeneratedSecret(
                f"{name}-admin",
                GeneratedSecretArgs(
                    namespace=NAMESPACE,
                    secret_name="mlflow-admin",
                    passwords=("password",),
                    fixed={"username": "admin"},
                    after=(ns,),
                ),
                ctx.provider,
                pulumi.ResourceOptions(parent=self, depends_on=[ns]),
            )
            after.append(admin)
        oidc = args.spec.oidc
        if oidc is not None and args.oidc_client_secret is not None:
            after.append(
                _secret(
                    f"{name}-oidc-client",
                    oidc.client_secret_name,
                    {OIDC_CLIENT_KEY: args.oidc_client_secret},
                    in_ns,
                )
            )
        if args.cache is not None and _needs_cache(args.spec):
            after.append(_secret(f"{name}-oidc-cache", CACHE_SECRET, _cache_url(args.cache), in_ns))
        self.release = release(
            "mlflow",
            "mlflow",
            namespace=NAMESPACE,
            values=mlflow_values(
                args.spec,
                ctx,
                args.database,
                args.service_account_annotations,
                admin.name if admin else None,
                cache=args.cache is not None and _needs_cache(args.spec),
            ),
            version=args.spec.chart_version,
            overrides=args.spec.values,
            provider=ctx.provider,
            parent=self,
            depends_on=after,
        )
        self.admin_secret = admin.name if admin else None
        self.cluster_url = f"http://mlflow.{NAMESPACE}.svc:{PORT}"
        self.url = ctx.exposure.url("mlflow", ctx.tls) if ctx.exposure else self.cluster_url
        self.register_outputs(
            {"url": self.url, "clusterUrl": self.cluster_url, "adminSecret": self.admin_secret}
        )


def _needs_cache(spec: MlflowSpec) -> bool:
    return spec.auth is MlflowAuth.OIDC and spec.replicas > 1


def _cache_url(cache: SharedCache) -> dict[str, pulumi.Input[str]]:
    scheme = "rediss" if cache.tls else "redis"
    url = pulumi.Output.format(
        "{0}://:{1}@{2}:{3}/{4}", scheme, cache.password, cache.host, cache.port, CACHE_DB
    )
    return {"MLFLOW_OIDC_CACHE_REDIS_URL": url}


def _secret(
    name: str, secret_name: str, data: Mapping[str, pulumi.Input[str]], opts: pulumi.ResourceOptions
) -> k8s.core.v1.Secret:
    return k8s.core.v1.Secret(
        name,
        metadata={"name": secret_name, "namespace": NAMESPACE, "labels": MANAGED_BY},
        string_data={k: pulumi.Output.secret(v) for k, v in data.items()},
        opts=opts,
    )


def allowances(
    spec: MlflowSpec, peers: NetworkPeers, clients: tuple[Any, ...], cache: SharedCache | None
) -> list[Allowance]:
    """The tracking server takes requests from teams, Airflow's tasks and the load
    balancer; it reaches its databases, the artifacts bucket (through its identity), the
    identity provider with OIDC, and the shared session cache."""
    callers = [*clients, *([peers.teams] if peers.teams else [])]
    ingress = [ingress_from(callers, tcp(PORT))] if callers else []
    if peers.load_balancer is not None:
        ingress.append(ingress_from(peers.load_balancer, tcp(PORT)))
    egress = [
        *(r.egress() for r in (peers.database, peers.object_store) if r is not None),
        *(r.egress() for r in peers.identity()),
    ]
    if spec.auth is MlflowAuth.OIDC:
        egress.append({"to": [INTERNET], "ports": tcp(443)})
    if cache is not None and cache.reach is not None and _needs_cache(spec):
        egress.append(cache.reach.egress())
    return [Allowance("mlflow", POD_LABELS, ingress=ingress, egress=egress)]


def allowed_hosts() -> list[str]:
    """The Host headers in-cluster clients send (MLflow matches exactly unless ``*``)."""
    names = [f"mlflow.{NAMESPACE}{suffix}" for suffix in ("", ".svc", ".svc.cluster.local")]
    return [host for name in ["mlflow", *names] for host in (name, f"{name}:*")]


def mlflow_values(
    spec: MlflowSpec,
    ctx: ServiceContext,
    db: MlflowDatabase,
    annotations: pulumi.Input[Mapping[str, str]],
    admin_secret: pulumi.Input[str] | None,
    cache: bool = False,
) -> dict[str, Any]:
    """Values for the community chart; its schema closes the root, so keys must be exact."""
    postgres = {"enabled": True, "host": db.host, "port": db.port, "driver": "psycopg2"}
    store = ctx.store
    s3: dict[str, Any] = {"enabled": True, "bucket": store.buckets["artifacts"], "path": "mlflow"}
    env: dict[str, Any] = {"AWS_DEFAULT_REGION": store.region}
    if store.needs_keys:
        s3["existingSecret"] = {
            "name": S3_CREDENTIALS_SECRET,
            "keyOfAccessKeyId": "access-key",
            "keyOfSecretAccessKey": "secret-key",
        }
        env["MLFLOW_S3_ENDPOINT_URL"] = store.endpoint_url
    values: dict[str, Any] = {
        "replicaCount": spec.replicas,
        "service": {"port": PORT},
        "backendStore": {
            "databaseMigration": True,
            "databaseConnectionCheck": True,
            "postgres": {**postgres, "database": "mlflow"},
            "existingDatabaseSecret": {
                "name": db.backend_secret,
                "usernameKey": "username",
                "passwordKey": "password",
            },
        },
        "postgresql": {"enabled": False},
        "mysql": {"enabled": False},
        "artifactRoot": {"proxiedArtifactStorage": True, "s3": s3},
        "extraEnvVars": env,
        "serviceAccount": {
            "create": True,
            "name": SERVICE_ACCOUNT,
            # The workload identity's token is projected on its own; MLflow never calls the
            # Kubernetes API.
            "automount": False,
            "annotations": annotations,
        },
        "podSecurityContext": {
            "runAsUser": MLFLOW_UID,
            "runAsGroup": MLFLOW_UID,
            "fsGroup": MLFLOW_UID,
            "runAsNonRoot": True,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "securityContext": {
            **RESTRICTED_CONTAINER,
            "runAsNonRoot": True,
            "runAsUser": MLFLOW_UID,
            "readOnlyRootFilesystem": True,
        },
        "resources": resources("250m", "1Gi", "2Gi"),
        # /metrics answers only after MLflow's login, which Prometheus cannot pass: no
        # monitor (the MlflowDown alert reads kube-state-metrics instead).
        "serviceMonitor": {"enabled": False},
        "telemetry": {"enabled": False},
        "serverAllowedHosts": allowed_hosts(),
    }
    auth_store = {
        **postgres,
        "database": "mlflowauth",
        "existingSecret": {
            "name": db.auth_secret,
            "usernameKey": "username",
            "passwordKey": "password",
        },
    }
    if spec.auth is MlflowAuth.BASIC:
        values["auth"] = {
            "enabled": True,
            "existingAdminSecret": {
                "name": admin_secret,
                "usernameKey": "username",
                "passwordKey": "password",
            },
            "defaultPermission": "READ",
            "postgres": auth_store,
        }
    elif spec.oidc is not None:
        values["oidcAuth"] = _oidc(spec, ctx, auth_store, cache)
        if cache:
            values["extraSecretNamesForEnvFrom"] = [CACHE_SECRET]
    if ctx.exposure is not None:
        exposure = ctx.exposure
        url = exposure.url("mlflow", ctx.tls)
        # TLS ends at the load balancer, so the chart would derive an http:// origin.
        values["corsAllowedOrigins"] = [url]
        values["ingress"] = {
            "enabled": True,
            "className": exposure.class_name,
            "annotations": exposure.annotations_for(HEALTH_PATH),
            "hosts": [
                {"host": exposure.host("mlflow"), "paths": [{"path": "/", "pathType": "Prefix"}]}
            ],
            "tls": (
                [{"secretName": exposure.tls_secret, "hosts": [exposure.host("mlflow")]}]
                if exposure.tls_secret
                else []
            ),
        }
    return values


def _oidc(
    spec: MlflowSpec, ctx: ServiceContext, auth_store: Mapping[str, Any], cache: bool
) -> dict[str, Any]:
    oidc = spec.oidc
    assert oidc is not None
    values: dict[str, Any] = {
        "enabled": True,
        "discoveryUrl": oidc.discovery_url,
        "clientId": oidc.client_id,
        "existingSecret": {"name": oidc.client_secret_name, "clientSecretKey": OIDC_CLIENT_KEY},
        "defaultPermission": "READ",
        "groupName": list(oidc.user_groups),
        "adminGroupName": list(oidc.admin_groups),
        "database": {"postgres": auth_store},
    }
    if cache:
        # Expanded by the kubelet from the Secret's variable: no credential in the values.
        values["cache"] = {"enabled": True, "redisUrl": "$(MLFLOW_OIDC_CACHE_REDIS_URL)"}
    if ctx.exposure is not None:
        values["redirectUri"] = ctx.exposure.url("mlflow", ctx.tls) + "/callback"
    return values
