"""The composition root's tenancy part: Kueue, the spec's teams, and the teams' contract.

Builds ``PlatformOutputs`` from what the platform declared, exports it as ``teamPlatform``
(what team stacks consume), and builds each team of the spec from that same value.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import pulumi

from mlplat.build_network import s3_cidrs
from mlplat.components.services import airflow as airflow_module
from mlplat.components.services import feast as feast_module
from mlplat.components.services import mlflow as mlflow_module
from mlplat.components.services import monitoring as monitoring_module
from mlplat.components.team import Team, TeamArgs, TeamCloud
from mlplat.components.tenancy import objects
from mlplat.components.tenancy.access import TeamAccess, TeamAccessArgs
from mlplat.components.tenancy.admission import AdmissionFences, AdmissionFencesArgs
from mlplat.components.tenancy.kueue import Kueue, KueueArgs
from mlplat.components.tenancy.outputs import PlatformOutputs
from mlplat.spec.capacity import facts_of, stack_facts
from mlplat.spec.model import PlatformSpec
from mlplat.spec.subnets import plan_subnets
from mlplat.spec.tags import cloud_tags, team_tags
from mlplat.spec.teams import TeamSpec

if TYPE_CHECKING:
    from mlplat.build import Platform

OUTPUT = "teamPlatform"
"""The stack output team stacks read through their StackReference."""


def build_tenancy(spec: PlatformSpec, platform: Platform) -> dict[str, Any]:
    """Kueue, the teams and their access; returns the ``teamPlatform`` output. Nothing
    when the spec has no ``teams`` key."""
    if spec.teams is None:
        return {}
    name = spec.metadata.name
    provider = platform.kubernetes.provider
    gpu_pools = facts_of(spec).gpu_pools
    kueue = Kueue(
        f"{name}-kueue",
        KueueArgs(
            provider=provider,
            gpu_pools={
                pool.name: list(pool.facts.taints)
                for pool in spec.node_pools
                if pool.name in gpu_pools
            },
            monitoring=platform.monitoring,
            peers=platform.peers,
        ),
    )
    exported = platform_outputs(spec, platform)
    resolved = pulumi.Output.from_input(exported).apply(PlatformOutputs.from_dict)
    AdmissionFences(f"{name}-fences", AdmissionFencesArgs(provider=provider))
    cloud = None
    if platform.identity is not None and platform.provider_opts is not None:
        cloud = TeamCloud(
            identity=platform.identity,
            mode=spec.cluster.workload_identity,
            opts=platform.provider_opts,
        )
    built = {
        team.name: Team(
            f"{name}-team-{team.name}",
            TeamArgs(
                spec=team,
                platform=resolved,
                provider=provider,
                cloud=cloud,
                tags=team_tags(team),
                queues_ready=[kueue.release],
                protect=spec.is_prod,
            ),
        )
        for team in spec.teams
    }
    if platform.cluster is not None and platform.provider_opts is not None:
        groups, tags = member_groups(spec.teams)
        if groups:
            TeamAccess(
                f"{name}-team-access",
                TeamAccessArgs(
                    cluster_name=platform.cluster.name,
                    groups=groups,
                    tags=tags,
                    after={
                        arn: [
                            ns
                            for group in member
                            for ns in built[group.split(":")[1]].namespace_resources
                        ]
                        for arn, member in groups.items()
                    },
                ),
                platform.provider_opts,
            )
    return {
        OUTPUT: exported,
        "teamStoragePrefixes": {team: t.storage_prefix for team, t in sorted(built.items())},
    }


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


def platform_outputs(spec: PlatformSpec, platform: Platform) -> dict[str, Any]:
    """What teams may use, in the exported shape, from what the platform declared."""
    facts = stack_facts(spec)
    services = {
        "airflow": (spec.services.airflow, airflow_module.NAMESPACE, airflow_module.API_PORT),
        "mlflow": (spec.services.mlflow, mlflow_module.NAMESPACE, mlflow_module.PORT),
        "feast": (spec.services.feature_store, feast_module.NAMESPACE, feast_module.POD_PORT),
    }
    teams = spec.teams or ()
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
            key: {"namespace": ns, "port": port}
            for key, (enabled, ns, port) in services.items()
            if enabled is not None
        },
        "monitoring_namespace": monitoring_module.NAMESPACE if spec.services.monitoring else None,
        "teams": tuple(t.name for t in teams),
        "principals": tuple(sorted(facts.principals)),
        "namespaces": tuple(sorted(facts.namespaces)),
        "tags": cloud_tags(spec),
    }
    cluster, identity, storage = platform.cluster, platform.identity, platform.storage
    if cluster is None or identity is None or storage is None:
        return PlatformOutputs.export(values)
    region = str(spec.cloud.region)
    values |= {
        "region": region,
        "partition": identity.partition,
        "account_id": identity.account_id,
        "cluster_name": cluster.name,
        "cluster_arn": cluster.arn,
        "oidc_provider_arn": cluster.oidc_provider_arn,
        "oidc_issuer": cluster.oidc_issuer,
        "workload_identity": str(spec.cluster.workload_identity),
        "kms_key_arn": platform.kms_key_arn,
        "buckets": storage.bucket_names,
        "interface_endpoints": tuple(spec.network.interface_endpoints),
        "endpoint_cidrs": plan_subnets(spec.network.cidr, spec.network.availability_zones).endpoints
        if spec.network.interface_endpoints
        else (),
        "s3_cidrs": s3_cidrs(region, platform.aws_provider),
        "repository_namespace": (
            spec.metadata.name if spec.registry.scope_team_repositories else None
        ),
    }
    return PlatformOutputs.export(values)
