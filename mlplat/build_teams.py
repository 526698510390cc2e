"""The composition root's tenancy part: Kueue, the spec's teams, and the teams' contract.

Builds ``PlatformOutputs`` from what the platform declared, exports it as ``teamPlatform``
(what team stacks consume), and builds each team of the spec from that same value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from mlplat.build_cloud import Cloud
from mlplat.build_cluster import Cluster
from mlplat.build_network import s3_cidrs
from mlplat.components.services.fence import NetworkPeers
from mlplat.components.team import Team, TeamArgs, TeamCloud
from mlplat.components.tenancy import objects
from mlplat.components.tenancy.access import TeamAccess, TeamAccessArgs
from mlplat.components.tenancy.admission import AdmissionFences, AdmissionFencesArgs
from mlplat.components.tenancy.kueue import Kueue, KueueArgs
from mlplat.components.tenancy.outputs import PlatformOutputs
from mlplat.services.registry import EnabledServices
from mlplat.spec.capacity import facts_of, stack_facts
from mlplat.spec.model import PlatformSpec
from mlplat.spec.subnets import plan_subnets
from mlplat.spec.tags import cloud_tags, team_tags
from mlplat.spec.teams import TeamSpec

OUTPUT = "teamPlatform"
"""The stack output team stacks read through their StackReference."""


def build_tenancy(
    spec: PlatformSpec,
    cloud: Cloud | None,
    cluster: Cluster,
    peers: NetworkPeers,
    monitors_ready: pulumi.Resource | None,
    services: EnabledServices,
) -> dict[str, Any]:
    """Kueue, the teams and their access; returns the ``teamPlatform`` output. Nothing
    when the spec has no ``teams`` key."""
    if spec.teams is None:
        return {}
    name = spec.metadata.name
    provider = cluster.kubernetes.provider
    kueue = _kueue(spec, provider, peers, monitors_ready)
    exported = platform_outputs(spec, cloud, services)
    AdmissionFences(f"{name}-fences", AdmissionFencesArgs(provider=provider))
    team_cloud = None
    on_platform = pulumi.ResourceOptions(providers=[provider], depends_on=[kueue.release])
    if cloud is not None:
        team_cloud = TeamCloud(identity=cloud.identity, mode=spec.cluster.workload_identity)
        on_platform = pulumi.ResourceOptions.merge(cloud.opts, on_platform)
    built = {
        team.name: Team(
            f"{name}-team-{team.name}",
            TeamArgs.from_spec(
                team,
                platform=exported,
                cloud=team_cloud,
                tags=team_tags(team),
                protect=spec.is_prod,
            ),
            on_platform,
        )
        for team in spec.teams
    }
    if cloud is not None:
        _access(spec.teams, name, cloud, built)
    return {
        OUTPUT: exported,
        "teamStoragePrefixes": {team: t.storage_prefix for team, t in sorted(built.items())},
    }


def _kueue(
    spec: PlatformSpec,
    provider: k8s.Provider,
    peers: NetworkPeers,
    monitors_ready: pulumi.Resource | None,
) -> Kueue:
    """Kueue, with one ResourceFlavor per GPU pool (its taints tolerated)."""
    gpu_pools = facts_of(spec).gpu_pools
    return Kueue(
        f"{spec.metadata.name}-kueue",
        KueueArgs(
            provider=provider,
            gpu_pools={
                pool.name: list(pool.facts.taints)
                for pool in spec.node_pools
                if pool.name in gpu_pools
            },
            monitoring=monitors_ready,
            peers=peers,
        ),
    )


def _access(
    teams: tuple[TeamSpec, ...], name: str, cloud: Cloud, built: Mapping[str, Team]
) -> None:
    """EKS access entries for the teams' members, each after its teams' namespaces."""
    groups, tags = member_groups(teams)
    if not groups:
        return
    TeamAccess(
        f"{name}-team-access",
        TeamAccessArgs(
            cluster_name=cloud.cluster.name,
            groups=groups,
            tags=tags,
            after={
                arn: [
                    ns for group in member for ns in built[group.split(":")[1]].namespace_resources
                ]
                for arn, member in groups.items()
            },
        ),
        cloud.opts,
    )


def member_groups(
    teams: tuple[TeamSpec, ...],
) -> tuple[dict[str, list[str]], dict[str, dict[str, str]]]:
    """Principal -> the Kubernetes groups of every team it belongs to, and its entry's tags."""
    groups: dict[str, list[str]] = defaultdict(list)
    tags: dict[str, dict[str, str]] = {}
    for team in teams:
        for role, arns in (("admins", team.members.admins), ("viewers", team.members.viewers)):
            for arn in arns:
                groups[arn].append(objects.group(team.name, role))
                tags.setdefault(arn, team_tags(team))
    return dict(groups), tags


def platform_outputs(
    spec: PlatformSpec, cloud: Cloud | None, services: EnabledServices
) -> dict[str, Any]:
    """What teams may use, in the exported shape, from what the platform declared."""
    facts = stack_facts(spec)
    teams = spec.teams or ()
    scrapers = [n.scraper.namespace for n in services.needs if n.scraper is not None]
    values: dict[str, Any] = {
        "platform": spec.metadata.name,
        "environment": str(spec.metadata.environment),
        "provider": str(spec.cloud.provider),
        "cohort": spec.metadata.name,
        "gpu_pools": {
            pool: {"gpus": c.gpus, "basis": c.basis} for pool, c in facts.gpu_pools.items()
        },
        "other_pools": dict(facts.other_pools),
        "gpu_quotas": {team: dict(pools) for team, pools in facts.gpu_quotas.items()},
        "services": {
            name: {"namespace": endpoint.pods.namespace, "port": endpoint.port}
            for name, endpoint in services.endpoints.items()
        },
        "monitoring_namespace": scrapers[0] if scrapers else None,
        "teams": tuple(t.name for t in teams),
        "principals": tuple(sorted(facts.principals)),
        "namespaces": tuple(sorted(facts.namespaces)),
        "tags": cloud_tags(spec),
    }
    if cloud is None:
        return PlatformOutputs.export(values)
    values |= {
        "region": cloud.region,
        "partition": cloud.identity.partition,
        "account_id": cloud.identity.account_id,
        "cluster_name": cloud.cluster.name,
        "cluster_arn": cloud.cluster.arn,
        "oidc_provider_arn": cloud.cluster.oidc_provider_arn,
        "oidc_issuer": cloud.cluster.oidc_issuer,
        "workload_identity": str(spec.cluster.workload_identity),
        "kms_key_arn": cloud.key_arn,
        "buckets": cloud.storage.bucket_names,
        "interface_endpoints": tuple(spec.network.interface_endpoints),
        "endpoint_cidrs": plan_subnets(spec.network.cidr, spec.network.availability_zones).endpoints
        if spec.network.interface_endpoints
        else (),
        "s3_cidrs": s3_cidrs(cloud.region, cloud.account.provider),
        "repository_namespace": (
            spec.metadata.name if spec.registry.scope_team_repositories else None
        ),
    }
    return PlatformOutputs.export(values)
