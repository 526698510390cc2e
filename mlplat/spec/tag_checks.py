"""AWS's tag limits, checked before anything is declared: a tag over a limit fails
`pulumi up` half-way, on whichever resource AWS creates first."""

from __future__ import annotations

from collections.abc import Iterator

from mlplat.spec import pools
from mlplat.spec.errors import SpecError
from mlplat.spec.findings import Check, error_at, reads
from mlplat.spec.model import CloudProvider, NodePoolSpec, PlatformSpec
from mlplat.spec.tags import (
    AWS_KEY_MAX,
    AWS_TAGS_PER_RESOURCE,
    RESERVED_PREFIX,
    RESOURCE_TAGS_MAX,
    cloud_tags,
    value_problem,
)
from mlplat.spec.yaml_source import SourceDoc

TEMPLATE_PREFIX = pools.TEMPLATE_PREFIX + "/"
"""A pool that scales from zero writes each label and taint as an Auto Scaling group tag
under this prefix (components/node_pool.py), for cluster-autoscaler to read."""
EKS_ASG_TAGS = 5
"""Tags EKS puts on a managed node group's Auto Scaling group: eks:cluster-name,
eks:nodegroup-name, kubernetes.io/cluster/<name> and the two cluster-autoscaler discovery
tags."""


def pool_template_tags(pool: NodePoolSpec) -> int:
    """Tags on a scale-from-zero pool's Auto Scaling group: EKS's own, and the node
    template's (one per label, taint and extended resource of the pool's nodes)."""
    return EKS_ASG_TAGS + len(pool.facts.template_tags)


@reads("metadata", "cloud")
def _platform_tags(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    if spec.cloud.provider is not CloudProvider.AWS:
        return  # an existing cluster's resources are not mlplat's to tag
    meta = spec.metadata
    for key, value in meta.tags.items():
        path = ("metadata", "tags", key)
        if key.startswith(RESERVED_PREFIX):
            yield error_at(
                doc,
                "tag-reserved",
                path,
                f"tag keys under {RESERVED_PREFIX} are mlplat's own (platform, environment, "
                "owner, managed-by, team, cost-center); this one would be overwritten",
                "use a key of your own, e.g. without the prefix",
            )
        if (problem := value_problem(value)) is not None:
            yield error_at(doc, "tag-invalid", path, problem)
    if (problem := value_problem(meta.owner)) is not None:
        yield error_at(
            doc,
            "tag-invalid",
            ("metadata", "owner"),
            f"owner is tagged on every resource: {problem}",
        )
    total = len(cloud_tags(spec)) + RESOURCE_TAGS_MAX
    if total > AWS_TAGS_PER_RESOURCE:
        room = AWS_TAGS_PER_RESOURCE - (len(cloud_tags(spec)) - len(meta.tags)) - RESOURCE_TAGS_MAX
        yield error_at(
            doc,
            "too-many-tags",
            ("metadata", "tags"),
            f"{len(meta.tags)} tags here plus the {total - len(meta.tags)} mlplat adds to a "
            f"resource (4 on every one, up to {RESOURCE_TAGS_MAX} more on subnets) make "
            f"{total}; AWS allows {AWS_TAGS_PER_RESOURCE} per resource",
            f"keep at most {room} tags here",
        )


def _pool_tags(spec: PlatformSpec, doc: SourceDoc) -> Iterator[SpecError]:
    """Labels and taints of a pool that scales from zero become Auto Scaling group tags."""
    longest = AWS_KEY_MAX - len(TEMPLATE_PREFIX + "label/")
    for i, pool in enumerate(spec.node_pools):
        if pool.min_size != 0 or not pool.facts.known:
            continue
        keys = [(("labels", k), k) for k in pool.labels]
        keys += [(("taints", j, "key"), t.key) for j, t in enumerate(pool.taints)]
        for where, key in keys:
            if len(key) > longest:
                yield error_at(
                    doc,
                    "tag-invalid",
                    ("nodePools", i, *where),
                    f"the pool scales from zero, so this key becomes the Auto Scaling group tag "
                    f"{TEMPLATE_PREFIX}{where[0][:-1]}/<key>; AWS tag keys are at most "
                    f"{AWS_KEY_MAX} characters, so the key may have {longest}, not {len(key)}",
                    "shorten the key, or set minSize to 1 or more",
                )
        count = pool_template_tags(pool)
        if count > AWS_TAGS_PER_RESOURCE:
            yield error_at(
                doc,
                "too-many-tags",
                ("nodePools", i, "labels"),
                f"the pool scales from zero, so its labels and taints become tags on its Auto "
                f"Scaling group: {count} with mlplat's and EKS's own, over AWS's "
                f"{AWS_TAGS_PER_RESOURCE}",
                f"remove {count - AWS_TAGS_PER_RESOURCE} labels or taints, or set minSize to 1 "
                "or more",
            )


TAG_CHECKS: tuple[Check, ...] = (_platform_tags, _pool_tags)
