"""Team: one tenant of the platform, fenced in and given exactly what it needs.

Per namespace: Pod Security ``restricted``, a LimitRange, a ResourceQuota backstop and one
that closes the system-critical priority classes, a default-deny NetworkPolicy plus the
team's allowances, an admin and a viewer Role bound to the team's groups, the workload
service account and a Kueue LocalQueue. Per team: a uid generated once (its identity,
on its namespaces, queue, role and repositories and in its bucket prefix), a ClusterQueue
with quota per GPU pool in the platform's cohort, and on AWS a workload role scoped to the
team's bucket prefixes and repositories, and the repositories themselves. In production
the namespaces are protected and kept in the cluster when the team leaves the program.
Everything is built from the platform's outputs, whether this is the platform stack or a
team's own stack.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from mlplat.components import iam
from mlplat.components.args import coerce, spec_fields
from mlplat.components.options import waits_of
from mlplat.components.registry import EcrRepository, Registry, RegistryArgs
from mlplat.components.services.kube import (
    MANAGED_BY,
    PodSecurity,
    cluster_provider,
    namespace,
    service_account,
)
from mlplat.components.tenancy import objects
from mlplat.components.tenancy.outputs import PlatformOutputs
from mlplat.components.workload_identity import (
    ClusterIdentity,
    WorkloadIdentity,
    WorkloadIdentityArgs,
)
from mlplat.spec.model import WorkloadIdentityMode
from mlplat.spec.teams import (
    ContainerDefaultsSpec,
    GpuQuotaSpec,
    TeamMembersSpec,
    TeamQuotaSpec,
    TeamSpec,
)

ADMIN_ROLE = "team-admin"
VIEWER_ROLE = "team-viewer"


@dataclass(frozen=True)
class TeamMembers:
    """Who gets access to the team's namespaces (EKS access entries and namespaced RBAC)."""

    admins: Sequence[str] = ()
    """IAM role or user ARNs that manage the team's workloads (the team-admin Role)."""
    viewers: Sequence[str] = ()
    """IAM role or user ARNs that may read the team's namespaces (the team-viewer Role)."""


@dataclass(frozen=True)
class GpuQuota:
    """The team's GPUs of one GPU pool (one Kueue ResourceFlavor)."""

    pool: str
    """A GPU node pool of the platform."""
    gpus: int
    """GPUs of that pool guaranteed to the team (the ClusterQueue's nominal quota)."""
    borrowing_limit: int = 0
    """GPUs the team may borrow from other teams' unused quota in the cohort; 0 for none."""


@dataclass(frozen=True)
class TeamQuota:
    """What the team may consume."""

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
    gpus: Sequence[GpuQuota] = ()
    """GPU quota per GPU pool; a pool the team has no entry for admits none of its jobs."""


@dataclass(frozen=True)
class ContainerDefaults:
    """Default requests of containers that set none (no default limits)."""

    cpu_request: str = "250m"
    """CPU request of a container that sets none."""
    memory_request: str = "512Mi"
    """Memory request of a container that sets none."""


@dataclass(frozen=True)
class TeamCloud:
    """The AWS side of a team (absent on an existing cluster). Its resources go to the AWS
    provider in the component's resource options (``providers``)."""

    identity: ClusterIdentity
    """The cluster whose service accounts get the team's role."""
    mode: WorkloadIdentityMode = WorkloadIdentityMode.IRSA
    """IRSA or EKS Pod Identity, as the platform uses."""


@dataclass(frozen=True)
class TeamArgs:
    """Inputs of a Team: the team's entry, and the platform it joins.

    The cluster is the Kubernetes provider in the resource options (``providers``); the
    team's queues wait for the component's ``depends_on`` (the Kueue release).
    """

    name: str
    """Team name, a DNS-1123 label; names its namespace, queue, role and repositories."""
    platform: pulumi.Input[Mapping[str, Any]]
    """The platform's teamPlatform stack output, as exported (what the team may use)."""
    namespaces: Sequence[str] = ()
    """The team's namespaces; empty means one namespace named after the team."""
    members: TeamMembers = field(default_factory=TeamMembers)
    """Who gets access."""
    quota: TeamQuota = field(default_factory=TeamQuota)
    """What the team may consume."""
    container_defaults: ContainerDefaults = field(default_factory=ContainerDefaults)
    """LimitRange defaults for containers that set no resources."""
    repositories: Sequence[str] = ()
    """ECR repositories to create under the platform's team repository prefix (aws)."""
    cost_center: str | None = None
    """Cost-allocation tag value; None tags the team name only."""
    cloud: TeamCloud | None = None
    """The AWS side; None on an existing cluster."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Cost-allocation tags on the team's AWS resources."""
    protect: bool = False
    """Protect the team's namespaces and repositories, and keep them on delete (prod)."""

    @classmethod
    def from_spec(cls, spec: TeamSpec, **rest: Any) -> Self:
        """Args with a team's entry; ``rest`` gives the other fields."""
        quota = spec.quota
        fields = spec_fields(spec, cls)
        fields["members"] = TeamMembers(**spec_fields(spec.members, TeamMembers))
        fields["quota"] = TeamQuota(
            **{
                **spec_fields(quota, TeamQuota),
                "gpus": tuple(GpuQuota(**spec_fields(q, GpuQuota)) for q in quota.gpus),
            }
        )
        fields["container_defaults"] = ContainerDefaults(
            **spec_fields(spec.container_defaults, ContainerDefaults)
        )
        return cls(**{**fields, **rest})

    def team(self) -> TeamSpec:
        """The team as the spec states one, which its objects are built from."""
        quota = self.quota
        return TeamSpec(
            name=self.name,
            namespaces=tuple(self.namespaces),
            members=TeamMembersSpec(
                admins=tuple(self.members.admins), viewers=tuple(self.members.viewers)
            ),
            quota=TeamQuotaSpec(
                **{
                    **spec_fields(quota, TeamQuotaSpec),
                    "gpus": tuple(GpuQuotaSpec(**spec_fields(q, GpuQuotaSpec)) for q in quota.gpus),
                }
            ),
            container_defaults=ContainerDefaultsSpec(
                **spec_fields(self.container_defaults, ContainerDefaultsSpec)
            ),
            repositories=tuple(self.repositories),
            cost_center=self.cost_center,
        )


class Team(pulumi.ComponentResource):
    """One tenant of the platform: restricted namespaces with quotas, default-deny network
    policies, RBAC for its groups, a Kueue queue with GPU quota per pool and, on AWS, a
    workload role and repositories."""

    namespaces: list[str]
    """The team's namespaces."""
    uid: pulumi.Output[str]
    """The team's identity, generated when the team is created."""
    storage_prefix: pulumi.Output[str]
    """The team's key prefix in the artifacts and data buckets."""
    role_arn: pulumi.Output[str] | None
    """The team's workload role (aws)."""
    repository_urls: pulumi.Output[dict[str, str]] | None
    """Repository URL by name (aws, with repositories)."""

    def __init__(
        self, name: str, args: TeamArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        args = coerce(TeamArgs, args)
        super().__init__("mlplat:index:Team", name, None, opts)
        team = self._team = args.team()
        self._platform = pulumi.Output.from_input(args.platform).apply(PlatformOutputs.from_dict)
        self.namespaces = list(team.namespace_names)
        self.uid = random.RandomId(
            f"{name}-uid", byte_length=8, opts=pulumi.ResourceOptions(parent=self)
        ).hex
        self.storage_prefix = self.uid.apply(lambda uid: objects.storage_prefix(team.name, uid))
        identity = {**objects.team_labels(team), objects.TEAM_UID_LABEL: self.uid}
        on_cluster = pulumi.ResourceOptions(parent=self, provider=cluster_provider(self))
        queued = pulumi.ResourceOptions.merge(
            on_cluster, pulumi.ResourceOptions(depends_on=waits_of(opts))
        )
        k8s.apiextensions.CustomResource(
            f"{name}-queue",
            api_version=objects.KUEUE_API,
            kind="ClusterQueue",
            metadata={"name": team.name, "labels": {**MANAGED_BY, **identity}},
            spec=self._platform.apply(lambda p: objects.cluster_queue_spec(team, p)),
            opts=queued,
        )
        tags = {**args.tags, objects.TEAM_UID_LABEL: self.uid}
        self.role_arn, annotations = self._cloud_identity(name, args, tags)
        self.repository_urls = self._repositories(name, args, tags)
        # Python callers only (what access entries wait for): not an output.
        self.namespace_resources: list[k8s.core.v1.Namespace] = [
            self._namespace(name, ns_name, args, identity, annotations, on_cluster, queued)
            for ns_name in self.namespaces
        ]
        self.register_outputs(
            {
                "namespaces": self.namespaces,
                "uid": self.uid,
                "storagePrefix": self.storage_prefix,
                "roleArn": self.role_arn,
                "repositoryUrls": self.repository_urls,
            }
        )

    def _namespace(
        self,
        name: str,
        ns_name: str,
        args: TeamArgs,
        identity: Mapping[str, pulumi.Input[str]],
        annotations: pulumi.Input[Mapping[str, str]],
        on_cluster: pulumi.ResourceOptions,
        queued: pulumi.ResourceOptions,
    ) -> k8s.core.v1.Namespace:
        team = self._team
        ns = namespace(
            ns_name,
            PodSecurity.RESTRICTED,
            provider=cluster_provider(self),
            parent=self,
            labels=identity,
            protect=args.protect,
        )
        key = f"{name}-{ns_name}"
        in_ns = pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[ns]))

        def meta(object_name: str) -> dict[str, object]:
            return {
                "name": object_name,
                "namespace": ns_name,
                "labels": {**MANAGED_BY, **objects.team_labels(team)},
            }

        k8s.core.v1.LimitRange(
            f"{key}-limits",
            metadata=meta("team-defaults"),
            spec=objects.limit_range_spec(team.container_defaults),
            opts=in_ns,
        )
        k8s.core.v1.ResourceQuota(
            f"{key}-quota",
            metadata=meta("team-quota"),
            spec=objects.resource_quota_spec(team.quota),
            opts=in_ns,
        )
        k8s.core.v1.ResourceQuota(
            f"{key}-critical",
            metadata=meta("team-no-critical-priority"),
            spec=objects.critical_priority_quota_spec(),
            opts=in_ns,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{key}-deny",
            metadata=meta("default-deny"),
            spec=objects.default_deny_spec(),
            opts=in_ns,
        )
        k8s.networking.v1.NetworkPolicy(
            f"{key}-allow",
            metadata=meta("team-allowances"),
            spec=self._platform.apply(lambda p: objects.allowances_spec(team, p)),
            opts=in_ns,
        )
        for role, rules, group in (
            (ADMIN_ROLE, objects.admin_rules(), "admins"),
            (VIEWER_ROLE, objects.viewer_rules(), "viewers"),
        ):
            k8s.rbac.v1.Role(f"{key}-{role}", metadata=meta(role), rules=rules, opts=in_ns)
            binding = objects.role_binding(role, objects.group(team.name, group))
            k8s.rbac.v1.RoleBinding(
                f"{key}-{role}",
                metadata=meta(role),
                role_ref=binding["roleRef"],
                subjects=binding["subjects"],
                opts=in_ns,
            )
        service_account(
            f"{key}-workload",
            objects.WORKLOAD_SERVICE_ACCOUNT,
            ns_name,
            annotations,
            in_ns,
            # No Role is bound to it, so a token would only reach discovery; a pod that
            # needs the API (once a platform admin binds a Role) sets
            # automountServiceAccountToken: true itself.
            api_token=False,
        )
        k8s.apiextensions.CustomResource(
            f"{key}-queue",
            api_version=objects.KUEUE_API,
            kind="LocalQueue",
            metadata=meta(objects.LOCAL_QUEUE),
            spec={"clusterQueue": team.name},
            opts=pulumi.ResourceOptions.merge(queued, pulumi.ResourceOptions(depends_on=[ns])),
        )
        return ns

    def _cloud_identity(
        self, name: str, args: TeamArgs, tags: dict[str, pulumi.Input[str]]
    ) -> tuple[pulumi.Output[str] | None, pulumi.Input[Mapping[str, str]]]:
        cloud = args.cloud
        if cloud is None:
            return None, {}
        team = self._team

        def document(p: PlatformOutputs, uid: str) -> str:
            return iam.team_workload(
                objects.storage_prefix(team.name, uid),
                [f"arn:{p.partition}:s3:::{p.buckets[k]}" for k in ("artifacts", "data")],
                str(p.kms_key_arn),
                str(p.region),
                f"arn:{p.partition}:ecr:{p.region}:{p.account_id}:repository/"
                f"{p.team_repository_prefix(team.name)}/*",
                (objects.TEAM_UID_LABEL, uid),
            )

        policy = pulumi.Output.all(self._platform, self.uid).apply(lambda both: document(*both))
        identity = WorkloadIdentity(
            f"{name}-workload",
            WorkloadIdentityArgs(
                cluster=cloud.identity,
                namespace=self.namespaces[0],
                service_account=objects.WORKLOAD_SERVICE_ACCOUNT,
                mode=cloud.mode,
                policy=policy,
                more_namespaces=tuple(self.namespaces[1:]),
                tags=tags,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        return identity.role_arn, identity.service_account_annotations

    def _repositories(
        self, name: str, args: TeamArgs, tags: dict[str, pulumi.Input[str]]
    ) -> pulumi.Output[dict[str, str]] | None:
        cloud, team = args.cloud, self._team
        if cloud is None or not team.repositories:
            return None
        registry = Registry(
            f"{name}-registry",
            RegistryArgs(
                repositories=tuple(EcrRepository(r) for r in team.repositories),
                prefix=self._platform.apply(lambda p: p.team_repository_prefix(team.name)),
                kms_key_arn=self._platform.apply(lambda p: str(p.kms_key_arn)),
                protect=args.protect,
                tags=tags,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        return registry.repository_urls
