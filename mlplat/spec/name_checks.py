"""Physical names derived from the spec must fit AWS's limits (``aws_names``).

Pulumi names most resources after their logical name plus a random suffix, and the
logical names grow with the platform, pool and team names; past AWS's limit the first
``pulumi up`` fails halfway. Each rule below builds a logical name the way the
components do and refuses the spec with the arithmetic. The test that walks the example
plans and a spec at these very limits keeps the two in step.
"""

from __future__ import annotations

from collections.abc import Iterator

from mlplat.spec.aws_names import AUTONAME_SUFFIX, PHYSICAL_NAMES
from mlplat.spec.enums import CloudProvider
from mlplat.spec.errors import Path, SpecError
from mlplat.spec.findings import error_at
from mlplat.spec.model import PlatformSpec
from mlplat.spec.teams import TEAM_REPOSITORIES
from mlplat.spec.yaml_source import SourceDoc

ROLE = "aws:iam/role:Role"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
REPOSITORY = "aws:ecr/repository:Repository"


def _too_long(
    doc: SourceDoc,
    path: Path,
    resource_type: str,
    name: str,
    *,
    autonamed: bool,
    shorten: str,
) -> Iterator[SpecError]:
    rule = PHYSICAL_NAMES[resource_type]
    suffix = AUTONAME_SUFFIX if autonamed else 0
    length = len(name) + suffix
    if length <= rule.limit:
        return
    shown = f"'{name}-xxxxxxx'" if autonamed else f"'{name}'"
    arithmetic = f"{len(name)} + {suffix} for Pulumi's random suffix" if autonamed else ""
    yield error_at(
        doc,
        "name-too-long",
        path,
        f"the {rule.what} {shown} would be {length} characters"
        + (f" ({arithmetic})" if arithmetic else "")
        + f"; AWS allows {rule.limit}",
        f"shorten {shorten} by {length - rule.limit} characters",
    )


def name_checks(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    if spec.cloud.provider is not CloudProvider.AWS:
        return
    platform = spec.metadata.name
    for i, pool in enumerate(spec.node_pools):
        at: Path = ("nodePools", i, "name")
        both = "the platform or pool name"
        base = f"{platform}-{pool.name}"
        yield from _too_long(doc, at, ROLE, f"{base}-node-role", autonamed=True, shorten=both)
        yield from _too_long(doc, at, NODE_GROUP, f"{base}-ng", autonamed=True, shorten=both)
    for i, team in enumerate(spec.teams or ()):
        at = ("teams", i, "name")
        role = f"{platform}-team-{team.name}-workload-role"
        shorten = "the platform or team name"
        yield from _too_long(doc, at, ROLE, role, autonamed=True, shorten=shorten)
        if not spec.registry.scope_team_repositories:
            continue
        for j, repo in enumerate(team.repositories):
            yield from _too_long(
                doc,
                ("teams", i, "repositories", j),
                REPOSITORY,
                f"{platform}/{TEAM_REPOSITORIES}/{team.name}/{repo}",
                autonamed=False,
                shorten="the platform, team or repository name",
            )
    if spec.services.feature_store is not None:
        yield from _too_long(
            doc,
            ("metadata", "name"),
            REPLICATION_GROUP,
            f"{platform}-online-redis",
            autonamed=True,
            shorten="the platform name (the Feast online store's ElastiCache group)",
        )
