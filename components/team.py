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

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from mlplat.components import iam
from mlplat.components.registry import EcrRepository, Registry, RegistryArgs
from mlplat.components.services.kube import MANAGED_BY, PodSecurity, namespace, service_account
from mlplat.components.tenancy import objects
from mlplat.components.tenancy.outputs import PlatformOutputs
from mlplat.components.workload_identity import (
    ClusterIdentity,
    WorkloadIdentity,
    WorkloadIdentityArgs,
)
from mlplat.spec.model import WorkloadIdentityMode
from mlplat.spec.teams import TeamSpec

ADMIN_ROLE = "team-admin"
VIEWER_ROLE = "team-viewer"


@dataclass(frozen=True)
class TeamCloud:
    """The AWS side of a team (absent on an existing cluster)."""

    identity: ClusterIdentity
    """The cluster whose service accounts get the team's role."""
    mode: WorkloadIdentityMode
    """IRSA or EKS Pod Identity, as the platform uses."""
    opts: pulumi.ResourceOptions
    """Puts AWS resources on the stack's AWS provider."""


@dataclass(frozen=True)
class TeamArgs:
    spec: TeamSpec
    """The team's entry."""
    platform: pulumi.Output[PlatformOutputs]
    """What the platform offers (its stack outputs, or the same values in-stack)."""
    provider: k8s.Provider
    """The cluster's Kubernetes provider."""
    cloud: TeamCloud | None = None
    """The AWS side; None on an existing cluster."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Cost-allocation tags on the team's AWS resources."""
    queues_ready: Sequence[pulumi.Resource] = ()
    """What must exist before queues (the Kueue release, in the platform stack)."""
    protect: bool = False
    """Protect the team's namespaces and repositories, and keep them on delete (prod)."""


class Team(pulumi.ComponentResource):
    namespaces: list[str]
    namespace_resources: list[k8s.core.v1.Namespace]
    """What the team's access entries wait for: a namespace that exists is refused."""
    uid: pulumi.Output[str]
    """The team's identity, generated when the team is created."""
    storage_prefix: pulumi.Output[str]
    """The team's key prefix in the artifacts and data buckets."""
    role_arn: pulumi.Output[str] | None
    """The team's workload role (aws)."""
    repository_urls: pulumi.Output[dict[str, str]] | None

    def __init__(
        self, name: str, args: TeamArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("mlplat:index:Team", name, None, opts)
        team = args.spec
        self.namespaces = list(team.namespace_names)
        self.uid = random.RandomId(
            f"{name}-uid", byte_length=8, opts=pulumi.ResourceOptions(parent=self)
        ).hex
        self.storage_prefix = self.uid.apply(lambda uid: objects.storage_prefix(team.name, uid))
        identity = {**objects.team_labels(team), objects.TEAM_UID_LABEL: self.uid}
        on_cluster = pulumi.ResourceOptions(parent=self, provider=args.provider)
        queued = pulumi.ResourceOptions.merge(
            on_cluster, pulumi.ResourceOptions(depends_on=list(args.queues_ready))
        )
        k8s.apiextensions.CustomResource(
            f"{name}-queue",
            api_version=objects.KUEUE_API,
            kind="ClusterQueue",
            metadata={"name": team.name, "labels": {**MANAGED_BY, **identity}},
            spec=args.platform.apply(lambda p: objects.cluster_queue_spec(team, p)),
            opts=queued,
        )
        tags = {**args.tags, objects.TEAM_UID_LABEL: self.uid}
        self.role_arn, annotations = self._cloud_identity(name, args, tags)
        self.repository_urls = self._repositories(name, args, tags)
        self.namespace_resources = [
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
        team = args.spec
        ns = namespace(
            ns_name,
            PodSecurity.RESTRICTED,
            provider=args.provider,
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
            spec=args.platform.apply(lambda p: objects.allowances_spec(team, p)),
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
        team = args.spec

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

        policy = pulumi.Output.all(args.platform, self.uid).apply(lambda both: document(*both))
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
            pulumi.ResourceOptions.merge(cloud.opts, pulumi.ResourceOptions(parent=self)),
        )
        return identity.role_arn, identity.service_account_annotations

    def _repositories(
        self, name: str, args: TeamArgs, tags: dict[str, pulumi.Input[str]]
    ) -> pulumi.Output[dict[str, str]] | None:
        cloud, team = args.cloud, args.spec
        if cloud is None or not team.repositories:
            return None
        registry = Registry(
            f"{name}-registry",
            RegistryArgs(
                repositories=tuple(EcrRepository(r) for r in team.repositories),
                prefix=args.platform.apply(lambda p: p.team_repository_prefix(team.name)),
                kms_key_arn=args.platform.apply(lambda p: str(p.kms_key_arn)),
                protect=args.protect,
                tags=tags,
            ),
            pulumi.ResourceOptions.merge(cloud.opts, pulumi.ResourceOptions(parent=self)),
        )
        return registry.repository_urls
