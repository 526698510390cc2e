"""Checks on teams: names, namespaces, members, and quotas against GPU pool capacity.

The same per-team checks run on a platform spec's ``teams:`` (against the facts the spec
itself establishes) and on a ``kind: Team`` spec (against its platform's published
facts), so a quota is refused with the same message wherever the team is declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from mlplat.spec.capacity import PlatformFacts, facts_of
from mlplat.spec.errors import Path, SpecError
from mlplat.spec.findings import Check, dns_label, duplicates, error_at, reads
from mlplat.spec.model import CloudProvider, PlatformSpec, WorkloadIdentityMode
from mlplat.spec.schema import suggest
from mlplat.spec.tags import value_problem
from mlplat.spec.teams import TeamSpec, TeamStackSpec
from mlplat.spec.yaml_source import SourceDoc

TEAM_NAME_MAX = 30
"""Room for the platform name and suffixes in IAM role names (64 characters)."""
NAMESPACE_MAX = 63

_PRINCIPAL = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
_GROUP = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:group/")


@reads("cloud", "cluster")
def team_entries(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    """Each team of a platform spec on its own: name, namespaces, members, repositories."""
    facts = facts_of(spec)
    for i, team in enumerate(spec.teams or ()):
        yield from team_errors(team, ("teams", i), facts, doc)


@reads("teams")
def teams_together(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    """What only the whole list shows: repeated names, namespaces two teams claim."""
    if spec.teams is None:
        return
    yield from duplicates(doc, ("teams",), [t.name for t in spec.teams], "name", "team name")
    yield from _shared_namespaces(spec, doc)


@reads("nodePools", "teams", "teamStacks")
def team_quotas(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    """Each team's GPU quotas against the pools and what every other team holds."""
    facts = facts_of(spec)
    for i, team in enumerate(spec.teams or ()):
        yield from _gpu_quotas(team, ("teams", i), facts, doc)


def team_stack_checks(
    spec: TeamStackSpec, doc: SourceDoc, facts: PlatformFacts | None
) -> Iterator[SpecError]:
    """A `kind: Team` spec; without its platform's facts, pools and principals go unchecked."""
    problem = stack_reference_problem(spec.platform.stack, None)
    if problem is not None:
        yield error_at(
            doc,
            "stack-reference-backend",
            ("platform", "stack"),
            problem,
            "on Pulumi Cloud this is right; pulumi up checks it against the stack's backend",
            warning=True,
        )
    if facts is None:
        yield from team_errors(spec.team, ("team",), PlatformFacts(), doc)
        return
    said = {
        "environment": str(spec.platform.environment),
        "provider": str(spec.platform.provider),
        "workloadIdentity": str(spec.platform.workload_identity),
    }
    for key, actual in facts.reference.items():
        if actual and said.get(key) != actual:
            yield error_at(
                doc,
                "platform-mismatch",
                ("platform", key),
                f"platform stack {spec.platform.stack} has {key} {actual}; this spec says "
                f"{said.get(key)}",
                f"set platform.{key}: {actual}",
            )
    facts = replace(facts, aws=said["provider"] == "aws")
    yield from team_errors(spec.team, ("team",), facts, doc)
    yield from _gpu_quotas(spec.team, ("team",), facts, doc)


SELF_MANAGED_ORGANIZATION = "organization"
"""What a self-managed backend (``pulumi login --local``, ``s3://``…) calls every stack's
organization; only Pulumi Cloud has organizations of other names."""


def stack_reference_problem(stack: str, organization: str | None) -> str | None:
    """What is wrong with ``platform.stack`` on a backend whose organization is
    ``organization`` (None: not known, as in ``mlplat validate``), if anything."""
    org, project, name = stack.split("/", 2)
    diy = SELF_MANAGED_ORGANIZATION
    if organization is None and org != diy:
        return (
            f"'{org}' is a Pulumi Cloud organization: on a self-managed backend (pulumi login "
            f"--local or s3://..., as the README deploys) this reference must read "
            f"{diy}/{project}/{name}, with the literal word {diy}"
        )
    if organization is not None and org != organization:
        backend = (
            f"this stack's backend is self-managed, where every stack's organization is the "
            f"literal word {diy}"
            if organization == diy
            else f"this stack is in the Pulumi Cloud organization '{organization}'"
        )
        return (
            f"platform.stack reads {stack}, but {backend}, and a stack reference only reaches "
            f"stacks of its own backend: write {organization}/{project}/{name}"
        )
    return None


UNCHECKED_WITHOUT_PLATFORM = (
    "GPU quotas against the pools' capacity and what other teams hold",
    "the team's name, namespaces and members against the platform's teams and access entries",
    "platform.environment, provider and workloadIdentity against the platform",
)
"""What a `kind: Team` spec cannot be checked for without its platform's outputs."""


def team_errors(
    team: TeamSpec, at: Path, facts: PlatformFacts, doc: SourceDoc
) -> Iterator[SpecError]:
    """One team's own problems, judged against what its platform holds (quotas apart)."""
    yield from dns_label(doc, (*at, "name"), team.name, TEAM_NAME_MAX)
    if team.name in facts.teams:
        yield error_at(
            doc,
            "team-exists",
            (*at, "name"),
            f"the platform stack already manages a team named '{team.name}'",
            "remove the team from the platform spec's teams: first, or pick another name",
        )
    yield from _namespaces(team, at, facts, doc)
    yield from _members(team, at, facts, doc)
    yield from duplicates(
        doc, (*at, "quota", "gpus"), [q.pool for q in team.quota.gpus], "pool", "GPU pool"
    )
    yield from duplicates(doc, (*at, "repositories"), list(team.repositories), "", "repository")
    if team.cost_center is not None and (problem := value_problem(team.cost_center)):
        yield error_at(doc, "tag-invalid", (*at, "costCenter"), f"costCenter is tagged: {problem}")


def _namespaces(
    team: TeamSpec, at: Path, facts: PlatformFacts, doc: SourceDoc
) -> Iterator[SpecError]:
    for j, name in enumerate(team.namespace_names):
        path = (*at, "namespaces", j) if team.namespaces else (*at, "name")
        if team.namespaces:  # else the namespace is the team's name, checked already
            yield from dns_label(doc, path, name, NAMESPACE_MAX)
        if name in facts.namespaces or name.startswith("kube-"):
            yield error_at(
                doc,
                "namespace-taken",
                path,
                f"namespace '{name}' belongs to the platform or to Kubernetes",
                f"use a namespace of the team's own, e.g. '{team.name}-{name}'",
            )
    yield from duplicates(doc, (*at, "namespaces"), list(team.namespaces), "", "namespace")


def _members(team: TeamSpec, at: Path, facts: PlatformFacts, doc: SourceDoc) -> Iterator[SpecError]:
    groups = {"admins": team.members.admins, "viewers": team.members.viewers}
    if not facts.aws and any(groups.values()):
        yield error_at(
            doc,
            "members-need-aws",
            (*at, "members"),
            "members become EKS access entries, which exist only on provider aws",
            f"on an existing cluster, map identities to the Kubernetes groups "
            f"'mlplat:{team.name}:admins' and 'mlplat:{team.name}:viewers' in its own "
            "authentication, and remove members",
        )
        return
    seen: dict[str, str] = {}
    for role, arns in groups.items():
        for j, arn in enumerate(arns):
            path = (*at, "members", role, j)
            if _GROUP.match(arn):
                yield error_at(
                    doc,
                    "member-not-principal",
                    path,
                    f"'{arn}' is an IAM group; EKS access entries accept IAM roles and users only",
                    "name a role the group's members may assume instead",
                )
            elif not _PRINCIPAL.match(arn):
                yield error_at(
                    doc,
                    "member-not-principal",
                    path,
                    f"expected an IAM role or user ARN "
                    f"(arn:aws:iam::<12-digit account>:role/<name>), found '{arn}'",
                )
            elif arn in facts.principals:
                yield error_at(
                    doc,
                    "member-has-access",
                    path,
                    f"'{arn}' already has an EKS access entry on this platform "
                    "(a cluster admin or a member of a platform-managed team)",
                    "an IAM principal gets one access entry per cluster; use another role",
                )
            elif arn in seen:
                yield error_at(
                    doc,
                    "member-repeated",
                    path,
                    f"'{arn}' is already listed under members.{seen[arn]}",
                    "list each principal once; admins can already read",
                )
            seen.setdefault(arn, role)


def _gpu_quotas(
    team: TeamSpec, at: Path, facts: PlatformFacts, doc: SourceDoc
) -> Iterator[SpecError]:
    for j, quota in enumerate(team.quota.gpus):
        path = (*at, "quota", "gpus", j)
        if quota.pool in facts.unknown_pools:
            continue  # the pool's unknown instance type is its own error
        capacity = facts.gpu_pools.get(quota.pool)
        held = {
            other: pools[quota.pool]
            for other, pools in sorted(facts.gpu_quotas.items())
            if other != team.name and pools.get(quota.pool)
        }
        if capacity is None:
            reason = facts.other_pools.get(quota.pool)
            close = suggest(quota.pool, sorted(facts.gpu_pools))
            gone = (
                "the platform offers no such pool; Kueue deactivates a ClusterQueue that "
                "names a missing flavor, so none of the team's jobs (CPU ones included) would "
                "be admitted"
            )
            yield error_at(
                doc,
                "quota-pool-invalid",
                (*path, "pool"),
                f"pool '{quota.pool}' cannot take a GPU quota: " + (reason or gone),
                f"did you mean '{close}'?"
                if close
                else f"GPU pools: {', '.join(sorted(facts.gpu_pools)) or 'none'}",
            )
        elif quota.gpus > capacity.gpus:
            yield error_at(
                doc,
                "quota-exceeds-capacity",
                (*path, "gpus"),
                f"team '{team.name}' asks for {quota.gpus} GPUs of pool '{quota.pool}', which "
                f"holds at most {capacity.gpus} ({capacity.basis})",
                f"lower gpus to at most {capacity.gpus}, or raise the pool's maxSize",
            )
        elif quota.gpus > (left := capacity.gpus - sum(held.values())):
            holders = ", ".join(f"{name} {gpus}" for name, gpus in held.items())
            yield error_at(
                doc,
                "quota-exceeds-capacity",
                (*path, "gpus"),
                f"team '{team.name}' asks for {quota.gpus} GPUs of pool '{quota.pool}', but "
                f"other teams already hold {sum(held.values())} of its {capacity.gpus} "
                f"({holders}), which leaves {max(left, 0)}",
                f"lower gpus to at most {max(left, 0)} (borrowingLimit lets a team use idle "
                "GPUs beyond its quota), lower another team's, or raise the pool's maxSize",
            )
        elif quota.gpus + quota.borrowing_limit > capacity.gpus:
            yield error_at(
                doc,
                "quota-exceeds-capacity",
                (*path, "borrowingLimit"),
                f"gpus + borrowingLimit = {quota.gpus + quota.borrowing_limit} exceeds pool "
                f"'{quota.pool}''s capacity of {capacity.gpus} ({capacity.basis})",
                f"lower borrowingLimit to at most {capacity.gpus - quota.gpus}",
            )


def _shared_namespaces(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    owner: dict[str, str] = {}
    for i, team in enumerate(spec.teams):
        for j, name in enumerate(team.namespace_names):
            if name in owner and owner[name] != team.name:
                path = ("teams", i, "namespaces", j) if team.namespaces else ("teams", i, "name")
                yield error_at(
                    doc,
                    "namespace-taken",
                    path,
                    f"namespace '{name}' already belongs to team '{owner[name]}'",
                    "each namespace belongs to one team",
                )
            owner.setdefault(name, team.name)


@reads("cloud", "cluster", "network")
def team_endpoints(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    """Under default-deny egress, IRSA pods reach STS only through its interface endpoint."""
    if spec.teams is None:
        return
    irsa = spec.cluster.workload_identity is WorkloadIdentityMode.IRSA
    on_aws = spec.cloud.provider is CloudProvider.AWS
    if on_aws and irsa and "sts" not in spec.network.interface_endpoints:
        yield error_at(
            doc,
            "team-needs-endpoint",
            ("network", "interfaceEndpoints"),
            "team namespaces deny egress to the internet, so their pods can exchange "
            "IRSA tokens only through an STS interface endpoint",
            "add sts to network.interfaceEndpoints (or use cluster.workloadIdentity: podIdentity)",
        )


TEAM_CHECKS: tuple[Check, ...] = (team_entries, teams_together, team_quotas, team_endpoints)
