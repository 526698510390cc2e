"""What a team can be given: GPU capacity per pool, and what the platform already holds.

Pure data shared by the platform spec's checks and by a team stack's checks against its
platform's outputs (``PlatformFacts`` is built from either), so both refuse the same
quotas with the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from mlplat.spec.model import GpuSharing, NodePoolSpec, PlatformSpec

RESERVED_NAMESPACES = frozenset(
    {
        "default",
        "kube-system",
        "kube-public",
        "kube-node-lease",
        "platform",
        "airflow",
        "mlflow",
        "feast",
        "monitoring",
        "monitoring-node",
        "gpu-system",
        "kueue-system",
    }
)
"""Namespaces of Kubernetes and of the platform's own services; never a team's."""


@dataclass(frozen=True)
class PoolCapacity:
    gpus: int
    """Most GPUs the pool can offer at once: GPUs per node (times sharing replicas) x maxSize."""
    basis: str
    """How that number comes about, for messages."""


@dataclass(frozen=True)
class PlatformFacts:
    """What a team's checks need to know about the platform it joins."""

    gpu_pools: Mapping[str, PoolCapacity] = field(default_factory=dict)
    """GPU pools a quota may name, with their capacity."""
    other_pools: Mapping[str, str] = field(default_factory=dict)
    """Pools a GPU quota cannot name, with the reason."""
    teams: frozenset[str] = frozenset()
    """Teams the platform stack already manages."""
    principals: frozenset[str] = frozenset()
    """IAM principals that already have an EKS access entry."""
    namespaces: frozenset[str] = RESERVED_NAMESPACES
    """Namespaces already taken."""
    aws: bool = True
    """Whether the cluster is EKS (access entries and workload roles exist)."""
    reference: Mapping[str, str] = field(default_factory=dict)
    """What a team stack's ``platform:`` must say: environment, provider, workloadIdentity."""
    gpu_quotas: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Every team's nominal GPU quota per pool (team -> pool -> GPUs): the platform's own
    teams and the team stacks it lists, so each team is judged on what the others leave."""
    unknown_pools: frozenset[str] = frozenset()
    """Pools whose instance types are unknown (reported on their own): quotas on them are
    not judged."""


def pool_capacity(pool: NodePoolSpec) -> PoolCapacity | str | None:
    """The pool's GPU capacity, why a GPU quota cannot name it, or None if its instance
    types are unknown (so what its nodes hold cannot be said)."""
    facts = pool.facts
    if not facts.known:
        return None
    if facts.gpu is None:
        return "it has no NVIDIA GPUs"
    sharing = pool.gpu_sharing
    if sharing is not None and sharing.strategy is GpuSharing.MIG:
        return (
            "it partitions GPUs with MIG, so how many devices a node offers depends on the "
            "MIG profile applied to it"
        )
    basis = f"{facts.gpu.count} {facts.gpu.model} per {pool.instance_types[0]} node"
    if sharing is not None:
        basis += f" x {sharing.replicas} time-slicing replicas"
    return PoolCapacity(facts.advertised_gpus * pool.max_size, f"{basis} x maxSize {pool.max_size}")


def facts_of(spec: PlatformSpec) -> PlatformFacts:
    """What a platform spec establishes before its own teams (which are checked against it)."""
    gpu_pools: dict[str, PoolCapacity] = {}
    other: dict[str, str] = {}
    unknown: set[str] = set()
    for pool in spec.node_pools:
        capacity = pool_capacity(pool)
        if isinstance(capacity, PoolCapacity):
            gpu_pools[pool.name] = capacity
        elif capacity is None:
            unknown.add(pool.name)
        else:
            other[pool.name] = capacity
    return PlatformFacts(
        gpu_pools=gpu_pools,
        other_pools=other,
        principals=frozenset(spec.cluster.admins),
        aws=spec.cloud.provider.value == "aws",
        gpu_quotas=gpu_quotas(spec),
        unknown_pools=frozenset(unknown),
    )


def stack_facts(spec: PlatformSpec) -> PlatformFacts:
    """What a team stack on this platform meets: the facts its ``teamPlatform`` output
    publishes (the platform's own teams, their members and namespaces are taken)."""
    teams = spec.teams or ()
    aws = spec.cloud.provider.value == "aws"
    members = {arn for t in teams for arn in (*t.members.admins, *t.members.viewers)}
    return replace(
        facts_of(spec),
        teams=frozenset(t.name for t in teams),
        principals=frozenset({*spec.cluster.admins, *members}),
        namespaces=RESERVED_NAMESPACES | {ns for t in teams for ns in t.namespace_names},
        reference={
            "environment": str(spec.metadata.environment),
            "provider": str(spec.cloud.provider),
            "workloadIdentity": str(spec.cluster.workload_identity) if aws else "",
        },
    )


def gpu_quotas(spec: PlatformSpec) -> dict[str, dict[str, int]]:
    """Nominal GPUs per pool of every team the platform knows: its own, then its team
    stacks' (team -> pool -> GPUs)."""
    teams = [*(spec.teams or ()), *spec.team_stack_teams]
    return {team.name: {q.pool: q.gpus for q in team.quota.gpus} for team in teams}
