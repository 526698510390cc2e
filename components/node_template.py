"""The names of a scale-from-zero pool's node-template tags (plain data).

With no node to inspect, cluster-autoscaler reads what a new node would look like (labels,
taints, extended resources) from ``k8s.io/cluster-autoscaler/node-template/...`` tags on
the pool's Auto Scaling group (``PoolFacts.template_tags`` says which). Each tag is its
own ``aws.autoscaling.Tag`` named by its key, so adding a label never renames another
tag's resource. The first release named them by position; ``first_release_name`` gives
that old name for an alias.
"""

from __future__ import annotations

from collections.abc import Mapping

ADDED_SINCE_FIRST_RELEASE = frozenset(
    {
        "label/k8s.amazonaws.com/accelerator",
        "label/mlplat.dev/efa",
        "resources/vpc.amazonaws.com/efa",
    }
)
"""Template keys the first release did not write; every other key had a positional name."""


def first_release_name(name: str, key: str, tags: Mapping[str, str]) -> str | None:
    """The name the first release gave the tag ``key`` (``<name>-ca-<position in sorted
    order>``), or None for a key it did not write."""
    if key in ADDED_SINCE_FIRST_RELEASE:
        return None
    old_keys = sorted(k for k in tags if k not in ADDED_SINCE_FIRST_RELEASE)
    return f"{name}-ca-{old_keys.index(key)}"
