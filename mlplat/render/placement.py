"""Where the platform's pods run: its untainted CPU pools, where their scheduling terms allow.

A platform pool has no taint that keeps pods off, so only a pod's nodeSelector and its
required node affinity decide, against the labels mlplat gives the pool's nodes (its own
and the pool label) and the well-known ones EKS sets (OS, architecture). Preferred terms
never keep a pod off a node.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlplat.render.pods import selects
from mlplat.spec import instances
from mlplat.spec.model import NodePoolSpec, TaintEffect

POOL_LABEL = "mlplat.dev/pool"
"""The label every node of a pool carries (components.node_pool.POOL_LABEL; a test keeps
the two equal)."""


def is_platform(pool: NodePoolSpec) -> bool:
    """A CPU pool without a taint that keeps pods off (GPU pools carry the GPU taint)."""
    return instances.gpu(pool.instance_types[0]) is None and all(
        t.effect is TaintEffect.PREFER_NO_SCHEDULE for t in pool.taints
    )


def node_labels(pool: NodePoolSpec) -> dict[str, str]:
    """The labels a CPU pool's nodes carry that a pod may select on."""
    arch = instances.architecture(pool.instance_types[0])
    return {
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "arm64" if arch == instances.ARM64 else "amd64",
        **pool.labels,
        POOL_LABEL: pool.name,
    }


def lands_on(spec: Mapping[str, Any], pool: NodePoolSpec) -> bool:
    """Whether the scheduler may place the pod on a platform pool's nodes."""
    labels = node_labels(pool)
    for key, value in (spec.get("nodeSelector") or {}).items():
        if labels.get(key) != str(value):
            return False
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms") or []
    # An empty term matches no node; matchFields (node names) cannot be known here.
    return not terms or any(
        (t.get("matchExpressions") or t.get("matchFields"))
        and selects({"matchExpressions": t.get("matchExpressions") or []}, labels)
        for t in terms
    )
