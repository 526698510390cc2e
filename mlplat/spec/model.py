"""The typed spec that components consume.

Frozen dataclasses, not pydantic: the JSON Schema is already the validation authority
(editors use it too), so a second validating model would duplicate it; dataclasses add
no dependency and keep ``mlplat validate`` fast. Defaults are written here once; the
schema repeats them for editors and a test keeps both equal.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, TypeVar

from mlplat.spec.enums import (
    CapacityType,
    CloudProvider,
    Environment,
    GpuSharing,
    MigStrategy,
    NodeOs,
    TaintEffect,
    WorkloadIdentityMode,
)
from mlplat.spec.policy import PolicySpec
from mlplat.spec.pools import PoolFacts, pool_facts
from mlplat.spec.review import ReviewSpec
from mlplat.spec.services import ServicesSpec
from mlplat.spec.teams import TeamSpec


class NatGateways(enum.StrEnum):
    """NAT layout: a gateway per zone (no cross-zone dependency), or one shared."""

    PER_ZONE = "perZone"
    SINGLE = "single"


class EndpointAccess(enum.StrEnum):
    """Who reaches the EKS API endpoint: the VPC only, the internet (listed CIDRs), or both."""

    PRIVATE = "private"
    PUBLIC = "public"
    BOTH = "both"


class ServiceRole(enum.StrEnum):
    CREATE = "create"
    EXISTING = "existing"


class Scanning(enum.StrEnum):
    """ECR image scanning: basic scan on push, or Amazon Inspector enhanced scanning."""

    ON_PUSH = "onPush"
    ENHANCED = "enhanced"


class Upstream(enum.StrEnum):
    """Registries ECR can cache images of (pull-through cache)."""

    ECR_PUBLIC = "public.ecr.aws"
    KUBERNETES = "registry.k8s.io"
    QUAY = "quay.io"
    DOCKER_HUB = "registry-1.docker.io"
    GITHUB = "ghcr.io"
    GITLAB = "registry.gitlab.com"

    @property
    def needs_credentials(self) -> bool:
        """ECR only caches these upstreams with a stored credential."""
        return self in (Upstream.DOCKER_HUB, Upstream.GITHUB, Upstream.GITLAB)


@dataclass(frozen=True)
class MetadataSpec:
    name: str
    """Platform name; prefixes resource names and names the EKS cluster."""
    environment: Environment
    """dev, staging or prod; prod is checked more strictly and protects stateful resources."""
    owner: str
    """Owning team or contact, tagged on every cloud resource."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags for every cloud resource."""


@dataclass(frozen=True)
class CloudSpec:
    provider: CloudProvider
    """aws builds the cloud layer; existing targets a cluster through a kubeconfig context."""
    region: str | None = None
    """AWS region (provider aws)."""
    kubeconfig: str | None = None
    """kubeconfig path (provider existing); None means the provider's default lookup."""
    context: str | None = None
    """kubeconfig context (provider existing)."""
    gpu_node_selector: Mapping[str, str] = field(default_factory=dict)
    """Labels of the existing cluster's NVIDIA GPU nodes; empty means it has none."""


@dataclass(frozen=True)
class NetworkSpec:
    cidr: str = "10.0.0.0/16"
    """VPC IPv4 CIDR."""
    availability_zones: int = 3
    """Number of availability zones to spread subnets over (when zones is empty)."""
    zones: tuple[str, ...] = ()
    """The zones to use, in order; empty takes the first availability_zones AWS lists."""
    nat_gateways: NatGateways = NatGateways.PER_ZONE
    """One NAT gateway per zone, or a single shared one."""
    interface_endpoints: tuple[str, ...] = ()
    """Services reached through private interface endpoints (ecr, sts, logs, ec2, eks-auth)."""
    flow_log_retention_days: int = 365
    """Days VPC flow logs are kept."""

    @property
    def zone_count(self) -> int:
        """How many zones the network spans: the zones named, else availability_zones."""
        return len(self.zones) or self.availability_zones


@dataclass(frozen=True)
class EncryptionSpec:
    kms_key_arn: str | None = None
    """An existing key to use; None creates the platform key."""
    deletion_window_days: int = 30
    """Days a deleted platform key waits before destruction."""
    auto_scaling_role: ServiceRole = ServiceRole.CREATE
    """Create the EC2 Auto Scaling service-linked role the key policy names, or rely on the
    account's existing one."""


@dataclass(frozen=True)
class ClusterSpec:
    kubernetes_version: str = "1.35"
    """Kubernetes minor version of the EKS control plane."""
    endpoint_access: EndpointAccess = EndpointAccess.PRIVATE
    """Who can reach the API server endpoint."""
    public_access_cidrs: tuple[str, ...] = ()
    """CIDRs allowed to reach a public endpoint."""
    private_access_cidrs: tuple[str, ...] = ()
    """Private CIDRs (runners in the VPC, a VPN) admitted to the private endpoint on 443."""
    kubeconfig_proxy_url: str | None = None
    """A proxy (e.g. a SOCKS tunnel into the VPC) the kubeconfig reaches the API through."""
    admins: tuple[str, ...] = ()
    """IAM principal ARNs granted cluster admin via access entries."""
    log_retention_days: int = 365
    """Days control-plane logs are kept."""
    workload_identity: WorkloadIdentityMode = WorkloadIdentityMode.IRSA
    """How platform workloads get AWS credentials."""


@dataclass(frozen=True)
class TaintSpec:
    key: str
    """Taint key."""
    effect: TaintEffect
    """NoSchedule, PreferNoSchedule or NoExecute."""
    value: str = ""
    """Taint value; empty means none."""


@dataclass(frozen=True)
class GpuSharingSpec:
    strategy: GpuSharing
    """timeSlicing (several pods take turns on a GPU) or mig (hardware partitions)."""
    replicas: int = 4
    """Pods per GPU with timeSlicing."""
    mig_strategy: MigStrategy = MigStrategy.SINGLE
    """How MIG devices are advertised with mig: single (as nvidia.com/gpu) or mixed."""


@dataclass(frozen=True)
class NodePoolSpec:
    name: str
    """Pool name, unique in the spec."""
    instance_types: tuple[str, ...]
    """EC2 instance types of one CPU architecture."""
    min_size: int = 1
    """Fewest nodes."""
    desired_size: int | None = None
    """Nodes at creation; None means min_size."""
    max_size: int = 3
    """Most nodes."""
    disk_size_gib: int = field(default=50, metadata={"key": "diskSizeGiB"})
    """Root volume size in GiB."""
    capacity_type: CapacityType = CapacityType.ON_DEMAND
    """On-demand, spot, an On-Demand Capacity Reservation or a Capacity Block for ML."""
    capacity_reservation_id: str | None = None
    """The reservation (cr-...) the pool launches into, with a reserved capacity type."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Extra Kubernetes node labels."""
    os: NodeOs = NodeOs.AL2023
    """Amazon Linux 2023 or Bottlerocket."""
    taints: tuple[TaintSpec, ...] = ()
    """Extra Kubernetes taints."""
    efa: bool = False
    """Attach an EFA and use a cluster placement group."""
    availability_zone: str | None = None
    """Pin the pool to one zone; None spreads it over all."""
    gpu_sharing: GpuSharingSpec | None = None
    """Share each GPU between pods (GPU pools on al2023); None gives whole GPUs."""

    @property
    def initial_size(self) -> int:
        """The node count at creation: desired_size, or min_size when unset."""
        return self.min_size if self.desired_size is None else self.desired_size

    @cached_property
    def facts(self) -> PoolFacts:
        """What the pool's nodes are (GPUs, AMI, labels, taints, device plugins), decided
        once from the instance table; every consumer reads them here."""
        return pool_facts(self)


@dataclass(frozen=True)
class RepositorySpec:
    name: str
    """Repository name under the platform prefix."""
    keep_last_tagged: int | None = None
    """Tagged artifacts to keep; None keeps all."""
    untagged_expiry_days: int = 7
    """Days before untagged artifacts expire."""


@dataclass(frozen=True)
class PullThroughCacheSpec:
    prefix: str
    """ECR prefix for cached images."""
    upstream: Upstream
    """Upstream registry."""
    credential_arn: str | None = None
    """Secrets Manager secret with upstream credentials."""


@dataclass(frozen=True)
class RegistrySpec:
    scanning: Scanning = Scanning.ON_PUSH
    """Basic scan on push, or Inspector enhanced scanning."""
    repositories: tuple[RepositorySpec, ...] = ()
    """Repositories to create."""
    pull_through_cache: tuple[PullThroughCacheSpec, ...] = ()
    """Pull-through cache rules."""
    manage_account_settings: bool = True
    """Manage the registry's account-wide settings (scanning configuration, cache rules)."""
    scope_team_repositories: bool = True
    """Name team repositories <platform>/teams/<team>/<name>; False keeps <team>/<name>."""


@dataclass(frozen=True)
class StorageSpec:
    noncurrent_version_expiry_days: int = 90
    """Days old object versions are kept in the artifacts and data buckets."""
    access_log_expiry_days: int = 365
    """Days access logs are kept."""


@dataclass(frozen=True)
class DatabaseSpec:
    engine_version: str = "17"
    """PostgreSQL major version."""
    instance_class: str = "db.t4g.medium"
    """RDS instance class."""
    allocated_storage_gib: int = field(default=50, metadata={"key": "allocatedStorageGiB"})
    """Initial storage in GiB."""
    max_allocated_storage_gib: int = field(default=200, metadata={"key": "maxAllocatedStorageGiB"})
    """Storage autoscaling ceiling in GiB."""
    multi_az: bool | None = None
    """Synchronous standby; None means on in prod only."""
    backup_retention_days: int = 7
    """Days automated backups are kept."""
    monitoring_interval_seconds: int | None = None
    """Enhanced Monitoring (OS metrics) interval; 0 turns it off; None means 60 in prod only."""


@dataclass(frozen=True)
class PlatformSpec:
    api_version: str
    """Always mlplat.dev/v1."""
    kind: str
    """Always Platform."""
    metadata: MetadataSpec
    """Who and what the platform is."""
    cloud: CloudSpec
    """Where it runs."""
    encryption: EncryptionSpec = field(default_factory=EncryptionSpec)
    """The platform KMS key (aws)."""
    network: NetworkSpec = field(default_factory=NetworkSpec)
    """The VPC (aws)."""
    cluster: ClusterSpec = field(default_factory=ClusterSpec)
    """The EKS control plane (aws)."""
    node_pools: tuple[NodePoolSpec, ...] = ()
    """Managed node pools (aws)."""
    registry: RegistrySpec = field(default_factory=RegistrySpec)
    """ECR repositories (aws)."""
    storage: StorageSpec = field(default_factory=StorageSpec)
    """S3 buckets (aws)."""
    database: DatabaseSpec = field(default_factory=DatabaseSpec)
    """RDS PostgreSQL (aws)."""
    services: ServicesSpec = field(default_factory=ServicesSpec)
    """Platform services on the cluster; each is on when its key is present."""
    policy: PolicySpec = field(default_factory=PolicySpec)
    """Policy-pack enforcement overrides and exemptions for this stack."""
    teams: tuple[TeamSpec, ...] | None = None
    """Tenants the platform stack manages; [] hosts only team stacks; None means no tenancy."""
    team_stacks: tuple[str, ...] = ()
    """Spec files of the team stacks on this platform, relative to the file naming them;
    their GPU quotas count against the pools with the platform's own teams'."""
    review: ReviewSpec = field(default_factory=ReviewSpec)
    """Destructive changes this spec acknowledges (mlplat diff)."""
    team_stack_teams: tuple[TeamSpec, ...] = field(default=(), metadata={"derived": True})
    """The teams of the ``team_stacks`` files, read by the loader; not written in the spec."""

    @property
    def is_prod(self) -> bool:
        return self.metadata.environment is Environment.PROD


T = TypeVar("T")


def spec_key(f: dataclasses.Field[Any]) -> str:
    """The camelCase key a dataclass field is written as in YAML."""
    if "key" in f.metadata:
        return f.metadata["key"]
    head, *rest = f.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def from_document(cls: type[T], data: Mapping[str, Any]) -> T:
    """Build a dataclass from a schema-valid mapping; absent keys take the field default."""
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = spec_key(f)
        if key in data and not f.metadata.get("derived"):
            kwargs[f.name] = _convert(hints[f.name], data[key])
    return cls(**kwargs)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner, value)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v) for v in value)
    if origin is Mapping:
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return from_document(hint, value)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value
