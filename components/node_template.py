"""cluster-autoscaler's node template for a pool that scales from zero (plain data).

With no node to inspect, the autoscaler reads what a new node would look like (labels,
taints, extended resources) from ``k8s.io/cluster-autoscaler/node-template/...`` tags on
the pool's Auto Scaling group. Each tag is its own ``aws.autoscaling.Tag`` named by its
key, so adding a label never renames another tag's resource. The first release named
them by position; ``first_release_name`` gives that old name for an alias.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

TEMPLATE_PREFIX = "k8s.io/cluster-autoscaler/node-template"
ADDED_SINCE_FIRST_RELEASE = frozenset(
    {
        "label/k8s.amazonaws.com/accelerator",
        "label/mlplat.dev/efa",
        "resources/vpc.amazonaws.com/efa",
    }
)
"""Template keys the first release did not write; every other key had a positional name."""


def template_tags(
    labels: Mapping[str, str],
    taints: Sequence[Mapping[str, str]],
    resources: Mapping[str, int],
) -> dict[str, str]:
    """Template key (without the prefix) -> value; resources with a zero count are left out."""
    tags = {f"label/{k}": v for k, v in labels.items()}
    tags |= {f"taint/{t['key']}": f"{t['value']}:{t['effect']}" for t in taints}
    tags |= {f"resources/{r}": str(n) for r, n in resources.items() if n}
    return tags


def first_release_name(name: str, key: str, tags: Mapping[str, str]) -> str | None:
    """The name the first release gave the tag ``key`` (``<name>-ca-<position in sorted
    order>``), or None for a key it did not write."""
    if key in ADDED_SINCE_FIRST_RELEASE:
        return None
    old_keys = sorted(k for k in tags if k not in ADDED_SINCE_FIRST_RELEASE)
    return f"{name}-ca-{old_keys.index(key)}"
