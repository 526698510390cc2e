"""Cost-allocation and ownership tags on cloud resources, and AWS's limits on them.

The tags are a function of the spec, so the spec checks can hold them to AWS's limits
before anything is declared (``tag_checks``); the composition root applies the same ones.
"""

from __future__ import annotations

from mlplat.spec.model import PlatformSpec
from mlplat.spec.teams import TeamSpec

RESERVED_PREFIX = "mlplat.dev/"
"""Tag keys mlplat sets itself; a spec's own tags may not use them."""
AWS_TAGS_PER_RESOURCE = 50
"""User tags per AWS resource (keys under aws: are AWS's own and do not count)."""
AWS_KEY_MAX, AWS_VALUE_MAX = 128, 256
"""Characters in a tag key and value."""
VALUE_PUNCTUATION = " _.:/=+-@"
"""Besides letters and digits, what every AWS service accepts in a tag value."""
RESOURCE_TAGS_MAX = 3
"""The most tags one resource carries beyond ``cloud_tags``: a subnet's Name,
kubernetes.io/role/(internal-)elb and kubernetes.io/cluster/<name>
(components/network.py). Elsewhere it is a Name, or a team's ``team_tags`` (which come
with the platform's tags instead of the four mlplat.dev/ ones of its stack's provider).
A test holds every resource of the example plans to this count."""


def cloud_tags(spec: PlatformSpec) -> dict[str, str]:
    """Tags on every AWS resource (through the provider's default tags)."""
    meta = spec.metadata
    return {
        **meta.tags,
        f"{RESERVED_PREFIX}platform": meta.name,
        f"{RESERVED_PREFIX}environment": str(meta.environment),
        f"{RESERVED_PREFIX}owner": meta.owner,
        f"{RESERVED_PREFIX}managed-by": "pulumi",
    }


def team_tags(team: TeamSpec) -> dict[str, str]:
    """Cost-allocation tags on everything a team owns."""
    tags = {f"{RESERVED_PREFIX}team": team.name}
    if team.cost_center:
        tags[f"{RESERVED_PREFIX}cost-center"] = team.cost_center
    return tags


def value_problem(value: str) -> str | None:
    """Why AWS would refuse ``value`` as a tag value, if it would."""
    if len(value) > AWS_VALUE_MAX:
        return f"AWS tag values are at most {AWS_VALUE_MAX} characters; this one has {len(value)}"
    bad = sorted({c for c in value if not (c.isalnum() or c in VALUE_PUNCTUATION)})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        return f"AWS tag values may hold letters, digits, spaces and _ . : / = + - @; found {shown}"
    return None
