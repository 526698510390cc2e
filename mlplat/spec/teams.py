"""The `teams:` section and the `kind: Team` document: tenants of the shared platform.

A team is one entry: its namespaces, who may act in them, what it may consume (CPU,
memory, storage, object counts, and GPUs per GPU pool), and its cost centre. The same
entry is written either in the platform spec (the platform team manages it) or in its
own `kind: Team` spec, whose stack references the platform stack's outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mlplat.spec.enums import CloudProvider, Environment, WorkloadIdentityMode
from mlplat.spec.policy import PolicySpec
from mlplat.spec.review import ReviewSpec

TEAM_REPOSITORIES = "teams"
"""The segment of the platform's repository namespace that holds team repositories
(<platform>/teams/<team>/<name>), as teams/<team>/ holds their objects in the buckets."""


@dataclass(frozen=True)
class GpuQuotaSpec:
    pool: str
    """A GPU node pool of the platform; each GPU pool is one Kueue ResourceFlavor."""
    gpus: int
    """GPUs of that pool guaranteed to the team (the ClusterQueue's nominal quota)."""
    borrowing_limit: int = 0
    """GPUs the team may borrow from other teams' unused quota in the cohort; 0 for none."""


@dataclass(frozen=True)
class TeamQuotaSpec:
    cpu: str = "16"
    """CPU cores the team's pods may request in total."""
    memory: str = "64Gi"
    """Memory the team's pods may request in total."""
    storage: str = "500Gi"
    """Persistent volume storage the team may request in total."""
    pods: int = 100
    """Pods per namespace."""
    persistent_volume_claims: int = 20
    """PersistentVolumeClaims per namespace."""
    services: int = 20
    """Services per namespace (never LoadBalancer or NodePort: those are refused)."""
    config_maps: int = 100
    """ConfigMaps per namespace."""
    secrets: int = 100
    """Secrets per namespace."""
    gpus: tuple[GpuQuotaSpec, ...] = ()
    """GPU quota per GPU pool; a pool the team has no entry for admits none of its jobs."""

    @property
    def gpu_ceiling(self) -> int:
        """The most GPUs the team can hold at once: nominal plus borrowing, over all pools."""
        return sum(q.gpus + q.borrowing_limit for q in self.gpus)


@dataclass(frozen=True)
class ContainerDefaultsSpec:
    """Default requests only: a default limit would refuse every container that requests
    more than it and sets no limit (most GPU training jobs), and CPU limits only throttle."""

    cpu_request: str = "250m"
    """CPU request of a container that sets none."""
    memory_request: str = "512Mi"
    """Memory request of a container that sets none."""


@dataclass(frozen=True)
class TeamMembersSpec:
    admins: tuple[str, ...] = ()
    """IAM role or user ARNs that manage the team's workloads (the team-admin Role)."""
    viewers: tuple[str, ...] = ()
    """IAM role or user ARNs that may read the team's namespaces (the team-viewer Role)."""


@dataclass(frozen=True)
class TeamSpec:
    name: str
    """Team name, a DNS-1123 label; names its namespace, queue, role and repositories."""
    namespaces: tuple[str, ...] = ()
    """The team's namespaces; empty means one namespace named after the team."""
    members: TeamMembersSpec = field(default_factory=TeamMembersSpec)
    """Who gets access, through EKS access entries and namespaced RBAC."""
    quota: TeamQuotaSpec = field(default_factory=TeamQuotaSpec)
    """What the team may consume."""
    container_defaults: ContainerDefaultsSpec = field(default_factory=ContainerDefaultsSpec)
    """LimitRange defaults for containers that set no resources."""
    repositories: tuple[str, ...] = ()
    """ECR repositories to create as <platform>/teams/<team>/<name> (aws; <team>/<name> on a
    platform that does not scope team repositories)."""
    cost_center: str | None = None
    """Cost-allocation tag value; None tags the team name only."""

    @property
    def namespace_names(self) -> tuple[str, ...]:
        return self.namespaces or (self.name,)


@dataclass(frozen=True)
class PlatformRefSpec:
    """The platform stack, and the facts about it that decide which resources a team gets
    (they must be known before its outputs are; each is checked against them)."""

    stack: str
    """The platform's Pulumi stack, as <organization>/<project>/<stack>."""
    environment: Environment = Environment.PROD
    """The platform's environment; prod protects the team's repositories."""
    provider: CloudProvider = CloudProvider.AWS
    """The platform's cloud provider; aws gives the team access entries and a cloud role."""
    workload_identity: WorkloadIdentityMode = WorkloadIdentityMode.IRSA
    """How the platform hands pods AWS credentials (aws)."""


@dataclass(frozen=True)
class TeamStackSpec:
    """A `kind: Team` document: one team in its own stack, on a platform it references."""

    api_version: str
    """Always mlplat.dev/v1."""
    kind: str
    """Always Team."""
    platform: PlatformRefSpec
    """The platform stack whose outputs this stack consumes."""
    team: TeamSpec
    """The team."""
    policy: PolicySpec = field(default_factory=PolicySpec)
    """Policy-pack enforcement overrides and exemptions for this stack."""
    review: ReviewSpec = field(default_factory=ReviewSpec)
    """Destructive changes this spec acknowledges (mlplat diff)."""
