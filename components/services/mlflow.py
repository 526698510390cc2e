"""MLflow: the community chart with a Postgres backend and proxied S3 artifacts.

Artifacts are served through the tracking server (``--serve-artifacts``), so clients
need no object-store credentials; the server alone reaches the MLflow prefix through its
workload identity. Authentication is always on: MLflow's basic auth with a generated
admin, or OIDC (groups from the Args, sessions shared through Redis when there is more
than one replica). Users and permissions live in their own database.

MLflow 3 refuses requests whose Host is not allowed and browser writes from origins not
allowed: both lists name the in-cluster Service and the public URL. Its Prometheus
endpoint sits behind the same login, so it is not scraped; the ``MlflowDown`` alert reads
the Deployment's ready replicas instead. The Service listens on the pod's own port (the
VPC CNI's network policies need them equal).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import pulumi
import pulumi_kubernetes as k8s

from mlplat.components.args import coerce, spec_fields
from mlplat.components.options import waits_of
from mlplat.components.services.context import Exposure, ObjectStore
from mlplat.components.services.fence import NetworkPeers, Reach, fence
from mlplat.components.services.generated_secret import GeneratedSecret, GeneratedSecretArgs
from mlplat.components.services.kube import MANAGED_BY, PodSecurity, cluster_provider, release
from mlplat.components.services.mlflow_values import (
    CACHE_SECRET,
    OIDC_CLIENT_KEY,
    PORT,
    allowances,
    mlflow_values,
    needs_cache,
)
from mlplat.spec.services import MlflowAuth, MlflowSpec

NAMESPACE = "mlflow"
"""The namespace it is installed in unless its Args name another."""
NAMESPACE_LEVEL = PodSecurity.RESTRICTED
"""The chart runs as uid 1001 without privileges; its values add seccomp."""
CACHE_DB = 1
"""Redis database of the OIDC cache (the feature store uses 0)."""


@dataclass(frozen=True)
class SharedCache:
    """A Redis for the OIDC sessions of several replicas."""

    host: pulumi.Input[str]
    """Its address."""
    port: int
    """Its port."""
    tls: bool
    """Whether MLflow connects over TLS (rediss://)."""
    password: pulumi.Input[str]
    """Redis AUTH password (a Pulumi secret)."""
    reach: Reach | None = None
    """How MLflow's pods reach it (for the namespace's fence)."""


@dataclass(frozen=True)
class MlflowDatabase:
    """The PostgreSQL server holding MLflow's two databases, ``mlflow`` (runs) and
    ``mlflowauth`` (users and permissions), each with its own login."""

    host: pulumi.Input[str]
    """The server's address."""
    port: pulumi.Input[int]
    """The server's port."""
    backend_secret: pulumi.Input[str]
    """Login Secret (keys username, password) of the mlflow database, in MLflow's
    namespace."""
    auth_secret: pulumi.Input[str]
    """Login Secret (keys username, password) of the mlflowauth database, in MLflow's
    namespace."""


@dataclass(frozen=True)
class MlflowOidc:
    """MLflow's login through an OpenID Connect identity provider."""

    discovery_url: str
    """The identity provider's .well-known/openid-configuration URL."""
    client_id: str
    """OIDC client id."""
    client_secret_name: str
    """Kubernetes Secret (key client-secret) in MLflow's namespace with the client secret;
    the component writes it from ``oidc_client_secret`` when given one."""
    user_groups: Sequence[str]
    """Identity-provider groups whose members may use MLflow."""
    admin_groups: Sequence[str]
    """Identity-provider groups whose members administer MLflow."""


@dataclass(frozen=True)
class MlflowArgs:
    """Inputs of Mlflow: its databases and artifact store, how people log in, and how it
    is published.

    The cluster is the Kubernetes provider in the resource options (``providers``). The
    namespace must exist first: the caller creates it, with the database logins' Secrets,
    and lists both in the component's ``depends_on``, with anything else its objects must
    wait for (the monitoring release, the ingress controller's webhook). Every object of
    the component waits for ``depends_on``.
    """

    database: MlflowDatabase
    """The PostgreSQL server and the logins of MLflow's two databases."""
    object_store: ObjectStore
    """Where artifacts go: its artifacts bucket, under mlflow/ (only the tracking server
    reaches it, through its workload identity or the store's keys)."""
    namespace: str = NAMESPACE
    """The namespace it is installed in; the caller creates it first (Pod Security
    restricted suffices)."""
    service_account_annotations: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    """Annotations of the tracking server's service account (mlflow): its workload identity
    (the IRSA role); empty off AWS or with EKS Pod Identity."""
    auth: MlflowAuth = MlflowAuth.BASIC
    """basic: MLflow's own auth with a generated admin; oidc: an identity provider."""
    oidc: MlflowOidc | None = None
    """Identity provider settings, required with auth oidc."""
    replicas: int = 1
    """Tracking server replicas."""
    chart_version: str | None = None
    """Override the pinned chart version."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """Chart values merged last into mlplat's (maps merge, the rest replaces); rendered and
    policy-checked like mlplat's own."""
    exposure: Exposure | None = None
    """How it is published (an Ingress at mlflow.<domain>); None keeps it cluster-internal."""
    tls: bool = False
    """Whether people open the published URL over https (TLS ends at the load balancer)."""
    peers: NetworkPeers | None = None
    """The platform's network peers; the namespace is fenced with them (None leaves it to
    the caller)."""
    oidc_client_secret: pulumi.Input[str] | None = None
    """The OIDC client secret (a Pulumi secret), written to ``oidc.client_secret_name``;
    None with basic auth, or when that Secret exists already."""
    cache: SharedCache | None = None
    """Shared OIDC session cache; required by OIDC with more than one replica."""
    clients: Sequence[Mapping[str, Any]] = ()
    """NetworkPolicy peers that call the tracking server besides teams and the load
    balancer (Airflow's task pods)."""

    def __post_init__(self) -> None:
        if self.auth is MlflowAuth.OIDC and self.oidc is None:
            raise ValueError("MlflowArgs.oidc: auth 'oidc' needs the identity provider's settings")

    @classmethod
    def from_spec(cls, spec: MlflowSpec, **rest: Any) -> Self:
        """Args with the spec's mlflow section; ``rest`` gives the other fields."""
        fields = spec_fields(spec, cls)
        if spec.oidc is not None:
            fields["oidc"] = MlflowOidc(**spec_fields(spec.oidc, MlflowOidc))
        return cls(**{**fields, **rest})


class Mlflow(pulumi.ComponentResource):
    """MLflow's tracking server and model registry (the community chart): PostgreSQL
    backend, artifacts proxied to object storage, basic auth or OIDC always on, in a
    fenced namespace."""

    url: str
    """Where people open it: the ingress URL, else the in-cluster one."""
    cluster_url: str
    """Where pods reach it (the in-cluster Service; its Host is allowed)."""
    admin_secret: pulumi.Output[str] | None
    """Name of the Secret (in its namespace) with the generated admin login (basic auth)."""

    def __init__(
        self, name: str, args: MlflowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(MlflowArgs, args)
        super().__init__("mlplat:index:Mlflow", name, None, opts)
        provider = cluster_provider(self)
        waits = waits_of(opts)
        in_ns = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=waits)
        after: list[pulumi.Input[pulumi.Resource]] = list(waits)
        if args.peers is not None:
            after += fence(
                args.namespace,
                allowances(args),
                args.peers,
                provider=provider,
                parent=self,
                depends_on=waits,
            )
        admin: GeneratedSecret | None = None
        if args.auth is MlflowAuth.BASIC:
            admin = GeneratedSecret(
                f"{name}-admin",
                GeneratedSecretArgs(
                    namespace=args.namespace,
                    secret_name="mlflow-admin",
                    passwords=("password",),
                    fixed={"username": "admin"},
                    after=tuple(waits),
                ),
                provider,
                pulumi.ResourceOptions(parent=self, depends_on=waits),
            )
            after.append(admin)
        oidc = args.oidc
        if oidc is not None and args.oidc_client_secret is not None:
            after.append(
                _secret(
                    f"{name}-oidc-client",
                    oidc.client_secret_name,
                    args.namespace,
                    {OIDC_CLIENT_KEY: args.oidc_client_secret},
                    in_ns,
                )
            )
        cache = args.cache is not None and needs_cache(args)
        if args.cache is not None and cache:
            after.append(
                _secret(
                    f"{name}-oidc-cache",
                    CACHE_SECRET,
                    args.namespace,
                    _cache_url(args.cache),
                    in_ns,
                )
            )
        # Python callers only (what waits for MLflow): not an output other languages get.
        self.release: k8s.helm.v3.Release = release(
            "mlflow",
            "mlflow",
            namespace=args.namespace,
            values=mlflow_values(args, admin.name if admin else None, cache=cache),
            version=args.chart_version,
            overrides=args.values,
            provider=provider,
            parent=self,
            depends_on=after,
        )
        self.admin_secret = admin.name if admin else None
        self.cluster_url = f"http://mlflow.{args.namespace}.svc:{PORT}"
        self.url = args.exposure.url("mlflow", args.tls) if args.exposure else self.cluster_url
        self.register_outputs(
            {"url": self.url, "clusterUrl": self.cluster_url, "adminSecret": self.admin_secret}
        )


def _cache_url(cache: SharedCache) -> dict[str, pulumi.Input[str]]:
    scheme = "rediss" if cache.tls else "redis"
    url = pulumi.Output.format(
        "{0}://:{1}@{2}:{3}/{4}", scheme, cache.password, cache.host, cache.port, CACHE_DB
    )
    return {"MLFLOW_OIDC_CACHE_REDIS_URL": url}


def _secret(
    name: str,
    secret_name: str,
    namespace: str,
    data: Mapping[str, pulumi.Input[str]],
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.Secret:
    return k8s.core.v1.Secret(
        name,
        metadata={"name": secret_name, "namespace": namespace, "labels": MANAGED_BY},
        string_data={k: pulumi.Output.secret(v) for k, v in data.items()},
        opts=opts,
    )
