"""A platform service, declared in one place.

Each module of this package declares one ``Service``: the part of the spec that turns it
on, what it needs from the platform (``Needs``: a namespace and its Pod Security level,
databases and logins, a workload identity and its IAM document, the online store, config
secrets, where its callers reach it), the charts it installs (their pins stay in
``components/charts.py``) and how its component is built from what the platform provides
(``Provided``). The composition root iterates over the registry (``registry.SERVICES``)
and names no service: it creates what the needs ask for, then builds each service in
registry order, folding what one offers later ones (``Shared``) into their context.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import pulumi
import pulumi_kubernetes as k8s

from mlplat.build_cloud import Cloud
from mlplat.build_cluster import Cluster
from mlplat.components.iam import s3_prefix_access
from mlplat.components.services.context import Exposure, ObjectStore, OnlineStoreEndpoint
from mlplat.components.services.fence import NetworkPeers, Peer, Reach, in_namespace, tcp
from mlplat.components.services.kube import PodSecurity
from mlplat.spec.model import PlatformSpec
from mlplat.spec.services import LoadBalancerScheme

S = TypeVar("S")
"""A service's spec section (AirflowSpec, ...)."""


@dataclass(frozen=True)
class Namespace:
    name: str
    level: PodSecurity
    """The Pod Security level it enforces."""
    reason: str = ""
    """Why it cannot be restricted; a privileged namespace's reason is printed with the
    policy pack's exemption for it."""


@dataclass(frozen=True)
class Pods:
    """Some pods of one namespace, as network policies select them."""

    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)

    def peer(self) -> Peer:
        return in_namespace(self.namespace, **self.labels)


@dataclass(frozen=True)
class Endpoint:
    """Where pods in the cluster reach a service: teams, and other services' workloads."""

    pods: Pods
    port: int
    """The pods' own port (the Service listens on it too, as the VPC CNI's policies need)."""

    def reach(self) -> Reach:
        return Reach([self.pods.peer()], tcp(self.port))


@dataclass(frozen=True)
class Identity:
    """A workload role for the service's account (aws; none on an existing cluster)."""

    service_account: str
    """The service account the role trusts, in the service's namespace."""
    policy: Callable[[Cloud], pulumi.Input[str]]
    """Its permissions: an IAM document built from the cloud layer (``prefix_access``)."""
    more_accounts: tuple[str, ...] = ()
    """Further accounts in the namespace, each with a role of its own (a role trusts one
    account) with the same permissions."""


def prefix_access(
    bucket: str, prefix: str, *, head_bucket: bool = False
) -> Callable[[Cloud], pulumi.Output[str]]:
    """Read and write objects under ``prefix`` of one platform bucket (artifacts, data or
    logs), with its key; ``head_bucket`` for clients that check the bucket first."""

    def policy(cloud: Cloud) -> pulumi.Output[str]:
        region = cloud.region
        return pulumi.Output.all(cloud.storage.buckets[bucket].arn, cloud.key_arn).apply(
            lambda v: s3_prefix_access(
                v[0], [prefix], v[1], region, write=True, head_bucket=head_bucket
            )
        )

    return policy


@dataclass(frozen=True)
class Redis:
    """The platform's online store: ElastiCache on aws (TLS, AUTH, KMS; a replica in
    prod), one in-cluster Redis on an existing cluster."""

    node_type: str
    """ElastiCache node type (aws)."""


@dataclass(frozen=True)
class ConfigSecret:
    """A secret the operator puts in the stack's config; the service writes it into a
    Kubernetes Secret in the same `pulumi up` that creates its namespace."""

    key: str
    """Its config key: `pulumi config set --secret mlplat:<key>`."""
    namespace: str
    secret_name: str
    """The Kubernetes Secret the service writes it to."""
    set_with: str
    """The command that sets it, printed when it is missing."""


@dataclass(frozen=True)
class Needs:
    """What one enabled service asks of the platform; the composition root provides it."""

    namespace: Namespace | None = None
    """A namespace the root creates for it before the database logins written into it;
    its pods may use the platform's stores. None when its component makes its own."""
    databases: tuple[str, ...] = ()
    """Databases on the platform database, each with a login role of the same name whose
    Secret (``<db>-db``) lands in ``namespace``."""
    identity: Identity | None = None
    redis: Redis | None = None
    """The online store, when it needs one (one is made for all who do)."""
    config_secrets: tuple[ConfigSecret, ...] = ()
    endpoint: Endpoint | None = None
    """What teams and other services' workloads call (teams' fences open it)."""
    workloads: Pods | None = None
    """Its pods that run users' code and call the other services' endpoints."""
    scraper: Pods | None = None
    """Its pods that scrape every metrics endpoint (Prometheus)."""
    load_balancer: LoadBalancerScheme | None = None
    """The load balancer it runs in front of the services (ingress)."""
    alert_rules: tuple[Mapping[str, Any], ...] = ()
    """Prometheus alerting rules about it (group ``mlplat.services``)."""

    def __post_init__(self) -> None:
        if (self.databases or self.identity) and self.namespace is None:
            raise ValueError("database logins and a workload role go into its namespace")


@dataclass(frozen=True)
class ServiceContext:
    """What the services built so far offer the next: the cluster, the object store, and
    what ``Shared`` adds (monitoring's CRDs, the ingress exposure)."""

    provider: k8s.Provider
    store: ObjectStore
    exposure: Exposure | None = None
    """None publishes nothing; services stay cluster-internal."""
    tls: bool = False
    """Whether the ingress terminates TLS (an ACM certificate on aws)."""
    monitoring: pulumi.Resource | None = None
    """The monitoring release, once its CRDs exist; None means no ServiceMonitors."""
    ingress_controller: pulumi.Resource | None = None
    """What must run before Ingresses are created (the controller's admission webhook)."""

    @property
    def prerequisites(self) -> list[pulumi.Resource]:
        """Releases a service waits for: the monitoring CRDs and the ingress webhook."""
        return [r for r in (self.monitoring, self.ingress_controller) if r is not None]


@dataclass(frozen=True)
class DatabaseAccess:
    """The platform database as a service sees it."""

    host: pulumi.Input[str]
    port: pulumi.Input[int]
    tls: bool
    logins: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Login Secret name by database, for the databases it asked for."""


@dataclass(frozen=True)
class Provided:
    """What the platform hands one service's build, as its needs asked."""

    name: str
    """Its component's name: ``<platform>-<service>``."""
    spec: PlatformSpec
    """The whole spec, for what its section does not say (pools, cluster, cloud)."""
    cloud: Cloud | None
    """The AWS layer; None on an existing cluster."""
    cluster: Cluster
    """The Kubernetes provider's layer (its default StorageClass)."""
    context: ServiceContext
    """Provider, object store, exposure, monitoring CRDs: what charts need."""
    peers: NetworkPeers
    database: DatabaseAccess
    """The platform database, with the logins it asked for."""
    namespace: pulumi.Resource | None = None
    """The namespace its needs asked for."""
    identity: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    """Service account annotations of its workload identity (none off aws)."""
    more_identities: Mapping[str, pulumi.Input[Mapping[str, str]]] = field(default_factory=dict)
    """The same for each of its identity's ``more_accounts``, by account."""
    config: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    """Its config secrets by key."""
    redis: OnlineStoreEndpoint | None = None
    """The online store, when any enabled service needs it."""
    after: tuple[pulumi.Resource, ...] = ()
    """What its releases wait for: the database bootstrap and the in-cluster stores."""
    clients: tuple[Peer, ...] = ()
    """Other services' workloads that call its endpoint."""
    calls: tuple[Reach, ...] = ()
    """The other services' endpoints, for its workloads."""
    alert_rules: tuple[Mapping[str, Any], ...] = ()
    """Every enabled service's alerting rules (for monitoring)."""

    def on_cluster(self) -> pulumi.ResourceOptions:
        """Options of a component on the cluster: the Kubernetes provider, and waiting for
        its namespace, the database bootstrap and stores (``after``) and what the context
        says must run first (monitoring's CRDs, the ingress webhook)."""
        namespace = [self.namespace] if self.namespace is not None else []
        return pulumi.ResourceOptions(
            providers=[self.context.provider],
            depends_on=[*namespace, *self.after, *self.context.prerequisites],
        )


@dataclass(frozen=True)
class Shared:
    """What a service offers the services built after it; each field set here replaces
    the ``ServiceContext`` field of the same name for them."""

    monitoring: pulumi.Resource | None = None
    """The release whose CRDs ServiceMonitors need."""
    exposure: Exposure | None = None
    """How services publish themselves (ingress)."""
    tls: bool = False
    ingress_controller: pulumi.Resource | None = None
    """What must run before Ingresses are created."""


@dataclass(frozen=True)
class Built:
    """What a service's build returns to the root."""

    url: pulumi.Input[str] | None = None
    """Where people open it (``serviceUrls``)."""
    cluster_url: pulumi.Input[str] | None = None
    """Where pods reach it (``clusterUrls``)."""
    credentials: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Generated credentials, ``credentialSecrets`` key -> namespace/name of the Secret."""
    outputs: Mapping[str, Any] = field(default_factory=dict)
    """Stack outputs of its own."""
    shared: Shared = field(default_factory=Shared)


def _no_needs(section: Any, spec: PlatformSpec) -> Needs:
    return Needs()


@dataclass(frozen=True)
class ApiClient:
    """A workload of a service's chart that calls the Kubernetes API, so the policy pack's
    token control exempts it (with the reason, printed with the finding)."""

    workload: str
    """<namespace>/<Kind>/<name>, as the chart renders it."""
    reason: str
    """What it does with the API."""


@dataclass(frozen=True)
class Service(Generic[S]):
    """One platform service: everything the root needs to install it."""

    name: str
    """Its name in resource names (``<platform>-<name>``) and stack outputs."""
    section: Callable[[PlatformSpec], S | None]
    """Its part of the spec; None leaves it out."""
    build: Callable[[S, Provided], Built]
    """Declare its component(s) from its section and what the platform provides."""
    needs: Callable[[S, PlatformSpec], Needs] = _no_needs
    """What it needs from the platform, from its section."""
    charts: tuple[str, ...] = ()
    """The charts it installs (keys of ``components.charts.CHARTS``, where pins live)."""
    privileged: tuple[Namespace, ...] = ()
    """Namespaces its component makes at Pod Security privileged, with the reason: the
    policy pack exempts their node agents."""
    images: tuple[str, ...] = ()
    """Images it runs outside any chart (the policy pack's registry allowlist)."""
    api_clients: tuple[ApiClient, ...] = ()
    """Its workloads that call the Kubernetes API and keep their token; every other pod
    mounting one is reported."""


def secret_ref(namespace: str, name: pulumi.Input[str]) -> pulumi.Output[str]:
    """Where a credential lives (namespace/name); never the credential itself."""
    return pulumi.Output.concat(namespace, "/", name)
